//! CSV framing (RFC 4180 quoting only where needed, CRLF) and the buffered, encoding
//! output sink (UTF-8 as is, CP932 through encoding_rs).

use crate::Encoding;
use encoding_rs::SHIFT_JIS;
use std::io::{self, Write};

/// Number of columns in the residents CSV.
pub(crate) const COLUMNS: usize = 10;

/// Which fields a row writes: all ten, all but one (by index), or one extra empty field.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Full,
    Without(usize),
    WithExtra,
}

/// One row's field values, reused from row to row so generation does not allocate.
pub(crate) struct Row {
    pub(crate) fields: [String; COLUMNS],
    pub(crate) shape: Shape,
}

impl Row {
    pub(crate) fn new() -> Self {
        Row { fields: Default::default(), shape: Shape::Full }
    }

    pub(crate) fn clear(&mut self) {
        for f in &mut self.fields {
            f.clear();
        }
        self.shape = Shape::Full;
    }

    /// Appends the row, CSV-framed and CRLF-terminated, to `out`.
    pub(crate) fn push_to(&self, out: &mut String) {
        let mut first = true;
        for (i, f) in self.fields.iter().enumerate() {
            if self.shape == Shape::Without(i) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            push_field(out, f);
        }
        if self.shape == Shape::WithExtra {
            out.push(',');
        }
        out.push_str("\r\n");
    }
}

/// Appends one field, quoted (with doubled quotes) only if it contains `,` `"` CR or LF.
pub(crate) fn push_field(out: &mut String, f: &str) {
    if f.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.push('"');
        for c in f.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(f);
    }
}

/// Appends `v` in decimal, left-padded with zeros to at least `width` digits.
pub(crate) fn push_padded(out: &mut String, v: u128, width: usize) {
    let mut buf = [b'0'; 40];
    let end = buf.len();
    let mut pos = match u64::try_from(v) {
        // 64-bit division is several times cheaper than 128-bit.
        Ok(v) => write_digits(&mut buf, end, v),
        Err(_) => {
            const E19: u128 = 10_000_000_000_000_000_000;
            write_digits(&mut buf, end, (v % E19) as u64);
            write_digits(&mut buf, end - 19, (v / E19) as u64)
        }
    };
    pos = pos.min(end - width.min(end));
    out.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or_default());
}

/// Writes `v`'s decimal digits ending just before `end`; returns where they start.
fn write_digits(buf: &mut [u8; 40], end: usize, mut v: u64) -> usize {
    let mut pos = end;
    loop {
        pos -= 1;
        buf[pos] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return pos;
        }
    }
}

/// Text is gathered in UTF-8 and handed to the writer (encoded if needed) in chunks of
/// about this many bytes: large writes, constant memory.
const CHUNK: usize = 1 << 16;

pub(crate) struct Sink<W: Write> {
    out: W,
    encoding: Encoding,
    text: String,
    bytes: Vec<u8>,
    cp932: Cp932,
}

impl<W: Write> Sink<W> {
    pub(crate) fn new(out: W, encoding: Encoding) -> Self {
        Sink { out, encoding, text: String::with_capacity(CHUNK + 4096), bytes: Vec::new(), cp932: Cp932::default() }
    }

    /// The pending text; append whole rows, then call [`Sink::maybe_flush`].
    pub(crate) fn text(&mut self) -> &mut String {
        &mut self.text
    }

    pub(crate) fn maybe_flush(&mut self) -> io::Result<()> {
        if self.text.len() >= CHUNK { self.flush_chunk() } else { Ok(()) }
    }

    /// Writes what is pending and flushes the writer.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.flush_chunk()?;
        self.out.flush()
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.text.is_empty() {
            return Ok(());
        }
        match self.encoding {
            Encoding::Utf8 => self.out.write_all(self.text.as_bytes())?,
            Encoding::Cp932 => {
                self.bytes.clear();
                self.cp932.encode(&self.text, &mut self.bytes)?;
                self.out.write_all(&self.bytes)?;
            }
        }
        self.text.clear();
        Ok(())
    }
}

