//! `GET /ui`: each role's starting page.

use super::error::UiError;
use super::signed_in::SignedIn;
use crate::db::users::Role;
use actix_web::HttpResponse;

pub async fn start(s: SignedIn) -> Result<HttpResponse, UiError> {
    // The monitoring role reads /metrics only: it has no page.
    s.require(&[Role::Staff, Role::Site, Role::Admin, Role::Auditor])?;
    let to = match s.user.role {
        Role::Staff => "/ui/municipal",
        Role::Site => "/ui/site",
        Role::Admin => "/ui/users",
        Role::Auditor | Role::Monitoring => "/ui/audit",
    };
    Ok(HttpResponse::SeeOther().insert_header(("Location", to)).finish())
}
