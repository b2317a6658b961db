//! The `vrs-coordinator` command line (names and flags fixed by interface.md).

pub mod commands;
mod init;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "vrs-coordinator", version, about = "The VRS federation coordinator: signed registry and routing")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the coordinator's identity, the national registry key, the database and
    /// DIR/federation.json (what a node needs to join).
    Init(InitArgs),
    /// Admit a node into the signed registry from its enrollment.json.
    Enroll {
        #[arg(long)]
        data_dir: PathBuf,
        /// The node's self-signed enrollment.json (written by `vrs-node init`).
        enrollment: PathBuf,
    },
    /// Remove a node from the registry; it is refused from then on.
    Revoke {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        municipality: String,
    },
    /// Run until SIGTERM/SIGINT.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Manage API users and their tokens.
    #[command(subcommand)]
    User(vrs_http::users::UserCommand),
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
    /// libp2p address to listen on for nodes, with a fixed port: /ip4/127.0.0.1/tcp/PORT
    #[arg(long)]
    pub p2p_listen: String,
    /// HTTP address for /health, /metrics and the API: 127.0.0.1:PORT
    #[arg(long)]
    pub http_listen: String,
    /// The address nodes dial, written to federation.json (default: --p2p-listen; needed
    /// when listening on 0.0.0.0 or behind NAT).
    #[arg(long)]
    pub public_address: Option<String>,
    #[command(flatten)]
    pub tls: vrs_http::transport::TlsArgs,
}
