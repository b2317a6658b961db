//! Reading residents: `GET /api/v1/residents/{atena}` and `POST /api/v1/residents/search`
//! (a POST, so that a My Number never appears in a URL or a proxy's log). Every read is
//! written to the access log.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::{Role, User};
use crate::db::{DbConn, access_log, residents};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use vrs_protocol::{Atena, CivilDate, CouponNumber, MyNumber};

pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let atena = atena_in_path(&path)?;
    let view = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let view = residents::get(&mut conn, &state.keys, atena.as_str())?;
        if view.is_some() {
            log_read(&mut conn, &user, "resident.read", atena.as_str(), None)?;
        }
        Ok(view)
    })
    .await??;
    view.map(|v| HttpResponse::Ok().json(v)).ok_or_else(|| ApiError::not_found("resident"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub coupon: Option<String>,
    pub my_number: Option<String>,
    pub family_kana: Option<String>,
    pub given_kana: Option<String>,
    pub birth_date: Option<String>,
}

pub enum Search {
    Coupon(CouponNumber),
    MyNumber(MyNumber),
    Kana { family: String, given: Option<String>, birth: CivilDate },
}

impl SearchRequest {
    pub fn parse(self) -> Result<Search, ApiError> {
        let bad = |code, msg: &str| ApiError::unprocessable(code, msg.to_owned());
        match (self.coupon, self.my_number, self.family_kana, self.birth_date) {
            (Some(c), None, None, None) => Ok(Search::Coupon(
                CouponNumber::parse(&c).map_err(|_| bad("invalid_coupon", "coupon must be 10 digits"))?,
            )),
            (None, Some(m), None, None) => Ok(Search::MyNumber(
                MyNumber::parse(&m).map_err(|e| bad("invalid_my_number", &format!("my_number: {e}")))?,
            )),
            (None, None, Some(f), Some(b)) => {
                let family = vrs_protocol::kana::normalize_kana(&f)
                    .map_err(|_| bad("invalid_kana", "family_kana must be katakana"))?;
                let given = match self.given_kana.filter(|g| !g.is_empty()) {
                    Some(g) => Some(
                        vrs_protocol::kana::normalize_kana(&g)
                            .map_err(|_| bad("invalid_kana", "given_kana must be katakana"))?,
                    ),
                    None => None,
                };
                let birth = CivilDate::parse_iso(&b).map_err(|e| bad("invalid_date", &format!("birth_date: {e}")))?;
                Ok(Search::Kana { family, given, birth })
            }
            _ => Err(bad(
                "invalid_search",
                "give exactly one of: coupon; my_number; family_kana with birth_date (and optionally given_kana)",
            )),
        }
    }

    pub fn kind(s: &Search) -> &'static str {
        match s {
            Search::Coupon(_) => "coupon",
            Search::MyNumber(_) => "my_number",
            Search::Kana { .. } => "kana_birth_date",
        }
    }
}

pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<SearchRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let search = body.into_inner().parse()?;
    let views = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        find(&mut conn, &state.keys, &user, &search)
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({ "results": views })))
}

/// The residents a search finds, each read written to the access log (the API's search
/// and the web page's).
pub fn find(
    conn: &mut DbConn,
    keys: &crate::crypto::NodeKeys,
    user: &User,
    search: &Search,
) -> Result<Vec<residents::ResidentView>, ApiError> {
    let atenas = match search {
        Search::Coupon(c) => residents::find_by_coupon(conn, c)?.into_iter().collect(),
        Search::MyNumber(m) => residents::find_by_my_number(conn, keys, m)?.into_iter().collect(),
        Search::Kana { family, given, birth } => residents::find_by_kana(conn, family, given.as_deref(), *birth)?,
    };
    let by = format!("by={}", SearchRequest::kind(search));
    let mut views = Vec::with_capacity(atenas.len());
    for a in atenas {
        if let Some(v) = residents::get(conn, keys, &a)? {
            log_read(conn, user, "resident.search", &a, Some(by.clone()))?;
            views.push(v);
        }
    }
    Ok(views)
}

/// The 個別宛名番号 of a `/residents/{atena}/...` or `/certificates/{atena}` path.
pub(crate) fn atena_in_path(s: &str) -> Result<Atena, ApiError> {
    Atena::parse(s).map_err(|_| ApiError::bad_request("invalid_atena", "個別宛名番号 must be 1 to 15 digits"))
}

/// One access-log row by the calling user about resident `atena`.
pub(crate) fn log_read(
    conn: &mut DbConn,
    user: &User,
    action: &str,
    atena: &str,
    detail: Option<String>,
) -> Result<(), ApiError> {
    access_log::record(
        conn,
        access_log::Entry { actor: &user.name, role: user.role.as_str(), action, atena: Some(atena), detail },
    )?;
    Ok(())
}
