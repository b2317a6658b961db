//! `GET /ui/stats` (staff): this municipality's own figures — doses per day, by dose
//! number, by vaccine, and first-dose coverage by age — from the same counts the node
//! sends the coordinator (`stats::dose_cells`, `stats::population_cells`), drawn as
//! server-side SVG charts beside their tables.

use super::charts::bars;
use super::error::UiError;
use super::resident::product_name;
use super::signed_in::SignedIn;
use crate::api::state::AppState;
use crate::db::users::Role;
use crate::stats::{dose_cells, population_cells, queries};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use std::collections::BTreeMap;
use vrs_protocol::messages::AgeBand;

/// Days shown in the daily chart (the most recent with doses).
const DAYS: usize = 60;

pub async fn page(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Staff])?;
    let (db, own, today) = (state.db.clone(), state.settings.municipality_code(), crate::today());
    let (doses, population) = web::block(move || -> Result<_, UiError> {
        let mut conn = db.get()?;
        let doses = dose_cells(queries::doses(&mut conn, own.as_str(), None)?);
        Ok((doses, population_cells(queries::residents(&mut conn)?, today)))
    })
    .await??;
    let mut by_day: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_dose: BTreeMap<u8, u64> = BTreeMap::new();
    let mut by_product: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_by_band: BTreeMap<&'static str, u64> = BTreeMap::new();
    for c in &doses {
        *by_day.entry(c.vaccinated_on.iso()).or_default() += c.count;
        *by_dose.entry(c.dose_number).or_default() += c.count;
        *by_product.entry(c.product.clone()).or_default() += c.count;
        if c.dose_number == 1 {
            *first_by_band.entry(decade(c.age_band)).or_default() += c.count;
        }
    }
    let mut people_by_band: BTreeMap<&'static str, u64> = BTreeMap::new();
    for p in &population {
        *people_by_band.entry(decade(p.age_band)).or_default() += p.count;
    }
    let t = s.frame.t();
    let total: u64 = by_dose.values().sum();
    let days: Vec<(String, u64)> = by_day.into_iter().rev().take(DAYS).collect::<Vec<_>>().into_iter().rev().collect();
    let doses_by_number: Vec<(String, u64)> = by_dose.iter().map(|(d, n)| (super::catalogue::fill(t.dose_number, &[d]), *n)).collect();
    let products: Vec<(String, u64)> = by_product.iter().map(|(p, n)| (product_name(p), *n)).collect();
    let body = html! {
        dl.facts { dt { (t.total_doses) } dd #total-doses { (total) } dt { (t.residents_registered) } dd #residents { (people_by_band.values().sum::<u64>()) } }
        section.card {
            h2 { (t.doses_per_day) }
            (bars("chart-daily", t.doses_per_day, &days, 900))
            (table("table-daily", t.show_table, t.vaccinated_on, &days))
        }
        div.cards {
            section.card { h2 { (t.by_dose) } (bars("chart-dose", t.by_dose, &doses_by_number, 420)) (table("table-dose", t.show_table, t.dose_col, &doses_by_number)) }
            section.card { h2 { (t.by_product) } (bars("chart-product", t.by_product, &products, 420)) (table("table-product", t.show_table, t.product, &products)) }
        }
        section.card {
            h2 { (t.coverage_title) }
            table #coverage {
                thead { tr { th { (t.age_band) } th.num { (t.first_doses) } th.num { (t.residents_registered) } th.num { (t.coverage) } } }
                tbody { @for (band, people) in &people_by_band {
                    @let first = first_by_band.get(band).copied().unwrap_or(0);
                    tr data-band=(band) {
                        td { (band) } td.num { (first) } td.num { (people) }
                        td.num { (format!("{:.1}%", if *people == 0 { 0.0 } else { 100.0 * first as f64 / *people as f64 })) }
                    }
                } }
            }
            p.muted { (t.coverage_note) }
        }
    };
    Ok(s.frame.page(t.stats_title, body))
}

/// Ten-year groups ("00-09" ... "90+"), sortable as text.
fn decade(b: AgeBand) -> &'static str {
    const NAMES: [&str; 10] = ["00-09", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"];
    match b.lower() {
        Some(l) => NAMES[usize::from(l / 10).min(9)],
        None => "?",
    }
}

fn table(id: &str, summary: &str, key: &str, rows: &[(String, u64)]) -> Markup {
    html! {
        details { summary { (summary) }
            table id=(id) { thead { tr { th { (key) } th.num { "n" } } }
                tbody { @for (k, n) in rows { tr { td { (k) } td.num { (n) } } } } }
        }
    }
}
