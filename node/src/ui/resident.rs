//! `GET /ui/residents/r/{handle}` (staff): one resident — name, kana, birth date, status,
//! masked My Number, coupons — with every dose and its status. Reached only through a
//! handle this session sealed (`handles`); the read is logged like the API's.

use super::error::UiError;
use super::handles;
use super::signed_in::SignedIn;
use super::site::{masked_coupon, municipality_name, status_text};
use crate::api::residents::log_read;
use crate::api::state::AppState;
use crate::db::residents::{self, ResidentView};
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use vrs_protocol::Atena;

/// The atena behind a handle of this session; 404 for any other.
pub fn atena_of(s: &SignedIn, handle: &str) -> Result<Atena, UiError> {
    handles::open(&s.token.handle_key(), handle).ok_or_else(|| UiError::not_found(s.lang()))
}

pub async fn page(state: web::Data<AppState>, s: SignedIn, handle: web::Path<String>) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    let atena = atena_of(&s, &handle)?;
    let view = web::block(move || -> Result<_, UiError> {
        let mut conn = state.db.get()?;
        let view = residents::get(&mut conn, &state.keys, atena.as_str())?;
        if view.is_some() {
            log_read(&mut conn, &user, "resident.read", atena.as_str(), Some("via=ui".into()))?;
        }
        Ok(view)
    })
    .await??
    .ok_or_else(|| UiError::not_found(s.lang()))?;
    let name = format!("{} {}", view.name.family, view.name.given);
    Ok(s.frame.page_named(s.frame.t().resident_title, &name, body(&s, &handle, &view)))
}

pub fn sex_text(t: &super::catalogue::Messages, sex: &str) -> &'static str {
    match sex {
        "M" => t.sex_m,
        "F" => t.sex_f,
        _ => t.sex_u,
    }
}

fn body(s: &SignedIn, handle: &str, v: &ResidentView) -> Markup {
    let t = s.frame.t();
    html! {
        div.card #person {
            dl.facts {
                dt { (t.atena) } dd #atena { (v.atena) }
                dt { (t.kana) } dd { (v.name.family_kana) " " (v.name.given_kana) }
                dt { (t.birth_date) } dd { (v.birth_date) }
                dt { (t.sex) } dd { (sex_text(t, v.sex)) }
                dt { (t.status) } dd { (t.code_or(v.status, v.status)) }
                dt { (t.my_number) } dd { (v.my_number.as_deref().unwrap_or("—")) }
                dt { (t.coupon) } dd {
                    @for c in &v.coupons {
                        span { (c.number) @if !c.active { " (" (t.inactive) ")" } } " "
                    }
                }
            }
            p.no-print {
                a.button href=(format!("/ui/residents/r/{handle}/certificate")) #certificate-link { (t.certificate_title) }
                " "
                button.secondary type="button" data-print { (t.print) }
            }
        }
        h2 { (t.doses_title) }
        (doses_table(s, &v.vaccinations))
    }
}

pub fn doses_table(s: &SignedIn, doses: &[crate::db::vaccinations::VaccinationView]) -> Markup {
    let t = s.frame.t();
    html! {
        @if doses.is_empty() { p.muted #no-doses { (t.no_doses) } } @else {
            div.table-wrap { table #doses {
                thead { tr {
                    th.num { (t.dose_col) } th { (t.vaccinated_on) } th { (t.product) } th { (t.lot) }
                    th { (t.site_name) } th { (t.coupon_municipality) } th { (t.status) } th { (t.needs_review) } th { (t.source) }
                } }
                tbody { @for d in doses {
                    tr data-id=(d.id) data-status=(d.status) data-dose=(d.dose) {
                        td.num { a href=(format!("/ui/doses/{}", d.id)) { (d.dose) } }
                        td.date { (d.vaccinated_on) }
                        td { (product_name(&d.product)) }
                        td { (d.lot) }
                        td { (d.site) }
                        td { (municipality_name(&d.municipality)) " " span.muted { (masked_coupon(&d.ocr_line[8..])) } }
                        td { span class=(format!("badge {}", d.status)) { (status_text(t, &d.status)) } }
                        td { @if d.review == "needs_review" { span.badge.needs_review { (t.needs_review) } } @else { (t.no_review) } }
                        td { (source_text(t, &d.source)) }
                    }
                } }
            } }
        }
    }
}

pub fn product_name(code: &str) -> String {
    crate::products::active().get(code).map_or_else(|| code.to_owned(), |p| p.name_ja.clone())
}

fn source_text(t: &super::catalogue::Messages, source: &str) -> &'static str {
    match source.split(':').next().unwrap_or_default() {
        "api" => t.source_site,
        "batch" => t.source_file,
        "inquiry" => t.source_inquiry,
        "delivered" | "federation" => t.source_delivered,
        _ => t.source_other,
    }
}
