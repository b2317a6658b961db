//! The JOSE pieces a SMART Health Card needs and nothing more: base64url, the P-256 public
//! JWK with its RFC 7638 thumbprint (the `kid`), and the compact JWS with ES256 over a
//! raw-DEFLATE payload (`zip: "DEF"`). Verification never panics: every malformed input
//! is a [`CardError`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// An inflated payload larger than this is refused (a card fits a QR code: a few KB).
pub const MAX_PAYLOAD: u64 = 256 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CardError {
    #[error("not a compact JWS (three base64url parts separated by dots)")]
    Malformed,
    #[error("the JWS header is not an ES256 SMART Health Card header: {0}")]
    Header(String),
    #[error("the card is signed with key {0}, which is not in the issuer's key set")]
    UnknownKey(String),
    #[error("the signature does not verify: the card was altered or not signed by this issuer")]
    BadSignature,
    #[error("the payload does not inflate (raw DEFLATE expected) or is too large")]
    Inflate,
    #[error("the payload is not a SMART Health Card: {0}")]
    Payload(String),
    #[error("not a shc:/ numeric card: {0}")]
    Numeric(String),
    #[error("QR chunks: {0}")]
    Chunks(String),
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(s: &str) -> Result<Vec<u8>, CardError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| CardError::Malformed)
}

/// A public P-256 key as a JWK, as published in `/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
    pub kid: String,
    #[serde(rename = "use", default)]
    pub use_: String,
    #[serde(default)]
    pub alg: String,
    /// SHC revocation: present (the list's `ctr`) once the issuer has revoked anything.
    #[serde(rename = "crlVersion", default, skip_serializing_if = "Option::is_none")]
    pub crl_version: Option<u64>,
}

impl Jwk {
    /// From ring's uncompressed point `04 || x || y`.
    pub fn from_public_point(point: &[u8]) -> Option<Jwk> {
        if point.len() != 65 || point[0] != 4 {
            return None;
        }
        let (x, y) = (b64(&point[1..33]), b64(&point[33..]));
        let kid = thumbprint(&x, &y);
        Some(Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x,
            y,
            kid,
            use_: "sig".into(),
            alg: "ES256".into(),
            crl_version: None,
        })
    }

    fn public_point(&self) -> Result<Vec<u8>, CardError> {
        let bad = || CardError::Header(format!("key {} is not a P-256 EC key", self.kid));
        if self.kty != "EC" || self.crv != "P-256" {
            return Err(bad());
        }
        let (x, y) = (unb64(&self.x).map_err(|_| bad())?, unb64(&self.y).map_err(|_| bad())?);
        if x.len() != 32 || y.len() != 32 {
            return Err(bad());
        }
        Ok([&[4u8][..], &x, &y].concat())
    }
}

/// RFC 7638: base64url(SHA-256) of the required members in lexicographic order, no spaces.
pub fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    b64(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref())
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    zip: String,
    kid: String,
}

/// The signing half: a P-256 key pair with its public JWK.
pub struct Signer {
    pair: EcdsaKeyPair,
    jwk: Jwk,
    header_b64: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer(kid {})", self.jwk.kid)
    }
}

