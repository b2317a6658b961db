//! `serve`: opens the data dir, starts the federation link and its tasks and the HTTP
//! server, and runs until `shutdown` resolves (SIGTERM/SIGINT in the binary). Then HTTP
//! stops accepting and lets requests finish, the federation tasks stop, the routing log
//! is flushed. Nothing acknowledged to a sender is held only in memory: a queued envelope
//! was committed before `queued` was answered, so even `kill -9` loses nothing.

use crate::api::{self, error::ApiError, state::AppState};
use crate::config::Settings;
use crate::db::{self, nodes};
use crate::federation::party_inbox::PartyInbox;
use crate::federation::peers::{Peers, Snapshot};
use crate::federation::{Federation, events, log_writer, queue, registry_sync};
use crate::layout::{self, DataDir};
use crate::metrics::Metrics;
use actix_web::dev::Service;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use vrs_protocol::SigningKey;

/// Where a running coordinator listens (the addresses actually bound).
#[derive(Debug, Clone)]
pub struct Bound {
    pub p2p: vrs_link::Multiaddr,
    pub http: std::net::SocketAddr,
}

/// Runs the coordinator until `shutdown` resolves. `on_bound` hears the bound addresses.
pub async fn run(
    dir: &DataDir,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
    on_bound: impl FnOnce(&Bound),
) -> anyhow::Result<()> {
    let pool = db::open(
        &dir.file(&settings.database.file),
        &settings.database.sqlite_synchronous,
        settings.database.pool_size,
    )?;
    let keypair = vrs_link::load_or_create_identity(&dir.file(layout::P2P_KEY))?;
    let national = SigningKey::read_file(&dir.file(layout::REGISTRY_KEY))
        .with_context(|| format!("cannot read {}", layout::REGISTRY_KEY))?;
    let registry_key = national.public_key();
    let (signed, last_seen) = {
        let mut conn = pool.get()?;
        let signed = crate::registry::current(&mut conn)?;
        let rows = nodes::active(&mut conn)?;
        (signed, rows.into_iter().filter_map(|r| Some((r.entry().ok()?.municipality, r.last_seen_ms?))).collect())
    };
    signed.verify(&registry_key).map_err(|e| anyhow::anyhow!("the current registry does not verify: {e}"))?;

    let link_config = vrs_link::LinkConfig { request_timeout: settings.forward_timeout(), ..Default::default() };
    let (client, link_events) = vrs_link::start(keypair, link_config)?;
    let snapshot = Snapshot::new(signed);
    client.allow_only(snapshot.allowed_peers()).await?;
    let p2p = client.listen(settings.p2p_listen()?).await.context("cannot listen for nodes")?;
    let http_addr = settings.http_listen()?;
    let listener = std::net::TcpListener::bind(http_addr).with_context(|| format!("cannot listen on {http_addr}"))?;
    let bound = Bound { p2p, http: listener.local_addr()? };

    let metrics = Arc::new(Metrics::new()?);
    metrics.registry_version.set(i64::try_from(snapshot.version()).unwrap_or(i64::MAX));
    metrics.nodes_enrolled.set(i64::try_from(snapshot.by_code.len()).unwrap_or(i64::MAX));
    metrics.queue_depth.set(db::queue::depth(&mut *pool.get()?)?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (log, log_task) = log_writer::start(pool.clone(), stop_rx.clone());
    let inbox = PartyInbox::new(crate::stats::keys::PartyKeys::load(dir)?, national, pool.clone());
    let fed = Arc::new(Federation::new(
        client,
        Peers::new(snapshot, last_seen),
        pool.clone(),
        metrics.clone(),
        settings.routing.clone(),
        log,
        registry_key,
        Box::new(inbox),
    ));
    let keys = crate::stats::keys::PartyKeys::load(dir)?;
    let stats = crate::stats::Stats::start(fed.clone(), keys, settings.stats.clone(), &metrics.registry).await?;
    let tasks = [
        tokio::spawn(events::run(fed.clone(), link_events, stop_rx.clone())),
        tokio::spawn(registry_sync::run(fed.clone(), stop_rx.clone())),
        tokio::spawn(queue::run(fed.clone(), stop_rx.clone())),
        tokio::spawn(crate::stats::schedule::run(stats.clone(), settings.stats.refresh_interval_secs, stop_rx.clone())),
    ];

    let loopback = vrs_http::transport::is_loopback(bound.http.ip());
    let tls = settings.transport_plan(bound.http, dir.path())?.load(bound.http)?;
    let token_throttle = settings.auth.token_throttle();
    let state = AppState { db: pool, metrics, federation: fed.clone(), stats, loopback, token_throttle };
    let http = http_server(state, listener, tls, &settings)?;
    let http_handle = http.handle();
    let http_task = tokio::spawn(http);
    tracing::info!(p2p = %bound.p2p, http = %bound.http, "coordinator listening");
    on_bound(&bound);

    shutdown.await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    http_handle.stop(true).await;
    let _ = http_task.await;
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), log_task).await;
    tracing::info!("coordinator stopped");
    Ok(())
}

fn http_server(
    state: AppState,
    listener: std::net::TcpListener,
    tls_config: Option<Arc<rustls::ServerConfig>>,
    settings: &Settings,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let tls = tls_config.is_some();
    let server = HttpServer::new(move || {
        let metrics = data.metrics.clone();
        App::new()
            .app_data(data.clone())
            .wrap(vrs_http::headers::security_headers(tls))
            .wrap_fn(move |req, srv| {
                let start = Instant::now();
                let metrics = metrics.clone();
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                    let method = res.request().method().to_string();
                    let status = res.status();
                    let secs = start.elapsed().as_secs_f64();
                    metrics
                        .http_duration
                        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
                        .observe(secs);
                    tracing::debug!(%method, %route, status = status.as_u16(), ms = secs * 1000.0, "request");
                    Ok(res)
                }
            })
            // Outermost, so that the access log line above runs in the request's span.
            .wrap(actix_web::middleware::from_fn(vrs_telemetry::request_id::middleware))
            .configure(api::routes)
            .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::not_found("route")) }))
    })
    .workers(settings.http.workers)
    // The coordinator handles signals itself, to stop the federation tasks too.
    .disable_signals()
    .shutdown_timeout(settings.http.shutdown_timeout_secs);
    let server = match tls_config {
        Some(config) => server.listen_rustls_0_23(listener, (*config).clone())?,
        None => server.listen(listener)?,
    };
    Ok(server.run())
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
