//! Leak scans: a known test population (distinctive names in kanji and kana, valid My
//! Numbers, birth dates) and a scanner that looks for any of its identifiers, in every
//! form a program could have written them, in files, directory trees and texts.

use std::path::{Path, PathBuf};
use vrs_protocol::MyNumber;

/// One person of the test population.
#[derive(Debug, Clone)]
pub struct Person {
    pub atena: String,
    pub my_number: String,
    pub family: &'static str,
    pub given: &'static str,
    pub family_kana: &'static str,
    pub given_kana: &'static str,
    /// `YYYYMMDD`.
    pub birth: String,
    pub coupon: String,
}

/// Rare names (two kanji or more, three kana or more), so that no program text, product
/// or place name contains one by accident, and no binary file holds one by chance.
const NAMES: [(&str, &str, &str, &str); 8] = [
    ("勅使河原", "朔太郎", "テシガワラ", "サクタロウ"),
    ("小鳥遊", "琥珀", "タカナシ", "コハク"),
    ("東海林", "菫子", "ショウジ", "スミレコ"),
    ("鷲ノ宮", "宗麟", "ワシノミヤ", "ソウリン"),
    ("九十九", "綾女", "ツクモ", "アヤメ"),
    ("百目鬼", "玄蕃", "ドウメキ", "ゲンバ"),
    ("月見里", "雛菊", "ヤマナシ", "ヒナギク"),
    ("四月一日", "灯里", "ワタヌキ", "アカリ"),
];

impl Person {
    /// Person `i` of the municipality whose atena numbers start at `base`.
    pub fn new(base: u64, i: usize) -> Person {
        let (family, given, family_kana, given_kana) = NAMES[i % NAMES.len()];
        let n = base + i as u64;
        let my_number = MyNumber::from_body(31_415_900_000 + n).map(|m| m.expose().to_owned()).unwrap_or_default();
        Person {
            atena: n.to_string(),
            my_number,
            family,
            given,
            family_kana,
            given_kana,
            birth: format!("19{:02}{:02}{:02}", 31 + i * 3 % 60, 1 + i % 12, 3 + i % 25),
            coupon: format!("{:010}", 7_300_000 + n),
        }
    }

    /// The birth date as `YYYY-MM-DD`.
    pub fn birth_iso(&self) -> String {
        format!("{}-{}-{}", &self.birth[..4], &self.birth[4..6], &self.birth[6..])
    }

    /// The residents CSV row; odd people have their kana written half-width, as many
    /// municipal systems export it.
    pub fn csv_row(&self, i: usize) -> String {
        let kana = |k: &str| if i % 2 == 1 { half_width(k) } else { k.to_owned() };
        let sex = if i.is_multiple_of(2) { 1 } else { 2 };
        format!(
            "{},{},{},{},{},{},{},{sex},{},\r\n",
            self.atena,
            self.my_number,
            self.family,
            self.given,
            kana(self.family_kana),
            kana(self.given_kana),
            self.birth,
            self.coupon
        )
    }

    /// The names and birth dates that must never leak, each with a label for the report
    /// (the My Number has forms of its own: [`Scanner::my_number`]).
    pub fn names_and_dates(&self) -> Vec<(String, String)> {
        let b = &self.birth;
        let mut out = vec![
            ("family name".to_owned(), self.family.to_owned()),
            ("given name".to_owned(), self.given.to_owned()),
            ("family kana".to_owned(), self.family_kana.to_owned()),
            ("given kana".to_owned(), self.given_kana.to_owned()),
            ("family kana (half-width)".to_owned(), half_width(self.family_kana)),
            ("given kana (half-width)".to_owned(), half_width(self.given_kana)),
            ("birth date".to_owned(), self.birth_iso()),
            ("birth date".to_owned(), format!("{}/{}/{}", &b[..4], &b[4..6], &b[6..])),
        ];
        out.push(("full name".to_owned(), format!("{}{}", self.family, self.given)));
        out
    }
}

