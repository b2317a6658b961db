//! `POST /api/v1/inquiries/bulk` (staff): a CSV of `municipality,my_number` rows, many
//! municipalities mixed, under one consent statement for the batch (query parameters
//! `consent_basis`, `consent_method`, `consent_obtained_at`, `consent_reason`). Each row is
//! its own inquiry (its own inquiry id and result); the rows to one municipality are asked
//! together under a signed consent statement binding each of them; the results stream back in the file's order as they come, each written to the
//! access log before it is sent. `GET /api/v1/inquiries/bulk/{batch_id}` shows progress.
//! The rows are asked in chunks per former municipality (`inquiry_bulk_ask`).

use super::auth::Caller;
use super::error::ApiError;
use super::inquiry_bulk_ask::{self, Asking};
use super::inquiry_bulk_output::{Format, RowResult};
use super::inquiry_bulk_rows::{self, BulkFileError, BulkRow};
use super::inquiry_input::{self, Consent, ConsentBody};
use super::state::AppState;
use crate::db::access_log;
use crate::db::users::{Role, User};
use crate::federation::Federation;
use actix_web::http::StatusCode;
use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vrs_protocol::RecordId;

/// 4 MiB: comfortably more than `MAX_ROWS` rows of `municipality,my_number`.
pub const MAX_BYTES: usize = 4 << 20;
/// Rows in one batch; a larger list is split by the desk (the answer says so).
pub const MAX_ROWS: usize = 100_000;
/// Results written to the access log (one transaction) and to the answer at a time.
const LOG_CHUNK: usize = 256;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkQuery {
    consent_basis: Option<String>,
    consent_method: Option<String>,
    consent_obtained_at: Option<String>,
    consent_reason: Option<String>,
}

pub async fn ask_bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<BulkQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let consent = batch_consent(query.into_inner())?;
    let body = super::body::read_limited(payload, MAX_BYTES, "a bulk inquiry file").await?;
    let format = if wants_json(&req) { Format::Json } else { Format::Csv };
    start_batch(&state, user, consent, &body, format)
}

/// Starts asking a batch and answers with the results as they come (the one path of this
/// endpoint and the web page's upload); the batch id is in `X-Batch-Id`.
pub fn start_batch(
    state: &web::Data<AppState>,
    user: User,
    consent: Consent,
    body: &[u8],
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let Some(federation) = state.federation.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_municipality",
            "this node is not part of a federation",
        ));
    };
    let rows = inquiry_bulk_rows::parse(body, MAX_ROWS).map_err(file_error)?;
    let batch_id = RecordId::random().map_err(ApiError::internal)?;
    state.bulk.start(batch_id, &user.name, rows.len() as u64);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let batch = Batch { state: state.clone(), federation, user, consent, batch_id, format };
    actix_web::rt::spawn(batch.run(rows, tx));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("X-Batch-Id", batch_id.to_string()))
        .streaming(body))
}

/// `GET /api/v1/inquiries/bulk/{batch_id}`: rows done and outcomes so far (the sender only).
pub async fn progress(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?;
    let id = RecordId::parse(&path).ok_or_else(|| ApiError::bad_request("invalid_id", "batch id must be a uuid"))?;
    let p = state.bulk.get(id, &user.name).ok_or_else(|| ApiError::not_found("bulk inquiry batch"))?;
    Ok(HttpResponse::Ok().json(p))
}

fn batch_consent(q: BulkQuery) -> Result<Consent, ApiError> {
    let given = [&q.consent_basis, &q.consent_method, &q.consent_obtained_at, &q.consent_reason];
    if given.iter().all(|f| f.is_none()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "consent_required",
            "a bulk inquiry needs the batch's consent basis (consent_basis, consent_method, consent_obtained_at)",
        ));
    }
    let body = ConsentBody {
        basis: q.consent_basis,
        method: q.consent_method,
        obtained_at: q.consent_obtained_at,
        reason: q.consent_reason,
    };
    inquiry_input::parse_consent(body, vrs_protocol::now_ms())
}