/// A CP932 encoder memoising encoding_rs's answer per character. The generated text uses
/// a few hundred distinct characters, and encoding_rs (without its `fast-kanji-encode`
/// feature, which would grow every binary in the workspace) searches its index for each
/// kanji; a table lookup is several times faster.
#[derive(Default)]
struct Cp932 {
    /// Indexed by BMP code point: 0 = not seen yet, below 0x100 = one byte (half-width
    /// katakana), otherwise lead byte << 8 | trail byte.
    table: Vec<u16>,
}

impl Cp932 {
    fn encode(&mut self, text: &str, out: &mut Vec<u8>) -> io::Result<()> {
        if self.table.is_empty() {
            self.table = vec![0; 0x1_0000];
        }
        out.reserve(text.len());
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c as u8);
                continue;
            }
            let slot = self.table.get_mut(c as usize);
            let code = match slot {
                Some(code) if *code != 0 => *code,
                _ => {
                    let code = encode_char(c)?;
                    if let Some(slot) = self.table.get_mut(c as usize) {
                        *slot = code;
                    }
                    code
                }
            };
            if code < 0x100 {
                out.push(code as u8);
            } else {
                out.extend_from_slice(&code.to_be_bytes());
            }
        }
        Ok(())
    }
}

/// One non-ASCII character in CP932 (one or two bytes, as a `u16`).
fn encode_char(c: char) -> io::Result<u16> {
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    match (unmappable, &bytes[..]) {
        (false, [b]) if *b != 0 => Ok(u16::from(*b)),
        (false, [lead, trail]) => Ok(u16::from_be_bytes([*lead, *trail])),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("U+{:04X} cannot be written in CP932", u32::from(c)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_only_when_needed() {
        let mut s = String::new();
        push_field(&mut s, "山田");
        push_field(&mut s, "=HYPERLINK(\"x\",\"y\")");
        assert_eq!(s, "山田\"=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
    }

    #[test]
    fn padding() {
        let mut s = String::new();
        push_padded(&mut s, 42, 10);
        s.push(' ');
        push_padded(&mut s, 123_456, 2);
        s.push(' ');
        push_padded(&mut s, 0, 0);
        s.push(' ');
        push_padded(&mut s, u128::from(u64::MAX) * 1000 + 7, 1);
        s.push(' ');
        push_padded(&mut s, 10_000_000_000_000_000_000, 1);
        assert_eq!(s, "0000000042 123456 0 18446744073709551615007 10000000000000000000");
    }

    #[test]
    fn shapes() {
        let mut r = Row::new();
        for (i, f) in r.fields.iter_mut().enumerate() {
            f.push_str(&i.to_string());
        }
        let mut s = String::new();
        r.push_to(&mut s);
        r.shape = Shape::Without(3);
        r.push_to(&mut s);
        r.shape = Shape::WithExtra;
        r.push_to(&mut s);
        assert_eq!(s, "0,1,2,3,4,5,6,7,8,9\r\n0,1,2,4,5,6,7,8,9\r\n0,1,2,3,4,5,6,7,8,9,\r\n");
    }

    #[test]
    fn cp932_matches_encoding_rs() {
        let text = "佐藤,ｻﾄｳ,タロウ,髙橋,①,ー～,¥,ab\r\n".repeat(3);
        let mut sink = Sink::new(Vec::new(), Encoding::Cp932);
        sink.text().push_str(&text);
        sink.flush_chunk().unwrap();
        let (expected, _, unmappable) = SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        assert_eq!(sink.out, &expected[..]);
    }

    #[test]
    fn unmappable_is_an_error() {
        let mut sink = Sink::new(Vec::new(), Encoding::Cp932);
        sink.text().push_str("𠮷野\r\n");
        assert_eq!(sink.finish().unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
