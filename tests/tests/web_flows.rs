//! The staff web pages in a real headless Chromium against real node processes in a real
//! federation: a clerk signs in with a password, imports a residents CSV with one bad row
//! and sees it in the rejected-rows table, a site operator sets up the day and records
//! doses by typing the OCR line (Enter-terminated, as a barcode reader does) and
//! confirming, the clerk sees the doses in the resident's history, clears the flagged one
//! from the review queue, asks another municipality about a newcomer with consent (one
//! person and a bulk file) and opens the certificate and the statistics; and the OCR
//! field's script agrees with the Rust parser. Screenshots of the main pages are written
//! to docs/screenshots/ when VRS_TEST_UPDATE_SCREENSHOTS=1 (scripts/screenshots).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vrs_protocol::{MunicipalityCode, MyNumber, OcrError, OcrLine};
use vrs_tests::desk::{add_user, askable, give_dose, set_password};
use vrs_tests::webdriver::Browser;
use vrs_tests::{LocalFederation, NodeProcess};

const HOME: &str = "131016";
const FORMER: &str = "141003";
const PASSWORD: &str = "kudan-minami 1-2-1";
const WAIT: Duration = Duration::from_secs(30);

struct Shots {
    dir: PathBuf,
    taken: Vec<String>,
}

impl Shots {
    fn new(scratch: &Path) -> Self {
        let dir = if std::env::var_os("VRS_TEST_UPDATE_SCREENSHOTS").is_some() {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
        } else {
            scratch.join("screenshots")
        };
        std::fs::create_dir_all(&dir).unwrap();
        Shots { dir, taken: Vec::new() }
    }

    /// Screenshots a main page, after checking that every control on it has a label, that
    /// its text meets WCAG AA contrast, and that it fits the tablet's width.
    fn take(&mut self, b: &Browser, name: &str) {
        let low_contrast = b.eval(LOW_CONTRAST).unwrap();
        assert_eq!(low_contrast, json!([]), "{name}: text below WCAG AA contrast");
        let overflow =
            b.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth").unwrap();
        assert!(overflow.as_i64().unwrap_or(1) <= 0, "{name}: wider than the screen by {overflow} px");
        let unlabelled = b
            .eval(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)",
            )
            .unwrap();
        assert_eq!(unlabelled, json!([]), "{name}: controls without a label");
        let png = b.screenshot().unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "{name}: not a real screenshot");
        std::fs::write(self.dir.join(format!("{name}.png")), png).unwrap();
        self.taken.push(name.to_owned());
    }
}

/// Every visible element with text of its own whose colour against the first opaque
/// background behind it is under WCAG 2's AA ratio (4.5:1; 3:1 for large text). Charts
/// (SVG) are drawn, not text, and are left out.
const LOW_CONTRAST: &str = r#"
const channels = c => (c.match(/[\d.]+/g) || []).map(Number);
const opaque = c => { const m = channels(c); return m.length === 3 || (m.length > 3 && m[3] > 0.99); };
const luminance = c => {
  const [r, g, b] = channels(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const behind = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (opaque(c)) return c; } return 'rgb(255, 255, 255)'; };
const low = [];
for (const e of document.querySelectorAll('body *')) {
  if (e.closest('svg') || !e.getClientRects().length) continue;
  if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const s = getComputedStyle(e);
  if (s.visibility === 'hidden' || Number(s.opacity) === 0) continue;
  const [fg, bg] = [luminance(s.color), luminance(behind(e))];
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const size = parseFloat(s.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) low.push(`${e.tagName.toLowerCase()}.${e.className} ${ratio.toFixed(2)}: ${e.textContent.trim().slice(0, 20)}`);
}
return low;
"#;

fn ui(node: &NodeProcess, path: &str) -> String {
    format!("{}{path}", node.url)
}

fn wait_path(b: &Browser, path: &str) {
    b.wait_for(&format!("return location.pathname === '{path}' && document.readyState === 'complete'"), WAIT)
        .unwrap_or_else(|e| panic!("{e}: at {}", b.url().unwrap()));
}

fn sign_in(b: &Browser, node: &NodeProcess, name: &str, lands: &str) {
    b.goto(&ui(node, "/ui/sign-in")).unwrap();
    b.type_into("#name", name).unwrap();
    b.type_into("#password", &format!("{PASSWORD}\n")).unwrap();
    wait_path(b, lands);
}

fn sign_out(b: &Browser) {
    b.click("header form[action='/ui/sign-out'] button").unwrap();
    wait_path(b, "/ui/sign-in");
}

