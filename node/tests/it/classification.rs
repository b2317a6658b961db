//! Every column of every table is classified in `specs/data-classification.toml`
//! (personal / health / operational). A new column without a class fails here, on both
//! databases, so the classification cannot drift from the schema.

use crate::on_both_backends;
use crate::support::*;
use diesel::prelude::*;
use std::collections::BTreeSet;

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
}

fn schema_columns(db: &TestDb) -> BTreeSet<String> {
    let mut conn = db.raw();
    let q = match db.url {
        vrs_node::db::DatabaseUrl::Sqlite(_) => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'"
        }
        vrs_node::db::DatabaseUrl::Postgres(_) => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'"
        }
    };
    diesel::sql_query(q).load::<Col>(&mut conn).unwrap().into_iter().map(|r| format!("{}.{}", r.t, r.c)).collect()
}

fn classified() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/data-classification.toml");
    let doc: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut out = BTreeSet::new();
    for (table, cols) in doc {
        for (col, class) in cols.as_table().expect("a table of columns") {
            let class = class.get("class").and_then(|c| c.as_str()).expect("class = ...");
            assert!(["personal", "health", "operational"].contains(&class), "{table}.{col}: unknown class {class}");
            out.insert(format!("{table}.{col}"));
        }
    }
    out
}

on_both_backends! {
    fn every_column_is_classified(db) {
        let schema = schema_columns(&db);
        let classes = classified();
        let missing: Vec<_> = schema.difference(&classes).collect();
        let stale: Vec<_> = classes.difference(&schema).collect();
        assert!(missing.is_empty(), "unclassified columns: {missing:?}");
        assert!(stale.is_empty(), "classified columns that do not exist: {stale:?}");
    }
}

/// Every text column of the PostgreSQL schema compares byte by byte (`COLLATE "C"`), so that
/// a database created under a locale (the postgres image's en_US.utf8, ja_JP.UTF-8) does
/// not make every index comparison a strcoll call (migration 000009). The test database is
/// created under the C locale itself, so a column left to the database's default shows
/// here as having no collation of its own.
#[test]
fn every_text_column_compares_bytewise_on_postgres() {
    let db = TestDb::new(Backend::Postgres);
    let q = "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%' \
             AND data_type IN ('text', 'character varying', 'character') \
             AND collation_name IS DISTINCT FROM 'C'";
    let locale_bound: Vec<String> = diesel::sql_query(q)
        .load::<Col>(&mut db.raw())
        .unwrap()
        .into_iter()
        .map(|r| format!("{}.{}", r.t, r.c))
        .collect();
    assert!(locale_bound.is_empty(), "text columns without COLLATE \"C\": {locale_bound:?}");
}
