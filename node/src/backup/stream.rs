//! The encrypted backup file: a header that wraps a fresh random file key to the operator's
//! backup public key (HPKE), then the data in chunks sealed with ChaCha20-Poly1305 under
//! that key (specs/security.md "Backup and restore"):
//!
//! ```text
//! "VRSBACKUP1" | key id (8) | enc (32) | wrapped length (u16) | wrapped file key
//! chunks: u32 (bit 31 = last chunk, the rest = ciphertext length) | ciphertext
//! ```
//!
//! A chunk's nonce is its number; its associated data is the header's SHA-256, its number
//! and the last-chunk flag. So chunks cannot be reordered, dropped, repeated, moved into
//! another backup, or cut off at the end (no last chunk: refused), and the whole file is
//! never held in memory on either side.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use std::io::{self, Read, Write};
use vrs_protocol::keys::wrap::{self, Wrapped};
use vrs_protocol::{DecryptionKey, RecipientKey};
use zeroize::Zeroizing;

const MAGIC: &[u8; 10] = b"VRSBACKUP1";
const WRAP_INFO: &[u8] = b"vrs-backup-v1 file key";
const CHUNK_AAD: &[u8] = b"vrs-backup-v1 chunk";
/// Plaintext per chunk: large enough that the 20 bytes of framing and tag do not matter.
pub const CHUNK: usize = 1 << 20;
const LAST: u32 = 1 << 31;
const TAG: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("not a VRS backup file")]
    NotABackup,
    #[error("the backup was made for another backup key (key id {0})")]
    WrongKey(String),
    #[error("the backup does not decrypt: it is damaged or was altered")]
    Damaged,
    #[error("the backup ends early: it was cut off")]
    Truncated,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<StreamError> for io::Error {
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

fn chunk_aad(header_digest: &[u8], n: u64, last: bool) -> Vec<u8> {
    [CHUNK_AAD, header_digest, &n.to_be_bytes(), &[u8::from(last)]].concat()
}

fn nonce(n: u64) -> Nonce {
    let mut b = [0u8; 12];
    b[4..].copy_from_slice(&n.to_be_bytes());
    Nonce::assume_unique_for_key(b)
}

fn cipher(key: &[u8]) -> Result<LessSafeKey, StreamError> {
    Ok(LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| StreamError::Damaged)?))
}

/// Encrypts what is written into backup chunks; call [`finish`](Self::finish) at the end.
pub struct Sealer<W: Write> {
    out: W,
    key: LessSafeKey,
    header_digest: Vec<u8>,
    buf: Vec<u8>,
    n: u64,
}

