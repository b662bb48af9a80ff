//! The MX model against exact arithmetic written here, independently of the model's algorithms:
//! element values come from the shared decode table (tests/vectors/decode.jsonl), sums are exact
//! big-integer dyadic numbers (num-bigint), rounding to float32 is a binary search over the
//! ordered float32 bit patterns, and element rounding is a nearest-code search.

use num_bigint::BigInt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::cmp::Ordering;
use tessera_model::mx::{self, BlockSum, ElemFormat, MxTensor, ScaleRule, F32_NAN};

// ---------------------------------------------------------------------------------------------
// Independent helpers
// ---------------------------------------------------------------------------------------------

/// An exact dyadic rational n x 2^e.
#[derive(Clone, Debug)]
struct Dy {
    n: BigInt,
    e: i64,
}

impl Dy {
    fn zero() -> Self {
        Dy {
            n: BigInt::from(0),
            e: 0,
        }
    }
    /// Exact value of a finite f64.
    fn from_f64(x: f64) -> Self {
        assert!(x.is_finite());
        let bits = x.to_bits();
        let ef = ((bits >> 52) & 0x7FF) as i64;
        let frac = (bits & ((1u64 << 52) - 1)) as i64;
        let (m, e) = if ef == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), ef - 1075)
        };
        let m = if x < 0.0 { -m } else { m };
        Dy {
            n: BigInt::from(m),
            e,
        }
    }
    fn from_f32_bits(b: u32) -> Self {
        Dy::from_f64(f32::from_bits(b) as f64)
    }
    fn pow2(e: i64) -> Self {
        Dy {
            n: BigInt::from(1),
            e,
        }
    }
    fn mul(&self, o: &Dy) -> Dy {
        Dy {
            n: &self.n * &o.n,
            e: self.e + o.e,
        }
    }
    fn add(&self, o: &Dy) -> Dy {
        let e = self.e.min(o.e);
        let a = &self.n << (self.e - e) as usize;
        let b = &o.n << (o.e - e) as usize;
        Dy { n: a + b, e }
    }
    fn neg(&self) -> Dy {
        Dy {
            n: -&self.n,
            e: self.e,
        }
    }
    fn abs(&self) -> Dy {
        Dy {
            n: if self.n < BigInt::from(0) {
                -&self.n
            } else {
                self.n.clone()
            },
            e: self.e,
        }
    }
    fn sign(&self) -> Ordering {
        self.n.cmp(&BigInt::from(0))
    }
    fn cmp(&self, o: &Dy) -> Ordering {
        self.add(&o.neg()).sign()
    }
}

/// Value of a non-negative float32 bit pattern; 0x7F800000 stands for 2^128 (the first value
/// past the largest finite float32, which is where IEEE rounding to Inf is decided).
fn f32_pos_value(b: u32) -> Dy {
    if b == 0x7F80_0000 {
        Dy::pow2(128)
    } else {
        Dy::from_f32_bits(b)
    }
}

/// RNE of an exact value to float32 bits, by binary search over the ordered bit patterns.
/// Exact zero gives +0; a nonzero value that rounds to zero keeps its sign.
fn round_f32_exact(x: &Dy) -> u32 {
    if x.sign() == Ordering::Equal {
        return 0;
    }
    let neg = x.sign() == Ordering::Less;
    let ax = x.abs();
    // Largest b in [0, 0x7F800000] with value(b) <= |x|.
    let (mut lo, mut hi) = (0u32, 0x7F80_0000u32);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if f32_pos_value(mid).cmp(&ax) != Ordering::Greater {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let b = if lo == 0x7F80_0000 {
        lo
    } else {
        let (v0, v1) = (f32_pos_value(lo), f32_pos_value(lo + 1));
        let mid = Dy {
            n: v0.add(&v1).n,
            e: v0.add(&v1).e - 1,
        };
        match ax.cmp(&mid) {
            Ordering::Less => lo,
            Ordering::Greater => lo + 1,
            Ordering::Equal => {
                if lo % 2 == 0 {
                    lo
                } else {
                    lo + 1
                }
            }
        }
    };
    b | ((neg as u32) << 31)
}

/// Value table of every code of every format, from the shared vectors.
struct Table {
    vals: Vec<(ElemFormat, Vec<f64>)>,
}

impl Table {
    fn load() -> Self {
        let path = format!("{}/tests/vectors/decode.jsonl", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let vals = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let f = ElemFormat::parse(v["format"].as_str().unwrap()).unwrap();
                let xs = v["values_f64_hex"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| parse_hex_float(s.as_str().unwrap()))
                    .collect();
                (f, xs)
            })
            .collect();
        Table { vals }
    }
    fn get(&self, f: ElemFormat) -> &[f64] {
        &self.vals.iter().find(|(g, _)| *g == f).unwrap().1
    }
}

