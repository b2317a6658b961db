//! Issue 9: a corrupted database file is detected when the node starts. Bytes are flipped
//! in a stopped node's SQLite file — a whole page in the middle, or the header — and
//! `vrs-node serve` refuses to start, exits non-zero and says in one line that the file is
//! damaged and what to do; it never serves from it.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vrs_tests::{NodeProcess, binary};

/// Flips every bit of `len` bytes at `offset`.
fn flip(file: &Path, offset: u64, len: usize) {
    let mut f = std::fs::OpenOptions::new().read(true).write(true).open(file).unwrap();
    let mut buf = vec![0u8; len];
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.read_exact(&mut buf).unwrap();
    for b in &mut buf {
        *b ^= 0xff;
    }
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.write_all(&buf).unwrap();
    f.sync_all().unwrap();
}

/// The database's page size, from its header (bytes 16-17, big-endian; 1 means 65,536).
fn page_size(db: &Path) -> u64 {
    let mut header = [0u8; 18];
    std::fs::File::open(db).unwrap().read_exact(&mut header).unwrap();
    match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    }
}

/// `serve` on the data dir: must exit by itself (refusing), within the timeout.
fn serve_refuses(data_dir: &Path) -> String {
    let mut child = Command::new(binary("vrs-node").unwrap())
        .args(["serve", "--data-dir"])
        .arg(data_dir)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the node started on a damaged database");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(!status.success(), "exit status {status}: {err}");
    err
}

fn node_with_data(root: &Path, name: &str) -> std::path::PathBuf {
    let mut node = NodeProcess::start(&root.join(name), "131016", 300, None).unwrap();
    node.stop().unwrap();
    node.data_dir.clone()
}

#[test]
fn a_damaged_page_stops_the_node_at_start_with_a_clear_message() {
    let root = tempfile::tempdir().unwrap();
    let dir = node_with_data(root.path(), "page");
    let db = dir.join("vrs.sqlite");
    let page = page_size(&db);
    let pages = std::fs::metadata(&db).unwrap().len() / page;
    assert!(pages > 10, "a database of some size: {pages} pages");
    flip(&db, (pages / 2) * page, page as usize);
    let err = serve_refuses(&dir);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("vrs-node: the database file "), "{err}");
    assert!(err.contains("is damaged") && err.contains("restore it from a backup"), "{err}");
}

#[test]
fn a_damaged_header_stops_the_node_at_start_with_a_clear_message() {
    let root = tempfile::tempdir().unwrap();
    let dir = node_with_data(root.path(), "header");
    flip(&dir.join("vrs.sqlite"), 0, 16);
    let err = serve_refuses(&dir);
    assert!(err.contains("is damaged") && err.contains("restore it from a backup"), "{err}");
}

#[test]
fn an_intact_database_starts() {
    let root = tempfile::tempdir().unwrap();
    let dir = node_with_data(root.path(), "fine");
    // The same data dir serves again (the check passes on an intact file).
    let port: u16 = std::fs::read_to_string(dir.join("node.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("listen = \"127.0.0.1:")?.strip_suffix('"')?.parse().ok())
        .unwrap();
    let mut node = NodeProcess::attach_serve(&dir, "131016", port).unwrap();
    assert_eq!(node.health().unwrap()["status"], "ok");
    node.stop().unwrap();
}
