//! The web pages' sign-in and sessions over real HTTP (an in-process node on a loopback
//! port): cookie attributes, the sign-in form's own CSRF token, wrong passwords and tokens,
//! throttling, the CSRF token of every form, sign-out, idle and absolute expiry, and a new
//! password ending the user's sessions.

use crate::http_api::TestNode;
use crate::on_both_backends;
use diesel::prelude::*;
use reqwest::blocking::{Client, Response};
use vrs_node::db::passwords;
use vrs_node::db::schema::web_sessions;
use vrs_node::db::users::{self, Role};

const PASSWORD: &str = "kudan-minami 1-2-1";

struct Browser {
    base: String,
    http: Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(node: &TestNode) -> Self {
        let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: node.base.clone(), http, cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// Keeps the cookies a response sets (and forgets cleared ones), as a browser would.
    fn keep(&mut self, res: &Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
    }

    fn get(&mut self, path: &str) -> (u16, String, Option<String>) {
        let res = self.http.get(format!("{}{path}", self.base)).header("Cookie", self.cookie_header()).send().unwrap();
        self.answer(res)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .form(form)
            .send()
            .unwrap();
        self.answer(res)
    }

    fn answer(&mut self, res: Response) -> (u16, String, Option<String>) {
        self.keep(&res);
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (status, res.text().unwrap(), location)
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// The value of hidden field `name` on the page.
    fn field(page: &str, name: &str) -> String {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in {page}"));
        let rest = &page[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    fn sign_in(&mut self, name: &str, password: &str) -> (u16, String, Option<String>) {
        let (_, page, _) = self.get("/ui/sign-in");
        let pre = Self::field(&page, "_pre");
        self.post("/ui/sign-in", &[("_pre", &pre), ("method", "password"), ("name", name), ("password", password)])
    }
}

fn with_password(node: &TestNode, name: &str, role: Role) -> String {
    let mut conn = node.db.conn();
    let token = users::add(&mut conn, name, role, &Default::default()).unwrap();
    let id = passwords::user_id_by_name(&mut conn, name).unwrap().unwrap();
    passwords::set(&mut conn, id, &passwords::hash(PASSWORD).unwrap(), "test").unwrap();
    token
}

fn live_sessions(node: &TestNode) -> i64 {
    web_sessions::table.count().get_result(&mut *node.db.conn()).unwrap()
}

on_both_backends! {
    fn sign_in_sessions_and_csrf(db) {
        let node = TestNode::start(db);
        let admin_token = with_password(&node, "admin", Role::Admin);
        let mut b = Browser::new(&node);

        // Not signed in: every page leads to the sign-in page.
        assert_eq!(b.get("/ui").2.as_deref(), Some("/ui/sign-in"));
        assert_eq!(b.get("/ui/users").2.as_deref(), Some("/ui/sign-in"));
        let res = b.http.get(format!("{}/ui/sign-in", node.base)).send().unwrap();
        let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        let pre_cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(pre_cookie.starts_with("vrs_pre=") && pre_cookie.contains("HttpOnly")
            && pre_cookie.contains("SameSite=Strict") && pre_cookie.contains("Path=/ui"), "{pre_cookie}");
        assert!(!pre_cookie.contains("Secure"), "plain HTTP listener");

        // The sign-in form's token must match its cookie (another site cannot post it).
        let (_, page, _) = b.get("/ui/sign-in");
        let pre = Browser::field(&page, "_pre");
        let mut stranger = Browser::new(&node);
        let forged = stranger.post("/ui/sign-in",
            &[("_pre", &pre), ("method", "password"), ("name", "admin"), ("password", PASSWORD)]);
        assert_eq!(forged.0, 403);

        // Wrong password, unknown user, wrong token: the same refusal, no session.
        let (status, page, _) = b.sign_in("admin", "not the password");
        assert_eq!(status, 401);
        let (status2, page2, _) = b.sign_in("nobody", PASSWORD);
        assert_eq!(status2, 401);
        let msg = |p: &str| p[p.find("role=\"alert\"").unwrap()..].split('<').next().unwrap().to_owned();
        assert_eq!(msg(&page), msg(&page2), "a wrong name and a wrong password look the same");
        assert!(b.cookie("vrs_session").is_none());
        assert_eq!(live_sessions(&node), 0);

        // The right password: a session cookie, HttpOnly and SameSite=Strict, then the menu.
        let res = {
            let (_, page, _) = b.get("/ui/sign-in");
            let pre = Browser::field(&page, "_pre");
            b.http.post(format!("{}/ui/sign-in", node.base)).header("Cookie", b.cookie_header())
                .form(&[("_pre", pre.as_str()), ("method", "password"), ("name", "admin"), ("password", PASSWORD)])
                .send().unwrap()
        };
        assert_eq!(res.status().as_u16(), 303);
        let set: Vec<String> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        let session = set.iter().find(|c| c.starts_with("vrs_session=")).unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/ui"));
        b.keep(&res);
        let token = b.cookie("vrs_session").unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(b.get("/ui").2.as_deref(), Some("/ui/users"));
        let (status, page, _) = b.get("/ui/users");
        assert_eq!(status, 200);
        assert!(page.contains("data-user=\"clerk\""), "the users list");
        let stored: Vec<u8> = web_sessions::table.select(web_sessions::token_hash).first(&mut *node.db.conn()).unwrap();
        assert_ne!(stored, token.as_bytes(), "only the hash is stored");

        // The API never takes the session cookie: it stays bearer-token only.
        let api = b.http.get(format!("{}/api/v1/audit", node.base)).header("Cookie", b.cookie_header()).send().unwrap();
        assert_eq!(api.status().as_u16(), 401);

        // Every form carries the session's CSRF token; without it nothing happens.
        let csrf = Browser::field(&page, "_csrf");
        assert_eq!(b.post("/ui/users", &[("name", "newsite"), ("role", "site")]).0, 403);
        assert_eq!(b.post("/ui/users", &[("_csrf", "0".repeat(32).as_str()), ("name", "newsite"), ("role", "site")]).0, 403);
        let (status, page, _) = b.post("/ui/users", &[("_csrf", &csrf), ("name", "newsite"), ("role", "site")]);
        assert_eq!(status, 200);
        let new_token = page[page.find("id=\"new-token\"").unwrap()..].split('>').nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert!(new_token.starts_with("vrs_"), "{new_token}");

        // The new user signs in with the token shown; a staff page is not theirs.
        let mut site = Browser::new(&node);
        let (_, page, _) = site.get("/ui/sign-in");
        let pre = Browser::field(&page, "_pre");
        let (status, _, to) = site.post("/ui/sign-in", &[("_pre", &pre), ("method", "token"), ("token", &new_token)]);
        assert_eq!((status, to.as_deref()), (303, Some("/ui")));
        assert_eq!(site.get("/ui/users").0, 403);

        // Passwords: the admin sets one for the site user (too short first).
        let id = passwords::user_id_by_name(&mut node.db.conn(), "newsite").unwrap().unwrap();
        let path = format!("/ui/users/{id}/password");
        let (status, page, _) = b.post(&path, &[("_csrf", &csrf), ("password", "short"), ("password_again", "short")]);
        assert_eq!(status, 422);
        assert!(page.contains("12"), "the rule is named");
        let (status, _, _) = b.post(&path, &[("_csrf", &csrf), ("password", PASSWORD), ("password_again", PASSWORD)]);
        assert_eq!(status, 200);
        // ... which ends the site user's session.
        assert_eq!(site.get("/ui").2.as_deref(), Some("/ui/sign-in"));
        assert_eq!(site.sign_in("newsite", PASSWORD).0, 303);

        // Sign-out ends the session on the server, not only in the browser.
        let stolen = b.cookie_header();
        assert_eq!(b.post("/ui/sign-out", &[("_csrf", &csrf)]).2.as_deref(), Some("/ui/sign-in"));
        let replay = b.http.get(format!("{}/ui/users", node.base)).header("Cookie", stolen).send().unwrap();
        assert_eq!(replay.status().as_u16(), 303);

        // Idle and absolute expiry, as the database's clock sees them.
        let mut c = Browser::new(&node);
        assert_eq!(c.sign_in("admin", PASSWORD).0, 303);
        assert_eq!(c.get("/ui/users").0, 200);
        let now = vrs_node::db::now();
        diesel::update(web_sessions::table).set(web_sessions::last_seen_at.eq(now - 1801)).execute(&mut *node.db.conn()).unwrap();
        assert_eq!(c.get("/ui/users").2.as_deref(), Some("/ui/sign-in"), "idle for 30 minutes");
        let mut d = Browser::new(&node);
        assert_eq!(d.sign_in("admin", PASSWORD).0, 303);
        diesel::update(web_sessions::table).set(web_sessions::expires_at.eq(now - 1)).execute(&mut *node.db.conn()).unwrap();
        assert_eq!(d.get("/ui/users").2.as_deref(), Some("/ui/sign-in"), "past the absolute limit");
        drop(admin_token);
    }

    fn failed_sign_ins_are_throttled(db) {
        let node = TestNode::start(db);
        with_password(&node, "clerk2", Role::Staff);
        let mut b = Browser::new(&node);
        for _ in 0..5 {
            assert_eq!(b.sign_in("clerk2", "wrong password!").0, 401);
        }
        let (status, page, _) = b.sign_in("clerk2", PASSWORD);
        assert_eq!(status, 429, "locked even with the right password");
        assert!(page.contains("15"), "says how long to wait");
        assert!(b.cookie("vrs_session").is_none());
        // Another user from the same address is not locked yet (20 per address).
        with_password(&node, "clerk3", Role::Staff);
        assert_eq!(b.sign_in("clerk3", PASSWORD).0, 303);
    }

    fn the_users_page_keeps_the_nodes_user_cap(db) {
        // A node that allows 7 users with a live token (the default is 10); TestNode has
        // added 3 already and the admin is the 4th.
        let node = TestNode::start_with(db, |s| s.auth.max_users = 7);
        with_password(&node, "admin", Role::Admin);
        let mut b = Browser::new(&node);
        assert_eq!(b.sign_in("admin", PASSWORD).0, 303);
        let (_, page, _) = b.get("/ui/users");
        let csrf = Browser::field(&page, "_csrf");
        for i in 5..=7 {
            let (status, _, _) = b.post("/ui/users", &[("_csrf", &csrf), ("name", &format!("site{i}")), ("role", "site")]);
            assert_eq!(status, 200, "user {i} of 7");
        }
        let (status, page, _) = b.post("/ui/users", &[("_csrf", &csrf), ("name", "site8"), ("role", "site")]);
        assert_eq!(status, 409);
        assert!(page.contains("auth.max_users") && page.contains(" 7 "), "the page names the limit");
        assert!(!page.contains("id=\"new-token\""));
        assert!(passwords::user_id_by_name(&mut node.db.conn(), "site8").unwrap().is_none());
        let (status, page, _) = b.post("/ui/users", &[("_csrf", &csrf), ("name", "site7"), ("role", "site")]);
        assert_eq!(status, 409);
        assert!(!page.contains("id=\"new-token\""), "a taken name gets no token");

        // Revoking a user's token (`user revoke-token`) also ends their signed-in pages.
        let mut clerk = Browser::new(&node);
        with_password(&node, "clerk9", Role::Staff);
        assert_eq!(clerk.sign_in("clerk9", PASSWORD).0, 303);
        assert_ne!(clerk.get("/ui").2.as_deref(), Some("/ui/sign-in"), "signed in");
        let revoke = vrs_http::users::UserCommand::RevokeToken { data_dir: Default::default(), name: "clerk9".into() };
        let mut out = Vec::new();
        vrs_http::users::run(revoke, &mut users::Users(&mut node.db.conn()), &Default::default(), "test", &mut out)
            .unwrap();
        assert_eq!(clerk.get("/ui").2.as_deref(), Some("/ui/sign-in"), "the session ended with the token");
    }
}
