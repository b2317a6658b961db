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

pub mod catalogue;
pub mod cookies;
pub mod error;
pub mod format;
pub mod home;
pub mod lang;
pub mod layout;
pub mod session;
pub mod sign_in;
pub mod signed_in;
pub mod site;
pub mod site_confirm;
pub mod static_files;
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
            .route("/users", web::get().to(users::list))
            .route("/users", web::post().to(users::add))
            .route("/users/{id}/password", web::post().to(users::set_password)),
    );
}
