//! The `vrs-node` command line (names fixed by interface.md).

pub mod audit;
pub mod backup;
pub mod bench;
pub mod bench_certificates;
pub mod bench_doses;
mod bench_import_floor;
mod bench_node;
pub mod certificate;
pub mod commands;
mod cpu_steal;
pub mod figures;
pub mod keys;
pub mod load;
pub mod retention;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "vrs-node", version, about = "A municipality's VRS node")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the node's data dir: settings, data key, database.
    Init(InitArgs),
    /// Run the node until SIGTERM/SIGINT (dials the coordinator if the node has joined).
    Serve(DataDir),
    /// Join a federation later: store the coordinator's federation.json in the data dir.
    Join(JoinArgs),
    /// Manage API users and their tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a synthetic residents CSV (realistic names, valid identifiers).
    DemoData(DemoArgs),
    /// Vaccination certificates (SMART Health Cards): verify a card, rotate the signing key.
    #[command(subcommand)]
    Certificate(certificate::CertificateCommand),
    /// The tamper-evident access log: verify the chain against the coordinator's checkpoints.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Create the key pair backups are sealed to (the private half stays offline).
    BackupKey(backup::BackupKeyArgs),
    /// Write an encrypted, consistent backup of the node (database, settings, keys).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data dir, and check it.
    Restore(backup::RestoreArgs),
    /// The node's federation keys: rotate them through the registry.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Retention: purge what is past the retention period now (it also runs on a schedule).
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Benchmarks that print figures beside a baseline measured in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(Args, Debug)]
pub struct DataDir {
    #[arg(long)]
    pub data_dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct JoinArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The federation.json written by `vrs-coordinator init`.
    #[arg(long)]
    pub federation: PathBuf,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
    /// 全国地方公共団体コード (6 digits with check digit), e.g. 131016.
    #[arg(long)]
    pub municipality: String,
    /// The coordinator's federation.json (`serve` then dials the coordinator).
    #[arg(long)]
    pub federation: Option<PathBuf>,
    /// sqlite://PATH (default: an SQLite file in the data dir) or postgres://...
    #[arg(long)]
    pub database_url: Option<String>,
    #[arg(long, default_value = "/ip4/127.0.0.1/tcp/0")]
    pub p2p_listen: String,
    #[arg(long)]
    pub http_listen: String,
    #[command(flatten)]
    pub tls: vrs_http::transport::TlsArgs,
}

/// `vrs-node user ...`: the token commands both servers share, and web-page passwords.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    #[command(flatten)]
    Token(vrs_http::users::UserCommand),
    /// Set the password a user signs in to the web pages with (/ui). Reads it from the
    /// first line of stdin, never from the command line (which other users can see).
    Password {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import a residents CSV (same code path as POST /api/v1/residents/import).
    Residents {
        #[arg(long)]
        data_dir: PathBuf,
        /// `skip` writes the valid rows and reports the rest; default is all-or-nothing.
        #[arg(long)]
        on_error: Option<String>,
        /// utf-8 or shift_jis; detected when absent.
        #[arg(long)]
        charset: Option<String>,
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[arg(long)]
    pub municipality: String,
    #[arg(long)]
    pub count: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// utf-8 or cp932.
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Fraction of rows given one injected error (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    #[arg(long)]
    pub no_header: bool,
    /// Output file (default: stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
}
