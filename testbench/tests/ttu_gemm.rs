//! TTU under Verilator against the reference model (`tessera_model::mx::gemm`), bit for bit.
//!
//! The Verilog simulated is the emitter's output (`TtuTop::emit`), i.e. what `tessera generate`
//! writes. Every test prints its seed (`TESSERA_SEED` reproduces it) and re-runs with a VCD when it
//! fails (see `tessera_testbench::run_test`). Verilator must be installed: building the model fails
//! with the binding's explanation otherwise.

use rand::Rng;
use tessera_hdl::ttu::driver::{run_gemm, CycleRecord, RunOptions, RunStats, TtuPins};
use tessera_hdl::ttu::{TtuParams, TtuTop};
use tessera_model::config::{Config, ElemFormat};
use tessera_model::mx::{gemm, MxTensor};
use tessera_testbench::{run_test, Port, Sim, SimBuilder, TestRng};

/// `tessera_testbench::Sim` as the driver's port interface.
struct Pins<'a>(&'a mut Sim);

impl TtuPins for Pins<'_> {
    type Port = Port;
    fn port(&self, name: &str) -> Port {
        self.0.port(name)
    }
    fn set(&mut self, p: Port, v: u64) {
        self.0.set(p, v)
    }
    fn get(&mut self, p: Port) -> u64 {
        self.0.get(p)
    }
    fn step(&mut self) {
        self.0.step()
    }
}

fn builder(cfg: &Config) -> (TtuParams, SimBuilder) {
    let p = TtuParams::new(cfg).expect("TTU parameters");
    let v = TtuTop::new(cfg)
        .expect("TTU builds")
        .emit("ttu")
        .expect("TTU emits");
    (p, SimBuilder::new("ttu").source("ttu.v", v))
}

/// tiny with every format (for E5M2 corner cases in a small array).
fn tiny_all() -> Config {
    let mut c = Config::preset("tiny").unwrap();
    c.name = "tiny-all".into();
    c.ttu.formats = ElemFormat::ALL.to_vec();
    c.validate().unwrap();
    c
}

fn code_bits(f: ElemFormat) -> u32 {
    match f {
        ElemFormat::E2m1 => 4,
        ElemFormat::E2m3 | ElemFormat::E3m2 => 6,
        _ => 8,
    }
}

/// A random tensor: codes uniform over the format (NaN/Inf codes only if `specials`), scales in a
/// range around 127 so that results stay mostly finite, with occasional extremes.
fn random_tensor(
    rng: &mut TestRng,
    f: ElemFormat,
    k: usize,
    rows: usize,
    cols: usize,
    specials: bool,
) -> MxTensor {
    let mask = ((1u32 << code_bits(f)) - 1) as u8;
    let codes = (0..rows * cols)
        .map(|_| loop {
            let c = rng.gen::<u8>() & mask;
            let special = match f {
                ElemFormat::E4m3 => c & 0x7F == 0x7F,
                ElemFormat::E5m2 => c & 0x7C == 0x7C,
                _ => false,
            };
            if specials || !special {
                break c;
            }
        })
        .collect();
    let scales = (0..rows * (cols / k))
        .map(|_| match rng.gen_range(0..20) {
            0 => rng.gen::<u8>(),
            _ => rng.gen_range(110..145),
        })
        .map(|s| if !specials && s == 0xFF { 0xFE } else { s })
        .collect();
    MxTensor::new(f, k, rows, cols, codes, scales).unwrap()
}

fn check(
    sim: &mut Sim,
    p: &TtuParams,
    a: &MxTensor,
    b: &MxTensor,
    c0: Option<&[u32]>,
    opt: &RunOptions,
    what: &str,
) -> RunStats {
    let want = gemm(a, b, c0).unwrap();
    let (got, stats) =
        run_gemm(&mut Pins(sim), p, a, b, c0, opt, None).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            g,
            w,
            "{what}: C[{}][{}] = {g:#010x}, model says {w:#010x} (A {} B {}, M {} N {} K {})",
            i / b.rows,
            i % b.rows,
            a.format,
            b.format,
            a.rows,
            b.rows,
            a.cols
        );
    }
    stats
}

