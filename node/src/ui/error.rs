//! The pages' error type: a redirect to the sign-in page, or a short error page in the
//! user's language (the code's catalogue text, else the message it came with).

use super::lang::Lang;
use super::layout;
use crate::api::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

#[derive(Debug)]
pub enum UiError {
    /// No live session: go to the sign-in page.
    SignIn,
    Page {
        status: StatusCode,
        lang: Option<Lang>,
        code: &'static str,
        message: String,
    },
}

impl UiError {
    pub fn api(lang: Lang, e: ApiError) -> Self {
        UiError::Page { status: e.status, lang: Some(lang), code: e.code, message: e.message }
    }

    pub fn forbidden(lang: Lang) -> Self {
        UiError::Page { status: StatusCode::FORBIDDEN, lang: Some(lang), code: "forbidden", message: String::new() }
    }

    pub fn csrf(lang: Lang) -> Self {
        UiError::Page { status: StatusCode::FORBIDDEN, lang: Some(lang), code: "form_expired", message: String::new() }
    }

    pub fn not_found(lang: Lang) -> Self {
        UiError::Page { status: StatusCode::NOT_FOUND, lang: Some(lang), code: "not_found", message: String::new() }
    }

    /// The text shown in `lang`.
    fn text(lang: Lang, code: &str, message: &str) -> String {
        let t = lang.t();
        match code {
            "forbidden" => t.forbidden.to_owned(),
            "form_expired" => t.form_expired.to_owned(),
            "not_found" if message.is_empty() => t.not_found_page.to_owned(),
            _ => t.code_or(code, message).to_owned(),
        }
    }
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UiError::SignIn => f.write_str("sign-in required"),
            UiError::Page { code, message, .. } => write!(f, "{code}: {message}"),
        }
    }
}

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self {
            UiError::SignIn => StatusCode::SEE_OTHER,
            UiError::Page { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            UiError::SignIn => HttpResponse::SeeOther().insert_header(("Location", "/ui/sign-in")).finish(),
            UiError::Page { status, lang, code, message } => {
                // Without a known language (an error before the page knew it), say it in both.
                let texts: Vec<(Lang, String)> = match lang {
                    Some(l) => vec![(*l, Self::text(*l, code, message))],
                    None => [Lang::Ja, Lang::En].into_iter().map(|l| (l, Self::text(l, code, message))).collect(),
                };
                layout::error_page(*status, lang.unwrap_or(Lang::Ja), &texts)
            }
        }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError::Page { status: e.status, lang: None, code: e.code, message: e.message }
    }
}

impl From<actix_web::error::BlockingError> for UiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<crate::db::DbError> for UiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<diesel::r2d2::PoolError> for UiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::from(e).into()
    }
}
