//! The former municipality's side of a transfer-in inquiry. The consent statement is
//! checked here, by this node, against the asker's registry key: the coordinator and the
//! asking node's word count for nothing. Only the kana name, birth date, sex and doses
//! leave; every answer (and every refusal) is written to the access log.

use crate::crypto::NodeKeys;
use crate::db::group_commit::{GroupCommit, Limits};
use crate::db::{DbConn, DbError, access_log, disclosures, residents, vaccinations};
use crate::vaccinations::Status;
use vrs_protocol::messages::{
    BatchQuestion, ConsentStatement, FoundPerson, InquiryAnswer, InquiryBatch, InquiryRequest, InquiryResult,
    InquirySubject, PersonSummary, PriorDose,
};
use vrs_protocol::{CivilDate, MunicipalityCode, RecordId, Sex, SigningPublicKey, WireErrorCode};

/// Checks the consent. Any failure is `consent_required` on the wire; which check failed
/// is logged here (it names no person).
pub fn check_consent<'a>(
    request: &'a InquiryRequest,
    asker: MunicipalityCode,
    asker_key: &SigningPublicKey,
    own: MunicipalityCode,
    now_ms: u64,
) -> Result<&'a ConsentStatement, WireErrorCode> {
    match request.verify_consent(asker, asker_key, own, now_ms) {
        Ok(()) => Ok(&request.consent.statement),
        Err(e) => {
            tracing::warn!(%asker, inquiry_id = %request.inquiry_id, reason = %e, "inquiry refused: consent");
            Err(e.wire_code())
        }
    }
}

/// Checks a batch's one consent statement, which binds all its questions; any failure
/// refuses the whole batch (`consent_required`), logged like [`check_consent`].
pub fn check_batch_consent(
    batch: &InquiryBatch,
    asker: MunicipalityCode,
    asker_key: &SigningPublicKey,
    own: MunicipalityCode,
    now_ms: u64,
) -> Result<(), WireErrorCode> {
    batch.verify_consent(asker, asker_key, own, now_ms).map_err(|e| {
        tracing::warn!(%asker, batch_id = %batch.batch_id, reason = %e, "inquiry batch refused: consent");
        e.wire_code()
    })
}

/// A verified inquiry, or a verified batch of them, waiting for its answers.
#[derive(Debug)]
pub struct Verified {
    pub asker: MunicipalityCode,
    /// Checked against the asker's registry key; it covers every question.
    pub consent: ConsentStatement,
    /// A batch's id (named in each of its log rows); `None` for a single inquiry.
    pub batch_id: Option<RecordId>,
    pub questions: Vec<BatchQuestion>,
}

impl Verified {
    pub fn single(asker: MunicipalityCode, request: InquiryRequest) -> Self {
        let question = BatchQuestion { inquiry_id: request.inquiry_id, subject: request.subject };
        Verified { asker, consent: request.consent.statement, batch_id: None, questions: vec![question] }
    }

    pub fn batch(asker: MunicipalityCode, batch: InquiryBatch) -> Self {
        let batch_id = Some(batch.batch_id);
        Verified { asker, consent: batch.consent.statement, batch_id, questions: batch.questions }
    }
}

/// Answers inquiries through one group-committing writer: each answer's disclosure and
/// access-log rows commit before it leaves, and concurrent inquiries (and every question
/// of a batch) share one commit instead of one fsync each.
pub fn start_answering(
    pool: crate::db::Pool,
    keys: std::sync::Arc<NodeKeys>,
    own: MunicipalityCode,
) -> std::io::Result<GroupCommit<Verified, Vec<InquiryAnswer>>> {
    let work = move |conn: &mut DbConn, batch: &[&Verified]| -> Result<Vec<Vec<InquiryAnswer>>, DbError> {
        batch.iter().map(|v| answer_all(conn, &keys, own, v)).collect()
    };
    GroupCommit::start("inquiry-answers", pool, Limits::default(), work, ())
}

