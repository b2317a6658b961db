//! `POST /api/v1/inquiries`: the transfer-in desk asks a person's former municipality for
//! their doses. This node signs the consent statement, the former municipality's node
//! checks it and answers sealed to us; the coordinator in between reads neither. Every
//! inquiry, whatever its outcome, is written to the access log (without the My Number).

use super::auth::Caller;
use super::error::ApiError;
use super::inquiry_input::{self, Consent, Inquiry, InquiryBody};
use super::state::AppState;
use crate::db::access_log;
use crate::db::users::{Role, User};
use crate::federation::inquiry_ask::{self, AskError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use std::time::Duration;
use vrs_protocol::messages::{FoundPerson, InquiryResult};
use vrs_protocol::{Atena, RecordId};

pub async fn ask(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<InquiryBody>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let inquiry = inquiry_input::parse(body.into_inner(), vrs_protocol::now_ms())?;
    Ok(HttpResponse::Ok().json(ask_checked(&state, user, inquiry).await?))
}

/// Asks the former municipality (the one path of this endpoint and the web form): the
/// answer's JSON, or the error the desk is shown.
pub async fn ask_checked(state: &web::Data<AppState>, user: User, inquiry: Inquiry) -> Result<Value, ApiError> {
    let own = state.settings.municipality_code();
    if inquiry.to == own {
        return Err(unknown(
            "this is this node's own municipality: look the person up here, not through the federation",
        ));
    }
    let Some(federation) = state.federation.clone() else {
        return Err(unknown("this node is not part of a federation"));
    };
    if !federation.registry.is_enrolled(inquiry.to) {
        return Err(unknown("no node of this municipality is enrolled in the federation (or it was revoked)"));
    }
    if let Some(atena) = inquiry.bring_in_for.clone() {
        let db = state.db.clone();
        let known = web::block(move || crate::db::residents::exists(&mut *db.get()?, atena.as_str())).await??;
        if !known {
            return Err(ApiError::not_found("resident"));
        }
    }
    let inquiry_id = RecordId::random().map_err(ApiError::internal)?;
    let consent = inquiry.consent.signed_by(&user.name);
    let timeout = Duration::from_millis(state.settings.federation.inquiry_timeout_ms);
    let result =
        inquiry_ask::ask_about(&federation, inquiry_id, inquiry.to, inquiry.subject.clone(), &consent, timeout).await;
    let outcome = inquiry_ask::outcome_word(&result);
    let actor = user.name.clone();
    log_inquiry(state, user, &inquiry, inquiry_id, outcome).await?;
    let id = inquiry_id.to_string();
    match result {
        Ok(InquiryResult::Found(found)) => {
            let mut answer = found_json(&id, &found);
            if let Some(atena) = inquiry.bring_in_for {
                let (db, doses) = (state.db.clone(), found.doses.clone());
                let added = web::block(move || {
                    crate::vaccinations::prior::bring_in(&mut *db.get()?, atena.as_str(), inquiry_id, &doses, &actor)
                })
                .await??;
                answer["brought_in"] = json!(added);
            }
            Ok(answer)
        }
        Ok(InquiryResult::NotFound) => Ok(json!({"status": "not_found", "inquiry_id": id})),
        Ok(InquiryResult::Withheld) => Ok(json!({"status": "withheld", "inquiry_id": id})),
        Err(AskError::UnknownMunicipality) => Err(unknown("the coordinator does not know this municipality's node")),
        Err(AskError::Unreachable) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "node_unreachable",
            "the former municipality's node did not answer in time; try again later",
        )
        .with("inquiry_id", Value::String(id))),
        Err(AskError::ConsentRefused) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "consent_required",
            "the former municipality's node refused the consent statement",
        )
        .with("inquiry_id", Value::String(id))),
        Ok(InquiryResult::Refused(code)) | Err(AskError::Failed(code)) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "inquiry_failed",
            format!("the former municipality's node refused the inquiry: {code}"),
        )
        .with("inquiry_id", Value::String(id))),
    }
}

fn unknown(message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "unknown_municipality", message.to_owned())
}

/// The asker's record: who asked which municipality, how the person was named (not the
/// identifier), on what basis, and what came of it.
async fn log_inquiry(
    state: &web::Data<AppState>,
    user: User,
    inquiry: &Inquiry,
    inquiry_id: RecordId,
    outcome: &'static str,
) -> Result<(), ApiError> {
    let detail = ask_detail(inquiry_id, inquiry.to, inquiry.by(), &inquiry.consent, outcome);
    let bring_in_for = inquiry.bring_in_for.clone();
    let state = state.clone();
    web::block(move || -> Result<(), ApiError> {
        let mut conn = state.db.get()?;
        access_log::record(
            &mut conn,
            access_log::Entry {
                actor: &user.name,
                role: user.role.as_str(),
                action: "inquiry.ask",
                // About whom, when the person is (or becomes) our resident; otherwise the
                // inquiry id links this row to the holder's record of whom it found.
                atena: bring_in_for.as_ref().map(Atena::as_str),
                detail: Some(detail),
            },
        )?;
        Ok(())
    })
    .await?
}

/// The asker's access-log detail of one inquiry (single or one row of a bulk batch).
pub fn ask_detail(
    inquiry_id: RecordId,
    to: vrs_protocol::MunicipalityCode,
    by: &str,
    consent: &Consent,
    outcome: &str,
) -> String {
    format!(
        "inquiry_id={inquiry_id} municipality={to} by={by} basis={} method={} outcome={outcome}",
        consent.basis_str(),
        consent.method
    )
}

pub fn found_json(inquiry_id: &str, found: &FoundPerson) -> Value {
    json!({
        "status": "found",
        "inquiry_id": inquiry_id,
        "person": person_json(found),
        "vaccinations": doses_json(found),
    })
}

/// Only what the desk needs to confirm the person: kana name, birth date, sex.
pub fn person_json(found: &FoundPerson) -> Value {
    let p = &found.person;
    json!({"birth_date": p.birth_date.iso(), "sex": p.sex.letter(), "family_kana": p.family_kana,
           "given_kana": p.given_kana})
}

pub fn doses_json(found: &FoundPerson) -> Value {
    let doses: Vec<Value> = found
        .doses
        .iter()
        .map(|d| {
            json!({"dose": d.dose_number, "vaccinated_on": d.vaccinated_on.iso(), "product": d.product,
                   "lot": d.lot, "municipality": d.given_in.as_str()})
        })
        .collect();
    Value::Array(doses)
}
