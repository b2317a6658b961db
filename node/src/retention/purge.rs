//! One purge: everything past the cut-off, a chunk per transaction so that sites keep
//! recording doses meanwhile, and in every transaction the receipt of what it deleted — so
//! nothing is ever deleted without its receipt, even if the node stops half-way.
//!
//! What is purged, in this order (specs/security.md "Retention"):
//! 1. doses vaccinated before the cut-off date, with their change history and outbox rows;
//! 2. disclosure records (answers given to other municipalities) older than the cut-off;
//! 3. residents who moved out, died or were removed before the cut-off (their last change),
//!    with nothing of theirs left: their My Number, coupon history and protection flag;
//! 4. access-log entries older than the cut-off, from the beginning of the chain: the
//!    chain's anchor moves to the last one removed, after checking that they add up.
//!
//! Residents still registered are the municipality's current register and stay.

use super::Cutoff;
use crate::audit::chain;
use crate::db::schema::{
    access_log, access_log_chain, coupon_history, disclosures, my_numbers, outbox, protected_residents, residents,
    vaccination_changes, vaccinations,
};
use crate::db::vaccinations::take_write_lock;
use crate::db::{DbConn, DbError, access_chain, access_log as log};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use serde::Serialize;

/// The access-log action of a purge receipt.
pub const PURGED_ACTION: &str = "retention.purged";

