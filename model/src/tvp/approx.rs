//! exp2, reciprocal and reciprocal square root: the one definition the RTL matches bit for bit.
//!
//! # Algorithm (all three functions)
//! The argument is reduced to a fraction in a table segment; the segment's quadratic is evaluated
//! in fixed point with four 16x16 multiplies; the result is packed into float32 with one
//! round-half-up step. In integers (`d` is 16 bits, `t = d / 2^16`):
//!
//! ```text
//! Y = C0[i] -/+ ((C1[i] * d) >> 16) + ((C2[i] * ((d * d) >> 16)) >> 16)     (units of 2^-28)
//! ```
//!
//! `C1[i]` has at most 22 bits and is multiplied as `C1hi * d + ((C1lo * d) >> 16)` (exactly the
//! same integer), so the datapath needs four 16x16 products: `d*d`, `C1hi*d`, `C1lo*d`, `C2*t2`.
//! The coefficients are fitted through the three Chebyshev nodes of each segment in float64 and
//! rounded to integers (deterministic: IEEE float64 arithmetic, no library transcendental other
//! than `exp2`/`sqrt`, which are correctly rounded or within 1 ulp of float64 - far below the
//! 2^-28 rounding of the coefficients). The table generator is shared by the model and the RTL.
//!
//! | function | segments (index bits)                   | t bits           | value range of Y |
//! |----------|-----------------------------------------|------------------|------------------|
//! | exp2     | 256 over [0,1) (fraction bits 31..24)   | fraction 23..8   | [1, 2)           |
//! | recip    | 128 over [1,2) (mantissa bits 22..16)   | mantissa 15..0   | (0.5, 1)         |
//! | rsqrt    | 2 x 128: [1,2) and [2,4) (exponent parity, mantissa 22..16) | mantissa 15..0 | (0.5, 1) |
//!
//! Packing: `pack(n, Y)` with `Y` in [2^28, 2^29) means `Y x 2^(n-28)`, rounded to float32 to
//! nearest even (subnormal results and overflow as IEEE) - the same rounding as add and mul, so
//! the RTL shares one rounder between all of them.
//!
//! Measured worst-case error against float64 over all 2^32 inputs: see `docs/tvp.md` and
//! [`worst_error`] (run with `tessera vec --report`).

use super::{is_nan, F32_NAN};
use std::sync::OnceLock;

/// One segment's quadratic: `(C0, |C1|, C2)` in units of 2^-28.
pub type Coef = (u32, u32, u32);

/// Which approximate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp2,
    Recip,
    Rsqrt,
}

impl Func {
    /// All three, in report order.
    pub const ALL: [Func; 3] = [Func::Exp2, Func::Recip, Func::Rsqrt];

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp2 => "exp2",
            Func::Recip => "recip",
            Func::Rsqrt => "rsqrt",
        }
    }

    /// True when the function decreases over each segment (C1 is subtracted).
    pub fn decreasing(self) -> bool {
        !matches!(self, Func::Exp2)
    }

    /// The exact function in float64 (the error reference).
    pub fn reference(self, x: f64) -> f64 {
        match self {
            Func::Exp2 => x.exp2(),
            Func::Recip => 1.0 / x,
            Func::Rsqrt => 1.0 / x.sqrt(),
        }
    }

    /// The model's result for float32 bits `x`.
    pub fn eval(self, x: u32) -> u32 {
        match self {
            Func::Exp2 => exp2(x),
            Func::Recip => recip(x),
            Func::Rsqrt => rsqrt(x),
        }
    }

    /// The coefficient table (256 entries for exp2 and rsqrt, 128 for recip).
    pub fn table(self) -> &'static [Coef] {
        static EXP2: OnceLock<Vec<Coef>> = OnceLock::new();
        static RECIP: OnceLock<Vec<Coef>> = OnceLock::new();
        static RSQRT: OnceLock<Vec<Coef>> = OnceLock::new();
        match self {
            Func::Exp2 => {
                EXP2.get_or_init(|| fit_table(256, |i, t| ((i as f64 + t) / 256.0).exp2()))
            }
            Func::Recip => {
                RECIP.get_or_init(|| fit_table(128, |i, t| 1.0 / (1.0 + (i as f64 + t) / 128.0)))
            }
            Func::Rsqrt => RSQRT.get_or_init(|| {
                fit_table(256, |j, t| {
                    let base = if j >= 128 { 2.0 } else { 1.0 };
                    1.0 / (base * (1.0 + ((j % 128) as f64 + t) / 128.0)).sqrt()
                })
            }),
        }
    }
}

