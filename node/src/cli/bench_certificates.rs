//! `vrs-node bench certificates`: SMART Health Cards signed on one thread (FHIR JSON,
//! raw DEFLATE, ES256, `shc:/` numeric form), with and without the QR image, and verified,
//! beside the floor: a bare ring ES256 signature over the same signing input.

use crate::certificates::card::{Dose, Person};
use crate::certificates::jose::Signer;
use crate::certificates::keys::IssuerKeys;
use crate::certificates::{Issuer, qr, verify};
use std::time::Instant;

fn per_second(count: u64, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    for _ in 0..count.min(100) {
        f()?; // warm-up
    }
    let t = Instant::now();
    for _ in 0..count {
        f()?;
    }
    Ok(count as f64 / t.elapsed().as_secs_f64())
}

pub fn run(count: u64, doses: usize) -> anyhow::Result<()> {
    let signer = Signer::from_pkcs8(&Signer::generate_pkcs8().map_err(|_| anyhow::anyhow!("keygen"))?)?;
    let issuer = Issuer {
        keys: IssuerKeys { signer, retired: Vec::new(), created: None },
        iss: "https://vrs.example/131016".into(),
    };
    let person = Person {
        family: "山田".into(),
        given: "太郎".into(),
        family_kana: "ヤマダ".into(),
        given_kana: "タロウ".into(),
        birth_date: "1960-04-01".into(),
    };
    let doses: Vec<Dose> = (0..doses)
        .map(|i| Dose {
            date: format!("2021-{:02}-{:02}", 6 + i % 6, 1 + i % 28),
            cvx: ["208", "207", "211"][i % 3].into(),
            lot: format!("FA{:04}", 5765 + i),
            performer: ["千代田区 千代田区役所", "横浜市", "横浜市 みなとみらい会場"][i % 3].into(),
        })
        .collect();
    let sample = issuer.issue(1_700_000_000, Some("AAAAAAAAAAA"), &person, &doses)?;
    let signing_input = sample.jws.rsplit_once('.').map(|(s, _)| s.to_owned()).unwrap_or_default();
    let keys = issuer.keys.jwks();

    let base = per_second(count, || {
        issuer.keys.signer.sign_raw(signing_input.as_bytes()).map(drop).map_err(|_| anyhow::anyhow!("sign"))
    })?;
    let cards = per_second(count, || issuer.issue(1_700_000_000, Some("AAAAAAAAAAA"), &person, &doses).map(drop))?;
    let with_png = per_second(count / 10 + 1, || {
        let c = issuer.issue(1_700_000_000, Some("AAAAAAAAAAA"), &person, &doses)?;
        qr::png(&qr::code(&c.chunks[0])?)?;
        Ok(())
    })?;
    let verified =
        per_second(count, || verify(&[sample.shc.as_str()], &keys).map(drop).map_err(|e| anyhow::anyhow!("{e}")))?;

    println!(
        "SMART Health Card benchmark, one thread, {} doses a card: JWS {} chars, {} QR code(s), QR version {:?}",
        doses.len(),
        sample.jws.len(),
        sample.chunks.len(),
        qr::code(&sample.chunks[0])?.version()
    );
    println!("{:<40} {:>12} {:>10}  target / met", "figure", "per second", "us each");
    let row = |name: &str, v: f64, target: &str, met: Option<bool>| {
        let met = match met {
            Some(true) => " / met",
            Some(false) => " / NOT MET",
            None => "",
        };
        println!("{name:<40} {v:>12.0} {:>10.1}  {target}{met}", 1e6 / v);
    };
    row("baseline: ring ES256 sign, same input", base, "-", None);
    row("card signed (JSON+DEFLATE+ES256+shc:/)", cards, ">= 1,000", Some(cards >= 1000.0));
    row("card signed + QR PNG", with_png, "-", None);
    row("card verified (shc:/ -> doses)", verified, "-", None);
    println!("card / baseline ratio: {:.2}", cards / base);
    Ok(())
}
