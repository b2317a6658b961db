//! `GET /ui/review` and `/ui/unmatched` (staff): the 要修正/要確認 queue (doses the rules
//! flagged) and the 登録待ち queue (doses whose coupon is not registered yet), read through
//! the API's own path (`api::vaccinations::read_queue`, logged). Each row leads to the
//! dose's page, where it is corrected with a reason.

use super::error::UiError;
use super::resident::product_name;
use super::signed_in::SignedIn;
use super::site::{masked_coupon, municipality_name};
use crate::api::state::AppState;
use crate::api::vaccinations::read_queue;
use crate::db::users::Role;
use crate::db::vaccinations::VaccinationView;
use actix_web::{HttpResponse, web};
use maud::html;

const PAGE: i64 = 200;

pub async fn review(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, UiError> {
    show(&state, &s, "needs_review").await
}

pub async fn unmatched(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, UiError> {
    show(&state, &s, "unmatched").await
}

async fn show(state: &web::Data<AppState>, s: &SignedIn, status: &'static str) -> Result<HttpResponse, UiError> {
    let user = s.require(&[Role::Staff])?.clone();
    let db = state.db.clone();
    let items = web::block(move || read_queue(&mut *db.get()?, &user, status, PAGE, None)).await??;
    let t = s.frame.t();
    let (title, intro) =
        if status == "unmatched" { (t.unmatched_title, t.unmatched_intro) } else { (t.review_title, t.review_intro) };
    Ok(s.frame.page(
        title,
        html! {
            p { (intro) }
            (table(s, &items))
        },
    ))
}

fn table(s: &SignedIn, items: &[VaccinationView]) -> maud::Markup {
    let t = s.frame.t();
    html! {
        @if items.is_empty() { p.muted #empty { (t.none_yet) } } @else {
            div.table-wrap { table #queue {
                thead { tr {
                    th.num { (t.dose_col) } th { (t.vaccinated_on) } th { (t.product) } th { (t.coupon_municipality) }
                    th { (t.warnings_title) } th { (t.recorded_by) }
                } }
                tbody { @for d in items {
                    tr data-id=(d.id) {
                        td.num { a href=(format!("/ui/doses/{}", d.id)) { (d.dose) } }
                        td { (d.vaccinated_on) }
                        td { (product_name(&d.product)) }
                        td { (municipality_name(&d.municipality)) " " (masked_coupon(&d.ocr_line[8..])) }
                        td { @for w in d.warnings.as_array().into_iter().flatten() {
                            @let code = w["code"].as_str().unwrap_or_default();
                            span.badge.needs_review { (t.code_or(code, code)) } " "
                        } }
                        td { (d.recorded_by) }
                    }
                } }
            } }
        }
    }
}