/// Answers every question of `v` inside the caller's write transaction, then appends their
/// access-log rows in one claim on the chain head (one per question, as for single
/// inquiries).
pub fn answer_all(
    conn: &mut DbConn,
    keys: &NodeKeys,
    own: MunicipalityCode,
    v: &Verified,
) -> Result<Vec<InquiryAnswer>, DbError> {
    let mut answers = Vec::with_capacity(v.questions.len());
    let mut logged = Vec::with_capacity(v.questions.len());
    for q in &v.questions {
        let (a, l) = answer(conn, keys, v.asker, own, q, &v.consent, v.batch_id)?;
        answers.push(a);
        logged.push(l);
    }
    let actor = format!("node:{}", v.asker);
    let entries: Vec<access_log::Entry<'_>> = logged
        .iter()
        .map(|l| access_log::Entry {
            actor: &actor,
            role: "node",
            action: l.action,
            atena: l.atena.as_deref(),
            detail: Some(l.detail.clone()),
        })
        .collect();
    access_log::record_all(conn, &entries)?;
    Ok(answers)
}

/// An answer's access-log row, written by [`answer_all`].
#[derive(Debug)]
pub struct Logged {
    action: &'static str,
    atena: Option<String>,
    detail: String,
}

/// Answers one verified question inside the caller's write transaction: looks the person
/// up, withholds a protected person, and writes the disclosure (or the withholding) to the
/// resident's record; returns the answer and its access-log row, so nothing leaves
/// unrecorded.
pub fn answer(
    conn: &mut DbConn,
    keys: &NodeKeys,
    asker: MunicipalityCode,
    own: MunicipalityCode,
    question: &BatchQuestion,
    consent: &ConsentStatement,
    batch_id: Option<RecordId>,
) -> Result<(InquiryAnswer, Logged), DbError> {
    let atena = find(conn, keys, &question.subject)?;
    let found = match &atena {
        Some(a) => person(conn, a, own)?.map(|p| (a.clone(), p)),
        None => None,
    };
    let protected = match &found {
        Some((a, _)) => disclosures::is_protected(conn, a)?,
        None => false,
    };
    let basis = match consent.basis {
        vrs_protocol::messages::ConsentBasis::Consent => "consent",
        vrs_protocol::messages::ConsentBasis::ConsentImpracticable => "consent_impracticable",
    };
    let (method, staff) = (safe_word(&consent.method), safe_word(&consent.staff_user));
    let inquiry_id = question.inquiry_id.to_string();
    let (action, outcome, result) = match found {
        None => ("inquiry.answered", "not_found", InquiryResult::NotFound),
        Some((atena, person)) => {
            let withheld = if protected { disclosures::Outcome::Withheld } else { disclosures::Outcome::Disclosed };
            let doses = if protected { 0 } else { i64::try_from(person.doses.len()).unwrap_or(i64::MAX) };
            disclosures::record(
                conn,
                disclosures::NewDisclosure {
                    inquiry_id: &inquiry_id,
                    atena: &atena,
                    asker: asker.as_str(),
                    basis,
                    method,
                    asker_staff: staff,
                    outcome: withheld,
                    doses,
                },
            )?;
            if protected {
                ("inquiry.withheld", "withheld", InquiryResult::Withheld)
            } else {
                ("inquiry.disclosed", "found", InquiryResult::Found(person))
            }
        }
    };
    let mut detail = format!(
        "inquiry_id={inquiry_id} asker={asker} basis={basis} method={method} asker_staff={staff} outcome={outcome}"
    );
    // The signed statement that covered a batch's question is the batch's.
    if let Some(b) = batch_id {
        detail += &format!(" batch_id={b}");
    }
    // Only a disclosure or a withholding names the resident; a miss has nobody to name.
    let atena = if matches!(result, InquiryResult::NotFound) { None } else { atena };
    Ok((InquiryAnswer { inquiry_id: question.inquiry_id, result }, Logged { action, atena, detail }))
}

