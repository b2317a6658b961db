//! The CPU-heavy part of an import, done on the parser thread beside the database
//! writer: the sealed My Number with its look-up hash.

use crate::crypto::{KeyError, NodeKeys, Nonces};
use crate::domain::resident_row::ResidentRow;

pub struct SealedMyNumber {
    pub lookup: [u8; 16],
    pub sealed: Vec<u8>,
}

pub struct Prepared {
    pub row: ResidentRow,
    /// The birth date as stored (YYYY-MM-DD), formatted once here, so the writer thread
    /// does not format it again.
    pub birth_iso: String,
    pub my_number: Option<SealedMyNumber>,
}

pub fn prepare(keys: &NodeKeys, nonces: &mut Nonces, row: ResidentRow) -> Result<Prepared, KeyError> {
    let my_number = match &row.my_number {
        None => None,
        Some(m) => Some(SealedMyNumber {
            lookup: keys.my_number_lookup(m),
            sealed: keys.seal_my_number_from(nonces, row.atena.as_str(), m)?,
        }),
    };
    Ok(Prepared { birth_iso: row.birth_date.iso(), row, my_number })
}
