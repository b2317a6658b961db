//! The one API error type: `{"error": "<code>", "message": "...", ...detail}` with a
//! stable snake_case code. 5xx answers never carry the cause, which is logged instead.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};
use std::fmt;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub detail: Map<String, Value>,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), detail: Map::new(), retry_after_secs: None }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.detail.insert(key.to_owned(), value);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required")
    }

    pub fn forbidden(role: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", format!("the {role} role may not do this"))
    }

    /// Logs the cause and answers 500 without it.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the node's log")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = json!({ "error": self.code, "message": self.message });
        if let Value::Object(map) = &mut body {
            map.extend(self.detail.clone());
        }
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((actix_web::http::header::RETRY_AFTER, secs));
        }
        res.json(body)
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::internal(e)
    }
}

/// For handlers that run their own transaction.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::internal(crate::db::DbError::from(e))
    }
}

impl From<vrs_http::AuthFailure<ApiError>> for ApiError {
    fn from(f: vrs_http::AuthFailure<ApiError>) -> Self {
        match f.into_refusal() {
            Ok(r) => ApiError { retry_after_secs: r.retry_after_secs, ..ApiError::new(r.status, r.code, r.message) },
            Err(e) => e,
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "database busy; retry").with(
            "detail",
            Value::String({
                tracing::warn!(error = %e, "pool exhausted");
                "pool".into()
            }),
        )
    }
}

/// JSON bodies that fail to parse answer in the same envelope.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    let (status, code) = match &err {
        actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
        | actix_web::error::JsonPayloadError::Overflow { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        actix_web::error::JsonPayloadError::ContentType => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        }
        _ => (StatusCode::BAD_REQUEST, "invalid_json"),
    };
    // serde's message names the field and position but not the value.
    ApiError::new(status, code, err.to_string()).into()
}
