#![doc = include_str!("../README.md")]

pub mod api;
pub mod audit;
pub mod backup;
pub mod certificates;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod federation;
pub mod import;
pub mod metrics;
pub mod municipalities;
pub mod products;
pub mod retention;
pub mod server;
pub mod stats;
pub mod ui;
pub mod vaccinations;

/// Today's date in Japan (JST, UTC+9, no daylight saving), which decides "in the future".
pub fn today() -> vrs_protocol::CivilDate {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    vrs_protocol::CivilDate::from_unix_days((secs + 9 * 3600).div_euclid(86_400))
        .unwrap_or_else(|| vrs_protocol::CivilDate::new(2000, 1, 1).expect("constant date"))
}
