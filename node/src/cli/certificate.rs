//! `vrs-node certificate verify` (decode a card, check its signature against the node's
//! key set, print the doses) and `vrs-node certificate rotate-key`.

use crate::certificates::card;
use crate::certificates::crl::Crl;
use crate::certificates::jose::{self, Jwk};
use crate::certificates::keys::IssuerKeys;
use anyhow::{Context, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum CertificateCommand {
    /// Verify a SMART Health Card: `shc:/...` strings (QR chunks in order), or files holding
    /// them (one a line), a raw JWS, or the JSON answer of GET /api/v1/certificates/{atena}.
    Verify {
        /// The key set to trust: a jwks.json file (e.g. fetched from the issuer).
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// Or this node's own keys (current and retired).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The issuer's revocation list (`/.well-known/crl/{kid}.json`, saved to a file):
        /// a card it revokes is refused.
        #[arg(long)]
        crl: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        card: Vec<String>,
    },
    /// Retire the signing key (its public half stays in jwks.json) and create a new one;
    /// a running node signs with the new key from its next card on.
    RotateKey {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

pub fn run(cmd: CertificateCommand) -> anyhow::Result<()> {
    match cmd {
        CertificateCommand::Verify { jwks, data_dir, crl, json, card } => {
            let crl = crl.map(|f| read_crl(&f)).transpose()?;
            verify(jwks, data_dir, crl.as_ref(), json, &card)
        }
        CertificateCommand::RotateKey { data_dir } => {
            let (old, new) = IssuerKeys::rotate(&data_dir)?;
            eprintln!("retired key {old} (still published); signing with {new} from the next card");
            println!("{new}");
            Ok(())
        }
    }
}

fn trusted_keys(jwks: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<Vec<Jwk>> {
    match (jwks, data_dir) {
        (Some(file), None) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            #[derive(serde::Deserialize)]
            struct Set {
                keys: Vec<Jwk>,
            }
            let set: Set =
                serde_json::from_str(&text).with_context(|| format!("{} is not a JWK set", file.display()))?;
            Ok(set.keys)
        }
        (None, Some(dir)) => Ok(IssuerKeys::load(&dir)?.jwks()),
        _ => bail!("give exactly one of --jwks FILE or --data-dir DIR"),
    }
}

/// What was given: QR strings in order, or one raw JWS.
enum Input {
    Qr(Vec<String>),
    Jws(String),
}

fn read_input(args: &[String]) -> anyhow::Result<Input> {
    let mut qr = Vec::new();
    for a in args {
        if a.starts_with("shc:/") {
            qr.push(a.clone());
            continue;
        }
        let text = std::fs::read_to_string(Path::new(a)).with_context(|| format!("cannot read {a}"))?;
        let text = text.trim();
        if text.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(text).with_context(|| format!("{a} is not JSON"))?;
            let shc = v["shc"].as_str().with_context(|| format!("{a} has no \"shc\" field"))?;
            qr.push(shc.to_owned());
        } else if text.starts_with("shc:/") {
            qr.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
        } else if args.len() == 1 {
            return Ok(Input::Jws(text.to_owned()));
        } else {
            bail!("{a} holds neither shc:/ strings nor a card's JSON");
        }
    }
    Ok(Input::Qr(qr))
}

fn read_crl(file: &Path) -> anyhow::Result<Crl> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    Crl::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

fn verify(
    jwks: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    crl: Option<&Crl>,
    json: bool,
    args: &[String],
) -> anyhow::Result<()> {
    let keys = trusted_keys(jwks, data_dir)?;
    let (kid, content) = match read_input(args)? {
        Input::Qr(parts) => {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            crate::certificates::verify(&parts, &keys)
        }
        Input::Jws(jws) => jose::verify(&jws, &keys).and_then(|(kid, p)| Ok((kid, card::read(&p)?))),
    }
    .map_err(|e| anyhow::anyhow!("card refused: {e}"))?;
    if let Some(crl) = crl {
        if crl.kid != kid {
            bail!("the revocation list is for key {}, the card was signed by {kid}", crl.kid);
        }
        let rid = content.rid.as_deref().unwrap_or_default();
        match crl.revokes(rid, content.nbf) {
            Some(Some(at)) => bail!("card refused: revoked (issued at {}, revoked from {at})", content.nbf),
            Some(None) => bail!("card refused: revoked"),
            None => {}
        }
    }
    print(&kid, &content, json);
    Ok(())
}

/// The doses and who signed; never the name or birth date (interface.md: no command
/// prints them).
fn print(kid: &str, c: &card::Content, json: bool) {
    if json {
        let out =
            serde_json::json!({"valid": true, "kid": kid, "iss": c.iss, "nbf": c.nbf, "rid": c.rid, "doses": c.doses});
        println!("{out}");
        return;
    }
    println!("valid SMART Health Card: issuer {} key {kid}, nbf {}", c.iss, c.nbf);
    for (i, d) in c.doses.iter().enumerate() {
        let lot = if d.lot.is_empty() { "-" } else { &d.lot };
        println!("dose {}: {} CVX {} lot {lot} at {}", i + 1, d.date, d.cvx, d.performer);
    }
}
