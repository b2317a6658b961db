//! The archive inside a backup, gzip-compressed before it is encrypted:
//!
//! ```text
//! "VRSARCH1" | entries: u16 path length | path (UTF-8) | u64 size | bytes | ... | u16 0
//! ```
//!
//! The first entry is `manifest.json`. Paths are relative, `/`-separated, of letters,
//! digits, `.`, `_` and `-` only, with no `..`: a restore can never write outside the data
//! dir it restores into, whatever the archive says.

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{self, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"VRSARCH1";
const MAX_PATH: usize = 255;

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("backup archive: {msg}"))
}

/// Whether `p` is a path a backup may hold.
pub fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= MAX_PATH
        && p.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

pub struct ArchiveWriter<W: Write> {
    out: GzEncoder<W>,
}

impl<W: Write> ArchiveWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        // Level 3: most of level 9's gain on a database at a fraction of its time.
        let mut out = GzEncoder::new(out, Compression::new(3));
        out.write_all(MAGIC)?;
        Ok(ArchiveWriter { out })
    }

    fn header(&mut self, path: &str, size: u64) -> io::Result<()> {
        if !valid_path(path) {
            return Err(bad("invalid path"));
        }
        let len = u16::try_from(path.len()).map_err(|_| bad("path too long"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(path.as_bytes())?;
        self.out.write_all(&size.to_be_bytes())
    }

    pub fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.header(path, bytes.len() as u64)?;
        self.out.write_all(bytes)
    }

    /// Streams a file in; fails if its size changes while it is read.
    pub fn add_file(&mut self, path: &str, file: &Path) -> io::Result<u64> {
        let f = std::fs::File::open(file)?;
        let size = f.metadata()?.len();
        self.header(path, size)?;
        let copied = io::copy(&mut f.take(size), &mut self.out)?;
        if copied != size {
            return Err(bad("a file changed size while it was read"));
        }
        Ok(size)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&0u16.to_be_bytes())?;
        self.out.finish()
    }
}

pub struct ArchiveReader<R: Read> {
    input: GzDecoder<R>,
}

impl<R: Read> ArchiveReader<R> {
    pub fn new(input: R) -> io::Result<Self> {
        let mut input = GzDecoder::new(input);
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(bad("unknown format"));
        }
        Ok(ArchiveReader { input })
    }

    /// The next entry's path and size (its bytes follow: read exactly `size` of them from
    /// [`body`](Self::body)), or `None` at the end.
    pub fn next_entry(&mut self) -> io::Result<Option<(String, u64)>> {
        let mut len = [0u8; 2];
        self.input.read_exact(&mut len)?;
        let len = usize::from(u16::from_be_bytes(len));
        if len == 0 {
            let mut rest = [0u8; 1];
            return if self.input.read(&mut rest)? == 0 { Ok(None) } else { Err(bad("data after the end")) };
        }
        if len > MAX_PATH {
            return Err(bad("path too long"));
        }
        let mut path = vec![0u8; len];
        self.input.read_exact(&mut path)?;
        let path = String::from_utf8(path).map_err(|_| bad("path is not UTF-8"))?;
        if !valid_path(&path) {
            return Err(bad("invalid path"));
        }
        let mut size = [0u8; 8];
        self.input.read_exact(&mut size)?;
        Ok(Some((path, u64::from_be_bytes(size))))
    }

    /// The current entry's bytes, `size` of them.
    pub fn body(&mut self, size: u64) -> io::Take<&mut GzDecoder<R>> {
        (&mut self.input).take(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_cannot_leave_the_data_dir() {
        for ok in ["node.toml", "keys/data.key", "keys/retired/signing-3.key", "vrs.sqlite"] {
            assert!(valid_path(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "keys/../../x", "a//b", "./a", "a/", "a b", "ké", "a\\b"] {
            assert!(!valid_path(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn entries_read_back(files in proptest::collection::vec(("[a-z]{1,8}(/[a-z0-9_-][a-z0-9._-]{0,7}){0,2}", proptest::collection::vec(any::<u8>(), 0..300)), 0..6)) {
            let mut w = ArchiveWriter::new(Vec::new()).unwrap();
            for (p, b) in &files {
                w.add_bytes(p, b).unwrap();
            }
            let bytes = w.finish().unwrap();
            let mut r = ArchiveReader::new(&bytes[..]).unwrap();
            for (p, b) in &files {
                let (path, size) = r.next_entry().unwrap().unwrap();
                let mut body = Vec::new();
                r.body(size).read_to_end(&mut body).unwrap();
                prop_assert_eq!((&path, &body), (p, b));
            }
            prop_assert!(r.next_entry().unwrap().is_none());
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(MAGIC).unwrap();
            gz.write_all(&data).unwrap();
            let bytes = gz.finish().unwrap();
            if let Ok(mut r) = ArchiveReader::new(&bytes[..]) {
                while let Ok(Some((_, size))) = r.next_entry() {
                    if io::copy(&mut r.body(size), &mut io::sink()).is_err() {
                        break;
                    }
                }
            }
        }
    }
}
