//! The answering node's consent check.

use crate::fixtures::*;
use vrs_protocol::messages::{ConsentBasis, ConsentError, InquirySubject, SignedConsent};
use vrs_protocol::{CouponNumber, MyNumber};

fn verify(req: &vrs_protocol::messages::InquiryRequest) -> Result<(), ConsentError> {
    req.verify_consent(code("141003"), &signer(1).public_key(), code("131016"), T0)
}

#[test]
fn valid_consent_passes() {
    verify(&inquiry(&signer(1))).unwrap();
}

#[test]
fn signed_by_another_node_fails() {
    assert_eq!(verify(&inquiry(&signer(7))), Err(ConsentError::BadSignature));
}

#[test]
fn altered_statement_fails() {
    let mut req = inquiry(&signer(1));
    req.consent.statement.basis = ConsentBasis::ConsentImpracticable;
    req.consent.statement.reason = Some("altered".into());
    assert_eq!(verify(&req), Err(ConsentError::BadSignature));
}

#[test]
fn consent_for_another_person_inquiry_or_node_fails() {
    let mut req = inquiry(&signer(1));
    req.subject = InquirySubject::MyNumber(MyNumber::from_body(1).unwrap());
    assert_eq!(verify(&req), Err(ConsentError::Mismatch));

    let mut req = inquiry(&signer(1));
    req.inquiry_id = rid(99);
    assert_eq!(verify(&req), Err(ConsentError::Mismatch));

    let req = inquiry(&signer(1));
    // Yokohama's statement presented to Sapporo.
    assert_eq!(
        req.verify_consent(code("141003"), &signer(1).public_key(), code("011002"), T0),
        Err(ConsentError::Mismatch)
    );
}

#[test]
fn coupon_subject_binds_birth_date() {
    let a =
        InquirySubject::Coupon { coupon: CouponNumber::parse("0000000001").unwrap(), birth_date: date("1980-01-01") };
    let b =
        InquirySubject::Coupon { coupon: CouponNumber::parse("0000000001").unwrap(), birth_date: date("1980-01-02") };
    assert_ne!(a.digest(), b.digest());
}

#[test]
fn impracticable_needs_a_reason_and_future_consent_is_refused() {
    let subject = my_number_subject();
    let mut s = consent_statement(&subject);
    s.basis = ConsentBasis::ConsentImpracticable;
    assert!(SignedConsent::sign(&signer(1), s.clone()).is_err(), "no reason");
    s.reason = Some("  ".into());
    assert!(SignedConsent::sign(&signer(1), s.clone()).is_err(), "blank reason");
    s.reason = Some("本人が意識不明のため".into());
    let mut req = inquiry(&signer(1));
    req.consent = SignedConsent::sign(&signer(1), s).unwrap();
    verify(&req).unwrap();

    let mut s = consent_statement(&subject);
    s.obtained_at_ms = T0 + 3_600_000;
    req.consent = SignedConsent::sign(&signer(1), s).unwrap();
    assert_eq!(verify(&req), Err(ConsentError::FromTheFuture));
}
