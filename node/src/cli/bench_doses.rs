//! `vrs-node bench doses`: a node with N residents on SQLite (synchronous=full, so every
//! acknowledged dose is on disk), C concurrent clients posting doses over loopback HTTP,
//! and in the same run the same clients calling `GET /health`, so the ratio shows the
//! cost of recording itself. Afterwards it counts the stored doses against the 201s.

use super::bench_node::{BenchNode, CODE};
use super::figures::Row;
use super::load::{self, LoadResult};
use crate::db::schema::vaccinations;
use crate::db::users::Role;
use anyhow::bail;
use diesel::prelude::*;
use std::path::Path;
use std::time::Duration;

/// The `vrs-node bench doses` flags.
#[derive(clap::Args, Debug)]
pub struct DoseBench {
    /// Residents registered before the run.
    #[arg(long, default_value_t = 1_000_000)]
    pub residents: u64,
    /// Concurrent clients (one keep-alive connection each).
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Seconds per phase (health, then doses).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Stop the dose phase after this many doses.
    #[arg(long, default_value_t = 10_000_000)]
    pub max_doses: u64,
    /// Offered load of the paced phases, requests/s over all clients.
    #[arg(long, default_value_t = 2000.0)]
    pub rate: f64,
    /// Paced dose phases, one after another; each is printed and the median p99 reported
    /// (on a shared machine one phase can catch the host taking the CPUs for a while).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub paced_runs: u32,
    /// SQLite WAL checkpoints: background or inline (see database.sqlite_checkpoints).
    #[arg(long, default_value = "background")]
    pub checkpoints: String,
    /// Run the node on this empty PostgreSQL database instead of SQLite.
    #[arg(long)]
    pub postgres_url: Option<String>,
}

pub fn run(b: &DoseBench, dir: &Path) -> anyhow::Result<()> {
    let node = BenchNode::start(dir, b.residents, &b.checkpoints, b.postgres_url.as_deref())?;
    let token = node.token("bench-site", Role::Site)?;
    let coupons: Vec<String> = node.residents.iter().map(|(_, c)| c.clone()).collect();
    let (addr, pool) = (node.addr, node.pool.clone());

    let span = Duration::from_secs(b.seconds);
    let health = |rate| {
        load::run(addr, b.clients, span, u64::MAX, rate, |c, _| Ok(c.call("GET", "/health", None, b"")?.0 == 200))
    };
    // Doses are numbered across both phases so that no dose repeats (a repeat would be a 409).
    let offset = std::sync::atomic::AtomicU64::new(0);
    let doses = |rate, max: u64| {
        let base = offset.load(std::sync::atomic::Ordering::SeqCst);
        let r = load::run(addr, b.clients, span, max, rate, |c, n| {
            let body = dose_body(&coupons, base + n);
            Ok(c.call("POST", "/api/v1/vaccinations", Some(&token), body.as_bytes())?.0 == 201)
        });
        if let Ok(done) = &r {
            offset.fetch_add(done.ok + done.failed, std::sync::atomic::Ordering::SeqCst);
        }
        r
    };
    let mut phases = vec![
        ("GET /health, closed loop".to_owned(), health(None)?),
        ("POST doses, closed loop".to_owned(), doses(None, b.max_doses)?),
        ("GET /health, paced".to_owned(), health(Some(b.rate))?),
    ];
    for run in 1..=b.paced_runs {
        let name =
            if b.paced_runs == 1 { "POST doses, paced".to_owned() } else { format!("POST doses, paced ({run})") };
        phases.push((name, doses(Some(b.rate), b.max_doses)?));
    }
    let stored: i64 = vaccinations::table.count().get_result(&mut pool.get()?)?;
    let acknowledged = phases.iter().filter(|(name, _)| name.starts_with("POST")).map(|(_, r)| r.ok).sum();
    print(b, &phases, stored, acknowledged);
    emit(b, &phases, stored, acknowledged)?;
    footprint(b, dir, &pool)?;
    if stored as u64 != acknowledged {
        bail!("{acknowledged} doses acknowledged but {stored} stored");
    }
    Ok(())
}

/// Dose n goes to resident n mod N; later rounds are doses 2, 3, ... three weeks apart.
fn dose_body(coupons: &[String], n: u64) -> String {
    let len = coupons.len() as u64;
    let (person, round) = ((n % len) as usize, n / len);
    let dose = (round % 9) + 1;
    let day = crate::today().to_unix_days() - 400 + (round as i64) * 21;
    let on = vrs_protocol::CivilDate::from_unix_days(day).map(|d| d.iso()).unwrap_or_default();
    format!(
        r#"{{"ocr_line":"1{dose}{CODE}{}","vaccinated_on":"{on}","product":"comirnaty","lot":"EY0779","site":"bench"}}"#,
        coupons[person]
    )
}

/// The paced dose phases (after the first three) taken together.
struct Paced {
    p99_ms: f64,
    slowest_rate: f64,
    failed: u64,
    stolen: Option<f64>,
}

