//! A batch of inquiries under one consent statement: the statement binds every question,
//! and the answer must match the questions one by one.

use crate::fixtures::*;
use vrs_protocol::messages::{
    BatchQuestion, ConsentError, InquiryBatch, InquiryRequest, InquiryResult, InquirySubject, SignedConsent,
};
use vrs_protocol::{Kind, Message, MyNumber};

fn verify(b: &InquiryBatch) -> Result<(), ConsentError> {
    b.verify_consent(code("141003"), &signer(1).public_key(), code("131016"), T0)
}

#[test]
fn a_batch_signed_by_the_asker_passes() {
    verify(&inquiry_batch(&signer(1))).unwrap();
    assert_eq!(verify(&inquiry_batch(&signer(7))), Err(ConsentError::BadSignature));
}

#[test]
fn no_question_can_be_altered_added_removed_or_reordered() {
    let good = inquiry_batch(&signer(1));
    let mut altered = good.clone();
    altered.questions[0].subject = InquirySubject::MyNumber(MyNumber::from_body(1).unwrap());
    let mut added = good.clone();
    added.questions.push(BatchQuestion { inquiry_id: rid(9), subject: my_number_subject() });
    let mut removed = good.clone();
    removed.questions.pop();
    let mut reordered = good.clone();
    reordered.questions.reverse();
    let mut renumbered = good.clone();
    renumbered.questions[1].inquiry_id = rid(9);
    let mut other_batch = good.clone();
    other_batch.batch_id = rid(9);
    for b in [altered, added, removed, reordered, renumbered, other_batch] {
        assert_eq!(verify(&b), Err(ConsentError::Mismatch));
    }
    // Presented to another holder.
    assert_eq!(
        good.verify_consent(code("141003"), &signer(1).public_key(), code("011002"), T0),
        Err(ConsentError::Mismatch)
    );
}

/// Both ways: a batch's statement is no single inquiry's, and a single inquiry's signed
/// statement cannot be wrapped into a batch of its one question.
#[test]
fn batch_and_single_statements_are_not_interchangeable() {
    let batch = inquiry_batch(&signer(1));
    let q = batch.questions[0].clone();
    let single =
        InquiryRequest { inquiry_id: batch.batch_id, subject: q.subject.clone(), consent: batch.consent.clone() };
    assert_eq!(
        single.verify_consent(code("141003"), &signer(1).public_key(), code("131016"), T0),
        Err(ConsentError::Mismatch)
    );
    let one = inquiry(&signer(1));
    let wrapped = InquiryBatch {
        batch_id: one.inquiry_id,
        questions: vec![BatchQuestion { inquiry_id: one.inquiry_id, subject: one.subject.clone() }],
        consent: one.consent.clone(),
    };
    assert_eq!(verify(&wrapped), Err(ConsentError::Mismatch));
}

#[test]
fn empty_oversized_or_duplicated_batches_do_not_decode() {
    let good = inquiry_batch(&signer(1));
    let statement = good.consent.statement.clone();
    let with = |questions: Vec<BatchQuestion>| {
        let mut s = statement.clone();
        s.subject_digest = InquiryBatch::questions_digest(&questions);
        let b =
            InquiryBatch { batch_id: good.batch_id, questions, consent: SignedConsent::sign(&signer(1), s).unwrap() };
        // Encoded by hand: `encode_payload` itself refuses what the peer would refuse.
        let bytes = postcard::to_allocvec(&b).unwrap();
        Message::decode_payload(Kind::InquiryBatch, &bytes)
    };
    assert!(with(vec![]).is_err());
    let dup = vec![good.questions[0].clone(), good.questions[0].clone()];
    assert!(with(dup).is_err());
    let many: Vec<BatchQuestion> = (0..=vrs_protocol::limits::MAX_INQUIRIES_PER_BATCH)
        .map(|i| BatchQuestion {
            inquiry_id: vrs_protocol::RecordId::from_bytes((i as u128).to_be_bytes()),
            subject: my_number_subject(),
        })
        .collect();
    assert!(with(many[..256].to_vec()).is_ok());
    assert!(with(many).is_err());
}

#[test]
fn an_answer_must_match_the_questions_one_by_one() {
    let batch = inquiry_batch(&signer(1));
    let answer = inquiry_batch_answer();
    assert!(answer.answers(&batch));
    let mut swapped = answer.clone();
    swapped.answers.reverse();
    assert!(!swapped.answers(&batch));
    let mut short = answer.clone();
    short.answers.pop();
    assert!(!short.answers(&batch));
    let mut other = answer;
    other.batch_id = rid(9);
    assert!(!other.answers(&batch));
    assert!(matches!(inquiry_batch_answer().answers[0].result, InquiryResult::Found(_)));
}
