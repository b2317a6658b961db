//! The security headers on every response of both servers. A response that sets one of
//! them itself keeps its own (the dashboard's page sets a Content-Security-Policy that
//! admits its inline script); everything else gets these.

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

/// Nothing but the server's own origin may load, frame or be submitted to.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The camera stays available to the server's own pages (a site may read a coupon's OCR
/// line with it); every other powerful feature is off.
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()";
/// One year; a node that once served TLS keeps being asked over TLS.
pub const HSTS: &str = "max-age=31536000";

/// The headers for a listener; `tls` adds Strict-Transport-Security (meaningless, and
/// ignored by browsers, over plaintext).
pub fn security_headers(tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY))
        .add((header::CACHE_CONTROL, "no-store"));
    if tls { headers.add((header::STRICT_TRANSPORT_SECURITY, HSTS)) } else { headers }
}

/// The headers every response must carry (tests of both servers check them).
pub fn required(tls: bool) -> Vec<&'static str> {
    let mut names = vec![
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "permissions-policy",
        // Answers hold personal data: no browser or proxy may keep a copy.
        "cache-control",
    ];
    if tls {
        names.push("strict-transport-security");
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, HttpResponse, test, web};

    #[actix_web::test]
    async fn every_response_carries_them_and_a_page_may_set_its_own_policy() {
        for tls in [false, true] {
            let app = test::init_service(
                App::new().wrap(security_headers(tls)).route("/ok", web::get().to(HttpResponse::Ok)).route(
                    "/page",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
                            .finish()
                    }),
                ),
            )
            .await;
            for path in ["/ok", "/page", "/missing"] {
                let res = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
                for name in required(tls) {
                    assert!(res.headers().contains_key(name), "{name} missing on {path} (tls {tls})");
                }
                assert_eq!(res.headers().contains_key("strict-transport-security"), tls);
                assert_eq!(res.headers().get("cache-control").unwrap(), "no-store", "{path}");
            }
            let res = test::call_service(&app, test::TestRequest::get().uri("/page").to_request()).await;
            assert_eq!(res.headers().get("content-security-policy").unwrap(), "default-src 'none'");
        }
    }
}
