//! The residents CSV import, end to end into a real (SQLite) register: any bytes, in
//! either mode. It never panics and never fails with a database error; all-or-nothing
//! either commits a file without a rejection or leaves the register as it was; a file
//! error writes nothing; no rejection message quotes a long number from the file (a My
//! Number or coupon must never reach an error). The register persists across inputs, so
//! later inputs meet earlier residents (updates, coupon clashes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use vrs_node::crypto::NodeKeys;
use vrs_node::db::{self, DatabaseUrl, Pool};
use vrs_node::import::{ImportError, ImportMode, ImportOptions, import_residents};
use vrs_protocol::CivilDate;

struct Register {
    pool: Pool,
    keys: NodeKeys,
}

/// One register per fuzzing process, in `$TMPDIR` (scripts/fuzz points it at a throwaway dir).
fn register() -> &'static Register {
    static REGISTER: OnceLock<Register> = OnceLock::new();
    REGISTER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vrs-fuzz-residents-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let url = DatabaseUrl::Sqlite(dir.join("register.sqlite").display().to_string());
        Register { pool: db::open(url, "off", 1).expect("the register opens"), keys: NodeKeys::from_master(&[7; 32]) }
    })
}

fuzz_target!(|data: &[u8]| {
    let r = register();
    let mut conn = r.pool.get().expect("a connection");
    let mode = if data.len() % 2 == 0 { ImportMode::AllOrNothing } else { ImportMode::SkipInvalid };
    let opts = ImportOptions {
        mode,
        charset: None,
        batch_rows: 4, // small, so that inputs cross batch boundaries
        max_rejections_reported: 1_000,
        actor: "fuzz".into(),
        role: "staff".into(),
        today: CivilDate::new(2026, 11, 21).expect("a date"),
    };
    let before = db::residents::count(&mut conn).expect("count");
    let result = import_residents(&mut conn, &r.keys, data, &opts, None);
    let after = db::residents::count(&mut conn).expect("count");
    match result {
        Ok(report) => {
            if mode == ImportMode::AllOrNothing && report.committed {
                assert_eq!(report.rejected_total, 0, "all-or-nothing committed a file with rejections");
            }
            if !report.committed {
                assert_eq!(after, before, "an import that did not commit changed the register");
            }
            // A row with several bad columns is listed once per column, counted once.
            let lines: std::collections::BTreeSet<u64> = report.rejected.iter().map(|r| r.line).collect();
            assert!(report.rejected_total >= lines.len() as u64);
            for rejection in &report.rejected {
                assert_no_long_number_quoted(&rejection.message, data);
            }
        }
        Err(ImportError::File(rejection)) => {
            assert_eq!(after, before, "a file error changed the register");
            assert_no_long_number_quoted(&rejection.message, data);
        }
        Err(ImportError::Db(e)) => panic!("the input caused a database error: {e}"),
    }
});

/// No run of 8 or more digits from the input appears in `message`.
fn assert_no_long_number_quoted(message: &str, input: &[u8]) {
    for run in input.split(|b| !b.is_ascii_digit()).filter(|r| r.len() >= 8) {
        let run = std::str::from_utf8(run).expect("ASCII digits");
        assert!(!message.contains(run), "a rejection quotes {run:?} from the file: {message}");
    }
}
