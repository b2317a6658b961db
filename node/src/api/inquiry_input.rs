//! Reading a `POST /api/v1/inquiries` body into something that can be signed and sent.
//! Every field arrives as a string so that each mistake gets its own stable code (422)
//! rather than a serde message; a missing consent object is 403 `consent_required`.

use super::error::ApiError;
use crate::federation::inquiry_ask::ConsentGiven;
use actix_web::http::StatusCode;
use serde::Deserialize;
use vrs_protocol::messages::{CONSENT_CLOCK_SKEW_MS, ConsentBasis, InquirySubject};
use vrs_protocol::{Atena, CivilDate, CouponNumber, MunicipalityCode, MyNumber};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquiryBody {
    pub municipality: Option<String>,
    pub my_number: Option<String>,
    pub coupon: Option<String>,
    pub birth_date: Option<String>,
    pub consent: Option<ConsentBody>,
    /// A resident of this node (個別宛名番号) whose history receives the answered doses.
    pub bring_in_for: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    pub basis: Option<String>,
    pub method: Option<String>,
    pub obtained_at: Option<String>,
    pub reason: Option<String>,
}

/// A checked consent statement, before the asking node adds the inquiry and signs it.
#[derive(Debug, Clone)]
pub struct Consent {
    pub basis: ConsentBasis,
    pub method: String,
    pub obtained_at_ms: u64,
    pub reason: Option<String>,
}

impl Consent {
    /// The statement as `staff` gives it, for the asking node to sign.
    pub fn signed_by<'a>(&'a self, staff: &'a str) -> ConsentGiven<'a> {
        ConsentGiven {
            basis: self.basis,
            method: &self.method,
            obtained_at_ms: self.obtained_at_ms,
            reason: self.reason.as_deref(),
            staff_user: staff,
        }
    }

    pub fn basis_str(&self) -> &'static str {
        match self.basis {
            ConsentBasis::Consent => "consent",
            ConsentBasis::ConsentImpracticable => "consent_impracticable",
        }
    }
}

/// A checked inquiry, ready to be signed.
#[derive(Debug)]
pub struct Inquiry {
    pub to: MunicipalityCode,
    pub subject: InquirySubject,
    pub consent: Consent,
    pub bring_in_for: Option<Atena>,
}

impl Inquiry {
    /// `my_number` or `coupon`, for the access log.
    pub fn by(&self) -> &'static str {
        match self.subject {
            InquirySubject::MyNumber(_) => "my_number",
            InquirySubject::Coupon { .. } => "coupon",
        }
    }
}

/// Longest consent reason accepted (the protocol's long-text limit is larger).
const MAX_REASON_CHARS: usize = 500;

fn bad(code: &'static str, message: &str) -> ApiError {
    ApiError::unprocessable(code, message.to_owned())
}

fn bad_consent(field: &str, message: &str) -> ApiError {
    bad("invalid_consent", message).with("field", serde_json::Value::String(field.to_owned()))
}

/// Checks `body` as of `now_ms` (consent may not be dated in the future).
pub fn parse(body: InquiryBody, now_ms: u64) -> Result<Inquiry, ApiError> {
    let to =
        body.municipality.as_deref().ok_or_else(|| bad("invalid_municipality", "municipality is required")).and_then(
            |m| {
                MunicipalityCode::parse(m).map_err(|_| {
                    bad("invalid_municipality", "municipality must be a 6-digit code with a valid check digit")
                })
            },
        )?;
    let subject = subject(body.my_number, body.coupon, body.birth_date, now_ms)?;
    let Some(consent) = body.consent else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "consent_required",
            "an inquiry needs the person's consent (or a documented consent_impracticable)",
        ));
    };
    let consent = parse_consent(consent, now_ms)?;
    let bring_in_for = match body.bring_in_for.as_deref() {
        None => None,
        Some(a) => Some(
            Atena::parse(a).map_err(|_| bad("invalid_atena", "bring_in_for must be a 個別宛名番号 (1-15 digits)"))?,
        ),
    };
    Ok(Inquiry { to, subject, consent, bring_in_for })
}

