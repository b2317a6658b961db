//! The tamper-evident access log: the hash chain, its signed checkpoints, and the
//! verification `vrs-node audit verify` runs (specs/security.md "Access-log chain").

pub mod chain;
pub mod chain_check;
pub mod checkpoint;
pub mod checkpoint_check;
pub mod findings;
pub mod verify;
