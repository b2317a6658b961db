//! `/ui/residents/r/{handle}/certificate` (staff): the resident's vaccination certificate,
//! a SMART Health Card issued by the API's own path (`api::certificates::issue_for`), its
//! QR code(s) drawn inline and printable. A protected person's card needs the holder's own
//! request, confirmed with a POST form.

use super::error::UiError;
use super::layout::notice;
use super::resident::atena_of;
use super::resident::product_name;
use super::signed_in::SignedIn;
use crate::api::certificates::issue_for;
use crate::api::state::AppState;
use crate::certificates::{Issued, qr};
use crate::db::residents::{self, ResidentView};
use crate::db::users::Role;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

pub async fn page(state: web::Data<AppState>, s: SignedIn, handle: web::Path<String>) -> Result<HttpResponse, UiError> {
    show(&state, &s, &handle, false).await
}

#[derive(Deserialize)]
pub struct HolderForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn holder_request(
    state: web::Data<AppState>,
    s: SignedIn,
    handle: web::Path<String>,
    form: web::Form<HolderForm>,
) -> Result<HttpResponse, UiError> {
    s.check_csrf(&form._csrf)?;
    show(&state, &s, &handle, true).await
}

async fn show(state: &web::Data<AppState>, s: &SignedIn, handle: &str, holder: bool) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    let atena = atena_of(s, handle)?;
    let t = s.frame.t();
    let back = html! { p.no-print { a href=(format!("/ui/residents/r/{handle}")) { (t.back) } } };
    match issue_for(state, user, atena.clone(), holder, "page").await {
        Ok((card, _)) => {
            // What the card says of the person, printed beside it (its issue is logged).
            let (db, keys) = (state.db.clone(), state.keys.clone());
            let view = web::block(move || residents::get(&mut *db.get()?, &keys, atena.as_str()))
                .await??
                .ok_or_else(|| UiError::not_found(s.lang()))?;
            Ok(s.frame.page(t.certificate_title, html! { (card_view(s, &card, &view)?) (back) }))
        }
        Err(e) if e.code == "protected_person" => {
            let body = html! {
                (notice("warn", t.protected_person))
                form method="post" action=(format!("/ui/residents/r/{handle}/certificate")) #holder-form {
                    (s.frame.csrf_field())
                    button type="submit" { (t.holder_request) }
                }
                (back)
            };
            Ok(s.frame.page_with(StatusCode::FORBIDDEN, t.certificate_title, body))
        }
        Err(e) => Err(s.api_err()(e)),
    }
}

fn card_view(s: &SignedIn, card: &Issued, person: &ResidentView) -> Result<Markup, UiError> {
    let t = s.frame.t();
    let mut codes = Vec::with_capacity(card.chunks.len());
    for chunk in &card.chunks {
        let code = qr::code(chunk).map_err(crate::api::error::ApiError::internal)?;
        let svg = qr::svg(&code);
        // The renderer's own output (no user text inside), minus its XML declaration.
        let start = svg.find("<svg").unwrap_or(0);
        codes.push(svg[start..].to_owned());
    }
    let doses: Vec<_> = person.vaccinations.iter().filter(|d| d.status != "cancelled").collect();
    Ok(html! {
        p.no-print { (t.certificate_intro) }
        dl.facts #holder {
            dt { (t.name) } dd { (person.name.family) " " (person.name.given) " (" (person.name.family_kana) " " (person.name.given_kana) ")" }
            dt { (t.birth_date) } dd { (person.birth_date) }
            dt { (t.issuer) } dd { (s.frame.municipality) }
        }
        div.cards #qr-codes data-chunks=(card.chunks.len()) {
            @for (i, svg) in codes.iter().enumerate() {
                figure.card.qr role="img" aria-label=(format!("{} {}/{}", t.qr_code, i + 1, codes.len())) {
                    (PreEscaped(svg))
                    figcaption { (t.qr_code) " " (i + 1) "/" (codes.len()) }
                }
            }
        }
        table #certificate-doses {
            thead { tr { th.num { (t.dose_col) } th { (t.vaccinated_on) } th { (t.product) } th { (t.lot) } } }
            tbody { @for d in &doses { tr {
                td.num { (d.dose) } td.date { (d.vaccinated_on) } td { (product_name(&d.product)) } td { (d.lot) }
            } } }
        }
        dl.facts {
            dt { (t.issued_at) } dd { (super::format::time(card.nbf)) }
            dt { (t.key_id) } dd { code { (card.kid) } }
        }
        p.no-print { button type="button" data-print { (t.print) } }
    })
}
