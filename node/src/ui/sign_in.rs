//! `GET/POST /ui/sign-in` and `POST /ui/sign-out`: signing in with a password an admin set
//! or with the user's API token. A new random session token at every sign-in (no fixation),
//! the same answer for a wrong name, password or token (no enumeration, and a wrong name
//! costs the time of a real check), and failures throttled per user name and per address.

use super::UiState;
use super::cookies;
use super::error::UiError;
use super::layout::{Frame, notice};
use super::session::{self, Policy, Token};
use super::signed_in::{SignedIn, anonymous_frame, current};
use super::throttle::address_key;
use crate::api::state::AppState;
use crate::db::users::User;
use crate::db::{access_log, passwords, users, web_sessions};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    _pre: String,
    method: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    if current(&req).await?.is_some() {
        return Ok(HttpResponse::SeeOther().insert_header(("Location", "/ui")).finish());
    }
    let frame = anonymous_frame(&req, &state);
    Ok(render(&req, &frame, StatusCode::OK, None, ""))
}

fn render(req: &HttpRequest, frame: &Frame, status: StatusCode, error: Option<String>, name: &str) -> HttpResponse {
    // The double-submit value: reuse the browser's, or give it one.
    let existing = cookies::get(req, session::PRE_COOKIE).filter(|v| Token::from_cookie(v).is_some());
    let pre = match existing.clone().map(Ok).unwrap_or_else(session::pre_token) {
        Ok(p) => p,
        Err(_) => return UiError::from(crate::api::error::ApiError::internal("no system randomness")).error_response(),
    };
    let mut res = frame.page_with(status, frame.t().sign_in, body(frame, error.as_deref(), name, &pre));
    if existing.is_none()
        && let Ok(v) = cookies::set(session::PRE_COOKIE, &pre, None, cookies::secure(req)).parse()
    {
        res.headers_mut().insert(actix_web::http::header::SET_COOKIE, v);
    }
    res
}

fn body(frame: &Frame, error: Option<&str>, name: &str, pre: &str) -> Markup {
    let t = frame.t();
    html! {
        @if let Some(e) = error { (notice("error", e)) }
        div.cards {
            form.card method="post" action="/ui/sign-in" #sign-in-password {
                h2 { (t.sign_in_with_password) }
                input type="hidden" name="_pre" value=(pre);
                input type="hidden" name="method" value="password";
                label for="name" { (t.user_name) }
                input #name type="text" name="name" value=(name) autocomplete="username" required autofocus;
                label for="password" { (t.password) }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { (t.sign_in) }
            }
            form.card method="post" action="/ui/sign-in" #sign-in-token {
                h2 { (t.sign_in_with_token) }
                input type="hidden" name="_pre" value=(pre);
                input type="hidden" name="method" value="token";
                label for="token" { (t.token) }
                input #token type="password" name="token" autocomplete="off" required;
                button type="submit" { (t.sign_in) }
            }
        }
    }
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: web::Data<UiState>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, UiError> {
    let frame = anonymous_frame(&req, &state);
    let t = frame.t();
    let form = form.into_inner();
    let pre = cookies::get(&req, session::PRE_COOKIE).unwrap_or_default();
    if pre.is_empty() || !session::equal_constant_time(pre.as_bytes(), form._pre.as_bytes()) {
        return Err(UiError::csrf(frame.lang));
    }
    let by_password = form.method == "password";
    let name = form.name.trim().to_owned();
    let user_key = by_password.then_some(name.as_str());
    let address = req.peer_addr().map(|a| address_key(a.ip())).unwrap_or_default();
    let now = crate::db::now();
    if let Some(wait) = ui.throttle.wait(user_key, &address, now) {
        let minutes = (wait + 59) / 60;
        let msg = super::catalogue::fill(t.sign_in_throttled, &[&minutes]);
        return Ok(render(&req, &frame, StatusCode::TOO_MANY_REQUESTS, Some(msg), &name));
    }
    let db = state.db.clone();
    let (secret, lookup_name) = (if by_password { form.password } else { form.token }, name.clone());
    let user = web::block(move || -> Result<Option<User>, UiError> {
        let mut conn = db.get()?;
        if !by_password {
            let token = secret.trim();
            if token.is_empty() || token.len() > 256 {
                return Ok(None);
            }
            // An expired or revoked token signs no one in, like a wrong one.
            return Ok(match users::by_token(&mut conn, token)? {
                vrs_http::token::TokenState::Valid(user) => Some(user),
                _ => None,
            });
        }
        match passwords::for_sign_in(&mut conn, &lookup_name)? {
            Some((user, phc)) => Ok(passwords::verify(&phc, &secret).then_some(user)),
            None => {
                passwords::verify_nobody(&secret);
                Ok(None)
            }
        }
    })
    .await??;
    let Some(user) = user else {
        ui.throttle.failed(user_key, &address, now);
        tracing::info!(method = %form.method, "web sign-in refused");
        return Ok(render(&req, &frame, StatusCode::UNAUTHORIZED, Some(t.sign_in_failed.to_owned()), &name));
    };
    ui.throttle.succeeded(&user.name);
    start_session(&req, &state, user, if by_password { "password" } else { "token" }).await
}

/// Stores a new session and answers with its cookie, on to the user's menu.
async fn start_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: User,
    method: &'static str,
) -> Result<HttpResponse, UiError> {
    let token = Token::generate().map_err(|_| crate::api::error::ApiError::internal("no system randomness"))?;
    let policy = Policy::from_settings(&state.settings.web);
    let (db, hash) = (state.db.clone(), token.hash());
    web::block(move || -> Result<(), UiError> {
        let mut conn = db.get()?;
        let now = crate::db::now();
        web_sessions::purge_dead(&mut conn, now, policy.idle_since(now))?;
        web_sessions::create(&mut conn, &hash, user.id, method, now, policy.expires_at(now))?;
        access_log::record(
            &mut conn,
            access_log::Entry {
                actor: &user.name,
                role: user.role.as_str(),
                action: "ui.sign_in",
                atena: None,
                detail: Some(format!("method={method}")),
            },
        )?;
        Ok(())
    })
    .await??;
    let secure = cookies::secure(req);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/ui"))
        .append_header(("Set-Cookie", cookies::set(session::COOKIE, token.cookie_value(), None, secure)))
        .append_header(("Set-Cookie", cookies::clear(session::PRE_COOKIE, secure)))
        .finish())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    _csrf: String,
}

pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: SignedIn,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, UiError> {
    s.check_csrf(&form._csrf)?;
    let (db, hash) = (state.db.clone(), s.token.hash());
    web::block(move || web_sessions::delete(&mut *db.get()?, &hash)).await??;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/ui/sign-in"))
        .insert_header(("Set-Cookie", cookies::clear(session::COOKIE, cookies::secure(&req))))
        .finish())
}
