//! The pages' language: Japanese unless the browser chose English with the switch in the
//! header (`GET /ui/lang/{ja|en}?back=PATH`, remembered in the `vrs_lang` cookie).

use super::catalogue::{EN, JA, Messages};
use super::cookies;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub const COOKIE: &str = "vrs_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn of(req: &HttpRequest) -> Lang {
        match cookies::get(req, COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Ja,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    pub fn t(self) -> &'static Messages {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Only a path of these pages: never another site (no open redirect).
pub fn safe_back(back: Option<&str>) -> &str {
    match back {
        Some(b)
            if b.starts_with("/ui")
                && !b.contains("//")
                && b.len() <= 300
                && b.bytes().all(|c| c.is_ascii_graphic() && c != b'\\') =>
        {
            b
        }
        _ => "/ui",
    }
}

pub async fn switch(req: HttpRequest, code: web::Path<String>, q: web::Query<Back>) -> HttpResponse {
    let lang = if code.as_str() == "en" { "en" } else { "ja" };
    HttpResponse::SeeOther()
        .insert_header(("Location", safe_back(q.back.as_deref())))
        .insert_header(("Set-Cookie", cookies::set(COOKIE, lang, Some(365 * 86_400), cookies::secure(&req))))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_stays_on_the_pages() {
        assert_eq!(safe_back(Some("/ui/site")), "/ui/site");
        assert_eq!(safe_back(Some("https://evil.example/ui")), "/ui");
        assert_eq!(safe_back(Some("//evil.example")), "/ui");
        assert_eq!(safe_back(Some("/ui//evil.example")), "/ui");
        assert_eq!(safe_back(Some("/ui\\evil")), "/ui");
        assert_eq!(safe_back(Some("/api/v1/audit")), "/ui");
        assert_eq!(safe_back(None), "/ui");
    }
}
