//! `POST /api/v1/vaccinations/import` (staff): a CSV of doses from a municipal system
//! (specs/vaccinations-csv.md). Unlike the residents import, these files are small (a
//! day's doses), so the body is read whole, up to `MAX_BYTES`.

use super::auth::Caller;
use super::error::ApiError;
use super::import::declared_charset;
use super::state::AppState;
use crate::db::users::Role;
use crate::import::ImportMode;
use crate::vaccinations::batch::{BatchError, BatchOptions, import_doses};
use crate::vaccinations::record::Context;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// 32 MiB: about 300,000 rows.
pub const MAX_BYTES: usize = 32 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    on_error: Option<String>,
}

pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Query>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let mode = ImportMode::from_on_error(query.on_error.as_deref())
        .ok_or_else(|| ApiError::bad_request("invalid_parameter", "on_error must be skip or abort"))?;
    let charset = declared_charset(&req)?;
    let body = super::body::read_limited(payload, MAX_BYTES, "a vaccinations file").await?;
    let worker = state.clone();
    let result = web::block(move || -> Result<_, ApiError> {
        let mut conn = worker.db.get()?;
        let opts = BatchOptions {
            ctx: Context {
                own: worker.settings.municipality_code(),
                products: &worker.products,
                actor: &user.name,
                role: user.role.as_str(),
                source: "batch",
            },
            mode,
            charset,
            today: crate::today(),
            max_rejections_reported: worker.settings.import.max_rejections_reported,
        };
        Ok(import_doses(&mut conn, &body, &opts))
    })
    .await??;
    match result {
        Ok(report) => {
            for o in &report.outcomes {
                state.metrics.record_dose(o);
            }
            state.metrics.record_import_file("vaccinations", report.committed, report.rejected_total);
            if report.committed {
                Ok(HttpResponse::Ok().json(&report))
            } else {
                Err(ApiError::unprocessable(
                    "invalid_csv",
                    format!("{} rows were rejected; nothing was written", report.rejected_total),
                )
                .with("rejected", json!(report.rejected))
                .with("rejected_total", json!(report.rejected_total)))
            }
        }
        Err(BatchError::File(r)) => {
            state.metrics.record_import_file("vaccinations", false, 1);
            Err(ApiError::unprocessable("invalid_csv", format!("{}; nothing was written", r.message))
                .with("rejected", json!([r]))
                .with("rejected_total", json!(1)))
        }
        Err(BatchError::Db(e)) => Err(ApiError::internal(e)),
    }
}
