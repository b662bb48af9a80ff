//! Reference MX GEMM (ARCHITECTURE.md section 2.3): `C = C0 + A x B^T`, A [M][K] and B [N][K] MX
//! tensors (K-major, section 2.5), C float32 [M][N]. Each output folds its K/k blocks in
//! increasing K order with one [`block_mac`] rounding per block.
//!
//! Two implementations that must agree bit for bit:
//! * [`gemm_reference`]: literally `block_mac` per block, on the codes (slow, obviously right);
//! * [`gemm_serial`] / [`gemm`] (rayon over rows of C): each tensor is decoded once to integers in
//!   lsb units; a block is an integer dot product in i64 (i128 when the format pair's exact sum
//!   needs more than 64 bits, see [`sum_width_bits`]) followed by the exact [`add_round`]. Blocks
//!   holding a NaN/Inf element take the `block_mac` path.

use rayon::prelude::*;

use super::format::{decode, decode_scale, Elem, ElemFormat};
#[allow(unused_imports)] // for the doc links
use super::mac::add_round;
use super::mac::{apply_block_sum, block_mac, sum_width_bits, BlockSum, F32_NAN};
use super::quant::MxTensor;

/// Why two tensors cannot be multiplied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GemmError {
    #[error("A has K = {ka} columns but B has K = {kb}; both must share K (B is [N][K])")]
    KMismatch { ka: usize, kb: usize },
    #[error("A uses block size {ba} but B uses {bb}; they must match")]
    BlockMismatch { ba: usize, bb: usize },
    #[error("C0 has {got} values, expected M x N = {expected}")]
    C0Len { got: usize, expected: usize },
}

/// A tensor decoded once for the fast GEMM.
struct Decoded<'a> {
    t: &'a MxTensor,
    /// Element values in lsb units (specials decode to 0 and are flagged in `special`).
    vals: Vec<i64>,
    /// Per block: holds a NaN or Inf element.
    special: Vec<bool>,
}

impl<'a> Decoded<'a> {
    fn new(t: &'a MxTensor) -> Self {
        let table: Vec<Elem> = (0..=255u8).map(|c| decode(t.format, c)).collect();
        let vals = t
            .codes
            .iter()
            .map(|&c| match table[c as usize] {
                Elem::Finite(v) => v,
                _ => 0,
            })
            .collect();
        let special = t
            .codes
            .chunks(t.block)
            .map(|b| {
                b.iter()
                    .any(|&c| !matches!(table[c as usize], Elem::Finite(_)))
            })
            .collect();
        Decoded { t, vals, special }
    }
}

