//! TVP under Verilator against the reference model (`tessera_model::tvp`), bit for bit:
//! every elementwise opcode on directed IEEE corner cases (subnormals, ties, NaN, +-Inf, -0,
//! overflow, underflow) and on random operands, through the valid/ready stream with random
//! gaps and back-pressure; then the counters.

use rand::Rng;
use tessera_model::tvp::{apply, Op};
use tessera_testbench::{
    bits, cycle, run_test, Sim, SimBuilder, Stream, StreamDriver, StreamSink, TestRng,
};

/// Directed float32 corner cases.
const CORNERS: &[u32] = &[
    0x0000_0000,
    0x8000_0000, // +-0
    0x0000_0001,
    0x8000_0001, // +-min subnormal
    0x007F_FFFF,
    0x807F_FFFF, // max subnormal
    0x0080_0000,
    0x8080_0000, // min normal
    0x0080_0001,
    0x0040_0000,
    0x0000_0003,
    0x3F80_0000,
    0xBF80_0000,
    0x3F80_0001,
    0x3F7F_FFFF,
    0x3FC0_0000,
    0x4000_0000,
    0x3400_0000,
    0x3380_0000,
    0x3300_0000, // 2^-23, 2^-24 (half ulp of 1), 2^-25
    0x4B80_0000,
    0x4B00_0001,
    0x3F00_0000,
    0x7F7F_FFFF,
    0xFF7F_FFFF,
    0x7F00_0000,
    0x0100_0000, // max, overflow/underflow fodder
    0x7F80_0000,
    0xFF80_0000, // +-Inf
    0x7FC0_0000,
    0xFFC0_0001,
    0x7F80_0001, // quiet, negative, signalling NaN
    0x4300_0000,
    0xC300_0000,
    0xC316_0000,
    0x42FF_FFFF,
    0xC2FC_0000, // exp2 range edges
    0x3DCC_CCCD,
    0xC0490FDB,
    0x4049_0FDB,
];

/// A random float32: raw bits, a value near 1 (ties and cancellation), or an extreme exponent.
fn random_f32(rng: &mut TestRng) -> u32 {
    match rng.gen_range(0..6) {
        0 => rng.gen(),
        1 => CORNERS[rng.gen_range(0..CORNERS.len())],
        2 => (rng.gen::<u32>() & 0x807F_FFFF) | ((rng.gen_range(120u32..135)) << 23),
        3 => (rng.gen::<u32>() & 0x807F_FFFF) | ((rng.gen_range(0u32..4)) << 23),
        4 => (rng.gen::<u32>() & 0x807F_FFFF) | ((rng.gen_range(250u32..255)) << 23),
        _ => (rng.gen::<u32>() & 0x8000_000F) | 0x3F80_0000 | (rng.gen::<u32>() & 0x0070_0000),
    }
}

/// One beat: opcode, L lanes of a, b, c, and the scalar.
struct Beat {
    op: Op,
    a: Vec<u32>,
    b: Vec<u32>,
    c: Vec<u32>,
    s: u32,
}

impl Beat {
    fn payload(&self, lanes: usize) -> Vec<u32> {
        let w = 32 * lanes as u32;
        let mut p = Vec::new();
        bits::insert(&mut p, 0, &[self.op.code() as u32], 4);
        bits::insert(&mut p, 4, &self.a, w);
        bits::insert(&mut p, 4 + w, &self.b, w);
        bits::insert(&mut p, 4 + 2 * w, &self.c, w);
        bits::insert(&mut p, 4 + 3 * w, &[self.s], 32);
        p
    }

    fn expect(&self) -> Vec<u32> {
        (0..self.a.len())
            .map(|i| apply(self.op, self.a[i], self.b[i], self.c[i], self.s))
            .collect()
    }
}

/// Directed beats (every corner against every corner for each op) and random beats.
fn beats(lanes: usize, ops: &[Op], random: usize, rng: &mut TestRng) -> Vec<Beat> {
    let mut out = Vec::new();
    for &op in ops {
        let pairs: Vec<(u32, u32)> = CORNERS
            .iter()
            .flat_map(|&x| CORNERS.iter().map(move |&y| (x, y)))
            .collect();
        for chunk in pairs.chunks(lanes) {
            let mut a: Vec<u32> = chunk.iter().map(|p| p.0).collect();
            let mut b: Vec<u32> = chunk.iter().map(|p| p.1).collect();
            a.resize(lanes, 0x3F80_0000);
            b.resize(lanes, 0x3F80_0000);
            let c = (0..lanes)
                .map(|_| CORNERS[rng.gen_range(0..CORNERS.len())])
                .collect();
            out.push(Beat {
                op,
                a,
                b,
                c,
                s: CORNERS[rng.gen_range(0..CORNERS.len())],
            });
        }
        for _ in 0..random {
            let a = (0..lanes).map(|_| random_f32(rng)).collect();
            let b = (0..lanes).map(|_| random_f32(rng)).collect();
            let c = (0..lanes).map(|_| random_f32(rng)).collect();
            out.push(Beat {
                op,
                a,
                b,
                c,
                s: random_f32(rng),
            });
        }
    }
    out
}

