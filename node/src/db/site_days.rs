//! A vaccination site's settings of the day (site, doctor, product, lot), per user and day.

use super::schema::site_day_settings as s;
use super::{DbConn, DbError};
use diesel::prelude::*;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaySettings {
    pub site: String,
    pub doctor: String,
    pub product: String,
    pub lot: String,
}

pub fn get(conn: &mut DbConn, user_id: i64, day: &str) -> Result<Option<DaySettings>, DbError> {
    let row: Option<(String, String, String, String)> =
        s::table.find((user_id, day)).select((s::site, s::doctor, s::product, s::lot)).first(conn).optional()?;
    Ok(row.map(|(site, doctor, product, lot)| DaySettings { site, doctor, product, lot }))
}

pub fn put(conn: &mut DbConn, user_id: i64, day: &str, d: &DaySettings) -> Result<(), DbError> {
    conn.transaction(|c| {
        diesel::delete(s::table.find((user_id, day))).execute(c)?;
        diesel::insert_into(s::table)
            .values((
                s::user_id.eq(user_id),
                s::day.eq(day),
                s::site.eq(&d.site),
                s::doctor.eq(&d.doctor),
                s::product.eq(&d.product),
                s::lot.eq(&d.lot),
                s::updated_at.eq(super::now()),
            ))
            .execute(c)?;
        Ok(())
    })
}
