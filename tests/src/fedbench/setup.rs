//! The part before any traffic: a real `vrs-coordinator` (init, user add, serve — the
//! harness of the end-to-end tests), one identity per simulated municipality, and each
//! enrolled the operator's way: an enrollment.json file and a `vrs-coordinator enroll`.

use super::identity::{SimIdentity, municipalities};
use crate::CoordinatorProcess;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use vrs_protocol::FederationFile;

pub struct Setup {
    pub coordinator: CoordinatorProcess,
    pub federation: FederationFile,
    pub ids: Arc<Vec<Arc<SimIdentity>>>,
    /// Wall time of all the `enroll` calls.
    pub enroll_time: Duration,
}

pub fn prepare(root: &Path, nodes: usize, enroll_jobs: usize) -> anyhow::Result<Setup> {
    let codes = municipalities();
    anyhow::ensure!(
        (2..=codes.len()).contains(&nodes),
        "--nodes must be 2..={} (one node per municipality)",
        codes.len()
    );
    eprintln!("starting the coordinator ...");
    let coordinator = CoordinatorProcess::start(root)?;
    let text = std::fs::read_to_string(coordinator.federation_file()).context("reading federation.json")?;
    let federation = FederationFile::from_json(&text).map_err(|e| anyhow::anyhow!("federation.json: {e}"))?;

    eprintln!("making {nodes} node identities ...");
    let ids: Vec<Arc<SimIdentity>> =
        codes[..nodes].iter().map(|c| SimIdentity::generate(*c).map(Arc::new)).collect::<anyhow::Result<_>>()?;
    let dir = root.join("enrollments");
    std::fs::create_dir_all(&dir)?;
    let files: Vec<_> = ids.iter().map(|id| dir.join(format!("{}.json", id.code))).collect();
    for (id, file) in ids.iter().zip(&files) {
        id.write_enrollment(file)?;
    }

    eprintln!("enrolling {nodes} nodes with `vrs-coordinator enroll` ({enroll_jobs} at a time) ...");
    let start = Instant::now();
    enroll_all(&coordinator, &files, enroll_jobs)?;
    let enroll_time = start.elapsed();
    Ok(Setup { coordinator, federation, ids: Arc::new(ids), enroll_time })
}

/// One CLI call per file: `enroll` takes a single enrollment.json. Calls may overlap
/// (each is one IMMEDIATE transaction; SQLite's busy timeout orders them).
fn enroll_all(coordinator: &CoordinatorProcess, files: &[std::path::PathBuf], jobs: usize) -> anyhow::Result<()> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { return Ok(()) };
                        coordinator.enroll(file)?;
                        if (i + 1).is_multiple_of(250) {
                            eprintln!("  {} enrolled, {:.1} s", i + 1, started.elapsed().as_secs_f64());
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().map_err(|_| anyhow::anyhow!("an enroll thread failed"))?)
    })
}