fn noisy(rng: &mut TestRng) -> RunOptions {
    RunOptions {
        a_gap: 0.3,
        b_gap: 0.3,
        c0_gap: 0.3,
        res_stall: 0.4,
        seed: rng.gen(),
        ..Default::default()
    }
}

/// Every pair of configured formats, random shapes (M, N not multiples of the array), with gaps
/// and back-pressure, on a given configuration.
fn all_pairs(cfg: Config, name: &str, specials: bool) {
    let (p, b) = builder(&cfg);
    run_test(name, &b, |sim, rng| {
        let k = p.block;
        for &fa in &p.formats {
            for &fb in &p.formats {
                let m = rng.gen_range(1..=2 * p.rows + 1);
                let n = rng.gen_range(1..=2 * p.cols + 1);
                let kk = k * rng.gen_range(1..=3);
                let a = random_tensor(rng, fa, k, m, kk, specials);
                let bt = random_tensor(rng, fb, k, n, kk, specials);
                let opt = noisy(rng);
                check(sim, &p, &a, &bt, None, &opt, &format!("{fa} x {fb}"));
            }
        }
    });
}

#[test]
fn ttu_tiny_every_format_pair() {
    all_pairs(
        Config::preset("tiny").unwrap(),
        "ttu_tiny_every_format_pair",
        false,
    );
}

#[test]
fn ttu_small_every_format_pair() {
    all_pairs(
        Config::preset("small").unwrap(),
        "ttu_small_every_format_pair",
        false,
    );
}

#[test]
fn ttu_tiny_all_formats_with_specials() {
    all_pairs(tiny_all(), "ttu_tiny_all_formats_with_specials", true);
}

/// C0, K = k, K = max_k and K > max_k (several passes chained through C0), W4A8.
#[test]
fn ttu_tiny_shapes_c0_and_long_k() {
    let cfg = Config::preset("tiny").unwrap();
    let (p, b) = builder(&cfg);
    run_test("ttu_tiny_shapes_c0_and_long_k", &b, |sim, rng| {
        let k = p.block;
        let pairs = [
            (ElemFormat::E2m1, ElemFormat::E4m3),
            (ElemFormat::E4m3, ElemFormat::E4m3),
            (ElemFormat::E2m1, ElemFormat::E2m1),
            (ElemFormat::Int8, ElemFormat::E2m1),
        ];
        for (fa, fb) in pairs {
            for kk in [k, p.max_k, p.max_k + 2 * k] {
                let (m, n) = (rng.gen_range(1..=5), rng.gen_range(1..=5));
                let a = random_tensor(rng, fa, k, m, kk, false);
                let bt = random_tensor(rng, fb, k, n, kk, false);
                let c0: Vec<u32> = (0..m * n)
                    .map(|_| match rng.gen_range(0..4) {
                        0 => 0x8000_0000,
                        1 => rng.gen::<u32>() & 0x807F_FFFF, // subnormals
                        _ => rng.gen::<u32>() & 0xBFFF_FFFF, // finite, moderate
                    })
                    .collect();
                let opt = noisy(rng);
                let what = format!("{fa} x {fb} K={kk}");
                check(sim, &p, &a, &bt, None, &opt, &what);
                check(
                    sim,
                    &p,
                    &a,
                    &bt,
                    Some(&c0),
                    &opt,
                    &format!("{what} with C0"),
                );
            }
        }
    });
}

