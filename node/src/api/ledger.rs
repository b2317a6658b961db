//! `GET /api/v1/exports/ledger.csv` (staff): the 予防接種台帳 export, UTF-8 by default or
//! CP932 with `?charset=shift_jis` (what municipal ledger systems read).

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::access_log;
use crate::db::users::Role;
use crate::import::reader::Charset;
use crate::vaccinations::ledger;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    charset: Option<String>,
}

pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let charset = match q.charset.as_deref() {
        None => Charset::Utf8,
        Some(label) => Charset::from_label(label)
            .ok_or_else(|| ApiError::bad_request("invalid_parameter", "charset must be utf-8 or shift_jis"))?,
    };
    let out = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let l = ledger::export(&mut conn, &state.products, &state.settings.municipality)?;
        access_log::record(
            &mut conn,
            access_log::Entry {
                actor: &user.name,
                role: user.role.as_str(),
                action: "ledger.export",
                atena: None,
                detail: Some(format!("people={} doses={} charset={charset:?}", l.people, l.doses)),
            },
        )?;
        Ok(l.csv)
    })
    .await??;
    let (bytes, label) = match charset {
        Charset::Utf8 => (out.into_bytes(), "utf-8"),
        // Characters CP932 cannot hold come out as &#NNNN; (encoding_rs's HTML-style fallback).
        Charset::ShiftJis => (encoding_rs::SHIFT_JIS.encode(&out).0.into_owned(), "shift_jis"),
    };
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={label}"))
        .insert_header(("Content-Disposition", "attachment; filename=\"ledger.csv\""))
        .body(bytes))
}
