//! `/opendata/*` (no auth): the public files, built from the current national sums.
//! CSV is UTF-8 with CRLF line ends (specs/opendata.md says why not Shift_JIS); the
//! `.gz` variant of the NDJSON is the same bytes gzip-compressed.

use super::error::ApiError;
use super::state::AppState;
use crate::opendata;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_ENCODING};
use actix_web::{HttpResponse, web};
use std::io::Write;

/// The date the cumulative files are "as of": the last refresh, in JST (the date the
/// national office would print), or empty before the first refresh.
fn as_of_date(state: &AppState) -> String {
    let cur = state.stats.current();
    cur.refresh
        .as_ref()
        .and_then(|r| chrono::DateTime::from_timestamp_millis(r.finished_at_ms + 9 * 3600 * 1000))
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn csv(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")))
        .body(body)
}

pub async fn prefecture_ndjson(state: web::Data<AppState>) -> HttpResponse {
    let body = opendata::prefecture_ndjson(&state.stats.current().summary);
    HttpResponse::Ok().content_type("application/x-ndjson; charset=utf-8").body(body)
}

pub async fn prefecture_ndjson_gz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = opendata::prefecture_ndjson(&state.stats.current().summary);
    let gz = web::block(move || -> std::io::Result<Vec<u8>> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(body.as_bytes())?;
        enc.finish()
    })
    .await?
    .map_err(ApiError::internal)?;
    // A file download, not a transfer encoding: clients must not unpack it on the way.
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .insert_header((CONTENT_ENCODING, "identity"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"prefecture.ndjson.gz\""))
        .body(gz))
}

pub async fn summary_by_date(state: web::Data<AppState>) -> HttpResponse {
    csv("summary_by_date.csv", opendata::summary_by_date(&state.stats.current().summary))
}

pub async fn summary_by_prefecture(state: web::Data<AppState>) -> HttpResponse {
    let date = as_of_date(&state);
    csv("summary_by_prefecture.csv", opendata::summary_by_prefecture(&state.stats.current().summary, &date))
}

pub async fn summary_by_municipality(state: web::Data<AppState>) -> HttpResponse {
    let date = as_of_date(&state);
    csv("summary_by_municipality.csv", opendata::summary_by_municipality(&state.stats.current().summary, &date))
}