/// Directed corners of ARCHITECTURE.md 2.3 on a 1 x 1 output (one PE row/column used).
#[test]
fn ttu_tiny_directed_corners() {
    let cfg = tiny_all();
    let (p, b) = builder(&cfg);
    run_test("ttu_tiny_directed_corners", &b, |sim, _rng| {
        let k = p.block;
        let t = |f: ElemFormat, codes: Vec<u8>, scale: u8| {
            let n = codes.len() / k;
            MxTensor::new(f, k, 1, codes.len(), codes, vec![scale; n]).unwrap()
        };
        let one = |c: u8| {
            let mut v = vec![0u8; k];
            v[0] = c;
            v
        };
        let opt = RunOptions::default();
        use ElemFormat::*;
        let cases: Vec<(&str, MxTensor, MxTensor, Option<u32>)> = vec![
            (
                "NaN scale A",
                t(E4m3, one(0x38), 0xFF),
                t(E4m3, one(0x38), 127),
                None,
            ),
            (
                "NaN scale B, zero codes",
                t(E4m3, vec![0; k], 127),
                t(E4m3, vec![0; k], 0xFF),
                None,
            ),
            (
                "E4M3 NaN element",
                t(E4m3, one(0x7F), 127),
                t(E4m3, one(0x38), 127),
                None,
            ),
            (
                "E4M3 -NaN element x 0",
                t(E4m3, one(0xFF), 127),
                t(E4m3, vec![0; k], 127),
                None,
            ),
            (
                "E5M2 +Inf x 1",
                t(E5m2, one(0x7C), 127),
                t(E4m3, one(0x38), 127),
                None,
            ),
            (
                "E5M2 -Inf x 1",
                t(E5m2, one(0xFC), 127),
                t(E4m3, one(0x38), 127),
                None,
            ),
            (
                "E5M2 Inf x 0",
                t(E5m2, one(0x7C), 127),
                t(E4m3, vec![0; k], 127),
                None,
            ),
            (
                "E5M2 -0 x Inf",
                t(E5m2, one(0x80), 127),
                t(E5m2, one(0x7C), 127),
                None,
            ),
            (
                "+Inf + -Inf",
                t(
                    E5m2,
                    {
                        let mut v = one(0x7C);
                        v[1] = 0xFC;
                        v
                    },
                    127,
                ),
                t(
                    E5m2,
                    {
                        let mut v = one(0x3C);
                        v[1] = 0x3C;
                        v
                    },
                    127,
                ),
                None,
            ),
            (
                "Inf block + -Inf acc",
                t(E5m2, one(0x7C), 127),
                t(E4m3, one(0x38), 127),
                Some(0xFF80_0000),
            ),
            (
                "finite + Inf acc",
                t(E4m3, one(0x38), 127),
                t(E4m3, one(0x38), 127),
                Some(0x7F80_0000),
            ),
            (
                "finite + NaN acc",
                t(E4m3, one(0x38), 127),
                t(E4m3, one(0x38), 127),
                Some(0x7FA0_0001),
            ),
            (
                "overflow to +Inf",
                t(E4m3, vec![0x7E; k], 254),
                t(E4m3, vec![0x7E; k], 254),
                None,
            ),
            (
                "overflow to -Inf",
                t(E4m3, vec![0xFE; k], 254),
                t(E4m3, vec![0x7E; k], 254),
                None,
            ),
            (
                "E5M2 max x max",
                t(E5m2, vec![0x7B; k], 200),
                t(E5m2, vec![0xFB; k], 200),
                None,
            ),
            (
                "subnormal product",
                t(E4m3, one(0x01), 1),
                t(E4m3, one(0x01), 1),
                None,
            ),
            (
                "subnormal result",
                t(E4m3, one(0x3A), 60),
                t(E4m3, one(0x3B), 50),
                None,
            ),
            (
                "subnormal result, rounded",
                t(
                    E4m3,
                    {
                        let mut v = one(0x3F);
                        v[1] = 0x01;
                        v
                    },
                    40,
                ),
                t(
                    E4m3,
                    {
                        let mut v = one(0x3D);
                        v[1] = 0x01;
                        v
                    },
                    80,
                ),
                None,
            ),
            (
                "result below 2^-149 (+)",
                t(E4m3, one(0x01), 0),
                t(E4m3, one(0x01), 0),
                None,
            ),
            (
                "result below 2^-149 (-)",
                t(E4m3, one(0x81), 0),
                t(E4m3, one(0x01), 0),
                None,
            ),
            (
                "subnormal acc + subnormal",
                t(E4m3, one(0x08), 5),
                t(E4m3, one(0x08), 5),
                Some(0x0000_0003),
            ),
            (
                "-0 acc + zero block",
                t(E4m3, vec![0; k], 127),
                t(E4m3, vec![0; k], 127),
                Some(0x8000_0000),
            ),
            (
                "-0 x +0 products",
                t(E4m3, vec![0x80; k], 127),
                t(E4m3, vec![0; k], 127),
                None,
            ),
            (
                "exact cancellation",
                t(
                    E4m3,
                    {
                        let mut v = one(0x38);
                        v[1] = 0xB8;
                        v
                    },
                    127,
                ),
                t(
                    E4m3,
                    {
                        let mut v = one(0x38);
                        v[1] = 0x38;
                        v
                    },
                    127,
                ),
                None,
            ),
            (
                "cancels acc exactly",
                t(E4m3, one(0x38), 127),
                t(E4m3, one(0x38), 127),
                Some(0xBF80_0000),
            ),
            // 1 + 2^-24 is a tie between 1 and 1 + 2^-23: RNE keeps 1 (even).
            (
                "tie to even (down)",
                t(E4m3, one(0x38), 103),
                t(E4m3, one(0x38), 127),
                Some(0x3F80_0000),
            ),
            // (1 + 2^-23) + 2^-24 is a tie: RNE goes up to 1 + 2^-22.
            (
                "tie to even (up)",
                t(E4m3, one(0x38), 103),
                t(E4m3, one(0x38), 127),
                Some(0x3F80_0001),
            ),
            (
                "tie plus sticky",
                t(
                    E4m3,
                    {
                        let mut v = one(0x38);
                        v[1] = 0x01;
                        v
                    },
                    103,
                ),
                t(
                    E4m3,
                    {
                        let mut v = one(0x38);
                        v[1] = 0x01;
                        v
                    },
                    127,
                ),
                Some(0x3F80_0000),
            ),
            (
                "INT8 -128 x -128",
                t(Int8, vec![0x80; k], 127),
                t(Int8, vec![0x80; k], 127),
                None,
            ),
            (
                "E2M1 pair lane signs",
                t(E2m1, (0..k as u8).map(|i| i & 0xF).collect(), 127),
                t(E2m1, (0..k as u8).map(|i| (i * 7) & 0xF).collect(), 127),
                None,
            ),
        ];
        for (what, a, bt, acc) in cases {
            let c0 = acc.map(|v| vec![v]);
            check(sim, &p, &a, &bt, c0.as_deref(), &opt, what);
        }
    });
}

