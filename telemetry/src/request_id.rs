//! `X-Request-Id`: every HTTP request gets an id that a person can quote from a response
//! and find in the log. A sane incoming id (from a reverse proxy or a client) is kept, so
//! one id follows the request through every hop; otherwise a fresh one is made. The id is
//! echoed in the response and is a field of the span the request is served in.
//!
//! "Sane" is strict because the id is logged verbatim: up to 64 characters from
//! `A-Z a-z 0-9 . _ : -`, and no run of more than five digits, so that no My Number,
//! coupon number, birth date or long 個別宛名番号 can reach the log through this header.
//! A refused id is replaced, never an error: the caller still gets an id back.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::Instrument;

/// The header, lower-case as HTTP/2 sends it.
pub const HEADER: &str = "x-request-id";
pub const MAX_LEN: usize = 64;
/// Longer digit runs could be a personal identifier (coupons have 10, My Numbers 12).
pub const MAX_DIGIT_RUN: usize = 5;

/// A request's id; in the request's extensions for handlers that want to quote it.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// An incoming id if it is sane (see the module doc), else `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-');
        if s.is_empty() || s.len() > MAX_LEN || !s.bytes().all(allowed) || longest_digit_run(s) > MAX_DIGIT_RUN {
            return None;
        }
        Some(RequestId(s.to_owned()))
    }

    /// A fresh id: 128 random bits as eight groups of four hex digits, a shape that
    /// [`parse`](Self::parse) accepts when a proxy sends it back to us.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        if SystemRandom::new().fill(&mut bytes).is_err() {
            // The id only correlates log lines; unique within the process is enough.
            static FALLBACK: AtomicU64 = AtomicU64::new(0);
            bytes[..8].copy_from_slice(&FALLBACK.fetch_add(1, Ordering::Relaxed).to_be_bytes());
            bytes[8..].copy_from_slice(&u64::from(std::process::id()).to_be_bytes());
        }
        let hex = hex::encode(bytes);
        let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..i + 4]).collect();
        RequestId(groups.join("-"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0)
}

/// The middleware (`App::wrap(actix_web::middleware::from_fn(request_id::middleware))`),
/// registered last so that it is the outermost: everything inside, including the access
/// log line and the handlers, runs in its span.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let incoming = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).and_then(RequestId::parse);
    let id = incoming.unwrap_or_else(RequestId::generate);
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", request_id = %id);
    let fut = {
        let _entered = span.enter();
        next.call(req)
    };
    // Handlers' and extractors' errors arrive here as responses; only an inner
    // middleware's own failure is an `Err`, answered by actix without the header.
    let mut res = fut.instrument(span).await?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        res.headers_mut().insert(HeaderName::from_static(HEADER), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test as http_test;
    use actix_web::{App, HttpResponse, web};
    use proptest::prelude::*;

    #[test]
    fn sane_ids_are_kept_and_identifiers_are_refused() {
        for ok in ["abc", "req-1234", "550e8400-e29b-41d4-a716-4466", "trace:1.2_x", "a".repeat(64).as_str()] {
            assert_eq!(RequestId::parse(ok).map(|i| i.0), Some(ok.to_owned()), "{ok}");
        }
        for bad in [
            "",
            "123456789018",  // a My Number
            "id-1234567890", // a coupon number inside
            "19800401",      // a birth date
            "has space",
            "semi;colon",
            "ｆｕｌｌ",
            &"a".repeat(65),
            "line\nbreak",
        ] {
            assert!(RequestId::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_accepted_back_and_differ() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 39);
        assert_eq!(RequestId::parse(a.as_str()), Some(a));
    }

    proptest! {
        #[test]
        fn parse_never_accepts_a_long_digit_run_or_a_foreign_byte(s in "\\PC{0,80}") {
            if let Some(id) = RequestId::parse(&s) {
                prop_assert!(longest_digit_run(id.as_str()) <= MAX_DIGIT_RUN);
                prop_assert!(id.as_str().len() <= MAX_LEN);
                prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_graphic()));
            }
        }

        #[test]
        fn any_identifier_inside_an_id_is_refused(pre in "[a-z-]{0,20}", digits in "[0-9]{6,15}", post in "[a-z-]{0,20}") {
            let id = format!("{pre}{digits}{post}");
            prop_assert!(RequestId::parse(&id).is_none());
        }
    }

    fn header(res: &ServiceResponse<BoxBody>) -> String {
        res.headers().get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    #[actix_web::test]
    async fn the_id_is_echoed_and_seen_by_the_handler() {
        let app = http_test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(middleware))
                .route(
                    "/id",
                    web::get().to(|req: actix_web::HttpRequest| async move {
                        let id = req.extensions().get::<RequestId>().map(|i| i.to_string()).unwrap_or_default();
                        HttpResponse::Ok().body(id)
                    }),
                )
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(actix_web::error::ErrorNotFound("no such route"))
                })),
        )
        .await;
        let res = http_test::call_service(
            &app,
            http_test::TestRequest::get().uri("/id").insert_header((HEADER, "proxy-7")).to_request(),
        )
        .await;
        assert_eq!(header(&res), "proxy-7");
        assert_eq!(http_test::read_body(res).await, "proxy-7");

        let res = http_test::call_service(
            &app,
            http_test::TestRequest::get().uri("/id").insert_header((HEADER, "123456789018")).to_request(),
        )
        .await;
        let made = header(&res);
        assert_ne!(made, "123456789018");
        assert!(RequestId::parse(&made).is_some());
        assert_eq!(http_test::read_body(res).await, made.as_bytes());

        let res = http_test::call_service(&app, http_test::TestRequest::get().uri("/nowhere").to_request()).await;
        assert_eq!(res.status(), 404);
        assert!(RequestId::parse(&header(&res)).is_some());
    }
}
