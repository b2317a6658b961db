//! Turning request or file bytes into decoded CSV fields: encoding detection, a bound on
//! line length (so a 50 MB field cannot exhaust memory), and byte counting for progress.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest physical line accepted. Real rows are under 300 bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// How much of the file is inspected to tell UTF-8 from CP932.
const SNIFF_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    ShiftJis,
}

impl Charset {
    /// Reads a `charset=` parameter value.
    pub fn from_label(label: &str) -> Option<Charset> {
        match label.trim().trim_matches('"').to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "shift_jis" | "shift-jis" | "sjis" | "cp932" | "windows-31j" | "ms932" => Some(Charset::ShiftJis),
            _ => None,
        }
    }

    /// Decodes one field; `None` when the bytes are not valid in this encoding.
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            // encoding_rs's Shift_JIS is the WHATWG one, i.e. Windows-31J (CP932).
            Charset::ShiftJis => encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes),
        }
    }
}

/// Reads the start of `input`, decides the encoding (a declared one wins; else a UTF-8 BOM;
/// else whichever of UTF-8 and CP932 decodes the first 64 KiB with fewer errors, UTF-8 on
/// a tie) and returns a reader that yields the whole input again without the BOM.
pub fn sniff<R: Read>(mut input: R, declared: Option<Charset>) -> io::Result<(Charset, impl Read)> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut input).take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let charset = declared.unwrap_or(if bom || utf8_fits_better(&head) { Charset::Utf8 } else { Charset::ShiftJis });
    if bom && charset == Charset::Utf8 {
        head.drain(..3);
    }
    Ok((charset, io::Cursor::new(head).chain(input)))
}

/// UTF-8 unless the sample has more broken UTF-8 than valid multi-byte characters would
/// explain: one bad byte in a UTF-8 file must not make the whole file CP932, and CP932
/// text forms valid multi-byte UTF-8 only by rare accident.
fn utf8_fits_better(sample: &[u8]) -> bool {
    // Cut at the last newline so a character split by the sample's end is not an error.
    let cut = sample.iter().rposition(|b| *b == b'\n').map_or(sample.len(), |i| i + 1);
    let (mut multibyte, mut broken) = (0usize, 0usize);
    for chunk in sample[..cut].utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    broken == 0 || multibyte > 4 * broken
}

/// Where the newlines of the stream are, so a record's byte offset can be turned into
/// its physical line. (The csv crate's own line count is off after CRLF and blank lines.)
#[derive(Default)]
pub struct NewlineIndex {
    /// Offsets of CR and LF bytes not yet passed, and whether each is an LF.
    pending: VecDeque<(u64, bool)>,
    passed: u64,
}

impl NewlineIndex {
    /// The 1-based physical line of a record that the csv reader says starts at `byte`.
    /// Offsets must be asked in increasing order. The csv reader reports a record after a
    /// CRLF or blank lines as starting on those line-end bytes, so a run of CR/LF bytes
    /// right at `byte` is passed over too.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        let mut cursor = byte;
        while let Some(&(at, lf)) = self.pending.front() {
            if at > cursor {
                break;
            }
            if at == cursor {
                cursor += 1;
            }
            self.pending.pop_front();
            self.passed += u64::from(lf);
        }
        self.passed + 1
    }
}

/// Records the offset of every newline that passes through.
pub struct NewlineTracker<R> {
    inner: R,
    pos: u64,
    pub index: Rc<RefCell<NewlineIndex>>,
}

impl<R: Read> NewlineTracker<R> {
    pub fn new(inner: R) -> Self {
        NewlineTracker { inner, pos: 0, index: Rc::default() }
    }
}

impl<R: Read> Read for NewlineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.index.borrow_mut();
        // memchr finds the line ends a vector at a time; a loop over every byte here was
        // ~6% of an import's parser thread.
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            index.pending.push_back((self.pos + i as u64, buf[i] == b'\n'));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Fails the read when a line grows past `max` bytes, naming the line. Also counts bytes.
pub struct LineGuard<R> {
    inner: R,
    since_newline: usize,
    newlines: u64,
    max: usize,
    pub bytes: Arc<AtomicU64>,
}

#[derive(Debug, thiserror::Error)]
#[error("line {line} is longer than {max} bytes")]
pub struct LineTooLong {
    pub line: u64,
    pub max: usize,
}

