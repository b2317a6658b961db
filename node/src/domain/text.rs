//! Checks on free-text name fields shared by every import.

/// Why a name cell was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    TooLong,
    ControlCharacter,
    FormulaLike,
}

pub const MAX_NAME_CHARS: usize = 50;

/// A cell that a spreadsheet would run as a formula when a staff member opens an export
/// (CSV injection): it starts with = + - @ or a tab/CR.
pub fn is_formula_like(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠'))
}

pub fn check_name(s: &str) -> Result<(), TextProblem> {
    if is_formula_like(s) {
        return Err(TextProblem::FormulaLike);
    }
    if s.chars().any(char::is_control) {
        return Err(TextProblem::ControlCharacter);
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(TextProblem::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("山田"), Ok(()));
        assert_eq!(check_name("=cmd|' /C calc'!A0"), Err(TextProblem::FormulaLike));
        assert_eq!(check_name("@SUM(A1)"), Err(TextProblem::FormulaLike));
        assert_eq!(check_name("山\u{0}田"), Err(TextProblem::ControlCharacter));
        assert_eq!(check_name(&"あ".repeat(51)), Err(TextProblem::TooLong));
        assert_eq!(check_name(&"あ".repeat(50)), Ok(()));
    }
}
