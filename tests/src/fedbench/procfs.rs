//! A process's memory and CPU time from /proc (Linux): enough to say how much the
//! coordinator holds per node and where the cores went, without a profiler.

use std::time::Duration;

/// USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux architecture we run on.
const TICKS_PER_SEC: u64 = 100;

/// A `kB` line of /proc/PID/status (`VmRSS`, `VmHWM`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User + system CPU time the process has used so far.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields we want follow its ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is index 0, utime is field 14 of the full line → index 11.
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SEC))
}

/// The soft limit on open files, which 1,741 connections (on each side) need room in.
pub fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// CPU used by a process between two readings.
#[derive(Debug, Clone, Copy)]
pub struct CpuMark {
    pid: u32,
    at: Option<Duration>,
}

impl CpuMark {
    pub fn now(pid: u32) -> Self {
        CpuMark { pid, at: cpu_time(pid) }
    }

    pub fn since(&self) -> Option<Duration> {
        Some(cpu_time(self.pid)?.saturating_sub(self.at?))
    }
}
