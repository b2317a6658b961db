//! The PostgreSQL backup procedure of specs/security.md, followed to the letter: `pg_dump
//! --format=custom` of a node's database while it is written to, `pg_restore` into a new
//! database, and the restored node's data and access-log chain check out.

use crate::support::*;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
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
        std::thread::spawn(move || {
            for i in 0..200 {
                let e = access_log::Entry {
                    actor: "w",
                    role: "staff",
                    action: "resident.read",
                    atena: None,
                    detail: Some(format!("{i}")),
                };
                access_log::record(&mut pool.get().unwrap(), e).unwrap();
            }
        })
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
