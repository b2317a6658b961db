//! `GET /ui/site` (site, staff): the 接種会場メニュー. The day's settings (site, doctor,
//! vaccine, lot) are kept per user and day, so a new session on the same day starts where
//! the last one left off; the OCR line is checked as it is typed or scanned (`ocr.js`, a
//! mirror of `vrs_protocol::OcrLine`), then on the server, then confirmed
//! (`site_confirm`); today's entries are listed with their status.

use super::catalogue::fill;
use super::error::UiError;
use super::layout::notice;
use super::signed_in::SignedIn;
use crate::api::state::AppState;
use crate::db::site_days::{self, DaySettings};
use crate::db::users::Role;
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::domain::dose::{MAX_DOCTOR, MAX_SITE, check_lot, free_text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

pub const ROLES: [Role; 2] = [Role::Site, Role::Staff];
/// Entries listed; a busy site records a few hundred a day.
const TODAY_LIMIT: i64 = 500;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    saved: Option<String>,
}

pub async fn page(state: web::Data<AppState>, s: SignedIn, q: web::Query<Done>) -> Result<HttpResponse, UiError> {
    s.require(&ROLES)?;
    let q = q.into_inner();
    let done = q.done.filter(|id| crate::vaccinations::is_id(id));
    let notice = q.saved.map(|_| ("ok", s.frame.t().settings_saved.to_owned()));
    render(&state, &s, StatusCode::OK, View { done, notice, ..View::default() }).await
}

/// What the page shows besides the day's settings and entries.
#[derive(Default)]
pub struct View {
    pub notice: Option<(&'static str, String)>,
    /// The OCR line to put back into the field (after a refusal).
    pub ocr_line: String,
    /// A dose just recorded, to announce.
    pub done: Option<String>,
    /// Settings as typed (after a refusal), instead of the stored ones.
    pub settings: Option<DaySettings>,
}

pub async fn render(state: &AppState, s: &SignedIn, status: StatusCode, view: View) -> Result<HttpResponse, UiError> {
    let (db, user_id, actor) = (state.db.clone(), s.user.id, s.user.name.clone());
    let day = crate::today().iso();
    let (stored, entries) = web::block(move || -> Result<_, UiError> {
        let mut conn = db.get()?;
        let stored = site_days::get(&mut conn, user_id, &day)?;
        let since = super::format::start_of_today();
        Ok((stored, rows::recorded_by_since(&mut conn, &actor, since, TODAY_LIMIT)?))
    })
    .await??;
    let ready = stored.is_some();
    let settings = view.settings.clone().or(stored).unwrap_or_default();
    let t = s.frame.t();
    let top = match (&view.notice, &view.done) {
        (Some((kind, text)), _) => notice(kind, text),
        (None, Some(id)) => match entries.iter().find(|r| &r.id == id) {
            Some(r) => notice(
                "ok",
                &fill(t.recorded_notice, &[&fill(t.dose_number, &[&r.dose_number]), &status_text(t, &r.status)]),
            ),
            None => html! {},
        },
        (None, None) if !ready => notice("warn", t.settings_needed),
        _ => html! {},
    };
    let body = html! {
        (top)
        div.cards {
            (ocr_form(s, &settings, ready, &view.ocr_line))
            (settings_form(state, s, &settings))
        }
        (today_table(s, &entries))
    };
    Ok(s.frame.page_with(status, t.site_menu, body))
}

fn ocr_form(s: &SignedIn, d: &DaySettings, ready: bool, value: &str) -> Markup {
    let t = s.frame.t();
    let product = crate::products::active().get(&d.product).map_or(d.product.as_str(), |p| p.name_ja.as_str());
    html! {
        form.card method="post" action="/ui/site/check" #ocr-form {
            (s.frame.csrf_field())
            label for="ocr" { (t.ocr_line) }
            input #ocr .ocr type="text" name="ocr_line" value=(value) inputmode="numeric" autocomplete="off"
                maxlength="40" required autofocus[ready] disabled[!ready] aria-describedby="ocr-help ocr-status";
            p #ocr-help .muted { (t.ocr_help) }
            p #ocr-status .ocr-status aria-live="polite"
                data-count=(t.ocr_count) data-ok=(t.ocr_ok) data-digits=(t.ocr_bad_digits)
                data-check=(t.ocr_bad_check) data-dose=(t.ocr_bad_dose) data-length=(t.ocr_bad_length) {}
            @if ready {
                p.muted #settings-summary { (fill(t.settings_summary, &[&d.site, &d.doctor, &d.lot, &product])) }
            }
            button type="submit" disabled[!ready] { (t.ocr_check) }
        }
        script src="/ui/static/ocr.js" defer {}
    }
}

