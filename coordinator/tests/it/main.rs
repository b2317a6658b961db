//! Integration tests of the coordinator: the real binary as a process on loopback ports,
//! driven by its CLI and HTTP API, and fake nodes built directly on `vrs-link` and
//! `vrs-protocol` keys. One test binary, modules per capability.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod checkpoints;
mod classification;
mod cli;
mod deploy_config;
mod http;
mod key_rotation;
mod routing;
mod support;
