//! Integration tests of the node: one binary, modules per capability. Every database
//! test runs twice, on SQLite and on PostgreSQL (`VRS_TEST_POSTGRES_URL`, started by
//! `scripts/test`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod at_rest;
mod audit_chain;
mod auth;
mod backup_pg;
mod classification;
mod deploy_config;
mod dose_batch;
mod dose_review;
mod dose_support;
mod dose_write_lock;
mod dose_writer_batch;
mod doses;
pub mod http_api;
mod import;
mod import_fuzz;
mod retention;
mod stats;
mod support;
mod web_session;
