//! Asking a bulk batch's rows. Rows for the same former municipality go together, up to
//! `MAX_INQUIRIES_PER_BATCH` at a time, as one sealed `inquiry_batch` under one signed
//! consent statement: a row used to cost a seal, a signature, an open and a verify on
//! each side (most of the CPU of a bulk run, by profile), a chunk now costs them once.
//! Every row still gets its own inquiry id and its own result, and results are handed on
//! in the file's order as soon as all rows before them are answered.

use super::inquiry_bulk_output::RowResult;
use super::inquiry_bulk_rows::{BulkRow, RowSubject};
use super::inquiry_input::Consent;
use crate::federation::Federation;
use crate::federation::inquiry_ask::{self, AskError};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vrs_protocol::limits::MAX_INQUIRIES_PER_BATCH;
use vrs_protocol::messages::{BatchQuestion, InquiryResult, InquirySubject};
use vrs_protocol::{MunicipalityCode, MyNumber, RecordId};

/// What the rows of a batch share while they are asked.
pub struct Asking {
    pub federation: Arc<Federation>,
    pub own: MunicipalityCode,
    pub consent: Consent,
    pub staff: String,
    pub timeout: Duration,
    /// Municipalities that did not answer in time during this batch: their remaining rows
    /// are reported `node_unreachable` at once rather than each chunk waiting out the
    /// timeout.
    pub unreachable: Mutex<HashSet<MunicipalityCode>>,
}

/// Rows to one holder, asked in one envelope: (position in the file, line, My Number).
struct Chunk {
    to: MunicipalityCode,
    rows: Vec<(usize, u64, MyNumber)>,
}

/// Chunks in flight for `rows_in_flight` (the `bulk_concurrency` setting, in rows).
pub fn chunks_in_flight(rows_in_flight: usize) -> usize {
    rows_in_flight.div_ceil(MAX_INQUIRIES_PER_BATCH).max(1)
}

