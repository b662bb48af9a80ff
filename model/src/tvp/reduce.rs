//! Reductions across lanes and along a stream, in one fixed order.
//!
//! A vector of n values streams through the L lanes in beats of L (beat j holds elements
//! jL .. jL+L-1); a short last beat is padded with the operation's identity (-0 for sums, since
//! `x + (-0) = x` for every x including +0; -Inf for max).
//!
//! * Within a beat the lanes are summed as a balanced binary tree of adjacent pairs:
//!   level 1 adds lanes (0,1), (2,3), ...; level 2 adds those results pairwise, and so on
//!   (L is a power of two in every configuration; an odd element at some level passes up unchanged).
//! * Along the stream the beat sums are folded in order: `acc = beat0; acc = acc + beat_j`.
//! * An empty vector sums to -0 and its maximum is -Inf.
//!
//! Max uses IEEE 754-2019 `maximum`, which is associative and commutative (NaN wins, -0 < +0),
//! so its order does not change the result.

use super::{add, max};

/// A reduction: the TVP's `in_op` codes 24.. (after the elementwise [`super::Op`]s). A stream
/// of beats ending with `in_last` gives one result beat whose lane 0 holds the scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Red {
    /// Sum in the fixed order of this module's header.
    Sum = 24,
    /// IEEE 754-2019 `maximum` of every element.
    Max = 25,
    /// The MX scale word of one block ([`super::convert::block_scale`]): amax across lanes and
    /// cycles, then ARCHITECTURE.md 2.2 steps 1-4.
    Scale = 26,
}

impl Red {
    /// Every reduction, in opcode order.
    pub const ALL: [Red; 3] = [Red::Sum, Red::Max, Red::Scale];

    /// The opcode.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Red::Sum => "sum",
            Red::Max => "rmax",
            Red::Scale => "scale",
        }
    }

    /// Parse a command-line name.
    pub fn parse(s: &str) -> Option<Red> {
        Red::ALL.iter().copied().find(|r| r.name() == s)
    }

    /// The value a short last beat is padded with (it leaves the result unchanged).
    pub fn pad(self) -> u32 {
        match self {
            Red::Sum => NEG_ZERO,
            Red::Max => NEG_INF,
            Red::Scale => 0,
        }
    }

    /// The reduction of `x` streamed through `lanes` lanes; `s` is the scalar (for `scale`:
    /// format in bits 2..0, `rceil` in bit 3).
    pub fn run(self, x: &[u32], lanes: usize, s: u32) -> u32 {
        match self {
            Red::Sum => sum(x, lanes),
            Red::Max => max_all(x),
            Red::Scale => super::convert::block_scale(x, s),
        }
    }
}

/// Negative zero: the identity of float32 addition.
pub const NEG_ZERO: u32 = 0x8000_0000;
/// -Inf: the identity of `maximum`.
pub const NEG_INF: u32 = 0xFF80_0000;

/// Tree sum of one beat, adjacent pairs first.
pub fn lane_sum(lanes: &[u32]) -> u32 {
    if lanes.is_empty() {
        return NEG_ZERO;
    }
    let mut level: Vec<u32> = lanes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| if p.len() == 2 { add(p[0], p[1]) } else { p[0] })
            .collect();
    }
    level[0]
}

/// Split `x` into beats of `lanes`, padding the last with `pad`.
pub fn beats(x: &[u32], lanes: usize, pad: u32) -> Vec<Vec<u32>> {
    x.chunks(lanes.max(1))
        .map(|c| {
            let mut b = c.to_vec();
            b.resize(lanes.max(1), pad);
            b
        })
        .collect()
}

/// Sum of a vector through `lanes` lanes (see the module header for the order).
pub fn sum(x: &[u32], lanes: usize) -> u32 {
    beats(x, lanes, NEG_ZERO)
        .iter()
        .map(|b| lane_sum(b))
        .reduce(add)
        .unwrap_or(NEG_ZERO)
}

/// Maximum of a vector (IEEE 754-2019 `maximum`).
pub fn max_all(x: &[u32]) -> u32 {
    x.iter().copied().fold(NEG_INF, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_the_documented_tree() {
        let v: Vec<u32> = [1.0f32, 1e8, -1e8, 1.0]
            .iter()
            .map(|x| x.to_bits())
            .collect();
        // (1 + 1e8) + (-1e8 + 1) = 1e8 + -1e8 (both rounded) = 0
        assert_eq!(sum(&v, 4), 0);
        // two lanes: beat0 = 1+1e8 = 1e8, beat1 = -1e8+1 = -1e8 -> 0 as well, but 1 lane:
        // ((1 + 1e8) - 1e8) + 1 = 1
        assert_eq!(sum(&v, 1), 1.0f32.to_bits());
        assert_eq!(sum(&[NEG_ZERO, NEG_ZERO, NEG_ZERO], 2), NEG_ZERO);
        assert_eq!(sum(&[], 4), NEG_ZERO);
        assert_eq!(max_all(&[NEG_ZERO, 0]), 0);
    }
}
