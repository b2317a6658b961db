//! Fixed keys and one sample message of every kind, shared by the tests and the vectors.

use vrs_protocol::messages::*;
use vrs_protocol::{
    Address, CivilDate, CouponNumber, DecryptionKey, Enrollment, Message, MunicipalityCode, MyNumber, PeerIdBytes,
    RecordId, Sex, SignedEnrollment, SigningKey,
};

pub const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub fn code(s: &str) -> MunicipalityCode {
    MunicipalityCode::parse(s).unwrap()
}

pub fn yokohama() -> Address {
    Address::Node(code("141003"))
}

pub fn chiyoda() -> Address {
    Address::Node(code("131016"))
}

pub fn seed(b: u8) -> [u8; 32] {
    [b; 32]
}

pub fn signer(b: u8) -> SigningKey {
    SigningKey::from_seed(&seed(b)).unwrap()
}

pub fn decryption(b: u8) -> DecryptionKey {
    DecryptionKey::from_bytes(&seed(b)).unwrap()
}

pub fn date(s: &str) -> CivilDate {
    CivilDate::parse_iso(s).unwrap()
}

pub fn rid(b: u8) -> RecordId {
    RecordId::from_bytes([b; 16])
}

pub fn dose_delivery() -> DoseDelivery {
    DoseDelivery {
        dose_id: rid(1),
        coupon_municipality: code("131016"),
        coupon: CouponNumber::parse("0000123456").unwrap(),
        dose_number: 2,
        vaccinated_on: date("2021-06-14"),
        product: "comirnaty".into(),
        lot: "FA5765".into(),
        site: "横浜市集団接種会場".into(),
        given_in: code("141003"),
        recorded_at_ms: T0 - 1000,
    }
}

pub fn my_number_subject() -> InquirySubject {
    InquirySubject::MyNumber(MyNumber::parse("123456789018").unwrap())
}

pub fn consent_statement(subject: &InquirySubject) -> ConsentStatement {
    ConsentStatement {
        inquiry_id: rid(3),
        asker: code("141003"),
        holder: code("131016"),
        subject_digest: subject.digest(),
        basis: ConsentBasis::Consent,
        method: "written".into(),
        obtained_at_ms: T0 - 60_000,
        staff_user: "desk-01".into(),
        reason: None,
    }
}

pub fn inquiry(asker: &SigningKey) -> InquiryRequest {
    let subject = my_number_subject();
    let consent = SignedConsent::sign(asker, consent_statement(&subject)).unwrap();
    InquiryRequest { inquiry_id: rid(3), subject, consent }
}

pub fn found_answer() -> InquiryAnswer {
    InquiryAnswer {
        inquiry_id: rid(3),
        result: InquiryResult::Found(FoundPerson {
            person: PersonSummary {
                family_kana: "ヤマダ".into(),
                given_kana: "タロウ".into(),
                birth_date: date("1960-04-01"),
                sex: Sex::Male,
            },
            doses: vec![PriorDose {
                dose_number: 1,
                vaccinated_on: date("2021-05-24"),
                product: "comirnaty".into(),
                lot: "EY0779".into(),
                given_in: code("131016"),
            }],
        }),
    }
}

pub fn stats_answer() -> StatsAnswer {
    StatsAnswer {
        request_id: vrs_protocol::MessageId::from_bytes([5; 16]),
        computed_at_ms: T0,
        doses: vec![DoseCell {
            vaccinated_on: date("2021-06-14"),
            dose_number: 2,
            product: "spikevax".into(),
            sex: Sex::Female,
            age_band: AgeBand::from_age(Some(67)),
            count: 1234,
        }],
        population: vec![PopulationCell { sex: Sex::Unknown(0), age_band: AgeBand::UNKNOWN, count: 7 }],
    }
}

pub fn checkpoint(node: &SigningKey) -> SignedCheckpoint {
    SignedCheckpoint::sign(
        node,
        Checkpoint { municipality: code("131016"), seq: 42, entries: 1000, head: [9; 32], at_ms: T0 },
    )
}

/// The enrollment of `node`'s new keys, as a key rotation sends it.
pub fn new_keys(node: &SigningKey) -> SignedEnrollment {
    let e = Enrollment {
        municipality: code("131016"),
        peer_id: PeerIdBytes::new(vec![0x12; 38]).unwrap(),
        signing_key: node.public_key(),
        encryption_key: decryption(3).public_key(),
        created_at_ms: T0,
    };
    SignedEnrollment::sign(node, e).unwrap()
}

/// Two questions to Chiyoda under one statement signed by `asker`.
pub fn inquiry_batch(asker: &SigningKey) -> InquiryBatch {
    let questions = vec![
        BatchQuestion { inquiry_id: rid(4), subject: my_number_subject() },
        BatchQuestion {
            inquiry_id: rid(5),
            subject: InquirySubject::Coupon {
                coupon: CouponNumber::parse("0000123456").unwrap(),
                birth_date: date("1960-04-01"),
            },
        },
    ];
    let statement = ConsentStatement {
        inquiry_id: rid(6),
        subject_digest: InquiryBatch::questions_digest(&questions),
        ..consent_statement(&my_number_subject())
    };
    InquiryBatch { batch_id: rid(6), questions, consent: SignedConsent::sign(asker, statement).unwrap() }
}

/// The answers to [`inquiry_batch`]: one found, one not.
pub fn inquiry_batch_answer() -> InquiryBatchAnswer {
    let found = InquiryAnswer { inquiry_id: rid(4), ..found_answer() };
    InquiryBatchAnswer {
        batch_id: rid(6),
        answers: vec![found, InquiryAnswer { inquiry_id: rid(5), result: InquiryResult::NotFound }],
    }
}

/// One message of every kind, in kind order.
pub fn every_kind() -> Vec<Message> {
    let asker = signer(1);
    vec![
        Message::DoseDelivery(dose_delivery()),
        Message::DoseAck(DoseAck { dose_id: rid(1), outcome: DoseOutcome::AlreadyHave }),
        Message::InquiryRequest(inquiry(&asker)),
        Message::InquiryAnswer(found_answer()),
        Message::StatsRequest(StatsRequest { through: Some(date("2021-12-31")) }),
        Message::StatsAnswer(stats_answer()),
        Message::Checkpoint(checkpoint(&signer(2))),
        Message::CheckpointAck(CheckpointAck { seq: 42 }),
        Message::CheckpointFetch(CheckpointFetch { after_seq: 41, limit: 1000 }),
        Message::CheckpointList(CheckpointList { checkpoints: vec![checkpoint(&signer(2))], more: false }),
        Message::KeyRotation(KeyRotation { enrollment: new_keys(&signer(3)) }),
        Message::KeyRotationAck(KeyRotationAck { version: 7 }),
        Message::InquiryBatch(inquiry_batch(&asker)),
        Message::InquiryBatchAnswer(inquiry_batch_answer()),
    ]
}