/// Streams `beats` through the DUT with gaps and back-pressure; checks every result in order.
fn check(
    sim: &mut Sim,
    rng: &mut TestRng,
    lanes: usize,
    beats: &[Beat],
    valid_p: f64,
    ready_p: f64,
) {
    let rst = sim.port("reset");
    sim.reset(rst, 2);
    let input = Stream::new(
        sim,
        "in_valid",
        "in_ready",
        &["in_op", "in_a", "in_b", "in_c", "in_s"],
    );
    let output = Stream::new(sim, "out_valid", "out_ready", &["out_z"]);
    let mut drv = StreamDriver::new(input, rng).valid_probability(valid_p);
    let mut sink = StreamSink::new(output, rng).ready_probability(ready_p);
    for b in beats {
        drv.push(b.payload(lanes));
    }
    let mut n = 0u64;
    while sink.received().len() < beats.len() {
        cycle(sim, &mut [&mut drv, &mut sink]);
        n += 1;
        assert!(
            n < 20 * beats.len() as u64 + 100,
            "timeout: {} of {} results",
            sink.received().len(),
            beats.len()
        );
    }
    for (i, (b, got)) in beats.iter().zip(sink.received()).enumerate() {
        let want = b.expect();
        let got = bits::truncate(got, 32 * lanes as u32);
        for l in 0..lanes {
            assert_eq!(
                got[l], want[l],
                "beat {i} lane {l}: {}({:#010x}, {:#010x}, c={:#010x}, s={:#010x}) = {:#010x}, model {:#010x}",
                b.op.name(), b.a[l], b.b[l], b.c[l], b.s, got[l], want[l]
            );
        }
    }
    let cnt_in = sim.port("cnt_in");
    let cnt_out = sim.port("cnt_out");
    assert_eq!(
        sim.get(cnt_in),
        beats.len() as u64,
        "cnt_in counts accepted beats"
    );
    assert_eq!(
        sim.get(cnt_out),
        beats.len() as u64,
        "cnt_out counts delivered beats"
    );
}

/// The 2-lane TVP exactly as `tessera generate` emits it (the `tiny` preset's width).
fn tvp2() -> SimBuilder {
    let v = tessera_hdl::tvp::top::emit_named("tvp", 2).expect("emitting the TVP");
    SimBuilder::new("tvp").source("tvp.v", v)
}

#[test]
fn tvp_arith_add_sub_mul_match_model() {
    run_test("tvp_arith_add_sub_mul_match_model", &tvp2(), |sim, rng| {
        let b = beats(2, &[Op::Add, Op::Sub, Op::Mul, Op::MulScalar], 3000, rng);
        check(sim, rng, 2, &b, 0.8, 0.7);
    });
}

#[test]
fn tvp_compare_select_minmax_match_model() {
    run_test(
        "tvp_compare_select_minmax_match_model",
        &tvp2(),
        |sim, rng| {
            let ops = [
                Op::Min,
                Op::Max,
                Op::Relu,
                Op::CmpLt,
                Op::CmpLe,
                Op::CmpEq,
                Op::Select,
            ];
            let b = beats(2, &ops, 500, rng);
            check(sim, rng, 2, &b, 0.6, 0.6);
        },
    );
}

#[test]
fn tvp_exp2_recip_rsqrt_match_model() {
    run_test("tvp_exp2_recip_rsqrt_match_model", &tvp2(), |sim, rng| {
        let mut b = beats(2, &[Op::Exp2, Op::Recip, Op::Rsqrt], 3000, rng);
        // exp2 over its whole finite range, densely.
        for _ in 0..2000 {
            let a = (0..2)
                .map(|_| (rng.gen_range(-170.0f32..140.0)).to_bits())
                .collect();
            b.push(Beat {
                op: Op::Exp2,
                a,
                b: vec![0; 2],
                c: vec![0; 2],
                s: 0,
            });
        }
        check(sim, rng, 2, &b, 0.9, 0.9);
    });
}

