//! Doses: `POST /api/v1/vaccinations` (site, staff) records one dose read at a site;
//! `GET /api/v1/vaccinations/{id}` and `GET /api/v1/vaccinations?status=` (staff) read
//! records and the review / unmatched queues. The POST answers only after the dose has
//! committed (see `vaccinations::writer`).

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::{Role, User};
use crate::db::{access_log, vaccinations as rows};
use crate::domain::dose::{DoseFields, Refusal, validate};
use crate::vaccinations::record::{Outcome, RecordError, Submission};
use crate::vaccinations::{Status, is_id};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseRequest {
    ocr_line: String,
    vaccinated_on: String,
    product: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    doctor: String,
    /// The same as the `Idempotency-Key` header, for clients that cannot set headers.
    idempotency_key: Option<String>,
}

pub fn refusal(r: Refusal) -> ApiError {
    ApiError::unprocessable(r.code, r.message).with("field", json!(r.field))
}

pub fn record_error(e: RecordError) -> ApiError {
    match e {
        RecordError::Duplicate { id } => {
            ApiError::new(StatusCode::CONFLICT, "duplicate", e_msg(&id)).with("id", json!(id))
        }
        RecordError::KeyReused => ApiError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used before for a different dose; use a new key per dose",
        ),
        RecordError::Db(e) => ApiError::internal(e),
    }
}

fn e_msg(id: &str) -> String {
    format!("this dose (same person, dose number and date) is already recorded as {id}")
}

fn idempotency_key(req: &HttpRequest, body: Option<String>) -> Result<Option<String>, ApiError> {
    let header = req.headers().get("Idempotency-Key").map(|v| v.to_str().map(str::to_owned));
    let key = match (header, body) {
        (Some(Ok(h)), _) => Some(h),
        (Some(Err(_)), _) => None.ok_or_else(bad_key)?,
        (None, b) => b,
    };
    match key {
        Some(k) if k.is_empty() || k.len() > 128 || !k.bytes().all(|b| b.is_ascii_graphic()) => Err(bad_key()),
        other => Ok(other),
    }
}

fn bad_key() -> ApiError {
    ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key must be 1-128 visible ASCII characters")
}

pub fn answer(o: &Outcome) -> HttpResponse {
    let code = match o.status {
        Status::Queued | Status::Forwarded => StatusCode::ACCEPTED,
        _ => StatusCode::CREATED,
    };
    let mut res = HttpResponse::build(code);
    if o.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(json!({"id": o.id, "status": o.status.as_str(), "warnings": o.warnings, "needs_review": o.needs_review}))
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<DoseRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Site, Role::Staff])?;
    let body = body.into_inner();
    let key = idempotency_key(&req, body.idempotency_key.clone())?;
    let fields = DoseFields {
        ocr_line: &body.ocr_line,
        vaccinated_on: &body.vaccinated_on,
        product: &body.product,
        lot: &body.lot,
        site: &body.site,
        doctor: &body.doctor,
    };
    let outcome = record_dose(&state, user, fields, key).await?;
    Ok(answer(&outcome))
}

/// Records one dose as a site reads it: the hard checks, the group-committed write, and
/// the wait for the home node's acknowledgement of another municipality's dose. The one
/// path of `POST /api/v1/vaccinations` and the site menu's confirmation.
pub async fn record_dose(
    state: &AppState,
    user: &User,
    fields: DoseFields<'_>,
    idempotency_key: Option<String>,
) -> Result<Outcome, ApiError> {
    let dose = validate(fields, crate::today(), &state.products, |c| crate::municipalities::lookup(c).is_some())
        .map_err(refusal)?;
    let mut outcome = state
        .doses
        .submit(Submission { dose, idempotency_key }, user.name.clone(), user.role.as_str().to_owned())
        .await
        .map_err(record_error)?;
    if outcome.status == Status::Queued && try_forward_now(state, &outcome.id).await {
        outcome.status = Status::Forwarded;
    }
    Ok(outcome)
}

/// How long a site waits for the home node's acknowledgement before being told `queued`.
const FORWARD_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Tries to deliver a dose just queued for another municipality while the site waits; the
/// outbox sender keeps trying afterwards if this does not get through in time.
async fn try_forward_now(state: &AppState, id: &str) -> bool {
    let (Some(federation), Some(sender)) = (&state.federation, &state.outbox) else {
        return false;
    };
    if !federation.is_connected() {
        return false;
    }
    let db = state.db.clone();
    let vaccination = id.to_owned();
    let due = web::block(move || crate::db::outbox::for_vaccination(&mut *db.get()?, &vaccination)).await;
    let Ok(Ok(Some(message))) = due else {
        return false;
    };
    let attempt = tokio::time::timeout(FORWARD_WAIT, sender.attempt(message)).await;
    if !matches!(attempt, Ok(Ok(crate::federation::outbox_sender::Attempt::Acknowledged))) {
        sender.wake();
        return false;
    }
    true
}

pub fn parse_id(raw: &str) -> Result<String, ApiError> {
    if is_id(raw) {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::bad_request("invalid_id", "a record id is a lower-case UUID"))
    }
}

pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let id = parse_id(&path)?;
    let found = web::block(move || read_one(&mut *state.db.get()?, &user, &id)).await??;
    let (view, changes) = found.ok_or_else(|| ApiError::not_found("vaccination record"))?;
    let mut body = json!(view);
    body["changes"] = json!(changes);
    Ok(HttpResponse::Ok().json(body))
}

/// One dose record with its change history, the read written to the access log.
pub fn read_one(
    conn: &mut crate::db::DbConn,
    user: &User,
    id: &str,
) -> Result<Option<(rows::VaccinationView, Vec<rows::ChangeView>)>, ApiError> {
    let Some(row) = rows::by_id(conn, id)? else { return Ok(None) };
    let changes = rows::changes(conn, id)?;
    access_log::record(
        conn,
        access_log::Entry {
            actor: &user.name,
            role: user.role.as_str(),
            action: "vaccination.read",
            atena: row.atena.as_deref(),
            detail: Some(format!("id={id}")),
        },
    )?;
    Ok(Some((row.view(), changes)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    /// The last id of the previous page.
    after: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let q = q.into_inner();
    let status = q.status.unwrap_or_else(|| "needs_review".into());
    if status != "needs_review" && Status::parse(&status).is_none() {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "status must be needs_review, recorded, unmatched, queued, forwarded or cancelled",
        ));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = q.after.as_deref().map(parse_id).transpose()?;
    let items =
        web::block(move || read_queue(&mut *state.db.get()?, &user, &status, limit, after.as_deref())).await??;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// A page of a queue (`needs_review` or a status), the read written to the access log.
pub fn read_queue(
    conn: &mut crate::db::DbConn,
    user: &User,
    status: &str,
    limit: i64,
    after: Option<&str>,
) -> Result<Vec<rows::VaccinationView>, ApiError> {
    let cursor = match after {
        Some(id) => rows::by_id(conn, id)?.map(|r| (r.created_at, r.id)),
        None => None,
    };
    let found = rows::list(conn, status, limit, cursor)?;
    access_log::record(
        conn,
        access_log::Entry {
            actor: &user.name,
            role: user.role.as_str(),
            action: "vaccination.list",
            atena: None,
            detail: Some(format!("status={status} count={}", found.len())),
        },
    )?;
    Ok(found.iter().map(rows::VaccinationRow::view).collect())
}
