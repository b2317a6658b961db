#![doc = include_str!("../README.md")]

pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod federation;
pub mod layout;
pub mod metrics;
pub mod municipalities;
pub mod opendata;
pub mod registry;
pub mod server;
pub mod stats;
