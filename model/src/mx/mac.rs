//! The MX block multiply-accumulate (ARCHITECTURE.md section 2.3), the TTU's only rounding:
//!
//! `acc' = RNE_f32( acc + 2^(sA-127) x 2^(sB-127) x SUM_{i<k} PA_i x PB_i )`
//!
//! The per-block API is built for an RTL testbench: [`block_sum`] gives the exact integer sum of
//! products (what the TTU's fixed-point adder tree must hold, see [`sum_width_bits`]), and
//! [`block_mac`] the float32 result of one accumulate step. [`add_round`] is the single rounding:
//! an exact dyadic value plus a float32, rounded once to float32.
//!
//! Float32 rules: subnormals are kept (no flush), overflow gives +-Inf, an exact zero result is +0,
//! a nonzero result too small for the smallest subnormal rounds to a zero of its own sign (IEEE),
//! and every NaN is emitted as [`F32_NAN`].

use super::format::{bit_len, decode, decode_scale, info, rne_shift, Elem, ElemFormat};

/// The one NaN the model emits (quiet, positive, no payload).
pub const F32_NAN: u32 = 0x7FC0_0000;
/// The one bfloat16 NaN the model emits.
pub const BF16_NAN: u16 = 0x7FC0;

/// The exact sum of products of one block, before the scales are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockSum {
    /// value = `sum` x 2^`exp`, with `exp` = lsb_exp(A) + lsb_exp(B) (fixed for a format pair).
    Finite { sum: i128, exp: i32 },
    /// An Inf product and no NaN, all Infs of one sign.
    Inf { negative: bool },
    /// A NaN element, Inf x 0, or +Inf + -Inf.
    NaN,
}

/// Exponent of one unit of the exact block sum for a format pair: lsb_exp(A) + lsb_exp(B).
pub fn product_exp(fa: ElemFormat, fb: ElemFormat) -> i32 {
    info(fa).lsb_exp + info(fb).lsb_exp
}

/// Minimal two's-complement width (bits, sign included) of a register that holds the exact sum of
/// `k` products of `fa` x `fb` elements in units of 2^[`product_exp`], for every possible code
/// (INT8 counts the code -128). Example: E5M2 x E5M2 with k = 32 needs 70 bits; E4M3 x E4M3 42.
pub fn sum_width_bits(fa: ElemFormat, fb: ElemFormat, k: usize) -> u32 {
    let max = info(fa).max_decoded_units as u128 * info(fb).max_decoded_units as u128 * k as u128;
    // A magnitude up to `max` plus a sign bit; -max must fit too, which the same width gives.
    bit_len(max) as u32 + 1
}

/// The exact sum of products `SUM codes_a[i] x codes_b[i]` (section 2.3). Panics if the slices
/// differ in length.
pub fn block_sum(fa: ElemFormat, codes_a: &[u8], fb: ElemFormat, codes_b: &[u8]) -> BlockSum {
    assert_eq!(
        codes_a.len(),
        codes_b.len(),
        "block_sum: operand blocks differ in length"
    );
    let (mut nan, mut pos_inf, mut neg_inf) = (false, false, false);
    let mut sum: i128 = 0;
    for (&ca, &cb) in codes_a.iter().zip(codes_b) {
        match (decode(fa, ca), decode(fb, cb)) {
            (Elem::NaN, _) | (_, Elem::NaN) => nan = true,
            (Elem::Finite(a), Elem::Finite(b)) => sum += a as i128 * b as i128,
            (Elem::Inf { negative: na }, Elem::Inf { negative: nb }) => {
                if na ^ nb {
                    neg_inf = true
                } else {
                    pos_inf = true
                }
            }
            (Elem::Inf { negative }, Elem::Finite(v))
            | (Elem::Finite(v), Elem::Inf { negative }) => {
                if v == 0 {
                    nan = true // Inf x 0
                } else if negative ^ (v < 0) {
                    neg_inf = true
                } else {
                    pos_inf = true
                }
            }
        }
    }
    if nan || (pos_inf && neg_inf) {
        BlockSum::NaN
    } else if pos_inf || neg_inf {
        BlockSum::Inf { negative: neg_inf }
    } else {
        BlockSum::Finite {
            sum,
            exp: product_exp(fa, fb),
        }
    }
}

/// One MX block multiply-accumulate step (section 2.3): `acc_bits` is the float32 accumulator,
/// `sa`/`sb` the E8M0 scale codes, the code slices one block of each operand (unpacked, one code
/// per byte). Returns the new accumulator's float32 bits.
pub fn block_mac(
    acc_bits: u32,
    fa: ElemFormat,
    sa: u8,
    codes_a: &[u8],
    fb: ElemFormat,
    sb: u8,
    codes_b: &[u8],
) -> u32 {
    let (Some(ea), Some(eb)) = (decode_scale(sa), decode_scale(sb)) else {
        return F32_NAN;
    };
    apply_block_sum(acc_bits, block_sum(fa, codes_a, fb, codes_b), ea + eb)
}

