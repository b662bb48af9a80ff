//! MX element formats and the E8M0 block scale (ARCHITECTURE.md section 2.1, OCP Microscaling v1.0).
//!
//! Every finite element value is an integer multiple of the format's smallest subnormal, 2^`lsb_exp`.
//! The model works on that integer (the value "in lsb units"): decoding gives it exactly, the block
//! MAC multiplies and adds those integers, and the hardware does the same with a fixed-point adder
//! tree. Encoding rounds an exact dyadic value (`mag` x 2^`exp`) to the format with
//! round-to-nearest-even and saturates finite overflow to +-max (section 2.2 step 5).
//!
//! | format | bits | bias | max | lsb | max in lsb units |
//! |---|---|---|---|---|---|
//! | E4M3 | 8 | 7 | 448 | 2^-9 | 229376 (18 bits) |
//! | E5M2 | 8 | 15 | 57344 | 2^-16 | 3758096384 (32 bits) |
//! | E2M3 | 6 | 1 | 7.5 | 2^-3 | 60 (6 bits) |
//! | E3M2 | 6 | 3 | 28 | 2^-4 | 448 (9 bits) |
//! | E2M1 | 4 | 1 | 6 | 2^-1 | 12 (4 bits) |
//! | INT8 | 8 | - | 127/64 | 2^-6 | 127 (128 for the code -128, which decodes but is never produced) |

pub use crate::config::ElemFormat;

/// The code of the E8M0 scale that means NaN.
pub const SCALE_NAN: u8 = 0xFF;

/// A decoded element: its exact value in units of 2^`lsb_exp`, or a special.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    /// value = units x 2^lsb_exp (a signed integer; -0 decodes to 0).
    Finite(i64),
    /// +-Inf (E5M2 only).
    Inf { negative: bool },
    /// NaN (E4M3 S.1111.111, E5M2 S.11111.{01,10,11}).
    NaN,
}

/// Static description of an element format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatInfo {
    /// Code width in bits.
    pub bits: u32,
    /// Exponent field width (0 for INT8).
    pub ebits: u32,
    /// Mantissa (fraction) field width (for INT8: the 6 fraction bits of the fixed point).
    pub mbits: u32,
    /// Exponent bias (0 for INT8).
    pub bias: i32,
    /// log2 of the smallest subnormal (the weight of one "lsb unit").
    pub lsb_exp: i32,
    /// Largest finite magnitude in lsb units.
    pub max_units: i64,
    /// Largest magnitude a code can decode to, in lsb units (INT8: 128 for the code -128).
    pub max_decoded_units: i64,
    /// floor(log2(max)), used by the quantizer's scale rule (section 2.2 step 4).
    pub emax_elem: i32,
}

/// Parameters of `fmt` (ARCHITECTURE.md section 2.1).
pub const fn info(fmt: ElemFormat) -> FormatInfo {
    match fmt {
        ElemFormat::E4m3 => FormatInfo {
            bits: 8,
            ebits: 4,
            mbits: 3,
            bias: 7,
            lsb_exp: -9,
            max_units: 448 << 9,
            max_decoded_units: 448 << 9,
            emax_elem: 8,
        },
        ElemFormat::E5m2 => FormatInfo {
            bits: 8,
            ebits: 5,
            mbits: 2,
            bias: 15,
            lsb_exp: -16,
            max_units: 57344 << 16,
            max_decoded_units: 57344 << 16,
            emax_elem: 15,
        },
        ElemFormat::E2m3 => FormatInfo {
            bits: 6,
            ebits: 2,
            mbits: 3,
            bias: 1,
            lsb_exp: -3,
            max_units: 60,
            max_decoded_units: 60,
            emax_elem: 2,
        },
        ElemFormat::E3m2 => FormatInfo {
            bits: 6,
            ebits: 3,
            mbits: 2,
            bias: 3,
            lsb_exp: -4,
            max_units: 28 << 4,
            max_decoded_units: 28 << 4,
            emax_elem: 4,
        },
        ElemFormat::E2m1 => FormatInfo {
            bits: 4,
            ebits: 2,
            mbits: 1,
            bias: 1,
            lsb_exp: -1,
            max_units: 12,
            max_decoded_units: 12,
            emax_elem: 2,
        },
        ElemFormat::Int8 => FormatInfo {
            bits: 8,
            ebits: 0,
            mbits: 6,
            bias: 0,
            lsb_exp: -6,
            max_units: 127,
            max_decoded_units: 128,
            emax_elem: 0,
        },
    }
}

/// Number of distinct codes of `fmt` (16, 64 or 256).
pub const fn code_count(fmt: ElemFormat) -> usize {
    1 << info(fmt).bits
}

