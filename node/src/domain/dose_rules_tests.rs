use super::*;
use crate::products::ProductMaster;

fn d(s: &str) -> CivilDate {
    CivilDate::parse_iso(s).unwrap()
}

fn prior(id: &'static str, dose: u8, on: &str) -> PriorDose<'static> {
    PriorDose { id, dose, on: d(on), min_interval_days: 21 }
}

fn codes(v: Verdict) -> Vec<&'static str> {
    match v {
        Verdict::Accept(w) => w.into_iter().map(|w| w.code).collect(),
        Verdict::Duplicate(id) => panic!("unexpected duplicate of {id}"),
    }
}

fn adult() -> Person {
    Person { birth_date: d("1980-04-01"), status: ResidentStatus::Active, status_since: d("2021-01-01") }
}

fn run(dose: u8, on: &str, product: &str, person: &Person, history: &[PriorDose<'_>]) -> Verdict {
    let m = ProductMaster::shipped().unwrap();
    let p = m.get(product).unwrap().clone();
    check(NewDose { dose, on: d(on), product: &p }, Some(person), history)
}

#[test]
fn a_clean_second_dose_has_no_warning() {
    assert!(codes(run(2, "2021-06-22", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")])).is_empty());
    assert!(codes(run(1, "2021-06-01", "comirnaty", &adult(), &[])).is_empty());
}

#[test]
fn same_dose_same_date_is_a_duplicate() {
    let v = run(1, "2021-06-01", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")]);
    assert_eq!(v, Verdict::Duplicate("a".into()));
}

#[test]
fn dose_two_before_dose_one() {
    let got = codes(run(2, "2021-05-01", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")]));
    assert!(got.contains(&"dose_order"), "{got:?}");
}

#[test]
fn interval_shorter_than_the_products_minimum_either_way() {
    let got = codes(run(2, "2021-06-10", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")]));
    assert_eq!(got, vec!["interval_too_short"]);
    // A late record of dose 1, 10 days before the recorded dose 2.
    let got = codes(run(1, "2021-06-01", "comirnaty", &adult(), &[prior("b", 2, "2021-06-11")]));
    assert_eq!(got, vec!["interval_too_short"]);
}

#[test]
fn dose_number_used_and_mismatch() {
    let got = codes(run(1, "2021-07-01", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")]));
    assert!(got.contains(&"dose_number_used"), "{got:?}");
    let got = codes(run(3, "2021-07-01", "comirnaty", &adult(), &[prior("a", 1, "2021-06-01")]));
    assert_eq!(got, vec!["dose_number_mismatch"]);
}

#[test]
fn age_limits() {
    let child = Person { birth_date: d("2015-05-01"), ..adult() };
    assert_eq!(codes(run(1, "2022-06-01", "comirnaty", &child, &[])), vec!["age_below_minimum"]);
    assert!(codes(run(1, "2022-06-01", "comirnaty_5_11", &child, &[])).is_empty());
    assert_eq!(codes(run(1, "2022-06-01", "comirnaty_5_11", &adult(), &[])), vec!["age_above_maximum"]);
    let unborn = Person { birth_date: d("2023-01-01"), ..adult() };
    assert_eq!(codes(run(1, "2022-11-01", "comirnaty_6m_4y", &unborn, &[])), vec!["age_below_minimum"]);
}

#[test]
fn after_moving_out_or_death() {
    let gone = Person { status: ResidentStatus::Deceased, status_since: d("2021-08-01"), ..adult() };
    assert_eq!(codes(run(1, "2021-08-02", "comirnaty", &gone, &[])), vec!["after_moved_out_or_deceased"]);
    assert!(codes(run(1, "2021-07-01", "comirnaty", &gone, &[])).is_empty(), "a late record before the flag is fine");
}

#[test]
fn months_of_age() {
    assert_eq!(age_months(d("2020-01-31"), d("2020-07-30")), Some(5));
    assert_eq!(age_months(d("2020-01-31"), d("2020-07-31")), Some(6));
    assert_eq!(age_months(d("2020-01-31"), d("2019-07-31")), None);
}
