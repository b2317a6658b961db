//! The caller behind `Authorization: Bearer TOKEN` (throttled, expiring tokens: see
//! `vrs_http::bearer`), and role checks.

use super::error::ApiError;
use super::state::AppState;
use crate::db::users::{self, Role, User};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;
use vrs_http::Presented;

#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl Caller {
    /// Allows the call when the caller has one of `roles`; 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<&User, ApiError> {
        if roles.contains(&self.0.role) { Ok(&self.0) } else { Err(ApiError::forbidden(self.0.role.as_str())) }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let presented = Presented::of(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(state) = state else { return Err(ApiError::unauthorized()) };
            let db = state.db.clone();
            let lookup = move |token: String| -> Result<_, ApiError> { Ok(users::by_token(&mut *db.get()?, &token)?) };
            Ok(Caller(presented.authenticate(&state.token_throttle, lookup).await?))
        })
    }
}