fn parse_hex_float(s: &str) -> f64 {
    match s {
        "nan" => return f64::NAN,
        "inf" => return f64::INFINITY,
        "-inf" => return f64::NEG_INFINITY,
        _ => {}
    }
    let (neg, rest) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let rest = rest.strip_prefix("0x").unwrap();
    let (mant, exp) = rest.split_once('p').unwrap();
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m = u64::from_str_radix(int, 16).unwrap();
    for ch in frac.chars() {
        m = m * 16 + ch.to_digit(16).unwrap() as u64;
    }
    let v = m as f64 * ((exp.parse::<i32>().unwrap() - 4 * frac.len() as i32) as f64).exp2();
    if neg {
        -v
    } else {
        v
    }
}

/// The independent block MAC: exact value with big integers, specials with f64 IEEE semantics.
#[allow(clippy::too_many_arguments)]
fn mac_expected(
    t: &Table,
    acc: u32,
    fa: ElemFormat,
    sa: u8,
    ca: &[u8],
    fb: ElemFormat,
    sb: u8,
    cb: &[u8],
) -> u32 {
    let (ta, tb) = (t.get(fa), t.get(fb));
    let accf = f32::from_bits(acc) as f64;
    if sa == 0xFF || sb == 0xFF || accf.is_nan() {
        return F32_NAN;
    }
    // Classify with f64 (Inf x 0 = NaN, Inf - Inf = NaN); finite parts are summed exactly below.
    let mut special = 0f64;
    let mut has_special = false;
    for (&a, &b) in ca.iter().zip(cb) {
        let (x, y) = (ta[a as usize], tb[b as usize]);
        if !x.is_finite() || !y.is_finite() {
            has_special = true;
            special += x * y;
        }
    }
    if has_special {
        // Any non-special product is finite and cannot change an Inf or NaN.
        let r = accf + special;
        return if r.is_nan() {
            F32_NAN
        } else {
            (r as f32).to_bits()
        };
    }
    if accf.is_infinite() {
        return acc;
    }
    let mut sum = Dy::zero();
    for (&a, &b) in ca.iter().zip(cb) {
        sum = sum.add(&Dy::from_f64(ta[a as usize]).mul(&Dy::from_f64(tb[b as usize])));
    }
    let scaled = sum.mul(&Dy::pow2(sa as i64 - 127 + sb as i64 - 127));
    round_f32_exact(&Dy::from_f32_bits(acc).add(&scaled))
}

fn code_of(t: &Table, f: ElemFormat, v: f64) -> u8 {
    t.get(f)
        .iter()
        .position(|&x| x.to_bits() == v.to_bits())
        .unwrap_or_else(|| panic!("{f} has no code for {v}")) as u8
}

// ---------------------------------------------------------------------------------------------
// Decode, encode, products
// ---------------------------------------------------------------------------------------------

