//! Reading a bulk inquiry file: CSV rows `municipality,my_number`, header optional. A bad
//! row becomes a row with its reason (a result, never a reason to drop the batch); only a
//! file that cannot be read as rows at all, or one with too many rows, is refused whole.

use vrs_protocol::{MunicipalityCode, MyNumber};

/// One data row and what can be said about it before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRow {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    pub subject: RowSubject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowSubject {
    Ask {
        to: MunicipalityCode,
        my_number: MyNumber,
    },
    /// Not askable; `column` names the field at fault, `reason` the rule (never the value).
    Invalid {
        to: Option<MunicipalityCode>,
        column: &'static str,
        reason: &'static str,
    },
}

impl BulkRow {
    /// The municipality of a row, when it is a valid code (only then is it echoed back:
    /// a malformed field could be a My Number in the wrong column).
    pub fn municipality(&self) -> Option<MunicipalityCode> {
        match &self.subject {
            RowSubject::Ask { to, .. } => Some(*to),
            RowSubject::Invalid { to, .. } => *to,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkFileError {
    #[error("the file has no data rows")]
    Empty,
    #[error("the file has more than {max} rows; split it")]
    TooManyRows { max: usize },
    #[error("line {line}: the file cannot be read as CSV")]
    Unreadable { line: u64 },
}

/// Parses `bytes` (UTF-8 or ASCII; only digits are meaningful in either column). Rows are
/// lines: a field cannot span lines in this file, so line numbers are the file's own.
pub fn parse(bytes: &[u8], max_rows: usize) -> Result<Vec<BulkRow>, BulkFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.trim_ascii().is_empty() {
            continue;
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(raw);
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) | Err(_) => return Err(BulkFileError::Unreadable { line }),
        }
        if line == 1 && is_header(&record) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(BulkFileError::TooManyRows { max: max_rows });
        }
        rows.push(BulkRow { line, subject: subject(&record) });
    }
    if rows.is_empty() { Err(BulkFileError::Empty) } else { Ok(rows) }
}

/// A first line without a single digit is a header (`municipality,my_number`, or the same
/// in Japanese); a first line with digits is data, so a bad first row is reported, not
/// taken for a header.
fn is_header(record: &csv::ByteRecord) -> bool {
    !record.iter().any(|f| f.iter().any(u8::is_ascii_digit))
}

fn subject(record: &csv::ByteRecord) -> RowSubject {
    let field = |i: usize| record.get(i).map(<[u8]>::trim_ascii).and_then(|f| std::str::from_utf8(f).ok());
    let to = field(0).and_then(|m| MunicipalityCode::parse(m).ok());
    if record.len() != 2 {
        return RowSubject::Invalid { to, column: "row", reason: "a row has two fields: municipality,my_number" };
    }
    let Some(to) = to else {
        return RowSubject::Invalid {
            to: None,
            column: "municipality",
            reason: "municipality must be a 6-digit code with a valid check digit",
        };
    };
    match field(1).map(MyNumber::parse) {
        Some(Ok(my_number)) => RowSubject::Ask { to, my_number },
        _ => RowSubject::Invalid {
            to: Some(to),
            column: "my_number",
            reason: "my_number must be 12 digits with a valid check digit",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "123456789018";

    fn code(s: &str) -> MunicipalityCode {
        MunicipalityCode::parse(s).unwrap()
    }

    #[test]
    fn header_is_optional_and_lines_are_counted_from_the_file() {
        let with = parse(format!("municipality,my_number\n131016,{GOOD}\n\n141003,{GOOD}\n").as_bytes(), 10).unwrap();
        assert_eq!(with.len(), 2);
        assert_eq!((with[0].line, with[1].line), (2, 4));
        assert_eq!(with[1].subject, RowSubject::Ask { to: code("141003"), my_number: MyNumber::parse(GOOD).unwrap() });
        let without = parse(format!("\u{feff}131016,{GOOD}\r\n").as_bytes(), 10).unwrap();
        assert_eq!(without[0].line, 1);
        assert!(matches!(without[0].subject, RowSubject::Ask { .. }));
        let japanese = parse(format!("市区町村コード,個人番号\n131016,{GOOD}\n").as_bytes(), 10).unwrap();
        assert_eq!(japanese.len(), 1);
    }

    #[test]
    fn each_bad_row_says_which_column_and_never_echoes_a_wrong_column() {
        let file = format!("131017,{GOOD}\n131016,123456789012\n131016\n{GOOD},131016\n131016,{GOOD},x\n");
        let rows = parse(file.as_bytes(), 10).unwrap();
        let columns: Vec<_> = rows
            .iter()
            .map(|r| match &r.subject {
                RowSubject::Invalid { column, .. } => *column,
                RowSubject::Ask { .. } => "ok",
            })
            .collect();
        assert_eq!(columns, ["municipality", "my_number", "row", "municipality", "row"]);
        assert_eq!(rows[3].municipality(), None, "a My Number in the municipality column is not echoed");
        assert_eq!(rows[1].municipality(), Some(code("131016")));
    }

    #[test]
    fn whole_file_refusals() {
        assert_eq!(parse(b"", 10), Err(BulkFileError::Empty));
        assert_eq!(parse(b"municipality,my_number\n", 10), Err(BulkFileError::Empty));
        let three = format!("131016,{GOOD}\n").repeat(3);
        assert_eq!(parse(three.as_bytes(), 2), Err(BulkFileError::TooManyRows { max: 2 }));
        assert_eq!(parse(three.as_bytes(), 3).unwrap().len(), 3);
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(rows) = parse(&bytes, 50) {
                prop_assert!(!rows.is_empty() && rows.len() <= 50);
                prop_assert!(rows.windows(2).all(|w| w[0].line < w[1].line));
            }
        }

        #[test]
        fn generated_rows_come_back_in_order(bodies in proptest::collection::vec(0u64..100_000_000_000, 1..40),
                                             header in any::<bool>()) {
            let numbers: Vec<MyNumber> = bodies.iter().map(|b| MyNumber::from_body(*b).unwrap()).collect();
            let mut file = if header { "municipality,my_number\n".to_owned() } else { String::new() };
            for n in &numbers {
                file.push_str(&format!("131016,{}\n", n.expose()));
            }
            let rows = parse(file.as_bytes(), 100).unwrap();
            prop_assert_eq!(rows.len(), numbers.len());
            for (i, (row, n)) in rows.iter().zip(&numbers).enumerate() {
                prop_assert_eq!(row.line, i as u64 + 1 + u64::from(header));
                prop_assert_eq!(&row.subject, &RowSubject::Ask { to: code("131016"), my_number: n.clone() });
            }
        }
    }
}
