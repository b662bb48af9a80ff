//! TVP under Verilator against the reference model (`tessera_model::tvp`), bit for bit:
//! every elementwise opcode on directed IEEE corner cases (subnormals, ties, NaN, +-Inf, -0,
//! overflow, underflow) and on random operands, through the valid/ready stream with random
//! gaps and back-pressure; then the counters.

use rand::Rng;
use tessera_model::tvp::reduce::Red;
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

/// One beat: opcode, end-of-reduction flag, L lanes of a, b, c, the scalar, and the lanes a
/// reduction must treat as padding (`in_pad`, bit i = lane i).
#[derive(Clone)]
struct Beat {
    code: u8,
    last: bool,
    a: Vec<u32>,
    b: Vec<u32>,
    c: Vec<u32>,
    s: u32,
    pad: u32,
}

impl Beat {
    fn elem(op: Op, a: Vec<u32>, b: Vec<u32>, c: Vec<u32>, s: u32) -> Beat {
        Beat {
            code: op.code(),
            last: false,
            a,
            b,
            c,
            s,
            pad: 0,
        }
    }

    fn payload(&self, lanes: usize) -> Vec<u32> {
        let w = 32 * lanes as u32;
        let mut p = Vec::new();
        bits::insert(&mut p, 0, &[self.code as u32], 5);
        bits::insert(&mut p, 5, &[self.last as u32], 1);
        bits::insert(&mut p, 6, &self.a, w);
        bits::insert(&mut p, 6 + w, &self.b, w);
        bits::insert(&mut p, 6 + 2 * w, &self.c, w);
        bits::insert(&mut p, 6 + 3 * w, &[self.s], 32);
        bits::insert(&mut p, 6 + 3 * w + 32, &[self.pad], lanes as u32);
        p
    }
}