/// Decode one element code exactly. Only the low `bits` bits of `code` are used.
pub fn decode(fmt: ElemFormat, code: u8) -> Elem {
    let fi = info(fmt);
    if fmt == ElemFormat::Int8 {
        return Elem::Finite(code as i8 as i64);
    }
    let code = (code as u32) & ((1 << fi.bits) - 1);
    let negative = code >> (fi.bits - 1) != 0;
    let e = (code >> fi.mbits) & ((1 << fi.ebits) - 1);
    let m = code & ((1 << fi.mbits) - 1);
    let emask = (1 << fi.ebits) - 1;
    match fmt {
        ElemFormat::E4m3 if e == emask && m == 7 => return Elem::NaN,
        ElemFormat::E5m2 if e == emask => {
            return if m == 0 {
                Elem::Inf { negative }
            } else {
                Elem::NaN
            }
        }
        _ => {}
    }
    // e == 0: subnormal m x lsb; e >= 1: (1.m) x 2^(e - bias) = (2^mbits + m) << (e - 1) lsb units.
    let units = if e == 0 {
        m as i64
    } else {
        (((1 << fi.mbits) | m) as i64) << (e - 1)
    };
    Elem::Finite(if negative { -units } else { units })
}

/// Decode one element code to an f64 (exact: every element value fits an f64).
pub fn decode_f64(fmt: ElemFormat, code: u8) -> f64 {
    match decode(fmt, code) {
        Elem::Finite(u) => {
            let v = u as f64 * (info(fmt).lsb_exp as f64).exp2();
            // Keep the sign of a float format's -0.
            if u == 0 && fmt != ElemFormat::Int8 && is_negative_code(fmt, code) {
                -0.0
            } else {
                v
            }
        }
        Elem::Inf { negative } => {
            if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        Elem::NaN => f64::NAN,
    }
}

fn is_negative_code(fmt: ElemFormat, code: u8) -> bool {
    (code as u32 >> (info(fmt).bits - 1)) & 1 != 0
}

/// Decode an E8M0 scale: `Some(s)` meaning 2^s (s in -127..=127), or `None` for the NaN code 0xFF.
pub fn decode_scale(code: u8) -> Option<i32> {
    if code == SCALE_NAN {
        None
    } else {
        Some(code as i32 - 127)
    }
}

/// Round `mag` x 2^-`shift` to an integer, ties to even. `shift` <= 0 is an exact left shift (the
/// caller guarantees it does not overflow).
pub(crate) fn rne_shift(mag: u128, shift: i64) -> u128 {
    if shift <= 0 {
        return mag << (-shift) as u32;
    }
    if shift > 128 {
        return 0;
    }
    if shift == 128 {
        // mag / 2^128 < 1: rounds up only above one half (a tie goes to the even 0).
        return (mag > 1u128 << 127) as u128;
    }
    let s = shift as u32;
    let q = mag >> s;
    let rem = mag & ((1u128 << s) - 1);
    let half = 1u128 << (s - 1);
    if rem > half || (rem == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// Bit length of `x` (0 for 0).
pub(crate) fn bit_len(x: u128) -> i64 {
    128 - x.leading_zeros() as i64
}

/// Encode the exact value (-1)^negative x `mag` x 2^`exp` into `fmt`: round to nearest, ties to
/// even, finite overflow saturates to +-max (never Inf/NaN; INT8 never gives -128). Float formats
/// keep the sign of zero; INT8 has a single zero.
pub fn encode_exact(fmt: ElemFormat, negative: bool, mag: u128, exp: i32) -> u8 {
    let fi = info(fmt);
    let max = fi.max_units as u128;
    // Value in lsb units is mag x 2^t.
    let t = exp as i64 - fi.lsb_exp as i64;
    let units: u128 = if mag == 0 {
        0
    } else if bit_len(mag) + t > bit_len(max) + 1 {
        max // far above max: saturate before any shift could overflow
    } else if fmt == ElemFormat::Int8 {
        rne_shift(mag, -t).min(max)
    } else {
        // Spacing of the grid around the value: 1 unit up to 2^(mbits+1) units, then doubling per binade.
        let len = bit_len(mag) + t; // bit length of floor(value in units) (<= 0 when value < 1)
        let g = (len - fi.mbits as i64 - 1).max(0);
        (rne_shift(mag, g - t) << g).min(max)
    };
    if fmt == ElemFormat::Int8 {
        let v = units as i64;
        return (if negative { -v } else { v }) as i8 as u8;
    }
    let mag_code = if units < (1 << fi.mbits) {
        units as u32
    } else {
        let e = bit_len(units) as u32 - fi.mbits;
        (e << fi.mbits) | ((units >> (e - 1)) as u32 & ((1 << fi.mbits) - 1))
    };
    let sign = if negative { 1u32 << (fi.bits - 1) } else { 0 };
    (sign | mag_code) as u8
}

/// Encode an f64 (exact value) into `fmt` with RNE and saturation. NaN and +-Inf are not element
/// values the quantizer produces; they map to +-max (Inf) and 0 (NaN) here.
pub fn encode_f64(fmt: ElemFormat, x: f64) -> u8 {
    if x.is_nan() {
        return 0;
    }
    let negative = x.is_sign_negative();
    if x.is_infinite() {
        return encode_exact(fmt, negative, 1, 10_000);
    }
    let bits = x.abs().to_bits();
    let ef = (bits >> 52) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as u128;
    let (mag, exp) = if ef == 0 {
        (frac, -1074)
    } else {
        (frac | (1u128 << 52), ef - 1075)
    };
    encode_exact(fmt, negative, mag, exp)
}

/// Lower-case format name (as in the vectors and on the command line).
pub fn name(fmt: ElemFormat) -> &'static str {
    fmt.name()
}
