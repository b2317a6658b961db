//! Reading the `Cookie` header and writing `Set-Cookie` values for the pages' cookies. Every
//! cookie is `Path=/ui` (the API never receives one), `HttpOnly` (no script reads it),
//! `SameSite=Strict` (no other site's page sends it), and `Secure` when the listener is TLS.

use actix_web::HttpRequest;

/// The value of cookie `name`, if the browser sent one.
pub fn get(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// A `Set-Cookie` value. `max_age` None makes a browser-session cookie.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/ui; HttpOnly; SameSite=Strict");
    if let Some(secs) = max_age {
        c.push_str(&format!("; Max-Age={secs}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear(name: &str, secure: bool) -> String {
    set(name, "", Some(0), secure)
}

/// True when the request came over TLS (the listener's own knowledge, never a header a
/// client or proxy could set).
pub fn secure(req: &HttpRequest) -> bool {
    req.app_config().secure()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn reads_one_cookie_among_several() {
        let req =
            TestRequest::default().insert_header(("Cookie", "a=1; vrs_session=abc; vrs_lang=en")).to_http_request();
        assert_eq!(get(&req, "vrs_session").as_deref(), Some("abc"));
        assert_eq!(get(&req, "vrs_lang").as_deref(), Some("en"));
        assert_eq!(get(&req, "session"), None);
    }

    #[test]
    fn attributes() {
        assert_eq!(set("s", "v", None, false), "s=v; Path=/ui; HttpOnly; SameSite=Strict");
        assert_eq!(set("s", "v", Some(60), true), "s=v; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=60; Secure");
        assert!(clear("s", false).contains("Max-Age=0"));
    }
}
