//! The one table a run prints: figure, ours, baseline, ratio, target, met.

use std::fmt::Write;

#[derive(Debug, Clone)]
pub struct Row {
    pub figure: String,
    pub ours: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    pub met: String,
}

#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// Lines printed under the table: counts, failures, where the CPU went.
    pub notes: Vec<String>,
}

impl Table {
    /// A figure with a baseline; `higher_is_better` decides the ratio's direction (so
    /// that a ratio below 1 always means "worse than the baseline").
    pub fn compare(&mut self, figure: &str, ours: f64, baseline: f64, unit: &str, higher_is_better: bool) {
        let ratio = if higher_is_better { ours / baseline } else { baseline / ours };
        self.rows.push(Row {
            figure: figure.into(),
            ours: fmt(ours, unit),
            baseline: fmt(baseline, unit),
            ratio: if ratio.is_finite() { format!("{ratio:.2}") } else { "-".into() },
            target: "-".into(),
            met: "-".into(),
        });
    }

    /// A throughput with the floor.
    pub fn rate(&mut self, figure: &str, ours: f64, baseline: Option<f64>, target: f64) {
        let ratio = baseline.map_or("-".into(), |b| format!("{:.2}", ours / b));
        self.rows.push(Row {
            figure: figure.into(),
            ours: fmt(ours, "/s"),
            baseline: baseline.map_or("-".into(), |b| fmt(b, "/s")),
            ratio,
            target: format!(">= {target:.0}/s"),
            met: if ours >= target { "yes" } else { "NO" }.into(),
        });
    }

    /// A figure reported without a baseline or target (the issue asks to report it).
    pub fn plain(&mut self, figure: &str, ours: String) {
        self.rows.push(Row {
            figure: figure.into(),
            ours,
            baseline: "-".into(),
            ratio: "-".into(),
            target: "report".into(),
            met: "-".into(),
        });
    }

    /// Marks the last row as a figure the issue asks to report, with no target of its own.
    pub fn reported(&mut self) {
        if let Some(r) = self.rows.last_mut() {
            r.target = "report".into();
            r.met = "-".into();
        }
    }

    /// Gives the last row its target and whether it was met.
    pub fn target(&mut self, target: &str, met: bool) {
        if let Some(r) = self.rows.last_mut() {
            r.target = target.into();
            r.met = if met { "yes" } else { "NO" }.into();
        }
    }

    /// Appends the rows as JSON lines to the file `VRSBENCH_FIGURES` names, if set, for
    /// `vrs-bench all` to gather (the same form `vrs-node bench` writes).
    pub fn emit(&self) -> anyhow::Result<()> {
        let Some(path) = std::env::var_os("VRSBENCH_FIGURES") else { return Ok(()) };
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        for r in &self.rows {
            let line = serde_json::json!({"figure": r.figure, "ours": r.ours, "baseline": r.baseline,
                                          "ratio": r.ratio, "target": r.target, "met": r.met});
            std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes())?;
        }
        Ok(())
    }

    pub fn render(&self) -> String {
        let head = ["figure", "ours", "baseline", "ratio", "target", "met"];
        let cells: Vec<[&str; 6]> = self
            .rows
            .iter()
            .map(|r| [&r.figure, &r.ours, &r.baseline, &r.ratio, &r.target, &r.met].map(String::as_str))
            .collect();
        let width = |i: usize| cells.iter().map(|c| c[i].chars().count()).chain([head[i].len()]).max().unwrap_or(0);
        let widths: Vec<usize> = (0..6).map(width).collect();
        let mut out = String::new();
        let line = |out: &mut String, c: [&str; 6]| {
            let padded: Vec<String> =
                c.iter().zip(&widths).map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count()))).collect();
            let _ = writeln!(out, "| {} |", padded.join(" | "));
        };
        line(&mut out, head);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let _ = writeln!(out, "|-{}-|", rule.join("-|-"));
        for c in cells {
            line(&mut out, c);
        }
        for n in &self.notes {
            let _ = writeln!(out, "{n}");
        }
        out
    }
}

fn fmt(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let s = if v >= 100.0 { format!("{v:.0} {unit}") } else { format!("{v:.2} {unit}") };
    s.trim_end().to_owned()
}
