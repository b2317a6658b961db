//! Vaccination certificates as SMART Health Cards (issue 7): one card per person covering
//! every dose this home node holds (its own sites', those delivered by other municipalities
//! and those brought in by transfer-in inquiries), signed ES256 with the node's issuer key.
//!
//! `jose`, `numeric`, `card` and `qr` are pure codecs; `source` reads the database.

pub mod card;
pub mod jose;
pub mod keys;
pub mod numeric;
pub mod qr;
pub mod source;

use card::{Dose, Person};
use keys::IssuerKeys;

/// One issued card in every form the API hands out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    /// The whole card as one `shc:/` string (files, links).
    pub shc: String,
    pub jws: String,
    /// What the QR codes carry: one string, or `shc:/i/n/...` chunks.
    pub chunks: Vec<String>,
    pub kid: String,
    pub nbf: i64,
}

/// The node as a card issuer: its signing key, the retired keys and its `iss` URL.
#[derive(Debug)]
pub struct Issuer {
    pub keys: IssuerKeys,
    pub iss: String,
}

impl Issuer {
    pub fn issue(&self, nbf: i64, rid: Option<&str>, person: &Person, doses: &[Dose]) -> anyhow::Result<Issued> {
        let claims = card::claims(&self.iss, nbf, rid, person, doses);
        let jws = self.keys.signer.sign(&claims).map_err(|_| anyhow::anyhow!("ES256 signing failed"))?;
        Ok(Issued {
            shc: numeric::whole(&jws),
            chunks: numeric::chunks(&jws),
            kid: self.keys.signer.jwk().kid.clone(),
            nbf,
            jws,
        })
    }

    /// The key set `/.well-known/jwks.json` publishes; `crl_version` is the revocation
    /// list's counter once anything was revoked.
    pub fn jwks(&self, crl_version: i64) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .jwks()
            .into_iter()
            .map(|mut k| {
                k.crl_version = u64::try_from(crl_version).ok().filter(|v| *v > 0);
                k
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

/// Verifies the QR strings (or one `shc:/` string) of a card against `keys`.
pub fn verify(parts: &[&str], keys: &[jose::Jwk]) -> Result<(String, card::Content), jose::CardError> {
    let jws = numeric::decode(parts)?;
    let (kid, payload) = jose::verify(&jws, keys)?;
    Ok((kid, card::read(&payload)?))
}

#[cfg(test)]
mod tests;
