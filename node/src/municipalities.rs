//! The municipality master (code4fukui/localgovjp, CC0), shipped in `data/` and embedded.
//! It decides which codes are real and maps a code to its prefecture.

use std::collections::HashMap;
use std::sync::OnceLock;
use vrs_protocol::MunicipalityCode;

const MASTER_CSV: &str = include_str!("../data/municipalities.csv");

#[derive(Debug, Clone)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub prefecture_code: String,
    pub prefecture: String,
    pub name: String,
    /// A ward of a designated city (札幌市 中央区); the city itself runs the node.
    pub ward: bool,
}

fn master() -> &'static HashMap<MunicipalityCode, Municipality> {
    static MASTER: OnceLock<HashMap<MunicipalityCode, Municipality>> = OnceLock::new();
    MASTER.get_or_init(|| {
        MASTER_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let code = MunicipalityCode::parse(f.first()?).ok()?;
                Some((
                    code,
                    Municipality {
                        code,
                        prefecture_code: f.get(1)?.to_string(),
                        prefecture: f.get(2)?.to_string(),
                        name: f.get(3)?.to_string(),
                        ward: f.get(5) == Some(&"1"),
                    },
                ))
            })
            .collect()
    })
}

pub fn lookup(code: MunicipalityCode) -> Option<&'static Municipality> {
    master().get(&code)
}

pub fn all() -> impl Iterator<Item = &'static Municipality> {
    master().values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_valid_code_and_the_count_matches_japan() {
        let rows = MASTER_CSV.lines().skip(1).count();
        assert_eq!(master().len(), rows, "a row failed its check digit");
        assert_eq!(all().filter(|m| !m.ward).count(), 1741);
    }

    #[test]
    fn known_codes() {
        let chiyoda = lookup(MunicipalityCode::parse("131016").unwrap()).unwrap();
        assert_eq!(chiyoda.name, "千代田区");
        assert_eq!(chiyoda.prefecture_code, "13");
        // 東京都 itself is a valid code by check digit but not a municipality.
        assert!(lookup(MunicipalityCode::parse("130001").unwrap()).is_none());
    }
}
