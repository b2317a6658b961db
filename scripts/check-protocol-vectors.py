#!/usr/bin/env python3
"""Independent check of specs/protocol-vectors.json, written from RFC 9180 and RFC 8032
rather than from the Rust code: re-derives every envelope vector's HPKE ciphertext and
Ed25519 signature with Python's `cryptography` package (pip install cryptography).
Usage: scripts/check-protocol-vectors.py [specs/protocol-vectors.json]"""
import hashlib, hmac, json, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

def raw_pub(k):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

def extract(salt, ikm): return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
def expand(prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
    return out[:n]
def lextract(suite, salt, label, ikm): return extract(salt, b"HPKE-v1" + suite + label + ikm)
def lexpand(suite, prk, label, info, n): return expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite + label + info, n)

KEM = b"KEM" + struct.pack(">H", 0x0020)
HPKE = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0003)
INFO = b"vrs-envelope-v1 hpke"

def seal(pk_r, ikm_e, aad, pt):
    sk_e = X25519PrivateKey.from_private_bytes(lexpand(KEM, lextract(KEM, b"", b"dkp_prk", ikm_e), b"sk", b"", 32))
    enc = raw_pub(sk_e)
    dh = sk_e.exchange(X25519PublicKey.from_public_bytes(pk_r))
    shared = lexpand(KEM, lextract(KEM, b"", b"eae_prk", dh), b"shared_secret", enc + pk_r, 32)
    ctx = b"\0" + lextract(HPKE, b"", b"psk_id_hash", b"") + lextract(HPKE, b"", b"info_hash", INFO)
    secret = lextract(HPKE, shared, b"secret", b"")
    key, nonce = lexpand(HPKE, secret, b"key", ctx, 32), lexpand(HPKE, secret, b"base_nonce", ctx, 12)
    return enc, ChaCha20Poly1305(key).encrypt(nonce, pt, aad)

def main(path):
    f = json.load(open(path))
    keys = f["keys"][0]
    sender = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keys["sender_ed25519_seed"]))
    pk_r = raw_pub(X25519PrivateKey.from_private_bytes(bytes.fromhex(keys["recipient_x25519_secret"])))
    assert pk_r.hex() == keys["recipient_x25519_public"]
    assert hashlib.sha256(b"vrs-key-id-v1\0" + pk_r).digest()[:8].hex() == keys["recipient_key_id"]
    for v in f["envelopes"]:
        seed = bytes.fromhex(v["hpke_seed"])
        ikm_e = hashlib.sha256(seed + b"\0\0\0\0").digest()
        assert ikm_e.hex() == v["ikm_e"], v["name"]
        header = bytes.fromhex(v["header"])
        enc, ct = seal(pk_r, ikm_e, header, bytes.fromhex(v["payload"]))
        assert enc.hex() == v["enc"], v["name"]
        assert struct.unpack(">I", header[50:54])[0] == len(ct), v["name"]
        signed = header + enc + ct
        sig = sender.sign(b"vrs-envelope-v1\0" + signed)
        assert sig.hex() == v["signature"], v["name"]
        assert (signed + sig).hex() == v["envelope"], v["name"]
    for v in f["signatures"]:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(
            keys["national_ed25519_seed"] if v["context"] == "vrs-registry-v1" else keys["sender_ed25519_seed"]))
        sig = key.sign(v["context"].encode() + b"\0" + bytes.fromhex(v["body"]))
        assert sig.hex() == v["document"]["signature"], v["name"]
        if "questions" in v:  # a batch's consent binds the digest of all its questions
            digest = hashlib.sha256(b"vrs-inquiry-batch-v1\0" + bytes.fromhex(v["questions"])).hexdigest()
            assert digest == v["document"]["statement"]["subject_digest"], v["name"]
    print(f"{len(f['envelopes'])} envelopes and {len(f['signatures'])} signatures match RFC 9180 / RFC 8032")

main(sys.argv[1] if len(sys.argv) > 1 else "specs/protocol-vectors.json")
