//! A node for the HTTP benchmarks: N generated residents imported into a fresh SQLite
//! database under DIR, served in-process on a loopback port of its own.

use super::load;
use crate::config::{Secret, Settings};
use crate::crypto::NodeKeys;
use crate::db::schema::residents;
use crate::db::users::{self, Role};
use crate::db::{self, DatabaseUrl, Pool};
use crate::import::{ImportMode, ImportOptions, import_residents};
use anyhow::{Context, bail};
use diesel::prelude::*;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};
use vrs_protocol::MunicipalityCode;

pub const CODE: &str = "141003"; // 横浜市, the municipality vrs-demo generates for the benchmarks

pub struct BenchNode {
    pub addr: SocketAddr,
    pub pool: Pool,
    /// (atena, active coupon) of every resident, in atena order.
    pub residents: Vec<(String, String)>,
}

impl BenchNode {
    /// `checkpoints` is `database.sqlite_checkpoints` for the node under test; `postgres`
    /// an empty PostgreSQL database to use instead of a SQLite file under `dir`.
    pub fn start(dir: &Path, count: u64, checkpoints: &str, postgres: Option<&str>) -> anyhow::Result<BenchNode> {
        let key_file = dir.join(crate::server::KEY_FILE);
        NodeKeys::generate_file(&key_file)?;
        let url = match postgres {
            Some(u) => u.to_owned(),
            None => format!("sqlite://{}", dir.join("vrs.sqlite").display()),
        };
        let residents = load_residents(count, dir, &NodeKeys::load(&key_file)?, DatabaseUrl::parse(&url)?)?;
        let mut settings = Settings { municipality: CODE.into(), ..Settings::default() };
        settings.database.url = Secret(url);
        settings.database.pool_size = 16;
        settings.database.sqlite_checkpoints = checkpoints.to_owned();
        settings.validate()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        settings.http.listen = addr.to_string();
        let state = crate::server::open_state(dir, settings)?;
        let pool = state.db.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(crate::server::run(state, listener)));
        wait_ready(addr)?;
        Ok(BenchNode { addr, pool, residents })
    }

    /// A new user's API token.
    pub fn token(&self, name: &str, role: Role) -> anyhow::Result<String> {
        Ok(users::add(&mut *self.pool.get()?, name, role, &Default::default())?)
    }
}

fn load_residents(count: u64, dir: &Path, keys: &NodeKeys, url: DatabaseUrl) -> anyhow::Result<Vec<(String, String)>> {
    let csv = dir.join("residents.csv");
    let t = Instant::now();
    let opts = vrs_demo::DemoOptions {
        municipality: MunicipalityCode::parse(CODE).context("constant code")?,
        count,
        seed: 11,
        encoding: vrs_demo::Encoding::Utf8,
        header: true,
        error_rate: 0.0,
        today: crate::today(),
    };
    vrs_demo::write_residents(&opts, std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?))?;
    let pool = db::open(url, "normal", 2)?;
    let import = ImportOptions {
        mode: ImportMode::AllOrNothing,
        charset: None,
        batch_rows: 2000,
        max_rejections_reported: 10,
        actor: "bench".into(),
        role: "admin".into(),
        today: crate::today(),
    };
    let input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&csv)?);
    let report = import_residents(&mut *pool.get()?, keys, input, &import, None)?;
    if report.inserted != count {
        bail!("the residents import stored {} of {count} rows", report.inserted);
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!("{count} residents generated and imported in {secs:.0} s ({:.0} rows/s)", count as f64 / secs);
    Ok(residents::table
        .select((residents::atena, residents::coupon_number))
        .order(residents::atena)
        .load(&mut pool.get()?)?)
}

fn wait_ready(addr: SocketAddr) -> anyhow::Result<()> {
    for _ in 0..100 {
        if let Ok(mut c) = load::Conn::open(addr)
            && c.call("GET", "/health", None, b"").is_ok()
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the node did not start listening")
}
