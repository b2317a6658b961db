//! Katakana name columns: half- or full-width in, full-width (NFKC) out.

use std::borrow::Cow;
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
    // Registers export full-width katakana almost always; NFKC leaves such text as it is,
    // so it is not run then (it was a fifth of the import parser's time).
    let normalized: Cow<str> =
        if s.chars().all(is_nfkc_stable_katakana) { Cow::Borrowed(s) } else { s.nfkc().collect() };
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

/// Characters NFKC maps to themselves, and that compose with none of their neighbours:
/// the ASCII space and the katakana ァ..ヶ and ー (ヷ..ヺ, ヽ, ヾ and ヿ are left to NFKC).
/// Every composite among them (ガ, パ, ヴ ...) recomposes to itself, and canonical
/// composition needs a combining mark (゙, ゚) or a Hangul jamo second, none of which is here.
fn is_nfkc_stable_katakana(c: char) -> bool {
    matches!(c, ' ' | '\u{30A1}'..='\u{30F6}' | '\u{30FC}')
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

        /// The premise of the shortcut: NFKC leaves any text of these characters as it is.
        #[test]
        fn nfkc_leaves_stable_katakana_alone(s in "[ァ-ヶー ]{0,30}") {
            prop_assert!(s.chars().all(is_nfkc_stable_katakana));
            prop_assert_eq!(s.nfkc().collect::<String>(), s);
        }

        /// With the shortcut, a name normalises as it did through NFKC.
        #[test]
        fn the_stable_katakana_shortcut_matches_nfkc(s in "[ァ-ヶー ｦ-ﾝﾞﾟ\u{3000}\u{3099}\u{309A}ヷ-ヿ]{0,20}") {
            let through_nfkc: String = s.nfkc().collect();
            prop_assert_eq!(normalize_kana(&s), normalize_kana(&through_nfkc));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = normalize_kana(&s);
        }
    }
}
