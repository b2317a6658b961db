//! Property tests: every codec round-trips, and no decoder panics on any input.

use crate::fixtures::*;
use proptest::prelude::*;
use vrs_protocol::messages::*;
use vrs_protocol::{
    Address, CivilDate, CouponNumber, Envelope, EnvelopeResponse, Kind, Message, MessageId, MunicipalityCode, MyNumber,
    RecordId, RegistryRequest, RegistryResponse, SealParams, Sex, WireErrorCode,
};

fn any_code() -> impl Strategy<Value = MunicipalityCode> {
    (0u32..100_000).prop_map(|body| {
        let s = format!("{body:05}");
        (0..10).find_map(|d| MunicipalityCode::parse(&format!("{s}{d}")).ok()).unwrap()
    })
}

fn any_date() -> impl Strategy<Value = CivilDate> {
    (0i64..40_000).prop_map(|d| CivilDate::from_unix_days(d).unwrap())
}

fn any_rid() -> impl Strategy<Value = RecordId> {
    any::<[u8; 16]>().prop_map(RecordId::from_bytes)
}

fn any_sex() -> impl Strategy<Value = Sex> {
    prop_oneof![Just(Sex::Male), Just(Sex::Female), Just(Sex::Unknown(0)), Just(Sex::Unknown(9))]
}

fn product() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,31}"
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9ア-ン漢字 ]{{0,{}}}[A-Za-z0-9]", max / 4)).unwrap()
}

fn any_code_wire() -> impl Strategy<Value = WireErrorCode> {
    proptest::sample::select(WireErrorCode::all())
}

fn dose() -> impl Strategy<Value = DoseDelivery> {
    (
        any_rid(),
        any_code(),
        0u64..10_000_000_000,
        1u8..=9,
        any_date(),
        product(),
        text(64),
        text(1024),
        any_code(),
        any::<u64>(),
    )
        .prop_map(|(dose_id, cm, c, dose_number, vaccinated_on, product, lot, site, given_in, recorded_at_ms)| {
            DoseDelivery {
                dose_id,
                coupon_municipality: cm,
                coupon: CouponNumber::parse(&format!("{c:010}")).unwrap(),
                dose_number,
                vaccinated_on,
                product,
                lot,
                site,
                given_in,
                recorded_at_ms,
            }
        })
}

fn outcome() -> impl Strategy<Value = DoseOutcome> {
    prop_oneof![
        Just(DoseOutcome::Recorded),
        Just(DoseOutcome::Unmatched),
        Just(DoseOutcome::AlreadyHave),
        any_code_wire().prop_map(DoseOutcome::Rejected)
    ]
}

fn subject() -> impl Strategy<Value = InquirySubject> {
    prop_oneof![
        (0u64..100_000_000_000).prop_map(|b| InquirySubject::MyNumber(MyNumber::from_body(b).unwrap())),
        (0u64..10_000_000_000, any_date()).prop_map(|(c, birth_date)| InquirySubject::Coupon {
            coupon: CouponNumber::parse(&format!("{c:010}")).unwrap(),
            birth_date
        }),
    ]
}

fn inquiry_req() -> impl Strategy<Value = InquiryRequest> {
    (any_rid(), subject(), any_code(), any_code(), any::<bool>(), text(64), any::<u64>(), text(64), text(1024))
        .prop_map(|(inquiry_id, subject, asker, holder, impracticable, method, obtained_at_ms, staff_user, reason)| {
            let basis = if impracticable { ConsentBasis::ConsentImpracticable } else { ConsentBasis::Consent };
            let statement = ConsentStatement {
                inquiry_id,
                asker,
                holder,
                subject_digest: subject.digest(),
                basis,
                method,
                obtained_at_ms,
                staff_user,
                reason: impracticable.then_some(reason),
            };
            let consent = SignedConsent::sign(&signer(1), statement).unwrap();
            InquiryRequest { inquiry_id, subject, consent }
        })
}

/// 1 to 12 questions (distinct ids) under a statement signed over them.
fn inquiry_batch() -> impl Strategy<Value = InquiryBatch> {
    (any_rid(), proptest::collection::vec(subject(), 1..12), any_code(), any_code(), text(64), any::<u64>()).prop_map(
        |(batch_id, subjects, asker, holder, staff_user, obtained_at_ms)| {
            let questions: Vec<BatchQuestion> = subjects
                .into_iter()
                .enumerate()
                .map(|(i, subject)| {
                    let mut id = batch_id.to_bytes();
                    id[15] = id[15].wrapping_add(1 + i as u8);
                    BatchQuestion { inquiry_id: RecordId::from_bytes(id), subject }
                })
                .collect();
            let statement = ConsentStatement {
                inquiry_id: batch_id,
                asker,
                holder,
                subject_digest: InquiryBatch::questions_digest(&questions),
                basis: ConsentBasis::Consent,
                method: "written".into(),
                obtained_at_ms,
                staff_user,
                reason: None,
            };
            InquiryBatch { batch_id, questions, consent: SignedConsent::sign(&signer(1), statement).unwrap() }
        },
    )
}

