//! The CPU-heavy part of an import, done on the parser thread beside the database
//! writer: the keyed row digest and the sealed My Number with its look-up hash.

use crate::crypto::{KeyError, NodeKeys};
use crate::domain::resident_row::ResidentRow;

pub struct SealedMyNumber {
    pub lookup: Vec<u8>,
    pub sealed: Vec<u8>,
}

pub struct Prepared {
    pub row: ResidentRow,
    pub digest: Vec<u8>,
    pub my_number: Option<SealedMyNumber>,
}

pub fn prepare(keys: &NodeKeys, row: ResidentRow) -> Result<Prepared, KeyError> {
    let sex = row.sex.iso_code().to_string();
    let status = (row.status as u8).to_string();
    let birth = row.birth_date.iso();
    let digest = keys.row_digest(&[
        row.my_number.as_ref().map(|m| m.expose()).unwrap_or(""),
        &row.family_name,
        &row.given_name,
        &row.family_kana,
        &row.given_kana,
        &birth,
        &sex,
        row.coupon.as_str(),
        &status,
    ]);
    let my_number = match &row.my_number {
        None => None,
        Some(m) => Some(SealedMyNumber {
            lookup: keys.my_number_lookup(m),
            sealed: keys.seal_my_number(row.atena.as_str(), m)?,
        }),
    };
    Ok(Prepared { row, digest, my_number })
}
