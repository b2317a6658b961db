//! The suppression rule against an attacker who knows every published cell and every row
//! and column total and solves for the hidden ones. The check is linear algebra written
//! apart from the rule's graph reasoning: a hidden cell is recoverable exactly when its
//! unit vector lies in the row space of the margin equations restricted to hidden cells.
#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

/// Rank of a small dense matrix (Gaussian elimination; entries are 0/1, sizes tiny).
fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let (rows, cols) = (m.len(), m.first().map_or(0, Vec::len));
    let mut rank = 0;
    for col in 0..cols {
        let Some(p) = (rank..rows).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs())) else { break };
        if m[p][col].abs() < 1e-9 {
            continue;
        }
        m.swap(rank, p);
        let pivot = m[rank].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != rank {
                let f = row[col] / pivot[col];
                row.iter_mut().zip(&pivot).skip(col).for_each(|(x, p)| *x -= f * p);
            }
        }
        rank += 1;
    }
    rank
}

/// The hidden cells an attacker can compute exactly from the margins.
fn recoverable(hidden: &[Vec<bool>]) -> Vec<(usize, usize)> {
    let cells: Vec<(usize, usize)> = hidden
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().filter(|(_, h)| **h).map(move |(c, _)| (r, c)))
        .collect();
    let (rows, cols) = (hidden.len(), hidden.first().map_or(0, Vec::len));
    let mut eqs: Vec<Vec<f64>> = Vec::new();
    for r in 0..rows {
        eqs.push(cells.iter().map(|&(i, _)| f64::from(u8::from(i == r))).collect());
    }
    for c in 0..cols {
        eqs.push(cells.iter().map(|&(_, j)| f64::from(u8::from(j == c))).collect());
    }
    let base = rank(eqs.clone());
    cells
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let mut with = eqs.clone();
            with.push((0..cells.len()).map(|i| f64::from(u8::from(i == *k))).collect());
            rank(with) == base
        })
        .map(|(_, cell)| *cell)
        .collect()
}

fn table() -> impl Strategy<Value = Vec<Vec<u64>>> {
    (2usize..9, 2usize..6).prop_flat_map(|(rows, cols)| {
        // Many small cells, as in villages; some zeros; some large.
        let cell = prop_oneof![3 => 0u64..12, 1 => Just(0u64), 2 => 10u64..500];
        proptest::collection::vec(proptest::collection::vec(cell, cols), rows)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_hidden_cell_can_be_recovered_from_the_totals(t in table()) {
        let hidden = suppress(&t);
        for (r, row) in t.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if (1..THRESHOLD).contains(v) {
                    prop_assert!(hidden[r][c], "small cell ({r},{c}) = {v} published");
                }
            }
        }
        prop_assert_eq!(recoverable(&hidden), vec![]);
    }

    #[test]
    fn a_table_without_small_cells_is_published_whole(t in table()) {
        let big: Vec<Vec<u64>> = t.iter().map(|r| r.iter().map(|v| v + THRESHOLD).collect()).collect();
        prop_assert!(suppress(&big).iter().flatten().all(|h| !h));
    }
}

#[test]
fn one_small_cell_takes_three_complements_and_avoids_zeros() {
    let t = vec![vec![3, 50, 40], vec![0, 0, 60], vec![20, 30, 0]];
    let h = suppress(&t);
    assert!(h[0][0]);
    assert_eq!(h.iter().flatten().filter(|x| **x).count(), 4);
    // The rectangle closes through non-zero cells: (0,1), (2,0), (2,1).
    assert!(h[0][1] && h[2][0] && h[2][1]);
    assert!(recoverable(&h).is_empty());
}

#[test]
fn a_single_row_with_a_small_cell_is_hidden_whole() {
    assert_eq!(suppress(&[vec![5, 100]]), vec![vec![true, true]]);
    assert_eq!(suppress(&[vec![50, 100]]), vec![vec![false, false]]);
}

#[test]
fn the_attacker_model_finds_a_lone_hidden_cell() {
    // Sanity of the checker itself: one hidden cell with known margins is recoverable.
    assert_eq!(recoverable(&[vec![true, false], vec![false, false]]), vec![(0, 0)]);
    assert!(recoverable(&[vec![true, true], vec![true, true]]).is_empty());
}