/// Latency and throughput as the header of `hdl/src/tvp/top.rs` promises: a result two cycles
/// after its beat, one beat per cycle without back-pressure, everything held under a stall.
/// Prints the cycle table used in docs/tvp.md's waveform walk-through.
#[test]
fn tvp_latency_throughput_and_waveform() {
    run_test(
        "tvp_latency_throughput_and_waveform",
        &tvp2(),
        |sim, _rng| {
            let names = [
                "reset",
                "in_valid",
                "in_ready",
                "in_op",
                "in_a",
                "in_b",
                "out_valid",
                "out_ready",
                "out_z",
            ];
            let ports: Vec<_> = names.iter().map(|n| sim.port(n)).collect();
            let (reset, in_valid, in_ready, in_op, in_a, in_b, out_valid, out_ready, out_z) = (
                ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6], ports[7],
                ports[8],
            );
            sim.reset(reset, 2);
            let f = |v: f32| v.to_bits() as u64;
            // (in_valid, op, a0, a1, b0, b1, out_ready)
            let script: Vec<(u64, Op, [f32; 2], [f32; 2], u64)> = vec![
                (1, Op::Add, [1.0, 2.0], [0.5, -2.0], 1),
                (1, Op::Mul, [3.0, -0.0], [0.5, 7.0], 1),
                (1, Op::Max, [-0.0, 1.5], [0.0, f32::NAN], 1),
                (0, Op::Add, [0.0, 0.0], [0.0, 0.0], 0),
                (1, Op::Recip, [4.0, 3.0], [0.0, 0.0], 0),
                (1, Op::Recip, [4.0, 3.0], [0.0, 0.0], 1),
                (0, Op::Add, [0.0, 0.0], [0.0, 0.0], 1),
                (0, Op::Add, [0.0, 0.0], [0.0, 0.0], 1),
                (0, Op::Add, [0.0, 0.0], [0.0, 0.0], 1),
            ];
            println!("| cycle | in_valid | in_ready | in_op | in_a (lane1, lane0) | in_b (lane1, lane0) | out_valid | out_ready | out_z (lane1, lane0) |");
            println!("|---|---|---|---|---|---|---|---|---|");
            let mut accepted = Vec::new();
            let mut delivered = Vec::new();
            for (t, (v, op, a, b, r)) in script.iter().enumerate() {
                sim.set(in_valid, *v);
                sim.set(in_op, op.code() as u64);
                sim.set(in_a, f(a[0]) | f(a[1]) << 32);
                sim.set(in_b, f(b[0]) | f(b[1]) << 32);
                sim.set(out_ready, *r);
                sim.eval();
                let (rdy, ov, z) = (sim.get(in_ready), sim.get(out_valid), sim.get(out_z));
                let show = |x: u64| format!("{:08x} {:08x}", x >> 32, x & 0xFFFF_FFFF);
                println!(
                    "| {t} | {v} | {rdy} | {} | {} | {} | {ov} | {r} | {} |",
                    if *v == 1 { op.name() } else { "-" },
                    show(sim.get(in_a)),
                    show(sim.get(in_b)),
                    if ov == 1 { show(z) } else { "-".into() }
                );
                if *v == 1 && rdy == 1 {
                    accepted.push(t);
                }
                if ov == 1 && *r == 1 {
                    delivered.push((t, z));
                }
                sim.step();
            }
            // Beats 0, 1, 2 flow back to back: results at cycles 2, 3, 4 ... but cycle 3 and 4 stall
            // (out_ready low), so the Recip beat offered at cycle 4 waits until cycle 5.
            assert_eq!(
                accepted,
                vec![0, 1, 2, 5],
                "in_ready drops only while the output stalls"
            );
            let times: Vec<usize> = delivered.iter().map(|d| d.0).collect();
            assert_eq!(
                times,
                vec![2, 5, 6, 7],
                "latency 2, results held through the stall"
            );
            let add = apply(Op::Add, f(1.0) as u32, f(0.5) as u32, 0, 0) as u64;
            assert_eq!(delivered[0].1 & 0xFFFF_FFFF, add);
            assert_eq!(sim.get(sim.port("cnt_in")), 4);
            assert_eq!(sim.get(sim.port("cnt_out")), 4);
            assert_eq!(
                sim.get(sim.port("cnt_stall")),
                2,
                "two cycles with a result waiting"
            );

            // Throughput: 200 beats with the output always ready take 200 + 2 cycles.
            sim.reset(reset, 1);
            sim.set(out_ready, 1);
            sim.set(in_valid, 1);
            sim.set(in_op, Op::Mul.code() as u64);
            let mut cycles = 0;
            let mut got = 0;
            while got < 200 {
                sim.set(in_valid, (cycles < 200) as u64);
                sim.eval();
                got += sim.get(out_valid);
                sim.step();
                cycles += 1;
            }
            assert_eq!(
                cycles, 202,
                "one L-wide operation per cycle plus 2 cycles of latency"
            );
            println!("throughput: 200 beats x 2 lanes in {cycles} cycles");
        },
    );
}
