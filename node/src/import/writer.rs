//! Writes one validated batch into the open import transaction: looks up what the batch
//! touches (three indexed queries), classifies each row as insert / update / unchanged /
//! rejected, then writes. Duplicates across batches are found through the rows already
//! written in this import (`import_id`), so memory does not grow with the file.

use super::prepare::Prepared;
use crate::db::schema::{coupon_history, my_numbers, residents};
use crate::db::{DbConn, DbError};
use crate::domain::resident_row::{COLUMNS, Rejection, ResidentStatus};
use crate::with_conn;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Outcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejections: Vec<Rejection>,
}

#[derive(Insertable)]
#[diesel(table_name = residents, treat_none_as_default_value = false)]
pub(super) struct NewResident<'a> {
    atena: &'a str,
    family_name: &'a str,
    given_name: &'a str,
    family_kana: &'a str,
    given_kana: &'a str,
    birth_date: &'a str,
    sex: i16,
    status: i16,
    coupon_number: &'a str,
    import_id: i64,
    import_line: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = my_numbers, treat_none_as_default_value = false)]
pub(super) struct NewMyNumber<'a> {
    atena: &'a str,
    lookup_hash: &'a [u8],
    sealed: &'a [u8],
}

/// Who already holds a key (atena, coupon, My Number), and whether this import wrote it.
#[derive(Clone)]
struct Holder {
    atena: String,
    import_id: i64,
    line: i64,
}

/// A resident already in the register: the fields a row is compared with, and who holds
/// the 個別宛名番号.
struct Existing {
    fields: StoredFields,
    holder: Holder,
}

/// The stored columns an imported row sets (the My Number is compared through its
/// look-up hash, see [`unchanged`]).
#[derive(Queryable, Selectable)]
#[diesel(table_name = residents)]
struct StoredFields {
    family_name: String,
    given_name: String,
    family_kana: String,
    given_kana: String,
    birth_date: String,
    sex: i16,
    status: i16,
    coupon_number: String,
}

enum Action {
    Insert,
    Update { old_coupon: Option<String> },
    Touch,
}