impl Asking {
    /// Asks every row and sends its result to `out`, in file order. Stops asking when
    /// `out` is closed (the answer is no longer read).
    pub async fn ask_all(
        self: Arc<Self>,
        rows: Vec<BulkRow>,
        in_flight: usize,
        out: tokio::sync::mpsc::Sender<RowResult>,
    ) {
        let mut slots: Vec<Option<RowResult>> = (0..rows.len()).map(|_| None).collect();
        let mut chunks = Vec::new();
        let mut filling: HashMap<MunicipalityCode, Chunk> = HashMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            match self.precheck(row) {
                Err(result) => slots[i] = Some(*result),
                Ok((line, to, my_number)) => {
                    let chunk = filling.entry(to).or_insert_with(|| Chunk { to, rows: Vec::new() });
                    chunk.rows.push((i, line, my_number));
                    if chunk.rows.len() == MAX_INQUIRIES_PER_BATCH {
                        chunks.extend(filling.remove(&to));
                    }
                }
            }
        }
        chunks.extend(filling.into_values());
        // Asked in the order of their first row, so the answer's head fills first.
        chunks.sort_by_key(|c| c.rows.first().map_or(0, |r| r.0));
        let mut next = 0;
        if !flush(&mut slots, &mut next, &out).await {
            return;
        }
        let answered = futures_util::stream::iter(chunks)
            .map(|chunk| {
                let asking = self.clone();
                async move { asking.ask_chunk(chunk).await }
            })
            .buffer_unordered(in_flight.max(1));
        futures_util::pin_mut!(answered);
        while let Some(results) = answered.next().await {
            for (i, r) in results {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(r);
                }
            }
            if !flush(&mut slots, &mut next, &out).await {
                return;
            }
        }
    }

    /// A row that is not asked gets its result here; one to ask yields its holder.
    fn precheck(&self, row: BulkRow) -> Result<(u64, MunicipalityCode, MyNumber), Box<RowResult>> {
        let municipality = row.municipality();
        let result = |status, reason| {
            Box::new(RowResult { line: row.line, municipality, status, inquiry_id: None, found: None, reason })
        };
        let (to, my_number) = match row.subject {
            RowSubject::Invalid { reason, .. } => return Err(result("invalid", Some(reason))),
            RowSubject::Ask { to, my_number } => (to, my_number),
        };
        if to == self.own {
            return Err(result("unknown_municipality", Some("this node's own municipality: look the person up here")));
        }
        if !self.federation.registry.is_enrolled(to) {
            return Err(result(
                "unknown_municipality",
                Some("no node of this municipality is enrolled (or it was revoked)"),
            ));
        }
        Ok((row.line, to, my_number))
    }

    /// Asks one chunk; every row of it gets a result, keyed by its position in the file.
    async fn ask_chunk(&self, chunk: Chunk) -> Vec<(usize, RowResult)> {
        let to = chunk.to;
        let skipped = |status: &'static str, reason: Option<&'static str>| {
            let rows = chunk.rows.iter();
            rows.map(|&(i, line, _)| {
                let r = RowResult { line, municipality: Some(to), status, inquiry_id: None, found: None, reason };
                (i, r)
            })
            .collect::<Vec<_>>()
        };
        if self.is_unreachable(to) {
            return skipped("node_unreachable", Some("the node did not answer earlier in this batch"));
        }
        let mut questions = Vec::with_capacity(chunk.rows.len());
        for (_, _, my_number) in &chunk.rows {
            let Ok(inquiry_id) = RecordId::random() else { return skipped("failed", Some("internal error")) };
            questions.push(BatchQuestion { inquiry_id, subject: InquirySubject::MyNumber(my_number.clone()) });
        }
        let ids: Vec<RecordId> = questions.iter().map(|q| q.inquiry_id).collect();
        let given = self.consent.signed_by(&self.staff);
        let answers = inquiry_ask::ask_batch(&self.federation, to, questions, &given, self.timeout).await;
        if matches!(answers, Err(AskError::Unreachable)) {
            self.mark_unreachable(to);
        }
        let per_row: Vec<Result<InquiryResult, AskError>> = match answers {
            Ok(results) => results,
            Err(e) => ids.iter().map(|_| Err(e)).collect(),
        };
        chunk
            .rows
            .iter()
            .zip(ids)
            .zip(per_row)
            .map(|((&(i, line, _), inquiry_id), answer)| (i, row_result(line, to, inquiry_id, answer)))
            .collect()
    }

    fn is_unreachable(&self, to: MunicipalityCode) -> bool {
        self.unreachable.lock().is_ok_and(|s| s.contains(&to))
    }

    fn mark_unreachable(&self, to: MunicipalityCode) {
        if let Ok(mut s) = self.unreachable.lock() {
            s.insert(to);
        }
    }
}

/// The result of a row that was asked (it has an inquiry id, so it is logged).
fn row_result(
    line: u64,
    to: MunicipalityCode,
    inquiry_id: RecordId,
    answer: Result<InquiryResult, AskError>,
) -> RowResult {
    let status = inquiry_ask::outcome_word(&answer);
    let reason = match &answer {
        Err(AskError::Unreachable) => Some("the former municipality's node did not answer in time"),
        Err(AskError::ConsentRefused) => Some("the former municipality's node refused the consent statement"),
        Err(AskError::Failed(_)) | Ok(InquiryResult::Refused(_)) => {
            Some("the former municipality's node could not answer")
        }
        Err(AskError::UnknownMunicipality) => Some("the coordinator does not know this municipality's node"),
        Ok(_) => None,
    };
    let found = match answer {
        Ok(InquiryResult::Found(f)) => Some(f),
        _ => None,
    };
    RowResult { line, municipality: Some(to), status, inquiry_id: Some(inquiry_id), found, reason }
}

/// Sends the answered rows at the head of the file; false once nobody reads them.
async fn flush(slots: &mut [Option<RowResult>], next: &mut usize, out: &tokio::sync::mpsc::Sender<RowResult>) -> bool {
    while let Some(r) = slots.get_mut(*next).and_then(Option::take) {
        *next += 1;
        if out.send(r).await.is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_flight_become_whole_chunks() {
        assert_eq!(chunks_in_flight(1), 1);
        assert_eq!(chunks_in_flight(256), 1);
        assert_eq!(chunks_in_flight(257), 2);
        assert_eq!(chunks_in_flight(1024), 4);
    }
}
