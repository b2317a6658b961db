//! Which codes are real municipalities, so that `enroll` refuses a code that passes its
//! check digit but names no one (東京都 130001, a typo). The master (code4fukui/localgovjp,
//! CC0) is the node's file, embedded here at build time rather than moved: one copy in
//! the repository, and the node's crate is not touched by the coordinator's work.

use std::collections::HashMap;
use std::sync::OnceLock;
use vrs_protocol::MunicipalityCode;

const MASTER_CSV: &str = include_str!("../../node/data/municipalities.csv");

#[derive(Debug, Clone)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    /// 2-digit prefecture code (JIS X 0401, `"13"`) and the prefecture's name.
    pub prefecture: String,
    pub prefecture_name: String,
    /// A ward of a designated city (札幌市 中央区): the city itself runs the node.
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
                let m = Municipality {
                    code,
                    name: f.get(3)?.to_string(),
                    prefecture: f.get(1)?.to_string(),
                    prefecture_name: f.get(2)?.to_string(),
                    ward: f.get(5) == Some(&"1"),
                };
                Some((code, m))
            })
            .collect()
    })
}

/// Every prefecture in the master: code → name, in code order.
pub fn prefectures() -> &'static std::collections::BTreeMap<String, String> {
    static PREFECTURES: OnceLock<std::collections::BTreeMap<String, String>> = OnceLock::new();
    PREFECTURES.get_or_init(|| master().values().map(|m| (m.prefecture.clone(), m.prefecture_name.clone())).collect())
}

pub fn lookup(code: MunicipalityCode) -> Option<&'static Municipality> {
    master().get(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_master_has_every_municipality_and_refuses_prefectures() {
        assert_eq!(master().values().filter(|m| !m.ward).count(), 1741);
        assert_eq!(lookup(MunicipalityCode::parse("131016").unwrap()).unwrap().name, "千代田区");
        assert!(lookup(MunicipalityCode::parse("130001").unwrap()).is_none());
        assert_eq!(lookup(MunicipalityCode::parse("011002").unwrap()).unwrap().prefecture, "01");
        assert_eq!(prefectures().len(), 47);
        assert_eq!(prefectures()["13"], "東京都");
    }
}
