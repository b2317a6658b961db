//! `GET /ui/audit` (auditor): the newest entries of the access log, as the API gives them.

use super::error::UiError;
use super::signed_in::SignedIn;
use crate::api::state::AppState;
use crate::db::access_log;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use maud::html;

const ROWS: i64 = 300;

pub async fn page(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Auditor])?;
    let db = state.db.clone();
    let rows = web::block(move || access_log::newest(&mut *db.get()?, ROWS, None)).await??;
    let t = s.frame.t();
    Ok(s.frame.page(t.audit_log, html! {
        div.table-wrap { table #audit {
            thead { tr { th { (t.time) } th { (t.user_name) } th { (t.role) } th { (t.action) } th { (t.atena) } th { (t.detail) } } }
            tbody { @for r in &rows { tr {
                td { (super::format::time(r.at)) } td { (r.actor) } td { (r.role) } td { code { (r.action) } }
                td { (r.atena.as_deref().unwrap_or("")) } td { (r.detail.as_deref().unwrap_or("")) }
            } } }
        } }
    }))
}
