//! Small-cell suppression for per-municipality figures (specs/opendata.md §4).
//!
//! A table is a prefecture's municipalities (rows) by dose number (columns); its row
//! totals and column totals (the prefecture's own figures) count as known to anyone.
//!
//! 1. **Primary**: every cell from 1 to `THRESHOLD - 1` is hidden (0 names no one).
//! 2. **Complementary**: with the margins known, the hidden cells are unknowns of a
//!    linear system (one equation per row and per column). A hidden cell is recoverable
//!    exactly when it is a *bridge* of the bipartite graph rows–columns whose edges are
//!    the hidden cells (no cycle of hidden cells passes through it: every other solution
//!    of the system differs from it by flows around such cycles). So while some hidden
//!    cell is a bridge, hide the cheapest rectangle (r,c)–(r,c2)–(r2,c2)–(r2,c) that
//!    closes a cycle through it (cost = the sum of the values newly hidden).
//! 3. A table with one row or one column cannot hide anything from its margins: if it has
//!    a primary cell, every cell is hidden (the prefecture's own figures, published
//!    anyway, then say no more than before).

/// Cells below this (and above zero) are never published.
pub const THRESHOLD: u64 = 10;

const ZERO_PENALTY: u64 = u64::MAX / 8;

/// Which cells of `table` (rows of equal length) to hide.
pub fn suppress(table: &[Vec<u64>]) -> Vec<Vec<bool>> {
    let rows = table.len();
    let cols = table.first().map_or(0, Vec::len);
    let mut hidden: Vec<Vec<bool>> =
        table.iter().map(|r| r.iter().map(|v| (1..THRESHOLD).contains(v)).collect()).collect();
    let any = hidden.iter().flatten().any(|h| *h);
    if any && (rows < 2 || cols < 2) {
        return table.iter().map(|r| vec![true; r.len()]).collect();
    }
    while let Some((r, c)) = first_bridge(&hidden, rows, cols) {
        close_cycle(table, &mut hidden, r, c);
    }
    hidden
}

/// The cheapest rectangle through (r, c); hides its cells that are not hidden yet.
fn close_cycle(table: &[Vec<u64>], hidden: &mut [Vec<bool>], r: usize, c: usize) {
    // A zero partner is a poor complement: a cell known to be >= 0 that is 0 lets
    // non-negativity pin the cycle, so zeros are used only when nothing else closes it.
    let cost = |i: usize, j: usize| match (hidden[i][j], table[i][j]) {
        (true, _) => 0,
        (false, 0) => ZERO_PENALTY,
        (false, v) => v,
    };
    let mut best: Option<(u64, usize, usize)> = None;
    for r2 in (0..table.len()).filter(|&i| i != r) {
        for c2 in (0..table[r].len()).filter(|&j| j != c) {
            let total = cost(r, c2).saturating_add(cost(r2, c)).saturating_add(cost(r2, c2));
            if best.is_none_or(|(b, _, _)| total < b) {
                best = Some((total, r2, c2));
            }
        }
    }
    if let Some((_, r2, c2)) = best {
        hidden[r][c2] = true;
        hidden[r2][c] = true;
        hidden[r2][c2] = true;
    }
}

/// A hidden cell that is a bridge of the rows–columns graph, if any (Tarjan's
/// low-link; nodes 0..rows are rows, rows..rows+cols columns).
fn first_bridge(hidden: &[Vec<bool>], rows: usize, cols: usize) -> Option<(usize, usize)> {
    let n = rows + cols;
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut edges = Vec::new();
    for (r, row) in hidden.iter().enumerate() {
        for (c, h) in row.iter().enumerate() {
            if *h {
                let e = edges.len();
                edges.push((r, c));
                adj[r].push((rows + c, e));
                adj[rows + c].push((r, e));
            }
        }
    }
    let mut dfs = Dfs { adj: &adj, order: vec![usize::MAX; n], low: vec![0; n], next: 0, bridge: None };
    for v in 0..n {
        if dfs.order[v] == usize::MAX {
            dfs.visit(v, usize::MAX);
            if let Some(e) = dfs.bridge {
                return Some(edges[e]);
            }
        }
    }
    None
}

struct Dfs<'a> {
    adj: &'a [Vec<(usize, usize)>],
    order: Vec<usize>,
    low: Vec<usize>,
    next: usize,
    bridge: Option<usize>,
}

impl Dfs<'_> {
    // Depth is at most rows + cols (a prefecture's municipalities plus nine doses).
    fn visit(&mut self, v: usize, via: usize) {
        self.order[v] = self.next;
        self.low[v] = self.next;
        self.next += 1;
        for &(w, e) in &self.adj[v] {
            if e == via {
                continue;
            }
            if self.order[w] == usize::MAX {
                self.visit(w, e);
                self.low[v] = self.low[v].min(self.low[w]);
                if self.low[w] > self.order[v] && self.bridge.is_none() {
                    self.bridge = Some(e);
                }
            } else {
                self.low[v] = self.low[v].min(self.order[w]);
            }
        }
    }
}

#[cfg(test)]
#[path = "suppression_tests.rs"]
mod tests;
