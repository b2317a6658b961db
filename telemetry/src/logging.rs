//! The log setup of both servers: `text` for a person at a terminal, `json` for a log
//! collector (one object a line; the fields of the current span, such as the request id,
//! under `span`).

use std::io::IsTerminal;

/// Installs the global subscriber on stderr. `level` is a tracing filter (`info`,
/// `vrs_node=debug,info`); an invalid one falls back to `info` rather than silencing
/// the log. `format` is `json` or anything else for text (the settings validate it).
/// A second call (tests in one process) leaves the first subscriber in place.
pub fn init(format: &str, level: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
    } else {
        // Colour codes are noise in a journal or a file.
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
}
