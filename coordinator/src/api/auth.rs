//! The caller behind `Authorization: Bearer TOKEN`, and role checks: a missing or unknown
//! token is 401, a role without the right 403.

use super::error::ApiError;
use super::state::AppState;
use crate::db::users::{self, Role, User};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl Caller {
    pub fn require(&self, roles: &[Role]) -> Result<&User, ApiError> {
        if roles.contains(&self.0.role) { Ok(&self.0) } else { Err(ApiError::forbidden(self.0.role.as_str())) }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    (!token.is_empty() && token.len() <= 256).then(|| token.to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::unauthorized());
            };
            let user = web::block(move || -> Result<Option<User>, ApiError> {
                let mut conn = state.db.get()?;
                Ok(users::by_token(&mut conn, &token)?)
            })
            .await??;
            user.map(Caller).ok_or_else(ApiError::unauthorized)
        })
    }
}
