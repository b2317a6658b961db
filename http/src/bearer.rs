//! Authenticating one request by its `Authorization: Bearer TOKEN`, with the failed-token
//! throttle in front: a blocked client address is refused before any look-up, a wrong
//! token counts against its address, a malformed one never reaches the database.

use crate::throttle::{Failure, Throttle, client_key};
use crate::token::{MAX_TOKEN_LEN, TokenState};
use actix_web::HttpRequest;
use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use std::net::IpAddr;
use std::time::Duration;

/// Why a request is not authenticated.
#[derive(Debug)]
pub enum AuthFailure<E> {
    /// No bearer token at all (not counted as an attempt).
    Missing,
    /// A token that was never issued, or was revoked.
    Unknown,
    Expired {
        at: i64,
    },
    /// Too many wrong tokens from this client address: try again after `retry_after`.
    Throttled {
        retry_after: Duration,
    },
    /// The look-up itself failed (database down).
    Lookup(E),
}

/// How both servers answer an authentication failure (in their own error envelope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after_secs: Option<u64>,
}

impl<E> AuthFailure<E> {
    /// Whole seconds to put in `Retry-After` (at least 1).
    pub fn retry_after_secs(retry_after: Duration) -> u64 {
        retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0 || retry_after.is_zero())
    }

    /// The answer to give: 401 `unauthorized` or `token_expired`, 429 `too_many_attempts`;
    /// a failed look-up keeps its own error.
    pub fn into_refusal(self) -> Result<Refusal, E> {
        let refusal =
            |status, code, message: String, retry_after_secs| Refusal { status, code, message, retry_after_secs };
        Ok(match self {
            AuthFailure::Missing | AuthFailure::Unknown => {
                refusal(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required".into(), None)
            }
            AuthFailure::Expired { at } => refusal(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                format!("the token expired on {} (UTC); ask an admin to renew it", crate::token::utc_date(at)),
                None,
            ),
            AuthFailure::Throttled { retry_after } => {
                let secs = Self::retry_after_secs(retry_after);
                let message = format!("too many wrong tokens from this address; retry in {secs} s");
                refusal(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message, Some(secs))
            }
            AuthFailure::Lookup(e) => return Err(e),
        })
    }
}

/// What a request presents: its bearer token (if any) and its client's throttle key.
#[derive(Debug)]
pub struct Presented {
    token: Option<String>,
    client: Option<IpAddr>,
}

impl Presented {
    pub fn of(req: &HttpRequest) -> Self {
        Presented { token: bearer(req), client: req.peer_addr().map(|a| client_key(a.ip())) }
    }

    /// Authenticates: `lookup` (run on the blocking pool) maps a well-formed token to what
    /// the store holds for it.
    pub async fn authenticate<U, E, F>(self, throttle: &Throttle<IpAddr>, lookup: F) -> Result<U, AuthFailure<E>>
    where
        F: FnOnce(String) -> Result<TokenState<U>, E> + Send + 'static,
        U: Send + 'static,
        E: From<BlockingError> + Send + 'static,
    {
        let Some(token) = self.token else { return Err(AuthFailure::Missing) };
        if let Some(retry_after) = self.client.and_then(|c| throttle.blocked(&c)) {
            return Err(AuthFailure::Throttled { retry_after });
        }
        let state = if well_formed(&token) {
            actix_web::web::block(move || lookup(token))
                .await
                .map_err(E::from)
                .and_then(|r| r)
                .map_err(AuthFailure::Lookup)?
        } else {
            TokenState::Unknown
        };
        match state {
            TokenState::Valid(user) => Ok(user),
            TokenState::Expired { at } => Err(AuthFailure::Expired { at }),
            TokenState::Unknown => {
                if let Some(client) = self.client
                    && throttle.fail(&client) == Failure::NowBlocked
                {
                    // Once per blocking, not per attempt: a flood must not flood the log too.
                    tracing::warn!(%client, "client address throttled after repeated wrong API tokens");
                }
                Err(AuthFailure::Unknown)
            }
        }
    }
}

/// The token of an `Authorization: Bearer ...` header (scheme case-insensitive).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.chars().take(MAX_TOKEN_LEN).collect())
}

/// Whether `token` has the shape of one this crate issues (`vrs_` + 64 hex digits).
fn well_formed(token: &str) -> bool {
    token.len() == 68 && token.starts_with("vrs_") && token[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[derive(Debug)]
    struct Down;
    impl From<BlockingError> for Down {
        fn from(_: BlockingError) -> Self {
            Down
        }
    }

    fn request(auth: Option<&str>) -> Presented {
        let mut req = TestRequest::default().peer_addr("192.0.2.1:4000".parse().unwrap());
        if let Some(a) = auth {
            req = req.insert_header((AUTHORIZATION, a));
        }
        Presented::of(&req.to_http_request())
    }

    fn lookup(token: String) -> Result<TokenState<&'static str>, Down> {
        Ok(match token.as_str() {
            t if t == format!("vrs_{}", "a".repeat(64)) => TokenState::Valid("alice"),
            t if t == format!("vrs_{}", "e".repeat(64)) => TokenState::Expired { at: 5 },
            _ => TokenState::Unknown,
        })
    }

    #[actix_web::test]
    async fn valid_expired_unknown_missing_and_throttled() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        let good = format!("Bearer vrs_{}", "a".repeat(64));
        assert_eq!(request(Some(&good)).authenticate(&throttle, lookup).await.unwrap(), "alice");
        let expired = format!("bearer vrs_{}", "e".repeat(64));
        assert!(matches!(
            request(Some(&expired)).authenticate(&throttle, lookup).await,
            Err(AuthFailure::Expired { at: 5 })
        ));
        assert!(matches!(request(None).authenticate(&throttle, lookup).await, Err(AuthFailure::Missing)));
        assert!(matches!(request(Some("Basic abc")).authenticate(&throttle, lookup).await, Err(AuthFailure::Missing)));
        assert!(throttle.is_empty(), "neither a missing nor an expired token counts as a guess");

        let wrong = format!("Bearer vrs_{}", "b".repeat(64));
        for _ in 0..3 {
            assert!(matches!(request(Some(&wrong)).authenticate(&throttle, lookup).await, Err(AuthFailure::Unknown)));
        }
        // Blocked now, even with the right token (no oracle while blocked).
        let r = request(Some(&good)).authenticate(&throttle, lookup).await;
        assert!(matches!(r, Err(AuthFailure::Throttled { retry_after }) if retry_after <= Duration::from_secs(20)));
    }

    #[actix_web::test]
    async fn malformed_tokens_count_without_a_look_up() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let never = |_: String| -> Result<TokenState<()>, Down> { panic!("a malformed token reached the store") };
        let long = format!("Bearer {}", "x".repeat(10_000));
        assert!(matches!(request(Some(&long)).authenticate(&throttle, never).await, Err(AuthFailure::Unknown)));
        assert!(matches!(
            request(Some("Bearer vrs_zz")).authenticate(&throttle, never).await,
            Err(AuthFailure::Unknown)
        ));
        assert!(matches!(
            request(Some("Bearer x")).authenticate(&throttle, never).await,
            Err(AuthFailure::Throttled { .. })
        ));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(AuthFailure::<()>::retry_after_secs(Duration::from_millis(5_001)), 6);
        assert_eq!(AuthFailure::<()>::retry_after_secs(Duration::from_secs(6)), 6);
        assert_eq!(AuthFailure::<()>::retry_after_secs(Duration::ZERO), 1);
    }
}
