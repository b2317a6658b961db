//! Opaque handles for a resident's pages (`/ui/residents/r/{handle}`), so that no URL —
//! in a browser's history, a proxy's log, a screenshot — names a person, not even by the
//! 個別宛名番号. A handle is the atena sealed with AES-256-GCM under a key derived from the
//! session token (`session::Token::handle_key`): only the session that found the resident
//! can open it, and it dies with that session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use vrs_protocol::Atena;

fn key(k: &[u8; 32]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, k).ok().map(LessSafeKey::new)
}

/// A fresh handle (random nonce: the same resident gets a different handle each time).
pub fn seal(k: &[u8; 32], atena: &Atena) -> Option<String> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).ok()?;
    let mut buf = atena.as_str().as_bytes().to_vec();
    key(k)?.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(b"resident"), &mut buf).ok()?;
    let mut out = nonce.to_vec();
    out.extend(buf);
    Some(URL_SAFE_NO_PAD.encode(out))
}

/// The atena inside a handle of this session, or `None` for anything else.
pub fn open(k: &[u8; 32], handle: &str) -> Option<Atena> {
    if handle.len() > 128 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(handle).ok()?;
    if raw.len() <= NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = sealed.to_vec();
    let plain = key(k)?.open_in_place(nonce, Aad::from(b"resident"), &mut buf).ok()?;
    Atena::parse(std::str::from_utf8(plain).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sealing_session_opens_a_handle() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let atena = Atena::parse("100200300").unwrap();
        let h = seal(&a, &atena).unwrap();
        assert!(!h.contains("100200300"));
        assert_eq!(open(&a, &h), Some(atena.clone()));
        assert_eq!(open(&b, &h), None, "another session's key");
        assert_ne!(seal(&a, &atena).unwrap(), h, "a fresh nonce each time");
        let mut tampered = h.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&a, std::str::from_utf8(&tampered).unwrap()), None);
        assert_eq!(open(&a, "100200300"), None);
        assert_eq!(open(&a, ""), None);
    }
}