/// Fixed-point scale of the coefficients and of Y.
pub const FRAC_BITS: u32 = 28;

/// Fit each segment's quadratic through its three Chebyshev nodes.
fn fit_table(n: usize, g: impl Fn(usize, f64) -> f64) -> Vec<Coef> {
    let scale = (1u64 << FRAC_BITS) as f64;
    (0..n)
        .map(|i| {
            let ts: [f64; 3] = std::array::from_fn(|k| {
                (1.0 - ((2 * k + 1) as f64 * std::f64::consts::PI / 6.0).cos()) / 2.0
            });
            let ys: [f64; 3] = std::array::from_fn(|k| g(i, ts[k]));
            // Newton divided differences, then expand to p0 + p1 t + p2 t^2.
            let d01 = (ys[1] - ys[0]) / (ts[1] - ts[0]);
            let d12 = (ys[2] - ys[1]) / (ts[2] - ts[1]);
            let p2 = (d12 - d01) / (ts[2] - ts[0]);
            let p1 = d01 - p2 * (ts[0] + ts[1]);
            let p0 = ys[0] - p1 * ts[0] - p2 * ts[0] * ts[0];
            (
                (p0 * scale).round() as u32,
                (p1.abs() * scale).round() as u32,
                (p2 * scale).round() as u32,
            )
        })
        .collect()
}

/// Split |C1| (< 2^22) into the two 16-bit multiplier operands (hi, lo).
pub fn split_c1(c1: u32) -> (u32, u32) {
    (c1 >> 16, c1 & 0xFFFF)
}

/// Evaluate one segment's quadratic at `d` (16 bits), in units of 2^-28.
pub fn poly(c: Coef, d: u32, decreasing: bool) -> u32 {
    debug_assert!(d < 1 << 16);
    let (c1hi, c1lo) = split_c1(c.1);
    let p1 = c1hi * d + ((c1lo * d) >> 16);
    let t2 = (d * d) >> 16;
    let p2 = (c.2 * t2) >> 16;
    if decreasing {
        c.0 - p1 + p2
    } else {
        c.0 + p1 + p2
    }
}

/// `Y x 2^(n-28)` as float32 bits (positive), `Y` in [2^28, 2^29]: round to nearest even, with
/// subnormal results and overflow to +Inf as IEEE rounding gives them. This is exactly the
/// rounding of the add/multiply datapath, so the RTL reuses its one rounder.
pub fn pack(n: i32, y: u32) -> u32 {
    // Y x 2^(n-28) is exact in float64 (29 significant bits, exponent within range), and
    // float64 -> float32 `as` rounds to nearest even.
    let p = f64::from_bits(((n - 28 + 1023) as u64) << 52);
    (((y as f64) * p) as f32).to_bits()
}

/// (sign, 24-bit significand with its leading one at bit 23, unbiased exponent) of a finite,
/// non-zero float32; subnormals are normalized.
pub fn normalize(x: u32) -> (u32, u32, i32) {
    let e = (x >> 23) & 0xFF;
    let f = x & 0x7F_FFFF;
    if e == 0 {
        let sh = f.leading_zeros() - 8;
        (x >> 31, f << sh, -126 - sh as i32)
    } else {
        (x >> 31, f | 1 << 23, e as i32 - 127)
    }
}

