//! `/ui/residents/import` (staff): upload a residents CSV with a progress bar (`upload.js`
//! sends the file as the request body, as the API takes it) and see the rejected rows in
//! a table. The upload runs through the API's own path (`api::import::run_upload`), so
//! every rule, the all-or-nothing default and the access log are the API's.

use super::catalogue::fill;
use super::error::UiError;
use super::layout::{html_response, notice};
use super::session::CSRF_HEADER;
use super::signed_in::SignedIn;
use crate::api::import::{declared_charset, run_upload};
use crate::api::state::AppState;
use crate::db::users::Role;
use crate::domain::resident_row::Rejection;
use crate::import::{ImportError, ImportMode, ImportReport};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

pub async fn page(s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    let t = s.frame.t();
    let body = html! {
        p { (t.import_intro) }
        form.card #import-form data-upload="/ui/residents/import" data-csrf=(s.frame.csrf.as_deref().unwrap_or_default())
            data-result="html" data-target="import-result" {
            label for="csv-file" { (t.import_file) }
            input #csv-file type="file" name="file" accept=".csv,text/csv" required;
            fieldset {
                legend { (t.import_mode) }
                label.choice { input type="radio" name="on_error" value="abort" checked data-query; (t.import_mode_abort) }
                label.choice { input type="radio" name="on_error" value="skip" data-query; (t.import_mode_skip) }
            }
            label for="charset" { (t.import_charset) }
            select #charset name="charset" data-charset {
                option value="" { (t.import_charset_auto) }
                option value="utf-8" { "UTF-8" }
                option value="shift_jis" { "Shift_JIS (CP932)" }
            }
            button #upload type="submit" { (t.import_button) }
            progress #upload-progress max="100" value="0" hidden {}
            p #upload-status .muted aria-live="polite" data-sending=(t.upload_sending) data-working=(t.upload_working)
                data-failed=(t.upload_failed) {}
        }
        div #import-result aria-live="polite" {}
        script src="/ui/static/upload.js" defer {}
    };
    Ok(s.frame.page(t.import_title, body))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    on_error: Option<String>,
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: SignedIn,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    let csrf = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    s.check_csrf(csrf)?;
    let t = s.frame.t();
    let mode = ImportMode::from_on_error(q.on_error.as_deref()).unwrap_or(ImportMode::AllOrNothing);
    let fragment = match declared_charset(&req) {
        Err(e) => (e.status, notice("error", t.code_or(e.code, &e.message))),
        Ok(charset) => match run_upload(&state, &user, mode, charset, payload).await {
            Err(e) => (e.status, notice("error", t.code_or(e.code, &e.message))),
            Ok(Ok(report)) => (StatusCode::OK, outcome(&s, mode, &report)),
            Ok(Err(ImportError::File(r))) => (
                StatusCode::OK,
                html! { section #import-outcome data-committed="false" data-rejected="1" {
                    (notice("error", t.import_nothing_written)) (rejections(&s, &[r]))
                } },
            ),
            Ok(Err(ImportError::Db(e))) => return Err(crate::api::error::ApiError::internal(e).into()),
        },
    };
    Ok(html_response(fragment.0, fragment.1))
}

fn outcome(s: &SignedIn, mode: ImportMode, r: &ImportReport) -> Markup {
    let t = s.frame.t();
    let summary = fill(t.import_done, &[&r.inserted, &r.updated, &r.unchanged]);
    html! {
        section #import-outcome data-committed=(r.committed) data-rejected=(r.rejected_total) {
            @if !r.committed {
                (notice("error", &fill(t.import_rejected_none_written, &[&r.rejected_total])))
            } @else if r.rejected_total > 0 {
                (notice("warn", &format!("{summary} {}", fill(t.import_rejected_skipped, &[&r.rejected_total]))))
            } @else {
                (notice("ok", &summary))
            }
            @if !r.rejected.is_empty() { (rejections(s, &r.rejected)) }
            @if !r.committed && mode == ImportMode::AllOrNothing { p.muted { (t.import_hint_skip) } }
        }
    }
}

fn rejections(s: &SignedIn, rows: &[Rejection]) -> Markup {
    let t = s.frame.t();
    html! {
        h2 { (t.rejected_rows) }
        div.table-wrap { table #rejected {
            thead { tr { th.num { (t.line) } th { (t.column) } th { (t.problem) } th { (t.code_label) } } }
            tbody { @for r in rows {
                tr data-line=(r.line) data-error=(r.error) {
                    td.num { (r.line) }
                    td { (r.column.unwrap_or("—")) }
                    td { (t.code_or(r.error, &r.message)) }
                    td { code { (r.error) } }
                }
            } }
        } }
    }
}