/// Checks a consent statement as of `now_ms` (it may not be dated in the future).
pub fn parse_consent(consent: ConsentBody, now_ms: u64) -> Result<Consent, ApiError> {
    let basis = match consent.basis.as_deref() {
        Some("consent") => ConsentBasis::Consent,
        Some("consent_impracticable") => ConsentBasis::ConsentImpracticable,
        _ => return Err(bad_consent("basis", "consent.basis must be consent or consent_impracticable")),
    };
    let method = consent.method.unwrap_or_default();
    let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    if method.is_empty() || method.len() > 32 || !method.bytes().all(plain) {
        return Err(bad_consent("method", "consent.method must be a word such as written or oral"));
    }
    let obtained_at_ms = consent
        .obtained_at
        .as_deref()
        .and_then(rfc3339_ms)
        .ok_or_else(|| bad_consent("obtained_at", "consent.obtained_at must be an RFC 3339 time"))?;
    if obtained_at_ms > now_ms.saturating_add(CONSENT_CLOCK_SKEW_MS) {
        return Err(bad_consent("obtained_at", "consent.obtained_at is in the future"));
    }
    let reason = consent.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON_CHARS || r.chars().any(char::is_control)) {
        return Err(bad_consent("reason", "consent.reason must be at most 500 characters of text"));
    }
    if basis == ConsentBasis::ConsentImpracticable && reason.is_none() {
        return Err(bad_consent("reason", "consent_impracticable needs a reason"));
    }
    Ok(Consent { basis, method, obtained_at_ms, reason })
}

fn subject(
    my_number: Option<String>,
    coupon: Option<String>,
    birth_date: Option<String>,
    now_ms: u64,
) -> Result<InquirySubject, ApiError> {
    match (my_number, coupon, birth_date) {
        // The parse error names the rule broken, never the value.
        (Some(m), None, None) => MyNumber::parse(&m)
            .map(InquirySubject::MyNumber)
            .map_err(|_| bad("invalid_my_number", "my_number must be 12 digits with a valid check digit")),
        (None, Some(c), Some(b)) => {
            let coupon = CouponNumber::parse(&c).map_err(|_| bad("invalid_coupon", "coupon must be 10 digits"))?;
            let birth_date =
                CivilDate::parse_iso(&b).map_err(|_| bad("invalid_date", "birth_date must be YYYY-MM-DD"))?;
            let today = i64::try_from(now_ms / 86_400_000).unwrap_or(i64::MAX);
            if birth_date.to_unix_days() > today {
                return Err(bad("invalid_date", "birth_date is in the future"));
            }
            Ok(InquirySubject::Coupon { coupon, birth_date })
        }
        _ => Err(bad("invalid_subject", "give my_number, or coupon with birth_date (not both)")),
    }
}

