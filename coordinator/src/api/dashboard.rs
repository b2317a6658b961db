//! `GET /dashboard` (no auth for the page itself): the national dashboard, one HTML file
//! with its script and SVG drawing inline, embedded in the binary (no CDN, no separate
//! front-end server). The page reads `/api/v1/stats` and `/api/v1/nodes` with the
//! national token the user gives it, so the page alone shows nothing.

use actix_web::HttpResponse;

const PAGE: &str = include_str!("../../static/dashboard.html");

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // Everything the page needs is inline or same-origin; nothing else may load.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; \
             img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ))
        .body(PAGE)
}
