//! Reading a SMART Health Card revocation list (`/.well-known/crl/{kid}.json`, SHC 1.3
//! "rid" method): `rids` entries are `rid` or `rid.timestamp`; a card whose `rid` is listed
//! is revoked if it was issued (`nbf`) before the timestamp, or always when there is none.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Wire {
    kid: String,
    method: String,
    ctr: u64,
    rids: Vec<String>,
}

/// One key's revocation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    pub kid: String,
    pub ctr: u64,
    entries: Vec<(String, Option<i64>)>,
}

impl Crl {
    pub fn parse(json: &str) -> Result<Crl, String> {
        let w: Wire = serde_json::from_str(json).map_err(|e| format!("not a revocation list: {e}"))?;
        if w.method != "rid" {
            return Err(format!("revocation method {:?} is not supported (only \"rid\")", w.method));
        }
        let entries = w
            .rids
            .iter()
            .map(|e| match e.split_once('.') {
                None => Ok((e.clone(), None)),
                Some((rid, at)) => at
                    .parse::<i64>()
                    .map(|t| (rid.to_owned(), Some(t)))
                    .map_err(|_| format!("revocation entry {e:?}: the part after '.' is not a timestamp")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Crl { kid: w.kid, ctr: w.ctr, entries })
    }

    /// Whether a card with this `rid` and `nbf` is revoked; if so, from when (None: always).
    pub fn revokes(&self, rid: &str, nbf: i64) -> Option<Option<i64>> {
        self.entries.iter().filter(|(r, _)| r == rid).find_map(|(_, at)| match at {
            None => Some(None),
            Some(t) if nbf < *t => Some(Some(*t)),
            Some(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_card_issued_before_the_revocation_is_revoked_and_one_after_is_not() {
        let crl = Crl::parse(r#"{"kid":"k","method":"rid","ctr":2,"rids":["abc.1000","xyz"]}"#).unwrap();
        assert_eq!(crl.revokes("abc", 999), Some(Some(1000)));
        assert_eq!(crl.revokes("abc", 1000), None);
        assert_eq!(crl.revokes("xyz", i64::MAX), Some(None));
        assert_eq!(crl.revokes("other", 0), None);
    }

    #[test]
    fn malformed_lists_are_refused_with_a_reason() {
        assert!(Crl::parse("{}").unwrap_err().contains("not a revocation list"));
        let other = r#"{"kid":"k","method":"id","ctr":1,"rids":[]}"#;
        assert!(Crl::parse(other).unwrap_err().contains("not supported"));
        let bad = r#"{"kid":"k","method":"rid","ctr":1,"rids":["a.b"]}"#;
        assert!(Crl::parse(bad).unwrap_err().contains("not a timestamp"));
    }

    proptest! {
        #[test]
        fn any_input_parses_or_fails_without_panicking(s in ".{0,200}") {
            let _ = Crl::parse(&s);
        }

        #[test]
        fn listed_rids_round_trip(rid in "[A-Za-z0-9_-]{1,20}", at in 0i64..4_000_000_000, nbf in 0i64..4_000_000_000) {
            let json = serde_json::json!({"kid": "k", "method": "rid", "ctr": 1, "rids": [format!("{rid}.{at}")]});
            let crl = Crl::parse(&json.to_string()).unwrap();
            prop_assert_eq!(crl.revokes(&rid, nbf).is_some(), nbf < at);
        }
    }
}
