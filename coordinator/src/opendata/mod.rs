//! The public open data, in the shapes the national office published (specs/opendata.md):
//! `prefecture.ndjson`, `summary_by_date.csv`, `summary_by_prefecture.csv`, plus
//! `summary_by_municipality.csv`, the one per-municipality file, with small-cell
//! suppression. Pure functions of the national [`Summary`]: no I/O here.

pub mod suppression;

use crate::stats::summary::{ByDose, Summary};
use serde::Serialize;
use std::fmt::Write;

/// Dose columns as the originals name them (`count_first_shot_general`, ...).
const ORDINALS: [&str; 9] = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];

/// The value written for a suppressed cell (秘匿, as e-Stat writes it).
pub const SUPPRESSED: &str = "X";

/// Dose columns published: at least the first two, up to the highest dose given.
fn dose_columns(s: &Summary) -> usize {
    s.max_dose().max(2)
}

fn header_doses(out: &mut String, n: usize) {
    for o in &ORDINALS[..n] {
        let _ = write!(out, ",count_{o}_shot_general");
    }
    out.push_str("\r\n");
}

fn row_doses(out: &mut String, d: &ByDose, n: usize) {
    for v in &d[..n] {
        let _ = write!(out, ",{v}");
    }
    out.push_str("\r\n");
}

#[derive(Serialize)]
struct OpenLine<'a> {
    date: String,
    prefecture: &'a str,
    gender: &'a str,
    age: &'a str,
    medical_worker: bool,
    status: u8,
    count: u64,
}

/// One JSON object a line: (date, prefecture, gender, age, dose) with its count, in that
/// order. Doses by medical workers are not told apart here: `medical_worker` is false.
pub fn prefecture_ndjson(s: &Summary) -> String {
    let mut out = String::with_capacity(s.open.len() * 110);
    for ((date, pref, gender, age, dose), count) in &s.open {
        let pref = crate::stats::summary::pref_code(*pref);
        let line = OpenLine {
            date: date.iso(),
            prefecture: &pref,
            gender,
            age,
            medical_worker: false,
            status: *dose,
            count: *count,
        };
        if let Ok(json) = serde_json::to_string(&line) {
            out.push_str(&json);
            out.push('\n');
        }
    }
    out
}

/// Doses given each day, by dose number.
pub fn summary_by_date(s: &Summary) -> String {
    let n = dose_columns(s);
    let mut out = String::from("date");
    header_doses(&mut out, n);
    for (date, d) in &s.by_date {
        out.push_str(&date.iso());
        row_doses(&mut out, d, n);
    }
    out
}

/// Every prefecture of the master: registered population and doses so far, as of `date`.
pub fn summary_by_prefecture(s: &Summary, date: &str) -> String {
    let n = dose_columns(s);
    let mut out = String::from("prefecture_name,population,date");
    header_doses(&mut out, n);
    let zero = ByDose::default();
    for (code, name) in crate::municipalities::prefectures() {
        let p: u8 = code.parse().unwrap_or(0);
        let pop = s.population_by_prefecture.get(&p).copied().unwrap_or(0);
        let _ = write!(out, "{name},{pop},{date}");
        row_doses(&mut out, s.by_prefecture.get(&p).unwrap_or(&zero), n);
    }
    out
}

/// Doses so far per reporting municipality, small cells suppressed per prefecture table.
pub fn summary_by_municipality(s: &Summary, date: &str) -> String {
    let n = dose_columns(s);
    let mut out = String::from("prefecture_name,municipality_code,municipality_name,date");
    header_doses(&mut out, n);
    let mut by_pref: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for (code, d) in &s.by_municipality {
        let (pref, pname, name) = crate::municipalities::lookup(*code).map_or_else(
            || ("00".to_owned(), String::new(), String::new()),
            |m| (m.prefecture.clone(), m.prefecture_name.clone(), m.name.clone()),
        );
        by_pref.entry(pref).or_default().push((*code, pname, name, d[..n].to_vec()));
    }
    for rows in by_pref.values() {
        let table: Vec<Vec<u64>> = rows.iter().map(|r| r.3.clone()).collect();
        let hidden = suppression::suppress(&table);
        for ((code, pname, name, cells), hide) in rows.iter().zip(hidden) {
            let _ = write!(out, "{pname},{code},{name},{date}");
            for (v, h) in cells.iter().zip(hide) {
                if h {
                    let _ = write!(out, ",{SUPPRESSED}");
                } else {
                    let _ = write!(out, ",{v}");
                }
            }
            out.push_str("\r\n");
        }
    }
    out
}