/// Throughput counters: back-to-back beats, exactly 2x MACs/cycle for E2M1 x E2M1.
#[test]
fn ttu_small_counters_and_fp4_rate() {
    let cfg = Config::preset("small").unwrap();
    let (p, b) = builder(&cfg);
    run_test("ttu_small_counters_and_fp4_rate", &b, |sim, rng| {
        let k = p.block;
        let (m, n, kk) = (2 * p.rows, 2 * p.cols, 8 * k);
        let mut per_pair = Vec::new();
        for (fa, fb) in [
            (ElemFormat::E4m3, ElemFormat::E4m3),
            (ElemFormat::E2m1, ElemFormat::E2m1),
        ] {
            let a = random_tensor(rng, fa, k, m, kk, false);
            let bt = random_tensor(rng, fb, k, n, kk, false);
            let s = check(sim, &p, &a, &bt, None, &RunOptions::default(), "rate");
            let tiles = 4u64;
            let per_beat = if fa == ElemFormat::E2m1 { 2 } else { 1 };
            assert_eq!(s.beats, tiles * (kk / per_beat) as u64, "beats");
            assert_eq!(s.macs, (m * n * kk) as u64, "MACs counted = M x N x K");
            assert_eq!(s.starved, 0, "no gaps offered, so no starvation");
            assert_eq!(s.stalled, 0, "result sink always ready");
            // Busy covers the beats plus the last block's way out: the array pipeline, capture,
            // R issues, the MxAcc latency, the copy and R result beats (no stall on the way).
            let tail =
                (2 * p.rows + tessera_hdl::ttu::array::ARRAY_DEPTH + p.acc_latency() + 2) as u64;
            assert!(s.busy >= s.beats && s.busy <= s.beats + tail, "{s:?}");
            per_pair.push(s);
        }
        let (e4, e2) = (&per_pair[0], &per_pair[1]);
        assert_eq!(e2.peak_macs_per_cycle, 2 * e4.peak_macs_per_cycle);
        // Same M, N, K: FP4 needs half the beats.
        assert_eq!(2 * e2.beats, e4.beats);
        // Gaps and back-pressure are counted.
        let a = random_tensor(rng, ElemFormat::E4m3, k, p.rows, 2 * k, false);
        let bt = random_tensor(rng, ElemFormat::E4m3, k, p.cols, 2 * k, false);
        let opt = RunOptions {
            a_gap: 0.5,
            res_stall: 0.5,
            seed: 7,
            ..Default::default()
        };
        let s = check(sim, &p, &a, &bt, None, &opt, "gaps");
        assert!(s.starved > 0 && s.stalled > 0, "{s:?}");
    });
}

