//! The frame every page shares: header (municipality, user, language switch, sign-out),
//! navigation by role, a skip link, and the stylesheets (screen and print). No inline
//! script or style anywhere: the Content-Security-Policy allows only this origin's files.

use super::catalogue::Messages;
use super::lang::Lang;
use super::session::CSRF_FIELD;
use crate::db::users::{Role, User};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

/// What a page needs to know about who is looking, and in which language.
#[derive(Debug, Clone)]
pub struct Frame {
    pub lang: Lang,
    /// The request's path (for the language switch's way back).
    pub path: String,
    /// "131016 千代田区".
    pub municipality: String,
    pub user: Option<User>,
    pub csrf: Option<String>,
}

impl Frame {
    pub fn t(&self) -> &'static Messages {
        self.lang.t()
    }

    /// The hidden CSRF field every form of a signed-in page carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf.as_deref().unwrap_or_default()); }
    }

    pub fn page(&self, title: &str, body: Markup) -> HttpResponse {
        self.page_with(StatusCode::OK, title, body)
    }

    pub fn page_with(&self, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
        html_response(status, self.render(title, title, body))
    }

    /// A page whose heading names a person: the tab's title (which browsers keep in
    /// their history) stays generic.
    pub fn page_named(&self, tab_title: &str, heading: &str, body: Markup) -> HttpResponse {
        html_response(StatusCode::OK, self.render(tab_title, heading, body))
    }

    fn render(&self, title: &str, heading: &str, body: Markup) -> Markup {
        let t = self.t();
        html! {
            (DOCTYPE)
            html lang=(self.lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — " (t.app_name) }
                    link rel="stylesheet" href="/ui/static/app.css";
                    link rel="stylesheet" media="print" href="/ui/static/print.css";
                    script src="/ui/static/app.js" defer {}
                }
                body {
                    a.skip href="#main" { (t.skip_to_content) }
                    header.top {
                        div.brand {
                            a href="/ui" { (t.app_name) }
                            span.muni { (self.municipality) }
                        }
                        div.who {
                            @if let Some(u) = &self.user {
                                span { (super::catalogue::fill(t.signed_in_as, &[&u.name, &role_name(t, u.role)])) }
                            }
                            a.lang href=(format!("/ui/lang/{}?back={}", self.lang.other().code(), self.path))
                                lang=(self.lang.other().code()) { (t.switch_language) }
                            @if self.user.is_some() {
                                form.inline method="post" action="/ui/sign-out" {
                                    (self.csrf_field())
                                    button.link type="submit" { (t.sign_out) }
                                }
                            }
                        }
                    }
                    @if let Some(u) = &self.user { (nav(t, u.role, &self.path)) }
                    main #main tabindex="-1" {
                        h1 { (heading) }
                        (body)
                    }
                }
            }
        }
    }
}

fn nav(t: &Messages, role: Role, path: &str) -> Markup {
    let items: Vec<(&str, &str)> = match role {
        Role::Staff => vec![("/ui/municipal", t.municipal_menu), ("/ui/site", t.site_menu)],
        Role::Site => vec![("/ui/site", t.site_menu)],
        Role::Admin => vec![("/ui/users", t.users)],
        Role::Auditor => vec![("/ui/audit", t.audit_log)],
        Role::Monitoring => vec![],
    };
    html! {
        nav.menu aria-label=(t.menu) {
            @for (href, label) in items {
                a href=(href) aria-current=[path.starts_with(href).then_some("page")] { (label) }
            }
        }
    }
}

pub fn role_name(t: &Messages, role: Role) -> &'static str {
    match role {
        Role::Admin => t.role_admin,
        Role::Staff => t.role_staff,
        Role::Site => t.role_site,
        Role::Auditor => t.role_auditor,
        Role::Monitoring => t.role_monitoring,
    }
}

pub fn html_response(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string())
}

/// A page with only an error message (and a way back), for errors outside a page's flow.
pub fn error_page(status: StatusCode, lang: Lang, texts: &[(Lang, String)]) -> HttpResponse {
    let t = lang.t();
    html_response(
        status,
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (t.error_title) " — " (t.app_name) }
                    link rel="stylesheet" href="/ui/static/app.css";
                }
                body {
                    main #main {
                        h1 { (t.error_title) }
                        @for (l, text) in texts {
                            p.error role="alert" lang=(l.code()) { (text) }
                        }
                        p { a href="/ui" { (t.back) } }
                    }
                }
            }
        },
    )
}

/// A notice or error box at the top of a form.
pub fn notice(kind: &str, text: &str) -> Markup {
    let role = if kind == "error" { "alert" } else { "status" };
    html! { p class=(format!("notice {kind}")) role=(role) { (text) } }
}
