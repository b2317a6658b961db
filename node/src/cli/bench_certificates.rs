//! `vrs-node bench certificates`: SMART Health Cards signed on one thread (FHIR JSON,
//! raw DEFLATE, ES256, `shc:/` numeric form), with and without the QR image, and verified,
//! beside the floor: a bare ring ES256 signature over the same signing input.

use super::bench_node::{BenchNode, CODE};
use super::figures::Row;
use super::load;
use crate::certificates::card::{Dose, Person};
use crate::certificates::jose::Signer;
use crate::certificates::keys::IssuerKeys;
use crate::certificates::{Issuer, qr, verify};
use crate::db::users::Role;
use anyhow::bail;
use std::time::{Duration, Instant};

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

pub fn run(count: u64, doses: usize, http: &HttpPhase) -> anyhow::Result<()> {
    let signer = Signer::from_pkcs8(&Signer::generate_pkcs8().map_err(|_| anyhow::anyhow!("keygen"))?)?;
    let issuer =
        Issuer::fixed(IssuerKeys { signer, retired: Vec::new(), created: None }, "https://vrs.example/131016".into());
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
    let keys = issuer.keys().jwks();
    let signer = issuer.keys();

    let base = per_second(count, || {
        signer.signer.sign_raw(signing_input.as_bytes()).map(drop).map_err(|_| anyhow::anyhow!("sign"))
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
    super::figures::emit(&[Row::new(
        &format!("certificates signed/s, one thread [{} doses]", doses.len()),
        cards,
        Some(("ring ES256 sign", base)),
        ">= 1000/s",
        Some(cards >= 1000.0),
    )])?;
    end_to_end(http)
}

/// The end-to-end phase: a served node, cards issued over loopback HTTP.
pub struct HttpPhase {
    pub residents: u64,
    pub cards: u64,
    pub dir: std::path::PathBuf,
}

/// Issues each of `cards` people (three doses each, recorded through the API first) a card
/// through `GET /api/v1/certificates/{atena}`: read the person and doses, sign, log the
/// issue, answer. One client shows the time a desk waits; four show the node's rate.
fn end_to_end(p: &HttpPhase) -> anyhow::Result<()> {
    let node = BenchNode::start(&p.dir, p.residents, "background", None)?;
    let people = &node.residents[..(p.cards as usize).min(node.residents.len())];
    let n = people.len() as u64;
    let site = node.token("bench-site", Role::Site)?;
    let staff = node.token("bench-staff", Role::Staff)?;
    let recorded = load::run(node.addr, 8, Duration::from_secs(600), n * 3, None, |c, i| {
        let ((_, coupon), dose) = (&people[(i % n) as usize], i / n + 1);
        let day = crate::today().to_unix_days() - 400 + (dose as i64 - 1) * 60;
        let on = vrs_protocol::CivilDate::from_unix_days(day).map(|d| d.iso()).unwrap_or_default();
        let body = format!(
            r#"{{"ocr_line":"1{dose}{CODE}{coupon}","vaccinated_on":"{on}","product":"comirnaty","lot":"EY0779","site":"bench"}}"#
        );
        Ok(c.call("POST", "/api/v1/vaccinations", Some(&site), body.as_bytes())?.0 == 201)
    })?;
    if recorded.ok != n * 3 {
        bail!("{} of {} doses were recorded before the certificates phase", recorded.ok, n * 3);
    }
    let issue = |clients: usize, suffix: &str| {
        load::run(node.addr, clients, Duration::from_secs(600), n, None, |c, i| {
            let path = format!("/api/v1/certificates/{}{suffix}", people[(i % n) as usize].0);
            Ok(c.call("GET", &path, Some(&staff), b"")?.0 == 200)
        })
    };
    let phases = [
        ("card (JSON), 1 client", issue(1, "")?),
        ("card (JSON), 4 clients", issue(4, "")?),
        ("card as QR PNG, 1 client", issue(1, "/qr.png")?),
    ];
    println!();
    println!("end to end over loopback HTTP: {} residents, {n} people with 3 doses each", p.residents);
    println!("{:<28} {:>10} {:>9} {:>9} {:>8}", "phase", "cards/s", "p50 ms", "p99 ms", "failed");
    for (name, r) in &phases {
        let (rate, p50, p99) = (r.rate(), r.percentile_ms(0.5), r.percentile_ms(0.99));
        println!("{name:<28} {rate:>10.0} {p50:>9.2} {p99:>9.2} {:>8}", r.failed);
    }
    if phases.iter().any(|(_, r)| r.failed > 0) {
        bail!("some certificate requests failed");
    }
    let (one, png) = (&phases[0].1, &phases[2].1);
    super::figures::emit(&[
        Row::new("certificate over HTTP, p50 ms (1 client)", one.percentile_ms(0.5), None, "report", None),
        Row::new("certificate over HTTP, p99 ms (1 client)", one.percentile_ms(0.99), None, "report", None),
        Row::new("certificate + QR PNG over HTTP, p50 ms", png.percentile_ms(0.5), None, "report", None),
    ])
}
