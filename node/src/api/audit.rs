//! `GET /api/v1/audit` (auditor): the access log, newest first, paged by `before`.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::access_log;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    limit: Option<i64>,
    before: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Auditor])?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let before = page.before;
    let rows = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        Ok(access_log::newest(&mut conn, limit, before)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(rows))
}
