//! How the pages write times and small values.

/// Unix seconds as JST `YYYY-MM-DD HH:MM` (the node's users are in Japan).
pub fn time(unix: i64) -> String {
    let jst = unix + 9 * 3600;
    let day = jst.div_euclid(86_400);
    let secs = jst.rem_euclid(86_400);
    let date = vrs_protocol::CivilDate::from_unix_days(day).map_or_else(|| "?".into(), |d| d.iso());
    format!("{date} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// `HH:MM` JST.
pub fn clock(unix: i64) -> String {
    time(unix).split_off(11)
}

/// The first instant (Unix seconds) of today in JST.
pub fn start_of_today() -> i64 {
    let now = crate::db::now();
    (now + 9 * 3600).div_euclid(86_400) * 86_400 - 9 * 3600
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jst() {
        assert_eq!(time(0), "1970-01-01 09:00");
        assert_eq!(time(1_711_929_600), "2024-04-01 09:00");
        assert_eq!(clock(1_711_929_600 + 15 * 3600 + 5 * 60), "00:05");
        let s = start_of_today();
        assert_eq!(time(s).split_off(11), "00:00");
    }
}