/// 2^x.
pub fn exp2(x: u32) -> u32 {
    if is_nan(x) {
        return F32_NAN;
    }
    let neg = x >> 31 == 1;
    let mag = x & 0x7FFF_FFFF;
    if !neg && mag >= 0x4300_0000 {
        return 0x7F80_0000; // x >= 128 (and +Inf)
    }
    if neg && mag >= 0x4380_0000 {
        return 0; // x <= -256 (and -Inf)
    }
    // A = floor(|x| x 2^32) and whether bits were dropped; |x| < 256 so A < 2^40.
    let e = ((mag >> 23) as i32).max(1);
    let m = (mag & 0x7F_FFFF) | if mag >> 23 != 0 { 1 << 23 } else { 0 };
    let k = e - 118;
    let (a, inexact) = if k >= 0 {
        ((m as i64) << k, false)
    } else if -k >= 24 {
        (0, m != 0)
    } else {
        ((m >> -k) as i64, m & ((1 << -k) - 1) != 0)
    };
    let fx = if neg { -(a + inexact as i64) } else { a };
    let n = (fx >> 32) as i32;
    let f = (fx & 0xFFFF_FFFF) as u32;
    let y = poly(
        Func::Exp2.table()[(f >> 24) as usize],
        (f >> 8) & 0xFFFF,
        false,
    );
    pack(n, y.clamp(1 << 28, (1 << 29) - 1))
}

/// 1/x.
pub fn recip(x: u32) -> u32 {
    if is_nan(x) {
        return F32_NAN;
    }
    let sign = x & 0x8000_0000;
    let mag = x & 0x7FFF_FFFF;
    if mag == 0 {
        return sign | 0x7F80_0000;
    }
    if mag == 0x7F80_0000 {
        return sign;
    }
    let (_, m, e) = normalize(mag);
    let f = m & 0x7F_FFFF;
    if f == 0 {
        return sign | pack(-e, 1 << 28);
    }
    let y = poly(Func::Recip.table()[(f >> 16) as usize], f & 0xFFFF, true);
    sign | pack(-e - 1, 2 * y.min((1 << 28) - 1))
}

/// 1/sqrt(x); negative non-zero inputs give NaN, -0 gives -Inf.
pub fn rsqrt(x: u32) -> u32 {
    if is_nan(x) {
        return F32_NAN;
    }
    let mag = x & 0x7FFF_FFFF;
    if mag == 0 {
        return x | 0x7F80_0000;
    }
    if x >> 31 == 1 {
        return F32_NAN;
    }
    if mag == 0x7F80_0000 {
        return 0;
    }
    let (_, m, e) = normalize(mag);
    let f = m & 0x7F_FFFF;
    let odd = (e & 1) as u32;
    let h = e >> 1;
    if f == 0 && odd == 0 {
        return pack(-h, 1 << 28);
    }
    let y = poly(
        Func::Rsqrt.table()[(odd << 7 | f >> 16) as usize],
        f & 0xFFFF,
        true,
    );
    pack(-h - 1, 2 * y.min((1 << 28) - 1))
}

/// Error of float32 `got` against the exact value `want`, in units of the float32 ulp at
/// `want` (the spacing of float32 numbers around it; 2^-149 in the subnormal range). Both
/// infinite with the same sign (or `want` beyond float32's range, rounding to that Inf) count
/// as 0; NaN against NaN is 0; any other NaN/Inf mismatch is +Inf.
pub fn ulp_error(got: u32, want: f64) -> f64 {
    let g = f32::from_bits(got) as f64;
    if want.is_nan() || g.is_nan() {
        return if want.is_nan() && g.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let limit = f32::MAX as f64 * (1.0 + f64::powi(2.0, -25));
    if g.is_infinite() || want.abs() >= limit {
        let same = g.is_infinite() && (want.abs() >= limit) && (g > 0.0) == (want > 0.0);
        return if same { 0.0 } else { f64::INFINITY };
    }
    let e = if want == 0.0 {
        -126
    } else {
        (want.abs().log2().floor() as i32).max(-126)
    };
    let ulp = f64::powi(2.0, e - 23);
    (g - want).abs() / ulp
}

/// Worst case of one function over a range of inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ErrorReport {
    /// Inputs examined.
    pub inputs: u64,
    /// Worst error (ulp) where the exact result is a normal float32.
    pub worst_normal: f64,
    /// The input (bits) giving `worst_normal`.
    pub worst_normal_at: u32,
    /// Worst error (ulp of 2^-149) where the exact result is subnormal or zero.
    pub worst_subnormal: f64,
    /// The input (bits) giving `worst_subnormal`.
    pub worst_subnormal_at: u32,
}

