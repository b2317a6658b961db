//! `/ui/inquiries/bulk` (staff): many transfer-in inquiries under one consent statement.
//! Step one states and checks the consent (`api::inquiry_input::parse_consent`); step two
//! uploads the `municipality,my_number` CSV to a one-time ticket (`bulk_tickets`), asked
//! through the API's own path (`api::inquiry_bulk::start_batch`); the page follows the
//! batch's progress and offers the results CSV for download.

use super::UiState;
use super::catalogue::fill;
use super::error::UiError;
use super::inquiry::{consent_fields, local_to_rfc3339};
use super::layout::{html_response, notice};
use super::session::CSRF_HEADER;
use super::signed_in::SignedIn;
use crate::api::inquiry_bulk::{MAX_BYTES, start_batch};
use crate::api::inquiry_bulk_output::Format;
use crate::api::inquiry_input::{ConsentBody, parse_consent};
use crate::api::state::AppState;
use crate::db::users::Role;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;
use vrs_protocol::RecordId;

pub async fn page(s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    Ok(consent_page(&s, StatusCode::OK, html! {}, &ConsentForm::default()))
}

#[derive(Deserialize, Default)]
pub struct ConsentForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    obtained_at: String,
    #[serde(default)]
    reason: String,
}

fn consent_page(s: &SignedIn, status: StatusCode, top: maud::Markup, f: &ConsentForm) -> HttpResponse {
    let t = s.frame.t();
    let method = if f.method.is_empty() { "written" } else { f.method.as_str() };
    s.frame.page_with(
        status,
        t.bulk_title,
        html! {
            (top)
            p { (t.bulk_intro) }
            form.card method="post" action="/ui/inquiries/bulk/consent" #bulk-consent-form {
                (s.frame.csrf_field())
                (consent_fields(s, &f.basis, method, &f.obtained_at, &f.reason))
                button type="submit" { (t.next) }
            }
        },
    )
}

pub async fn consent(ui: web::Data<UiState>, s: SignedIn, f: web::Form<ConsentForm>) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    s.check_csrf(&f._csrf)?;
    let t = s.frame.t();
    let f = f.into_inner();
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let body = ConsentBody {
        basis: some(&f.basis),
        method: some(&f.method),
        obtained_at: some(&local_to_rfc3339(&f.obtained_at)),
        reason: some(&f.reason),
    };
    let consent = match parse_consent(body, vrs_protocol::now_ms()) {
        Ok(c) => c,
        Err(e) => return Ok(consent_page(&s, e.status, notice("error", t.code_or(e.code, &e.message)), &f)),
    };
    let Some(ticket) = ui.bulk_tickets.issue(s.user.id, consent, crate::db::now()) else {
        return Err(crate::api::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many batches waiting",
        )
        .into());
    };
    Ok(s.frame.page(t.bulk_title, html! {
        (notice("ok", t.bulk_consent_ok))
        form.card #bulk-form data-upload=(format!("/ui/inquiries/bulk/upload/{ticket}"))
            data-csrf=(s.frame.csrf.as_deref().unwrap_or_default()) data-result="download" data-target="bulk-result"
            data-progress="/ui/inquiries/bulk/progress/" data-filename="inquiry-results.csv" data-download-label=(t.bulk_download) {
            label for="bulk-file" { (t.bulk_file) }
            input #bulk-file type="file" name="file" accept=".csv,text/csv" required;
            button #upload type="submit" { (t.inquiry_send) }
            progress #upload-progress max="100" value="0" hidden {}
            p #upload-status .muted aria-live="polite" data-sending=(t.upload_sending) data-working=(t.bulk_working)
                data-failed=(t.upload_failed) {}
        }
        div #bulk-progress aria-live="polite" {}
        div #bulk-result {}
        script src="/ui/static/upload.js" defer {}
    }))
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: web::Data<UiState>,
    s: SignedIn,
    ticket: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    let csrf = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    s.check_csrf(csrf)?;
    let t = s.frame.t();
    let Some(consent) = ui.bulk_tickets.take(&ticket, user.id, crate::db::now()) else {
        return Ok(html_response(StatusCode::GONE, notice("error", t.bulk_ticket_gone)));
    };
    let body = crate::api::body::read_limited(payload, MAX_BYTES, "a bulk inquiry file").await;
    match body.and_then(|b| start_batch(&state, user, consent, &b, Format::Csv)) {
        Ok(res) => Ok(res),
        Err(e) => Ok(html_response(e.status, notice("error", t.code_or(e.code, &e.message)))),
    }
}

pub async fn progress(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?;
    let t = s.frame.t();
    let p = RecordId::parse(&id)
        .and_then(|id| state.bulk.get(id, &user.name))
        .ok_or_else(|| UiError::not_found(s.lang()))?;
    Ok(html_response(
        StatusCode::OK,
        html! {
            p #bulk-done data-done=(p.done) data-total=(p.total) data-finished=(p.finished) {
                (fill(t.bulk_progress, &[&p.done, &p.total]))
            }
            ul #bulk-counts { @for (status, n) in &p.by_status {
                li data-status=(status) { (t.code_or(status, status)) ": " (n) }
            } }
        },
    ))
}
