//! The CPU-heavy part of an import, done on the parser thread beside the database
//! writer: the keyed row digest and the sealed My Number with its look-up hash.

use crate::crypto::{KeyError, NodeKeys, Nonces};
use crate::domain::resident_row::ResidentRow;

pub struct SealedMyNumber {
    pub lookup: [u8; 16],
    pub sealed: Vec<u8>,
}

pub struct Prepared {
    pub row: ResidentRow,
    /// The birth date as stored (YYYY-MM-DD), formatted once here for the digest and the
    /// database alike, so the writer thread does not format it again.
    pub birth_iso: String,
    pub digest: [u8; 16],
    pub my_number: Option<SealedMyNumber>,
}

/// The digest's text for the one-digit codes (sex is ISO 5218, status 0–3), without
/// formatting a fresh string for each row.
const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

pub fn prepare(keys: &NodeKeys, nonces: &mut Nonces, row: ResidentRow) -> Result<Prepared, KeyError> {
    let digit = |d: u8| DIGITS.get(usize::from(d)).copied().unwrap_or("?");
    let birth = row.birth_date.iso();
    let digest = keys.row_digest(&[
        row.my_number.as_ref().map(|m| m.expose()).unwrap_or(""),
        &row.family_name,
        &row.given_name,
        &row.family_kana,
        &row.given_kana,
        &birth,
        digit(row.sex.iso_code()),
        row.coupon.as_str(),
        digit(row.status as u8),
    ]);
    let my_number = match &row.my_number {
        None => None,
        Some(m) => Some(SealedMyNumber {
            lookup: keys.my_number_lookup(m),
            sealed: keys.seal_my_number_from(nonces, row.atena.as_str(), m)?,
        }),
    };
    Ok(Prepared { row, birth_iso: birth, digest, my_number })
}
