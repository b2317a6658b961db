//! 予防接種台帳向け出力: the ledger export (specs/vaccinations-csv.md, "Ledger export").
//! One row per resident with doses: 個別宛名番号, then one block of columns per dose,
//! oldest first, as many blocks as the person with the most doses needs.

use super::Status;
use crate::db::schema::vaccinations;
use crate::db::{DbConn, DbError};
use crate::products::ProductMaster;
use diesel::prelude::*;

pub const BLOCK: [&str; 9] =
    ["接種回数", "接種日", "ワクチン", "メーカー", "ロット番号", "接種場所", "医師名", "接種自治体コード", "要確認"];

type DoseTuple = (String, i16, String, String, String, String, String, String);

pub struct Ledger {
    pub csv: String,
    pub people: u64,
    pub doses: u64,
}

/// Builds the export in memory (a ledger of a few hundred thousand people is tens of MB).
pub fn export(conn: &mut DbConn, products: &ProductMaster, given_in: &str) -> Result<Ledger, DbError> {
    let doses: Vec<DoseTuple> = vaccinations::table
        .filter(vaccinations::status.eq(Status::Recorded.as_str()))
        .filter(vaccinations::atena.is_not_null())
        .order((vaccinations::atena, vaccinations::vaccinated_on, vaccinations::dose_number))
        .select((
            vaccinations::atena.assume_not_null(),
            vaccinations::dose_number,
            vaccinations::vaccinated_on,
            vaccinations::product,
            vaccinations::lot,
            vaccinations::site,
            vaccinations::doctor,
            vaccinations::review,
        ))
        .load(conn)?;
    let mut people: Vec<(&str, Vec<&DoseTuple>)> = Vec::new();
    for d in &doses {
        match people.last_mut() {
            Some((a, list)) if *a == d.0 => list.push(d),
            _ => people.push((&d.0, vec![d])),
        }
    }
    let blocks = people.iter().map(|(_, l)| l.len()).max().unwrap_or(1);
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header = vec!["個別宛名番号".to_owned()];
    for k in 1..=blocks {
        header.extend(BLOCK.iter().map(|c| format!("{c}{k}")));
    }
    write(&mut out, &header)?;
    for (atena, list) in &people {
        let mut row = vec![(*atena).to_owned()];
        for (_, dose, on, product, lot, site, doctor, review) in list.iter().copied() {
            let maker = products.get(product).map_or("", |p| p.maker.as_str());
            row.extend([
                dose.to_string(),
                on.replace('-', ""),
                product.clone(),
                maker.to_owned(),
                lot.clone(),
                site.clone(),
                doctor.clone(),
                given_in.to_owned(),
                if review == "needs_review" { "1" } else { "0" }.to_owned(),
            ]);
        }
        row.resize(1 + blocks * BLOCK.len(), String::new());
        write(&mut out, &row)?;
    }
    let bytes = out.into_inner().map_err(|e| DbError::Query(e.to_string()))?;
    let csv = String::from_utf8(bytes).map_err(|e| DbError::Query(e.to_string()))?;
    Ok(Ledger { csv, people: people.len() as u64, doses: doses.len() as u64 })
}

fn write(out: &mut csv::Writer<Vec<u8>>, row: &[String]) -> Result<(), DbError> {
    out.write_record(row).map_err(|e| DbError::Query(e.to_string()))
}
