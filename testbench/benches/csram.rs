//! CSRAM benchmark (issue 6): throughput under uniform random addresses next to the analytic
//! expectation, latency with and without conflicts, and the yosys block-RAM inference report.
//!
//! Run: `cargo bench -p tessera-testbench --bench csram` (add `-- --no-yosys` to skip synthesis,
//! `-- --presets tiny,small` to choose configurations).
#[path = "../tests/csram_support/mod.rs"]
mod csram_support;

use csram_support::{Bench, Dut};
use rand::{Rng, SeedableRng};
use std::process::Command;
use tessera_model::config::{Config, CsramConfig};
use tessera_model::csram::{distinct_banks, expected_throughput, Request};

const CYCLES: u64 = 20_000;

fn uniform(cfg: &CsramConfig, seed: u64) -> (f64, f64, u64) {
    let mut rng = tessera_testbench::TestRng::seed_from_u64(seed);
    let mut dut = Dut::new(cfg);
    let mut bench = Bench::new(&mut dut);
    let words = cfg.banks * cfg.depth;
    let full = ((1u64 << (cfg.width / 8)) - 1) as u32;
    for _ in 0..CYCLES {
        bench.cycle(
            &mut |_| {
                let write = rng.gen_bool(0.5);
                Some(Request {
                    addr: rng.gen_range(0..words),
                    write,
                    wdata: if write { rng.gen::<u64>() as u128 } else { 0 },
                    wmask: if write { full } else { 0 },
                })
            },
            &mut |_| true,
            0,
        );
    }
    let accepted: u64 = bench.stats.accepted.iter().sum();
    bench.drain(1000);
    bench.check_counters();
    let responses: u64 = bench.stats.responses.iter().sum();
    let lat: u64 = bench.stats.latency_sum.iter().sum();
    (
        accepted as f64 / CYCLES as f64,
        lat as f64 / responses as f64,
        bench.stats.latency_max,
    )
}

fn conflict_free_latency(cfg: &CsramConfig) -> f64 {
    let mut dut = Dut::new(cfg);
    let mut bench = Bench::new(&mut dut);
    let np = cfg.ports.min(cfg.banks) as usize;
    let mut k = 0u32;
    for _ in 0..1000 {
        bench.cycle(
            &mut |p| {
                (p < np).then(|| {
                    k += 1;
                    Request {
                        addr: p as u32 + (k % cfg.depth) * cfg.banks,
                        write: false,
                        wdata: 0,
                        wmask: 0,
                    }
                })
            },
            &mut |_| true,
            0,
        );
    }
    bench.drain(100);
    let r: u64 = bench.stats.responses.iter().sum();
    bench.stats.latency_sum.iter().sum::<u64>() as f64 / r as f64
}

fn count(log: &str, cell: &str) -> u64 {
    // yosys `stat` lines look like "     DP16KD                          4".
    log.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some(cell)).then(|| it.next().and_then(|n| n.parse().ok()))?
        })
        .last()
        .unwrap_or(0)
}

fn yosys(cfg: &CsramConfig, flow: &str) -> String {
    let v = tessera_hdl::csram::verilog(cfg).expect("emit");
    let dir = std::env::temp_dir().join(format!("tessera-csram-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("csram.v");
    std::fs::write(&f, v).unwrap();
    // Not `-q`: that would silence `stat` too; its table is parsed from the full log.
    let script = format!("read_verilog {}; {flow} -top csram; stat", f.display());
    let out = Command::new("yosys")
        .args(["-p", &script])
        .output()
        .unwrap_or_else(|e| {
            panic!("yosys is required for the block-RAM report (apt install yosys): {e}")
        });
    let log = String::from_utf8_lossy(&out.stdout).to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "yosys {flow} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    log
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let no_yosys = args.iter().any(|a| a == "--no-yosys");
    let presets: Vec<String> = args
        .iter()
        .position(|a| a == "--presets")
        .and_then(|i| args.get(i + 1))
        .map_or(
            vec!["tiny".into(), "small".into(), "base".into(), "large".into()],
            |s| s.split(',').map(String::from).collect(),
        );
    println!("CSRAM throughput: uniform random word addresses, every port always valid, sinks always ready, {CYCLES} cycles");
    println!("| preset | P | B | measured acc/cycle | expected (Markov, blocking) | no-queueing B(1-(1-1/B)^P) | diff vs expected | mean latency (conflicts) | max | latency conflict-free |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (i, p) in presets.iter().enumerate() {
        let cfg = Config::preset(p)
            .unwrap_or_else(|| panic!("unknown preset {p}"))
            .csram;
        let (thr, lat, max) = uniform(&cfg, 0xC5A4 + i as u64);
        let exp = expected_throughput(cfg.ports, cfg.banks);
        let free = conflict_free_latency(&cfg);
        println!(
            "| {p} | {} | {} | {thr:.4} | {exp:.4} | {:.4} | {:+.2}% | {lat:.3} | {max} | {free:.3} |",
            cfg.ports,
            cfg.banks,
            distinct_banks(cfg.ports, cfg.banks),
            100.0 * (thr - exp) / exp,
        );
    }
    if no_yosys {
        return;
    }
    println!();
    println!("Block RAM inference (yosys `synth_ecp5` / `synth_ice40`, then `stat`):");
    println!("| preset | flow | banks | block RAM cells | LUT RAM cells | LUT4 | flip-flops |");
    println!("|---|---|---|---|---|---|---|");
    for p in ["tiny", "small"] {
        let cfg = Config::preset(p).unwrap().csram;
        let e = yosys(&cfg, "synth_ecp5");
        let ff: u64 = ["TRELLIS_FF"].iter().map(|c| count(&e, c)).sum();
        println!(
            "| {p} | synth_ecp5 | {} | DP16KD: {} | TRELLIS_DPR16X4: {} | {} | {ff} |",
            cfg.banks,
            count(&e, "DP16KD"),
            count(&e, "TRELLIS_DPR16X4"),
            count(&e, "LUT4")
        );
        let ic = yosys(&cfg, "synth_ice40");
        let ff: u64 = [
            "SB_DFF",
            "SB_DFFE",
            "SB_DFFSR",
            "SB_DFFESR",
            "SB_DFFSS",
            "SB_DFFESS",
            "SB_DFFR",
            "SB_DFFER",
            "SB_DFFS",
            "SB_DFFES",
        ]
        .iter()
        .map(|c| count(&ic, c))
        .sum();
        println!(
            "| {p} | synth_ice40 | {} | SB_RAM40_4K: {} | - | {} | {ff} |",
            cfg.banks,
            count(&ic, "SB_RAM40_4K"),
            count(&ic, "SB_LUT4")
        );
    }
}