impl Paced {
    fn of(phases: &[(String, LoadResult)]) -> Paced {
        let runs: Vec<&LoadResult> = phases.iter().skip(3).map(|(_, r)| r).collect();
        let stolen: Option<Vec<f64>> = runs.iter().map(|r| r.stolen).collect();
        Paced {
            p99_ms: super::bench::median(runs.iter().map(|r| r.percentile_ms(0.99)).collect()),
            slowest_rate: runs.iter().map(|r| r.rate()).fold(f64::INFINITY, f64::min),
            failed: runs.iter().map(|r| r.failed).sum(),
            stolen: stolen.map(|s| s.iter().sum::<f64>() / s.len().max(1) as f64),
        }
    }

    /// The issue's latency target: the offered rate answered, p99 under 50 ms, no failure.
    fn met(&self, rate: f64) -> bool {
        self.p99_ms < 50.0 && self.slowest_rate >= 0.95 * rate.min(2000.0) && self.failed == 0
    }
}

fn print(b: &DoseBench, phases: &[(String, LoadResult)], stored: i64, acknowledged: u64) {
    println!(
        "doses benchmark: {} residents ({}), {} clients, {} s per phase, paced at {}/s",
        b.residents,
        if b.postgres_url.is_some() { "PostgreSQL" } else { "SQLite, synchronous=full" },
        b.clients,
        b.seconds,
        b.rate
    );
    println!(
        "{:<28} {:>10} {:>9} {:>9} {:>8} {:>17}",
        "phase", "req/s", "p50 ms", "p99 ms", "failed", "CPU stolen (host)"
    );
    for (name, r) in phases {
        let (rate, p50, p99) = (r.rate(), r.percentile_ms(0.5), r.percentile_ms(0.99));
        let stolen = r.stolen.map_or("-".into(), |s| format!("{:.1} %", s * 100.0));
        println!("{name:<28} {rate:>10.0} {p50:>9.2} {p99:>9.2} {:>8} {stolen:>17}", r.failed);
    }
    let (saturated, paced) = (&phases[1].1, Paced::of(phases));
    println!("closed-loop doses/s vs GET /health req/s: {:.2}", saturated.rate() / phases[0].1.rate());
    if b.paced_runs > 1 {
        println!("median p99 of the {} paced dose phases: {:.2} ms", b.paced_runs, paced.p99_ms);
    }
    println!("acknowledged {acknowledged} doses, stored {stored}");
    let met = saturated.rate() >= 2000.0 && saturated.failed == 0 && paced.met(b.rate);
    println!(
        "target >= 2,000 doses/s sustained, p99 < 50 ms at that rate, no failures: {}",
        if met { "met" } else { "NOT MET" }
    );
}

/// The suite's rows: throughput beside GET /health, paced p99 beside /health's, durability.
fn emit(b: &DoseBench, phases: &[(String, LoadResult)], stored: i64, acknowledged: u64) -> anyhow::Result<()> {
    let (health, saturated, health_paced, paced) = (&phases[0].1, &phases[1].1, &phases[2].1, Paced::of(phases));
    let scale = format!("[{} residents, {} clients]", b.residents, b.clients);
    let of = if b.paced_runs > 1 { format!(", median of {} runs", b.paced_runs) } else { String::new() };
    let rows = [
        Row::new(
            &format!("doses recorded/s, closed loop {scale}"),
            saturated.rate(),
            Some(("GET /health", health.rate())),
            ">= 2000/s",
            Some(saturated.rate() >= 2000.0 && saturated.failed == 0),
        ),
        Row::new(
            &format!("dose p99 ms at {}/s offered{of} {scale}", b.rate),
            paced.p99_ms,
            Some(("GET /health", health_paced.percentile_ms(0.99))),
            "< 50 ms",
            Some(paced.met(b.rate)),
        ),
        Row::new(
            &format!("CPU taken by the host during the paced dose phases (%) {scale}"),
            paced.stolen.map_or(f64::NAN, |s| s * 100.0),
            None,
            "report",
            None,
        ),
        Row::new(
            "doses stored / acknowledged",
            stored as f64,
            Some(("acknowledged", acknowledged as f64)),
            "equal",
            Some(stored as u64 == acknowledged),
        ),
    ];
    super::figures::emit(&rows)
}

/// Peak memory of this process (the node and the load clients) and the database's size on
/// disk at the end of the run, printed and emitted for the suite.
fn footprint(b: &DoseBench, dir: &Path, pool: &crate::db::Pool) -> anyhow::Result<()> {
    let peak_mb = super::bench::peak_rss_kb().map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    let disk_mb = match &mut *pool.get()? {
        crate::db::DbConn::Postgresql(c) => {
            #[derive(QueryableByName)]
            struct Size {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let s: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS n").get_result(c)?;
            s.n as f64 / 1e6
        }
        crate::db::DbConn::Sqlite(_) => {
            let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
            (size("vrs.sqlite") + size("vrs.sqlite-wal")) as f64 / 1e6
        }
    };
    let db = if b.postgres_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("peak RSS of the node and its load clients: {peak_mb:.0} MB; {db} database on disk: {disk_mb:.0} MB");
    let scale = format!("[{} residents, {db}]", b.residents);
    super::figures::emit(&[
        Row::new(&format!("peak RSS, node + clients (MB) {scale}"), peak_mb, None, "report", None),
        Row::new(&format!("database on disk (MB) {scale}"), disk_mb, None, "report", None),
    ])
}
