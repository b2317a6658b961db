//! `GET /api/v1/products` (any role that works with doses; not `monitoring`, which reads
//! /metrics only): the product master in use.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};

pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Staff, Role::Site, Role::Auditor])?;
    Ok(HttpResponse::Ok().json(state.products.all()))
}