/// Tile boundaries cost nothing when the result sink keeps up: on tiny in E2M1 (a block every
/// k/2 = 4 beats, R = 2, L = 4) a tile's first row used to wait for the previous tile's copy, a
/// one-cycle bubble per tile; 16 tiles back to back must now take the beats plus one tail.
#[test]
fn ttu_tiny_fp4_no_bubble_between_tiles() {
    let cfg = Config::preset("tiny").unwrap();
    let (p, b) = builder(&cfg);
    run_test("ttu_tiny_fp4_no_bubble_between_tiles", &b, |sim, rng| {
        let k = p.block;
        let (m, n, kk) = (4 * p.rows, 4 * p.cols, 8 * k);
        let a = random_tensor(rng, ElemFormat::E2m1, k, m, kk, false);
        let bt = random_tensor(rng, ElemFormat::E2m1, k, n, kk, false);
        let s = check(sim, &p, &a, &bt, None, &RunOptions::default(), "16 tiles");
        assert_eq!(s.beats, 16 * (kk / 2) as u64, "beats");
        assert_eq!((s.starved, s.stalled), (0, 0), "{s:?}");
        let tail = (2 * p.rows + tessera_hdl::ttu::array::ARRAY_DEPTH + p.acc_latency() + 1) as u64;
        assert_eq!(
            s.busy,
            s.beats + tail,
            "beats + one tail, no per-tile bubble: {s:?}"
        );
    });
}

/// The shared block-MAC vectors (an independent implementation; the repository's copy in
/// model/tests/vectors/, so the test needs nothing outside the checkout),
/// each run as a 1 x 1 x k GEMM with C0 = the vector's accumulator, on a k = 32 TTU with every format.
#[test]
fn ttu_shared_block_mac_vectors() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../model/tests/vectors/block_mac.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut cfg = Config::preset("tiny").unwrap();
    cfg.name = "tiny-k32-all".into();
    cfg.ttu.block = 32;
    cfg.ttu.formats = ElemFormat::ALL.to_vec();
    cfg.validate().unwrap();
    let (p, b) = builder(&cfg);
    run_test("ttu_shared_block_mac_vectors", &b, |sim, _rng| {
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_like::Obj = serde_like::parse(line);
            let (fa, fb) = (
                ElemFormat::parse(&v.s("format_a")).unwrap(),
                ElemFormat::parse(&v.s("format_b")).unwrap(),
            );
            if v.s("block").trim() != p.block.to_string() {
                continue;
            }
            let ca: Vec<u8> = v.list("codes_a").iter().map(|x| *x as u8).collect();
            let cb: Vec<u8> = v.list("codes_b").iter().map(|x| *x as u8).collect();
            let a =
                MxTensor::new(fa, p.block, 1, ca.len(), ca, vec![v.n("scale_a") as u8]).unwrap();
            let bt =
                MxTensor::new(fb, p.block, 1, cb.len(), cb, vec![v.n("scale_b") as u8]).unwrap();
            let acc = v.n("acc") as u32;
            let (got, _) = run_gemm(
                &mut Pins(sim),
                &p,
                &a,
                &bt,
                Some(&[acc]),
                &RunOptions::default(),
                None,
            )
            .unwrap();
            let want = v.n("result") as u32;
            if v.s("result_is_nan") == "true" {
                assert_eq!(got[0], 0x7FC0_0000, "vector {n}: NaN expected");
            } else {
                assert_eq!(got[0], want, "vector {n}: {line}");
            }
            n += 1;
        }
        assert!(n > 100, "only {n} vectors ran");
        println!("{n} shared block-MAC vectors pass");
    });
}

