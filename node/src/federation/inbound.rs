//! What this node does with messages other nodes send it through the coordinator.

use super::service::InboundHandler;
use crate::api::state::AppState;
use crate::db::Pool;
use vrs_protocol::{Message, MunicipalityCode, WireErrorCode};

pub struct NodeInbound {
    #[allow(dead_code)]
    db: Pool,
}

impl NodeInbound {
    pub fn new(state: &AppState) -> Self {
        NodeInbound { db: state.db.clone() }
    }
}

impl InboundHandler for NodeInbound {
    fn handle(&self, sender: MunicipalityCode, message: Message) -> Result<Option<Message>, WireErrorCode> {
        tracing::info!(%sender, kind = message.kind().as_str(), "federation message received");
        // Each kind is handled by the issue that introduces it; until then it is refused as
        // a transient condition so that the sender keeps it and tries again later.
        Err(WireErrorCode::Unavailable)
    }
}