fn check(a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> Result<(), GemmError> {
    if a.cols != b.cols {
        return Err(GemmError::KMismatch {
            ka: a.cols,
            kb: b.cols,
        });
    }
    if a.block != b.block {
        return Err(GemmError::BlockMismatch {
            ba: a.block,
            bb: b.block,
        });
    }
    if let Some(c0) = c0 {
        if c0.len() != a.rows * b.rows {
            return Err(GemmError::C0Len {
                got: c0.len(),
                expected: a.rows * b.rows,
            });
        }
    }
    Ok(())
}

/// The slow, literal GEMM: `block_mac` for every block. Result: float32 bits, [M][N] row-major.
pub fn gemm_reference(
    a: &MxTensor,
    b: &MxTensor,
    c0: Option<&[u32]>,
) -> Result<Vec<u32>, GemmError> {
    check(a, b, c0)?;
    let (k, nb) = (a.block, a.blocks_per_row());
    let mut c = vec![0u32; a.rows * b.rows];
    for m in 0..a.rows {
        for n in 0..b.rows {
            let mut acc = c0.map_or(0, |c0| c0[m * b.rows + n]);
            for j in 0..nb {
                let (ra, rb) = (m * a.cols + j * k, n * b.cols + j * k);
                acc = block_mac(
                    acc,
                    a.format,
                    a.scales[m * nb + j],
                    &a.codes[ra..ra + k],
                    b.format,
                    b.scales[n * nb + j],
                    &b.codes[rb..rb + k],
                );
            }
            c[m * b.rows + n] = acc;
        }
    }
    Ok(c)
}

/// Fast GEMM on the current thread. Bit-identical to [`gemm_reference`].
pub fn gemm_serial(a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> Result<Vec<u32>, GemmError> {
    gemm_impl(a, b, c0, false)
}

/// Fast GEMM, rows of C spread over rayon's thread pool. Bit-identical to [`gemm_reference`].
pub fn gemm(a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> Result<Vec<u32>, GemmError> {
    gemm_impl(a, b, c0, true)
}

fn gemm_impl(
    a: &MxTensor,
    b: &MxTensor,
    c0: Option<&[u32]>,
    parallel: bool,
) -> Result<Vec<u32>, GemmError> {
    check(a, b, c0)?;
    let (da, db) = (Decoded::new(a), Decoded::new(b));
    let n = b.rows;
    let mut c = vec![0u32; a.rows * n];
    if n == 0 {
        return Ok(c);
    }
    let wide = sum_width_bits(a.format, b.format, a.block) > 64;
    let row = |(m, out): (usize, &mut [u32])| {
        for (j, o) in out.iter_mut().enumerate() {
            let acc0 = c0.map_or(0, |c0| c0[m * n + j]);
            *o = if wide {
                dot_row::<true>(&da, &db, m, j, acc0)
            } else {
                dot_row::<false>(&da, &db, m, j, acc0)
            };
        }
    };
    if parallel {
        c.par_chunks_mut(n).enumerate().for_each(row);
    } else {
        c.chunks_mut(n).enumerate().for_each(row);
    }
    Ok(c)
}

/// One output element: fold the blocks of row `m` of A and row `n` of B into `acc`.
#[inline]
fn dot_row<const WIDE: bool>(da: &Decoded, db: &Decoded, m: usize, n: usize, mut acc: u32) -> u32 {
    let (a, b) = (da.t, db.t);
    let (k, nb) = (a.block, a.blocks_per_row());
    let exp = a.format_lsb() + b.format_lsb();
    for j in 0..nb {
        let (ba, bb) = (m * nb + j, n * nb + j);
        let (Some(sa), Some(sb)) = (decode_scale(a.scales[ba]), decode_scale(b.scales[bb])) else {
            return F32_NAN; // NaN is sticky: every later block_mac returns NaN too
        };
        let (ra, rb) = (m * a.cols + j * k, n * b.cols + j * k);
        if da.special[ba] || db.special[bb] {
            acc = block_mac(
                acc,
                a.format,
                a.scales[ba],
                &a.codes[ra..ra + k],
                b.format,
                b.scales[bb],
                &b.codes[rb..rb + k],
            );
            continue;
        }
        let (va, vb) = (&da.vals[ra..ra + k], &db.vals[rb..rb + k]);
        let sum: i128 = if WIDE {
            va.iter()
                .zip(vb)
                .map(|(&x, &y)| x as i128 * y as i128)
                .sum()
        } else {
            // Exact: sum_width_bits(...) <= 64 for this pair and block size.
            va.iter().zip(vb).map(|(&x, &y)| x * y).sum::<i64>() as i128
        };
        acc = apply_block_sum(acc, BlockSum::Finite { sum, exp }, sa + sb);
    }
    acc
}

impl MxTensor {
    fn format_lsb(&self) -> i32 {
        super::format::info(self.format).lsb_exp
    }
}

/// The format pair's product format, for documentation tables: (fa, fb, k) -> exact-sum width.
pub fn width_table(k: usize) -> Vec<(ElemFormat, ElemFormat, u32)> {
    let mut t = Vec::new();
    for fa in ElemFormat::ALL {
        for fb in ElemFormat::ALL {
            t.push((fa, fb, sum_width_bits(fa, fb, k)));
        }
    }
    t
}
