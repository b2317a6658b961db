//! `/ui/doses/{id}` (staff): one dose record with its warnings and change history, and the
//! corrections a clerk makes from the review queue — changed fields with a required reason,
//! "reviewed as it is", or cancellation — through the API's own paths
//! (`api::vaccination_changes::correct_dose` / `cancel_dose`).

use super::error::UiError;
use super::layout::notice;
use super::resident::product_name;
use super::signed_in::SignedIn;
use super::site::{masked_coupon, municipality_name, status_text};
use crate::api::state::AppState;
use crate::api::vaccination_changes::{cancel_dose, correct_dose};
use crate::api::vaccinations::{parse_id, read_one};
use crate::db::users::Role;
use crate::db::vaccinations::{ChangeView, VaccinationView};
use crate::vaccinations::review::Correction;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

pub async fn page(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    render(&state, &s, &id, StatusCode::OK, html! {}).await
}

async fn render(
    state: &web::Data<AppState>,
    s: &SignedIn,
    id: &str,
    status: StatusCode,
    top: Markup,
) -> Result<HttpResponse, UiError> {
    let id = parse_id(id).map_err(s.api_err())?;
    let (db, user) = (state.db.clone(), s.user.clone());
    let found = web::block(move || read_one(&mut *db.get()?, &user, &id)).await??;
    let (view, changes) = found.ok_or_else(|| UiError::not_found(s.lang()))?;
    let t = s.frame.t();
    Ok(s.frame.page_with(status, t.dose_title, html! { (top) (body(state, s, &view, &changes)) }))
}

fn body(state: &AppState, s: &SignedIn, d: &VaccinationView, changes: &[ChangeView]) -> Markup {
    let t = s.frame.t();
    let warnings: Vec<(String, String)> = d
        .warnings
        .as_array()
        .map(|ws| {
            ws.iter()
                .map(|w| {
                    let code = w["code"].as_str().unwrap_or_default();
                    (code.to_owned(), t.code_or(code, w["message"].as_str().unwrap_or_default()).to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let action = format!("/ui/doses/{}", d.id);
    html! {
        div.card #dose-record data-status=(d.status) data-review=(d.review) {
            dl.facts {
                dt { (t.dose_col) } dd { (d.dose) }
                dt { (t.vaccinated_on) } dd { (d.vaccinated_on) }
                dt { (t.product) } dd { (product_name(&d.product)) }
                dt { (t.lot) } dd { (d.lot) }
                dt { (t.site_name) } dd { (d.site) }
                dt { (t.doctor) } dd { (d.doctor) }
                dt { (t.coupon_municipality) } dd { (municipality_name(&d.municipality)) " " (masked_coupon(&d.ocr_line[8..])) }
                dt { (t.status) } dd { span class=(format!("badge {}", d.status)) { (status_text(t, &d.status)) } }
                dt { (t.recorded_by) } dd { (d.recorded_by) " (" (super::format::time(d.created_at)) ")" }
            }
            @if !warnings.is_empty() {
                section.notice.warn #warnings {
                    h2 { (t.warnings_title) }
                    ul { @for (code, text) in &warnings { li data-code=(code) { (text) } } }
                }
            }
        }
        @if d.status != "cancelled" {
            div.cards {
                form.card method="post" action=(format!("{action}/correct")) #correct-form {
                    h2 { (t.correct_title) }
                    (s.frame.csrf_field())
                    label for="dose" { (t.dose_col) }
                    input #dose type="number" name="dose" min="1" max="9" value=(d.dose) required;
                    label for="vaccinated_on" { (t.vaccinated_on) }
                    input #vaccinated_on type="date" name="vaccinated_on" value=(d.vaccinated_on) required;
                    label for="product" { (t.product) }
                    select #product name="product" {
                        @for p in state.products.all() { option value=(p.code) selected[p.code == d.product] { (p.name_ja) } }
                    }
                    label for="lot" { (t.lot) }
                    input #lot type="text" name="lot" value=(d.lot) required maxlength="30";
                    label for="site" { (t.site_name) }
                    input #site type="text" name="site" value=(d.site) maxlength="100";
                    label for="doctor" { (t.doctor) }
                    input #doctor type="text" name="doctor" value=(d.doctor) maxlength="50";
                    label.choice { input type="checkbox" name="reviewed" value="1"; (t.mark_reviewed) }
                    label for="reason" { (t.reason) }
                    textarea #reason name="reason" required maxlength="500" {}
                    button type="submit" { (t.save) }
                }
                form.card method="post" action=(format!("{action}/cancel")) #cancel-form data-confirm=(t.cancel_confirm) {
                    h2 { (t.cancel_title) }
                    (s.frame.csrf_field())
                    label for="cancel-reason" { (t.reason) }
                    textarea #cancel-reason name="reason" required maxlength="500" {}
                    button.danger type="submit" { (t.cancel_dose) }
                }
            }
        }
        h2 { (t.history_title) }
        @if changes.is_empty() { p.muted { (t.none_yet) } } @else {
            table #changes {
                thead { tr { th { (t.time) } th { (t.user_name) } th { (t.action) } th { (t.reason) } } }
                tbody { @for c in changes { tr {
                    td { (super::format::time(c.at)) } td { (c.actor) } td { (c.action) } td { (c.reason) }
                } } }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct CorrectForm {
    #[serde(default)]
    _csrf: String,
    reason: String,
    dose: Option<u8>,
    vaccinated_on: Option<String>,
    product: Option<String>,
    lot: Option<String>,
    site: Option<String>,
    doctor: Option<String>,
    reviewed: Option<String>,
}

pub async fn correct(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    f: web::Form<CorrectForm>,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    s.check_csrf(&f._csrf)?;
    let id = parse_id(&id).map_err(s.api_err())?;
    let f = f.into_inner();
    let correction = Correction {
        reason: f.reason,
        dose: f.dose,
        vaccinated_on: f.vaccinated_on,
        product: f.product,
        lot: f.lot,
        site: f.site,
        doctor: f.doctor,
        reviewed: f.reviewed.is_some(),
    };
    outcome(&state, &s, &id, correct_dose(&state, user, id.clone(), correction).await).await
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    _csrf: String,
    reason: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    f: web::Form<CancelForm>,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    s.check_csrf(&f._csrf)?;
    let id = parse_id(&id).map_err(s.api_err())?;
    outcome(&state, &s, &id, cancel_dose(&state, user, id.clone(), f.into_inner().reason).await).await
}

async fn outcome(
    state: &web::Data<AppState>,
    s: &SignedIn,
    id: &str,
    result: Result<VaccinationView, crate::api::error::ApiError>,
) -> Result<HttpResponse, UiError> {
    let t = s.frame.t();
    match result {
        Ok(_) => render(state, s, id, StatusCode::OK, notice("ok", t.saved)).await,
        Err(e) if e.status.is_client_error() => {
            render(state, s, id, e.status, notice("error", t.code_or(e.code, &e.message))).await
        }
        Err(e) => Err(s.api_err()(e)),
    }
}