pub fn apply_batch(conn: &mut DbConn, batch: &[Prepared], import_id: i64, now: i64) -> Result<Outcome, DbError> {
    let atenas: Vec<&str> = batch.iter().map(|p| p.row.atena.as_str()).collect();
    let coupons: Vec<&str> = batch.iter().map(|p| p.row.coupon.as_str()).collect();
    let hashes: Vec<&[u8]> = batch.iter().filter_map(|p| p.my_number.as_ref().map(|m| m.lookup.as_slice())).collect();

    let existing: HashMap<String, Existing> = with_conn!(conn, |c| residents::table
        .filter(residents::atena.eq_any(&atenas))
        .select((residents::atena, StoredFields::as_select(), residents::import_id, residents::import_line))
        .load::<(String, StoredFields, i64, i64)>(c))?
    .into_iter()
    .map(|(a, fields, import_id, line)| (a.clone(), Existing { fields, holder: Holder { atena: a, import_id, line } }))
    .collect();
    let mut coupon_holders: HashMap<String, Holder> = with_conn!(conn, |c| residents::table
        .filter(residents::coupon_number.eq_any(&coupons))
        .select((residents::coupon_number, residents::atena, residents::import_id, residents::import_line))
        .load::<(String, String, i64, i64)>(c))?
    .into_iter()
    .map(|(k, atena, import_id, line)| (k, Holder { atena, import_id, line }))
    .collect();
    let mut mn_holders: HashMap<Vec<u8>, Holder> = if hashes.is_empty() {
        HashMap::new()
    } else {
        with_conn!(conn, |c| my_numbers::table
            .inner_join(residents::table)
            .filter(my_numbers::lookup_hash.eq_any(&hashes))
            .select((my_numbers::lookup_hash, residents::atena, residents::import_id, residents::import_line))
            .load::<(Vec<u8>, String, i64, i64)>(c))?
        .into_iter()
        .map(|(k, atena, import_id, line)| (k, Holder { atena, import_id, line }))
        .collect()
    };

    let mut out = Outcome::default();
    let mut seen_atena: HashMap<&str, i64> = HashMap::new();
    let mut actions: Vec<(&Prepared, Action)> = Vec::with_capacity(batch.len());
    for p in batch {
        let row = &p.row;
        let line = row.line as i64;
        let a = row.atena.as_str();
        let prior = existing.get(a);
        let mut reject = |col: usize, code: &'static str, msg: String| {
            out.rejections.push(Rejection { line: row.line, column: Some(COLUMNS[col]), error: code, message: msg });
        };
        let dup_atena =
            seen_atena.get(a).copied().or(prior.filter(|e| e.holder.import_id == import_id).map(|e| e.holder.line));
        if let Some(l) = dup_atena {
            reject(0, "duplicate_atena", format!("個別宛名番号 appears twice in this file (also on line {l})"));
            continue;
        }
        let mut bad = false;
        if let Some(h) = coupon_holders.get(row.coupon.as_str()).filter(|h| h.atena != a) {
            bad = true;
            if h.import_id == import_id {
                reject(8, "duplicate_coupon", format!("券番号 appears twice in this file (also on line {})", h.line));
            } else {
                reject(8, "coupon_in_use", "券番号 is the active coupon of another resident".into());
            }
        }
        if let Some(h) = p.my_number.as_ref().and_then(|m| mn_holders.get(m.lookup.as_slice())).filter(|h| h.atena != a)
        {
            bad = true;
            if h.import_id == import_id {
                reject(
                    1,
                    "duplicate_my_number",
                    format!("マイナンバー appears twice in this file (also on line {})", h.line),
                );
            } else {
                reject(1, "my_number_in_use", "マイナンバー is registered to another resident".into());
            }
        }
        if prior.is_none() && row.status != ResidentStatus::Active {
            bad = true;
            out.rejections.push(first_registration_flag(row.line));
        }
        if bad {
            continue;
        }
        let action = match prior {
            None => Action::Insert,
            Some(e) if unchanged(&e.fields, p, &mn_holders) => Action::Touch,
            Some(e) => Action::Update {
                old_coupon: (e.fields.coupon_number != row.coupon.as_str()).then(|| e.fields.coupon_number.clone()),
            },
        };
        let me = Holder { atena: a.to_owned(), import_id, line };
        seen_atena.insert(a, line);
        coupon_holders.insert(row.coupon.as_str().to_owned(), me.clone());
        if let Some(m) = &p.my_number {
            mn_holders.insert(m.lookup.to_vec(), me);
        }
        actions.push((p, action));
    }
    write(conn, &actions, import_id, now, &mut out)?;
    Ok(out)
}

/// Whether writing `p` over the stored resident would change nothing. Every field is
/// compared as stored (kana normalised, the date as ISO text), so a re-export that spells
/// them differently is still unchanged. The My Number: an empty cell leaves the registered
/// one in place (see [`update_one`]), so it changes nothing; a number changes nothing when
/// its look-up hash is already this resident's (a hash another row of the file claimed
/// has been refused before this is asked).
fn unchanged(stored: &StoredFields, p: &Prepared, mn_holders: &HashMap<Vec<u8>, Holder>) -> bool {
    let my_number_same = match &p.my_number {
        None => true,
        Some(m) => mn_holders.get(m.lookup.as_slice()).is_some_and(|h| h.atena == p.row.atena.as_str()),
    };
    // Compared with the values an insert or update would write (import id and times aside).
    let new = new_resident(p, 0, 0);
    my_number_same
        && stored.family_name == new.family_name
        && stored.given_name == new.given_name
        && stored.family_kana == new.family_kana
        && stored.given_kana == new.given_kana
        && stored.birth_date == new.birth_date
        && stored.sex == new.sex
        && stored.status == new.status
        && stored.coupon_number == new.coupon_number
}

pub(super) fn first_registration_flag(line: u64) -> Rejection {
    Rejection::new(
        line,
        Some(9),
        "flag_on_first_registration",
        "a first registration must have an empty 転出/死亡フラグ",
    )
}

pub(super) fn new_resident(p: &Prepared, import_id: i64, now: i64) -> NewResident<'_> {
    let r = &p.row;
    NewResident {
        atena: r.atena.as_str(),
        family_name: &r.family_name,
        given_name: &r.given_name,
        family_kana: &r.family_kana,
        given_kana: &r.given_kana,
        birth_date: &p.birth_iso,
        sex: i16::from(r.sex.iso_code()),
        status: r.status as i16,
        coupon_number: r.coupon.as_str(),
        import_id,
        import_line: r.line as i64,
        created_at: now,
        updated_at: now,
    }
}

