//! A stolen disk or backup of a node yields no My Number: after imports, updates, look-ups
//! by My Number, doses and a certificate, no file of the node's SQLite database (the main
//! file, its WAL and shared-memory index) holds any of the population's My Numbers in any
//! form a program could have written one (`vrs_tests::leaks::Scanner::my_number`: ASCII,
//! UTF-16, integers). The same scan finds the coupon numbers, which are stored in clear,
//! so it is known to read what the database wrote.

use crate::dose_support::*;
use crate::http_api::TestNode;
use crate::support::*;
use serde_json::json;
use std::path::Path;
use vrs_tests::leaks::Scanner;

const PEOPLE: u64 = 300;

/// The database's files: main, WAL and shared-memory index.
fn is_database_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("t.sqlite"))
}

#[test]
fn the_database_files_never_hold_a_my_number_in_clear() {
    let node = TestNode::start(TestDb::new(Backend::Sqlite));
    let rows: Vec<String> = (0..PEOPLE).map(row).collect();
    let (status, body) = node.import("", "text/csv", file(&rows));
    assert_eq!(status, 200, "{body}");
    // Changed rows (a reissued coupon), a skipped bad row, a re-import of the same file.
    let mut changed = rows.clone();
    changed[5] = row(5).replace(&format!("{:010}", 5_000_005), &format!("{:010}", 6_000_005));
    changed[6] = row(6).replace("19800401", "19800431");
    assert_eq!(node.import("?on_error=skip", "text/csv", file(&changed)).0, 200);
    assert_eq!(node.import("?on_error=skip", "text/csv", file(&changed)).0, 200);
    for i in [0, 7, 150, 299] {
        let (status, found) = node.search(json!({"my_number": my_number(i)}));
        assert_eq!((status, found["results"][0]["atena"].as_str()), (200, Some((1000 + i).to_string().as_str())));
    }
    for i in 0..20 {
        let (status, body, _) = node.post_dose(&node.site, &dose(&ocr(i, 1), "2021-06-01", "comirnaty"), None);
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(node.get("/api/v1/certificates/1001", Some(&node.staff)).0, 200);

    let dir = node.db.dir.path();
    let mut scan = Scanner::default();
    (0..PEOPLE).for_each(|i| scan.my_number(&my_number(i)));
    scan.scan_tree(dir, is_database_file).unwrap();
    assert!(scan.scanned.iter().any(|(p, _)| p.ends_with("-wal")), "the WAL is part of the scan: {:?}", scan.scanned);
    assert!(scan.hits.is_empty(), "My Numbers in the database files:\n{}", scan.report());
    // The scan reads what SQLite wrote: coupon numbers are stored in clear, and are found.
    let mut control = Scanner::default();
    control.text("coupon", &format!("{:010}", 5_000_042));
    control.scan_tree(dir, is_database_file).unwrap();
    assert!(!control.hits.is_empty(), "the scan did not see the register in {:?}", control.scanned);
}
