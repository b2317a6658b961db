#!/usr/bin/env python3
"""Verify a SMART Health Card with code that shares nothing with the project's Rust:
joserfc (a JOSE library from PyPI) checks the ES256 signature against a JWK set, the
kid is recomputed as the RFC 7638 thumbprint, the payload is raw-inflated with zlib,
and the doses are printed as JSON, one object per line.

    verify-shc.py JWKS.json CARD     (CARD: a file with a compact JWS or shc:/ strings)

Exits non-zero with a one-line reason when anything does not hold.
"""
import json
import sys
import zlib

from joserfc import jws
from joserfc.jwk import KeySet
from joserfc.registry import HeaderParameter

# SMART Health Cards put "zip": "DEF" in the JWS header (a JWE parameter in RFC 7516):
# declared here so the library still refuses every other unknown header.
REGISTRY = jws.JWSRegistry(header_registry={"zip": HeaderParameter("SHC compression", "str")},
                           algorithms=["ES256"])


def shc_to_jws(lines):
    """The shc:/ numeric form (chunks in order) back to the JWS, written from the spec."""
    parts = []
    for i, line in enumerate(lines, 1):
        body = line[len("shc:/"):]
        if "/" in body:
            idx, total, body = body.split("/", 2)
            if int(idx) != i or int(total) != len(lines):
                raise ValueError(f"chunk {idx}/{total} out of order")
        if len(body) % 2:
            raise ValueError("odd number of digits")
        parts.append("".join(chr(int(body[j:j + 2]) + 45) for j in range(0, len(body), 2)))
    return "".join(parts)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        keys = KeySet.import_key_set(json.load(f))
    with open(sys.argv[2]) as f:
        text = f.read().strip()
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    token = shc_to_jws(lines) if lines[0].startswith("shc:/") else text

    sig = jws.deserialize_compact(token, keys, algorithms=["ES256"], registry=REGISTRY)
    header = sig.headers()
    if header.get("zip") != "DEF" or header.get("alg") != "ES256":
        sys.exit(f"verify-shc: unexpected header {header}")
    key = next((k for k in keys if k.kid == header["kid"]), None)
    if key is None or key.thumbprint() != header["kid"]:
        sys.exit("verify-shc: kid is not the RFC 7638 thumbprint of the signing key")
    if len(sig.payload) and len(token.split(".")[2]) != 86:
        sys.exit("verify-shc: ES256 signature is not 64 bytes")
    claims = json.loads(zlib.decompress(sig.payload, -15))
    types = claims["vc"]["type"]
    assert "https://smarthealth.cards#health-card" in types, types
    entries = claims["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    assert entries[0]["resource"]["resourceType"] == "Patient"
    print(json.dumps({"iss": claims["iss"], "nbf": claims["nbf"], "kid": header["kid"],
                      "rid": claims["vc"].get("rid")}))
    for e in entries[1:]:
        r = e["resource"]
        assert r["resourceType"] == "Immunization" and r["patient"]["reference"] == "resource:0"
        coding = r["vaccineCode"]["coding"][0]
        assert coding["system"] == "http://hl7.org/fhir/sid/cvx", coding
        print(json.dumps({"date": r["occurrenceDateTime"], "cvx": coding["code"],
                          "lot": r.get("lotNumber", ""),
                          "performer": r["performer"][0]["actor"]["display"]}, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # one line, whatever failed
        sys.exit(f"verify-shc: refused: {type(e).__name__}: {e}")
