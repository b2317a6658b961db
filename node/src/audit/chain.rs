//! The access log's hash chain: the canonical encoding of one entry and the SHA-256 link
//! from the previous entry's hash to this one's (specs/security.md "Access-log chain").
//!
//! `hash(n) = SHA-256("vrs-access-log-v1" ‖ 00 ‖ hash(n-1) ‖ fields(n))`, starting from 32
//! zero bytes. Every field is length-prefixed (or tagged, if optional), so no two
//! different entries encode alike: an attacker cannot move bytes from one field into the
//! next and keep the hash.

use ring::digest::{Context, SHA256};

/// The hash an empty chain starts from.
pub const GENESIS: [u8; 32] = [0; 32];

/// Domain separation: these hashes are worthless as any other protocol's.
const CONTEXT: &[u8] = b"vrs-access-log-v1";

/// One entry as the chain covers it: every column of the row except its database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    pub seq: u64,
    pub at: i64,
    pub actor: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub atena: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// The bytes hashed for an entry after `prev`.
pub fn encode(prev: &[u8; 32], f: &Fields<'_>) -> Vec<u8> {
    let text = f.actor.len() + f.role.len() + f.action.len();
    let optional = f.atena.map_or(0, str::len) + f.detail.map_or(0, str::len);
    let mut out = Vec::with_capacity(CONTEXT.len() + 1 + 32 + 16 + 5 * 5 + text + optional);
    out.extend_from_slice(CONTEXT);
    out.push(0);
    out.extend_from_slice(prev);
    out.extend_from_slice(&f.seq.to_be_bytes());
    out.extend_from_slice(&f.at.to_be_bytes());
    for s in [f.actor, f.role, f.action] {
        text_field(&mut out, s);
    }
    for s in [f.atena, f.detail] {
        match s {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                text_field(&mut out, s);
            }
        }
    }
    out
}

fn text_field(out: &mut Vec<u8>, s: &str) {
    // Log fields are short (names, actions, a detail line); a length over 4 GiB cannot
    // reach the database, so saturating is only a guard.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The chain hash of the entry `f` that follows an entry whose hash is `prev`.
pub fn link(prev: &[u8; 32], f: &Fields<'_>) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(&encode(prev, f));
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// prev, seq, at, the three texts, the two optional texts.
    type Decoded = ([u8; 32], u64, i64, Vec<String>, Vec<Option<String>>);

    /// Reads an encoding back; only a test needs it, to prove the encoding unambiguous.
    fn decode(b: &[u8]) -> Option<Decoded> {
        let rest = b.strip_prefix(CONTEXT)?.strip_prefix(&[0])?;
        let (prev, rest) = rest.split_at_checked(32)?;
        let (seq, rest) = rest.split_at_checked(8)?;
        let (at, mut rest) = rest.split_at_checked(8)?;
        let mut texts = Vec::new();
        for _ in 0..3 {
            let (t, r) = text(rest)?;
            texts.push(t);
            rest = r;
        }
        let mut opts = Vec::new();
        for _ in 0..2 {
            let (tag, r) = rest.split_first()?;
            rest = r;
            opts.push(match tag {
                0 => None,
                1 => {
                    let (t, r) = text(rest)?;
                    rest = r;
                    Some(t)
                }
                _ => return None,
            });
        }
        if !rest.is_empty() {
            return None;
        }
        Some((
            prev.try_into().ok()?,
            u64::from_be_bytes(seq.try_into().ok()?),
            i64::from_be_bytes(at.try_into().ok()?),
            texts,
            opts,
        ))
    }

    fn text(b: &[u8]) -> Option<(String, &[u8])> {
        let (len, rest) = b.split_at_checked(4)?;
        let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
        let (s, rest) = rest.split_at_checked(len)?;
        Some((String::from_utf8(s.to_vec()).ok()?, rest))
    }

    #[test]
    fn known_answer() {
        // The example in specs/security.md: an independent implementation must match it.
        let f = Fields {
            seq: 1,
            at: 1_700_000_000,
            actor: "clerk",
            role: "staff",
            action: "resident.read",
            atena: Some("1001"),
            detail: None,
        };
        assert_eq!(
            hex::encode(encode(&GENESIS, &f)),
            "7672732d6163636573732d6c6f672d763100\
             0000000000000000000000000000000000000000000000000000000000000000\
             0000000000000001000000006553f100\
             00000005636c65726b000000057374616666\
             0000000d7265736964656e742e72656164\
             01000000043130303100"
        );
        assert_eq!(hex::encode(link(&GENESIS, &f)), KNOWN_HASH);
    }

    const KNOWN_HASH: &str = "efa97b7075644bd324cde0cfcdc013e166537c9a288454538119caf4ca626530";

    proptest! {
        #[test]
        fn the_encoding_reads_back_to_the_same_fields(
            prev in any::<[u8; 32]>(), seq in any::<u64>(), at in any::<i64>(),
            actor in ".{0,20}", role in ".{0,8}", action in ".{0,20}",
            atena in proptest::option::of("[0-9]{1,15}"), detail in proptest::option::of(".{0,40}"),
        ) {
            let f = Fields { seq, at, actor: &actor, role: &role, action: &action,
                             atena: atena.as_deref(), detail: detail.as_deref() };
            let (p, s, a, texts, opts) = decode(&encode(&prev, &f)).expect("decodes");
            prop_assert_eq!(p, prev);
            prop_assert_eq!((s, a), (seq, at));
            prop_assert_eq!(texts, vec![actor.clone(), role.clone(), action.clone()]);
            prop_assert_eq!(opts, vec![atena.clone(), detail.clone()]);
        }

        #[test]
        fn moving_bytes_between_fields_changes_the_hash(a in "[a-z]{1,10}", b in "[a-z]{1,10}", cut in 0usize..10) {
            let joined = format!("{a}{b}");
            let cut = cut.min(joined.len());
            let (x, y) = joined.split_at(cut);
            prop_assume!(x != a);
            let f = |actor, role| Fields { seq: 1, at: 0, actor, role, action: "x", atena: None, detail: None };
            prop_assert_ne!(link(&GENESIS, &f(&a, &b)), link(&GENESIS, &f(x, y)));
        }
    }
}