/// Rows removed, by table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub vaccinations: u64,
    pub vaccination_changes: u64,
    pub outbox: u64,
    pub disclosures: u64,
    pub residents: u64,
    pub my_numbers: u64,
    pub coupon_history: u64,
    pub protected_residents: u64,
    pub access_log: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.vaccinations += o.vaccinations;
        self.vaccination_changes += o.vaccination_changes;
        self.outbox += o.outbox;
        self.disclosures += o.disclosures;
        self.residents += o.residents;
        self.my_numbers += o.my_numbers;
        self.coupon_history += o.coupon_history;
        self.protected_residents += o.protected_residents;
        self.access_log += o.access_log;
    }

    fn is_empty(&self) -> bool {
        *self == Counts::default()
    }

    /// The receipt's detail: the cut-off and every count, nothing else.
    fn detail(&self, cutoff: &Cutoff) -> String {
        format!(
            "cutoff={} vaccinations={} vaccination_changes={} outbox={} disclosures={} residents={} my_numbers={} \
             coupon_history={} protected_residents={} access_log={}",
            cutoff.date.iso(),
            self.vaccinations,
            self.vaccination_changes,
            self.outbox,
            self.disclosures,
            self.residents,
            self.my_numbers,
            self.coupon_history,
            self.protected_residents,
            self.access_log
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the access log does not add up at entry {0}: its beginning is kept (run vrs-node audit verify)")]
    LogDoesNotAddUp(i64),
}

impl From<diesel::result::Error> for PurgeError {
    fn from(e: diesel::result::Error) -> Self {
        PurgeError::Db(e.into())
    }
}

fn n(x: usize) -> u64 {
    x as u64
}

/// Purges everything past `cutoff`, `chunk` rows of a kind per transaction.
pub fn purge(conn: &mut DbConn, cutoff: &Cutoff, chunk: i64) -> Result<Counts, PurgeError> {
    let mut total = Counts::default();
    for step in [doses as Step, disclosures_step, residents_step, access_log_step] {
        loop {
            let done = conn.transaction(|c| -> Result<Counts, PurgeError> {
                take_write_lock(c)?;
                let counts = step(c, cutoff, chunk)?;
                if !counts.is_empty() {
                    let detail = Some(counts.detail(cutoff));
                    let e = log::Entry {
                        actor: "system:retention",
                        role: "system",
                        action: PURGED_ACTION,
                        atena: None,
                        detail,
                    };
                    log::record(c, e)?;
                }
                Ok(counts)
            })?;
            if done.is_empty() {
                break;
            }
            total.add(&done);
        }
    }
    Ok(total)
}

type Step = fn(&mut DbConn, &Cutoff, i64) -> Result<Counts, PurgeError>;

fn doses(c: &mut DbConn, cutoff: &Cutoff, chunk: i64) -> Result<Counts, PurgeError> {
    let ids: Vec<String> = vaccinations::table
        .filter(vaccinations::vaccinated_on.lt(cutoff.date.iso()))
        .select(vaccinations::id)
        .limit(chunk)
        .load(c)?;
    if ids.is_empty() {
        return Ok(Counts::default());
    }
    let changes = diesel::delete(vaccination_changes::table.filter(vaccination_changes::vaccination_id.eq_any(&ids)))
        .execute(c)?;
    let outbox = diesel::delete(outbox::table.filter(outbox::vaccination_id.eq_any(&ids))).execute(c)?;
    let doses = diesel::delete(vaccinations::table.filter(vaccinations::id.eq_any(&ids))).execute(c)?;
    Ok(Counts { vaccinations: n(doses), vaccination_changes: n(changes), outbox: n(outbox), ..Counts::default() })
}

fn disclosures_step(c: &mut DbConn, cutoff: &Cutoff, chunk: i64) -> Result<Counts, PurgeError> {
    let ids: Vec<i64> =
        disclosures::table.filter(disclosures::at.lt(cutoff.ts)).select(disclosures::id).limit(chunk).load(c)?;
    let gone = diesel::delete(disclosures::table.filter(disclosures::id.eq_any(&ids))).execute(c)?;
    Ok(Counts { disclosures: n(gone), ..Counts::default() })
}

fn residents_step(c: &mut DbConn, cutoff: &Cutoff, chunk: i64) -> Result<Counts, PurgeError> {
    // Status 0 is an active resident; a status change updates `updated_at`.
    let atenas: Vec<String> = residents::table
        .filter(residents::status.ne(0))
        .filter(residents::updated_at.lt(cutoff.ts))
        .filter(not(exists(vaccinations::table.filter(vaccinations::atena.eq(residents::atena.nullable())))))
        .filter(not(exists(disclosures::table.filter(disclosures::atena.eq(residents::atena)))))
        .select(residents::atena)
        .limit(chunk)
        .load(c)?;
    if atenas.is_empty() {
        return Ok(Counts::default());
    }
    let coupons = diesel::delete(coupon_history::table.filter(coupon_history::atena.eq_any(&atenas))).execute(c)?;
    let mns = diesel::delete(my_numbers::table.filter(my_numbers::atena.eq_any(&atenas))).execute(c)?;
    let flags =
        diesel::delete(protected_residents::table.filter(protected_residents::atena.eq_any(&atenas))).execute(c)?;
    let people = diesel::delete(residents::table.filter(residents::atena.eq_any(&atenas))).execute(c)?;
    Ok(Counts {
        residents: n(people),
        my_numbers: n(mns),
        coupon_history: n(coupons),
        protected_residents: n(flags),
        ..Counts::default()
    })
}

/// Removes the oldest entries (a prefix of the chain) and moves the anchor to the last one
/// removed, after recomputing them: a beginning that does not add up is evidence and stays.
fn access_log_step(c: &mut DbConn, cutoff: &Cutoff, chunk: i64) -> Result<Counts, PurgeError> {
    access_chain::lock(c)?;
    let state = access_chain::state(c)?;
    let rows = access_chain::page(c, state.anchor_seq, chunk)?;
    let (mut last, mut hash) = (state.anchor_seq, state.anchor_hash);
    for row in rows.iter().take_while(|r| r.at < cutoff.ts) {
        let Some(seq) = row.seq.filter(|s| *s == last + 1 && *s <= state.head_seq) else { break };
        let computed = chain::link(&hash, &row.fields(u64::try_from(seq).unwrap_or_default()));
        if row.hash.as_deref() != Some(&computed[..]) {
            return Err(PurgeError::LogDoesNotAddUp(seq));
        }
        (last, hash) = (seq, computed);
    }
    if last == state.anchor_seq {
        return Ok(Counts::default());
    }
    let gone =
        diesel::delete(access_log::table.filter(access_log::seq.gt(state.anchor_seq)).filter(access_log::seq.le(last)))
            .execute(c)?;
    diesel::update(access_log_chain::table.find(1i16))
        .set((access_log_chain::anchor_seq.eq(last), access_log_chain::anchor_hash.eq(hash.to_vec())))
        .execute(c)?;
    Ok(Counts { access_log: n(gone), ..Counts::default() })
}
