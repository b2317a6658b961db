//! `deploy/config/coordinator.toml` stays in step with the settings structs: it loads with
//! the coordinator's own loader (unknown keys are refused there) and names every field.

use std::collections::BTreeSet;
use vrs_coordinator::config::Settings;
use vrs_coordinator::layout::{DataDir, SETTINGS_FILE};

const EXAMPLE: &str = include_str!("../../../deploy/config/coordinator.toml");

fn load(text: &str) -> Result<Settings, vrs_coordinator::config::ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(SETTINGS_FILE), text).unwrap();
    Settings::load_with_env(&DataDir::new(dir.path()), Default::default())
}

#[test]
fn the_example_coordinator_toml_loads_and_names_every_setting() {
    load(EXAMPLE).unwrap();
    let example: toml::Value = toml::from_str(EXAMPLE).unwrap();
    let fields = leaves("", &serde_json::to_value(Settings::default()).unwrap());
    let documented = leaves("", &serde_json::to_value(example).unwrap());
    let missing: Vec<_> = fields.difference(&documented).collect();
    assert!(missing.is_empty(), "deploy/config/coordinator.toml lacks {missing:?}");
    assert_eq!(fields, documented);
    assert!(load(&EXAMPLE.replace("workers = 2", "workers = 2\nthreads = 2")).is_err(), "unknown keys are refused");
}

/// Dotted paths of a settings tree's leaves.
fn leaves(prefix: &str, value: &serde_json::Value) -> BTreeSet<String> {
    let Some(map) = value.as_object() else { return BTreeSet::from([prefix.trim_end_matches('.').to_owned()]) };
    map.iter().flat_map(|(k, v)| leaves(&format!("{prefix}{k}."), v)).collect()
}
