//! `POST /api/v1/residents/import` (staff): the request body is streamed into the import
//! pipeline through a bounded channel, so a multi-gigabyte upload never sits in memory.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::{Role, User};
use crate::import::reader::Charset;
use crate::import::{ImportError, ImportMode, ImportOptions, ImportReport, import_residents};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use std::io::{self, Read};
use tokio::sync::mpsc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    on_error: Option<String>,
}

pub async fn import_residents_handler(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let mode = ImportMode::from_on_error(query.on_error.as_deref())
        .ok_or_else(|| ApiError::bad_request("invalid_parameter", "on_error must be skip or abort"))?;
    let charset = declared_charset(&req)?;
    respond(run_upload(&state, &user, mode, charset, payload).await?)
}

/// Streams an uploaded residents CSV into the import (the one path of this endpoint and
/// the web page's upload). The inner result is the import's own; the outer error is the
/// upload's (too large, interrupted before the import could say anything).
pub async fn run_upload(
    state: &web::Data<AppState>,
    user: &User,
    mode: ImportMode,
    charset: Option<Charset>,
    mut payload: web::Payload,
) -> Result<Result<ImportReport, ImportError>, ApiError> {
    let opts = ImportOptions {
        mode,
        charset,
        batch_rows: state.settings.import.batch_rows,
        max_rejections_reported: state.settings.import.max_rejections_reported,
        actor: user.name.clone(),
        role: user.role.as_str().to_owned(),
        today: crate::today(),
    };
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(16);
    let worker = state.clone();
    let job = web::block(move || -> Result<Result<ImportReport, ImportError>, ApiError> {
        let mut conn = worker.db.get()?;
        Ok(import_residents(&mut conn, &worker.keys, ChannelReader::new(rx), &opts, None))
    });
    let limit = state.settings.http.max_import_bytes;
    let mut total = 0u64;
    let mut too_large = false;
    while let Some(chunk) = payload.next().await {
        let item = match chunk {
            Ok(b) => {
                total += b.len() as u64;
                too_large = total > limit;
                if too_large { Err(io::Error::other("the upload exceeds http.max_import_bytes")) } else { Ok(b) }
            }
            Err(e) => Err(io::Error::other(format!("the upload was interrupted: {e}"))),
        };
        let stop = item.is_err();
        if tx.send(item).await.is_err() || stop {
            break; // the import has finished early (or we told it to stop)
        }
    }
    drop(tx);
    let result = job.await??;
    if too_large {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the upload exceeds {limit} bytes"),
        ));
    }
    match &result {
        Ok(r) => {
            state.metrics.record_import(r.inserted, r.updated, r.unchanged, r.rejected_total);
            state.metrics.record_import_file("residents", r.committed, r.rejected_total);
        }
        Err(ImportError::File(_)) => state.metrics.record_import_file("residents", false, 1),
        Err(ImportError::Db(_)) => {}
    }
    Ok(result)
}

pub(crate) fn declared_charset(req: &HttpRequest) -> Result<Option<Charset>, ApiError> {
    let Ok(Some(mime)) = req.mime_type() else {
        return Ok(None);
    };
    if mime.essence_str() != "text/csv" && mime.essence_str() != "application/octet-stream" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the residents CSV as text/csv",
        ));
    }
    match mime.get_param("charset") {
        None => Ok(None),
        Some(label) => Charset::from_label(label.as_str()).map(Some).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_charset",
                "charset must be utf-8 or shift_jis",
            )
        }),
    }
}

fn respond(result: Result<ImportReport, ImportError>) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(r) => {
            if r.committed {
                Ok(HttpResponse::Ok().json(json!({
                    "import_id": r.import_id,
                    "inserted": r.inserted,
                    "updated": r.updated,
                    "unchanged": r.unchanged,
                    "rejected": r.rejected,
                    "rejected_total": r.rejected_total,
                })))
            } else {
                Err(ApiError::unprocessable(
                    "invalid_csv",
                    format!("{} rows were rejected; nothing was written", r.rejected_total),
                )
                .with("rejected", json!(r.rejected))
                .with("rejected_total", json!(r.rejected_total)))
            }
        }
        Err(ImportError::File(rejection)) => {
            Err(ApiError::unprocessable("invalid_csv", format!("{}; nothing was written", rejection.message))
                .with("rejected", json!([rejection]))
                .with("rejected_total", json!(1)))
        }
        Err(ImportError::Db(e)) => Err(ApiError::internal(e)),
    }
}

/// A blocking `Read` over the chunks the async handler forwards.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl ChannelReader {
    fn new(rx: mpsc::Receiver<io::Result<Bytes>>) -> Self {
        ChannelReader { rx, current: Bytes::new() }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
