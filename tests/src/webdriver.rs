//! A headless Chromium driven over the W3C WebDriver protocol: `chromedriver` (Debian's
//! `chromium-driver`, installed by `.ci/run`) on a loopback port, spoken to with plain
//! HTTP. Enough to load a page, read what it shows, type (keys reach the page as a
//! person's or a barcode reader's would), click, upload a file and take a screenshot,
//! without a WebDriver crate.

use super::free_port;
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub fn start() -> anyhow::Result<Self> {
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver (Debian: apt-get install chromium chromium-driver)")?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build()?;
        let mut b = Browser { driver, base, session: String::new(), http };
        b.wait_ready()?;
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}});
        let v = b.call("POST", "/session", caps)?;
        b.session = v["sessionId"].as_str().context("no session id")?.to_owned();
        Ok(b)
    }

    fn wait_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.http.get(format!("{}/status", self.base)).send().is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("chromedriver did not start")
    }

    fn call(&self, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "POST" => self.http.post(url).json(&body),
            "DELETE" => self.http.delete(url),
            _ => self.http.get(url),
        };
        let v: Value = req.send()?.json()?;
        if v["value"]["error"].is_string() {
            bail!("webdriver {path}: {}", v["value"]["message"]);
        }
        Ok(v["value"].clone())
    }

    pub fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.call("POST", &format!("/session/{}/url", self.session), json!({ "url": url })).map(drop)
    }

    /// Sets the window's size (a tablet: 820 x 1180).
    pub fn window(&self, width: u32, height: u32) -> anyhow::Result<()> {
        let body = json!({"width": width, "height": height, "x": 0, "y": 0});
        self.call("POST", &format!("/session/{}/window/rect", self.session), body).map(drop)
    }

    /// The WebDriver id of the first element matching `css`.
    pub fn find(&self, css: &str) -> anyhow::Result<String> {
        let v = self.call(
            "POST",
            &format!("/session/{}/element", self.session),
            json!({"using": "css selector", "value": css}),
        )?;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("no element {css}"))
    }

    pub fn click(&self, css: &str) -> anyhow::Result<()> {
        let id = self.find(css)?;
        self.call("POST", &format!("/session/{}/element/{id}/click", self.session), json!({})).map(drop)
    }

    /// Types `text` into the element as key presses (`\n` is Enter). For a file input,
    /// `text` is the path of the file to upload.
    pub fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let id = self.find(css)?;
        let text = text.replace('\n', "\u{E007}");
        self.call("POST", &format!("/session/{}/element/{id}/value", self.session), json!({ "text": text })).map(drop)
    }

    /// The element's text as shown.
    pub fn text(&self, css: &str) -> anyhow::Result<String> {
        let id = self.find(css)?;
        let v = self.call("GET", &format!("/session/{}/element/{id}/text", self.session), Value::Null)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub fn url(&self) -> anyhow::Result<String> {
        let v = self.call("GET", &format!("/session/{}/url", self.session), Value::Null)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Renders the page as for printing (its `media="print"` stylesheets) or as on screen,
    /// through Chromium's DevTools command behind chromedriver.
    pub fn emulate_print(&self, print: bool) -> anyhow::Result<()> {
        let params = json!({"media": if print { "print" } else { "" }});
        let body = json!({"cmd": "Emulation.setEmulatedMedia", "params": params});
        self.call("POST", &format!("/session/{}/goog/cdp/execute", self.session), body).map(drop)
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine;
        let v = self.call("GET", &format!("/session/{}/screenshot", self.session), Value::Null)?;
        Ok(base64::engine::general_purpose::STANDARD.decode(v.as_str().context("no screenshot")?)?)
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub fn eval(&self, script: &str) -> anyhow::Result<Value> {
        self.call("POST", &format!("/session/{}/execute/sync", self.session), json!({"script": script, "args": []}))
    }

    /// Waits until `script` returns something truthy; returns it.
    pub fn wait_for(&self, script: &str, within: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + within;
        loop {
            let v = self.eval(script)?;
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return Ok(v);
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {script}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), Value::Null);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
