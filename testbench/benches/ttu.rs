//! TTU benchmark (cargo bench -p tessera-testbench --bench ttu): per preset, on the emitted Verilog
//! under Verilator, fed back to back with no gaps and an always-ready result sink:
//!
//! * utilization on a GEMM with K = 8k (M = 2R, N = 2C, i.e. four output tiles): MACs done / (busy
//!   cycles x peak MACs per cycle), goal >= 95%;
//! * measured MACs per busy cycle for E2M1 x E2M1 against E4M3 x E4M3 on the same GEMM, goal 2.0x;
//! * Verilator simulation speed in cycles per second (wall clock, model build excluded).
//!
//! Every result is also checked against the reference model. `TTU_BENCH_PRESETS=tiny,small` limits
//! the presets (default: all four). Figures are printed, never asserted against a time.

use rand::{Rng, SeedableRng};
use std::time::Instant;
use tessera_hdl::ttu::driver::{run_gemm, RunOptions, RunStats, TtuPins};
use tessera_hdl::ttu::{TtuParams, TtuTop};
use tessera_model::config::{Config, ElemFormat};
use tessera_model::mx::{gemm, MxTensor};
use tessera_testbench::{Port, Sim, SimBuilder};

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

fn tensor(
    rng: &mut rand::rngs::StdRng,
    f: ElemFormat,
    k: usize,
    rows: usize,
    cols: usize,
) -> MxTensor {
    let bits = match f {
        ElemFormat::E2m1 => 4,
        ElemFormat::E2m3 | ElemFormat::E3m2 => 6,
        _ => 8,
    };
    let codes = (0..rows * cols)
        .map(|_| loop {
            let c = rng.gen::<u8>() & ((1u16 << bits) - 1) as u8;
            if !(f == ElemFormat::E4m3 && c & 0x7F == 0x7F) {
                break c;
            }
        })
        .collect();
    let scales = (0..rows * cols / k)
        .map(|_| rng.gen_range(120..135))
        .collect();
    MxTensor::new(f, k, rows, cols, codes, scales).unwrap()
}

fn run(sim: &mut Sim, p: &TtuParams, f: ElemFormat, kmul: usize, seed: u64) -> (RunStats, f64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let k = p.block;
    let (m, n, kk) = (2 * p.rows, 2 * p.cols, kmul * k);
    let a = tensor(&mut rng, f, k, m, kk);
    let b = tensor(&mut rng, f, k, n, kk);
    let want = gemm(&a, &b, None).unwrap();
    let t0 = Instant::now();
    let opt = RunOptions {
        timeout: 100_000,
        ..Default::default()
    };
    let (got, s) = run_gemm(&mut Pins(sim), p, &a, &b, None, &opt, None).expect("TTU run");
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(got, want, "TTU result differs from the model ({f})");
    (s, secs)
}

fn main() {
    let presets: Vec<String> = std::env::var("TTU_BENCH_PRESETS")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_else(|_| {
            ["tiny", "small", "base", "large"]
                .map(String::from)
                .to_vec()
        });
    println!(
        "{:<6} {:>5} {:>3} {:>9} {:>8} {:>10} {:>7} {:>8} {:>10} {:>7} {:>8} {:>8} {:>7} {:>10}",
        "preset",
        "array",
        "k",
        "GEMM",
        "e4m3 cyc",
        "e4m3 MAC/c",
        "util",
        "e2m1 cyc",
        "e2m1 MAC/c",
        "util",
        "steady4",
        "steady2",
        "ratio",
        "cycles/s"
    );
    for name in presets {
        let cfg = Config::preset(&name).unwrap_or_else(|| panic!("unknown preset {name}"));
        let p = TtuParams::new(&cfg).unwrap();
        let t_build = Instant::now();
        let verilog = TtuTop::new(&cfg).unwrap().emit("ttu").unwrap();
        let mut sim = SimBuilder::new("ttu")
            .source("ttu.v", verilog)
            .build()
            .expect("building the TTU model (Verilator required)");
        let build_s = t_build.elapsed().as_secs_f64();
        let (e4, s4) = run(&mut sim, &p, ElemFormat::E4m3, 8, 1);
        let (e2, s2) = run(&mut sim, &p, ElemFormat::E2m1, 8, 2);
        // Twice the K: the differences cancel the fixed fill/drain tail and give the steady rate.
        let (e4l, s4l) = run(&mut sim, &p, ElemFormat::E4m3, 16, 3);
        let (e2l, s2l) = run(&mut sim, &p, ElemFormat::E2m1, 16, 4);
        let slope =
            |a: &RunStats, b: &RunStats| (b.macs - a.macs) as f64 / (b.busy - a.busy) as f64;
        let (r4, r2) = (slope(&e4, &e4l), slope(&e2, &e2l));
        let ratio = r2 / r4;
        let cps = (e4.cycles + e2.cycles + e4l.cycles + e2l.cycles) as f64 / (s4 + s2 + s4l + s2l);
        println!(
            "{:<6} {:>5} {:>3} {:>9} {:>8} {:>10.2} {:>6.1}% {:>8} {:>10.2} {:>6.1}% {:>8.3} {:>8.3} {:>6.3}x {:>10.0}",
            name,
            format!("{}x{}", p.rows, p.cols),
            p.block,
            format!("{}x{}x{}", 2 * p.rows, 2 * p.cols, 8 * p.block),
            e4.busy,
            e4.macs_per_cycle(),
            100.0 * e4.utilization(),
            e2.busy,
            e2.macs_per_cycle(),
            100.0 * e2.utilization(),
            r4,
            r2,
            ratio,
            cps
        );
        println!(
            "       (model build {build_s:.1} s; starved {}/{}, stalled {}/{})",
            e4.starved, e2.starved, e4.stalled, e2.stalled
        );
    }
}
