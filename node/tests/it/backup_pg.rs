//! The PostgreSQL backup procedure of specs/security.md, followed to the letter: `pg_dump
//! --format=custom` of a node's database while it is written to, `pg_restore` into a new
//! database, and the restored node's data and access-log chain check out.

use crate::support::*;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use vrs_node::audit::checkpoint;
use vrs_node::audit::checkpoint_check::Signer;
use vrs_node::audit::verify::verify;
use vrs_node::db::{self, DatabaseUrl, access_chain, access_log};
use vrs_node::import::ImportMode;
use vrs_protocol::{MunicipalityCode, SigningKey};

fn tool(name: &str) -> Command {
    // Debian keeps the versioned tools off the PATH; /usr/bin has the wrappers.
    Command::new(name)
}

#[test]
fn pg_dump_and_pg_restore_bring_back_a_node_that_verifies() {
    let db = TestDb::new(Backend::Postgres);
    let DatabaseUrl::Postgres(url) = &db.url else { unreachable!() };
    let rows: Vec<String> = (0..50).map(row).collect();
    db.import(&file(&rows), ImportMode::AllOrNothing).unwrap();
    let key = SigningKey::generate().unwrap();
    let own = MunicipalityCode::parse("131016").unwrap();
    checkpoint::make(&mut db.conn(), own, &key, 1).unwrap().expect("a checkpoint");

    // Writers go on during the dump: pg_dump reads one snapshot.
    let dump = db.dir.path().join("node.dump");
    let writer = {
        let pool = db.pool.clone();
        std::thread::spawn(move || log_reads(&mut pool.get().unwrap(), 200, "during the dump"))
    };
    let out = tool("pg_dump").args(["--format=custom", "--no-owner", "--file"]).arg(&dump).arg(url).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    writer.join().unwrap();

    let base = postgres_base_url();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let name = format!("vrs_restored_{}", std::process::id());
    let mut admin = PgConnection::establish(&base).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let restored_url = format!("{prefix}/{name}");
    let out = tool("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored_url])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));

    {
        let pool = db::open(DatabaseUrl::Postgres(restored_url), "normal", 1).unwrap();
        let mut conn = pool.get().unwrap();
        assert_eq!(db::residents::count(&mut conn).unwrap(), 50);
        let keys = [key.public_key()];
        let report = verify(&mut conn, &Signer { own, keys: &keys }, None).unwrap();
        assert!(report.is_intact(), "{}", report.render());
        assert_eq!(report.checkpoints.matched, 1);
        let head = access_chain::state(&mut conn).unwrap().head_seq;
        assert!((1..=201).contains(&head), "a snapshot of the log: head {head}");
    }
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
}

/// Appends `count` staff reads to the node's access log, as its clerks would.
fn log_reads(conn: &mut db::PooledConn, count: usize, tag: &str) {
    for i in 0..count {
        let detail = Some(format!("{tag} {i}"));
        let e = access_log::Entry { actor: "clerk", role: "staff", action: "resident.read", atena: None, detail };
        access_log::record(conn, e).unwrap();
    }
}

/// Runs the real `vrs-node` with `args`, and its output; `ok`: it must succeed.
fn vrs_node(args: &[&OsStr], ok: bool) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs-node")).args(args).output().unwrap();
    if ok {
        assert!(out.status.success(), "vrs-node {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

fn o(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// A new, empty database beside the test's own, filled by `pg_restore` from `dump`.
fn pg_restored(dump: &Path, name: &str) -> String {
    let base = postgres_base_url();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let mut admin = PgConnection::establish(&base).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = format!("{prefix}/{name}");
    let out = tool("pg_restore").args(["--no-owner", "--exit-on-error", "--dbname", &url]).arg(dump).output().unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    url
}

fn drop_database(name: &str) {
    let mut admin = PgConnection::establish(&postgres_base_url()).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
}

/// The whole procedure with the real commands: keys backup, pg_dump while the log grows,
/// a checkpoint after the dump (as the coordinator would hold it), pg_restore, then
/// `vrs-node restore --database-url`, whose receipt lets the restored log verify against
/// that later checkpoint — which a database restored by hand, without it, does not.
#[test]
fn the_postgres_procedure_restores_a_node_that_verifies_against_later_checkpoints() {
    let db = TestDb::new(Backend::Postgres);
    let DatabaseUrl::Postgres(url) = db.url.clone() else { unreachable!() };
    let root = tempfile::tempdir().unwrap();
    let (node_dir, key, keys_backup) =
        (root.path().join("node"), root.path().join("backup.key"), root.path().join("node.vrsbackup"));
    let (node, csv) = (node_dir.as_os_str(), root.path().join("residents.csv"));
    let init = [o("init"), o("--municipality"), o("131016"), o("--http-listen"), o("127.0.0.1:0"), o("--database-url")];
    vrs_node(&[&init[..], &[o(&url), o("--data-dir"), node]].concat(), true);
    std::fs::write(&csv, file(&(0..40).map(row).collect::<Vec<_>>())).unwrap();
    vrs_node(&[o("import"), o("residents"), o("--data-dir"), node, csv.as_os_str()], true);
    vrs_node(&[o("backup-key"), o("--out"), key.as_os_str(), o("--data-dir"), node], true);
    vrs_node(&[o("backup"), o("--data-dir"), node, keys_backup.as_os_str()], true);
    let dump = root.path().join("vrs.dump");
    let out = tool("pg_dump").args(["--format=custom", "--no-owner", "--file"]).arg(&dump).arg(&url).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));

    // After the dump: entries the dump lacks, and a checkpoint over them at the coordinator.
    let identity = vrs_node::federation::NodeIdentity::load(&node_dir).unwrap();
    let own = MunicipalityCode::parse("131016").unwrap();
    log_reads(&mut db.conn(), 5, "after the dump");
    let later = checkpoint::make(&mut db.conn(), own, &identity.signing, vrs_protocol::now_ms()).unwrap().unwrap();
    let keys = identity.signing_keys();
    let signer = Signer { own, keys: &keys };
    let verify_at = |url: &str| {
        let pool = db::open(DatabaseUrl::Postgres(url.to_owned()), "normal", 1).unwrap();
        verify(&mut pool.get().unwrap(), &signer, Some(std::slice::from_ref(&later))).unwrap()
    };

    // Restored by hand, without the receipt: the later checkpoint names the missing entries.
    let by_hand = format!("vrs_by_hand_{}", std::process::id());
    let report = verify_at(&pg_restored(&dump, &by_hand));
    assert!(report.first_break().is_some(), "{}", report.render());
    drop_database(&by_hand);

    // A PostgreSQL keys backup without --database-url is refused and leaves nothing.
    let new_dir = root.path().join("restored");
    let (new, key, keys_backup) = (new_dir.as_os_str(), key.as_os_str(), keys_backup.as_os_str());
    let out = vrs_node(&[o("restore"), o("--data-dir"), new, o("--key"), key, keys_backup], false);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--database-url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!new_dir.exists() || std::fs::read_dir(&new_dir).unwrap().next().is_none());

    // The procedure: pg_restore, then vrs-node restore naming the database.
    let name = format!("vrs_procedure_{}", std::process::id());
    let restored = pg_restored(&dump, &name);
    let restore = [o("restore"), o("--data-dir"), new, o("--key"), key, o("--database-url"), o(&restored), keys_backup];
    vrs_node(&restore, true);
    let settings = vrs_node::config::Settings::load(&new_dir).unwrap();
    assert_eq!(settings.database.url.expose(), restored, "the restored node uses the restored database");
    let report = verify_at(&restored);
    assert!(report.is_intact(), "{}", report.render());
    assert_eq!(report.checkpoints.lost_in_restore, 1, "{}", report.render());
    let pool = db::open(DatabaseUrl::Postgres(restored), "normal", 1).unwrap();
    assert_eq!(db::residents::count(&mut pool.get().unwrap()).unwrap(), 40);
    drop(pool);
    drop_database(&name);
}
