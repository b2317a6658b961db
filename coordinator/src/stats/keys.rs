//! The coordinator's own party keys (address `000000`, published in the registry's
//! coordinator entry): it signs statistics requests and opens statistics answers. These
//! are the only envelopes it ever opens; routed envelopes stay sealed to their nodes.

use crate::layout::{self, DataDir};
use anyhow::Context;
use vrs_protocol::{DecryptionKey, SigningKey};

pub struct PartyKeys {
    pub signing: SigningKey,
    pub decryption: DecryptionKey,
}

impl std::fmt::Debug for PartyKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartyKeys(..)")
    }
}

impl PartyKeys {
    pub fn load(dir: &DataDir) -> anyhow::Result<Self> {
        let signing = SigningKey::read_file(&dir.file(layout::SIGNING_KEY))
            .with_context(|| format!("cannot read {}", layout::SIGNING_KEY))?;
        let decryption = DecryptionKey::read_file(&dir.file(layout::DECRYPTION_KEY))
            .with_context(|| format!("cannot read {}", layout::DECRYPTION_KEY))?;
        Ok(PartyKeys { signing, decryption })
    }
}
