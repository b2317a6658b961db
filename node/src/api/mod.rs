//! HTTP handlers, one resource per file, and the one route table.

pub mod audit;
pub mod auth;
pub mod body;
pub mod certificates;
pub mod disclosures;
pub mod dose_import;
pub mod error;
pub mod health;
pub mod import;
pub mod inquiries;
pub mod inquiry_bulk;
pub mod inquiry_bulk_ask;
pub mod inquiry_bulk_output;
pub mod inquiry_bulk_progress;
pub mod inquiry_bulk_rows;
pub mod inquiry_input;
pub mod ledger;
pub mod products;
pub mod residents;
pub mod state;
pub mod vaccination_changes;
pub mod vaccinations;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health))
        .route("/metrics", web::get().to(health::metrics))
        .route("/.well-known/jwks.json", web::get().to(certificates::jwks))
        .route("/.well-known/crl/{file}", web::get().to(certificates::crl))
        .service(
            web::scope("/api/v1")
                .route("/residents/import", web::post().to(import::import_residents_handler))
                .route("/residents/search", web::post().to(residents::search))
                .route("/residents/{atena}", web::get().to(residents::get))
                .route("/residents/{atena}/disclosures", web::get().to(disclosures::list))
                .route("/residents/{atena}/protection", web::put().to(disclosures::set_protection))
                .route("/products", web::get().to(products::list))
                .route("/vaccinations", web::post().to(vaccinations::record))
                .route("/vaccinations", web::get().to(vaccinations::list))
                .route("/vaccinations/import", web::post().to(dose_import::import))
                .route("/vaccinations/{id}", web::get().to(vaccinations::get))
                .route("/vaccinations/{id}/corrections", web::post().to(vaccination_changes::correct))
                .route("/vaccinations/{id}/cancel", web::post().to(vaccination_changes::cancel))
                .route("/inquiries", web::post().to(inquiries::ask))
                .route("/inquiries/bulk", web::post().to(inquiry_bulk::ask_bulk))
                .route("/inquiries/bulk/{batch_id}", web::get().to(inquiry_bulk::progress))
                .route("/inquiries/withheld", web::get().to(disclosures::withheld))
                .route("/inquiries/withheld/{id}/resolve", web::post().to(disclosures::resolve))
                .route("/exports/ledger.csv", web::get().to(ledger::export))
                .route("/certificates/{atena}", web::get().to(certificates::get))
                .route("/certificates/{atena}/qr.png", web::get().to(certificates::qr_png))
                .route("/certificates/{atena}/qr.svg", web::get().to(certificates::qr_svg))
                .route("/audit", web::get().to(audit::list)),
        );
}
