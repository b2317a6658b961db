//! Rotating the node's signing and encryption keys through the registry
//! (specs/security.md "Key rotation"):
//!
//! 1. [`stage`]: new keys in `keys/next/` (an interrupted rotation reuses them);
//! 2. the node sends their enrollment to the coordinator (`key_rotation`, signed with the
//!    current key), which publishes a registry version carrying them;
//! 3. [`promote`]: the new keys become the current ones; the old decryption key moves to
//!    `keys/retired/` for the store-and-forward window, the old signing key's public half
//!    too (its private half is gone). `enrollment.json` is rewritten.
//!
//! [`promote`] is idempotent and safe to run from two processes at once (the command and a
//! serving node that saw the new registry first): every step checks what is already done.

use super::identity::{
    ENCRYPTION_KEY, NEXT_DIR, NodeIdentity, RETIRED_DECRYPTION_KEEP_SECS, RETIRED_DIR, SIGNING_KEY, retired_at,
};
use anyhow::Context;
use std::io::ErrorKind;
use std::path::Path;
use vrs_protocol::{DecryptionKey, MunicipalityCode, RecipientKey, SignedEnrollment, SigningKey, SigningPublicKey};

/// The keys being registered.
pub struct Staged {
    pub signing: SigningKey,
    pub decryption: DecryptionKey,
}

impl std::fmt::Debug for Staged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Staged(..)")
    }
}

const NEXT_SIGNING: &str = "signing.key";
const NEXT_ENCRYPTION: &str = "encryption.key";

/// New keys in `keys/next/`, or the ones an interrupted rotation left there.
pub fn stage(dir: &Path) -> anyhow::Result<Staged> {
    let next = dir.join(NEXT_DIR);
    let (s, e) = (next.join(NEXT_SIGNING), next.join(NEXT_ENCRYPTION));
    if s.exists() && e.exists() {
        return Ok(Staged { signing: SigningKey::read_file(&s)?, decryption: DecryptionKey::read_file(&e)? });
    }
    std::fs::create_dir_all(&next)?;
    for f in [&s, &e] {
        remove_if_present(f)?;
    }
    let staged = Staged { signing: SigningKey::generate()?, decryption: DecryptionKey::generate()? };
    staged.signing.write_file(&s)?;
    staged.decryption.write_file(&e)?;
    Ok(staged)
}

/// The enrollment a rotation sends: the new keys, the node's own peer id.
pub fn enrollment(
    identity: &NodeIdentity,
    staged: &Staged,
    code: MunicipalityCode,
) -> anyhow::Result<SignedEnrollment> {
    super::identity::enrollment(&identity.p2p, &staged.signing, &staged.decryption, code)
}

/// Makes the registered keys (`signing`, `encryption`: their public halves) current.
pub fn promote(
    dir: &Path,
    code: MunicipalityCode,
    signing: SigningPublicKey,
    encryption: RecipientKey,
) -> anyhow::Result<()> {
    let now = crate::db::now();
    std::fs::create_dir_all(dir.join(RETIRED_DIR))?;
    let next = dir.join(NEXT_DIR);
    if SigningKey::read_file(&dir.join(SIGNING_KEY))?.public_key() != signing {
        let old = SigningKey::read_file(&dir.join(SIGNING_KEY))?.public_key();
        let public = dir.join(RETIRED_DIR).join(format!("signing-{now}.pub"));
        std::fs::write(&public, format!("{}\n", hex::encode(old.as_bytes())))?;
        replace_with_next(&next.join(NEXT_SIGNING), &dir.join(SIGNING_KEY), || {
            Ok(SigningKey::read_file(&dir.join(SIGNING_KEY))?.public_key() == signing)
        })?;
    }
    if DecryptionKey::read_file(&dir.join(ENCRYPTION_KEY))?.public_key() != encryption {
        let retired = dir.join(RETIRED_DIR).join(format!("encryption-{now}.key"));
        match std::fs::hard_link(dir.join(ENCRYPTION_KEY), &retired) {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => return Err(e).context("cannot retire the old key"),
            _ => {}
        }
        replace_with_next(&next.join(NEXT_ENCRYPTION), &dir.join(ENCRYPTION_KEY), || {
            Ok(DecryptionKey::read_file(&dir.join(ENCRYPTION_KEY))?.public_key() == encryption)
        })?;
    }
    match std::fs::remove_dir_all(&next) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    prune_retired(dir, now)?;
    NodeIdentity::load(dir)?.write_enrollment(dir, code)
}

/// Renames the staged key over the current one; if the staged file is gone, another
/// process got there first, which `done` confirms.
fn replace_with_next(staged: &Path, current: &Path, done: impl Fn() -> anyhow::Result<bool>) -> anyhow::Result<()> {
    match std::fs::rename(staged, current) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound && done()? => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot install {}", staged.display())),
    }
}

