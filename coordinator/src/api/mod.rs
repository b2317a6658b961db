//! HTTP handlers, one resource per file, and the one route table.

pub mod auth;
pub mod error;
pub mod health;
pub mod nodes;
pub mod state;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health))
        .route("/metrics", web::get().to(health::metrics))
        .service(web::scope("/api/v1").route("/nodes", web::get().to(nodes::list)));
}
