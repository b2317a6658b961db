//! `GET /ui/municipal` (staff): the 自治体メニュー.

use super::error::UiError;
use super::signed_in::SignedIn;
use crate::db::users::Role;
use actix_web::HttpResponse;
use maud::html;

pub async fn menu(s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    let t = s.frame.t();
    let items = [
        ("/ui/residents/import", t.import_title, t.import_blurb),
        ("/ui/residents/search", t.search_title, t.search_blurb),
        ("/ui/review", t.review_title, t.review_blurb),
        ("/ui/unmatched", t.unmatched_title, t.unmatched_blurb),
        ("/ui/inquiries/new", t.inquiry_title, t.inquiry_blurb),
        ("/ui/inquiries/bulk", t.bulk_title, t.bulk_blurb),
        ("/ui/stats", t.stats_title, t.stats_blurb),
        ("/ui/site", t.site_menu, t.site_blurb),
    ];
    let body = html! {
        div.cards #menu {
            @for (href, title, blurb) in items {
                a.card href=(href) { strong { (title) } span.muted { (blurb) } }
            }
        }
    };
    Ok(s.frame.page(t.municipal_menu, body))
}
