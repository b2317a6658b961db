//! The signed-in user of a page request: the session cookie, looked up in the database
//! (live, user enabled), its idle clock restarted. A request without one is sent to the
//! sign-in page. Forms are checked against the session's CSRF token here too.

use super::cookies;
use super::error::UiError;
use super::lang::Lang;
use super::layout::Frame;
use super::session::{self, Policy, Token};
use crate::api::state::AppState;
use crate::db::users::{Role, User};
use crate::db::web_sessions;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;

pub struct SignedIn {
    pub user: User,
    pub token: Token,
    pub frame: Frame,
}

impl SignedIn {
    pub fn lang(&self) -> Lang {
        self.frame.lang
    }

    /// Allows the page for these roles; a 403 page otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<&User, UiError> {
        if roles.contains(&self.user.role) { Ok(&self.user) } else { Err(UiError::forbidden(self.lang())) }
    }

    pub fn check_csrf(&self, presented: &str) -> Result<(), UiError> {
        if self.token.csrf_matches(presented) { Ok(()) } else { Err(UiError::csrf(self.lang())) }
    }

    /// For `.map_err`: an API error shown as a page in the user's language.
    pub fn api_err(&self) -> impl Fn(crate::api::error::ApiError) -> UiError + use<> {
        let lang = self.lang();
        move |e| UiError::api(lang, e)
    }
}

/// "131016 千代田区", for the header.
pub fn municipality_label(state: &AppState) -> String {
    let code = state.settings.municipality_code();
    match crate::municipalities::lookup(code) {
        Some(m) => format!("{code} {}", m.name),
        None => code.to_string(),
    }
}

/// Where the language switch leads back to: the page itself, or for the answer to a form
/// (a POST, which a GET cannot repeat) the page that form is on.
pub fn back_path(method: &actix_web::http::Method, path: &str) -> String {
    if method == actix_web::http::Method::GET {
        return path.to_owned();
    }
    if path == "/ui/inquiries" {
        return "/ui/inquiries/new".into();
    }
    match path.rsplit_once('/') {
        Some((parent, last))
            if ["check", "record", "settings", "consent", "correct", "cancel", "password"].contains(&last) =>
        {
            if parent.starts_with("/ui/users/") { "/ui/users".into() } else { parent.to_owned() }
        }
        _ => path.to_owned(),
    }
}

/// The frame of a page nobody is signed in to (the sign-in page).
pub fn anonymous_frame(req: &HttpRequest, state: &AppState) -> Frame {
    Frame {
        lang: Lang::of(req),
        path: back_path(req.method(), req.path()),
        municipality: municipality_label(state),
        user: None,
        csrf: None,
    }
}

/// The live session of this request, if any (the sign-in page uses it to skip itself).
pub async fn current(req: &HttpRequest) -> Result<Option<SignedIn>, UiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(None);
    };
    let Some(token) = cookies::get(req, session::COOKIE).and_then(|v| Token::from_cookie(&v)) else {
        return Ok(None);
    };
    let policy = Policy::from_settings(&state.settings.web);
    let hash = token.hash();
    let db = state.db.clone();
    let live = web::block(move || -> Result<_, UiError> {
        let mut conn = db.get()?;
        let now = crate::db::now();
        let live = web_sessions::find_live(&mut conn, &hash, now, policy.idle_since(now))?;
        if let Some(l) = &live
            && policy.needs_touch(l.last_seen_at, now)
        {
            web_sessions::touch(&mut conn, &hash, now)?;
        }
        Ok(live)
    })
    .await??;
    Ok(live.map(|l| {
        let mut frame = anonymous_frame(req, &state);
        frame.user = Some(l.user.clone());
        frame.csrf = Some(token.csrf());
        SignedIn { user: l.user, token, frame }
    }))
}

impl FromRequest for SignedIn {
    type Error = UiError;
    type Future = Pin<Box<dyn Future<Output = Result<SignedIn, UiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { current(&req).await?.ok_or(UiError::SignIn) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    #[test]
    fn the_language_switch_leads_back_to_a_page_a_get_can_show() {
        assert_eq!(back_path(&Method::GET, "/ui/site"), "/ui/site");
        assert_eq!(back_path(&Method::POST, "/ui/site/check"), "/ui/site");
        assert_eq!(back_path(&Method::POST, "/ui/site/settings"), "/ui/site");
        assert_eq!(back_path(&Method::POST, "/ui/inquiries"), "/ui/inquiries/new");
        assert_eq!(back_path(&Method::POST, "/ui/inquiries/bulk/consent"), "/ui/inquiries/bulk");
        assert_eq!(back_path(&Method::POST, "/ui/doses/abc/correct"), "/ui/doses/abc");
        assert_eq!(back_path(&Method::POST, "/ui/users/7/password"), "/ui/users");
        assert_eq!(back_path(&Method::POST, "/ui/residents/search"), "/ui/residents/search");
    }
}
