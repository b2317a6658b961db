//! Building and running the node's HTTP server on a pre-bound listener (so tests can bind
//! port 0). actix stops gracefully on SIGINT/SIGTERM, letting requests finish.

use crate::api::{self, error::ApiError, state::AppState};
use crate::certificates::Issuer;
use crate::config::Settings;
use crate::crypto::NodeKeys;
use crate::db::{self, DatabaseUrl};
use crate::metrics::Metrics;
use crate::products::ProductMaster;
use crate::vaccinations::writer::DoseWriter;
use actix_web::dev::Service;
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub const KEY_FILE: &str = "keys/data.key";

/// Opens everything the node needs from its data dir, failing with one clear reason.
pub fn open_state(data_dir: &Path, settings: Settings) -> anyhow::Result<AppState> {
    let keys = NodeKeys::load(&data_dir.join(KEY_FILE))?;
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(data_dir);
    let d = &settings.database;
    // A damaged file is refused now, with one clear sentence, not half-way through a request.
    match d.integrity_check.as_str() {
        "full" => db::integrity::check_file(&url, db::integrity::Depth::Full)?,
        "quick" => db::integrity::check_file(&url, db::integrity::Depth::Quick)?,
        _ => {}
    }
    let pool = if d.sqlite_checkpoints == "background" {
        db::open_served(url, &d.sqlite_synchronous, d.pool_size)?
    } else {
        db::open(url, &d.sqlite_synchronous, d.pool_size)?
    };
    let addr = settings.http_listen()?;
    let loopback = vrs_http::transport::is_loopback(addr.ip());
    let tls = settings.transport_plan(data_dir)?.load(addr)?;
    let products = Arc::new(ProductMaster::load(data_dir)?);
    crate::products::install((*products).clone());
    let metrics = Arc::new(Metrics::new()?);
    let issuer = Issuer::from_data_dir(data_dir, settings.issuer())?;
    let token_throttle = settings.auth.token_throttle();
    let doses = DoseWriter::start(pool.clone(), settings.municipality_code(), products.clone(), metrics.clone());
    Ok(AppState {
        settings,
        db: pool,
        keys: Arc::new(keys),
        metrics,
        loopback,
        products,
        doses,
        federation: None,
        outbox: None,
        bulk: Arc::default(),
        issuer: Arc::new(issuer),
        token_throttle,
        tls,
    })
}

pub async fn run(state: AppState, listener: TcpListener) -> std::io::Result<()> {
    let shutdown = state.settings.http.shutdown_timeout_secs;
    let tls_config = state.tls.clone();
    let tls = tls_config.is_some();
    let data = web::Data::new(state);
    let ui = web::Data::new(crate::ui::UiState::default());
    let server = HttpServer::new(move || {
        let metrics = data.metrics.clone();
        App::new()
            .app_data(data.clone())
            .app_data(ui.clone())
            .app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(api::error::json_error))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::bad_request("invalid_parameter", e.to_string()).into()),
            )
            .wrap(vrs_http::headers::security_headers(tls))
            .wrap_fn(move |req, srv| {
                let start = Instant::now();
                let metrics = metrics.clone();
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    // The route pattern, never the path: a path can hold an atena.
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                    let method = res.request().method().to_string();
                    let status = res.status();
                    let secs = start.elapsed().as_secs_f64();
                    metrics
                        .http_duration
                        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
                        .observe(secs);
                    tracing::info!(%method, %route, status = status.as_u16(), ms = secs * 1000.0, "request");
                    Ok(res)
                }
            })
            // Outermost, so that the access log line above runs in the request's span.
            .wrap(actix_web::middleware::from_fn(vrs_telemetry::request_id::middleware))
            .configure(api::routes)
            .configure(crate::ui::routes)
            .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::not_found("route")) }))
    })
    .shutdown_timeout(shutdown);
    let server = match tls_config {
        Some(config) => server.listen_rustls_0_23(listener, (*config).clone())?,
        None => server.listen(listener)?,
    };
    server.run().await
}
