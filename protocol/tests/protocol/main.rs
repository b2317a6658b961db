//! Integration tests of vrs-protocol, one binary of modules (faster to link on 2 cores).
// Helpers and fixtures outside `#[test]` fns unwrap too; a panic is the test failing.
#![allow(clippy::unwrap_used)]

mod batch;
mod codecs;
mod consent;
mod envelope;
mod fixtures;
mod inquiry_batch;
mod registry;
mod replay;
mod vectors;
