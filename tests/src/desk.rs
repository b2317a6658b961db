//! What the end-to-end tests do at a node's HTTP API, as a desk would: add users, read the
//! generated residents, ask, read the access log.

use crate::{NodeProcess, binary, run};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// One row of a node's generated `demo-residents.csv`.
#[derive(Debug, Clone)]
pub struct DemoResident {
    pub atena: String,
    /// Empty when the generator gave the person none.
    pub my_number: String,
    pub coupon: String,
    /// Moved out / deceased flag; empty for an active resident.
    pub gone: String,
}

/// The node's generated residents, in file order.
pub fn demo_residents(node: &NodeProcess) -> anyhow::Result<Vec<DemoResident>> {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv"))?;
    Ok(csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let at = |i: usize| f.get(i).copied().unwrap_or_default().to_owned();
            DemoResident { atena: at(0), my_number: at(1), coupon: at(8), gone: at(9) }
        })
        .collect())
}

/// Active residents with a My Number.
pub fn askable(node: &NodeProcess) -> anyhow::Result<Vec<DemoResident>> {
    Ok(demo_residents(node)?.into_iter().filter(|r| r.my_number.len() == 12 && r.gone.is_empty()).collect())
}

/// Adds a user with `role` and returns its token.
pub fn add_user(node: &NodeProcess, name: &str, role: &str) -> anyhow::Result<String> {
    let out = run(Command::new(binary("vrs-node")?)
        .args(["user", "add", "--name", name, "--role", role])
        .arg("--data-dir")
        .arg(&node.data_dir))?;
    Ok(out.trim().to_owned())
}

/// A blocking HTTP client with a generous timeout (a paused node must not hang a test).
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap_or_default()
}

/// A consent statement as the desk fills it in.
pub fn consent() -> Value {
    json!({"basis": "consent", "method": "written", "obtained_at": "2024-04-01T10:00:00+09:00"})
}

/// The node's access log, newest first (up to 1,000 rows).
pub fn audit(node: &NodeProcess, auditor_token: &str) -> anyhow::Result<Vec<Value>> {
    let rows: Value =
        http().get(format!("{}/api/v1/audit?limit=1000", node.url)).bearer_auth(auditor_token).send()?.json()?;
    Ok(rows.as_array().cloned().unwrap_or_default())
}

/// Records dose `dose` of `coupon` (issued by `municipality`) at `node` as a site would.
pub fn give_dose(
    node: &NodeProcess,
    site_token: &str,
    municipality: &str,
    coupon: &str,
    dose: u8,
    on: &str,
) -> anyhow::Result<(u16, Value)> {
    let body = json!({"ocr_line": format!("1{dose}{municipality}{coupon}"), "vaccinated_on": on,
                      "product": "comirnaty", "lot": "FA5765", "site": "会場", "doctor": "担当医"});
    let res = http().post(format!("{}/api/v1/vaccinations", node.url)).bearer_auth(site_token).json(&body).send()?;
    Ok((res.status().as_u16(), res.json()?))
}

/// Sets `name`'s password for the web pages with `vrs-node user password` (from stdin).
pub fn set_password(node: &NodeProcess, name: &str, password: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut child = Command::new(binary("vrs-node")?)
        .args(["user", "password", "--name", name])
        .arg("--data-dir")
        .arg(&node.data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child.stdin.take().ok_or_else(|| anyhow::anyhow!("no stdin"))?.write_all(format!("{password}\n").as_bytes())?;
    let out = child.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "user password failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}
