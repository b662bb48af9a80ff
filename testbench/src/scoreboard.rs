//! A scoreboard comparing what a device under test delivered with what it should have delivered.
//!
//! Classification, after matching every observed item to the earliest not yet matched expected item with
//! the same value:
//! * **lost**: expected, never observed;
//! * **duplicated**: observed more often than expected;
//! * **unexpected**: observed, never expected (corrupted payloads land here);
//! * **reordered** (ordered scoreboards only): matched items outside a longest increasing run of expected
//!   positions, i.e. the fewest items that must move to restore the expected order.

use std::collections::{HashMap, VecDeque};
use std::fmt::{Debug, Write};
use std::hash::Hash;

/// At most this many examples of each kind appear in a report.
const EXAMPLES: usize = 8;

/// Expected versus observed items.
#[derive(Clone, Debug)]
pub struct Scoreboard<T> {
    name: String,
    ordered: bool,
    expected: Vec<T>,
    observed: Vec<T>,
}

/// The outcome of a comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Positions (in the expected sequence) never observed.
    pub lost: Vec<usize>,
    /// Positions (in the observed sequence) of surplus copies of expected values.
    pub duplicated: Vec<usize>,
    /// Positions (in the observed sequence) of values never expected.
    pub unexpected: Vec<usize>,
    /// `(expected position, observed position)` of items that arrived out of order.
    pub reordered: Vec<(usize, usize)>,
}

impl Findings {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty()
            && self.duplicated.is_empty()
            && self.unexpected.is_empty()
            && self.reordered.is_empty()
    }
}

impl<T: Clone + Eq + Hash + Debug> Scoreboard<T> {
    /// A scoreboard for a stream that promises order.
    pub fn ordered(name: impl Into<String>) -> Self {
        Scoreboard {
            name: name.into(),
            ordered: true,
            expected: Vec::new(),
            observed: Vec::new(),
        }
    }

    /// A scoreboard for a stream that may reorder (only loss, duplication and corruption are errors).
    pub fn unordered(name: impl Into<String>) -> Self {
        Scoreboard {
            ordered: false,
            ..Self::ordered(name)
        }
    }

    /// Records an item the device should deliver.
    pub fn expect(&mut self, item: T) {
        self.expected.push(item);
    }

    /// Records an item the device delivered.
    pub fn observe(&mut self, item: T) {
        self.observed.push(item);
    }

    /// Records several delivered items.
    pub fn observe_all(&mut self, items: impl IntoIterator<Item = T>) {
        self.observed.extend(items);
    }

    /// Items expected so far.
    pub fn expected(&self) -> &[T] {
        &self.expected
    }

    /// Items observed so far.
    pub fn observed(&self) -> &[T] {
        &self.observed
    }

    /// Classifies every discrepancy.
    pub fn findings(&self) -> Findings {
        let mut positions: HashMap<&T, VecDeque<usize>> = HashMap::new();
        for (i, e) in self.expected.iter().enumerate() {
            positions.entry(e).or_default().push_back(i);
        }
        let mut f = Findings::default();
        let mut matched = Vec::new(); // (expected position, observed position), in observation order
        let mut seen = vec![false; self.expected.len()];
        for (j, o) in self.observed.iter().enumerate() {
            match positions.get_mut(o) {
                Some(q) => match q.pop_front() {
                    Some(i) => {
                        seen[i] = true;
                        matched.push((i, j));
                    }
                    None => f.duplicated.push(j),
                },
                None => f.unexpected.push(j),
            }
        }
        f.lost = (0..self.expected.len()).filter(|&i| !seen[i]).collect();
        if self.ordered {
            let keep = longest_increasing(&matched.iter().map(|m| m.0).collect::<Vec<_>>());
            f.reordered = matched
                .iter()
                .enumerate()
                .filter(|(k, _)| !keep[*k])
                .map(|(_, m)| *m)
                .collect();
        }
        f
    }

