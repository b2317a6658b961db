//! Reading a whole request body with a size limit, for uploads small enough to hold in
//! memory; the limit's error names the limit, so the sender knows to split the file.

use super::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;

/// Reads `payload` whole; 413 `body_too_large` past `max` bytes (`what` names the file).
pub async fn read_limited(mut payload: web::Payload, max: usize, what: &str) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request("read_error", format!("the upload was interrupted: {e}")))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("{what} may be at most {max} bytes; split it"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
