//! `vrs-bench-federation`: the speed-and-scale benchmarks of the federation (issue 4). A
//! real `vrs-coordinator` process, and up to 1,741 simulated municipality nodes in this
//! process (each its own `vrs_link` swarm, identity and `vrs-protocol` keys, enrolled
//! with the coordinator's CLI), all on loopback.

mod connect;
mod drive;
mod identity;
mod phases;
mod plan;
pub mod procfs;
pub mod report;
mod setup;
mod sim;
mod stats_phase;

pub use phases::run;
pub use report::Table;
pub use sim::Crypto;

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated nodes connected to the coordinator (1,741: every municipality).
    pub nodes: usize,
    /// Doses per measured phase (presealed).
    pub doses: usize,
    /// Doses in the live-crypto phase (the nodes seal and open on our cores).
    pub live_doses: usize,
    /// Doses in flight at once (workers of the closed loop).
    pub in_flight: usize,
    /// `vrs-coordinator enroll` calls running at once.
    pub enroll_jobs: usize,
    /// Dose cells in each simulated node's statistics answer; 0 skips the stats phase.
    pub stats_cells: usize,
    /// Keep the coordinator's data dir here instead of a removed temp dir.
    pub dir: Option<PathBuf>,
}