    /// `None` when clean, else a report naming each discrepancy with examples.
    pub fn report(&self) -> Option<String> {
        let f = self.findings();
        if f.is_clean() {
            return None;
        }
        let mut r = format!(
            "scoreboard `{}`: {} expected, {} observed: {} lost, {} duplicated, {} unexpected, {} reordered",
            self.name,
            self.expected.len(),
            self.observed.len(),
            f.lost.len(),
            f.duplicated.len(),
            f.unexpected.len(),
            f.reordered.len()
        );
        for &i in f.lost.iter().take(EXAMPLES) {
            let _ = write!(
                r,
                "\n  lost:       expected #{i} {:x?} never arrived",
                self.expected[i]
            );
        }
        for &j in f.duplicated.iter().take(EXAMPLES) {
            let _ = write!(
                r,
                "\n  duplicated: observed #{j} {:x?} is an extra copy",
                self.observed[j]
            );
        }
        for &j in f.unexpected.iter().take(EXAMPLES) {
            let _ = write!(
                r,
                "\n  unexpected: observed #{j} {:x?} was never expected",
                self.observed[j]
            );
        }
        for &(i, j) in f.reordered.iter().take(EXAMPLES) {
            let _ = write!(
                r,
                "\n  reordered:  expected #{i} {:x?} arrived as #{j}",
                self.expected[i]
            );
        }
        let shown = [
            f.lost.len(),
            f.duplicated.len(),
            f.unexpected.len(),
            f.reordered.len(),
        ];
        if shown.iter().any(|&n| n > EXAMPLES) {
            let _ = write!(r, "\n  (at most {EXAMPLES} examples of each kind shown)");
        }
        Some(r)
    }

    /// Panics with the report when anything is wrong.
    pub fn check(&self) {
        if let Some(r) = self.report() {
            panic!("{r}");
        }
    }
}

/// Marks the members of one longest strictly increasing subsequence (patience sorting, O(n log n)).
fn longest_increasing(xs: &[usize]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new(); // index into xs of the smallest tail of each length
    let mut prev = vec![usize::MAX; xs.len()];
    for (k, &x) in xs.iter().enumerate() {
        let pos = tails.partition_point(|&t| xs[t] < x);
        if pos > 0 {
            prev[k] = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut keep = vec![false; xs.len()];
    let mut k = tails.last().copied().unwrap_or(usize::MAX);
    while k != usize::MAX {
        keep[k] = true;
        k = prev[k];
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(ordered: bool, exp: &[u32], obs: &[u32]) -> Findings {
        let mut s = if ordered {
            Scoreboard::ordered("t")
        } else {
            Scoreboard::unordered("t")
        };
        exp.iter().for_each(|&e| s.expect(e));
        s.observe_all(obs.iter().copied());
        s.findings()
    }

    #[test]
    fn clean_stream_is_clean() {
        assert!(board(true, &[1, 2, 2, 3], &[1, 2, 2, 3]).is_clean());
    }

    #[test]
    fn classifies_each_kind() {
        let f = board(true, &[1, 2, 3, 4], &[1, 3, 3, 9]);
        assert_eq!(f.lost, vec![1, 3]);
        assert_eq!(f.duplicated, vec![2]);
        assert_eq!(f.unexpected, vec![3]);
        assert!(f.reordered.is_empty());
    }

    #[test]
    fn swap_is_one_reordered_item() {
        let f = board(true, &[1, 2, 3, 4, 5], &[1, 3, 2, 4, 5]);
        assert_eq!(f.reordered.len(), 1);
        assert!(f.lost.is_empty() && f.duplicated.is_empty());
        assert!(board(false, &[1, 2, 3, 4, 5], &[1, 3, 2, 4, 5]).is_clean());
    }

    #[test]
    fn report_names_the_items() {
        let mut s = Scoreboard::ordered("fifo");
        s.expect(0xabu64);
        s.expect(0xcd);
        s.observe(0xcd);
        let r = s.report().unwrap();
        assert!(
            r.contains("1 lost") && r.contains("expected #0 ab never arrived"),
            "{r}"
        );
    }
}
