//! The `shc:/` numeric form of a JWS (each character c as the two digits of ord(c) − 45)
//! and its split into QR chunks (`shc:/1/2/...`) when the JWS is longer than one QR code
//! holds (SHC: 1195 characters), in chunks of near-equal size.

use super::jose::CardError;

/// The longest JWS that goes into one QR code (version 22 at error correction L).
pub const SINGLE_QR_MAX: usize = 1195;
/// The longest JWS piece in one chunk of a chunked card.
pub const CHUNK_MAX: usize = 1191;

/// The digits of `jws` (which is base64url and dots: all between '-' and 'z').
pub fn digits(jws: &str) -> String {
    let mut out = String::with_capacity(jws.len() * 2);
    for b in jws.bytes() {
        let v = b.saturating_sub(45);
        out.push(char::from(b'0' + v / 10));
        out.push(char::from(b'0' + v % 10));
    }
    out
}

/// The inverse of [`digits`]; refuses odd lengths, non-digits and pairs above 77 ('z').
pub fn undigits(d: &str) -> Result<String, CardError> {
    let bytes = d.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(CardError::Numeric("an odd number of digits".into()));
    }
    let mut out = String::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        if !pair.iter().all(u8::is_ascii_digit) {
            return Err(CardError::Numeric("a character that is not a digit".into()));
        }
        let v = (pair[0] - b'0') * 10 + (pair[1] - b'0');
        if v > 77 {
            return Err(CardError::Numeric(format!("pair {v} is above 77")));
        }
        out.push(char::from(v + 45));
    }
    Ok(out)
}

/// `shc:/DIGITS` — the whole card in one string (for files and links).
pub fn whole(jws: &str) -> String {
    format!("shc:/{}", digits(jws))
}

/// The strings the QR codes carry: one `shc:/DIGITS`, or `shc:/i/n/DIGITS` for i in 1..=n.
pub fn chunks(jws: &str) -> Vec<String> {
    if jws.len() <= SINGLE_QR_MAX {
        return vec![whole(jws)];
    }
    let n = jws.len().div_ceil(CHUNK_MAX);
    let size = jws.len().div_ceil(n);
    // jws is ASCII, so byte offsets are character offsets.
    jws.as_bytes().chunks(size).enumerate().map(|(i, c)| format!("shc:/{}/{n}/{}", i + 1, digits_of(c))).collect()
}

fn digits_of(piece: &[u8]) -> String {
    digits(std::str::from_utf8(piece).unwrap_or_default())
}

/// Joins QR strings back into the JWS: one unchunked `shc:/...`, or every chunk of one card
/// in order 1..=n (a missing, repeated or out-of-order chunk is refused).
pub fn decode(parts: &[&str]) -> Result<String, CardError> {
    let bodies: Vec<&str> = parts
        .iter()
        .map(|p| p.trim().strip_prefix("shc:/").ok_or_else(|| CardError::Numeric("does not start with shc:/".into())))
        .collect::<Result<_, _>>()?;
    match bodies.as_slice() {
        [] => Err(CardError::Numeric("nothing to decode".into())),
        [one] if !one.contains('/') => undigits(one),
        _ => {
            let total = bodies.len();
            let mut jws = String::new();
            for (i, body) in bodies.iter().enumerate() {
                let mut f = body.splitn(3, '/');
                let (Some(idx), Some(n), Some(d)) = (f.next(), f.next(), f.next()) else {
                    return Err(CardError::Chunks("a chunk without i/n/ (or an unchunked card among chunks)".into()));
                };
                let (idx, n) = (idx.parse::<usize>(), n.parse::<usize>());
                if n != Ok(total) {
                    return Err(CardError::Chunks(format!("{total} chunks given, the card says otherwise")));
                }
                if idx != Ok(i + 1) {
                    return Err(CardError::Chunks(format!("chunk {} is not in position {}", body_index(body), i + 1)));
                }
                jws.push_str(&undigits(d)?);
            }
            Ok(jws)
        }
    }
}

fn body_index(body: &str) -> &str {
    body.split('/').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_example_characters() {
        // '-' is 00, '.' is 01, 'z' is 77 (SHC "Encoding Chunks as QR codes").
        assert_eq!(digits("-.z"), "000177");
        assert_eq!(undigits("000177").unwrap(), "-.z");
        assert!(undigits("78").is_err());
        assert!(undigits("0").is_err());
        assert!(undigits("0a").is_err());
    }

    #[test]
    fn short_cards_are_one_chunk_long_ones_are_even_chunks() {
        assert_eq!(chunks(&"a".repeat(1195)).len(), 1);
        let long = "ab.".repeat(1000); // 3000 characters -> 3 chunks of 1000
        let c = chunks(&long);
        assert_eq!(c.len(), 3);
        assert!(c[0].starts_with("shc:/1/3/") && c[2].starts_with("shc:/3/3/"));
        let parts: Vec<&str> = c.iter().map(String::as_str).collect();
        assert_eq!(decode(&parts).unwrap(), long);
        let swapped = [parts[1], parts[0], parts[2]];
        assert!(matches!(decode(&swapped), Err(CardError::Chunks(_))));
        assert!(matches!(decode(&parts[..2]), Err(CardError::Chunks(_))));
    }

    proptest! {
        #[test]
        fn numeric_round_trip(s in "[A-Za-z0-9_.-]{0,3000}") {
            prop_assert_eq!(undigits(&digits(&s)).unwrap(), s.clone());
            let c = chunks(&s);
            let parts: Vec<&str> = c.iter().map(String::as_str).collect();
            prop_assert!(c.iter().all(|q| q.len() <= 5 + 10 + CHUNK_MAX * 2));
            prop_assert_eq!(decode(&parts).unwrap(), s);
        }

        #[test]
        fn decode_never_panics(parts in proptest::collection::vec("(shc:/)?[0-9/]{0,40}", 0..4)) {
            let p: Vec<&str> = parts.iter().map(String::as_str).collect();
            let _ = decode(&p);
        }
    }
}
