//! HTTP handlers, one resource per file, and the one route table.

pub mod auth;
pub mod dashboard;
pub mod error;
pub mod health;
pub mod nodes;
pub mod opendata;
pub mod state;
pub mod stats;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health))
        .route("/metrics", web::get().to(health::metrics))
        .route("/dashboard", web::get().to(dashboard::page))
        .service(
            web::scope("/opendata")
                .route("/prefecture.ndjson", web::get().to(opendata::prefecture_ndjson))
                .route("/prefecture.ndjson.gz", web::get().to(opendata::prefecture_ndjson_gz))
                .route("/summary_by_date.csv", web::get().to(opendata::summary_by_date))
                .route("/summary_by_prefecture.csv", web::get().to(opendata::summary_by_prefecture))
                .route("/summary_by_municipality.csv", web::get().to(opendata::summary_by_municipality)),
        )
        .service(
            web::scope("/api/v1")
                .route("/nodes", web::get().to(nodes::list))
                .route("/stats", web::get().to(stats::get))
                .route("/stats/refresh", web::post().to(stats::refresh)),
        );
}
