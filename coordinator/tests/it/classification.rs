//! Every column of the coordinator's database is classified in specs/coordinator-data.md,
//! and nothing there is classed as personal or health data.

use diesel::prelude::*;
use std::collections::BTreeSet;

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
}

fn schema_columns() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let pool = vrs_coordinator::db::open(&dir.path().join("c.sqlite"), "normal", 2).unwrap();
    let q = "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'";
    let rows = diesel::sql_query(q).load::<Col>(&mut *pool.get().unwrap()).unwrap();
    rows.into_iter().map(|r| format!("{}.{}", r.t, r.c)).collect()
}

fn classified() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/coordinator-data.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| table")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (table, column, class) = (cells[1], cells[2], cells[3]);
        assert!(
            ["public", "metadata", "sealed", "secret", "operational", "aggregate"].contains(&class),
            "{table}.{column}: class {class} is not one the coordinator may hold"
        );
        assert!(out.insert(format!("{table}.{column}")), "{table}.{column} listed twice");
    }
    out
}

#[test]
fn every_column_is_classified_and_none_is_personal() {
    let schema = schema_columns();
    let classes = classified();
    let missing: Vec<_> = schema.difference(&classes).collect();
    let stale: Vec<_> = classes.difference(&schema).collect();
    assert!(missing.is_empty(), "unclassified columns: {missing:?}");
    assert!(stale.is_empty(), "classified columns that do not exist: {stale:?}");
}
