//! `POST /ui/site/check` and `/ui/site/record` (site, staff): the OCR line with the day's
//! settings is checked on the server (the same `domain::dose::validate` as the API), then
//! shown for confirmation with the dose number, where the dose will go and the rules'
//! warnings (`vaccinations::record::decide`, read only); recording goes through the API's
//! own path (`api::vaccinations::record_dose`), with an idempotency key issued by the
//! confirmation page so that a second tap records nothing twice.

use super::catalogue::fill;
use super::error::UiError;
use super::layout::notice;
use super::signed_in::SignedIn;
use super::site::{self, ROLES, View, municipality_name};
use crate::api::state::AppState;
use crate::api::vaccinations::{record_dose, record_error};
use crate::db::site_days::{self, DaySettings};
use crate::domain::dose::{DoseFields, ValidDose, validate};
use crate::vaccinations::Status;
use crate::vaccinations::record::{Decision, decide};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    ocr_line: String,
}

/// Full-width digits (an IME left on) become ASCII; spaces and hyphens go.
pub fn normalize_ocr(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | 'ー' | '－'))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            other => other,
        })
        .collect()
}

async fn day_settings(state: &AppState, s: &SignedIn) -> Result<Option<DaySettings>, UiError> {
    let (db, user_id, day) = (state.db.clone(), s.user.id, crate::today().iso());
    Ok(web::block(move || site_days::get(&mut *db.get()?, user_id, &day)).await??)
}

fn refused(s: &SignedIn, code: &str, message: &str, ocr_line: &str) -> View {
    View {
        notice: Some(("error", s.frame.t().code_or(code, message).to_owned())),
        ocr_line: ocr_line.to_owned(),
        ..View::default()
    }
}

fn fields<'a>(ocr_line: &'a str, today: &'a str, d: &'a DaySettings) -> DoseFields<'a> {
    DoseFields { ocr_line, vaccinated_on: today, product: &d.product, lot: &d.lot, site: &d.site, doctor: &d.doctor }
}

pub async fn check(
    state: web::Data<AppState>,
    s: SignedIn,
    form: web::Form<CheckForm>,
) -> Result<HttpResponse, UiError> {
    s.require(&ROLES)?;
    s.check_csrf(&form._csrf)?;
    let t = s.frame.t();
    let ocr_line = normalize_ocr(&form.ocr_line);
    let Some(settings) = day_settings(&state, &s).await? else {
        let view = View { notice: Some(("warn", t.settings_needed.to_owned())), ..View::default() };
        return site::render(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, view).await;
    };
    let today = crate::today().iso();
    let known = |c| crate::municipalities::lookup(c).is_some();
    let dose = match validate(fields(&ocr_line, &today, &settings), crate::today(), &state.products, known) {
        Ok(d) => d,
        Err(r) => {
            return site::render(
                &state,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                refused(&s, r.code, &r.message, &ocr_line),
            )
            .await;
        }
    };
    let (db, own, products, probe) =
        (state.db.clone(), state.settings.municipality_code(), state.products.clone(), dose.clone());
    let decided = web::block(move || -> Result<_, UiError> {
        let mut conn = db.get()?;
        Ok(decide(&mut conn, own, &products, &probe))
    })
    .await??;
    let decision = match decided {
        Ok(d) => d,
        Err(e) => {
            let e = record_error(e);
            return site::render(&state, &s, e.status, refused(&s, e.code, &e.message, &ocr_line)).await;
        }
    };
    confirm_page(&s, &dose, &settings, &decision)
}

fn confirm_page(s: &SignedIn, dose: &ValidDose, d: &DaySettings, decision: &Decision) -> Result<HttpResponse, UiError> {
    let t = s.frame.t();
    let key = crate::vaccinations::random_id();
    let muni = municipality_name(dose.ocr.municipality.as_str());
    let product = crate::products::active().get(&dose.product).map_or(dose.product.clone(), |p| p.name_ja.clone());
    let (kind, outcome) = match decision.status {
        Status::Recorded => ("ok", t.will_record.to_owned()),
        Status::Unmatched => ("warn", t.will_unmatched.to_owned()),
        _ => ("warn", fill(t.will_forward, &[&muni])),
    };
    let body = html! {
        div.card #confirmation data-status=(decision.status.as_str()) {
            p.big #dose-number { (fill(t.dose_number, &[&dose.ocr.dose])) }
            dl.facts {
                dt { (t.coupon_municipality) } dd { (muni) }
                dt { (t.coupon) } dd { (site::masked_coupon(dose.ocr.coupon.as_str())) }
                dt { (t.vaccinated_on) } dd { (dose.vaccinated_on.iso()) }
                dt { (t.product) } dd { (product) }
                dt { (t.lot) } dd { (dose.lot) }
                dt { (t.site_name) } dd { (d.site) }
                dt { (t.doctor) } dd { (d.doctor) }
            }
            (notice(kind, &outcome))
            @if !decision.warnings.is_empty() {
                section #warnings .notice.warn role="alert" {
                    h2 { (t.warnings_title) }
                    ul { @for w in &decision.warnings { li data-code=(w.code) { (t.code_or(w.code, &w.message)) } } }
                    p { (t.warnings_note) }
                }
            }
            form method="post" action="/ui/site/record" #record-form {
                (s.frame.csrf_field())
                input type="hidden" name="ocr_line" value=(dose.ocr.to_digits());
                input type="hidden" name="key" value=(key);
                button #record type="submit" autofocus { (t.record) }
                " "
                a.button.secondary href="/ui/site" { (t.cancel) }
            }
        }
    };
    Ok(s.frame.page(t.confirm_title, body))
}

#[derive(Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    _csrf: String,
    ocr_line: String,
    key: String,
}

pub async fn record(
    state: web::Data<AppState>,
    s: SignedIn,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&ROLES)?.clone();
    s.check_csrf(&form._csrf)?;
    let t = s.frame.t();
    let Some(settings) = day_settings(&state, &s).await? else {
        let view = View { notice: Some(("warn", t.settings_needed.to_owned())), ..View::default() };
        return site::render(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, view).await;
    };
    let key = crate::vaccinations::is_id(&form.key).then(|| form.key.clone());
    let today = crate::today().iso();
    match record_dose(&state, &user, fields(&form.ocr_line, &today, &settings), key).await {
        Ok(outcome) => {
            Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/ui/site?done={}", outcome.id))).finish())
        }
        Err(e) if e.status.is_client_error() => {
            site::render(&state, &s, e.status, refused(&s, e.code, &e.message, &form.ocr_line)).await
        }
        Err(e) => Err(s.api_err()(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_lines_typed_with_an_ime_are_read() {
        assert_eq!(normalize_ocr("１１１３１０１６ 0000000001\n"), "111310160000000001");
        assert_eq!(normalize_ocr("11-131016-0000000001"), "111310160000000001");
        assert_eq!(normalize_ocr("11131016000000000A"), "11131016000000000A");
    }
}
