//! Serde for fixed-size byte strings (keys, signatures, hashes): lowercase hex in
//! human-readable formats (enrollment.json, federation files, test vectors), raw bytes
//! in binary ones (postcard), so files stay readable and the wire stays compact.

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer, const N: usize>(bytes: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() { s.serialize_str(&hex::encode(bytes)) } else { s.serialize_bytes(bytes) }
}

pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
    let v: Vec<u8> = if d.is_human_readable() {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(|_| D::Error::custom("not hex"))?
    } else {
        serde_bytes_vec(d)?
    };
    v.try_into().map_err(|_| D::Error::custom("wrong length"))
}

/// Variable-length bytes (peer ids), same convention.
pub mod vec {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.serialize_str(&hex::encode(bytes)) } else { s.serialize_bytes(bytes) }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            hex::decode(s).map_err(|_| D::Error::custom("not hex"))
        } else {
            serde_bytes_vec(d)
        }
    }
}

/// Reads a serde byte string (postcard writes `serialize_bytes` as varint length + bytes).
fn serde_bytes_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
    }
    d.deserialize_bytes(V)
}