/// The results the model expects for a stream of beats: one per elementwise beat, one per
/// reduction run (lane 0 = the scalar, other lanes 0), with the beats that produced it.
fn expected(beats: &[Beat], lanes: usize) -> Vec<(Vec<u32>, String)> {
    let mut out = Vec::new();
    let mut run: Vec<u32> = Vec::new();
    let mut first = 0;
    for (i, b) in beats.iter().enumerate() {
        if let Some(op) = Op::ALL.iter().copied().find(|o| o.code() == b.code) {
            let z = (0..lanes)
                .map(|l| apply(op, b.a[l], b.b[l], b.c[l], b.s))
                .collect();
            let what = format!(
                "beat {i} {}: a={:08x?} b={:08x?} c={:08x?} s={:#010x}",
                op.name(),
                b.a,
                b.b,
                b.c,
                b.s
            );
            out.push((z, what));
        } else {
            let red = Red::ALL
                .iter()
                .copied()
                .find(|r| r.code() == b.code)
                .unwrap();
            if run.is_empty() {
                first = i;
            }
            // Padded lanes are not part of the vector.
            run.extend((0..lanes).filter(|l| b.pad >> l & 1 == 0).map(|l| b.a[l]));
            if b.last {
                let mut z = vec![0u32; lanes];
                z[0] = red.run(&run, lanes, b.s);
                let what = format!(
                    "beats {first}..={i} {} (s={:#x}) of {:08x?}",
                    red.name(),
                    b.s,
                    run
                );
                out.push((z, what));
                run.clear();
            }
        }
    }
    out
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
            let s = CORNERS[rng.gen_range(0..CORNERS.len())];
            out.push(Beat::elem(op, a, b, c, s));
        }
        for _ in 0..random {
            let a = (0..lanes).map(|_| random_f32(rng)).collect();
            let b = (0..lanes).map(|_| random_f32(rng)).collect();
            let c = (0..lanes).map(|_| random_f32(rng)).collect();
            out.push(Beat::elem(op, a, b, c, random_f32(rng)));
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
        &["in_op", "in_last", "in_a", "in_b", "in_c", "in_s", "in_pad"],
    );
    let output = Stream::new(sim, "out_valid", "out_ready", &["out_z"]);
    let mut drv = StreamDriver::new(input, rng).valid_probability(valid_p);
    let mut sink = StreamSink::new(output, rng).ready_probability(ready_p);
    for b in beats {
        drv.push(b.payload(lanes));
    }
    let want = expected(beats, lanes);
    let mut n = 0u64;
    while sink.received().len() < want.len() {
        cycle(sim, &mut [&mut drv, &mut sink]);
        n += 1;
        assert!(
            n < 20 * beats.len() as u64 + 100,
            "timeout: {} of {} results",
            sink.received().len(),
            want.len()
        );
    }
    for _ in 0..10 {
        cycle(sim, &mut [&mut drv, &mut sink]);
    }
    assert_eq!(sink.received().len(), want.len(), "extra results");
    for (i, ((want, what), got)) in want.iter().zip(sink.received()).enumerate() {
        let got = bits::truncate(got, 32 * lanes as u32);
        for l in 0..lanes {
            assert_eq!(
                got[l], want[l],
                "L={lanes}, result {i} lane {l}: {what}: rtl {:#010x}, model {:#010x}",
                got[l], want[l]
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
        want.len() as u64,
        "cnt_out counts delivered result beats"
    );
}

/// The L-lane TVP exactly as `tessera generate` emits it (tiny: 2, small: 4, base: 8, large: 16).
fn tvp(lanes: u32) -> SimBuilder {
    let v = tessera_hdl::tvp::top::emit_named("tvp", lanes).expect("emitting the TVP");
    SimBuilder::new("tvp").source("tvp.v", v)
}

/// The 2-lane TVP (the `tiny` preset's width).
fn tvp2() -> SimBuilder {
    tvp(2)
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
            b.push(Beat::elem(Op::Exp2, a, vec![0; 2], vec![0; 2], 0));
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

            // A sum reduction over three beats, then the MX scale of one beat: one result each,
            // two cycles after its last beat; the beats before produce nothing.
            sim.reset(reset, 1);
            let in_last = sim.port("in_last");
            let (in_s, cnt_out) = (sim.port("in_s"), sim.port("cnt_out"));
            let script: Vec<(u64, u8, [f32; 2], u64, u64)> = vec![
                (1, Red::Sum.code(), [1.0, 2.0], 0, 0),
                (1, Red::Sum.code(), [3.0, 4.0], 0, 0),
                (1, Red::Sum.code(), [0.5, -0.0], 1, 0),
                (1, Red::Scale.code(), [448.0, -3.0], 1, 0),
                (0, 0, [0.0, 0.0], 0, 0),
                (0, 0, [0.0, 0.0], 0, 0),
                (0, 0, [0.0, 0.0], 0, 0),
            ];
            println!("| cycle | in_valid | in_op | in_last | in_a (lane1, lane0) | out_valid | out_z lane 0 |");
            println!("|---|---|---|---|---|---|---|");
            let mut results = Vec::new();
            for (t, (v, code, a, last, s)) in script.iter().enumerate() {
                sim.set(in_valid, *v);
                sim.set(in_op, *code as u64);
                sim.set(in_last, *last);
                sim.set(in_s, *s);
                sim.set(in_a, f(a[0]) | f(a[1]) << 32);
                sim.set(out_ready, 1);
                sim.eval();
                let (ov, z) = (sim.get(out_valid), sim.get(out_z) & 0xFFFF_FFFF);
                let name = Red::ALL
                    .iter()
                    .find(|r| r.code() == *code)
                    .map_or("-", |r| r.name());
                println!(
                    "| {t} | {v} | {} | {last} | {:08x} {:08x} | {ov} | {} |",
                    if *v == 1 { name } else { "-" },
                    f(a[1]),
                    f(a[0]),
                    if ov == 1 {
                        format!("{z:08x}")
                    } else {
                        "-".into()
                    }
                );
                if ov == 1 {
                    results.push((t, z as u32));
                }
                sim.step();
            }
            let sum = Red::Sum.run(
                &[1.0f32, 2.0, 3.0, 4.0, 0.5, -0.0].map(|v| v.to_bits()),
                2,
                0,
            );
            let word = Red::Scale.run(&[448.0f32, -3.0].map(|v| v.to_bits()), 2, 0);
            assert_eq!(
                results,
                vec![(4, sum), (5, word)],
                "one result per reduction, 2 cycles after its last beat"
            );
            assert_eq!(sim.get(cnt_out), 2);
        },
    );
}

/// A float32 with a bfloat16 rounding corner in its low half (ties to even and odd, just
/// above and below a half, near the float32 maximum), or any other value.
fn bf16_corner(rng: &mut TestRng) -> u32 {
    let low = [0x8000u32, 0x7FFF, 0x8001, 0x0000, 0xFFFF, 0x0001][rng.gen_range(0..6)];
    match rng.gen_range(0..4) {
        0 => (rng.gen::<u32>() & 0xFFFF_0000) | low,
        1 => (0x7F7F_0000 | (rng.gen::<u32>() & 0x8000_0000)) | low,
        2 => (rng.gen::<u32>() & 0x807F_0000) | low, // subnormals
        _ => random_f32(rng),
    }
}

