//! `/ui/residents/search` (staff): find a resident by 個別宛名番号, coupon number, or kana
//! name and birth date — always by POST, so nothing typed here reaches a URL. Results link
//! to the resident's page through an opaque handle (`handles`). The coupon and kana
//! searches are the API's own (`api::residents::find`), and every read is logged.

use super::error::UiError;
use super::handles;
use super::layout::notice;
use super::signed_in::SignedIn;
use crate::api::residents::{SearchRequest, find, log_read};
use crate::api::state::AppState;
use crate::db::residents::{self, ResidentView};
use crate::db::users::Role;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use vrs_protocol::Atena;

#[derive(Deserialize, Default)]
pub struct SearchForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    atena: String,
    #[serde(default)]
    coupon: String,
    #[serde(default)]
    family_kana: String,
    #[serde(default)]
    given_kana: String,
    #[serde(default)]
    birth_date: String,
}

pub async fn page(s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    Ok(s.frame.page(s.frame.t().search_title, form(&s, &SearchForm::default(), html! {})))
}

fn form(s: &SignedIn, f: &SearchForm, results: Markup) -> Markup {
    let t = s.frame.t();
    let by = if f.by.is_empty() { "atena" } else { f.by.as_str() };
    html! {
        div.cards {
            form.card method="post" action="/ui/residents/search" #search-atena {
                h2 { (t.by_atena) }
                (s.frame.csrf_field())
                input type="hidden" name="by" value="atena";
                label for="atena" { (t.atena) }
                input #atena type="text" name="atena" inputmode="numeric" autocomplete="off" maxlength="15"
                    value=(if by == "atena" { f.atena.as_str() } else { "" }) required;
                button type="submit" { (t.search) }
            }
            form.card method="post" action="/ui/residents/search" #search-coupon {
                h2 { (t.by_coupon) }
                (s.frame.csrf_field())
                input type="hidden" name="by" value="coupon";
                label for="coupon" { (t.coupon) }
                input #coupon type="text" name="coupon" inputmode="numeric" autocomplete="off" maxlength="10"
                    value=(if by == "coupon" { f.coupon.as_str() } else { "" }) required;
                button type="submit" { (t.search) }
            }
            form.card method="post" action="/ui/residents/search" #search-kana {
                h2 { (t.by_kana) }
                (s.frame.csrf_field())
                input type="hidden" name="by" value="kana";
                label for="family_kana" { (t.family_kana) }
                input #family_kana type="text" name="family_kana" value=(f.family_kana) autocomplete="off" required;
                label for="given_kana" { (t.given_kana) " " small { (t.optional) } }
                input #given_kana type="text" name="given_kana" value=(f.given_kana) autocomplete="off";
                label for="birth_date" { (t.birth_date) }
                input #birth_date type="date" name="birth_date" value=(f.birth_date) required;
                button type="submit" { (t.search) }
            }
        }
        (results)
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    s: SignedIn,
    f: web::Form<SearchForm>,
) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    s.check_csrf(&f._csrf)?;
    let t = s.frame.t();
    let f = f.into_inner();
    let state2 = state.clone();
    let found: Result<Vec<ResidentView>, crate::api::error::ApiError> = match f.by.as_str() {
        "atena" => match Atena::parse(f.atena.trim()) {
            Err(_) => Err(crate::api::error::ApiError::unprocessable("invalid_atena", "")),
            Ok(atena) => {
                web::block(move || -> Result<_, crate::api::error::ApiError> {
                    let mut conn = state2.db.get()?;
                    let view = residents::get(&mut conn, &state2.keys, atena.as_str())?;
                    if view.is_some() {
                        log_read(&mut conn, &user, "resident.search", atena.as_str(), Some("by=atena".into()))?;
                    }
                    Ok(view.into_iter().collect())
                })
                .await?
            }
        },
        by => {
            let request = match by {
                "coupon" => SearchRequest { coupon: Some(f.coupon.trim().to_owned()), ..empty() },
                _ => SearchRequest {
                    family_kana: Some(f.family_kana.trim().to_owned()),
                    given_kana: Some(f.given_kana.trim().to_owned()),
                    birth_date: Some(f.birth_date.trim().to_owned()),
                    ..empty()
                },
            };
            match request.parse() {
                Err(e) => Err(e),
                Ok(search) => web::block(move || find(&mut *state2.db.get()?, &state2.keys, &user, &search)).await?,
            }
        }
    };
    let (status, results) = match found {
        Err(e) => (e.status, notice("error", t.code_or(e.code, &e.message))),
        Ok(views) if views.is_empty() => (StatusCode::OK, notice("warn", t.nobody_found)),
        Ok(views) if views.len() == 1 => {
            // One person found: straight to their page (POST-redirect-GET, the handle in the URL).
            let handle = handle_of(&s, &views[0].atena)?;
            return Ok(HttpResponse::SeeOther()
                .insert_header(("Location", format!("/ui/residents/r/{handle}")))
                .finish());
        }
        Ok(views) => (StatusCode::OK, list(&s, &views)?),
    };
    Ok(s.frame.page_with(status, t.search_title, form(&s, &f, results)))
}

fn empty() -> SearchRequest {
    SearchRequest { coupon: None, my_number: None, family_kana: None, given_kana: None, birth_date: None }
}

pub fn handle_of(s: &SignedIn, atena: &str) -> Result<String, UiError> {
    Atena::parse(atena)
        .ok()
        .and_then(|a| handles::seal(&s.token.handle_key(), &a))
        .ok_or_else(|| crate::api::error::ApiError::internal("cannot seal a resident handle").into())
}

fn list(s: &SignedIn, views: &[ResidentView]) -> Result<Markup, UiError> {
    let t = s.frame.t();
    let mut rows = Vec::with_capacity(views.len());
    for v in views {
        rows.push((handle_of(s, &v.atena)?, v));
    }
    Ok(html! {
        h2 { (t.results) " (" (views.len()) ")" }
        table #results {
            thead { tr { th { (t.atena) } th { (t.name) } th { (t.kana) } th { (t.birth_date) } th { (t.status) } } }
            tbody { @for (handle, v) in rows {
                tr {
                    td { a href=(format!("/ui/residents/r/{handle}")) { (v.atena) } }
                    td { (v.name.family) " " (v.name.given) }
                    td { (v.name.family_kana) " " (v.name.given_kana) }
                    td { (v.birth_date) }
                    td { (t.code_or(v.status, v.status)) }
                }
            } }
        }
    })
}