/// Writes refused inquiries to the log, one row per question, in one claim on the chain
/// head (no person is looked up for them). `batch_id` names the refused batch, if any.
pub fn log_refusal(
    conn: &mut DbConn,
    asker: MunicipalityCode,
    inquiry_ids: &[RecordId],
    batch_id: Option<RecordId>,
) -> Result<(), DbError> {
    let actor = format!("node:{asker}");
    let batch = batch_id.map(|b| format!(" batch_id={b}")).unwrap_or_default();
    let entries: Vec<access_log::Entry<'_>> = inquiry_ids
        .iter()
        .map(|id| access_log::Entry {
            actor: &actor,
            role: "node",
            action: "inquiry.refused",
            atena: None,
            detail: Some(format!("inquiry_id={id} asker={asker} reason=consent_required{batch}")),
        })
        .collect();
    access_log::record_all(conn, &entries)
}

/// By My Number through its keyed hash; by coupon (active or reissued) only if the birth
/// date matches too, so a guessed coupon number alone discloses nothing.
fn find(conn: &mut DbConn, keys: &NodeKeys, subject: &InquirySubject) -> Result<Option<String>, DbError> {
    match subject {
        InquirySubject::MyNumber(n) => residents::find_by_my_number(conn, keys, n),
        InquirySubject::Coupon { coupon, birth_date } => {
            let Some(atena) = residents::find_by_coupon(conn, coupon)? else { return Ok(None) };
            let born = residents::summary(conn, &atena)?.map(|(_, _, b, _)| b);
            Ok(born.filter(|b| *b == birth_date.iso()).map(|_| atena))
        }
    }
}

fn person(conn: &mut DbConn, atena: &str, own: MunicipalityCode) -> Result<Option<FoundPerson>, DbError> {
    let Some((family_kana, given_kana, birth, sex)) = residents::summary(conn, atena)? else { return Ok(None) };
    // Stored values were validated on import; one that no longer parses is a damaged row.
    let birth_date = CivilDate::parse_iso(&birth).map_err(|e| DbError::Query(format!("stored birth date: {e}")))?;
    let sex = Sex::from_iso_code(sex).unwrap_or(Sex::Unknown(0));
    let doses = vaccinations::for_person(conn, atena)?
        .into_iter()
        .filter(|r| r.status == Status::Recorded.as_str())
        .filter_map(|r| {
            Some(PriorDose {
                dose_number: u8::try_from(r.dose_number).ok()?,
                vaccinated_on: CivilDate::parse_iso(&r.vaccinated_on).ok()?,
                given_in: given_in(&r.source).unwrap_or(own),
                product: r.product,
                lot: r.lot,
            })
        })
        .collect();
    Ok(Some(FoundPerson { person: PersonSummary { family_kana, given_kana, birth_date, sex }, doses }))
}

/// A dose delivered through the federation carries `federation:<where given>` as its
/// source; everything else was given here.
fn given_in(source: &str) -> Option<MunicipalityCode> {
    MunicipalityCode::parse(source.strip_prefix("federation:")?).ok()
}