fn file_error(e: BulkFileError) -> ApiError {
    match e {
        BulkFileError::TooManyRows { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_rows", e.to_string())
        }
        BulkFileError::Empty | BulkFileError::Unreadable { .. } => {
            ApiError::unprocessable("invalid_csv", e.to_string())
        }
    }
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// A piece of the answer; an error aborts the response, so a client can never take a cut-off
/// answer for a whole one.
type Chunk = Result<web::Bytes, std::io::Error>;

struct Batch {
    state: web::Data<AppState>,
    federation: Arc<Federation>,
    user: User,
    consent: Consent,
    batch_id: RecordId,
    format: Format,
}

impl Batch {
    async fn run(self, rows: Vec<BulkRow>, tx: tokio::sync::mpsc::Sender<Chunk>) {
        let settings = &self.state.settings.federation;
        let asking = Arc::new(Asking {
            federation: self.federation.clone(),
            own: self.state.settings.municipality_code(),
            consent: self.consent.clone(),
            staff: self.user.name.clone(),
            timeout: Duration::from_millis(settings.inquiry_timeout_ms),
            unreachable: Mutex::new(HashSet::new()),
        });
        let total = rows.len();
        // Asking runs in its own task so it never waits for the access log's commits; the
        // loop below logs and writes out whatever has been answered, in order.
        let (results_tx, mut results) = tokio::sync::mpsc::channel::<RowResult>(LOG_CHUNK * 4);
        let in_flight = inquiry_bulk_ask::chunks_in_flight(settings.bulk_concurrency);
        actix_web::rt::spawn(asking.ask_all(rows, in_flight, results_tx));
        let mut first = true;
        let mut sent = tx.send(Ok(self.format.start(self.batch_id).into())).await.is_ok();
        let mut chunk = Vec::with_capacity(LOG_CHUNK);
        while sent && results.recv_many(&mut chunk, LOG_CHUNK).await > 0 {
            // Logged before shown: a result the desk sees is always in the access log.
            if let Err(e) = self.log(&chunk).await {
                tracing::error!(error = %e.message, "bulk inquiry results could not be logged; batch stopped");
                let _ = tx.send(Err(std::io::Error::other("the access log is unavailable"))).await;
                sent = false;
                break;
            }
            self.state.bulk.record(self.batch_id, chunk.iter().map(|r| r.status));
            let mut text = String::new();
            for r in chunk.drain(..) {
                text += &self.format.row(&r, first);
                first = false;
            }
            sent = tx.send(Ok(text.into())).await.is_ok();
        }
        drop(results);
        if sent {
            let _ = tx.send(Ok(self.format.end().into())).await;
        }
        self.state.bulk.finish(self.batch_id);
        let done = self.state.bulk.get(self.batch_id, &self.user.name).map_or(0, |p| p.done);
        let detail = format!("batch_id={} rows={total} answered={done}", self.batch_id);
        let entry = (self.user.name.clone(), self.user.role.as_str(), detail);
        let state = self.state.clone();
        let logged = web::block(move || -> Result<(), ApiError> {
            let mut conn = state.db.get()?;
            access_log::record(
                &mut conn,
                access_log::Entry {
                    actor: &entry.0,
                    role: entry.1,
                    action: "inquiry.bulk",
                    atena: None,
                    detail: Some(entry.2),
                },
            )?;
            Ok(())
        })
        .await;
        if !matches!(logged, Ok(Ok(()))) {
            tracing::error!(batch_id = %self.batch_id, "the bulk inquiry summary could not be logged");
        }
    }

    /// One `inquiry.ask` row per inquiry actually sent (like single inquiries, rows refused
    /// before sending are not inquiries), in one transaction.
    async fn log(&self, chunk: &[RowResult]) -> Result<(), ApiError> {
        let entries: Vec<String> = chunk
            .iter()
            .filter_map(|r| {
                let id = r.inquiry_id?;
                let to = r.municipality?;
                let detail = super::inquiries::ask_detail(id, to, "my_number", &self.consent, r.status);
                Some(format!("{detail} batch_id={} line={}", self.batch_id, r.line))
            })
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        let (state, user) = (self.state.clone(), self.user.clone());
        web::block(move || -> Result<(), ApiError> {
            let mut conn = state.db.get()?;
            let rows: Vec<access_log::Entry<'_>> = entries
                .into_iter()
                .map(|detail| access_log::Entry {
                    actor: &user.name,
                    role: user.role.as_str(),
                    action: "inquiry.ask",
                    atena: None,
                    detail: Some(detail),
                })
                .collect();
            // One claim on the chain head for the whole chunk.
            Ok(access_log::record_all(&mut conn, &rows)?)
        })
        .await?
    }
}
