//! The residents import against a real database: semantics, and each kind of bad input.

use crate::on_both_backends;
use crate::support::*;
use vrs_node::db::residents;
use vrs_node::import::{ImportError, ImportMode::*};

fn rejected(db: &TestDb, csv: &[u8]) -> Vec<(u64, Option<&'static str>, &'static str)> {
    let report = db.import(csv, AllOrNothing).unwrap();
    assert!(!report.committed);
    assert_eq!(db.resident_count(), 0, "all-or-nothing wrote something");
    report.rejected.iter().map(|r| (r.line, r.column, r.error)).collect()
}

fn file_error(db: &TestDb, csv: &[u8]) -> (u64, &'static str) {
    match db.import(csv, SkipInvalid) {
        Err(ImportError::File(r)) => (r.line, r.error),
        other => panic!("expected a file error, got {other:?}"),
    }
}

on_both_backends! {
    fn import_then_reimport_is_idempotent(db) {
        let csv = file(&(0..7).map(row).collect::<Vec<_>>());
        let r = db.import(&csv, AllOrNothing).unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged, r.rejected_total, r.committed), (7, 0, 0, 0, true));
        let again = db.import(&csv, AllOrNothing).unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 7));
        let v = residents::get(&mut db.conn(), &db.keys, "1003").unwrap().unwrap();
        assert_eq!(v.name.family_kana, "ヤマダ", "half-width kana stored full-width");
        assert_eq!(v.birth_date, "1980-04-01");
        assert_eq!(v.sex, "M");
        assert_eq!(v.my_number.as_deref(), Some(format!("********{}", &my_number(3)[8..]).as_str()));
        assert_eq!(v.coupons.len(), 1);
    }

    fn changed_rows_update_and_a_new_coupon_is_a_reissue(db) {
        db.import(&file(&[row(0), row(1)]), AllOrNothing).unwrap();
        let moved = row(0).replace("\r\n", "").trim_end_matches(',').to_owned() + ",1\r\n";
        let reissued = row(1).replace(&format!("{:010}", 5_000_001), "0123456789");
        let r = db.import(&file(&[moved, reissued]), AllOrNothing).unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 2, 0));
        let v0 = residents::get(&mut db.conn(), &db.keys, "1000").unwrap().unwrap();
        assert_eq!(v0.status, "moved_out");
        let v1 = residents::get(&mut db.conn(), &db.keys, "1001").unwrap().unwrap();
        let coupons: Vec<(String, bool)> = v1.coupons.iter().map(|c| (c.number.clone(), c.active)).collect();
        assert_eq!(coupons, vec![("0123456789".into(), true), (format!("{:010}", 5_000_001), false)]);
        // The old coupon still finds the person (a site may read it).
        let old = vrs_protocol::CouponNumber::parse(&format!("{:010}", 5_000_001)).unwrap();
        assert_eq!(residents::find_by_coupon(&mut db.conn(), &old).unwrap().as_deref(), Some("1001"));
    }

    fn an_empty_my_number_never_erases_one(db) {
        db.import(&file(&[row(0), row(1)]), AllOrNothing).unwrap();
        // Row 0 as before but for the cell: nothing changes. Row 1 also has a new given name.
        let without = row(0).replace(&my_number(0), "");
        let renamed = row(1).replace(&my_number(1), "").replace("太郎", "次郎");
        let r = db.import(&file(&[without, renamed]), AllOrNothing).unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        for (atena, i) in [("1000", 0), ("1001", 1)] {
            let v = residents::get(&mut db.conn(), &db.keys, atena).unwrap().unwrap();
            assert!(v.my_number.is_some());
            let n = vrs_protocol::MyNumber::parse(&my_number(i)).unwrap();
            assert_eq!(residents::find_by_my_number(&mut db.conn(), &db.keys, &n).unwrap().as_deref(), Some(atena));
        }
        assert_eq!(residents::get(&mut db.conn(), &db.keys, "1001").unwrap().unwrap().name.given, "次郎");
    }

    fn a_new_my_number_replaces_the_old_one_and_counts_as_updated(db) {
        db.import(&file(&[row(0), row(1)]), AllOrNothing).unwrap();
        let changed = row(0).replace(&my_number(0), &my_number(50));
        let r = db.import(&file(&[changed, row(1)]), AllOrNothing).unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        let find = |i| {
            let n = vrs_protocol::MyNumber::parse(&my_number(i)).unwrap();
            residents::find_by_my_number(&mut db.conn(), &db.keys, &n).unwrap()
        };
        assert_eq!((find(50).as_deref(), find(0)), (Some("1000"), None));
        // The same file again changes nothing.
        let again = db.import(&file(&[row(0).replace(&my_number(0), &my_number(50)), row(1)]), AllOrNothing).unwrap();
        assert_eq!((again.updated, again.unchanged), (0, 2));
    }

    fn all_or_nothing_writes_nothing_and_names_each_bad_row(db) {
        let bad = row(2).replace("19800401", "20230230");
        let got = rejected(&db, &file(&[row(0), row(1), bad, row(3), row(4).replace(",1,", ",7,")]));
        assert_eq!(got, vec![(4, Some("生年月日"), "invalid_date"), (6, Some("性別"), "invalid_sex")]);
    }

    fn skip_mode_keeps_the_valid_rows(db) {
        let bad = row(2).replace(&my_number(2), &(my_number(2)[..11].to_owned() + "x"));
        let r = db.import(&file(&[row(0), row(1), bad, row(3)]), SkipInvalid).unwrap();
        assert!(r.committed);
        assert_eq!((r.inserted, r.rejected_total), (3, 1));
        assert_eq!(r.rejected[0].line, 4);
        assert_eq!(db.resident_count(), 3);
    }

    fn duplicates_inside_one_file_point_at_the_first(db) {
        // First into the empty register (the bulk path), then into a register that holds
        // someone else (the row-by-row path): the same file gets the same answer.
        for before in [0, 1] {
            let report = db.import(&file(&duplicates_file()), AllOrNothing).unwrap();
            assert_duplicates_reported(&report);
            assert_eq!(db.resident_count(), before);
            assert!(!report.committed);
            if before == 0 {
                db.import(&file(&[row(50)]), AllOrNothing).unwrap();
            }
        }
    }

    fn skip_mode_keeps_the_first_of_each_duplicate(db) {
        for before in [0, 1] {
            let report = db.import(&file(&duplicates_file()), SkipInvalid).unwrap();
            assert_duplicates_reported(&report);
            assert_eq!(report.inserted, 5);
            assert_eq!(db.resident_count(), before + 5);
            let mut conn = db.conn();
            let holder = |coupon: u64, conn: &mut vrs_node::db::DbConn| {
                let coupon = vrs_protocol::CouponNumber::parse(&format!("{coupon:010}")).unwrap();
                residents::find_by_coupon(conn, &coupon).unwrap()
            };
            assert_eq!(holder(5_000_001, &mut conn).as_deref(), Some("1001"));
            assert_eq!(holder(5_000_006, &mut conn), None);
            drop(conn);
            // Make the register non-empty and the file new again for the second round.
            let wipe = "DELETE FROM my_numbers; DELETE FROM residents;";
            diesel::connection::SimpleConnection::batch_execute(&mut db.raw(), wipe).unwrap();
            db.import(&file(&[row(50)]), AllOrNothing).unwrap();
        }
    }

    fn repeats_inside_the_first_loads_large_statements(db) {
        // Batches large enough for the first load's multi-row INSERTs (on SQLite 128 rows a
        // statement, the tail of a batch 16 at a time, then one by one) and joined COPYs
        // (PostgreSQL): an atena repeated inside one statement, in a later one, in a tail
        // statement and in a single-row one; a coupon and a My Number repeated far apart.
        // The first line keeps each; every repeat is named with that line. Two batches of
        // 150: rows 0-127, 128-143 and 144-149 one by one; then 150-277, 278-293, 294-299.
        let mut rows: Vec<String> = (0..300).map(row).collect();
        let atena_of = |i: u64, j: u64| row(j).replacen(&format!("{},", 1000 + j), &format!("{},", 1000 + i), 1);
        rows[30] = atena_of(10, 30); // same 128-row statement as its first (line 12)
        rows[200] = atena_of(5, 200); // a later statement
        rows[285] = atena_of(150, 285); // a 16-row tail statement
        rows[298] = atena_of(140, 298); // a single-row statement
        rows[170] = row(170).replace(&format!("{:010}", 5_000_170), &format!("{:010}", 5_000_020));
        rows[180] = row(180).replace(&my_number(180), &my_number(40));
        let csv = file(&rows);
        let mut opts = options(SkipInvalid);
        opts.batch_rows = 150;
        let mut conn = db.conn();
        let report = vrs_node::import::import_residents(&mut conn, &db.keys, &csv[..], &opts, None).unwrap();
        // SQLite loads with the connection's reference checks off: they are back on for
        // whoever gets the pooled connection next, and no reference is broken.
        if db.url.is_sqlite() {
            assert_eq!(value_of(&mut conn, "SELECT foreign_keys AS value FROM pragma_foreign_keys"), 1);
            assert_eq!(value_of(&mut conn, "SELECT count(*) AS value FROM pragma_foreign_key_check"), 0);
        }
        drop(conn);
        let got: Vec<_> = report.rejected.iter().map(|r| (r.line, r.error, r.message.clone())).collect();
        let want = [
            (32, "duplicate_atena", "line 12"),
            (172, "duplicate_coupon", "line 22"),
            (182, "duplicate_my_number", "line 42"),
            (202, "duplicate_atena", "line 7"),
            (287, "duplicate_atena", "line 152"),
            (300, "duplicate_atena", "line 142"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((line, error, message), (w_line, w_error, w_first)) in got.iter().zip(want) {
            assert_eq!((*line, *error), (w_line, w_error), "{got:?}");
            assert!(message.contains(w_first), "{message}");
        }
        assert_eq!((report.inserted, report.rejected_total, report.committed), (294, 6, true));
        assert_eq!(db.resident_count(), 294);
        // The import id and the time, bound once per statement, reach every row; each row
        // keeps its own line.
        let stamped = format!(
            "SELECT count(DISTINCT import_line) AS value FROM residents \
             WHERE import_id = {} AND created_at = updated_at AND created_at > 1700000000",
            report.import_id
        );
        assert_eq!(value_of(&mut db.raw(), &stamped), 294);
        // The kept row is the first line's: its coupon, not the repeat's.
        let kept = residents::get(&mut db.conn(), &db.keys, "1010").unwrap().unwrap();
        assert_eq!(kept.coupons[0].number, format!("{:010}", 5_000_010));
        // All or nothing: the same file writes nothing and names the same rows.
        let wipe = "DELETE FROM my_numbers; DELETE FROM residents;";
        diesel::connection::SimpleConnection::batch_execute(&mut db.raw(), wipe).unwrap();
        opts.mode = AllOrNothing;
        let report = vrs_node::import::import_residents(&mut db.conn(), &db.keys, &csv[..], &opts, None).unwrap();
        assert_eq!((report.rejected_total, report.committed, db.resident_count()), (6, false, 0));
    }

    fn a_first_load_leaves_the_migrated_indexes_behind(db) {
        let migrated = index_definitions(&db);
        assert!(migrated.iter().any(|(name, _)| name == "residents_coupon"), "{migrated:?}");
        db.import(&file(&duplicates_file()), AllOrNothing).unwrap();
        assert_eq!(index_definitions(&db), migrated, "after a rolled-back first load");
        db.import(&file(&duplicates_file()), SkipInvalid).unwrap();
        assert_eq!(index_definitions(&db), migrated, "after a committed first load");
        let other_coupon = row(20).replace(&format!("{:010}", 5_000_020), &format!("{:010}", 5_000_000));
        assert_eq!(rejected_after(&db, &file(&[other_coupon])), vec![(2, "coupon_in_use")]);
    }

    fn keys_already_held_by_other_residents_are_refused(db) {
        db.import(&file(&[row(0)]), AllOrNothing).unwrap();
        let other_coupon = row(1).replace(&format!("{:010}", 5_000_001), &format!("{:010}", 5_000_000));
        let other_mn = row(2).replace(&my_number(2), &my_number(0));
        let got = rejected_after(&db, &file(&[other_coupon, other_mn]));
        assert_eq!(got, vec![(2, "coupon_in_use"), (3, "my_number_in_use")]);
    }

    fn a_flag_on_a_first_registration_is_refused(db) {
        let flagged = row(0).replace("\r\n", "").trim_end_matches(',').to_owned() + ",2\r\n";
        assert_eq!(rejected(&db, &file(&[flagged])), vec![(2, Some("転出/死亡フラグ"), "flag_on_first_registration")]);
    }

    fn cp932_files_are_detected_and_declared(db) {
        let text = String::from_utf8(file(&[row(0), row(1)])).unwrap();
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let r = db.import(&sjis, AllOrNothing).unwrap();
        assert_eq!(r.inserted, 2);
        let v = residents::get(&mut db.conn(), &db.keys, "1001").unwrap().unwrap();
        assert_eq!((v.name.family.as_str(), v.name.given_kana.as_str()), ("山田", "タロウ"));
    }

    fn invalid_bytes_are_row_errors(db) {
        let mut utf8 = file(&[row(0)]);
        let mut bad = row(1).into_bytes();
        bad[10] = 0xff;
        utf8.extend_from_slice(&bad);
        assert_eq!(rejected(&db, &utf8), vec![(3, None, "invalid_encoding")]);

        let text = String::from_utf8(file(&[row(0), row(1)])).unwrap();
        let (mut sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let sjis = sjis.to_mut();
        let pos = sjis.len() - 10;
        sjis[pos] = 0x81; // a lead byte followed by ',' is not CP932
        sjis[pos + 1] = b',';
        assert_eq!(rejected(&db, sjis).first().map(|r| (r.0, r.2)), Some((3, "invalid_encoding")));
    }

    fn structural_problems_of_the_file(db) {
        assert_eq!(file_error(&db, b""), (1, "empty_file"));
        assert_eq!(file_error(&db, HEADER.as_bytes()), (1, "no_data_rows"));
        let mut huge = file(&[row(0)]);
        huge.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
        assert_eq!(file_error(&db, &huge), (3, "line_too_long"));
        assert_eq!(db.resident_count(), 0);
    }

    fn truncated_last_line_and_wrong_column_counts(db) {
        let mut csv = file(&[row(0)]);
        csv.extend_from_slice(b"1001,,\xe5\xb1\xb1"); // cut off mid-row, no newline
        assert_eq!(rejected(&db, &csv), vec![(3, None, "wrong_column_count")]);
        let extra = row(1).replace("\r\n", ",extra\r\n");
        assert_eq!(rejected(&db, &file(&[extra])), vec![(2, None, "wrong_column_count")]);
    }

    fn formula_like_cells_are_refused(db) {
        let f = row(0).replace("山田", "\"=cmd|' /C calc'!A0\"");
        assert_eq!(rejected(&db, &file(&[f])), vec![(2, Some("氏名(姓)"), "formula_like")]);
    }

    fn quoted_fields_with_newlines_keep_physical_line_numbers(db) {
        let multi = row(1).replace("太郎", "\"太\n郎\"");
        let bad = row(2).replace("19800401", "21000101");
        let got = rejected(&db, &file(&[row(0), multi, bad]));
        // row(1) starts on line 3 and spans two lines, so the bad row is on line 5. The
        // newline inside 名 is a control character.
        assert_eq!(got, vec![(3, Some("氏名(名)"), "control_character"), (5, Some("生年月日"), "date_out_of_range")]);
    }

    fn no_my_number_in_clear_in_the_database(db) {
        db.import(&file(&(0..5).map(row).collect::<Vec<_>>()), AllOrNothing).unwrap();
        let found = database_contains(&db, &my_number(3));
        assert!(!found, "a My Number is stored in clear");
        assert!(database_contains(&db, "1003"), "the scan itself must see plain data");
    }
}

/// Rows 0..=4, then a repeat of row 0's atena, row 1's coupon and row 2's My Number.
/// Rows 0..=4 span two batches (batch size 3), so duplicates are found across batches.
fn duplicates_file() -> Vec<String> {
    let dup_atena = row(5).replace("1005,", "1000,");
    let dup_coupon = row(6).replace(&format!("{:010}", 5_000_006), &format!("{:010}", 5_000_001));
    let dup_mn = row(7).replace(&my_number(7), &my_number(2));
    vec![row(0), row(1), row(2), row(3), row(4), dup_atena, dup_coupon, dup_mn]
}

fn assert_duplicates_reported(report: &vrs_node::import::ImportReport) {
    let got: Vec<_> = report.rejected.iter().map(|r| (r.line, r.error, r.message.clone())).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(report.rejected_total, 3);
    assert_eq!((got[0].0, got[0].1), (7, "duplicate_atena"));
    assert!(got[0].2.contains("line 2"), "{}", got[0].2);
    assert_eq!((got[1].0, got[1].1), (8, "duplicate_coupon"));
    assert!(got[1].2.contains("line 3"), "{}", got[1].2);
    assert_eq!((got[2].0, got[2].1), (9, "duplicate_my_number"));
    assert!(got[2].2.contains("line 4"), "{}", got[2].2);
}

/// The one integer (`value`) a query returns, on either database.
fn value_of(conn: &mut vrs_node::db::DbConn, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }
    diesel::sql_query(sql).get_result::<Value>(conn).unwrap().value
}

/// Every index's (and on PostgreSQL every constraint's) name and definition, as the
/// database itself reports them.
fn index_definitions(db: &TestDb) -> Vec<(String, String)> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    let sql = match db.url {
        vrs_node::db::DatabaseUrl::Sqlite(_) => {
            "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        }
        // Indexes and constraints (a bulk load also drops and restores a foreign key).
        vrs_node::db::DatabaseUrl::Postgres(_) => {
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        }
    };
    let rows: Vec<Index> = diesel::sql_query(sql).load(&mut db.raw()).unwrap();
    rows.into_iter().map(|i| (i.name, i.definition)).collect()
}

fn rejected_after(db: &TestDb, csv: &[u8]) -> Vec<(u64, &'static str)> {
    let before = db.resident_count();
    let report = db.import(csv, AllOrNothing).unwrap();
    assert_eq!(db.resident_count(), before);
    report.rejected.iter().map(|r| (r.line, r.error)).collect()
}

/// Whether `needle` appears anywhere in the stored data: the SQLite file and WAL bytes,
/// or every text and bytea column of PostgreSQL (via a full-table text dump).
fn database_contains(db: &TestDb, needle: &str) -> bool {
    use diesel::prelude::*;
    match &db.url {
        vrs_node::db::DatabaseUrl::Sqlite(path) => {
            let mut conn = db.raw();
            diesel::connection::SimpleConnection::batch_execute(&mut conn, "PRAGMA wal_checkpoint(FULL)").unwrap();
            [path.clone(), format!("{path}-wal")].iter().any(|p| {
                std::fs::read(p).map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes())).unwrap_or(false)
            })
        }
        vrs_node::db::DatabaseUrl::Postgres(_) => {
            #[derive(QueryableByName)]
            struct Hit {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = db.raw();
            let hex = hex::encode(needle);
            let tables = ["residents", "my_numbers", "coupon_history", "users", "imports", "access_log"];
            tables.iter().any(|t| {
                let q = format!(
                    "SELECT count(*) AS n FROM {t} x WHERE x::text LIKE '%{needle}%' OR x::text LIKE '%{hex}%'"
                );
                diesel::sql_query(q).get_result::<Hit>(&mut conn).unwrap().n > 0
            })
        }
    }
}