/// The first cycles of a small GEMM as a text table (docs/ttu.md's waveform walk-through).
/// Run with `--nocapture` to print it.
#[test]
fn ttu_tiny_waveform_table() {
    let cfg = Config::preset("tiny").unwrap();
    let (p, b) = builder(&cfg);
    run_test("ttu_tiny_waveform_table", &b, |sim, rng| {
        let k = p.block;
        let a = random_tensor(rng, ElemFormat::E4m3, k, 2, 2 * k, false);
        let bt = random_tensor(rng, ElemFormat::E4m3, k, 2, 2 * k, false);
        let want = gemm(&a, &bt, None).unwrap();
        let mut rec: Vec<CycleRecord> = Vec::new();
        let opt = RunOptions {
            record: 40,
            res_stall: 0.3,
            a_gap: 0.1,
            seed: 3,
            ..Default::default()
        };
        let (got, s) = run_gemm(&mut Pins(sim), &p, &a, &bt, None, &opt, Some(&mut rec)).unwrap();
        assert_eq!(got, want);
        println!("cycle a_v a_r a0 b_v b_r b0 res_v res_r res_data_0 busy macs");
        for r in &rec {
            println!(
                "{:>5} {:>3} {:>3} {:02x} {:>3} {:>3} {:02x} {:>5} {:>5} {:08x} {:>4} {:>4}",
                r.cycle,
                r.a_valid as u8,
                r.a_ready as u8,
                r.a_code0,
                r.b_valid as u8,
                r.b_ready as u8,
                r.b_code0,
                r.res_valid as u8,
                r.res_ready as u8,
                r.res_data0,
                r.busy,
                r.macs
            );
        }
        println!("{s:?}");
        assert!(!rec.is_empty());
    });
}

/// A minimal reader for the flat JSON lines of the shared vectors (strings, hex strings, lists of
/// hex strings, booleans); kept here to avoid a JSON dependency in the testbench.
mod serde_like {
    use std::collections::HashMap;

    pub struct Obj(HashMap<String, String>);

    pub fn parse(line: &str) -> Obj {
        let body = line.trim().trim_start_matches('{').trim_end_matches('}');
        let mut map = HashMap::new();
        let mut rest = body;
        while let Some(q) = rest.find('"') {
            rest = &rest[q + 1..];
            let end = rest.find('"').unwrap();
            let key = rest[..end].to_string();
            rest = rest[end + 1..]
                .trim_start()
                .trim_start_matches(':')
                .trim_start();
            let (val, after) = if rest.starts_with('[') {
                let e = rest.find(']').unwrap();
                (rest[1..e].to_string(), &rest[e + 1..])
            } else if let Some(r) = rest.strip_prefix('"') {
                let e = r.find('"').unwrap();
                (r[..e].to_string(), &r[e + 1..])
            } else {
                let e = rest.find(',').unwrap_or(rest.len());
                (rest[..e].trim().to_string(), &rest[e..])
            };
            map.insert(key, val);
            rest = after.trim_start().trim_start_matches(',');
        }
        Obj(map)
    }

    impl Obj {
        pub fn s(&self, k: &str) -> String {
            self.0
                .get(k)
                .unwrap_or_else(|| panic!("no field {k}"))
                .clone()
        }
        pub fn n(&self, k: &str) -> u64 {
            let s = self.s(k);
            u64::from_str_radix(s.trim(), 16)
                .or_else(|_| s.trim().parse())
                .unwrap_or_else(|_| panic!("field {k} = {s} is not a number"))
        }
        pub fn list(&self, k: &str) -> Vec<u64> {
            self.s(k)
                .split(',')
                .map(|x| u64::from_str_radix(x.trim().trim_matches('"'), 16).unwrap())
                .collect()
        }
    }
}
