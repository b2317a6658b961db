//! Vaccination certificates (issue 7): `GET /api/v1/certificates/{atena}` (staff) issues a
//! SMART Health Card of every dose this home node holds for the person, `.../qr.png` and
//! `.../qr.svg` its QR code (`?chunk=N` for a chunked card); `/.well-known/jwks.json` and
//! `/.well-known/crl/{kid}.json` (no auth) let any verifier check it. A protected person's
//! card is issued only on the holder's own request (`?holder_request=true`).

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::certificates::{Issued, qr, source};
use crate::db::users::{Role, User};
use crate::db::{disclosures, revocations};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use std::time::Instant;
use vrs_protocol::Atena;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardQuery {
    /// The holder asked in person (required for a protected person).
    #[serde(default)]
    holder_request: bool,
    /// Which QR code of a chunked card (1-based; default 1).
    chunk: Option<usize>,
}

#[derive(Clone, Copy)]
enum Form {
    Json,
    Png,
    Svg,
}

impl Form {
    fn as_str(self) -> &'static str {
        match self {
            Form::Json => "json",
            Form::Png => "png",
            Form::Svg => "svg",
        }
    }
}

/// Reads the person and their doses, signs the card and logs `certificate.issued`.
async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    q: &CardQuery,
    form: Form,
) -> Result<(Issued, f64), ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let atena = super::residents::atena_in_path(&path)?;
    issue_for(&state, user, atena, q.holder_request, form.as_str()).await
}

/// Issues the person's card (the one path of these endpoints and the web page), logging
/// `certificate.issued` with the form it was given in.
pub async fn issue_for(
    state: &web::Data<AppState>,
    user: User,
    atena: Atena,
    holder_request: bool,
    form: &'static str,
) -> Result<(Issued, f64), ApiError> {
    let state = state.clone();
    web::block(move || -> Result<_, ApiError> {
        let start = Instant::now();
        let mut conn = state.db.get()?;
        let atena = atena.as_str();
        let person = source::person(&mut conn, atena)?.ok_or_else(|| ApiError::not_found("resident"))?;
        if !holder_request && disclosures::is_protected(&mut conn, atena)? {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "protected_person",
                "this person's certificate is issued only at the holder's own request (holder_request=true)",
            ));
        }
        let doses = source::doses(&mut conn, atena, &state.products)?;
        let rid = state.keys.certificate_rid(atena);
        // Never earlier than the person's last revocation, so a new card is not revoked.
        let nbf = crate::db::now().max(revocations::latest(&mut conn, &rid)?.unwrap_or(0));
        let issued = state.issuer.issue(nbf, Some(&rid), &person, &doses).map_err(ApiError::internal)?;
        let detail = format!("kid={} form={form} holder_request={holder_request}", issued.kid);
        super::residents::log_read(&mut conn, &user, "certificate.issued", atena, Some(detail))?;
        Ok((issued, start.elapsed().as_secs_f64() * 1000.0))
    })
    .await?
}

fn timing(ms: f64) -> (&'static str, String) {
    ("Server-Timing", format!("issue;dur={ms:.2}"))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    q: web::Query<CardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (card, ms) = issue(state, caller, path, &q, Form::Json).await?;
    Ok(HttpResponse::Ok().insert_header(timing(ms)).json(json!({
        "shc": card.shc, "jws": card.jws, "chunks": card.chunks, "kid": card.kid, "nbf": card.nbf,
    })))
}

fn chunk_of(card: &Issued, q: &CardQuery) -> Result<qrcode::QrCode, ApiError> {
    let n = q.chunk.unwrap_or(1);
    let shc = n.checked_sub(1).and_then(|i| card.chunks.get(i)).ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_chunk",
            format!("the card has {} QR code(s); chunk is 1-based", card.chunks.len()),
        )
    })?;
    qr::code(shc).map_err(ApiError::internal)
}

pub async fn qr_png(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    q: web::Query<CardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (card, ms) = issue(state, caller, path, &q, Form::Png).await?;
    let png = qr::png(&chunk_of(&card, &q)?).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("X-SHC-Chunks", card.chunks.len().to_string()))
        .insert_header(timing(ms))
        .body(png))
}

pub async fn qr_svg(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    q: web::Query<CardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (card, ms) = issue(state, caller, path, &q, Form::Svg).await?;
    let svg = qr::svg(&chunk_of(&card, &q)?);
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("X-SHC-Chunks", card.chunks.len().to_string()))
        .insert_header(timing(ms))
        .body(svg))
}

/// `GET /.well-known/jwks.json` (no auth): the current key and every retired one.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let ctr = web::block(move || revocations::counter(&mut *db.get()?).map_err(ApiError::from)).await??;
    Ok(HttpResponse::Ok().insert_header(("Access-Control-Allow-Origin", "*")).json(state.issuer.jwks(ctr)))
}

/// `GET /.well-known/crl/{kid}.json` (no auth): revoked rids with their times. The rid does
/// not depend on the signing key, so every key of this node has the same list.
pub async fn crl(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let kid = path.strip_suffix(".json").unwrap_or_default().to_owned();
    if !state.issuer.keys().jwks().iter().any(|k| k.kid == kid) {
        return Err(ApiError::not_found("key"));
    }
    let db = state.db.clone();
    let (ctr, rids) = web::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        Ok((revocations::counter(&mut conn)?, revocations::list(&mut conn)?))
    })
    .await??;
    let rids: Vec<String> = rids.into_iter().map(|(rid, at)| format!("{rid}.{at}")).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .json(json!({ "kid": kid, "method": "rid", "ctr": ctr, "rids": rids })))
}