/// The block word `mxenc` takes, with a scale near the one the value's block would get (so the
/// codes are not all saturated or zero), or an arbitrary one.
fn mx_word(a: u32, rng: &mut TestRng) -> u32 {
    let fmt = rng.gen_range(0u32..8);
    let ef = ((a >> 23) & 0xFF) as i32;
    let scale = if rng.gen_bool(0.7) {
        (ef - 8 + rng.gen_range(-4..6)).clamp(0, 255) as u32
    } else {
        [0u32, 1, 126, 127, 254, 255, rng.gen_range(0..256)][rng.gen_range(0..7)]
    };
    let zero = rng.gen_bool(0.05) as u32;
    (rng.gen::<u32>() & 0xFFFE_00F8) | fmt | scale << 8 | zero << 16
}

/// Conversion beats: tobf16, frombf16, mxdec, mxenc on corners and random values.
fn conversion_beats(lanes: usize, n: usize, rng: &mut TestRng) -> Vec<Beat> {
    let mut out = Vec::new();
    for _ in 0..n {
        let z = vec![0u32; lanes];
        let a: Vec<u32> = (0..lanes).map(|_| bf16_corner(rng)).collect();
        out.push(Beat::elem(Op::ToBf16, a, z.clone(), z.clone(), 0));
        let a: Vec<u32> = (0..lanes).map(|_| rng.gen()).collect();
        out.push(Beat::elem(Op::FromBf16, a, z.clone(), z.clone(), 0));
        // mxdec: any code (upper bits garbage), scales including 0, 254 and NaN (0xFF).
        let a: Vec<u32> = (0..lanes).map(|_| rng.gen()).collect();
        let b: Vec<u32> = (0..lanes)
            .map(|_| match rng.gen_range(0..4) {
                0 => [0u32, 1, 126, 127, 128, 253, 254, 255][rng.gen_range(0..8)],
                _ => rng.gen(),
            })
            .collect();
        out.push(Beat::elem(Op::MxDecode, a, b, z.clone(), rng.gen()));
        // mxenc: one scalar word per beat, values near it.
        let a0 = random_f32(rng);
        let s = mx_word(a0, rng);
        let a: Vec<u32> = (0..lanes)
            .map(|_| {
                if rng.gen_bool(0.5) {
                    let e = (((a0 >> 23) & 0xFF) as i32 - rng.gen_range(0..12)).max(0) as u32;
                    (rng.gen::<u32>() & 0x807F_FFFF) | e << 23
                } else {
                    random_f32(rng)
                }
            })
            .collect();
        out.push(Beat::elem(Op::MxEncode, a, z.clone(), z, s));
    }
    out
}

/// The shared quantizer vectors (model/tests/vectors/quantize.jsonl, an independent
/// implementation of ARCHITECTURE.md 2.2): (format index | rceil << 3, block values).
fn shared_blocks() -> Vec<(u32, Vec<u32>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../model/tests/vectors/quantize.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let hex = |v: &serde_json::Value| u32::from_str_radix(v.as_str().unwrap(), 16).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let fmt =
                tessera_model::config::ElemFormat::parse(v["format"].as_str().unwrap()).unwrap();
            let rceil = (v["scale_rule"].as_str().unwrap() == "rceil") as u32;
            let x = v["x"].as_array().unwrap().iter().map(hex).collect();
            (
                tessera_model::tvp::convert::format_index(fmt) | rceil << 3,
                x,
            )
        })
        .collect()
}

/// Split `x` into beats of `lanes` for reduction `red`. A short last beat is padded by the
/// sender with the identity, or (`mask`) its missing lanes are flagged in `in_pad` and filled
/// with NaNs and Infs, which the TVP must ignore.
fn red_beats(red: Red, x: &[u32], lanes: usize, s: u32, mask: bool) -> Vec<Beat> {
    const JUNK: [u32; 4] = [0x7FC0_0000, 0xFF80_0000, 0x7F80_0000, 0x7F7F_FFFF];
    let pad = if mask { JUNK[x.len() % 4] } else { red.pad() };
    let chunks: Vec<Vec<u32>> = tessera_model::tvp::reduce::beats(x, lanes, pad);
    let n = chunks.len();
    let filled = x.len() - (n.max(1) - 1) * lanes;
    chunks
        .into_iter()
        .enumerate()
        .map(|(j, a)| Beat {
            code: red.code(),
            last: j + 1 == n,
            b: vec![0; lanes],
            c: vec![0; lanes],
            a,
            s,
            pad: if mask && j + 1 == n {
                ((1u64 << lanes) - (1u64 << filled)) as u32
            } else {
                0
            },
        })
        .collect()
}