/// The three residents of the upload; the second has an impossible birth date (line 3).
fn residents_csv() -> String {
    let mn = |b: u64| MyNumber::from_body(b).unwrap().expose().to_owned();
    format!(
        "個別宛名番号,マイナンバー,氏名(姓),氏名(名),氏名(セイ),氏名(メイ),生年月日,性別,券番号,転出/死亡フラグ\r\n\
         990000000000001,{},山田,花子,ヤマダ,ハナコ,19800401,2,9900000001,\r\n\
         990000000000002,{},佐藤,一郎,サトウ,イチロウ,20230230,1,9900000002,\r\n\
         990000000000003,,鈴木,次郎,ｽｽﾞｷ,ｼﾞﾛｳ,19550315,1,9900000003,\r\n",
        mn(31_415_926_535),
        mn(27_182_818_284)
    )
}

/// What `ocr.js` should say of a line: OcrLine::parse's verdict.
fn rust_verdict(line: &str) -> &'static str {
    match OcrLine::parse(line) {
        Ok(_) => "ok",
        Err(OcrError::WrongLength) => "length",
        Err(OcrError::NotDigits) => "digits",
        Err(OcrError::DoseZero) => "dose",
        Err(OcrError::MunicipalityCheckDigit) => "check",
    }
}

fn ocr_samples() -> Vec<String> {
    let mut lines = vec![String::new(), "1".into(), "11131016990000000".into(), "1113101699000000011".into()];
    for body in (0..100_000u32).step_by(7919) {
        let body = format!("{body:05}");
        let check = (0..10).find(|d| MunicipalityCode::parse(&format!("{body}{d}")).is_ok()).unwrap();
        let good = format!("12{body}{check}0123456789");
        lines.push(good.clone());
        for pos in [1, 2, 5, 7, 12] {
            let mut b = good.clone().into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + 3) % 10;
            lines.push(String::from_utf8(b).unwrap());
        }
        lines.push(format!("10{body}{check}0123456789"));
        lines.push(format!("12{body}{check}01234A6789"));
    }
    lines
}

