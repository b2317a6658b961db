//! `GET /api/v1/products` (any role): the product master in use.

use super::auth::Caller;
use super::state::AppState;
use actix_web::{HttpResponse, web};

pub async fn list(state: web::Data<AppState>, _caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(state.products.all())
}
