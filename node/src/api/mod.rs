//! HTTP handlers, one resource per file, and the one route table.

pub mod audit;
pub mod auth;
pub mod error;
pub mod health;
pub mod import;
pub mod residents;
pub mod state;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health)).route("/metrics", web::get().to(health::metrics)).service(
        web::scope("/api/v1")
            .route("/residents/import", web::post().to(import::import_residents_handler))
            .route("/residents/search", web::post().to(residents::search))
            .route("/residents/{atena}", web::get().to(residents::get))
            .route("/audit", web::get().to(audit::list)),
    );
}