fn settings_form(state: &AppState, s: &SignedIn, d: &DaySettings) -> Markup {
    let t = s.frame.t();
    html! {
        form.card method="post" action="/ui/site/settings" #settings-form {
            h2 { (t.site_settings) " " span.muted { (crate::today().iso()) } }
            (s.frame.csrf_field())
            label for="site" { (t.site_name) }
            input #site type="text" name="site" value=(d.site) required maxlength=(MAX_SITE);
            label for="doctor" { (t.doctor) }
            input #doctor type="text" name="doctor" value=(d.doctor) required maxlength=(MAX_DOCTOR);
            label for="product" { (t.product) }
            select #product name="product" required {
                @for p in state.products.all() {
                    option value=(p.code) selected[p.code == d.product] { (p.name_ja) " (" (p.code) ")" }
                }
            }
            label for="lot" { (t.lot) }
            input #lot type="text" name="lot" value=(d.lot) required maxlength="30" autocomplete="off"
                pattern="[A-Za-z0-9-]{1,30}";
            button.secondary type="submit" { (t.save) }
        }
    }
}

pub fn status_text(t: &super::catalogue::Messages, status: &str) -> String {
    t.code_or(status, status).to_owned()
}

/// The coupon number with all but its last four digits hidden.
pub fn masked_coupon(coupon: &str) -> String {
    let keep = coupon.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), &coupon[keep..])
}

fn today_table(s: &SignedIn, entries: &[VaccinationRow]) -> Markup {
    let t = s.frame.t();
    html! {
        section #today {
            h2 { (t.today_entries) " (" (entries.len()) ")" }
            @if entries.is_empty() { p.muted { (t.none_yet) } } @else {
                div.table-wrap { table {
                    thead { tr {
                        th { (t.time) } th { (t.dose_col) } th { (t.coupon_municipality) }
                        th { (t.coupon) } th { (t.product) } th { (t.lot) } th { (t.status) } th { (t.needs_review) }
                    } }
                    tbody { @for r in entries {
                        tr data-id=(r.id) data-status=(r.status) {
                            td { (super::format::clock(r.created_at)) }
                            td.num { (r.dose_number) }
                            td { (municipality_name(&r.municipality)) }
                            td { (masked_coupon(&r.coupon_number)) }
                            td { (super::resident::product_name(&r.product)) }
                            td { (r.lot) }
                            td { span class=(format!("badge {}", r.status)) { (status_text(t, &r.status)) } }
                            td { @if r.review == "needs_review" { span.badge.needs_review { (t.needs_review) } } @else { (t.no_review) } }
                        }
                    } }
                } }
            }
        }
    }
}

/// "131016 千代田区" for a stored code.
pub fn municipality_name(code: &str) -> String {
    vrs_protocol::MunicipalityCode::parse(code)
        .ok()
        .and_then(crate::municipalities::lookup)
        .map_or_else(|| code.to_owned(), |m| format!("{code} {}", m.name))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    _csrf: String,
    site: String,
    doctor: String,
    product: String,
    lot: String,
}

pub async fn save_settings(
    state: web::Data<AppState>,
    s: SignedIn,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, UiError> {
    s.require(&ROLES)?;
    s.check_csrf(&form._csrf)?;
    let t = s.frame.t();
    let f = form.into_inner();
    let typed =
        DaySettings { site: f.site.clone(), doctor: f.doctor.clone(), product: f.product.clone(), lot: f.lot.clone() };
    let checked = (|| {
        let site = free_text(&f.site, "site", MAX_SITE)?;
        let doctor = free_text(&f.doctor, "doctor", MAX_DOCTOR)?;
        let lot = check_lot(&f.lot)?;
        Ok::<_, crate::domain::dose::Refusal>((site, doctor, lot))
    })();
    let refuse = |code: &str, message: &str| View {
        notice: Some(("error", t.code_or(code, message).to_owned())),
        settings: Some(typed.clone()),
        ..View::default()
    };
    let (site, doctor, lot) = match checked {
        Ok(x) => x,
        Err(r) => return render(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, refuse(r.code, &r.message)).await,
    };
    if site.is_empty() || doctor.is_empty() {
        return render(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, refuse("invalid_text", "")).await;
    }
    if state.products.get(&f.product).is_none() {
        return render(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, refuse("unknown_product", "")).await;
    }
    let settings = DaySettings { site, doctor, product: f.product, lot };
    let (db, user_id, day) = (state.db.clone(), s.user.id, crate::today().iso());
    web::block(move || site_days::put(&mut *db.get()?, user_id, &day, &settings)).await??;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/ui/site?saved=1")).finish())
}
