//! Composite functions as sequences of TVP operations (what a tile program would issue).
//!
//! Every step is one TVP operation from [`super`] or a reduction from [`super::reduce`], so the
//! RTL running the same sequence gives the same bits. Constants are float32 (rounded once from
//! their exact values). `lanes` fixes the reduction order ([`super::reduce`]).
//!
//! | function  | sequence |
//! |-----------|----------|
//! | softmax   | m = max(x); e = exp2((x - m) * log2e); r = recip(sum(e)); e * r |
//! | rmsnorm   | r = rsqrt(sum(x*x) * (1/n) + eps); x * r |
//! | layernorm | mu = sum(x) * (1/n); d = x - mu; r = rsqrt(sum(d*d) * (1/n) + eps); d * r |
//! | gelu      | u = (x + 0.044715 x^3) * sqrt(2/pi); tanh u = 1 - 2 recip(1 + exp2(2u log2e)); 0.5 x (1 + tanh u) |
//! | silu      | x * recip(1 + exp2(-x log2e)) |
//!
//! Errors against float64 on random data are measured by [`measure`] (`tessera vec --report`)
//! and bounded in this module's tests; the figures are in `docs/tvp.md`.

use super::approx::{exp2, recip, rsqrt, ulp_error};
use super::reduce::{max_all, sum};
use super::{add, mul, sub};

/// A composite function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composite {
    Softmax,
    RmsNorm,
    LayerNorm,
    Gelu,
    Silu,
}

/// epsilon of the normalizations.
pub const EPS: f32 = 1e-5;

fn c(x: f64) -> u32 {
    (x as f32).to_bits()
}

fn map(x: &[u32], f: impl Fn(u32) -> u32) -> Vec<u32> {
    x.iter().map(|&v| f(v)).collect()
}

impl Composite {
    /// All five, in report order.
    pub const ALL: [Composite; 5] = [
        Composite::Softmax,
        Composite::RmsNorm,
        Composite::LayerNorm,
        Composite::Gelu,
        Composite::Silu,
    ];

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Composite::Softmax => "softmax",
            Composite::RmsNorm => "rmsnorm",
            Composite::LayerNorm => "layernorm",
            Composite::Gelu => "gelu",
            Composite::Silu => "silu",
        }
    }

    /// Parse a command-line name.
    pub fn parse(s: &str) -> Option<Composite> {
        Composite::ALL.iter().copied().find(|c| c.name() == s)
    }

    /// The function through TVP operations (float32 bits in and out).
    pub fn run(self, x: &[u32], lanes: usize) -> Vec<u32> {
        let log2e = c(std::f64::consts::LOG2_E);
        let inv_n = c(1.0 / x.len().max(1) as f64);
        let eps = EPS.to_bits();
        let one = c(1.0);
        match self {
            Composite::Softmax => {
                let m = max_all(x);
                let e = map(x, |v| exp2(mul(sub(v, m), log2e)));
                let r = recip(sum(&e, lanes));
                map(&e, |v| mul(v, r))
            }
            Composite::RmsNorm => {
                let sq = map(x, |v| mul(v, v));
                let r = rsqrt(add(mul(sum(&sq, lanes), inv_n), eps));
                map(x, |v| mul(v, r))
            }
            Composite::LayerNorm => {
                let mu = mul(sum(x, lanes), inv_n);
                let d = map(x, |v| sub(v, mu));
                let sq = map(&d, |v| mul(v, v));
                let r = rsqrt(add(mul(sum(&sq, lanes), inv_n), eps));
                map(&d, |v| mul(v, r))
            }
            Composite::Gelu => {
                let (k0, k1) = (c((2.0 / std::f64::consts::PI).sqrt()), c(0.044715));
                let two_log2e = c(2.0 * std::f64::consts::LOG2_E);
                let (two, half) = (c(2.0), c(0.5));
                map(x, |v| {
                    let v3 = mul(mul(v, v), v);
                    let u = mul(add(v, mul(v3, k1)), k0);
                    let t = sub(one, mul(two, recip(add(one, exp2(mul(u, two_log2e))))));
                    mul(mul(half, v), add(one, t))
                })
            }
            Composite::Silu => {
                let nlog2e = c(-std::f64::consts::LOG2_E);
                map(x, |v| mul(v, recip(add(one, exp2(mul(v, nlog2e))))))
            }
        }
    }

    /// The function in float64 (the error reference).
    pub fn reference(self, x: &[f64]) -> Vec<f64> {
        let n = x.len().max(1) as f64;
        match self {
            Composite::Softmax => {
                let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.iter().map(|v| v / s).collect()
            }
            Composite::RmsNorm => {
                let ms = x.iter().map(|v| v * v).sum::<f64>() / n;
                let r = 1.0 / (ms + EPS as f64).sqrt();
                x.iter().map(|v| v * r).collect()
            }
            Composite::LayerNorm => {
                let mu = x.iter().sum::<f64>() / n;
                let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n;
                let r = 1.0 / (var + EPS as f64).sqrt();
                x.iter().map(|v| (v - mu) * r).collect()
            }
            Composite::Gelu => x
                .iter()
                .map(|v| {
                    let u = (2.0 / std::f64::consts::PI).sqrt() * (v + 0.044715 * v * v * v);
                    0.5 * v * (1.0 + u.tanh())
                })
                .collect(),
            Composite::Silu => x.iter().map(|v| v / (1.0 + (-v).exp())).collect(),
        }
    }
}

/// Measured error of a composite on one input vector.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CompositeError {
    /// Largest |got - want| / max|want| over the vector (error relative to the output's scale).
    pub max_rel_to_scale: f64,
    /// Largest error in float32 ulps of each exact output.
    pub max_ulp: f64,
}

/// Run `f` on `x` and compare with float64.
pub fn measure(f: Composite, x: &[f32], lanes: usize) -> CompositeError {
    let bits: Vec<u32> = x.iter().map(|v| v.to_bits()).collect();
    let got = f.run(&bits, lanes);
    let want = f.reference(&x.iter().map(|&v| v as f64).collect::<Vec<_>>());
    let scale = want
        .iter()
        .fold(0.0f64, |a, w| a.max(w.abs()))
        .max(f64::MIN_POSITIVE);
    let mut e = CompositeError::default();
    for (g, w) in got.iter().zip(&want) {
        let gv = f32::from_bits(*g) as f64;
        e.max_rel_to_scale = e.max_rel_to_scale.max((gv - w).abs() / scale);
        e.max_ulp = e.max_ulp.max(ulp_error(*g, *w));
    }
    e
}

/// A reproducible random vector: `n` values uniform in [-range, range) from a 64-bit LCG seed.
pub fn random_vector(seed: u64, n: usize, range: f32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 40) as f32 / (1u64 << 24) as f32;
            (2.0 * u - 1.0) * range
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composites_track_float64() {
        for f in Composite::ALL {
            let mut worst = CompositeError::default();
            for seed in 0..20u64 {
                let x = random_vector(seed, 256, 8.0);
                let e = measure(f, &x, 8);
                worst.max_rel_to_scale = worst.max_rel_to_scale.max(e.max_rel_to_scale);
                worst.max_ulp = worst.max_ulp.max(e.max_ulp);
            }
            eprintln!("{:10} {:?}", f.name(), worst);
            // float32 has 2^-24 = 6e-8 relative precision; measured worst is 2e-7 of the output scale (docs/tvp.md).
            assert!(worst.max_rel_to_scale < 1e-6, "{}: {:?}", f.name(), worst);
        }
    }
}