/// The residents CSV (header, CRLF) of `people`.
pub fn residents_csv(people: &[Person]) -> String {
    let mut csv =
        "個別宛名番号,マイナンバー,氏名(姓),氏名(名),氏名(セイ),氏名(メイ),生年月日,性別,券番号,転出/死亡フラグ\r\n"
            .to_owned();
    people.iter().enumerate().for_each(|(i, p)| csv.push_str(&p.csv_row(i)));
    csv
}

/// Full-width katakana to half-width (the characters the test names use).
fn half_width(kana: &str) -> String {
    const FULL: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";
    const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
    const SEMI: &str = "パピプペポ";
    let voiced_base = "カキクケコサシスセソタチツテトハヒフヘホ";
    let semi_base = "ハヒフヘホ";
    let mut out = String::new();
    for c in kana.chars() {
        if let Some(i) = FULL.chars().position(|f| f == c) {
            out.push(HALF.chars().nth(i).unwrap_or(c));
        } else if let Some(i) = VOICED.chars().position(|f| f == c) {
            out.push_str(&half_width(&voiced_base.chars().nth(i).map(String::from).unwrap_or_default()));
            out.push('ﾞ');
        } else if let Some(i) = SEMI.chars().position(|f| f == c) {
            out.push_str(&half_width(&semi_base.chars().nth(i).map(String::from).unwrap_or_default()));
            out.push('ﾟ');
        } else if c == 'ー' {
            out.push('ｰ');
        } else if let Some(i) = "ァィゥェォャュョッ".chars().position(|f| f == c) {
            out.push("ｧｨｩｪｫｬｭｮｯ".chars().nth(i).unwrap_or(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// One thing found where it must not be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub place: String,
    pub what: String,
    pub value: String,
}

/// Needles (label, value, bytes) searched for in everything it is given, all at once
/// (Aho-Corasick: a database file is read once, not once per identifier).
#[derive(Debug, Default)]
pub struct Scanner {
    needles: Vec<Needle>,
    pub hits: Vec<Hit>,
    /// Places scanned and their sizes, for the report.
    pub scanned: Vec<(String, usize)>,
}

#[derive(Debug)]
struct Needle {
    what: String,
    value: String,
    bytes: Vec<u8>,
    /// Only where no ASCII digit is right before or after (eight digits occur by chance
    /// inside the long digit runs of timestamps).
    whole_number: bool,
}

impl Scanner {
    /// Looks for `value` as UTF-8.
    pub fn text(&mut self, what: &str, value: &str) {
        self.push(what, value, value.as_bytes().to_vec(), false);
    }

    /// Looks for the digits `value` where they stand as a whole number.
    pub fn whole_number(&mut self, what: &str, value: &str) {
        self.push(what, value, value.as_bytes().to_vec(), true);
    }

    /// Looks for a My Number in every form a program could have written it: ASCII,
    /// UTF-16 (either order), and as an integer (SQLite stores one big-endian in 6 or 8
    /// bytes; a little-endian u64 is what a careless binary format would write).
    pub fn my_number(&mut self, value: &str) {
        let n: u64 = value.parse().unwrap_or_default();
        self.push("My Number", value, value.as_bytes().to_vec(), false);
        let forms = [
            ("UTF-16LE", value.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>()),
            ("UTF-16BE", value.encode_utf16().flat_map(u16::to_be_bytes).collect()),
            ("64-bit integer", n.to_be_bytes().to_vec()),
            ("48-bit integer", n.to_be_bytes()[2..].to_vec()),
            ("little-endian integer", n.to_le_bytes().to_vec()),
        ];
        for (form, bytes) in forms {
            self.push(&format!("My Number ({form})"), value, bytes, false);
        }
    }

    fn push(&mut self, what: &str, value: &str, bytes: Vec<u8>, whole_number: bool) {
        self.needles.push(Needle { what: what.to_owned(), value: value.to_owned(), bytes, whole_number });
    }

    /// Every identifier of `people`: My Numbers in all forms, names in kanji and kana
    /// (full- and half-width), birth dates as written in and out of the system.
    pub fn for_people(people: &[Person]) -> Scanner {
        let mut s = Scanner::default();
        for p in people {
            s.my_number(&p.my_number);
            for (what, value) in p.names_and_dates() {
                s.text(&what, &value);
            }
            s.whole_number("birth date (YYYYMMDD)", &p.birth);
        }
        s
    }

    /// Keeps only the needles whose label `keep` accepts.
    pub fn only(mut self, keep: impl Fn(&str) -> bool) -> Scanner {
        self.needles.retain(|n| keep(&n.what));
        self
    }

    /// Searches for the coupon numbers of `people` (personal on the coordinator's side).
    pub fn coupons(people: &[Person]) -> Scanner {
        let mut s = Scanner::default();
        people.iter().for_each(|p| s.text("coupon", &p.coupon));
        s
    }

    /// Scans `bytes`, reporting hits (once per needle and place) as found in `place`.
    pub fn scan(&mut self, place: &str, bytes: &[u8]) {
        self.scanned.push((place.to_owned(), bytes.len()));
        let Ok(ac) = aho_corasick::AhoCorasick::new(self.needles.iter().map(|n| &n.bytes)) else { return };
        let mut found = vec![false; self.needles.len()];
        for m in ac.find_overlapping_iter(bytes) {
            let needle = &self.needles[m.pattern().as_usize()];
            let digit_at = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_some_and(u8::is_ascii_digit);
            if !needle.whole_number || !(digit_at(m.start().checked_sub(1)) || digit_at(Some(m.end()))) {
                found[m.pattern().as_usize()] = true;
            }
        }
        for (needle, _) in self.needles.iter().zip(found).filter(|(_, f)| *f) {
            let hit = Hit { place: place.to_owned(), what: needle.what.clone(), value: needle.value.clone() };
            // People may share a name: report it once.
            if !self.hits.contains(&hit) {
                self.hits.push(hit);
            }
        }
    }

    /// Scans every file under `dir` (recursively) that `keep` accepts.
    pub fn scan_tree(&mut self, dir: &Path, keep: impl Fn(&Path) -> bool + Copy) -> std::io::Result<()> {
        for path in files_under(dir)? {
            if keep(&path) {
                let bytes = std::fs::read(&path)?;
                self.scan(&path.display().to_string(), &bytes);
            }
        }
        Ok(())
    }

    /// A readable report of the hits, one a line.
    pub fn report(&self) -> String {
        self.hits.iter().map(|h| format!("{} ({}) in {}", h.what, h.value, h.place)).collect::<Vec<_>>().join("\n")
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_population_is_valid_and_the_scanner_finds_each_form() {
        let people: Vec<Person> = (0..8).map(|i| Person::new(5_000, i)).collect();
        for p in &people {
            assert!(MyNumber::parse(&p.my_number).is_ok(), "{}", p.my_number);
            assert!(vrs_protocol::CivilDate::parse_iso(&p.birth_iso()).is_ok(), "{}", p.birth);
        }
        assert_eq!(half_width("テシガワラ"), "ﾃｼｶﾞﾜﾗ");
        assert_eq!(half_width("ドウメキ"), "ﾄﾞｳﾒｷ");
        let p = &people[3];
        let mut s = Scanner::for_people(&people);
        s.scan("clean", b"nothing here 2021-06-01 1767225600000");
        assert!(s.hits.is_empty(), "{}", s.report());
        s.scan("log", format!("user searched {}", p.family_kana).as_bytes());
        s.scan("db", &p.my_number.parse::<u64>().unwrap().to_be_bytes()[2..]);
        s.scan("digits", format!("ts=1{}5", p.birth).as_bytes());
        s.scan("date", format!("born {} ok", p.birth).as_bytes());
        let places: Vec<&str> = s.hits.iter().map(|h| h.place.as_str()).collect();
        assert_eq!(places, ["log", "db", "date"], "{}", s.report());
    }
}