/// Accumulate a block sum whose scales add up to 2^`scale_exp` into `acc_bits` (NaN/Inf rules of
/// section 2.3, then [`add_round`]).
pub fn apply_block_sum(acc_bits: u32, bs: BlockSum, scale_exp: i32) -> u32 {
    if f32_is_nan(acc_bits) {
        return F32_NAN;
    }
    let acc_inf = f32_is_inf(acc_bits);
    let acc_neg = acc_bits >> 31 != 0;
    match bs {
        BlockSum::NaN => F32_NAN,
        BlockSum::Inf { negative } => {
            if acc_inf && acc_neg != negative {
                F32_NAN
            } else {
                f32_inf(negative)
            }
        }
        BlockSum::Finite { .. } if acc_inf => acc_bits,
        BlockSum::Finite { sum, exp } => add_round(acc_bits, sum, exp + scale_exp),
    }
}

fn f32_is_nan(b: u32) -> bool {
    b & 0x7FFF_FFFF > 0x7F80_0000
}

fn f32_is_inf(b: u32) -> bool {
    b & 0x7FFF_FFFF == 0x7F80_0000
}

fn f32_inf(negative: bool) -> u32 {
    0x7F80_0000 | ((negative as u32) << 31)
}

/// A finite float32 as (negative, mag, exp) with value = mag x 2^exp.
pub(crate) fn f32_parts(bits: u32) -> (bool, u128, i32) {
    let negative = bits >> 31 != 0;
    let ef = ((bits >> 23) & 0xFF) as i32;
    let frac = (bits & 0x7F_FFFF) as u128;
    if ef == 0 {
        (negative, frac, -149)
    } else {
        (negative, frac | (1 << 23), ef - 150)
    }
}

/// Round the exact value (-1)^negative x `mag` x 2^`exp` to float32 with RNE (subnormals kept,
/// overflow to Inf). A zero `mag` gives +0.
pub fn round_to_f32(negative: bool, mag: u128, exp: i64) -> u32 {
    if mag == 0 {
        return 0;
    }
    let len = bit_len(mag);
    // Bits to drop: keep 24 significant bits, but never go below the subnormal lsb 2^-149.
    let drop = (len - 24).max(-149 - exp);
    let sign = (negative as u32) << 31;
    if len + exp > 129 {
        return sign | 0x7F80_0000; // >= 2^128 even before rounding
    }
    let m = rne_shift(mag, drop); // drop < 0 only for small mags: the shift is exact and small
    if m == 0 {
        return sign; // underflow: a zero of the value's sign
    }
    let mut q = exp + drop; // weight of m's lsb
    let mut m = m;
    if m == 1 << 24 {
        m >>= 1;
        q += 1;
    }
    let biased = if m >= 1 << 23 { q + 150 } else { 0 };
    if biased >= 255 {
        return sign | 0x7F80_0000;
    }
    sign | ((biased as u32) << 23) | (m as u32 & 0x7F_FFFF)
}

/// `RNE_f32(acc + sum x 2^exp)` for a finite float32 `acc_bits`, computed exactly with one rounding.
/// An exact zero result is +0.
pub fn add_round(acc_bits: u32, sum: i128, exp: i32) -> u32 {
    let (an, am, ae) = f32_parts(acc_bits);
    if sum == 0 {
        return if am == 0 { 0 } else { acc_bits };
    }
    let (sn, sm) = (sum < 0, sum.unsigned_abs());
    if am == 0 {
        return round_to_f32(sn, sm, exp as i64);
    }
    // Normalize both magnitudes so their top bit is bit 125 (exact left shifts: both are < 2^71),
    // leaving headroom for the carry of an add. Then align the smaller exponent to the larger with
    // a sticky bit: the result keeps >= 124 significant bits, far more than the 24 + round bit
    // rounding needs, so the sticky bit cannot change the rounding (standard guard/sticky argument).
    const TOP: i64 = 125;
    let norm = |m: u128, e: i64| {
        let sh = TOP + 1 - bit_len(m);
        (m << sh as u32, e - sh)
    };
    let (mut xm, xe) = norm(am, ae as i64);
    let (mut ym, ye) = norm(sm, exp as i64);
    let (mut xn, mut yn) = (an, sn);
    let (e, d) = if xe >= ye {
        (xe, xe - ye)
    } else {
        std::mem::swap(&mut xm, &mut ym);
        std::mem::swap(&mut xn, &mut yn);
        (ye, ye - xe)
    };
    // Now x has the larger exponent `e`; shift y right by d with sticky.
    if d > 0 {
        ym = if d >= 127 {
            (ym != 0) as u128
        } else {
            let lost = ym & ((1u128 << d) - 1);
            (ym >> d) | (lost != 0) as u128
        };
    }
    let (rn, rm) = if xn == yn {
        (xn, xm + ym)
    } else if xm >= ym {
        (xn, xm - ym)
    } else {
        (yn, ym - xm)
    };
    round_to_f32(rn, rm, e)
}

/// float32 -> bfloat16, round to nearest even; any NaN gives 0x7FC0; overflow gives +-Inf.
pub fn f32_to_bf16(bits: u32) -> u16 {
    if f32_is_nan(bits) {
        return BF16_NAN;
    }
    let lsb = (bits >> 16) & 1;
    (bits.wrapping_add(0x7FFF + lsb) >> 16) as u16
}

/// bfloat16 -> float32 (exact).
pub fn bf16_to_f32(h: u16) -> u32 {
    (h as u32) << 16
}
