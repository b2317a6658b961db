//! The one API error type: `{"error": "<code>", "message": "..."}` with a stable
//! snake_case code, as the node answers. 5xx answers never carry the cause, which is
//! logged instead.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use std::fmt;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), retry_after_secs: None }
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
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the coordinator's log")
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
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((actix_web::http::header::RETRY_AFTER, secs));
        }
        res.json(json!({ "error": self.code, "message": self.message }))
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::internal(e)
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
        tracing::warn!(error = %e, "database pool exhausted");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "database busy; retry")
    }
}
