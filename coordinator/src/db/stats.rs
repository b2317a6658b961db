//! Statistics storage: each node's last figures (postcard of its `StatsAnswer`, counts
//! only) and the record of each refresh. Figures are replaced, never merged: a node's
//! answer is its complete current state, so a repeated refresh changes nothing.

use super::DbError;
use super::schema::{node_stats, stats_refreshes};
use diesel::prelude::*;
use vrs_protocol::messages::{Kind, StatsAnswer};
use vrs_protocol::{Message, MunicipalityCode};

/// One node's figures as stored.
#[derive(Debug, Clone)]
pub struct NodeFigures {
    pub municipality: MunicipalityCode,
    pub computed_at_ms: i64,
    /// When the coordinator received them (its own clock, unlike `computed_at_ms`).
    pub received_at_ms: i64,
    pub answer: StatsAnswer,
}

/// Saves the figures of several nodes in one transaction (one fsync for a batch).
pub fn save(conn: &mut SqliteConnection, batch: &[NodeFigures]) -> Result<(), DbError> {
    conn.immediate_transaction(|c| {
        for f in batch {
            let figures = Message::StatsAnswer(f.answer.clone())
                .encode_payload()
                .map_err(|_| DbError::Corrupt("statistics answer does not encode"))?;
            let total: u64 = f.answer.doses.iter().map(|d| d.count).sum();
            diesel::replace_into(node_stats::table)
                .values((
                    node_stats::municipality.eq(f.municipality.as_str()),
                    node_stats::computed_at_ms.eq(f.computed_at_ms),
                    node_stats::received_at_ms.eq(f.received_at_ms),
                    node_stats::doses_total.eq(i64::try_from(total).unwrap_or(i64::MAX)),
                    node_stats::figures.eq(figures),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// Every node's stored figures, decoded one at a time into `each`, read a page of rows at
/// a time: the caller folds them without the whole table (80 MB for 1,741 nodes) in memory.
pub fn for_each(conn: &mut SqliteConnection, each: impl FnMut(NodeFigures)) -> Result<(), DbError> {
    for_each_except(conn, &std::collections::BTreeSet::new(), each)
}

/// [`for_each`] without the municipalities in `skip` (not even decoded).
pub fn for_each_except(
    conn: &mut SqliteConnection,
    skip: &std::collections::BTreeSet<String>,
    mut each: impl FnMut(NodeFigures),
) -> Result<(), DbError> {
    const PAGE: i64 = 64;
    let mut after = String::new();
    loop {
        let rows: Vec<(String, i64, i64, Vec<u8>)> = node_stats::table
            .select((
                node_stats::municipality,
                node_stats::computed_at_ms,
                node_stats::received_at_ms,
                node_stats::figures,
            ))
            .filter(node_stats::municipality.gt(&after))
            .order(node_stats::municipality)
            .limit(PAGE)
            .load(conn)?;
        let Some(last) = rows.last().map(|r| r.0.clone()) else { return Ok(()) };
        for (code, computed_at_ms, received_at_ms, blob) in rows.into_iter().filter(|r| !skip.contains(&r.0)) {
            let municipality =
                MunicipalityCode::parse(&code).map_err(|_| DbError::Corrupt("node_stats municipality"))?;
            let answer = match Message::decode_payload(Kind::StatsAnswer, &blob) {
                Ok(Message::StatsAnswer(a)) => a,
                _ => return Err(DbError::Corrupt("node_stats figures")),
            };
            each(NodeFigures { municipality, computed_at_ms, received_at_ms, answer });
        }
        after = last;
    }
}

/// When each node's stored figures were computed (for `stats_as_of`).
pub fn as_of(conn: &mut SqliteConnection) -> Result<Vec<(String, i64)>, DbError> {
    Ok(node_stats::table.select((node_stats::municipality, node_stats::computed_at_ms)).load(conn)?)
}

/// The outcome of one refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    pub nodes_reported: usize,
    pub nodes_missing: Vec<String>,
}

pub fn record_refresh(conn: &mut SqliteConnection, r: &Refresh) -> Result<(), DbError> {
    let missing = serde_json::to_string(&r.nodes_missing).map_err(|e| DbError::Query(e.to_string()))?;
    diesel::insert_into(stats_refreshes::table)
        .values((
            stats_refreshes::started_at_ms.eq(r.started_at_ms),
            stats_refreshes::finished_at_ms.eq(r.finished_at_ms),
            stats_refreshes::nodes_reported.eq(i32::try_from(r.nodes_reported).unwrap_or(i32::MAX)),
            stats_refreshes::nodes_missing.eq(missing),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn last_refresh(conn: &mut SqliteConnection) -> Result<Option<Refresh>, DbError> {
    let row: Option<(i64, i64, i32, String)> = stats_refreshes::table
        .select((
            stats_refreshes::started_at_ms,
            stats_refreshes::finished_at_ms,
            stats_refreshes::nodes_reported,
            stats_refreshes::nodes_missing,
        ))
        .order(stats_refreshes::id.desc())
        .first(conn)
        .optional()?;
    row.map(|(started_at_ms, finished_at_ms, reported, missing)| {
        let nodes_missing = serde_json::from_str(&missing).map_err(|_| DbError::Corrupt("stats_refreshes"))?;
        Ok(Refresh { started_at_ms, finished_at_ms, nodes_reported: reported.max(0) as usize, nodes_missing })
    })
    .transpose()
}