/// Unix milliseconds of an RFC 3339 time (any offset); `None` before 1970 or unparsable.
fn rfc3339_ms(s: &str) -> Option<u64> {
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    u64::try_from(t.timestamp_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2024-04-01T00:00:00Z
    const NOW: u64 = 1_711_929_600_000;

    fn body(v: serde_json::Value) -> InquiryBody {
        serde_json::from_value(v).unwrap()
    }

    fn consent() -> serde_json::Value {
        serde_json::json!({"basis": "consent", "method": "written", "obtained_at": "2024-03-31T09:30:00+09:00"})
    }

    fn code(v: serde_json::Value) -> (u16, &'static str, Option<String>) {
        let e = parse(body(v), NOW).unwrap_err();
        (e.status.as_u16(), e.code, e.detail.get("field").and_then(|f| f.as_str()).map(str::to_owned))
    }

    #[test]
    fn by_my_number_and_by_coupon_parse() {
        let i = parse(
            body(serde_json::json!({"municipality": "131016", "my_number": "123456789018", "consent": consent()})),
            NOW,
        )
        .unwrap();
        assert_eq!(i.by(), "my_number");
        assert_eq!(i.consent.obtained_at_ms, 1_711_845_000_000);
        let i = parse(
            body(serde_json::json!({"municipality": "131016", "coupon": "0000123456", "birth_date": "1980-02-29",
                                    "consent": consent()})),
            NOW,
        )
        .unwrap();
        assert_eq!(i.by(), "coupon");
    }

    #[test]
    fn malformed_identifiers_are_422_with_their_code() {
        let c = consent();
        let cases = [
            (
                serde_json::json!({"municipality": "131017", "my_number": "123456789018", "consent": c}),
                "invalid_municipality",
            ),
            (serde_json::json!({"my_number": "123456789018", "consent": c}), "invalid_municipality"),
            (
                serde_json::json!({"municipality": "131016", "my_number": "123456789012", "consent": c}),
                "invalid_my_number",
            ),
            (serde_json::json!({"municipality": "131016", "my_number": "12345", "consent": c}), "invalid_my_number"),
            (
                serde_json::json!({"municipality": "131016", "coupon": "12", "birth_date": "1980-01-01", "consent": c}),
                "invalid_coupon",
            ),
            (
                serde_json::json!({"municipality": "131016", "coupon": "0000123456", "birth_date": "1980-02-30", "consent": c}),
                "invalid_date",
            ),
            (
                serde_json::json!({"municipality": "131016", "coupon": "0000123456", "birth_date": "2099-01-01", "consent": c}),
                "invalid_date",
            ),
            (serde_json::json!({"municipality": "131016", "coupon": "0000123456", "consent": c}), "invalid_subject"),
            (serde_json::json!({"municipality": "131016", "consent": c}), "invalid_subject"),
            (
                serde_json::json!({"municipality": "131016", "my_number": "123456789018", "coupon": "0000123456",
                                "birth_date": "1980-01-01", "consent": c}),
                "invalid_subject",
            ),
        ];
        for (v, expected) in cases {
            assert_eq!(code(v.clone()).1, expected, "{v}");
            assert_eq!(code(v).0, 422);
        }
    }

    #[test]
    fn the_error_never_echoes_the_my_number() {
        let e = parse(
            body(serde_json::json!({"municipality": "131016", "my_number": "123456789012", "consent": consent()})),
            NOW,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("123456789012"));
    }

    #[test]
    fn consent_missing_is_403_and_each_bad_field_is_named() {
        assert_eq!(
            code(serde_json::json!({"municipality": "131016", "my_number": "123456789018"})),
            (403, "consent_required", None)
        );
        let with = |consent: serde_json::Value| serde_json::json!({"municipality": "131016", "my_number": "123456789018", "consent": consent});
        let field = |v| code(with(v)).2;
        assert_eq!(
            field(serde_json::json!({"method": "written", "obtained_at": "2024-03-31T00:00:00Z"})).as_deref(),
            Some("basis")
        );
        assert_eq!(
            field(serde_json::json!({"basis": "maybe", "method": "written", "obtained_at": "2024-03-31T00:00:00Z"}))
                .as_deref(),
            Some("basis")
        );
        assert_eq!(
            field(serde_json::json!({"basis": "consent", "obtained_at": "2024-03-31T00:00:00Z"})).as_deref(),
            Some("method")
        );
        assert_eq!(
            field(
                serde_json::json!({"basis": "consent", "method": "山田 太郎", "obtained_at": "2024-03-31T00:00:00Z"})
            )
            .as_deref(),
            Some("method")
        );
        assert_eq!(
            field(serde_json::json!({"basis": "consent", "method": "oral", "obtained_at": "yesterday"})).as_deref(),
            Some("obtained_at")
        );
        assert_eq!(
            field(serde_json::json!({"basis": "consent", "method": "oral", "obtained_at": "2024-04-02T00:00:00Z"}))
                .as_deref(),
            Some("obtained_at")
        );
        assert_eq!(field(serde_json::json!({"basis": "consent", "method": "oral"})).as_deref(), Some("obtained_at"));
    }

    #[test]
    fn consent_impracticable_needs_a_reason() {
        let with = |consent: serde_json::Value| serde_json::json!({"municipality": "131016", "my_number": "123456789018", "consent": consent});
        let base = serde_json::json!({"basis": "consent_impracticable", "method": "none", "obtained_at": "2024-03-31T00:00:00Z"});
        assert_eq!(code(with(base.clone())), (422, "invalid_consent", Some("reason".into())));
        let mut blank = base.clone();
        blank["reason"] = "   ".into();
        assert_eq!(code(with(blank)), (422, "invalid_consent", Some("reason".into())));
        let mut ok = base;
        ok["reason"] = "本人意識不明のため".into();
        let i = parse(body(with(ok)), NOW).unwrap();
        assert_eq!(i.consent.basis, ConsentBasis::ConsentImpracticable);
        assert_eq!(i.consent.reason.as_deref(), Some("本人意識不明のため"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_value::<InquiryBody>(serde_json::json!({"municipality": "131016", "name": "x"})).is_err()
        );
    }
}