#[test]
fn a_clerk_and_a_site_do_their_day_in_the_browser() {
    let root = tempfile::tempdir().unwrap();
    let fed = LocalFederation::start(root.path(), 30, |_| {}).unwrap();
    let home = fed.node(HOME);
    for (name, role) in [("clerk", "staff"), ("site-a", "site"), ("admin", "admin")] {
        add_user(home, name, role).unwrap();
        set_password(home, name, PASSWORD).unwrap();
    }
    let mut shots = Shots::new(root.path());
    let b = Browser::start().unwrap();
    b.window(820, 1180).unwrap();

    // Sign-in page; a wrong password is refused in Japanese; then the clerk is in.
    b.goto(&ui(home, "/ui/sign-in")).unwrap();
    assert_eq!(b.eval("return document.documentElement.lang").unwrap(), "ja");
    shots.take(&b, "sign-in");
    b.type_into("#name", "clerk").unwrap();
    b.type_into("#password", "wrong password\n").unwrap();
    b.wait_for("return document.querySelector('.notice.error')", WAIT).unwrap();
    assert!(b.text(".notice.error").unwrap().contains("正しくありません"));
    sign_in(&b, home, "clerk", "/ui/municipal");
    shots.take(&b, "municipal-menu");

    // English by the switch, and back.
    b.click("a.lang").unwrap();
    b.wait_for("return document.documentElement.lang === 'en'", WAIT).unwrap();
    assert_eq!(b.text("h1").unwrap(), "Municipal menu");
    shots.take(&b, "municipal-menu-en");
    b.click("a.lang").unwrap();
    b.wait_for("return document.documentElement.lang === 'ja'", WAIT).unwrap();

    // Import with one bad row: all-or-nothing writes nothing and lists line 3; skip mode
    // writes the other two.
    let csv = root.path().join("residents.csv");
    std::fs::write(&csv, residents_csv()).unwrap();
    b.goto(&ui(home, "/ui/residents/import")).unwrap();
    b.type_into("#csv-file", csv.to_str().unwrap()).unwrap();
    b.click("#upload").unwrap();
    b.wait_for("return document.body.dataset.uploaded", WAIT).unwrap();
    let outcome = b
        .eval("const o = document.getElementById('import-outcome'); return [o.dataset.committed, o.dataset.rejected]")
        .unwrap();
    assert_eq!(outcome, json!(["false", "1"]));
    let rejected = b
        .eval("return [...document.querySelectorAll('#rejected tbody tr')].map(r => [r.dataset.line, r.dataset.error, r.cells[1].textContent])")
        .unwrap();
    assert_eq!(rejected, json!([["3", "invalid_date", "生年月日"]]));
    assert_eq!(b.eval("return document.getElementById('upload-progress').value").unwrap().as_f64(), Some(100.0));
    shots.take(&b, "import-rejected");
    b.click("input[name=on_error][value=skip]").unwrap();
    b.eval("delete document.body.dataset.uploaded").unwrap();
    b.click("#upload").unwrap();
    b.wait_for("return document.body.dataset.uploaded", WAIT).unwrap();
    let outcome = b
        .eval("const o = document.getElementById('import-outcome'); return [o.dataset.committed, o.dataset.rejected]")
        .unwrap();
    assert_eq!(outcome, json!(["true", "1"]));
    assert!(b.text("#import-outcome .notice").unwrap().contains("新規 2件"));
    sign_out(&b);

    // The site: the day's settings, then a coupon typed as a barcode reader types it.
    sign_in(&b, home, "site-a", "/ui/site");
    assert_eq!(b.eval("return document.getElementById('ocr').disabled").unwrap(), true, "settings first");
    b.type_into("#site", "千代田区役所 会場A").unwrap();
    b.type_into("#doctor", "九段 医師").unwrap();
    b.eval("document.getElementById('product').value = 'comirnaty'").unwrap();
    b.type_into("#lot", "fa5765\n").unwrap();
    b.wait_for("return document.querySelector('.notice.ok') && !document.getElementById('ocr').disabled", WAIT)
        .unwrap();

    // The OCR script agrees with OcrLine::parse.
    let samples = ocr_samples();
    let js = b.eval(&format!("return {}.map(l => window.vrsOcr.check(l))", json!(samples))).unwrap();
    let rust: Vec<&str> = samples.iter().map(|l| rust_verdict(l)).collect();
    assert_eq!(js, json!(rust));
    assert!(rust.contains(&"ok") && rust.contains(&"check") && rust.contains(&"dose") && rust.contains(&"digits"));

    // A misread check digit is stopped as it is typed; Enter does not send it.
    let code = MunicipalityCode::parse(HOME).unwrap();
    b.type_into("#ocr", &format!("11{}9900000001\n", "131017")).unwrap();
    assert_eq!(b.eval("return document.getElementById('ocr-status').className").unwrap(), "ocr-status bad");
    assert!(b.text("#ocr-status").unwrap().contains("検査数字"));
    assert_eq!(b.eval("return location.pathname").unwrap(), "/ui/site");
    shots.take(&b, "site-menu-misread");
    b.eval("document.getElementById('ocr').value = ''").unwrap();
    b.type_into("#ocr", &format!("11{code}9900000001\n")).unwrap();
    wait_path(&b, "/ui/site/check");
    assert_eq!(b.text("#dose-number").unwrap(), "1回目");
    assert_eq!(b.eval("return document.getElementById('confirmation').dataset.status").unwrap(), "recorded");
    assert!(b.eval("return document.getElementById('warnings')").unwrap().is_null());
    shots.take(&b, "site-confirm");
    // Keyboard only: the confirmation's record button has the focus, so Enter records.
    assert_eq!(b.eval("return document.activeElement.id").unwrap(), "record");
    b.click("#record").unwrap();
    wait_path(&b, "/ui/site");
    assert!(b.text(".notice.ok").unwrap().contains("1回目"));

    // Dose 2 the same day: the confirmation shows the rule's warning before saving.
    b.type_into("#ocr", &format!("12{code}9900000001\n")).unwrap();
    wait_path(&b, "/ui/site/check");
    let warned = b.eval("return [...document.querySelectorAll('#warnings li')].map(l => l.dataset.code)").unwrap();
    assert!(warned.as_array().unwrap().contains(&json!("interval_too_short")), "{warned}");
    shots.take(&b, "site-confirm-warning");
    b.click("#record").unwrap();
    wait_path(&b, "/ui/site");

    // A coupon not registered yet: kept as unmatched. Another municipality's coupon: sent
    // to its home node through the coordinator before the site is answered.
    b.type_into("#ocr", &format!("11{code}9900000099\n")).unwrap();
    wait_path(&b, "/ui/site/check");
    assert_eq!(b.eval("return document.getElementById('confirmation').dataset.status").unwrap(), "unmatched");
    b.click("#record").unwrap();
    wait_path(&b, "/ui/site");
    let visitor = askable(fed.node(FORMER)).unwrap().into_iter().nth(1).unwrap();
    b.type_into("#ocr", &format!("11{FORMER}{}\n", visitor.coupon)).unwrap();
    wait_path(&b, "/ui/site/check");
    assert_eq!(b.eval("return document.getElementById('confirmation').dataset.status").unwrap(), "queued");
    assert!(b.text("#confirmation .notice").unwrap().contains("横浜市"));
    b.click("#record").unwrap();
    wait_path(&b, "/ui/site");
    let today = b
        .eval("return [...document.querySelectorAll('#today tbody tr')].map(r => [r.cells[1].textContent, r.cells[3].textContent.slice(-4), r.dataset.status, r.cells[7].textContent]).sort()")
        .unwrap();
    // Once the home node has it, this node keeps no coupon number of a visitor.
    assert_eq!(
        today,
        json!([
            ["1", "", "forwarded", "—"],
            ["1", "0001", "recorded", "—"],
            ["1", "0099", "unmatched", "—"],
            ["2", "0001", "recorded", "要確認"]
        ])
    );
    shots.take(&b, "site-menu");
    sign_out(&b);

    // The clerk finds the resident by coupon (a POST; the URL names nobody) and sees both doses.
    sign_in(&b, home, "clerk", "/ui/municipal");
    b.goto(&ui(home, "/ui/residents/search")).unwrap();
    b.type_into("#coupon", "9900000001\n").unwrap();
    b.wait_for("return location.pathname.startsWith('/ui/residents/r/')", WAIT).unwrap();
    let url = b.url().unwrap();
    assert!(!url.contains("990000000000001") && !url.contains("9900000001"), "{url}");
    assert_eq!(b.text("#atena").unwrap(), "990000000000001");
    assert_eq!(
        b.eval("return document.title").unwrap(),
        "住民の情報 — ワクチン接種記録システム",
        "no name in the history"
    );
    let doses = b
        .eval("return [...document.querySelectorAll('#doses tbody tr')].map(r => [r.dataset.dose, r.dataset.status])")
        .unwrap();
    assert_eq!(doses, json!([["1", "recorded"], ["2", "recorded"]]));
    shots.take(&b, "resident");
    let resident_url = url.clone();

    // The handle is this session's: another browser gets nothing from the same URL.
    let other = Browser::start().unwrap();
    other.goto(&ui(home, "/ui/sign-in")).unwrap();
    other.type_into("#name", "clerk").unwrap();
    other.type_into("#password", &format!("{PASSWORD}\n")).unwrap();
    wait_path(&other, "/ui/municipal");
    other.goto(&resident_url).unwrap();
    assert!(
        other.eval("return document.getElementById('atena')").unwrap().is_null(),
        "another session opened the handle"
    );
    drop(other);

    // The certificate with its QR code.
    b.click("#certificate-link").unwrap();
    b.wait_for("return document.querySelector('#qr-codes svg')", WAIT).unwrap();
    shots.take(&b, "certificate");
    // Printed: the QR code and the facts, without the header, menu or buttons.
    b.emulate_print(true).unwrap();
    let hidden = b
        .eval("return ['header.top', 'nav.menu', 'button[data-print]'].map(s => getComputedStyle(document.querySelector(s)).display)")
        .unwrap();
    assert_eq!(hidden, json!(["none", "none", "none"]));
    assert_ne!(b.eval("return getComputedStyle(document.querySelector('#qr-codes svg')).display").unwrap(), "none");
    shots.take(&b, "certificate-print");
    b.emulate_print(false).unwrap();

    // The review queue: the flagged dose 2, checked and cleared with a reason.
    b.goto(&ui(home, "/ui/review")).unwrap();
    let flagged = b.eval("return [...document.querySelectorAll('#queue tbody tr')].map(r => r.dataset.id)").unwrap();
    assert_eq!(flagged.as_array().unwrap().len(), 1, "{flagged}");
    shots.take(&b, "review-queue");
    b.click("#queue tbody tr a").unwrap();
    b.wait_for("return document.getElementById('correct-form')", WAIT).unwrap();
    b.click("#correct-form input[name=reviewed]").unwrap();
    b.type_into("#reason", "同日2回目は入力誤り。1回目のみ有効、2回目は翌月に再確認").unwrap();
    shots.take(&b, "dose-review");
    b.click("#correct-form button[type=submit]").unwrap();
    b.wait_for("return document.querySelector('.notice.ok')", WAIT).unwrap();
    assert_eq!(b.eval("return document.getElementById('dose-record').dataset.review").unwrap(), "resolved");
    b.goto(&ui(home, "/ui/review")).unwrap();
    assert!(!b.eval("return document.getElementById('empty')").unwrap().is_null(), "the queue is empty");
    b.goto(&ui(home, "/ui/unmatched")).unwrap();
    let waiting = b.eval("return [...document.querySelectorAll('#queue tbody tr td:nth-child(4)')].map(c => c.textContent.slice(-4))").unwrap();
    assert_eq!(waiting, json!(["0099"]));
    shots.take(&b, "unmatched-queue");

    // A transfer-in inquiry to Yokohama, with consent, through the coordinator.
    let former = fed.node(FORMER);
    let newcomer = askable(former).unwrap().into_iter().next().unwrap();
    let former_site = add_user(former, "site-y", "site").unwrap();
    let (status, _) = give_dose(former, &former_site, FORMER, &newcomer.coupon, 1, "2021-07-01").unwrap();
    assert_eq!(status, 201);
    b.goto(&ui(home, "/ui/inquiries/new")).unwrap();
    b.type_into("#municipality", FORMER).unwrap();
    b.type_into("#my_number", &newcomer.my_number).unwrap();
    b.click("#inquiry-form button[type=submit]").unwrap();
    b.wait_for("return document.getElementById('inquiry-result')", WAIT).unwrap();
    assert_eq!(b.eval("return document.getElementById('inquiry-result').dataset.status").unwrap(), "found");
    let answered = b
        .eval("return [...document.querySelectorAll('#inquiry-doses tbody tr')].map(r => r.cells[1].textContent)")
        .unwrap();
    assert_eq!(answered, json!(["2021-07-01"]));
    let page = b.eval("return document.documentElement.outerHTML").unwrap();
    assert!(!page.as_str().unwrap().contains(&newcomer.my_number), "the My Number is not written back");
    shots.take(&b, "inquiry");
    // Without a reason, consent_impracticable is refused before anything is sent.
    b.goto(&ui(home, "/ui/inquiries/new")).unwrap();
    b.type_into("#municipality", FORMER).unwrap();
    b.type_into("#my_number", &newcomer.my_number).unwrap();
    b.click("input[name=basis][value=consent_impracticable]").unwrap();
    b.click("#inquiry-form button[type=submit]").unwrap();
    b.wait_for("return document.querySelector('.notice.error')", WAIT).unwrap();
    assert!(b.text(".notice.error").unwrap().contains("理由"));

    // Bulk: the batch's consent, then the file; the results come back as a CSV.
    let list = root.path().join("bulk.csv");
    std::fs::write(&list, format!("municipality,my_number\n{FORMER},{}\n{FORMER},123456789018\n", newcomer.my_number))
        .unwrap();
    b.goto(&ui(home, "/ui/inquiries/bulk")).unwrap();
    b.click("#bulk-consent-form button[type=submit]").unwrap();
    b.wait_for("return document.getElementById('bulk-file')", WAIT).unwrap();
    b.type_into("#bulk-file", list.to_str().unwrap()).unwrap();
    b.click("#upload").unwrap();
    b.wait_for("return document.getElementById('download')", WAIT).unwrap();
    let link = b
        .eval("const a = document.getElementById('download'); return [a.href.startsWith('blob:'), a.download]")
        .unwrap();
    assert_eq!(link, json!([true, "inquiry-results.csv"]));
    b.wait_for("const d = document.getElementById('bulk-done'); return d && d.dataset.finished === 'true'", WAIT)
        .unwrap();
    let counts: Value = b
        .eval("return Object.fromEntries([...document.querySelectorAll('#bulk-counts li')].map(l => [l.dataset.status, l.textContent.split(': ')[1]]))")
        .unwrap();
    assert_eq!(counts, json!({"found": "1", "not_found": "1"}));
    shots.take(&b, "bulk-inquiry");

    // Statistics: one bar per day with doses.
    b.goto(&ui(home, "/ui/stats")).unwrap();
    let bars = b.eval("return document.querySelectorAll('#chart-daily rect').length").unwrap();
    assert!(bars.as_u64().unwrap() >= 1);
    shots.take(&b, "stats");
    sign_out(&b);

    // The admin's users page.
    sign_in(&b, home, "admin", "/ui/users");
    assert!(!b.eval("return document.querySelector('tr[data-user=\"site-a\"]')").unwrap().is_null());
    shots.take(&b, "users");

    assert_eq!(shots.taken.len(), 18);
    // No personal data reached the node's log.
    let log = std::fs::read_to_string(home.data_dir.join("node.log")).unwrap();
    for secret in ["990000000000001", "9900000001", "ヤマダ", &newcomer.my_number] {
        assert!(!log.contains(secret), "{secret} in node.log");
    }
}
