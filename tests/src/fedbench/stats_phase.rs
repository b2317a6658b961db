//! The statistics phase (issue 6): one `POST /api/v1/stats/refresh` across every
//! simulated node, timed, with the bytes that crossed the links and the coordinator's
//! memory. Each simulated node answers the coordinator's sealed `stats_request` as a real
//! node does: verifies it with the registry's coordinator key, and seals a `stats_answer`
//! of `--stats-cells` dose cells (plus 42 population cells) to the coordinator's key.

use super::identity::SimIdentity;
use super::procfs;
use super::report::{Row, Table};
use super::setup::Setup;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use vrs_protocol::messages::{AgeBand, DoseCell, Kind, PopulationCell, StatsAnswer};
use vrs_protocol::{
    Address, CivilDate, DecryptionKey, Envelope, EnvelopeResponse, Header, Message, RecipientKey, ReplayGuard,
    SealParams, Sex, SigningKey, SigningPublicKey, WireErrorCode,
};

/// The bound for a refresh across every municipality.
const TARGET_SECS: f64 = 10.0;

/// What the simulated nodes need to answer statistics requests.
#[derive(Debug, Default)]
pub struct StatsSim {
    /// The coordinator's party keys (signing, encryption), as the registry publishes them.
    pub coordinator: OnceLock<(SigningPublicKey, RecipientKey)>,
    /// Dose cells in each node's answer.
    pub cells: AtomicUsize,
}

/// True for a `stats_request` from the coordinator (read from the header alone).
pub fn is_stats_request(frame: &[u8]) -> bool {
    Header::decode(frame).is_ok_and(|h| h.kind == Kind::StatsRequest && h.sender == Address::Coordinator)
}

/// A simulated node's answer to a statistics request.
pub fn answer(id: &SimIdentity, sim: &StatsSim, replay: &Mutex<ReplayGuard>, frame: &[u8]) -> EnvelopeResponse {
    let Some((signing, encryption)) = sim.coordinator.get().copied() else {
        return EnvelopeResponse::Error(WireErrorCode::Unavailable);
    };
    let env = match Envelope::from_bytes(frame) {
        Ok(e) => e,
        Err(e) => return EnvelopeResponse::Error(e.wire_code()),
    };
    let opened = {
        let mut guard = replay.lock().unwrap_or_else(|e| e.into_inner());
        env.open(Address::Node(id.code), &id.decryption, &signing, &mut guard, vrs_protocol::now_ms())
    };
    if let Err(e) = opened {
        return EnvelopeResponse::Error(e.wire_code());
    }
    let answer = Message::StatsAnswer(StatsAnswer {
        request_id: env.header().message_id,
        computed_at_ms: vrs_protocol::now_ms(),
        doses: dose_cells(sim.cells.load(Ordering::Relaxed)),
        population: population_cells(),
    });
    match Envelope::seal(&id.signing, SealParams::reply_to(env.header(), encryption), &answer) {
        Ok(sealed) => EnvelopeResponse::Reply(Box::new(sealed)),
        Err(_) => EnvelopeResponse::Error(WireErrorCode::Internal),
    }
}

/// `n` distinct cells shaped like a municipality's: consecutive days from 2021-04-12,
/// doses 1–3, two products, two sexes, twenty age bands; counts 1–50.
fn dose_cells(n: usize) -> Vec<DoseCell> {
    let start = CivilDate::new(2021, 4, 12).map(CivilDate::to_unix_days).unwrap_or(0);
    (0..n)
        .filter_map(|i| {
            let (band, rest) = (i % 20, i / 20);
            let (sex, rest) = (rest % 2, rest / 2);
            let (product, rest) = (rest % 2, rest / 2);
            let (dose, day) = (rest % 3, rest / 3);
            Some(DoseCell {
                vaccinated_on: CivilDate::from_unix_days(start + day as i64)?,
                dose_number: dose as u8 + 1,
                product: ["comirnaty", "spikevax"][product].into(),
                sex: [Sex::Male, Sex::Female][sex],
                age_band: AgeBand::from_age(Some(band as u16 * 5)),
                count: 1 + (i as u64 * 7919) % 50,
            })
        })
        .collect()
}

