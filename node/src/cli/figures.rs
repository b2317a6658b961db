//! The benchmarks' figures in one machine-readable form: when `VRSBENCH_FIGURES` names a
//! file, each benchmark appends its rows to it as JSON lines (figure, ours, baseline,
//! ratio, target, met — as printed), and `vrs-bench all` gathers every benchmark's rows
//! into one table. Without the variable nothing is written.

use serde::Serialize;
use std::io::Write;

/// Not `VRS_...`: the settings loader reads every `VRS_` variable as a setting.
pub const ENV: &str = "VRSBENCH_FIGURES";

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub figure: String,
    pub ours: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    /// "yes", "NO", or "-" for a figure reported without a target.
    pub met: String,
}

impl Row {
    /// A figure with a baseline measured in the same run and, optionally, a target.
    pub fn new(figure: &str, ours: f64, baseline: Option<(&str, f64)>, target: &str, met: Option<bool>) -> Row {
        Row {
            figure: figure.into(),
            ours: number(ours),
            baseline: baseline.map_or("-".into(), |(name, v)| format!("{} ({name})", number(v))),
            ratio: baseline.map_or("-".into(), |(_, v)| format!("{:.2}", ours / v)),
            target: target.into(),
            met: met.map_or("-", |m| if m { "yes" } else { "NO" }).into(),
        }
    }
}

/// A figure as the tables print it: whole numbers from 100 up, two decimals below.
pub fn number(v: f64) -> String {
    if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

/// Appends `rows` to the file `VRSBENCH_FIGURES` names, if it is set.
pub fn emit(rows: &[Row]) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os(ENV) else { return Ok(()) };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    for r in rows {
        writeln!(f, "{}", serde_json::to_string(r)?)?;
    }
    Ok(())
}