impl<R: Read> LineGuard<R> {
    pub fn new(inner: R, max: usize) -> Self {
        LineGuard { inner, since_newline: 0, newlines: 0, max, bytes: Arc::new(AtomicU64::new(0)) }
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Line by line with memchr, as in NewlineTracker.
        let mut line_start = 0;
        for newline in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.check(newline - line_start)?;
            self.newlines += 1;
            self.since_newline = 0;
            line_start = newline + 1;
        }
        self.check(n - line_start)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R> LineGuard<R> {
    /// Adds `more` bytes to the current line, failing if it is then longer than `max`.
    fn check(&mut self, more: usize) -> io::Result<()> {
        self.since_newline += more;
        if self.since_newline > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong { line: self.newlines + 1, max: self.max },
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Just;

    fn detect(bytes: &[u8]) -> (Charset, Vec<u8>) {
        let (cs, mut r) = sniff(bytes, None).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (cs, out)
    }

    #[test]
    fn detection() {
        assert_eq!(detect("山田\n".as_bytes()), (Charset::Utf8, "山田\n".as_bytes().to_vec()));
        assert_eq!(detect(b"\xEF\xBB\xBFa\n"), (Charset::Utf8, b"a\n".to_vec()));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("山田,ヤマダ\n");
        assert_eq!(detect(&sjis).0, Charset::ShiftJis);
        assert_eq!(Charset::ShiftJis.decode(&sjis).unwrap(), "山田,ヤマダ\n");
        assert!(Charset::ShiftJis.decode(b"\x81").is_none());
        assert!(Charset::Utf8.decode(b"\xff").is_none());
    }

    #[test]
    fn guard_names_the_long_line() {
        let mut text = b"a\nb\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        let mut out = Vec::new();
        let err = LineGuard::new(&text[..], 50).read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    fn lines_of(data: &str) -> Vec<u64> {
        let tracker = NewlineTracker::new(data.as_bytes());
        let index = tracker.index.clone();
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(tracker);
        let mut rec = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            lines.push(index.borrow_mut().line_at(rec.position().unwrap().byte()));
        }
        lines
    }

    #[test]
    fn physical_lines_with_crlf_blank_lines_and_quoted_newlines() {
        assert_eq!(lines_of("h\r\na\r\nb\r\n\"c\nd\"\r\ne\r\n"), vec![1, 2, 3, 4, 6]);
        assert_eq!(lines_of("h\na\n\nb\n"), vec![1, 2, 4]);
        assert_eq!(lines_of("h\r\n\r\na"), vec![1, 3]);
        assert_eq!(lines_of("h\r\n\r\n\n\r\na\rb"), vec![1, 5, 5]);
    }

    /// Hands out the input in pieces of the given sizes, as a socket or a BufReader might.
    struct Pieces<'a> {
        data: &'a [u8],
        sizes: std::iter::Cycle<std::vec::IntoIter<usize>>,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.sizes.next().unwrap_or(1).min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Short runs of line ends and other bytes, in any mix.
    fn line_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'x')], 0..400)
    }

    proptest::proptest! {
        /// The guard fails exactly when some line is longer than `max`, naming the first
        /// such line, and otherwise passes every byte through and counts it.
        #[test]
        fn guard_fails_on_the_first_long_line_only(
            data in line_bytes(),
            max in 1usize..30,
            sizes in proptest::collection::vec(1usize..50, 1..5),
        ) {
            let first_long = data.split(|b| *b == b'\n').position(|line| line.len() > max).map(|i| i as u64 + 1);
            let mut guard = LineGuard::new(Pieces { data: &data, sizes: sizes.into_iter().cycle() }, max);
            let mut out = Vec::new();
            match (guard.read_to_end(&mut out), first_long) {
                (Ok(_), None) => {
                    proptest::prop_assert_eq!(&out, &data);
                    proptest::prop_assert_eq!(guard.bytes.load(Ordering::Relaxed), data.len() as u64);
                }
                (Err(e), Some(line)) => {
                    let long = e.get_ref().and_then(|i| i.downcast_ref::<LineTooLong>()).expect("a LineTooLong");
                    proptest::prop_assert_eq!(long.line, line);
                }
                (got, want) => proptest::prop_assert!(false, "read {:?}, first long line {:?}", got.map(|_| ()), want),
            }
        }

        /// The tracker records every CR and LF at its offset in the stream, however the
        /// reads split it.
        #[test]
        fn tracker_records_every_line_end(
            data in line_bytes(),
            sizes in proptest::collection::vec(1usize..50, 1..5),
        ) {
            let mut tracker = NewlineTracker::new(Pieces { data: &data, sizes: sizes.into_iter().cycle() });
            let index = tracker.index.clone();
            let mut out = Vec::new();
            tracker.read_to_end(&mut out).expect("read");
            let want: Vec<(u64, bool)> = data
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(b, b'\n' | b'\r'))
                .map(|(i, b)| (i as u64, *b == b'\n'))
                .collect();
            let got: Vec<(u64, bool)> = index.borrow().pending.iter().copied().collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn one_bad_byte_does_not_make_utf8_cp932() {
        let mut text = "山田,ヤマダ\n".repeat(20).into_bytes();
        text[5] = 0xff;
        assert_eq!(detect(&text).0, Charset::Utf8);
    }

    #[test]
    fn labels() {
        assert_eq!(Charset::from_label("Shift_JIS"), Some(Charset::ShiftJis));
        assert_eq!(Charset::from_label("utf-8"), Some(Charset::Utf8));
        assert_eq!(Charset::from_label("latin1"), None);
    }
}