pub(super) fn new_my_number(p: &Prepared) -> Option<NewMyNumber<'_>> {
    p.my_number.as_ref().map(|m| NewMyNumber { atena: p.row.atena.as_str(), lookup_hash: &m.lookup, sealed: &m.sealed })
}

fn write(
    conn: &mut DbConn,
    actions: &[(&Prepared, Action)],
    import_id: i64,
    now: i64,
    out: &mut Outcome,
) -> Result<(), DbError> {
    let inserts: Vec<NewResident<'_>> = actions
        .iter()
        .filter(|(_, a)| matches!(a, Action::Insert))
        .map(|(p, _)| new_resident(p, import_id, now))
        .collect();
    let insert_mns: Vec<NewMyNumber<'_>> =
        actions.iter().filter(|(_, a)| matches!(a, Action::Insert)).filter_map(|(p, _)| new_my_number(p)).collect();
    out.inserted += inserts.len() as u64;
    match conn {
        // One prepared single-row statement per row is SQLite's fastest path (no parsing
        // of a fresh multi-row statement per batch); PostgreSQL wants few round trips.
        DbConn::Sqlite(c) => {
            for r in &inserts {
                diesel::insert_into(residents::table).values(r).execute(c)?;
            }
            for m in &insert_mns {
                diesel::insert_into(my_numbers::table).values(m).execute(c)?;
            }
        }
        DbConn::Postgresql(c) => {
            for chunk in inserts.chunks(1000) {
                diesel::insert_into(residents::table).values(chunk).execute(c)?;
            }
            for chunk in insert_mns.chunks(2000) {
                diesel::insert_into(my_numbers::table).values(chunk).execute(c)?;
            }
        }
    }
    for (p, action) in actions {
        let a = p.row.atena.as_str();
        match action {
            Action::Insert => {}
            Action::Touch => {
                out.unchanged += 1;
                diesel::update(residents::table.find(a))
                    .set((residents::import_id.eq(import_id), residents::import_line.eq(p.row.line as i64)))
                    .execute(conn)?;
            }
            Action::Update { old_coupon } => {
                out.updated += 1;
                update_one(conn, p, old_coupon.as_deref(), import_id, now)?;
            }
        }
    }
    Ok(())
}

fn update_one(
    conn: &mut DbConn,
    p: &Prepared,
    old_coupon: Option<&str>,
    import_id: i64,
    now: i64,
) -> Result<(), DbError> {
    let a = p.row.atena.as_str();
    if let Some(old) = old_coupon {
        // A new 券番号 is a reissue: the old coupon is deactivated but kept.
        diesel::insert_into(coupon_history::table)
            .values((
                coupon_history::atena.eq(a),
                coupon_history::coupon_number.eq(old),
                coupon_history::deactivated_at.eq(now),
                coupon_history::import_id.eq(import_id),
            ))
            .execute(conn)?;
    }
    let r = new_resident(p, import_id, now);
    diesel::update(residents::table.find(a))
        .set((
            residents::family_name.eq(r.family_name),
            residents::given_name.eq(r.given_name),
            residents::family_kana.eq(r.family_kana),
            residents::given_kana.eq(r.given_kana),
            residents::birth_date.eq(r.birth_date),
            residents::sex.eq(r.sex),
            residents::status.eq(r.status),
            residents::coupon_number.eq(r.coupon_number),
            residents::import_id.eq(import_id),
            residents::import_line.eq(r.import_line),
            residents::updated_at.eq(now),
        ))
        .execute(conn)?;
    // An empty マイナンバー never erases a registered one: it may be registered later.
    if let Some(m) = new_my_number(p) {
        with_conn!(conn, |c| diesel::insert_into(my_numbers::table)
            .values(&m)
            .on_conflict(my_numbers::atena)
            .do_update()
            .set((my_numbers::lookup_hash.eq(m.lookup_hash), my_numbers::sealed.eq(m.sealed)))
            .execute(c))?;
    }
    Ok(())
}
