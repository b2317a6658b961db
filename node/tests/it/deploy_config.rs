//! `deploy/config/node.toml` stays in step with the settings structs: it loads with the
//! node's own loader (unknown keys are refused there), and every settings field, optional
//! ones included, appears in it.

use std::collections::BTreeSet;
use vrs_node::config::{SETTINGS_FILE, Settings};

const EXAMPLE: &str = include_str!("../../../deploy/config/node.toml");

#[test]
fn the_example_node_toml_loads_and_names_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(SETTINGS_FILE), EXAMPLE).unwrap();
    let loaded = Settings::load(dir.path()).unwrap();
    assert!(loaded.certificates.issuer.is_some() && loaded.federation.file.is_some());

    let example: toml::Value = toml::from_str(EXAMPLE).unwrap();
    // JSON keeps `None` fields as null, so optional settings are listed too.
    let fields = key_paths("", &serde_json::to_value(Settings::default()).unwrap());
    let documented = key_paths("", &serde_json::to_value(example).unwrap());
    let missing: Vec<_> = fields.difference(&documented).collect();
    assert!(missing.is_empty(), "deploy/config/node.toml lacks {missing:?}");
    assert_eq!(fields, documented);
}

#[test]
fn an_unknown_key_in_the_example_would_be_refused() {
    let dir = tempfile::tempdir().unwrap();
    let typo = EXAMPLE.replace("pool_size = 8", "pool_size = 8\npoolsize = 8");
    std::fs::write(dir.path().join(SETTINGS_FILE), typo).unwrap();
    assert!(Settings::load(dir.path()).unwrap_err().to_string().contains("poolsize"));
}

/// `section.key` for every leaf of a JSON object.
fn key_paths(prefix: &str, value: &serde_json::Value) -> BTreeSet<String> {
    match value.as_object() {
        Some(map) => map.iter().flat_map(|(k, v)| key_paths(&format!("{prefix}{k}."), v)).collect(),
        None => BTreeSet::from([prefix.trim_end_matches('.').to_owned()]),
    }
}