impl<W: Write> Sealer<W> {
    pub fn new(mut out: W, to: &RecipientKey) -> io::Result<Self> {
        let file_key = Zeroizing::new(random::<32>()?);
        let key_id = to.key_id().0;
        let wrapped = wrap::wrap(to, WRAP_INFO, &[&MAGIC[..], &key_id].concat(), &file_key[..])
            .map_err(|e| io::Error::other(e.to_string()))?;
        let len = u16::try_from(wrapped.ciphertext.len()).map_err(io::Error::other)?;
        let header = [&MAGIC[..], &key_id, &wrapped.enc, &len.to_be_bytes(), &wrapped.ciphertext].concat();
        out.write_all(&header)?;
        let key = cipher(&file_key[..])?;
        Ok(Sealer {
            out,
            key,
            header_digest: digest(&SHA256, &header).as_ref().to_vec(),
            buf: Vec::with_capacity(CHUNK),
            n: 0,
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let mut data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let aad = chunk_aad(&self.header_digest, self.n, last);
        self.key
            .seal_in_place_append_tag(nonce(self.n), Aad::from(aad), &mut data)
            .map_err(|_| io::Error::other("chunk sealing failed"))?;
        let len = u32::try_from(data.len()).map_err(io::Error::other)?;
        self.out.write_all(&(len | if last { LAST } else { 0 }).to_be_bytes())?;
        self.out.write_all(&data)?;
        self.n += 1;
        Ok(())
    }

    /// Seals the last chunk and returns the inner writer (flushed).
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The recipient key id a backup file names (to say which key it needs).
pub fn key_id_hex(id: &[u8; 8]) -> String {
    hex::encode(id)
}

/// Decrypts a backup file as it is read; every chunk is authenticated before any of its
/// bytes are handed out, and the end must be the sealed last chunk.
pub struct Opener<R: Read> {
    input: R,
    key: LessSafeKey,
    header_digest: Vec<u8>,
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
    n: u64,
    done: bool,
}

impl<R: Read> Opener<R> {
    pub fn new(mut input: R, secret: &DecryptionKey) -> Result<Self, StreamError> {
        let mut fixed = [0u8; 10 + 8 + 32 + 2];
        read_exact_or(&mut input, &mut fixed, StreamError::NotABackup)?;
        if &fixed[..10] != MAGIC {
            return Err(StreamError::NotABackup);
        }
        let key_id: [u8; 8] = fixed[10..18].try_into().map_err(|_| StreamError::NotABackup)?;
        if key_id != secret.key_id().0 {
            return Err(StreamError::WrongKey(key_id_hex(&key_id)));
        }
        let len = usize::from(u16::from_be_bytes([fixed[50], fixed[51]]));
        if len > 256 {
            return Err(StreamError::NotABackup);
        }
        let mut ct = vec![0u8; len];
        read_exact_or(&mut input, &mut ct, StreamError::Truncated)?;
        let enc: [u8; 32] = fixed[18..50].try_into().map_err(|_| StreamError::NotABackup)?;
        let wrapped = Wrapped { enc, ciphertext: ct.clone() };
        let file_key = wrap::unwrap(secret, WRAP_INFO, &[&MAGIC[..], &key_id].concat(), &wrapped)
            .map_err(|_| StreamError::Damaged)?;
        let header = [&fixed[..], &ct].concat();
        Ok(Opener {
            input,
            key: cipher(&file_key)?,
            header_digest: digest(&SHA256, &header).as_ref().to_vec(),
            buf: Zeroizing::new(Vec::new()),
            pos: 0,
            n: 0,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> Result<(), StreamError> {
        let mut len = [0u8; 4];
        read_exact_or(&mut self.input, &mut len, StreamError::Truncated)?;
        let word = u32::from_be_bytes(len);
        let last = word & LAST != 0;
        let len = (word & !LAST) as usize;
        if !(TAG..=CHUNK + TAG).contains(&len) {
            return Err(StreamError::Damaged);
        }
        let mut data = Zeroizing::new(vec![0u8; len]);
        read_exact_or(&mut self.input, &mut data, StreamError::Truncated)?;
        let aad = chunk_aad(&self.header_digest, self.n, last);
        let plain =
            self.key.open_in_place(nonce(self.n), Aad::from(aad), &mut data).map_err(|_| StreamError::Damaged)?;
        let plain_len = plain.len();
        data.truncate(plain_len);
        self.buf = data;
        self.pos = 0;
        self.n += 1;
        if last {
            let mut extra = [0u8; 1];
            if self.input.read(&mut extra)? != 0 {
                return Err(StreamError::Damaged);
            }
            self.done = true;
        }
        Ok(())
    }
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn read_exact_or<R: Read>(r: &mut R, buf: &mut [u8], short: StreamError) -> Result<(), StreamError> {
    match r.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(short),
        Err(e) => Err(e.into()),
    }
}

fn random<const N: usize>() -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .map_err(|_| io::Error::other("the system random number generator failed"))?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(data: &[u8], key: &DecryptionKey) -> Vec<u8> {
        let mut s = Sealer::new(Vec::new(), &key.public_key()).unwrap();
        s.write_all(data).unwrap();
        s.finish().unwrap()
    }

    fn opened(file: &[u8], key: &DecryptionKey) -> Result<Vec<u8>, io::Error> {
        let mut out = Vec::new();
        Opener::new(file, key)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_across_chunks_and_empty() {
        let key = DecryptionKey::generate().unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            assert_eq!(opened(&sealed(&data, &key), &key).unwrap(), data, "length {len}");
        }
    }

    #[test]
    fn every_damage_is_refused() {
        let key = DecryptionKey::generate().unwrap();
        let data: Vec<u8> = (0..CHUNK + 100).map(|i| (i % 7) as u8).collect();
        let file = sealed(&data, &key);
        let other = DecryptionKey::generate().unwrap();
        assert!(matches!(Opener::new(&file[..], &other), Err(StreamError::WrongKey(_))));
        assert!(matches!(Opener::new(&b"not a backup at all, no"[..], &key), Err(StreamError::NotABackup)));
        // A flipped byte anywhere after the magic: header, key, chunk length, ciphertext.
        for at in [12, 30, 52, 100, 200, 1000, CHUNK / 2, file.len() - 1] {
            let mut bad = file.clone();
            bad[at] ^= 0x01;
            assert!(opened(&bad, &key).is_err(), "a flip at {at} went through");
        }
        // Cut off: at the end of the first chunk (no last chunk), or inside one.
        let first_end = 10 + 8 + 32 + 2 + 48 + 4 + CHUNK + TAG;
        assert!(opened(&file[..first_end], &key).is_err());
        assert!(opened(&file[..file.len() - 5], &key).is_err());
        // Bytes after the last chunk.
        assert!(opened(&[&file[..], &[0]].concat(), &key).is_err());
    }
}
