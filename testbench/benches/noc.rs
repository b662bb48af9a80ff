//! NoC benchmark (issue 8 figures) on the 4x4 mesh under Verilator: zero-load latency per hop,
//! uniform-random saturation throughput against the 4/k bound, class-0 p99 with class 1 at 90 % of
//! saturation, multicast-to-all against a unicast to the farthest node, and a soak at saturation with
//! scoreboard checks (`NOC_SOAK_CYCLES`, default 1,000,000).
//!
//! Run: `cargo bench -p tessera-testbench --bench noc`.
use std::time::Instant;
use tessera_testbench::noc::bench::Bench;
use tessera_testbench::noc::{MeshSpec, Pattern, Traffic};

fn main() -> anyhow::Result<()> {
    let spec = MeshSpec {
        nx: 4,
        ny: 4,
        width: 64,
        depth: 4,
    };
    let bench = Bench::new(spec, 1)?;
    let zl = bench.zero_load()?;
    let h = zl.len() - 1;
    println!(
        "zero-load head latency by hops: {:?}",
        zl.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>()
    );
    println!(
        "zero-load latency per hop: {:.2} cycles",
        (zl[h] - zl[0]) / h as f64
    );
    let sat = bench.load_point(&Traffic::bulk(Pattern::Uniform, 1.0, 1), 1000, 4000, 1)?;
    println!(
        "uniform saturation throughput: {:.3} flits/node/cycle ({:.2} of the 4/k = 1.0 bound)",
        sat.accepted, sat.accepted
    );
    let c0 = |r1: f64| Traffic {
        rate0: 0.02,
        len0: 1,
        ..Traffic::bulk(Pattern::Uniform, r1, 1)
    };
    let alone = bench.load_point(&c0(0.0), 1000, 4000, 0)?;
    let loaded = bench.load_point(&c0(0.9 * sat.accepted), 1000, 4000, 0)?;
    println!(
        "class-0 p99: alone {} cycles, with class 1 at 90% of saturation {} cycles ({:.2}x)",
        alone.p99_latency,
        loaded.p99_latency,
        loaded.p99_latency as f64 / alone.p99_latency.max(1) as f64
    );
    // Multicasts travel cut-through: the longest one is one buffer (spec.depth flits) long.
    let east = 2 * 4 + 3;
    for (what, src) in [("corner (0,0)", 0), ("east edge (3,2)", east)] {
        let (mc, uc) = bench.multicast_from(src, spec.depth)?;
        println!(
            "multicast to 16 nodes ({} flits) from {what}: {mc} cycles, unicast to the farthest node: {uc} cycles ({:.2}x)",
            spec.depth,
            mc as f64 / uc as f64
        );
    }
    let cycles: u64 = std::env::var("NOC_SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t0 = Instant::now();
    let t = Traffic {
        consume: 0.9,
        mcast: 0.01,
        bad: 0.001,
        rate0: 0.05,
        ..Traffic::bulk(Pattern::Uniform, 1.0, 4)
    };
    let flits = bench.soak(&t, cycles, 50_000)?;
    let s = t0.elapsed().as_secs_f64();
    println!("soak: {cycles} cycles at offered load 1.05 (mixed classes, multicast, bad destinations, back-pressure): {flits} flits, scoreboards clean, {s:.0} s ({:.0} cycles/s)", cycles as f64 / s);
    Ok(())
}
