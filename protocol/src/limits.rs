//! Size limits, enforced by every decoder before it allocates or parses.
//!
//! The largest legitimate payload is a big city's statistics answer (cells by date ×
//! dose × product × sex × age band) or the registry of all 1,741 municipalities (about
//! 200 KB); 4 MiB leaves room for both while bounding what a peer can make us buffer.

use crate::envelope::layout::{ENC_LEN, HEADER_LEN, SIGNATURE_LEN};

/// Largest plaintext payload that can be sealed.
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;

/// AEAD tag appended by ChaCha20-Poly1305 to every ciphertext.
pub const AEAD_TAG_LEN: usize = 16;

/// Largest ciphertext: the payload plus its tag.
pub const MAX_CIPHERTEXT_BYTES: usize = MAX_PAYLOAD_BYTES + AEAD_TAG_LEN;

/// Largest envelope on the wire.
pub const MAX_ENVELOPE_BYTES: usize = HEADER_LEN + ENC_LEN + MAX_CIPHERTEXT_BYTES + SIGNATURE_LEN;

/// Largest frame body (an envelope response adds one tag byte to an envelope).
pub const MAX_FRAME_BYTES: usize = MAX_ENVELOPE_BYTES + 1;

/// Envelopes in one `/vrs/envelope-batch/1` request: enough to amortise the stream,
/// negotiation and timeout over many doses, few enough that one slow item holds back
/// little.
pub const MAX_BATCH_ITEMS: usize = 256;

/// Largest batch request body: a batch may make a peer buffer no more than one
/// single envelope request may.
pub const MAX_BATCH_BYTES: usize = MAX_FRAME_BYTES;

/// Largest batch response body. Twice a frame, so that the first answer always fits
/// whole; later answers that would not fit are sent as "not answered" (see `batch`).
pub const MAX_BATCH_RESPONSE_BYTES: usize = 2 * MAX_FRAME_BYTES;

/// Text fields inside messages (lot numbers, site names, staff user names, reasons).
pub const MAX_SHORT_TEXT: usize = 64;
pub const MAX_LONG_TEXT: usize = 1024;

/// Doses in one inquiry answer; nobody has had more than a handful of COVID-19 doses.
pub const MAX_DOSES_PER_PERSON: usize = 32;

/// Questions in one `inquiry_batch` (and answers in its `inquiry_batch_answer`): one
/// seal and one signature per chunk of a bulk file instead of per row, while the sealed
/// answer (256 found persons with their doses, some 60 KB) stays far below the payload
/// limit and one chunk waits on the holder's database no longer than a second or so.
pub const MAX_INQUIRIES_PER_BATCH: usize = 256;

/// Libp2p peer ids are multihashes of the identity key, ~38 bytes for Ed25519.
pub const MAX_PEER_ID_BYTES: usize = 64;