#[test]
fn every_product_of_every_code_pair() {
    let t = Table::load();
    let mut checked = 0usize;
    for fa in ElemFormat::ALL {
        for fb in ElemFormat::ALL {
            let (ta, tb) = (t.get(fa), t.get(fb));
            for (a, &x) in ta.iter().enumerate() {
                for (b, &y) in tb.iter().enumerate() {
                    // Element values have at most 4 significant bits and small exponents: the f64
                    // product is exact.
                    let want = x * y;
                    let got = mx::block_sum(fa, &[a as u8], fb, &[b as u8]);
                    let ok = match got {
                        BlockSum::NaN => want.is_nan(),
                        BlockSum::Inf { negative } => {
                            want.is_infinite() && (want < 0.0) == negative
                        }
                        BlockSum::Finite { sum, exp } => {
                            want.is_finite() && sum as f64 * (exp as f64).exp2() == want
                        }
                    };
                    assert!(
                        ok,
                        "{fa} {a:#04x} x {fb} {b:#04x}: want {want}, got {got:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(
        checked,
        (256 + 256 + 64 + 64 + 16 + 256) * (256 + 256 + 64 + 64 + 16 + 256)
    );
}

#[test]
fn encode_round_trips_every_code() {
    for f in ElemFormat::ALL {
        for c in 0..mx::format::code_count(f) {
            let code = c as u8;
            let v = mx::decode_f64(f, code);
            if v.is_nan() || v.is_infinite() {
                continue; // never produced by the encoder
            }
            let want = if f == ElemFormat::Int8 && code == 0x80 {
                0x81 // -2.0 saturates to -127/64: the code -128 is never produced
            } else {
                code
            };
            assert_eq!(mx::encode_f64(f, v), want, "{f} code {code:#04x} ({v})");
        }
    }
}

/// Independent element rounding: nearest code by exact search, ties to the even code (code bit 0
/// is the lsb of the mantissa / integer in every format), saturating at +-max.
fn nearest_code(t: &Table, f: ElemFormat, v: &Dy, neg: bool) -> u8 {
    let vals = t.get(f);
    let mut best: Option<(u8, Dy)> = None;
    for (c, &x) in vals.iter().enumerate() {
        if !x.is_finite() || (f == ElemFormat::Int8 && c == 0x80) {
            continue;
        }
        // Float formats: the zero of v's sign only (the sign of zero is kept; INT8 has one zero).
        if f != ElemFormat::Int8 && x == 0.0 && x.is_sign_negative() != neg {
            continue;
        }
        let d = Dy::from_f64(x).add(&v.neg()).abs();
        let better = match &best {
            None => true,
            Some((bc, bd)) => match d.cmp(bd) {
                Ordering::Less => true,
                Ordering::Equal => bc % 2 == 1 && c % 2 == 0,
                Ordering::Greater => false,
            },
        };
        if better {
            best = Some((c as u8, d));
        }
    }
    best.unwrap().0
}

#[test]
fn encode_matches_nearest_code_search() {
    let t = Table::load();
    let mut rng = StdRng::seed_from_u64(0x5EED_0001);
    println!("seed 0x5EED0001");
    for f in ElemFormat::ALL {
        let max = mx::info(f).max_units as f64 * (mx::info(f).lsb_exp as f64).exp2();
        let mut cases: Vec<f64> = Vec::new();
        // Every midpoint between neighbouring codes (exact ties) and points just around them.
        let mut finite: Vec<f64> = t.get(f).iter().copied().filter(|x| x.is_finite()).collect();
        finite.sort_by(|a, b| a.partial_cmp(b).unwrap());
        finite.dedup();
        for w in finite.windows(2) {
            let m = (w[0] + w[1]) / 2.0;
            cases.extend([m, m * (1.0 + 1e-9), m * (1.0 - 1e-9)]);
        }
        // Saturation, tiny values, random values.
        cases.extend([max * 1.01, -max * 1.01, max * 1e6, 1e-30, -1e-30, 0.0, -0.0]);
        for _ in 0..2000 {
            cases.push(rng.gen_range(-1.2 * max..1.2 * max));
        }
        for v in cases {
            let want = nearest_code(&t, f, &Dy::from_f64(v), v.is_sign_negative());
            let got = mx::encode_f64(f, v);
            // Both zero codes of a float format are acceptable only when v is exactly zero.
            assert_eq!(
                got, want,
                "{f}: encode({v:e}) = {got:#04x}, nearest = {want:#04x}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quantizer
// ---------------------------------------------------------------------------------------------

/// Independent quantizer: scale by exact doubling search, elements by nearest-code search.
fn quantize_expected(t: &Table, f: ElemFormat, rule: ScaleRule, x: &[f32]) -> (u8, Vec<u8>) {
    if x.iter().any(|v| !v.is_finite()) {
        return (0xFF, vec![0; x.len()]);
    }
    let amax = x.iter().fold(0f64, |m, v| m.max(v.abs() as f64));
    if amax == 0.0 {
        return (0, vec![0; x.len()]);
    }
    let mut e: i64 = -160;
    while (2f64).powi(e as i32 + 1) <= amax {
        e += 1;
    }
    let fi = mx::info(f);
    let max = fi.max_units as f64 * (fi.lsb_exp as f64).exp2();
    let mut s = e - fi.emax_elem as i64;
    if rule == ScaleRule::Rceil {
        while amax > max * (2f64).powi(s as i32) {
            s += 1;
        }
    }
    let s = s.clamp(-127, 127);
    let codes = x
        .iter()
        .map(|&v| {
            nearest_code(
                t,
                f,
                &Dy::from_f64(v as f64).mul(&Dy::pow2(-s)),
                v.is_sign_negative(),
            )
        })
        .collect();
    ((s + 127) as u8, codes)
}

fn check_quant(t: &Table, f: ElemFormat, rule: ScaleRule, x: &[f32], what: &str) -> (u8, Vec<u8>) {
    let got = mx::quantize_block(f, rule, x);
    let want = quantize_expected(t, f, rule, x);
    assert_eq!(got, want, "{what}: {f} {}: x = {x:?}", rule.name());
    got
}

#[test]
fn quantizer_directed_cases() {
    let t = Table::load();
    for f in ElemFormat::ALL {
        for rule in [ScaleRule::Floor, ScaleRule::Rceil] {
            let fi = mx::info(f);
            let max = fi.max_units as f32 * (fi.lsb_exp as f32).exp2();
            // Zero blocks, with -0: scale 0, all codes +0.
            let (s, c) = check_quant(&t, f, rule, &[0.0, -0.0, 0.0, -0.0], "zero block");
            assert_eq!((s, c), (0, vec![0; 4]));
            // NaN / Inf blocks: scale 0xFF, codes 0.
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let (s, c) = check_quant(&t, f, rule, &[1.0, bad, -3.0, 0.5], "NaN/Inf block");
                assert_eq!((s, c), (0xFF, vec![0; 4]));
            }
            // Saturation (floor): amax = 1.99 x 2^emax lies above max, so it clamps to +-max.
            let big = 1.99 * (fi.emax_elem as f32).exp2();
            let (s, c) = check_quant(&t, f, rule, &[big, -big, 1.0, 0.0], "saturation");
            if rule == ScaleRule::Floor {
                assert_eq!(s, 127);
                assert_eq!(mx::decode_f64(f, c[0]) as f32, max);
                assert_eq!(mx::decode_f64(f, c[1]) as f32, -max);
            } else {
                assert_eq!(s, 128, "rceil raises the scale instead of saturating");
            }
            // Float32 subnormal inputs, alone and mixed.
            let sub = |m: u32| f32::from_bits(m);
            check_quant(
                &t,
                f,
                rule,
                &[sub(1), sub(3), sub(0x7F_FFFF), -sub(5)],
                "subnormal block",
            );
            check_quant(
                &t,
                f,
                rule,
                &[sub(0x40_0000), -sub(0x20_0001), sub(7), 0.0],
                "subnormal block",
            );
            check_quant(
                &t,
                f,
                rule,
                &[f32::MIN_POSITIVE, sub(0x7F_FFFF), -sub(1), 1e-38],
                "subnormal mix",
            );
            // Huge values (scale clamps at 127 for int8 rceil).
            check_quant(&t, f, rule, &[f32::MAX, -f32::MAX, 1e30, -1.0], "huge");
            // amax just below a power of two (e = floor(log2) must not round up).
            for p in [-100i32, -3, 0, 4, 100] {
                let below = f32::from_bits((p as f32).exp2().to_bits() - 1);
                check_quant(
                    &t,
                    f,
                    rule,
                    &[below, -below / 3.0, below / 7.0, 0.0],
                    "amax below 2^p",
                );
            }
            // Exact ties: midpoints between neighbouring codes, at scale 2^0 (amax fixes s).
            let mut finite: Vec<f64> = t
                .get(f)
                .iter()
                .copied()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .collect();
            finite.sort_by(|a, b| a.partial_cmp(b).unwrap());
            finite.dedup();
            let pin = (fi.emax_elem as f32).exp2(); // amax with floor(log2) = emax: s = 0
            for w in finite.windows(2) {
                let m = ((w[0] + w[1]) / 2.0) as f32;
                if m < pin {
                    let (s, c) = check_quant(&t, f, ScaleRule::Floor, &[pin, m, -m, 0.0], "tie");
                    assert_eq!(s, 127);
                    assert_eq!(c[1] & 1, 0, "{f}: tie {m} must round to an even code");
                }
            }
        }
    }
}

#[test]
fn quantizer_random_blocks() {
    let t = Table::load();
    let seed = 0x5EED_0002;
    println!("seed {seed:#x}");
    let mut rng = StdRng::seed_from_u64(seed);
    for f in ElemFormat::ALL {
        for rule in [ScaleRule::Floor, ScaleRule::Rceil] {
            for _ in 0..100 {
                let k = [8usize, 16, 32][rng.gen_range(0..3)];
                let mag = (rng.gen_range(-140i32..120) as f32).exp2();
                let x: Vec<f32> = (0..k)
                    .map(|_| match rng.gen_range(0..20) {
                        0 => 0.0,
                        1 => f32::from_bits(rng.gen_range(1..0x80_0000)),
                        _ => rng.gen_range(-1.0f32..1.0) * mag,
                    })
                    .collect();
                check_quant(&t, f, rule, &x, "random");
            }
        }
    }
}

#[test]
fn dequantize_is_exact() {
    let t = Table::load();
    for f in ElemFormat::ALL {
        for scale in [0u8, 1, 60, 127, 200, 254, 255] {
            for c in 0..mx::format::code_count(f) {
                let got = mx::dequantize_elem(f, scale, c as u8);
                let v = t.get(f)[c];
                if scale == 255 || v.is_nan() {
                    assert_eq!(got, F32_NAN);
                } else if v.is_infinite() {
                    assert_eq!(f32::from_bits(got) as f64, v);
                } else {
                    let want = round_f32_exact(&Dy::from_f64(v).mul(&Dy::pow2(scale as i64 - 127)));
                    let want = if v == 0.0 && v.is_sign_negative() {
                        0x8000_0000
                    } else {
                        want
                    };
                    assert_eq!(got, want, "{f} code {c:#04x} scale {scale}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Block MAC
// ---------------------------------------------------------------------------------------------

fn mac(acc: u32, fa: ElemFormat, sa: u8, ca: &[u8], fb: ElemFormat, sb: u8, cb: &[u8]) -> u32 {
    mx::block_mac(acc, fa, sa, ca, fb, sb, cb)
}

#[test]
#[allow(clippy::type_complexity)]
fn block_mac_directed() {
    let t = Table::load();
    let e4 = ElemFormat::E4m3;
    let one = code_of(&t, e4, 1.0);
    let c15 = code_of(&t, e4, 1.5);
    let c2 = code_of(&t, e4, 2.0);
    let z = code_of(&t, e4, 0.0);
    let sub1 = code_of(&t, e4, (-9f64).exp2());
    let mut cases: Vec<(
        &str,
        u32,
        ElemFormat,
        u8,
        Vec<u8>,
        ElemFormat,
        u8,
        Vec<u8>,
        u32,
    )> = vec![
        // 1 + 2^-24 is a half-ulp tie: stays at the even 1.0.
        (
            "tie to even (down)",
            0x3F80_0000,
            e4,
            127 - 24,
            vec![one],
            e4,
            127,
            vec![one],
            0x3F80_0000,
        ),
        // 1 + 3 x 2^-24 = 1 + 1.5 ulp: tie between odd and even, goes to even (up).
        (
            "tie to even (up)",
            0x3F80_0000,
            e4,
            127 - 24,
            vec![c15],
            e4,
            127,
            vec![c2],
            0x3F80_0002,
        ),
        // 1 + 2^-24 + 2^-40: just above the tie rounds up.
        (
            "above tie",
            0x3F80_0000,
            e4,
            127 - 24,
            vec![one, sub1],
            e4,
            127,
            vec![one, sub1],
            0x3F80_0001,
        ),
        // max float32 + half an ulp (2^103): the tie rounds to the even 2^128, i.e. +Inf.
        (
            "overflow to Inf",
            0x7F7F_FFFF,
            e4,
            127 + 103,
            vec![one],
            e4,
            127,
            vec![one],
            0x7F80_0000,
        ),
        (
            "overflow to -Inf",
            0xFF7F_FFFF,
            e4,
            127 + 103,
            vec![one],
            e4,
            127,
            vec![code_of(&t, e4, -1.0)],
            0xFF80_0000,
        ),
        // A huge block sum alone overflows too.
        (
            "block overflow",
            0,
            e4,
            254,
            vec![code_of(&t, e4, 448.0)],
            e4,
            254,
            vec![code_of(&t, e4, 448.0)],
            0x7F80_0000,
        ),
        // 3 x 2^-149: a float32 subnormal result (2^-9 x 2^-9 x 3 x 2^-127 x 2^-4).
        (
            "subnormal result",
            0,
            e4,
            0,
            vec![sub1],
            e4,
            123,
            vec![code_of(&t, e4, 3.0 * (-9f64).exp2())],
            3,
        ),
        // Subnormal accumulator plus a subnormal sum.
        (
            "subnormal + subnormal",
            0x0000_0005,
            e4,
            0,
            vec![sub1],
            e4,
            123,
            vec![sub1],
            6,
        ),
        // 2^-150 alone: a tie between 0 and the smallest subnormal, goes to the even 0.
        (
            "half smallest subnormal",
            0,
            e4,
            0,
            vec![sub1],
            e4,
            122,
            vec![sub1],
            0,
        ),
        // A negative value that rounds to zero keeps its sign.
        (
            "negative underflow",
            0,
            e4,
            0,
            vec![sub1],
            e4,
            121,
            vec![code_of(&t, e4, -(-9f64).exp2())],
            0x8000_0000,
        ),
        // Exact cancellation gives +0, also from -0 + 0.
        (
            "exact cancel",
            0xBF80_0000,
            e4,
            127,
            vec![one],
            e4,
            127,
            vec![one],
            0,
        ),
        (
            "-0 + 0",
            0x8000_0000,
            e4,
            127,
            vec![z],
            e4,
            127,
            vec![one],
            0,
        ),
        // Accumulator NaN, scale NaN.
        (
            "NaN acc",
            0x7FC1_2345,
            e4,
            127,
            vec![one],
            e4,
            127,
            vec![one],
            F32_NAN,
        ),
        (
            "NaN scale A",
            0,
            e4,
            255,
            vec![one],
            e4,
            127,
            vec![one],
            F32_NAN,
        ),
        (
            "NaN scale B",
            0,
            e4,
            127,
            vec![z],
            e4,
            255,
            vec![z],
            F32_NAN,
        ),
        // NaN element (E4M3 S.1111.111).
        (
            "NaN element",
            0,
            e4,
            127,
            vec![0x7F, one],
            e4,
            127,
            vec![one, one],
            F32_NAN,
        ),
        // Inf accumulator plus a finite block stays Inf.
        (
            "Inf acc",
            0xFF80_0000,
            e4,
            127,
            vec![one],
            e4,
            127,
            vec![one],
            0xFF80_0000,
        ),
    ];
    let e5 = ElemFormat::E5m2;
    let (pinf, ninf, e5one, e5z) = (0x7C, 0xFC, code_of(&t, e5, 1.0), code_of(&t, e5, 0.0));
    cases.extend([
        (
            "Inf x 1",
            0,
            e5,
            127,
            vec![pinf, e5one],
            e5,
            127,
            vec![e5one, e5one],
            0x7F80_0000,
        ),
        (
            "-Inf x 1",
            0,
            e5,
            127,
            vec![ninf],
            e5,
            127,
            vec![e5one],
            0xFF80_0000,
        ),
        (
            "Inf x -Inf",
            0,
            e5,
            127,
            vec![pinf],
            e5,
            127,
            vec![ninf],
            0xFF80_0000,
        ),
        (
            "Inf x 0",
            0,
            e5,
            127,
            vec![pinf, e5one],
            e5,
            127,
            vec![e5z, e5one],
            F32_NAN,
        ),
        (
            "Inf - Inf in block",
            0,
            e5,
            127,
            vec![pinf, ninf],
            e5,
            127,
            vec![e5one, e5one],
            F32_NAN,
        ),
        (
            "+Inf acc + -Inf block",
            0x7F80_0000,
            e5,
            127,
            vec![ninf],
            e5,
            127,
            vec![e5one],
            F32_NAN,
        ),
        (
            "+Inf acc + +Inf block",
            0x7F80_0000,
            e5,
            127,
            vec![pinf],
            e5,
            127,
            vec![e5one],
            0x7F80_0000,
        ),
        (
            "E5M2 NaN",
            0,
            e5,
            127,
            vec![0x7D],
            e5,
            127,
            vec![e5one],
            F32_NAN,
        ),
    ]);
    for (what, acc, fa, sa, ca, fb, sb, cb, want) in cases {
        let independent = mac_expected(&t, acc, fa, sa, &ca, fb, sb, &cb);
        assert_eq!(
            independent, want,
            "{what}: the test's own expectation is wrong"
        );
        let got = mac(acc, fa, sa, &ca, fb, sb, &cb);
        assert_eq!(got, want, "{what}: got {got:08x}, want {want:08x}");
    }
}

#[test]
fn block_mac_random_against_exact() {
    let t = Table::load();
    let seed = 0x5EED_0003;
    println!("seed {seed:#x}");
    let mut rng = StdRng::seed_from_u64(seed);
    for fa in ElemFormat::ALL {
        for fb in ElemFormat::ALL {
            for _ in 0..60 {
                let k = [8usize, 16, 32][rng.gen_range(0..3)];
                let n = |f: ElemFormat| mx::format::code_count(f);
                let mut ca: Vec<u8> = (0..k).map(|_| rng.gen_range(0..n(fa)) as u8).collect();
                let mut cb: Vec<u8> = (0..k).map(|_| rng.gen_range(0..n(fb)) as u8).collect();
                // Mostly finite blocks: replace specials most of the time.
                if rng.gen_range(0..4) != 0 {
                    for (c, f) in ca
                        .iter_mut()
                        .map(|c| (c, fa))
                        .chain(cb.iter_mut().map(|c| (c, fb)))
                    {
                        if !t.get(f)[*c as usize].is_finite() {
                            *c = 0;
                        }
                    }
                }
                let sa = rng.gen_range(0..=255u8);
                let sb = match rng.gen_range(0..4) {
                    0 => rng.gen_range(0..=255u8),
                    _ => 254u8
                        .saturating_sub(sa)
                        .saturating_add(rng.gen_range(0..20)),
                };
                // Accumulator: random, zero, subnormal, or close to minus the block value (cancellation).
                let acc = match rng.gen_range(0..5) {
                    0 => 0,
                    1 => rng.gen_range(0..0x80_0000u32) | (rng.gen::<u32>() & 0x8000_0000),
                    2 => {
                        let v = mac_expected(&t, 0, fa, sa, &ca, fb, sb, &cb);
                        (v ^ 0x8000_0000).wrapping_add(rng.gen_range(0..3))
                    }
                    _ => rng.gen::<u32>() & 0xFF7F_FFFF,
                };
                let want = mac_expected(&t, acc, fa, sa, &ca, fb, sb, &cb);
                let got = mac(acc, fa, sa, &ca, fb, sb, &cb);
                let both_nan = f32::from_bits(want).is_nan() && got == F32_NAN;
                assert!(
                    both_nan || got == want,
                    "{fa} x {fb} k={k} acc={acc:08x} sa={sa:#04x} sb={sb:#04x} a={ca:02x?} b={cb:02x?}: got {got:08x}, want {want:08x}"
                );
            }
        }
    }
}

#[test]
fn sum_width_holds_the_extreme_sum() {
    let t = Table::load();
    for fa in ElemFormat::ALL {
        for fb in ElemFormat::ALL {
            for k in [8usize, 16, 32] {
                let amax = |f: ElemFormat| {
                    t.get(f)
                        .iter()
                        .filter(|x| x.is_finite())
                        .fold(0f64, |m, x| m.max(x.abs()))
                };
                let unit = ((mx::info(fa).lsb_exp + mx::info(fb).lsb_exp) as f64).exp2();
                let extreme = (amax(fa) * amax(fb) / unit) as u128 * k as u128; // in units
                let w = mx::sum_width_bits(fa, fb, k);
                // Two's complement of w bits holds +-extreme, w - 1 bits does not.
                assert!(
                    extreme < (1u128 << (w - 1)),
                    "{fa} x {fb} k={k}: {w} bits too narrow"
                );
                assert!(
                    extreme > (1u128 << (w - 2)) - 1,
                    "{fa} x {fb} k={k}: {w} bits not minimal"
                );
            }
        }
    }
    assert_eq!(
        mx::sum_width_bits(ElemFormat::E5m2, ElemFormat::E5m2, 32),
        70
    );
    assert_eq!(
        mx::sum_width_bits(ElemFormat::E2m1, ElemFormat::E2m1, 32),
        14
    );
}

// ---------------------------------------------------------------------------------------------
// GEMM, packing, bfloat16
// ---------------------------------------------------------------------------------------------

fn random_tensor(
    rng: &mut StdRng,
    f: ElemFormat,
    rows: usize,
    cols: usize,
    k: usize,
    specials: bool,
) -> MxTensor {
    let n = mx::format::code_count(f);
    let codes: Vec<u8> = (0..rows * cols)
        .map(|_| {
            let c = rng.gen_range(0..n) as u8;
            let special = !mx::decode_f64(f, c).is_finite();
            if special && !(specials && rng.gen_range(0..30) == 0) {
                0
            } else {
                c
            }
        })
        .collect();
    let scales = (0..rows * cols / k)
        .map(|_| {
            if specials && rng.gen_range(0..200) == 0 {
                0xFF
            } else {
                rng.gen_range(100..150)
            }
        })
        .collect();
    MxTensor::new(f, k, rows, cols, codes, scales).unwrap()
}

#[test]
fn gemm_fast_equals_reference() {
    let seed = 0x5EED_0004;
    println!("seed {seed:#x}");
    let mut rng = StdRng::seed_from_u64(seed);
    for fa in ElemFormat::ALL {
        for fb in ElemFormat::ALL {
            let k = [8usize, 16, 32][rng.gen_range(0..3)];
            let (m, n, kk) = (3, 4, k * rng.gen_range(1..5));
            let specials = rng.gen_bool(0.5);
            let a = random_tensor(&mut rng, fa, m, kk, k, specials);
            let b = random_tensor(&mut rng, fb, n, kk, k, specials);
            let c0: Vec<u32> = (0..m * n).map(|_| rng.gen::<u32>() & 0xBFFF_FFFF).collect();
            for c0 in [None, Some(&c0[..])] {
                let r = mx::gemm_reference(&a, &b, c0).unwrap();
                assert_eq!(
                    mx::gemm_serial(&a, &b, c0).unwrap(),
                    r,
                    "{fa} x {fb} serial"
                );
                assert_eq!(mx::gemm(&a, &b, c0).unwrap(), r, "{fa} x {fb} parallel");
            }
            // All-maximum operands stress the integer path's width choice (i64 vs i128).
            let maxcode = |f: ElemFormat| mx::encode_f64(f, 1e30);
            let a = MxTensor::new(fa, k, 1, k, vec![maxcode(fa); k], vec![127]).unwrap();
            let b = MxTensor::new(fb, k, 1, k, vec![maxcode(fb); k], vec![127]).unwrap();
            assert_eq!(
                mx::gemm(&a, &b, None).unwrap(),
                mx::gemm_reference(&a, &b, None).unwrap()
            );
        }
    }
}

#[test]
fn gemm_folds_blocks_in_increasing_k_order() {
    // Block sums 4, 2^-22, 2^-22. In K order each 2^-22 is half an ulp of 4 (a tie to the even 4.0)
    // and is lost; adding the two small blocks first would give 2^-21 and 4 + ulp.
    let e4 = ElemFormat::E4m3;
    let one = mx::encode_f64(e4, 1.0);
    let a = MxTensor::new(
        e4,
        8,
        1,
        24,
        [[one; 1], [0; 1]].concat().repeat(12),
        vec![127, 103, 103],
    )
    .unwrap();
    let b = MxTensor::new(
        e4,
        8,
        1,
        24,
        [[one; 1], [0; 1]].concat().repeat(12),
        vec![127, 127, 127],
    )
    .unwrap();
    let c = mx::gemm_reference(&a, &b, None).unwrap();
    assert_eq!(c, vec![4.0f32.to_bits()]);
    assert_eq!(mx::gemm(&a, &b, None).unwrap(), c);
    // Same with a C0: C0 = 1.0 and two blocks of half an ulp each.
    let a = MxTensor::new(e4, 8, 1, 16, vec![one; 16], vec![127 - 27, 127 - 27]).unwrap();
    let b = MxTensor::new(e4, 8, 1, 16, vec![one; 16], vec![127, 127]).unwrap();
    // Each block is 8 x 2^-27 = 2^-24 = half an ulp of 1.0: each tie rounds back to 1.0.
    let c = mx::gemm_reference(&a, &b, Some(&[0x3F80_0000])).unwrap();
    assert_eq!(
        c,
        vec![0x3F80_0000],
        "each block is rounded on its own, in K order"
    );
    assert_eq!(mx::gemm(&a, &b, Some(&[0x3F80_0000])).unwrap(), c);
}

#[test]
fn pack_layout_and_round_trip() {
    use mx::format::ElemFormat::*;
    assert_eq!(mx::pack::pack(E2m1, &[0x1, 0x2, 0xF]), vec![0x21, 0x0F]);
    let w: u32 = 1 | 2 << 6 | 3 << 12 | 0x3F << 18;
    assert_eq!(
        mx::pack::pack(E2m3, &[1, 2, 3, 0x3F]),
        w.to_le_bytes()[..3].to_vec()
    );
    assert_eq!(mx::pack::pack(E4m3, &[7, 9]), vec![7, 9]);
    let mut rng = StdRng::seed_from_u64(5);
    for f in ElemFormat::ALL {
        for n in [0usize, 1, 3, 4, 5, 8, 31, 32] {
            let codes: Vec<u8> = (0..n)
                .map(|_| rng.gen_range(0..mx::format::code_count(f)) as u8)
                .collect();
            let p = mx::pack::pack(f, &codes);
            assert_eq!(p.len(), mx::pack::packed_len(f, n));
            assert_eq!(mx::pack::unpack(f, &p, n), codes, "{f} n={n}");
        }
    }
}

#[test]
fn bfloat16_conversions() {
    let cases = [
        (0x3F80_0000, 0x3F80), // 1.0
        (0x3F80_8000, 0x3F80), // tie, even stays
        (0x3F81_8000, 0x3F82), // tie, odd rounds up
        (0x3F80_8001, 0x3F81), // above tie
        (0x7F7F_FFFF, 0x7F80), // overflow to Inf
        (0xFF80_0000, 0xFF80), // -Inf
        (0x7F80_0001, 0x7FC0), // signalling NaN
        (0xFFC1_2345, 0x7FC0), // negative NaN with payload
        (0x8000_0000, 0x8000), // -0
        (0x0000_8000, 0x0000), // subnormal tie to 0
        (0x0000_8001, 0x0001), // subnormal above tie
    ];
    for (f, h) in cases {
        assert_eq!(mx::f32_to_bf16(f), h, "{f:08x}");
    }
    let mut rng = StdRng::seed_from_u64(6);
    for _ in 0..20000 {
        let f: u32 = rng.gen();
        if f32::from_bits(f).is_nan() {
            continue;
        }
        // Independent: nearest bfloat16 by exact comparison with the two candidates.
        let h = mx::f32_to_bf16(f);
        let v = Dy::from_f32_bits(f);
        let lo = f & 0xFFFF_0000;
        let hi = lo + 0x1_0000;
        let val = |b: u32| {
            if b & 0x7FFF_FFFF == 0x7F80_0000 {
                Dy::pow2(128).mul(&Dy {
                    n: BigInt::from(if b >> 31 == 1 { -1 } else { 1 }),
                    e: 0,
                })
            } else {
                Dy::from_f32_bits(b)
            }
        };
        let (dl, dh) = (v.add(&val(lo).neg()).abs(), val(hi).add(&v.neg()).abs());
        let want = match dl.cmp(&dh) {
            Ordering::Less => lo,
            Ordering::Greater => hi,
            Ordering::Equal => {
                if (lo >> 16).is_multiple_of(2) {
                    lo
                } else {
                    hi
                }
            }
        };
        assert_eq!((h as u32) << 16, want, "{f:08x}");
        assert_eq!(mx::bf16_to_f32(h), (h as u32) << 16);
    }
}
