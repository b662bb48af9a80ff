//! TTU benchmark (cargo bench --profile test -p tessera-testbench --bench ttu): per preset, on the
//! emitted Verilog under Verilator, fed back to back with no gaps and an always-ready result sink:
//!
//! * utilization = MACs done / (busy cycles x peak MACs per cycle) over a grid of GEMM shapes with
//!   K >= 8k: K = 8k and 32k, times M x N = one output tile (R x C), 4 tiles (2R x 2C) and 16 tiles
//!   (4R x 4C), for E4M3 x E4M3 and E2M1 x E2M1. The goal (>= 95 %) is judged on the 16-tile
//!   shapes: the array streams the next tile while the previous one drains, so only the last
//!   tile's fixed tail (2R + D + L + 1 cycles) is exposed, and a GEMM of one or four tiles is
//!   dominated by it on any pipelined array; the smaller shapes are printed to show that cost;
//! * the steady E2M1 / E4M3 rate: (MACs difference) / (busy difference) between K = 8k and 32k on
//!   the 16-tile shape (the tail cancels), goal exactly 2.0x;
//! * Verilator simulation speed in cycles per second (wall clock, model build excluded).
//!
//! Every result is checked against the reference model. `TTU_BENCH_PRESETS=tiny,small` limits
//! the presets (default: all four); `TTU_BENCH_KMUL=8,32` sets the K multiples of k. Figures are
//! printed, never asserted against a time.

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

/// One GEMM of `tiles_m` x `tiles_n` output tiles and K = `kmul` x k, checked against the model.
fn run(
    sim: &mut Sim,
    p: &TtuParams,
    f: ElemFormat,
    (tiles_m, tiles_n, kmul): (usize, usize, usize),
    seed: u64,
) -> (RunStats, f64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let k = p.block;
    let (m, n, kk) = (tiles_m * p.rows, tiles_n * p.cols, kmul * k);
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
    assert_eq!(
        got, want,
        "TTU result differs from the model ({f}, {m}x{n}x{kk})"
    );
    assert_eq!(
        s.macs,
        (m * n * kk) as u64,
        "MACs counted ({f}, {m}x{n}x{kk})"
    );
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
    let kmuls: Vec<usize> = std::env::var("TTU_BENCH_KMUL")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().parse().expect("TTU_BENCH_KMUL: numbers"))
                .collect()
        })
        .unwrap_or_else(|_| vec![8, 32]);
    assert!(
        kmuls.len() >= 2,
        "TTU_BENCH_KMUL needs two K multiples (steady rate)"
    );
    // Output tiles per side: 1 x 1, 2 x 2, 4 x 4 tiles.
    let tile_grid = [1usize, 2, 4];
    println!(
        "{:<6} {:>5} {:>3} {:>5} {:>14} {:>9} {:>11} {:>7} {:>9} {:>11} {:>7}",
        "preset",
        "array",
        "k",
        "tiles",
        "GEMM MxNxK",
        "e4m3 busy",
        "e4m3 MAC/c",
        "util",
        "e2m1 busy",
        "e2m1 MAC/c",
        "util",
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
        let (mut cycles, mut secs) = (0u64, 0f64);
        let (mut starved, mut stalled) = (0u64, 0u64);
        // (tiles per side, kmul) -> (E4M3, E2M1) stats.
        let mut res = Vec::new();
        let mut seed = 1;
        for &t in &tile_grid {
            for &km in &kmuls {
                let mut pair = Vec::new();
                for f in [ElemFormat::E4m3, ElemFormat::E2m1] {
                    let (s, dt) = run(&mut sim, &p, f, (t, t, km), seed);
                    seed += 1;
                    cycles += s.cycles;
                    secs += dt;
                    starved += s.starved;
                    stalled += s.stalled;
                    pair.push(s);
                }
                println!(
                    "{:<6} {:>5} {:>3} {:>5} {:>14} {:>9} {:>11.2} {:>6.1}% {:>9} {:>11.2} {:>6.1}%",
                    name,
                    format!("{}x{}", p.rows, p.cols),
                    p.block,
                    t * t,
                    format!("{}x{}x{}", t * p.rows, t * p.cols, km * p.block),
                    pair[0].busy,
                    pair[0].macs_per_cycle(),
                    100.0 * pair[0].utilization(),
                    pair[1].busy,
                    pair[1].macs_per_cycle(),
                    100.0 * pair[1].utilization(),
                );
                res.push((t, km, pair));
            }
        }
        // Steady rates on the largest shape: the fixed tail cancels in the differences.
        let big: Vec<_> = res.iter().filter(|(t, _, _)| *t == tile_grid[2]).collect();
        let (lo, hi) = (&big[0].2, &big[big.len() - 1].2);
        let slope =
            |a: &RunStats, b: &RunStats| (b.macs - a.macs) as f64 / (b.busy - a.busy) as f64;
        let (r4, r2) = (slope(&lo[0], &hi[0]), slope(&lo[1], &hi[1]));
        let worst = big
            .iter()
            .flat_map(|(_, _, pr)| pr.iter().map(|s| s.utilization()))
            .fold(f64::INFINITY, f64::min);
        println!(
            "       steady MACs/cycle e4m3 {r4:.3}, e2m1 {r2:.3} (ratio {:.3}x; peak {} / {}); \
             16-tile utilization >= {:.1} % ({}); starved {starved}, stalled {stalled}; \
             Verilator {:.0} cycles/s; model build {build_s:.1} s",
            r2 / r4,
            lo[0].peak_macs_per_cycle,
            lo[1].peak_macs_per_cycle,
            100.0 * worst,
            if worst >= 0.95 {
                "goal met"
            } else {
                "goal MISSED"
            },
            cycles as f64 / secs,
        );
    }
}
