//! CSRAM under Verilator against the reference memory model (issue 6, "Done when").
//!
//! * random multi-port traffic with random valid gaps and response back-pressure: no lost,
//!   duplicated or reordered response, every read returns the last write (model), range errors;
//! * conflict-free strides: min(P, B) accesses per cycle, latency exactly `csram::LATENCY`;
//! * counters agree with what the bench saw.
mod csram_support;

use csram_support::{random_request, Bench, Dut, Traffic};
use rand::{Rng, SeedableRng};
use tessera_model::config::{Config, CsramConfig};
use tessera_model::csram::Request;
use tessera_testbench::seed_for;

fn tiny() -> CsramConfig {
    Config::preset("tiny").unwrap().csram
}

fn tiny_ecc() -> CsramConfig {
    CsramConfig {
        ecc: true,
        ..tiny()
    }
}

fn small() -> CsramConfig {
    Config::preset("small").unwrap().csram
}

fn random_traffic(name: &str, cfg: &CsramConfig, t: &Traffic, cycles: u64) {
    let seed = seed_for(name);
    println!("[tessera] {name}: seed {seed} (config {cfg:?})");
    let mut rng = tessera_testbench::TestRng::seed_from_u64(seed);
    let mut dut = Dut::new(cfg);
    let mut bench = Bench::new(&mut dut);
    let mut rng2 = tessera_testbench::TestRng::seed_from_u64(seed ^ 0x5A5A);
    for _ in 0..cycles {
        bench.cycle(
            &mut |_| {
                rng.gen_bool(t.p_valid)
                    .then(|| random_request(&mut rng, cfg, t))
            },
            &mut |_| rng2.gen_bool(t.p_ready),
            0,
        );
    }
    bench.drain(1000);
    bench.check_counters();
    let total: u64 = bench.stats.accepted.iter().sum();
    println!(
        "[tessera] {name}: {} cycles, {total} requests, per port {:?}, stalls {:?}",
        bench.stats.cycles, bench.stats.accepted, bench.stats.expected_stall
    );
    assert!(
        total > cycles / 4,
        "too little traffic to mean anything: {total}"
    );
}

/// Hot addresses (a small span) make bank conflicts, read-after-write and write-after-write
/// races between ports frequent.
fn hot(span: u32) -> Traffic {
    Traffic {
        p_valid: 0.7,
        p_ready: 0.7,
        p_write: 0.5,
        p_partial: 0.3,
        span,
        p_oob: 0.03,
    }
}

#[test]
fn csram_random_tiny() {
    random_traffic("csram_random_tiny", &tiny(), &hot(16), 4000);
}

#[test]
fn csram_random_tiny_ecc() {
    random_traffic("csram_random_tiny_ecc", &tiny_ecc(), &hot(16), 4000);
}

#[test]
fn csram_random_small_ecc() {
    random_traffic("csram_random_small_ecc", &small(), &hot(64), 3000);
}

#[test]
fn csram_random_tiny_full_pressure() {
    // Always valid, rarely ready: credits and the response FIFO under stress.
    let t = Traffic {
        p_valid: 1.0,
        p_ready: 0.2,
        ..hot(8)
    };
    random_traffic("csram_random_tiny_full_pressure", &tiny(), &t, 2000);
}

/// Port p walks bank p (addresses p, p + B, p + 2B, ...): no conflicts, so every port is
/// accepted every cycle and each response comes exactly LATENCY cycles later.
fn strides(name: &str, cfg: &CsramConfig) {
    let mut dut = Dut::new(cfg);
    let mut bench = Bench::new(&mut dut);
    let b = cfg.banks;
    let np = cfg.ports.min(cfg.banks) as usize;
    let n = 200u32;
    let mut next = vec![0u32; np];
    let full = ((1u64 << (cfg.width / 8)) - 1) as u32;
    let cycles = n as u64;
    for _ in 0..cycles {
        bench.cycle(
            &mut |p| {
                if p >= np {
                    return None;
                }
                let k = next[p];
                next[p] += 1;
                Some(Request {
                    addr: p as u32 + (k % cfg.depth) * b,
                    write: k % 3 == 0,
                    wdata: (k as u128) << 8 | p as u128,
                    wmask: full,
                })
            },
            &mut |_| true,
            0,
        );
    }
    bench.drain(100);
    bench.check_counters();
    let per_cycle = bench.stats.accepted.iter().sum::<u64>() as f64 / cycles as f64;
    println!("[tessera] {name}: {per_cycle:.3} accesses/cycle over {cycles} cycles ({np} ports, {b} banks)");
    for p in 0..np {
        assert_eq!(
            bench.stats.accepted[p], cycles,
            "port {p} was stalled on a conflict-free pattern"
        );
        assert_eq!(bench.stats.expected_stall[p], 0, "port {p} stalls");
        let mean = bench.stats.latency_sum[p] as f64 / bench.stats.responses[p] as f64;
        assert_eq!(mean, tessera_hdl::csram::LATENCY as f64, "port {p} latency");
    }
}

