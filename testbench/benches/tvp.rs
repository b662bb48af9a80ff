//! TVP benchmark: elementwise results per cycle (goal: L per cycle) and Verilator simulation speed,
//! for every preset's lane count, and the `sum` reduction's elements per cycle (one stream of
//! 20,000 beats ending with `in_last`). Run: `cargo bench -p tessera-testbench --bench tvp`
//! (`-- 2` to measure only the 2-lane TVP).

use std::time::Instant;
use tessera_model::tvp::reduce::Red;
use tessera_model::tvp::{apply, Op};
use tessera_testbench::{bits, SimBuilder};

fn main() {
    let only: Option<u32> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    println!("| lanes | op | beats | cycles | results/cycle | cycles/s (Verilator) | build s |");
    println!("|---|---|---|---|---|---|---|");
    for lanes in [2u32, 4, 8, 16] {
        if only.is_some_and(|l| l != lanes) {
            continue;
        }
        let t0 = Instant::now();
        let v = tessera_hdl::tvp::top::emit_named("tvp", lanes).expect("emit");
        let model = SimBuilder::new("tvp")
            .source("tvp.v", v)
            .build_model()
            .expect("verilate");
        let build = t0.elapsed().as_secs_f64();
        let mut sim = model.instantiate(None).expect("instantiate");
        let p = |s: &tessera_testbench::Sim, n: &str| s.port(n);
        let (reset, in_valid, out_ready, out_valid) = (
            p(&sim, "reset"),
            p(&sim, "in_valid"),
            p(&sim, "out_ready"),
            p(&sim, "out_valid"),
        );
        let in_last = p(&sim, "in_last");
        let (in_op, in_a, in_b, out_z, cnt_out) = (
            p(&sim, "in_op"),
            p(&sim, "in_a"),
            p(&sim, "in_b"),
            p(&sim, "out_z"),
            p(&sim, "cnt_out"),
        );
        for op in [Op::Add, Op::Mul, Op::Exp2] {
            sim.reset(reset, 1);
            sim.set(out_ready, 1);
            sim.set(in_op, op.code() as u64);
            let beats = 20_000u64;
            let l = lanes as usize;
            let a: Vec<u32> = (0..l)
                .map(|i| (1.0f32 + i as f32 * 0.37).to_bits())
                .collect();
            let b: Vec<u32> = (0..l)
                .map(|i| (0.5f32 - i as f32 * 0.11).to_bits())
                .collect();
            sim.set_wide(in_a, &a);
            sim.set_wide(in_b, &b);
            let t = Instant::now();
            let mut cycles = 0u64;
            let mut checked = false;
            while sim.get(cnt_out) < beats {
                sim.set(in_valid, (cycles < beats) as u64);
                if !checked && sim.get(out_valid) == 1 {
                    let z = bits::truncate(&sim.get_wide(out_z), 32 * lanes);
                    for i in 0..l {
                        assert_eq!(
                            z[i],
                            apply(op, a[i], b[i], 0, 0),
                            "lane {i} of {}",
                            op.name()
                        );
                    }
                    checked = true;
                }
                sim.step();
                cycles += 1;
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "| {lanes} | {} | {beats} | {cycles} | {:.3} | {:.0} | {build:.1} |",
                op.name(),
                (beats * lanes as u64) as f64 / cycles as f64,
                cycles as f64 / secs
            );
        }
        // The sum reduction: 20,000 beats, one result.
        let beats = 20_000u64;
        let l = lanes as usize;
        let x: Vec<u32> = (0..l)
            .map(|i| (0.25f32 * (i + 1) as f32).to_bits())
            .collect();
        sim.reset(reset, 1);
        sim.set(out_ready, 1);
        sim.set(in_op, Red::Sum.code() as u64);
        sim.set_wide(in_a, &x);
        let t = Instant::now();
        let mut cycles = 0u64;
        let mut result = None;
        while result.is_none() {
            sim.set(in_valid, (cycles < beats) as u64);
            sim.set(in_last, (cycles + 1 == beats) as u64);
            if sim.get(out_valid) == 1 {
                result = Some(bits::truncate(&sim.get_wide(out_z), 32)[0]);
            }
            sim.step();
            cycles += 1;
        }
        let secs = t.elapsed().as_secs_f64();
        let all: Vec<u32> = (0..beats).flat_map(|_| x.clone()).collect();
        assert_eq!(
            result,
            Some(Red::Sum.run(&all, l, 0)),
            "sum of {lanes} lanes"
        );
        println!(
            "| {lanes} | sum (reduction) | {beats} | {cycles} | {:.3} | {:.0} | {build:.1} |",
            (beats * lanes as u64) as f64 / cycles as f64,
            cycles as f64 / secs
        );
    }
}
