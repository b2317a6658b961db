//! Property tests over arbitrary input: the import never panics, and in all-or-nothing
//! mode either commits a file with no rejection or leaves the register untouched.

use crate::support::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use vrs_node::import::ImportMode;

fn check(db: &TestDb, bytes: &[u8]) -> Result<(), TestCaseError> {
    let before = db.resident_count();
    match db.import(bytes, ImportMode::AllOrNothing) {
        Ok(r) if r.committed => prop_assert_eq!(r.rejected_total, 0),
        _ => prop_assert_eq!(db.resident_count(), before),
    }
    Ok(())
}

#[test]
fn random_bytes() {
    let db = TestDb::new(Backend::Sqlite);
    let mut runner = TestRunner::new(Config { cases: 200, ..Config::default() });
    runner.run(&prop::collection::vec(any::<u8>(), 0..1500), |bytes| check(&db, &bytes)).unwrap();
}

#[test]
fn mutated_valid_files() {
    let db = TestDb::new(Backend::Sqlite);
    let base = file(&(0..6).map(row).collect::<Vec<_>>());
    let len = base.len();
    let edits = prop::collection::vec((0..len, any::<u8>()), 1..6);
    let mut runner = TestRunner::new(Config { cases: 200, ..Config::default() });
    runner
        .run(&edits, |edits| {
            let mut bytes = base.clone();
            for (pos, b) in edits {
                bytes[pos] = b;
            }
            check(&db, &bytes)
        })
        .unwrap();
}