/// Reduction runs (sum, rmax, scale) of random lengths with elementwise beats interleaved;
/// every `scale` block is followed by its `mxenc` pass (the two-pass quantizer).
fn reduction_beats(lanes: usize, runs: usize, rng: &mut TestRng) -> Vec<Beat> {
    let blocks = shared_blocks();
    let mut out = Vec::new();
    for _ in 0..runs {
        let red = Red::ALL[rng.gen_range(0..3)];
        let (s, x) = match red {
            Red::Scale => {
                if rng.gen_bool(0.5) {
                    blocks[rng.gen_range(0..blocks.len())].clone()
                } else {
                    let k = [8usize, 16, 32][rng.gen_range(0..3)].max(lanes);
                    let shift = rng.gen_range(0..40u32);
                    let x = (0..k)
                        .map(|_| match rng.gen_range(0..8) {
                            0 => random_f32(rng),
                            1 => 0x8000_0000 * rng.gen_range(0..2u32),
                            _ => (rng.gen::<u32>() & 0x87FF_FFFF)
                                .wrapping_add((rng.gen_range(0..8u32) + shift) << 23),
                        })
                        .collect();
                    (rng.gen_range(0u32..16), x)
                }
            }
            _ => {
                let n = rng.gen_range(1..=4 * lanes + 3);
                let x = (0..n)
                    .map(|_| {
                        if rng.gen_bool(0.8) {
                            rng.gen_range(-1000.0f32..1000.0).to_bits()
                        } else {
                            random_f32(rng)
                        }
                    })
                    .collect();
                (rng.gen(), x)
            }
        };
        for b in red_beats(red, &x, lanes, s, rng.gen_bool(0.5)) {
            out.push(b);
            if rng.gen_bool(0.2) {
                let a = (0..lanes).map(|_| random_f32(rng)).collect();
                let bb = (0..lanes).map(|_| random_f32(rng)).collect();
                out.push(Beat::elem(Op::Add, a, bb, vec![0; lanes], 0));
            }
        }
        if red == Red::Scale {
            let word = red.run(&x, lanes, s);
            for a in tessera_model::tvp::reduce::beats(&x, lanes, 0) {
                out.push(Beat::elem(
                    Op::MxEncode,
                    a,
                    vec![0; lanes],
                    vec![0; lanes],
                    word,
                ));
            }
        }
    }
    out
}

/// Reductions and conversions on the presets' lane counts (tiny 2, small 4, base 8), with
/// random gaps and back-pressure.
#[test]
fn tvp_reductions_and_conversions_match_model() {
    for lanes in [2usize, 4, 8] {
        let name = format!("tvp_reductions_and_conversions_match_model_l{lanes}");
        run_test(&name, &tvp(lanes as u32), |sim, rng| {
            let mut b = reduction_beats(lanes, 300, rng);
            b.extend(conversion_beats(lanes, 600, rng));
            // Directed: sums that cancel (the order shows), -0 + -0, Inf - Inf, NaN; all-zero block.
            let dir: [&[f32]; 5] = [
                &[1.0, 1e8, -1e8, 1.0, 3.0, -3.0, 0.5, 0.25, 1e-45, -1e-45],
                &[-0.0, -0.0, -0.0],
                &[f32::INFINITY, 1.0, f32::NEG_INFINITY],
                &[2.0, f32::NAN, -1.0],
                &[f32::MAX, f32::MAX, -f32::MAX],
            ];
            for x in dir {
                let x: Vec<u32> = x.iter().map(|v| v.to_bits()).collect();
                for red in Red::ALL {
                    b.extend(red_beats(red, &x, lanes, 0, false));
                    b.extend(red_beats(red, &x, lanes, 0, true));
                }
            }
            check(sim, rng, lanes, &b, 0.7, 0.6);
        });
    }
}

/// The large preset's 16 lanes: every elementwise op on random operands, reductions and
/// conversions.
#[test]
fn tvp_sixteen_lanes_match_model() {
    run_test("tvp_sixteen_lanes_match_model", &tvp(16), |sim, rng| {
        let mut b = beats(16, &[], 0, rng);
        for op in Op::ALL {
            b.extend(beats(16, &[op], 20, rng).into_iter().rev().take(20));
        }
        b.extend(reduction_beats(16, 60, rng));
        b.extend(conversion_beats(16, 40, rng));
        check(sim, rng, 16, &b, 0.8, 0.8);
    });
}