impl ErrorReport {
    fn merge(mut self, o: ErrorReport) -> ErrorReport {
        self.inputs += o.inputs;
        if o.worst_normal > self.worst_normal {
            self.worst_normal = o.worst_normal;
            self.worst_normal_at = o.worst_normal_at;
        }
        if o.worst_subnormal > self.worst_subnormal {
            self.worst_subnormal = o.worst_subnormal;
            self.worst_subnormal_at = o.worst_subnormal_at;
        }
        self
    }
}

/// Worst-case error of `f` over the float32 inputs with bits in `lo..=hi`.
pub fn error_over(f: Func, lo: u32, hi: u32) -> ErrorReport {
    let mut r = ErrorReport::default();
    let mut x = lo;
    loop {
        let want = f.reference(f32::from_bits(x) as f64);
        let err = ulp_error(f.eval(x), want);
        r.inputs += 1;
        if want.abs() >= f64::powi(2.0, -126) || want.is_nan() || want.is_infinite() {
            if err > r.worst_normal {
                r.worst_normal = err;
                r.worst_normal_at = x;
            }
        } else if err > r.worst_subnormal {
            r.worst_subnormal = err;
            r.worst_subnormal_at = x;
        }
        if x == hi {
            return r;
        }
        x += 1;
    }
}

/// Worst-case error of `f` over all 2^32 float32 inputs, on `threads` threads.
pub fn worst_error(f: Func, threads: usize) -> ErrorReport {
    let chunks = 4096u64;
    let next = std::sync::atomic::AtomicU64::new(0);
    let threads = threads.max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut r = ErrorReport::default();
                    loop {
                        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if c >= chunks {
                            return r;
                        }
                        let step = (1u64 << 32) / chunks;
                        let lo = (c * step) as u32;
                        let hi = (c * step + step - 1) as u32;
                        r = r.merge(error_over(f, lo, hi));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("error worker"))
            .fold(ErrorReport::default(), ErrorReport::merge)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_cases() {
        assert_eq!(exp2(0), 0x3F80_0000);
        assert_eq!(exp2(0x4120_0000), 0x4480_0000); // 2^10 = 1024
        assert_eq!(exp2(0xC120_0000), 0x3A80_0000); // 2^-10
        assert_eq!(exp2(0xC315_0000), 1); // 2^-149
        assert_eq!(recip(0x4000_0000), 0x3F00_0000);
        assert_eq!(recip(0x8000_0000), 0xFF80_0000);
        assert_eq!(recip(1), 0x7F80_0000); // 1/2^-149 overflows
        assert_eq!(rsqrt(0x4080_0000), 0x3F00_0000); // 1/sqrt(4)
        assert_eq!(rsqrt(0xBF80_0000), F32_NAN);
        assert_eq!(rsqrt(0x8000_0000), 0xFF80_0000);
    }

    #[test]
    fn coefficient_widths_fit_the_datapath() {
        for f in Func::ALL {
            for &(c0, c1, c2) in f.table() {
                assert!(c0 < 1 << 29 && c1 < 1 << 22 && c2 < 1 << 16, "{f:?}");
            }
        }
    }

    #[test]
    fn sampled_error_within_goal() {
        // A coarse sample for the unit test; the exhaustive sweep is `tessera vec --report`.
        for f in Func::ALL {
            let mut worst = 0.0f64;
            for i in 0..(1u64 << 20) {
                let x = (i * 4093 % (1 << 32)) as u32 ^ (i as u32) << 12;
                let want = f.reference(f32::from_bits(x) as f64);
                if want.abs() >= f64::powi(2.0, -126) || want.is_infinite() || want.is_nan() {
                    worst = worst.max(ulp_error(f.eval(x), want));
                }
            }
            assert!(worst <= 4.0, "{f:?}: worst {worst} ulp");
        }
    }
}
