//! How much CPU time the hypervisor took from this machine during a benchmark phase
//! (`steal` in /proc/stat). On a shared virtual machine a latency tail can come from the
//! host rather than from the code; printing the share beside each phase says which.

/// The machine's CPU time counters since boot, in clock ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuTimes {
    total: u64,
    steal: u64,
}

impl CpuTimes {
    /// Now, or None where /proc/stat is not there (not Linux) or not in the known layout.
    pub fn now() -> Option<CpuTimes> {
        parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// The share (0..=1) of CPU time stolen between `self` and a later reading.
    pub fn stolen_share_until(&self, later: &CpuTimes) -> Option<f64> {
        let total = later.total.checked_sub(self.total)?;
        let steal = later.steal.checked_sub(self.steal)?;
        (total > 0).then(|| steal as f64 / total as f64)
    }
}

/// Reads the aggregate `cpu` line: user nice system idle iowait irq softirq steal ...
/// (guest times are already inside user and nice, so they are left out of the total).
fn parse(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).take(8).map(|f| f.parse().ok()).collect::<Option<_>>()?;
    let &[.., steal] = fields.get(..8)? else { return None };
    Some(CpuTimes { total: fields.iter().sum(), steal })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_aggregate_line_and_its_steal() {
        let stat = "cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\nintr 1 2\n";
        let t = parse(stat).expect("the layout of Linux /proc/stat");
        assert_eq!(t, CpuTimes { total: 1000, steal: 35 });
        let later = CpuTimes { total: 1200, steal: 85 };
        assert_eq!(t.stolen_share_until(&later), Some(0.25));
        assert_eq!(later.stolen_share_until(&t), None, "counters never go back");
        assert_eq!(t.stolen_share_until(&t), None, "no time passed");
    }

    #[test]
    fn refuses_an_old_or_foreign_layout() {
        assert_eq!(parse("cpu  1 2 3 4\n"), None, "kernels before 2.6.11 had no steal column");
        assert_eq!(parse("cpu  a b c d e f g h\n"), None);
        assert_eq!(parse("intr 1 2\n"), None);
    }

    proptest! {
        #[test]
        fn never_panics_and_a_share_stays_within_0_and_1(text in ".{0,300}", a in 0u64..1 << 40, b in 0u64..1 << 40) {
            let _ = parse(&text);
            let before = CpuTimes { total: a, steal: a / 3 };
            let later = CpuTimes { total: a + b, steal: a / 3 + b / 2 };
            if let Some(share) = before.stolen_share_until(&later) {
                prop_assert!((0.0..=1.0).contains(&share));
            }
        }
    }
}