fn inquiry_batch_answer() -> impl Strategy<Value = InquiryBatchAnswer> {
    (any_rid(), proptest::collection::vec(inquiry_answer(), 1..8))
        .prop_map(|(batch_id, answers)| InquiryBatchAnswer { batch_id, answers })
}

fn prior_dose() -> impl Strategy<Value = PriorDose> {
    (1u8..=9, any_date(), product(), text(64), any_code()).prop_map(
        |(dose_number, vaccinated_on, product, lot, given_in)| PriorDose {
            dose_number,
            vaccinated_on,
            product,
            lot,
            given_in,
        },
    )
}

fn inquiry_answer() -> impl Strategy<Value = InquiryAnswer> {
    let found =
        ("[ァ-ヶ]{0,16}", "[ァ-ヶ]{0,16}", any_date(), any_sex(), proptest::collection::vec(prior_dose(), 0..6))
            .prop_map(|(f, g, birth_date, sex, doses)| {
                InquiryResult::Found(FoundPerson {
                    person: PersonSummary { family_kana: f, given_kana: g, birth_date, sex },
                    doses,
                })
            });
    let result = prop_oneof![
        found,
        Just(InquiryResult::NotFound),
        Just(InquiryResult::Withheld),
        any_code_wire().prop_map(InquiryResult::Refused)
    ];
    (any_rid(), result).prop_map(|(inquiry_id, result)| InquiryAnswer { inquiry_id, result })
}

fn age_band() -> impl Strategy<Value = AgeBand> {
    proptest::option::of(0u16..130).prop_map(AgeBand::from_age)
}

fn stats_answer() -> impl Strategy<Value = StatsAnswer> {
    let cell = (any_date(), 1u8..=9, product(), any_sex(), age_band(), any::<u64>()).prop_map(
        |(vaccinated_on, dose_number, product, sex, age_band, count)| DoseCell {
            vaccinated_on,
            dose_number,
            product,
            sex,
            age_band,
            count,
        },
    );
    let pop = (any_sex(), age_band(), any::<u64>()).prop_map(|(sex, age_band, count)| PopulationCell {
        sex,
        age_band,
        count,
    });
    (any::<[u8; 16]>(), any::<u64>(), proptest::collection::vec(cell, 0..20), proptest::collection::vec(pop, 0..10))
        .prop_map(|(r, computed_at_ms, doses, population)| StatsAnswer {
            request_id: MessageId::from_bytes(r),
            computed_at_ms,
            doses,
            population,
        })
}

fn checkpoint() -> impl Strategy<Value = SignedCheckpoint> {
    (any_code(), any::<u64>(), any::<u64>(), any::<[u8; 32]>(), any::<u64>()).prop_map(
        |(municipality, seq, entries, head, at_ms)| {
            SignedCheckpoint::sign(&signer(2), Checkpoint { municipality, seq, entries, head, at_ms })
        },
    )
}

pub fn any_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        dose().prop_map(Message::DoseDelivery),
        (any_rid(), outcome()).prop_map(|(dose_id, outcome)| Message::DoseAck(DoseAck { dose_id, outcome })),
        inquiry_req().prop_map(Message::InquiryRequest),
        inquiry_answer().prop_map(Message::InquiryAnswer),
        proptest::option::of(any_date()).prop_map(|through| Message::StatsRequest(StatsRequest { through })),
        stats_answer().prop_map(Message::StatsAnswer),
        checkpoint().prop_map(Message::Checkpoint),
        any::<u64>().prop_map(|seq| Message::CheckpointAck(CheckpointAck { seq })),
        (any::<u64>(), 1..=MAX_CHECKPOINTS_PER_LIST as u16)
            .prop_map(|(after_seq, limit)| Message::CheckpointFetch(CheckpointFetch { after_seq, limit })),
        (proptest::collection::vec(checkpoint(), 0..4), any::<bool>())
            .prop_map(|(checkpoints, more)| Message::CheckpointList(CheckpointList { checkpoints, more })),
        any::<u8>().prop_map(|s| Message::KeyRotation(KeyRotation { enrollment: new_keys(&signer(s)) })),
        any::<u64>().prop_map(|version| Message::KeyRotationAck(KeyRotationAck { version })),
        inquiry_batch().prop_map(Message::InquiryBatch),
        inquiry_batch_answer().prop_map(Message::InquiryBatchAnswer),
    ]
}

