//! Katakana name columns: half- or full-width in, full-width (NFKC) out.

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KanaError {
    #[error("must be katakana (half- or full-width)")]
    NotKatakana,
}

/// Normalises a kana name to full-width katakana. Spaces inside the name are kept as a
/// single ASCII space (NFKC folds the ideographic space to it); leading and trailing
/// spaces are dropped. Returns an empty string for an empty input.
pub fn normalize_kana(s: &str) -> Result<String, KanaError> {
    let normalized: String = s.nfkc().collect();
    let trimmed = normalized.trim_matches(' ');
    let mut out = String::with_capacity(trimmed.len());
    let mut last_space = false;
    for c in trimmed.chars() {
        if c == ' ' {
            if !last_space {
                out.push(c);
            }
            last_space = true;
            continue;
        }
        if !is_katakana(c) {
            return Err(KanaError::NotKatakana);
        }
        last_space = false;
        out.push(c);
    }
    Ok(out)
}

/// The Katakana block (ァ..ヿ, including ー and ・) and the small phonetic extensions.
fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn half_width_becomes_full_width() {
        assert_eq!(normalize_kana("ﾔﾏﾀﾞ").unwrap(), "ヤマダ");
        assert_eq!(normalize_kana("ｼﾞｮｰｼﾞ").unwrap(), "ジョージ");
        assert_eq!(normalize_kana("ヤマダ").unwrap(), "ヤマダ");
        assert_eq!(normalize_kana("ヤマダ\u{3000}タロウ").unwrap(), "ヤマダ タロウ");
        assert_eq!(normalize_kana("").unwrap(), "");
    }

    #[test]
    fn other_scripts_refused() {
        for bad in ["やまだ", "山田", "Yamada", "ヤマダ1", "=ヤマダ", "ヤ\tマダ"] {
            assert_eq!(normalize_kana(bad), Err(KanaError::NotKatakana), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn idempotent(s in "[ァ-ヶー ｦ-ﾝ]{0,20}") {
            let once = normalize_kana(&s).unwrap();
            prop_assert_eq!(normalize_kana(&once).unwrap(), once);
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = normalize_kana(&s);
        }
    }
}