fn population_cells() -> Vec<PopulationCell> {
    let bands = (0..=20).map(|b| AgeBand::from_age(Some(b * 5)));
    bands
        .flat_map(|age_band| {
            [Sex::Male, Sex::Female].map(|sex| PopulationCell {
                sex,
                age_band,
                count: 100 + u64::from(u8::from(age_band)),
            })
        })
        .collect()
}

/// Reads the coordinator's public party keys from its data dir (the same keys its
/// registry entry publishes).
pub fn load_coordinator_keys(setup: &Setup, sim: &StatsSim) -> anyhow::Result<()> {
    let dir = &setup.coordinator.data_dir;
    let signing = SigningKey::read_file(&dir.join("keys/signing.key"))?.public_key();
    let encryption = DecryptionKey::read_file(&dir.join("keys/decryption.key"))?.public_key();
    let _ = sim.coordinator.set((signing, encryption));
    Ok(())
}

/// Runs the refresh twice (the first also creates every node's row) and adds the rows.
pub async fn measure(setup: &Setup, nodes: usize, cells: usize, table: &mut Table) -> anyhow::Result<()> {
    let pid = setup.coordinator.pid();
    let rss_before = procfs::status_kib(pid, "VmRSS");
    let url = format!("{}/api/v1/stats/refresh", setup.coordinator.url);
    let token = setup.coordinator.national_token.clone();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (url, token) = (url.clone(), token.clone());
        let (cpu_c, cpu_me) = (procfs::CpuMark::now(pid), procfs::CpuMark::now(std::process::id()));
        let run = tokio::task::spawn_blocking(move || -> anyhow::Result<(Duration, serde_json::Value)> {
            let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build()?;
            let start = Instant::now();
            let body: serde_json::Value = client.post(&url).bearer_auth(&token).send()?.error_for_status()?.json()?;
            Ok((start.elapsed(), body))
        })
        .await??;
        runs.push((run.0, run.1, cpu_c.since(), cpu_me.since()));
    }
    let rss_after = procfs::status_kib(pid, "VmRSS");
    let peak = procfs::status_kib(pid, "VmHWM");
    for (i, (wall, body, cpu_c, cpu_me)) in runs.iter().enumerate() {
        let label = if i == 0 { "first" } else { "repeat" };
        let secs = wall.as_secs_f64();
        table.rows.push(Row {
            figure: format!("stats refresh across {nodes} nodes ({label})"),
            ours: format!("{secs:.2} s"),
            baseline: "-".into(),
            ratio: "-".into(),
            target: format!("< {TARGET_SECS:.0} s"),
            met: if secs < TARGET_SECS && body["nodes_reported"] == nodes { "yes" } else { "NO" }.into(),
        });
        let mib = |k: &str| body[k].as_u64().unwrap_or(0) as f64 / (1024.0 * 1024.0);
        table.plain(
            &format!("  bytes moved ({label}): answers in / requests out"),
            format!("{:.1} MiB / {:.2} MiB", mib("bytes_received"), mib("bytes_sent")),
        );
        let s = |d: &Option<Duration>| d.map_or("?".into(), |d| format!("{:.2} s", d.as_secs_f64()));
        table.notes.push(format!(
            "stats refresh {label}: {} reported, {} missing, coordinator says {} ms; {cells} dose cells per node; \
             CPU: coordinator {}, simulated nodes {} (on the same two cores)",
            body["nodes_reported"],
            body["nodes_missing"].as_array().map_or(0, Vec::len),
            body["elapsed_ms"],
            s(cpu_c),
            s(cpu_me),
        ));
    }
    if let (Some(b), Some(a), Some(p)) = (rss_before, rss_after, peak) {
        let m = |k: u64| format!("{:.1} MiB", k as f64 / 1024.0);
        table.plain("  coordinator RSS before / after stats refreshes", format!("{} / {}", m(b), m(a)));
        table.plain("  coordinator peak RSS (VmHWM) up to here", m(p));
    }
    Ok(())
}