/// Decryption keys retired longer than the store-and-forward window are deleted: nothing
/// can still be sealed to them, and a key that is gone cannot leak.
fn prune_retired(dir: &Path, now: i64) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir.join(RETIRED_DIR))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if retired_at(&name, "encryption-", ".key").is_some_and(|at| now - at > RETIRED_DECRYPTION_KEEP_SECS) {
            remove_if_present(&path)?;
        }
    }
    Ok(())
}

/// If a rotation was registered but not promoted here (the command stopped half-way, or
/// the serving node saw the new registry first), promotes it: `registered` are the keys
/// the registry lists for this node.
pub fn resume(
    dir: &Path,
    code: MunicipalityCode,
    registered: (SigningPublicKey, RecipientKey),
) -> anyhow::Result<bool> {
    let next = dir.join(NEXT_DIR);
    let (s, e) = (next.join(NEXT_SIGNING), next.join(NEXT_ENCRYPTION));
    if !(s.exists() && e.exists()) {
        return Ok(false);
    }
    let staged = (SigningKey::read_file(&s)?.public_key(), DecryptionKey::read_file(&e)?.public_key());
    if staged != registered {
        return Ok(false);
    }
    promote(dir, code, registered.0, registered.1)?;
    Ok(true)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> (tempfile::TempDir, MunicipalityCode) {
        let dir = tempfile::tempdir().unwrap();
        let code = MunicipalityCode::parse("131016").unwrap();
        NodeIdentity::create(dir.path(), code).unwrap();
        (dir, code)
    }

    #[test]
    fn a_promoted_rotation_keeps_the_old_decryption_key_and_the_old_signing_key_public() {
        let (dir, code) = node();
        let before = NodeIdentity::load(dir.path()).unwrap();
        let staged = stage(dir.path()).unwrap();
        // Staging twice reuses the keys (an interrupted rotation is resumed, not forked).
        assert_eq!(stage(dir.path()).unwrap().signing.public_key(), staged.signing.public_key());
        let pending = NodeIdentity::load(dir.path()).unwrap();
        let new_id = staged.decryption.key_id();
        assert_eq!(pending.decryption_for(new_id).key_id(), new_id, "answers sealed to the staged key open");

        promote(dir.path(), code, staged.signing.public_key(), staged.decryption.public_key()).unwrap();
        // Twice (another process): nothing changes, nothing fails.
        promote(dir.path(), code, staged.signing.public_key(), staged.decryption.public_key()).unwrap();
        let after = NodeIdentity::load(dir.path()).unwrap();
        assert_eq!(after.signing.public_key(), staged.signing.public_key());
        assert_eq!(after.decryption.public_key(), staged.decryption.public_key());
        let old_id = before.decryption.key_id();
        assert_eq!(after.decryption_for(old_id).key_id(), old_id, "the old key still opens what was sealed to it");
        assert_eq!(after.signing_keys(), vec![staged.signing.public_key(), before.signing.public_key()]);
        assert!(!dir.path().join(NEXT_DIR).exists());
        let enrollment: SignedEnrollment =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("enrollment.json")).unwrap()).unwrap();
        assert_eq!(enrollment.verify().unwrap().signing_key, staged.signing.public_key());
        assert_eq!(enrollment.enrollment.peer_id.as_bytes(), &before.peer_id().to_bytes()[..], "same peer id");
    }

    #[test]
    fn retired_decryption_keys_go_after_the_window_and_unregistered_keys_stay_pending() {
        let (dir, code) = node();
        let staged = stage(dir.path()).unwrap();
        let other = DecryptionKey::generate().unwrap().public_key();
        assert!(!resume(dir.path(), code, (staged.signing.public_key(), other)).unwrap(), "not what was registered");
        assert!(resume(dir.path(), code, (staged.signing.public_key(), staged.decryption.public_key())).unwrap());
        let retired = dir.path().join(RETIRED_DIR);
        let old = std::fs::read_dir(&retired).unwrap().find_map(|e| {
            let p = e.unwrap().path();
            p.to_string_lossy().contains("encryption-").then_some(p)
        });
        let long_ago = retired.join(format!("encryption-{}.key", crate::db::now() - RETIRED_DECRYPTION_KEEP_SECS - 10));
        std::fs::rename(old.unwrap(), &long_ago).unwrap();
        assert!(NodeIdentity::load(dir.path()).unwrap().retired_decryption.is_empty(), "outside the window");
        prune_retired(dir.path(), crate::db::now()).unwrap();
        assert!(!long_ago.exists());
    }
}
