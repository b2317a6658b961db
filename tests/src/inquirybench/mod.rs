//! The inquiry benchmarks of issue 5, against a [`LocalFederation`] of real processes:
//! Yokohama's desk asks Chiyoda and Sapporo about their residents.

use crate::LocalFederation;
use crate::desk::{askable, consent, http};
use crate::fedbench::Table;
use crate::fedbench::procfs::CpuMark;
use anyhow::{Context, ensure};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub struct Options {
    pub residents: u64,
    pub singles: usize,
    pub bulk_rows: usize,
}

const ASKER: &str = "141003";
const HOLDERS: [&str; 2] = ["131016", "011002"];
/// Round trips before the clock starts (connections, caches).
const WARM_UP: usize = 100;
/// The targets.
const SINGLE_P99_MS: f64 = 20.0;
const BULK_SECONDS: f64 = 10.0;

pub fn run(opts: &Options) -> anyhow::Result<Table> {
    let root = tempfile::Builder::new().prefix("vrs-bench-inquiries-").tempdir()?;
    eprintln!("starting a coordinator and three nodes with {} residents each ...", opts.residents);
    let fed = LocalFederation::start(root.path(), opts.residents, |s| eprintln!("{s}"))?;
    let asker = fed.node(ASKER);
    let people: Vec<(&str, String)> = HOLDERS
        .iter()
        .map(|code| Ok(askable(fed.node(code))?.into_iter().map(|r| (*code, r.my_number)).collect::<Vec<_>>()))
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    ensure!(!people.is_empty(), "no generated resident has a My Number");
    // Alternate holders: person i of the mixed list.
    let person = |i: usize| &people[(i * 7919) % people.len()];

    let client = http();
    let health = |_: usize| {
        let res = client.get(format!("{}/health", asker.url)).send()?;
        ensure!(res.status().is_success(), "GET /health: {}", res.status());
        Ok(())
    };
    let ask = |i: usize| {
        let (code, n) = person(i);
        let body = json!({"municipality": code, "my_number": n, "consent": consent()});
        let res = client
            .post(format!("{}/api/v1/inquiries", asker.url))
            .bearer_auth(&asker.staff_token)
            .json(&body)
            .send()?;
        let status = res.status();
        let answer: Value = res.json()?;
        ensure!(status.is_success() && answer["status"] == "found", "inquiry {i}: {status} {answer}");
        Ok(())
    };
    eprintln!("single inquiries: {} round trips, and as many GET /health ...", opts.singles);
    let base = timed(opts.singles, health)?;
    let single = timed(opts.singles, ask)?;

    eprintln!("bulk: {} rows ...", opts.bulk_rows);
    let file: String = (0..opts.bulk_rows).map(|i| format!("{},{}\n", person(i).0, person(i).1)).collect();
    let pids: Vec<(String, u32)> = std::iter::once(("coordinator".to_owned(), fed.coordinator.pid()))
        .chain(fed.nodes.iter().map(|n| (n.municipality.clone(), n.pid())))
        .collect();
    let marks: Vec<CpuMark> = pids.iter().map(|(_, pid)| CpuMark::now(*pid)).collect();
    let started = Instant::now();
    let res = client
        .post(format!(
            "{}/api/v1/inquiries/bulk?consent_basis=consent&consent_method=written&consent_obtained_at=2024-04-01T10:00:00Z",
            asker.url
        ))
        .bearer_auth(&asker.staff_token)
        .header("Content-Type", "text/csv")
        .header("Accept", "application/json")
        .body(file)
        .send()?;
    ensure!(res.status().is_success(), "bulk: {}", res.status());
    let answer: Value = res.json()?;
    let bulk_secs = started.elapsed().as_secs_f64();
    let cpu: Vec<String> = pids
        .iter()
        .zip(&marks)
        .map(|((name, _), m)| {
            let us = m.since().map_or(f64::NAN, |d| d.as_secs_f64() * 1e6 / opts.bulk_rows as f64);
            format!("{name} {us:.0}")
        })
        .collect();
    let results = answer["results"].as_array().context("bulk answer without results")?;
    ensure!(results.len() == opts.bulk_rows, "bulk answered {} of {} rows", results.len(), opts.bulk_rows);
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        *by_status.entry(r["status"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
    }

    let mut t = Table::default();
    t.compare("single inquiry p50 (ms)", single.percentile_ms(0.50), base.percentile_ms(0.50), "ms", false);
    t.compare("single inquiry p99 (ms)", single.percentile_ms(0.99), base.percentile_ms(0.99), "ms", false);
    t.target(&format!("< {SINGLE_P99_MS} ms"), single.percentile_ms(0.99) < SINGLE_P99_MS);
    t.rate("bulk inquiry rows/s", opts.bulk_rows as f64 / bulk_secs, None, opts.bulk_rows as f64 / BULK_SECONDS);
    t.plain("bulk inquiry: whole file answered", format!("{bulk_secs:.2} s for {} rows", opts.bulk_rows));
    t.target(&format!("< {BULK_SECONDS} s"), bulk_secs < BULK_SECONDS);
    t.notes.push(format!(
        "targets: single p99 < {SINGLE_P99_MS} ms: {}; bulk {} rows < {BULK_SECONDS} s: {}",
        if single.percentile_ms(0.99) < SINGLE_P99_MS { "met" } else { "NOT met" },
        opts.bulk_rows,
        if bulk_secs < BULK_SECONDS { "met" } else { "NOT met" },
    ));
    t.notes.push(format!(
        "baseline: GET /health on the asking node, one after another, same run; bulk outcomes {by_status:?}"
    ));
    t.notes.push(format!("{} residents per node; {} single inquiries", opts.residents, opts.singles));
    t.notes.push(format!("bulk CPU per row (µs, user + system): {}", cpu.join(", ")));
    drop(fed);
    Ok(t)
}

/// Latencies of `n` calls of `f`, one after another, after a warm-up.
fn timed(n: usize, f: impl Fn(usize) -> anyhow::Result<()>) -> anyhow::Result<Latencies> {
    for i in 0..WARM_UP {
        f(i)?;
    }
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(WARM_UP + i)?;
        v.push(t.elapsed());
    }
    v.sort();
    Ok(Latencies(v))
}

struct Latencies(Vec<Duration>);

impl Latencies {
    fn percentile_ms(&self, p: f64) -> f64 {
        let i = ((self.0.len() as f64 * p).ceil() as usize).clamp(1, self.0.len().max(1)) - 1;
        self.0.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }
}
