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
    let days = last_days(&by_day);
    let doses_by_number: Vec<(String, u64)> =
        by_dose.iter().map(|(d, n)| (super::catalogue::fill(t.dose_number, &[d]), *n)).collect();
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

/// The last `DAYS` days up to the latest with doses, a day without doses as zero.
fn last_days(by_day: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let parse = |k: &String| vrs_protocol::CivilDate::parse_iso(k).ok().map(vrs_protocol::CivilDate::to_unix_days);
    let (Some(first), Some(last)) = (by_day.keys().next().and_then(parse), by_day.keys().last().and_then(parse)) else {
        return Vec::new();
    };
    (first.max(last - DAYS as i64 + 1)..=last)
        .filter_map(vrs_protocol::CivilDate::from_unix_days)
        .map(|d| {
            let key = d.iso();
            let n = by_day.get(&key).copied().unwrap_or(0);
            (key, n)
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_without_doses_are_zero_and_only_the_last_are_shown() {
        let by_day: BTreeMap<String, u64> =
            [("2021-07-01".to_owned(), 3), ("2021-07-04".to_owned(), 1)].into_iter().collect();
        let days = last_days(&by_day);
        let keys: Vec<&str> = days.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["2021-07-01", "2021-07-02", "2021-07-03", "2021-07-04"]);
        assert_eq!(days.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [3, 0, 0, 1]);
        let long: BTreeMap<String, u64> =
            [("2021-01-01".to_owned(), 1), ("2021-12-31".to_owned(), 2)].into_iter().collect();
        let days = last_days(&long);
        assert_eq!(days.len(), DAYS);
        assert_eq!(days.last().map(|(k, _)| k.as_str()), Some("2021-12-31"));
        assert!(last_days(&BTreeMap::new()).is_empty());
        assert_eq!(decade(AgeBand::from_age(Some(67))), "60-69");
        assert_eq!(decade(AgeBand::from_age(Some(104))), "90+");
    }
}
