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

use super::approx::ulp_error;

/// A composite function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composite {
    Softmax,
    RmsNorm,
    LayerNorm,
    Gelu,
    Silu,
}

/// Something that executes TVP operations on whole vectors: the reference model
/// ([`ModelExec`]) or the RTL (the CLI's Verilator engine).
pub trait TvpExec {
    /// Error of the engine (the model's is `Infallible`).
    type Error;
    /// One elementwise operation over vectors (`b`, `c` empty when not read; the scalar `s`).
    fn op(
        &mut self,
        op: super::Op,
        a: &[u32],
        b: &[u32],
        c: &[u32],
        s: u32,
    ) -> Result<Vec<u32>, Self::Error>;
    /// One reduction over a whole vector (streamed through the lanes in beats).
    fn reduce(&mut self, red: super::reduce::Red, x: &[u32], s: u32) -> Result<u32, Self::Error>;
}

/// The reference model as a [`TvpExec`]; `lanes` fixes the order of sums.
pub struct ModelExec {
    pub lanes: usize,
}

impl TvpExec for ModelExec {
    type Error = std::convert::Infallible;
    fn op(
        &mut self,
        op: super::Op,
        a: &[u32],
        b: &[u32],
        c: &[u32],
        s: u32,
    ) -> Result<Vec<u32>, Self::Error> {
        Ok(super::apply_vec(op, a, b, c, s))
    }
    fn reduce(&mut self, red: super::reduce::Red, x: &[u32], s: u32) -> Result<u32, Self::Error> {
        Ok(red.run(x, self.lanes, s))
    }
}

/// epsilon of the normalizations.
pub const EPS: f32 = 1e-5;

fn c(x: f64) -> u32 {
    (x as f32).to_bits()
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

    /// The function through TVP operations on the reference model (float32 bits in and out).
    pub fn run(self, x: &[u32], lanes: usize) -> Vec<u32> {
        self.run_on(&mut ModelExec { lanes }, x)
            .expect("the model executor cannot fail")
    }

    /// The function as a sequence of TVP operations issued to `exec` (the model, or the RTL
    /// under Verilator in `tessera vec --engine rtl`): the one definition of each composite.
    pub fn run_on<E: TvpExec>(self, exec: &mut E, x: &[u32]) -> Result<Vec<u32>, E::Error> {
        use super::reduce::Red;
        use super::Op::*;
        let n = x.len();
        let log2e = c(std::f64::consts::LOG2_E);
        let inv_n = c(1.0 / n.max(1) as f64);
        let eps = EPS.to_bits();
        let one = c(1.0);
        let none: &[u32] = &[];
        let splat = |v: u32| vec![v; n];
        Ok(match self {
            Composite::Softmax => {
                let m = exec.reduce(Red::Max, x, 0)?;
                let d = exec.op(Sub, x, &splat(m), none, 0)?;
                let t = exec.op(MulScalar, &d, none, none, log2e)?;
                let e = exec.op(Exp2, &t, none, none, 0)?;
                let s = exec.reduce(Red::Sum, &e, 0)?;
                let r = exec.op(Recip, &[s], none, none, 0)?[0];
                exec.op(MulScalar, &e, none, none, r)?
            }
            Composite::RmsNorm => {
                let sq = exec.op(Mul, x, x, none, 0)?;
                let s = exec.reduce(Red::Sum, &sq, 0)?;
                let ms = exec.op(MulScalar, &[s], none, none, inv_n)?;
                let v = exec.op(Add, &ms, &[eps], none, 0)?;
                let r = exec.op(Rsqrt, &v, none, none, 0)?[0];
                exec.op(MulScalar, x, none, none, r)?
            }
            Composite::LayerNorm => {
                let s = exec.reduce(Red::Sum, x, 0)?;
                let mu = exec.op(MulScalar, &[s], none, none, inv_n)?[0];
                let d = exec.op(Sub, x, &splat(mu), none, 0)?;
                let sq = exec.op(Mul, &d, &d, none, 0)?;
                let s2 = exec.reduce(Red::Sum, &sq, 0)?;
                let var = exec.op(MulScalar, &[s2], none, none, inv_n)?;
                let v = exec.op(Add, &var, &[eps], none, 0)?;
                let r = exec.op(Rsqrt, &v, none, none, 0)?[0];
                exec.op(MulScalar, &d, none, none, r)?
            }
            Composite::Gelu => {
                let (k0, k1) = (c((2.0 / std::f64::consts::PI).sqrt()), c(0.044715));
                let two_log2e = c(2.0 * std::f64::consts::LOG2_E);
                let (two, half) = (c(2.0), c(0.5));
                let sq = exec.op(Mul, x, x, none, 0)?;
                let x3 = exec.op(Mul, &sq, x, none, 0)?;
                let t = exec.op(MulScalar, &x3, none, none, k1)?;
                let inner = exec.op(Add, x, &t, none, 0)?;
                let u = exec.op(MulScalar, &inner, none, none, k0)?;
                let w = exec.op(MulScalar, &u, none, none, two_log2e)?;
                let e = exec.op(Exp2, &w, none, none, 0)?;
                let den = exec.op(Add, &splat(one), &e, none, 0)?;
                let r = exec.op(Recip, &den, none, none, 0)?;
                let r2 = exec.op(MulScalar, &r, none, none, two)?;
                let th = exec.op(Sub, &splat(one), &r2, none, 0)?;
                let hx = exec.op(MulScalar, x, none, none, half)?;
                let p = exec.op(Add, &splat(one), &th, none, 0)?;
                exec.op(Mul, &hx, &p, none, 0)?
            }
            Composite::Silu => {
                let nlog2e = c(-std::f64::consts::LOG2_E);
                let t = exec.op(MulScalar, x, none, none, nlog2e)?;
                let e = exec.op(Exp2, &t, none, none, 0)?;
                let den = exec.op(Add, &splat(one), &e, none, 0)?;
                let r = exec.op(Recip, &den, none, none, 0)?;
                exec.op(Mul, x, &r, none, 0)?
            }
        })
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