/// The asker's free-text fields go into the log only when they are plain words (`written`,
/// a user name): anything else could carry personal data and is logged as `other`.
fn safe_word(s: &str) -> &str {
    let plain = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if plain { s } else { "other" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::messages::{ConsentBasis, SignedConsent};
    use vrs_protocol::{MyNumber, RecordId, SigningKey};

    fn code(s: &str) -> MunicipalityCode {
        MunicipalityCode::parse(s).unwrap()
    }

    /// An inquiry from 141003 to 131016 signed by `key`.
    fn request(key: &SigningKey) -> InquiryRequest {
        let subject = InquirySubject::MyNumber(MyNumber::parse("123456789018").unwrap());
        let inquiry_id = RecordId::random().unwrap();
        let statement = ConsentStatement {
            inquiry_id,
            asker: code("141003"),
            holder: code("131016"),
            subject_digest: subject.digest(),
            basis: ConsentBasis::Consent,
            method: "written".into(),
            obtained_at_ms: 1_000,
            staff_user: "staff".into(),
            reason: None,
        };
        InquiryRequest { inquiry_id, subject, consent: SignedConsent::sign(key, statement).unwrap() }
    }

    #[test]
    fn the_holder_checks_the_consent_itself() {
        let asker = SigningKey::generate().unwrap();
        let (from, me) = (code("141003"), code("131016"));
        let good = request(&asker);
        assert!(check_consent(&good, from, &asker.public_key(), me, 2_000).is_ok());
        // Signed by someone else than the sender's registry key.
        let forged = request(&SigningKey::generate().unwrap());
        assert_eq!(check_consent(&forged, from, &asker.public_key(), me, 2_000), Err(WireErrorCode::ConsentRequired));
        // Altered in transit: another person under the same statement.
        let mut other = good.clone();
        other.subject = InquirySubject::MyNumber(MyNumber::from_body(1).unwrap());
        assert_eq!(check_consent(&other, from, &asker.public_key(), me, 2_000), Err(WireErrorCode::ConsentRequired));
        // Addressed to another holder, or sent by another node than the one it names.
        assert!(check_consent(&good, from, &asker.public_key(), code("011002"), 2_000).is_err());
        assert!(check_consent(&good, code("011002"), &asker.public_key(), me, 2_000).is_err());
        // Basis changed after signing.
        let mut weakened = good;
        weakened.consent.statement.basis = ConsentBasis::ConsentImpracticable;
        weakened.consent.statement.reason = Some("x".into());
        assert!(check_consent(&weakened, from, &asker.public_key(), me, 2_000).is_err());
    }

    /// A bulk chunk's one statement covers exactly its questions: a question swapped in
    /// transit, or the statement shown to another holder, refuses the whole chunk.
    #[test]
    fn the_holder_checks_a_batch_consent_itself() {
        let asker = SigningKey::generate().unwrap();
        let (from, me) = (code("141003"), code("131016"));
        let one = request(&asker);
        let questions = vec![
            BatchQuestion { inquiry_id: RecordId::random().unwrap(), subject: one.subject.clone() },
            BatchQuestion {
                inquiry_id: RecordId::random().unwrap(),
                subject: InquirySubject::MyNumber(MyNumber::from_body(7).unwrap()),
            },
        ];
        let batch_id = RecordId::random().unwrap();
        let statement = ConsentStatement {
            inquiry_id: batch_id,
            subject_digest: InquiryBatch::questions_digest(&questions),
            ..one.consent.statement.clone()
        };
        let good = InquiryBatch { batch_id, questions, consent: SignedConsent::sign(&asker, statement).unwrap() };
        assert_eq!(check_batch_consent(&good, from, &asker.public_key(), me, 2_000), Ok(()));
        let mut swapped = good.clone();
        swapped.questions[1].subject = InquirySubject::MyNumber(MyNumber::from_body(8).unwrap());
        assert_eq!(
            check_batch_consent(&swapped, from, &asker.public_key(), me, 2_000),
            Err(WireErrorCode::ConsentRequired)
        );
        assert!(check_batch_consent(&good, from, &asker.public_key(), code("011002"), 2_000).is_err());
        let forged = SigningKey::generate().unwrap();
        assert!(check_batch_consent(&good, from, &forged.public_key(), me, 2_000).is_err());
    }

    #[test]
    fn only_plain_words_reach_the_log() {
        assert_eq!(safe_word("written"), "written");
        assert_eq!(safe_word("山田"), "other");
        assert_eq!(safe_word("123456789018 x"), "other");
        assert_eq!(safe_word(""), "other");
    }
}