impl Signer {
    pub fn from_pkcs8(pkcs8: &[u8]) -> anyhow::Result<Self> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|e| anyhow::anyhow!("not a P-256 PKCS#8 key: {e}"))?;
        let jwk = Jwk::from_public_point(pair.public_key().as_ref())
            .ok_or_else(|| anyhow::anyhow!("unexpected public key encoding"))?;
        let header = Header { alg: "ES256".into(), zip: "DEF".into(), kid: jwk.kid.clone() };
        let header_b64 = b64(serde_json::to_string(&header).unwrap_or_default().as_bytes());
        Ok(Signer { pair, jwk, header_b64, rng })
    }

    pub fn generate_pkcs8() -> Result<Vec<u8>, ring::error::Unspecified> {
        let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())?;
        Ok(doc.as_ref().to_vec())
    }

    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// `header.payload.signature` with the payload raw-DEFLATEd.
    pub fn sign(&self, payload_json: &[u8]) -> Result<String, ring::error::Unspecified> {
        let mut z = DeflateEncoder::new(Vec::with_capacity(payload_json.len() / 2), Compression::best());
        z.write_all(payload_json).map_err(|_| ring::error::Unspecified)?;
        let deflated = z.finish().map_err(|_| ring::error::Unspecified)?;
        let mut jws = String::with_capacity(self.header_b64.len() + deflated.len() * 4 / 3 + 100);
        jws.push_str(&self.header_b64);
        jws.push('.');
        jws.push_str(&b64(&deflated));
        let sig = self.sign_raw(jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&b64(&sig));
        Ok(jws)
    }

    /// The bare ES256 signature (64 bytes, r || s) of `input`: the benchmark's baseline.
    pub fn sign_raw(&self, input: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
        Ok(self.pair.sign(&self.rng, input)?.as_ref().to_vec())
    }
}

/// Checks a compact JWS against `keys` and returns (kid, inflated payload JSON).
pub fn verify(jws: &str, keys: &[Jwk]) -> Result<(String, serde_json::Value), CardError> {
    let mut parts = jws.trim().split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(CardError::Malformed);
    };
    let header: Header = serde_json::from_slice(&unb64(h)?).map_err(|e| CardError::Header(e.to_string()))?;
    if header.alg != "ES256" || header.zip != "DEF" {
        return Err(CardError::Header(format!("alg {} zip {}", header.alg, header.zip)));
    }
    let key = keys.iter().find(|k| k.kid == header.kid).ok_or_else(|| CardError::UnknownKey(header.kid.clone()))?;
    let sig = unb64(s)?;
    let signed = &jws.trim()[..h.len() + 1 + p.len()];
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, key.public_point()?)
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| CardError::BadSignature)?;
    let mut json = Vec::new();
    DeflateDecoder::new(&unb64(p)?[..]).take(MAX_PAYLOAD + 1).read_to_end(&mut json).map_err(|_| CardError::Inflate)?;
    if json.len() as u64 > MAX_PAYLOAD {
        return Err(CardError::Inflate);
    }
    let payload = serde_json::from_slice(&json).map_err(|e| CardError::Payload(e.to_string()))?;
    Ok((header.kid, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::from_pkcs8(&Signer::generate_pkcs8().unwrap()).unwrap()
    }

    #[test]
    fn sign_verify_round_trip() {
        let s = signer();
        let jws = s.sign(br#"{"iss":"https://x","nbf":1}"#).unwrap();
        let (kid, payload) = verify(&jws, &[s.jwk().clone()]).unwrap();
        assert_eq!(kid, s.jwk().kid);
        assert_eq!(payload["iss"], "https://x");
        assert_eq!(unb64(jws.split('.').nth(2).unwrap()).unwrap().len(), 64, "fixed-size r||s");
    }

    #[test]
    fn thumbprint_matches_rfc7638_example_shape() {
        // RFC 7638 section 3.1 uses an RSA key; the EC member order is crv, kty, x, y.
        let x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
        let y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
        let canonical = format!("{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}");
        let expected = b64(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref());
        assert_eq!(thumbprint(x, y), expected);
        assert_eq!(thumbprint(x, y).len(), 43);
    }

    #[test]
    fn another_key_or_a_wrong_header_is_refused() {
        let (a, b) = (signer(), signer());
        let jws = a.sign(b"{}").unwrap();
        assert!(matches!(verify(&jws, &[b.jwk().clone()]), Err(CardError::UnknownKey(_))));
        let mut forged = b.jwk().clone();
        forged.kid = a.jwk().kid.clone();
        assert_eq!(verify(&jws, &[forged]), Err(CardError::BadSignature));
        let none = format!("{}.{}", b64(br#"{"alg":"none","zip":"DEF","kid":"k"}"#), jws.split_once('.').unwrap().1);
        assert!(matches!(verify(&none, &[a.jwk().clone()]), Err(CardError::Header(_))));
    }
}
