//! The pages' scripts and stylesheets, embedded in the binary and served under
//! `/ui/static/`: no build step, no CDN, nothing loaded from elsewhere.

use actix_web::{HttpResponse, web};

const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../static/ui/app.css")),
    ("print.css", "text/css; charset=utf-8", include_str!("../../static/ui/print.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../static/ui/app.js")),
    ("ocr.js", "text/javascript; charset=utf-8", include_str!("../../static/ui/ocr.js")),
    ("upload.js", "text/javascript; charset=utf-8", include_str!("../../static/ui/upload.js")),
];

pub async fn serve(name: web::Path<String>) -> HttpResponse {
    match FILES.iter().find(|(n, _, _)| *n == name.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            // Short: a node's upgrade must reach open tablets within minutes.
            .insert_header(("Cache-Control", "max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
