//! The staff web pages, served by the node itself under `/ui` (issue 8): the 自治体メニュー
//! for municipal staff, the 接種会場メニュー for vaccination sites, and the users page.
//!
//! - HTML is rendered on the server with `maud` (markup checked at compile time, escaped
//!   by default), one page per file; a few small scripts and stylesheets are embedded in
//!   the binary (`/ui/static/`). No inline script or style: the pages run under a
//!   Content-Security-Policy of `default-src 'self'`.
//! - Japanese first, English by a switch; all words come from `catalogue`.
//! - Sign-in with a password an admin set (argon2id) or the user's API token; sessions in
//!   the database with idle and absolute expiry, a cookie that is HttpOnly, SameSite=Strict
//!   and Secure over TLS, and a CSRF token in every form (`session`, `signed_in`).
//! - Nothing personal in a URL: searches are POST forms, and a resident's pages are reached
//!   through an opaque handle that only the session that found the resident can open
//!   (`handles`), never through the 個別宛名番号 itself.
//! - Every page reuses the API's code paths (recording, import, inquiries, corrections,
//!   certificates), so the pages and the API cannot disagree.

pub mod audit;
pub mod bulk_tickets;
pub mod catalogue;
pub mod certificate;
pub mod charts;
pub mod cookies;
pub mod dose;
pub mod error;
pub mod format;
pub mod handles;
pub mod home;
pub mod inquiry;
pub mod inquiry_bulk;
pub mod lang;
pub mod layout;
pub mod municipal;
pub mod queues;
pub mod resident;
pub mod residents_import;
pub mod residents_search;
pub mod session;
pub mod sign_in;
pub mod signed_in;
pub mod site;
pub mod site_confirm;
pub mod static_files;
pub mod stats;
pub mod throttle;
pub mod users;

use actix_web::middleware::DefaultHeaders;
use actix_web::web;

/// Only this origin's files; no frames, no plugins, forms only to this origin.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// State the pages keep in memory.
#[derive(Debug, Default)]
pub struct UiState {
    pub throttle: throttle::Throttle,
    pub bulk_tickets: bulk_tickets::BulkTickets,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/ui")
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CSP))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Cross-Origin-Opener-Policy", "same-origin")),
            )
            // A form that does not parse (a field missing or of the wrong kind) gets a page.
            .app_data(web::FormConfig::default().limit(64 * 1024).error_handler(|e, req| {
                let lang = lang::Lang::of(req);
                let message = e.to_string();
                error::UiError::api(lang, crate::api::error::ApiError::bad_request("invalid_form", message)).into()
            }))
            .route("", web::get().to(home::start))
            .route("/", web::get().to(home::start))
            .route("/static/{file}", web::get().to(static_files::serve))
            .route("/lang/{code}", web::get().to(lang::switch))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::submit))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/site", web::get().to(site::page))
            .route("/site/settings", web::post().to(site::save_settings))
            .route("/site/check", web::post().to(site_confirm::check))
            .route("/site/record", web::post().to(site_confirm::record))
            .route("/municipal", web::get().to(municipal::menu))
            .route("/residents/import", web::get().to(residents_import::page))
            .route("/residents/import", web::post().to(residents_import::upload))
            .route("/residents/search", web::get().to(residents_search::page))
            .route("/residents/search", web::post().to(residents_search::submit))
            .route("/residents/r/{handle}", web::get().to(resident::page))
            .route("/residents/r/{handle}/certificate", web::get().to(certificate::page))
            .route("/residents/r/{handle}/certificate", web::post().to(certificate::holder_request))
            .route("/review", web::get().to(queues::review))
            .route("/unmatched", web::get().to(queues::unmatched))
            .route("/doses/{id}", web::get().to(dose::page))
            .route("/doses/{id}/correct", web::post().to(dose::correct))
            .route("/doses/{id}/cancel", web::post().to(dose::cancel))
            .route("/inquiries/new", web::get().to(inquiry::page))
            .route("/inquiries", web::post().to(inquiry::submit))
            .route("/inquiries/bulk", web::get().to(inquiry_bulk::page))
            .route("/inquiries/bulk/consent", web::post().to(inquiry_bulk::consent))
            .route("/inquiries/bulk/upload/{ticket}", web::post().to(inquiry_bulk::upload))
            .route("/inquiries/bulk/progress/{id}", web::get().to(inquiry_bulk::progress))
            .route("/stats", web::get().to(stats::page))
            .route("/audit", web::get().to(audit::page))
            .route("/users", web::get().to(users::list))
            .route("/users", web::post().to(users::add))
            .route("/users/{id}/password", web::post().to(users::set_password))
            .default_service(web::to(not_found)),
    );
}

/// Any other path under /ui: a page, not the API's JSON.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    error::UiError::not_found(lang::Lang::of(&req)).error_response()
}