#[test]
fn csram_strides_tiny() {
    strides("csram_strides_tiny", &tiny());
}

#[test]
fn csram_strides_small() {
    strides("csram_strides_small", &small());
}

/// A short directed run on the tiny preset whose per-cycle trace is the waveform table in
/// docs/csram.md (`cargo test -p tessera-testbench --test csram_traffic csram_waveform -- --nocapture`).
/// Checks the shape the table shows: a conflict costs the loser exactly one cycle, and a
/// response waits (holding its payload) while the sink is not ready.
#[test]
fn csram_waveform_tiny() {
    let cfg = tiny();
    let mut dut = Dut::new(&cfg);
    let mut bench = Bench::new(&mut dut);
    bench.trace = Some(vec![]);
    let wr = |addr, wdata| Request {
        addr,
        write: true,
        wdata,
        wmask: 0xF,
    };
    let rd = |addr| Request {
        addr,
        write: false,
        wdata: 0,
        wmask: 0,
    };
    // (port 0 request, port 1 request, port 0 ready, port 1 ready) per cycle.
    let script: Vec<(Option<Request>, Option<Request>, bool, bool)> = vec![
        (Some(wr(4, 0xA4)), Some(wr(7, 0xB7)), true, true), // banks 0 and 1: both accepted
        (Some(rd(4)), Some(rd(7)), true, true),             // both read back, no conflict
        (Some(rd(6)), Some(rd(4)), true, true), // both bank 0: port 0 was served last there, waits
        (None, None, true, false),              // port 1's sink is not ready
        (None, None, true, false),
        (None, None, true, true),
        (None, None, true, true),
        (None, None, true, true),
    ];
    for (c, (r0, r1, k0, k1)) in script.iter().enumerate() {
        let mut given = [false, false];
        bench.cycle(
            &mut |p| {
                let r = if p == 0 { *r0 } else { *r1 };
                if given[p] {
                    return None;
                }
                given[p] = true;
                r
            },
            &mut |p| if p == 0 { *k0 } else { *k1 },
            0,
        );
        let _ = c;
    }
    bench.drain(20);
    let trace = bench.trace.take().unwrap();
    println!("| cycle | p0 req (addr) | p0 ready | p0 rsp valid/ready | p0 rdata | p1 req (addr) | p1 ready | p1 rsp valid/ready | p1 rdata |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let fmt_req = |v: bool, a: u32, w: bool| {
        if v {
            format!("{} {a}", if w { "WR" } else { "RD" })
        } else {
            "-".to_string()
        }
    };
    for row in &trace {
        let c = |p: usize| row.ports[p];
        let (v0, r0, a0, w0, rv0, rr0, d0, _) = c(0);
        let (v1, r1, a1, w1, rv1, rr1, d1, _) = c(1);
        println!(
            "| {} | {} | {} | {}/{} | {} | {} | {} | {}/{} | {} |",
            row.cycle,
            fmt_req(v0, a0, w0),
            r0 as u8,
            rv0 as u8,
            rr0 as u8,
            if rv0 { format!("{d0:#x}") } else { "-".into() },
            fmt_req(v1, a1, w1),
            r1 as u8,
            rv1 as u8,
            rr1 as u8,
            if rv1 { format!("{d1:#x}") } else { "-".into() },
        );
    }
    // Round robin: port 0 was the last served on bank 0, so it loses the conflict, once.
    assert_eq!(
        bench.stats.expected_stall,
        vec![1, 0],
        "one conflict, one stall cycle, on port 0"
    );
    bench.check_counters();
}
