//! `GET /api/v1/stats` as JSON: the national sums with the freshness they carry
//! (`as_of`, `nodes_reported`, `nodes_missing`, `nodes_stale`). Keys are dates, dose
//! numbers, prefecture codes, product codes, sexes and age bands: counts only.

use super::Current;
use super::summary::{ByDose, band_label, pref_code};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// `{"1": N, "2": N, ...}` for the dose numbers that have any dose.
fn doses(d: &ByDose) -> Value {
    let m: Map<String, Value> =
        d.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| ((i + 1).to_string(), json!(n))).collect();
    Value::Object(m)
}

fn by<K: ToString>(m: &BTreeMap<K, ByDose>) -> Value {
    Value::Object(m.iter().map(|(k, d)| (k.to_string(), doses(d))).collect())
}

fn counts<K: ToString>(m: &BTreeMap<K, u64>) -> Value {
    Value::Object(m.iter().map(|(k, n)| (k.to_string(), json!(n))).collect())
}

pub fn stats_json(cur: &Current) -> Value {
    let s = &cur.summary;
    let (as_of, reported, missing) = match &cur.refresh {
        Some(r) => (rfc3339(r.finished_at_ms), r.nodes_reported, r.nodes_missing.clone()),
        None => (None, 0, vec![]),
    };
    let bands: BTreeMap<String, ByDose> = s.by_age_band.iter().map(|(b, d)| (band_label(*b), *d)).collect();
    let mut open_bands: BTreeMap<&str, ByDose> = BTreeMap::new();
    for (b, d) in &s.by_age_band {
        let e = open_bands.entry(b.open_data()).or_default();
        e.iter_mut().zip(d).for_each(|(a, n)| *a += n);
    }
    let pop_bands: BTreeMap<String, u64> = s.population_by_age_band.iter().map(|(b, n)| (band_label(*b), *n)).collect();
    let nodes_as_of: Map<String, Value> =
        s.included.iter().map(|(c, ms)| (c.to_string(), json!(rfc3339(*ms)))).collect();
    json!({
        "as_of": as_of,
        "nodes_reported": reported,
        "nodes_missing": missing,
        "nodes_stale": cur.stale(),
        "nodes_as_of": nodes_as_of,
        "total_doses": s.total,
        "by_dose": doses(&s.by_dose),
        "by_prefecture": by(&s.by_prefecture.iter().map(|(p, d)| (pref_code(*p), *d)).collect::<BTreeMap<_, _>>()),
        "by_date": by(&s.by_date.iter().map(|(d, v)| (d.iso(), *v)).collect::<BTreeMap<_, _>>()),
        "by_product": counts(&s.by_product),
        "by_sex": counts(&s.by_sex),
        "by_age_band": by(&bands),
        "by_age_open_data": by(&open_bands),
        "population": {
            "total": s.population_total,
            "by_age_band": counts(&pop_bands),
            "by_sex": counts(&s.population_by_sex),
            "by_prefecture": counts(&s.population_by_prefecture.iter().map(|(p, n)| (pref_code(*p), *n)).collect::<BTreeMap<_, _>>()),
        },
    })
}
