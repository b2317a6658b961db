//! Reading the register: one person with coupons and masked My Number, and the look-ups
//! a desk needs (by coupon, by My Number through its keyed hash, by kana + birth date).

use super::schema::{coupon_history, my_numbers, residents};
use super::{DbConn, DbError};
use crate::crypto::NodeKeys;
use crate::domain::resident_row::ResidentStatus;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use vrs_protocol::{CivilDate, CouponNumber, MyNumber, Sex};

#[derive(Debug, Serialize)]
pub struct ResidentView {
    pub atena: String,
    pub name: NameView,
    pub birth_date: String,
    pub sex: &'static str,
    pub status: &'static str,
    /// `********9018`, or null when none is registered.
    pub my_number: Option<String>,
    pub coupons: Vec<CouponView>,
    /// Every dose record of the person, oldest first, cancelled ones included with their status.
    pub vaccinations: Vec<super::vaccinations::VaccinationView>,
}

#[derive(Debug, Serialize)]
pub struct NameView {
    pub family: String,
    pub given: String,
    pub family_kana: String,
    pub given_kana: String,
}

#[derive(Debug, Serialize)]
pub struct CouponView {
    pub number: String,
    pub active: bool,
}

type ResidentTuple = (String, String, String, String, String, String, i16, i16, String);

pub fn get(conn: &mut DbConn, keys: &NodeKeys, atena: &str) -> Result<Option<ResidentView>, DbError> {
    let row: Option<ResidentTuple> = residents::table
        .find(atena)
        .select((
            residents::atena,
            residents::family_name,
            residents::given_name,
            residents::family_kana,
            residents::given_kana,
            residents::birth_date,
            residents::sex,
            residents::status,
            residents::coupon_number,
        ))
        .first(conn)
        .optional()?;
    let Some((atena, family, given, family_kana, given_kana, birth_date, sex, status, coupon)) = row else {
        return Ok(None);
    };
    let sealed: Option<Vec<u8>> = my_numbers::table.find(&atena).select(my_numbers::sealed).first(conn).optional()?;
    let my_number = match sealed {
        // A seal that does not open is reported, never silently shown as "no My Number".
        Some(s) => Some(keys.open_my_number(&atena, &s).map_err(|e| DbError::Query(e.to_string()))?.masked()),
        None => None,
    };
    let old: Vec<String> = coupon_history::table
        .filter(coupon_history::atena.eq(&atena))
        .order(coupon_history::id.desc())
        .select(coupon_history::coupon_number)
        .load(conn)?;
    let vaccinations = super::vaccinations::for_person(conn, &atena)?.iter().map(|r| r.view()).collect();
    let mut coupons = vec![CouponView { number: coupon, active: true }];
    coupons.extend(old.into_iter().map(|number| CouponView { number, active: false }));
    Ok(Some(ResidentView {
        atena,
        name: NameView { family, given, family_kana, given_kana },
        birth_date,
        sex: Sex::from_iso_code(sex).map_or("U", Sex::letter),
        status: ResidentStatus::from_code(status).map_or("unknown", ResidentStatus::as_str),
        my_number,
        coupons,
        vaccinations,
    }))
}

/// The person holding `coupon`, whether it is their active coupon or a reissued one.
pub fn find_by_coupon(conn: &mut DbConn, coupon: &CouponNumber) -> Result<Option<String>, DbError> {
    let active: Option<String> = residents::table
        .filter(residents::coupon_number.eq(coupon.as_str()))
        .select(residents::atena)
        .first(conn)
        .optional()?;
    if active.is_some() {
        return Ok(active);
    }
    Ok(coupon_history::table
        .filter(coupon_history::coupon_number.eq(coupon.as_str()))
        .order(coupon_history::id.desc())
        .select(coupon_history::atena)
        .first(conn)
        .optional()?)
}

/// [`find_by_coupon`] for many coupons at once (the dose writer's batch): coupon → atena for
/// each coupon that finds a person, the active coupon first, else the newest reissued one.
pub fn find_by_coupons(conn: &mut DbConn, coupons: &[&str]) -> Result<HashMap<String, String>, DbError> {
    if coupons.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found: HashMap<String, String> = residents::table
        .filter(residents::coupon_number.eq_any(coupons))
        .select((residents::coupon_number, residents::atena))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let missing: Vec<&str> = coupons.iter().copied().filter(|c| !found.contains_key(*c)).collect();
    if !missing.is_empty() {
        // Oldest first, so the newest deactivation of each coupon is the one kept.
        let old: Vec<(String, String)> = coupon_history::table
            .filter(coupon_history::coupon_number.eq_any(&missing))
            .order(coupon_history::id)
            .select((coupon_history::coupon_number, coupon_history::atena))
            .load(conn)?;
        found.extend(old);
    }
    Ok(found)
}

pub fn find_by_my_number(conn: &mut DbConn, keys: &NodeKeys, n: &MyNumber) -> Result<Option<String>, DbError> {
    Ok(my_numbers::table
        .filter(my_numbers::lookup_hash.eq(keys.my_number_lookup(n)))
        .select(my_numbers::atena)
        .first(conn)
        .optional()?)
}

/// Everyone with this family kana and birth date (and given kana, when given).
pub fn find_by_kana(
    conn: &mut DbConn,
    family_kana: &str,
    given_kana: Option<&str>,
    birth_date: CivilDate,
) -> Result<Vec<String>, DbError> {
    let mut q = residents::table
        .filter(residents::family_kana.eq(family_kana))
        .filter(residents::birth_date.eq(birth_date.iso()))
        .select(residents::atena)
        .order(residents::atena)
        .limit(100)
        .into_boxed();
    if let Some(g) = given_kana {
        q = q.filter(residents::given_kana.eq(g.to_owned()));
    }
    Ok(q.load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(residents::table.count().get_result(conn)?)
}

/// What an inquiry answer may say about a person: kana name, birth date and sex (as stored:
/// ISO 5218 code). Nothing else of the register is read for a disclosure.
pub fn summary(conn: &mut DbConn, atena: &str) -> Result<Option<(String, String, String, i16)>, DbError> {
    Ok(residents::table
        .find(atena)
        .select((residents::family_kana, residents::given_kana, residents::birth_date, residents::sex))
        .first(conn)
        .optional()?)
}

pub fn exists(conn: &mut DbConn, atena: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(residents::table.find(atena))).get_result(conn)?)
}