fn any_address() -> impl Strategy<Value = Address> {
    prop_oneof![Just(Address::Coordinator), any_code().prop_map(Address::Node)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn payload_round_trip(msg in any_message()) {
        let bytes = msg.encode_payload().unwrap();
        prop_assert_eq!(Message::decode_payload(msg.kind(), &bytes).unwrap(), msg.clone());
        // JSON form (vectors) round-trips too.
        let json = serde_json::to_string(&msg).unwrap();
        prop_assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), msg);
    }

    #[test]
    fn payload_with_trailing_or_missing_bytes_is_refused(msg in any_message(), extra in 1u8..=255) {
        let mut bytes = msg.encode_payload().unwrap();
        bytes.push(extra);
        prop_assert!(Message::decode_payload(msg.kind(), &bytes).is_err());
        bytes.truncate(bytes.len() - 2);
        prop_assert!(Message::decode_payload(msg.kind(), &bytes).is_err());
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), kind in proptest::sample::select(&Kind::ALL[..])) {
        let _ = Message::decode_payload(kind, &bytes);
        let _ = Envelope::from_bytes(&bytes);
        let _ = EnvelopeResponse::from_bytes(&bytes);
        let _ = RegistryRequest::from_bytes(&bytes);
        let _ = RegistryResponse::from_bytes(&bytes);
        let _ = vrs_protocol::decode_frame(&bytes);
    }

    #[test]
    fn mutated_payloads_never_panic(msg in any_message(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = msg.encode_payload().unwrap();
        if !bytes.is_empty() {
            let i = pos.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = Message::decode_payload(msg.kind(), &bytes);
    }

    #[test]
    fn envelope_headers_from_random_fields_never_panic(
        magic in prop_oneof![Just(*b"VRSE"), any::<[u8; 4]>()],
        version in prop_oneof![Just(1u8), any::<u8>()],
        kind in any::<u8>(),
        rest in proptest::collection::vec(any::<u8>(), 48..200),
    ) {
        let mut b = magic.to_vec();
        b.push(version);
        b.push(kind);
        b.extend_from_slice(&rest);
        let _ = Envelope::from_bytes(&b);
    }
}

proptest! {
    // Sealing costs an X25519 exchange and a signature: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sealed_envelope_round_trip(msg in any_message(), from in any_address(), to in any_address(), created in any::<u64>(), id in any::<[u8; 16]>()) {
        let key = decryption(4);
        let params = SealParams::new(from, to, key.public_key()).created_at_ms(created).message_id(MessageId::from_bytes(id));
        let env = Envelope::seal(&signer(5), params, &msg).unwrap();
        let back = Envelope::from_bytes(&env.to_bytes()).unwrap();
        prop_assert_eq!(&back, &env);
        let mut guard = vrs_protocol::ReplayGuard::default();
        let opened = back.open(to, &key, &signer(5).public_key(), &mut guard, created).unwrap();
        prop_assert_eq!(opened.message, msg);
        prop_assert_eq!(opened.header.created_at_ms, created);

        for r in [EnvelopeResponse::Reply(Box::new(env)), EnvelopeResponse::Accepted, EnvelopeResponse::Queued] {
            prop_assert_eq!(EnvelopeResponse::from_bytes(&r.to_bytes()).unwrap(), r);
        }
    }

    #[test]
    fn error_responses_round_trip(code in any_code_wire()) {
        let r = EnvelopeResponse::Error(code);
        prop_assert_eq!(EnvelopeResponse::from_bytes(&r.to_bytes()).unwrap(), r);
        let r = RegistryResponse::Error(code);
        prop_assert_eq!(RegistryResponse::from_bytes(&r.to_bytes()).unwrap(), r);
    }

    #[test]
    fn registry_messages_round_trip(have_version in any::<u64>(), version in any::<u64>()) {
        let r = RegistryRequest::Fetch { have_version };
        prop_assert_eq!(RegistryRequest::from_bytes(&r.to_bytes()).unwrap(), r);
        for r in [RegistryResponse::UpToDate, RegistryResponse::Accepted { version }] {
            prop_assert_eq!(RegistryResponse::from_bytes(&r.to_bytes()).unwrap(), r);
        }
    }
}

#[test]
fn age_bands() {
    assert_eq!(AgeBand::from_age(Some(64)).open_data(), "-64");
    assert_eq!(AgeBand::from_age(Some(65)).open_data(), "65-");
    assert_eq!(AgeBand::from_age(Some(120)).lower(), Some(100));
    assert_eq!(AgeBand::from_age(None).open_data(), "UNK");
    assert_eq!(postcard::from_bytes::<AgeBand>(&[7]).ok(), None);
}
