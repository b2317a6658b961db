//! `/ui/users` (admin): the node's users, adding one (its API token shown once), and
//! setting a user's password for these pages (which ends that user's sessions).

use super::catalogue::fill;
use super::error::UiError;
use super::layout::{notice, role_name};
use super::signed_in::SignedIn;
use crate::api::state::AppState;
use crate::db::passwords::{self, Account};
use crate::db::users::{self, Role};
use crate::db::{DbError, access_log};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use vrs_http::users::UserError;

const ROLES: [Role; 4] = [Role::Staff, Role::Site, Role::Admin, Role::Auditor];

pub async fn list(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, UiError> {
    s.require(&[Role::Admin])?;
    page(&state, &s, StatusCode::OK, html! {}).await
}

async fn page(state: &AppState, s: &SignedIn, status: StatusCode, top: Markup) -> Result<HttpResponse, UiError> {
    let db = state.db.clone();
    let accounts = web::block(move || passwords::accounts(&mut *db.get()?)).await??;
    Ok(s.frame.page_with(status, s.frame.t().users, body(s, &accounts, top)))
}

fn body(s: &SignedIn, accounts: &[Account], top: Markup) -> Markup {
    let t = s.frame.t();
    html! {
        p { (t.users_intro) }
        (top)
        table #users {
            thead { tr { th { (t.user_name) } th { (t.role) } th { (t.created_at) } th { (t.status) } th { (t.has_password) } th { (t.set_password) } } }
            tbody {
                @for a in accounts {
                    tr data-user=(a.name) {
                        td { (a.name) }
                        td { (Role::parse(&a.role).map_or(a.role.as_str(), |r| role_name(t, r))) }
                        td { (super::format::time(a.created_at)) }
                        td { (if a.disabled { t.disabled } else { t.enabled }) }
                        td { @match a.password_set_at {
                            Some(at) => (fill(t.password_set_on, &[&super::format::time(at)])),
                            None => (t.password_not_set),
                        } }
                        td { (password_form(s, a)) }
                    }
                }
            }
        }
        form.card method="post" action="/ui/users" #add-user {
            h2 { (t.add_user) }
            (s.frame.csrf_field())
            label for="new-name" { (t.user_name) " " small { (t.name_rule) } }
            input #new-name type="text" name="name" required maxlength="100" autocomplete="off";
            label for="new-role" { (t.role) }
            select #new-role name="role" {
                @for r in ROLES { option value=(r.as_str()) { (role_name(t, r)) } }
            }
            button type="submit" { (t.add_user) }
        }
    }
}

fn password_form(s: &SignedIn, a: &Account) -> Markup {
    let t = s.frame.t();
    let id = a.id;
    html! {
        form.row method="post" action=(format!("/ui/users/{id}/password")) {
            (s.frame.csrf_field())
            label for=(format!("pw-{id}")) .visually-hidden { (t.password) " (" (a.name) ")" }
            input id=(format!("pw-{id}")) type="password" name="password" autocomplete="new-password" required minlength="12";
            label for=(format!("pw2-{id}")) .visually-hidden { (t.password_again) " (" (a.name) ")" }
            input id=(format!("pw2-{id}")) type="password" name="password_again" autocomplete="new-password" required
                placeholder=(t.password_again);
            button type="submit" { (t.set_password) }
        }
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    _csrf: String,
    name: String,
    role: String,
}

pub async fn add(state: web::Data<AppState>, s: SignedIn, form: web::Form<AddForm>) -> Result<HttpResponse, UiError> {
    let admin = s.require(&[Role::Admin])?.clone();
    s.check_csrf(&form._csrf)?;
    let t = s.frame.t();
    let name = form.name.trim().to_owned();
    let Some(role) = Role::parse(&form.role) else {
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, notice("error", t.code_or("invalid_role", "")))
            .await;
    };
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, notice("error", t.code_or("invalid_name", "")))
            .await;
    }
    let db = state.db.clone();
    let auth = state.settings.auth.clone();
    let new_name = name.clone();
    let added = web::block(move || -> Result<Result<String, UserError>, DbError> {
        let mut conn = db.get()?;
        if passwords::user_id_by_name(&mut conn, &new_name)?.is_some() {
            return Ok(Err(UserError::Exists(new_name)));
        }
        let token = match users::add(&mut conn, &new_name, role, &auth) {
            Ok(token) => token,
            Err(UserError::Store(e)) => return Err(DbError::Query(e)),
            Err(refused) => return Ok(Err(refused)),
        };
        access_log::record(
            &mut conn,
            access_log::Entry {
                actor: &admin.name,
                role: admin.role.as_str(),
                action: "user.add",
                atena: None,
                detail: Some(format!("name={new_name} role={}", role.as_str())),
            },
        )?;
        Ok(Ok(token))
    })
    .await??;
    let (status, top) = match added {
        Ok(token) => (
            StatusCode::OK,
            html! {
                (notice("ok", &fill(t.user_added, &[&name])))
                p { code #new-token .token { (token) } }
            },
        ),
        Err(UserError::Limit { max }) => (StatusCode::CONFLICT, notice("error", &fill(t.user_limit, &[&max]))),
        Err(UserError::Exists(_)) => (StatusCode::CONFLICT, notice("error", t.user_exists)),
        Err(other) => (StatusCode::UNPROCESSABLE_ENTITY, notice("error", &other.to_string())),
    };
    page(&state, &s, status, top).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    _csrf: String,
    password: String,
    password_again: String,
}

pub async fn set_password(
    state: web::Data<AppState>,
    s: SignedIn,
    path: web::Path<i64>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, UiError> {
    let admin = s.require(&[Role::Admin])?.clone();
    s.check_csrf(&form._csrf)?;
    let t = s.frame.t();
    let user_id = path.into_inner();
    let form = form.into_inner();
    let db = state.db.clone();
    let target = web::block(move || -> Result<_, DbError> {
        Ok(passwords::accounts(&mut *db.get()?)?.into_iter().find(|a| a.id == user_id))
    })
    .await??
    .ok_or_else(|| UiError::not_found(s.lang()))?;
    let refuse = |text: &str| notice("error", &format!("{} ({})", text, target.name));
    if form.password != form.password_again {
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, refuse(t.passwords_differ)).await;
    }
    if let Err(e) = passwords::check_policy(&target.name, &form.password) {
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, refuse(t.code_or(e.code(), ""))).await;
    }
    let db = state.db.clone();
    let name = target.name.clone();
    web::block(move || -> Result<(), UiError> {
        let phc = passwords::hash(&form.password).map_err(crate::api::error::ApiError::internal)?;
        let mut conn = db.get()?;
        passwords::set(&mut conn, user_id, &phc, &admin.name)?;
        access_log::record(
            &mut conn,
            access_log::Entry {
                actor: &admin.name,
                role: admin.role.as_str(),
                action: "user.password",
                atena: None,
                detail: Some(format!("name={name}")),
            },
        )?;
        Ok(())
    })
    .await??;
    page(&state, &s, StatusCode::OK, notice("ok", &fill(t.password_set, &[&target.name]))).await
}
