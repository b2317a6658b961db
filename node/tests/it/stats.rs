//! The node's statistics answer on both backends: exact cells for doses around birthdays
//! (29 February included), unknown sex, 100 and over, an unmatched coupon, a dose for
//! another municipality (not counted here), and active residents only as denominators.

use crate::dose_support::*;
use crate::http_api::TestNode;
use crate::on_both_backends;
use crate::support::*;
use vrs_protocol::messages::{AgeBand, StatsRequest};
use vrs_protocol::{CivilDate, MessageId, MunicipalityCode, Sex};

/// A resident row for person `i` with a chosen birth date, sex and flag.
fn person(i: u64, birth: &str, sex: &str, flag: &str) -> String {
    let mn = vrs_protocol::MyNumber::from_body(10_000_000_000 + i).unwrap();
    format!("{},{},山田,花子,ﾔﾏﾀﾞ,ハナコ,{birth},{sex},{:010},{flag}\r\n", 1000 + i, mn.expose(), 5_000_000 + i)
}

fn band(a: u16) -> AgeBand {
    AgeBand::from_age(Some(a))
}

type Cell = (String, u8, String, u8, AgeBand, u64);

on_both_backends! {
    fn the_answer_holds_exact_cells_and_active_denominators(db) {
        let node = TestNode::start(db);
        let people = [
            person(0, "19560615", "1", ""),
            person(1, "19760229", "2", ""),
            person(2, "19500101", "0", ""),
            person(3, "19900101", "2", ""),
            person(4, "19200101", "1", ""),
        ];
        assert_eq!(node.import("", "text/csv", file(&people)).0, 200);
        let mut moved = people.to_vec();
        moved[3] = person(3, "19900101", "2", "1");
        assert_eq!(node.import("", "text/csv", file(&moved)).0, 200);
        for (i, d, on, product) in [
            (0, 1, "2021-06-14", "comirnaty"), // the day before the 65th birthday: 60-64
            (0, 2, "2021-07-05", "comirnaty"), // after it: 65-69
            (1, 1, "2021-02-28", "comirnaty"), // 29 Feb birthday, common year: still 44
            (1, 2, "2021-03-01", "comirnaty"), // 45 from 1 March
            (2, 1, "2021-06-14", "spikevax"),
            (4, 1, "2021-06-14", "comirnaty"), // 101: the top band
            (9, 1, "2021-06-20", "spikevax"),  // unmatched coupon
        ] {
            let (code, body, _) = node.post_dose(&node.staff, &dose(&ocr(i, d), on, product), None);
            assert_eq!(code, 201, "{body}");
        }
        let away = format!("11011002{:010}", 42);
        assert_eq!(node.post_dose(&node.staff, &dose(&away, "2021-06-14", "comirnaty"), None).0, 202);

        let own = MunicipalityCode::parse("131016").unwrap();
        let today = CivilDate::new(2026, 11, 21).unwrap();
        let id = MessageId::from_bytes([7; 16]);
        let all = StatsRequest { through: None };
        let a = vrs_node::stats::answer(&mut node.db.conn(), own, &all, id, today).unwrap();
        assert_eq!(a.request_id, id);
        assert!(a.validate().is_ok());
        let got: Vec<Cell> = a.doses.iter()
            .map(|c| (c.vaccinated_on.iso(), c.dose_number, c.product.clone(), c.sex.iso_code(), c.age_band, c.count))
            .collect();
        let cell = |on: &str, d: u8, p: &str, sex: u8, b: AgeBand| (on.to_owned(), d, p.to_owned(), sex, b, 1u64);
        let expect = vec![
            cell("2021-02-28", 1, "comirnaty", 2, band(44)),
            cell("2021-03-01", 2, "comirnaty", 2, band(45)),
            cell("2021-06-14", 1, "comirnaty", 1, band(64)),
            cell("2021-06-14", 1, "comirnaty", 1, band(101)),
            cell("2021-06-14", 1, "spikevax", 0, band(71)),
            cell("2021-06-20", 1, "spikevax", 0, AgeBand::UNKNOWN),
            cell("2021-07-05", 2, "comirnaty", 1, band(65)),
        ];
        assert_eq!(got, expect);

        // Denominators: the four active residents by their band today; not the one moved out.
        let pop: Vec<(Sex, AgeBand, u64)> = a.population.iter().map(|p| (p.sex, p.age_band, p.count)).collect();
        let mut want = vec![
            (Sex::Male, band(70), 1),
            (Sex::Female, band(50), 1),
            (Sex::Unknown(0), band(76), 1),
            (Sex::Male, band(106), 1),
        ];
        want.sort_by_key(|(s, b, _)| (s.iso_code(), *b));
        assert_eq!(pop, want);

        // `through` leaves later doses out.
        let june = StatsRequest { through: Some(CivilDate::new(2021, 6, 14).unwrap()) };
        let a = vrs_node::stats::answer(&mut node.db.conn(), own, &june, id, today).unwrap();
        assert_eq!(a.doses.iter().map(|c| c.count).sum::<u64>(), 5);
    }
}
