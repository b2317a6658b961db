//! The federation, node side: keys and enrollment, the link to the coordinator, the
//! registry, and what travels over it.

mod admission;
pub mod checkpoints;
pub mod identity;
pub mod inbound;
pub mod inquiry_answer;
pub mod inquiry_ask;
mod keys;
pub mod outbox_sender;
pub mod registry;
pub mod rotation;
pub mod service;
pub mod session;
mod to_coordinator;

pub use identity::NodeIdentity;
pub use service::{FEDERATION_FILE, Federation, InboundHandler, SendError};

use crate::api::state::AppState;
use std::path::Path;
use std::sync::Arc;

/// Joins the federation if the node has a federation file, starting what runs beside the
/// HTTP server: the link, the handler of what other nodes send, and the outbox sender.
/// Also the checkpoint sender (audit). Call inside a tokio runtime; sets `state.federation`
/// and `state.outbox`.
pub fn join(data_dir: &Path, state: &mut AppState) -> anyhow::Result<()> {
    let code = vrs_protocol::MunicipalityCode::parse(&state.settings.municipality)?;
    let file = state.settings.federation.file.clone().unwrap_or_else(|| FEDERATION_FILE.into());
    let handler = Arc::new(inbound::NodeInbound::new(state, code)?);
    let Some(federation) = service::start(data_dir, &file, code, handler)? else {
        return Ok(());
    };
    let sender = outbox_sender::OutboxSender::new(federation.clone(), state.db.clone());
    tokio::spawn(sender.clone().run());
    let every = std::time::Duration::from_secs(state.settings.audit.checkpoint_interval_secs);
    tokio::spawn(checkpoints::CheckpointSender::new(federation.clone(), state.db.clone(), every).run());
    state.federation = Some(federation);
    state.outbox = Some(sender);
    Ok(())
}
