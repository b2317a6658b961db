//! Secret key files: created new (an existing key is never overwritten by accident) and,
//! on Unix, readable by the owner only from the first byte written.

use super::KeyError;
use std::io::Write;
use std::path::Path;

pub(super) fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::keys::{DecryptionKey, SigningKey};

    #[test]
    fn key_files_round_trip_and_refuse_overwrite() {
        let dir = std::env::temp_dir().join(format!("vrs-keys-{}", crate::MessageId::random().unwrap()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = SigningKey::generate().unwrap();
        s.write_file(&dir.join("sign.p8")).unwrap();
        assert_eq!(SigningKey::read_file(&dir.join("sign.p8")).unwrap().public_key(), s.public_key());
        assert!(s.write_file(&dir.join("sign.p8")).is_err(), "must not overwrite");
        let d = DecryptionKey::generate().unwrap();
        d.write_file(&dir.join("hpke.key")).unwrap();
        assert_eq!(DecryptionKey::read_file(&dir.join("hpke.key")).unwrap().public_key(), d.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("hpke.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "secret file readable by others: {mode:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
