//! The DMA engine's Verilog under Verilator against `tessera_model::dma`: random descriptor sequences (sizes,
//! strides, alignments, 2D and 3D, both directions) with random back-pressure end with both memories equal
//! to the reference model's; every rejection and every AXI/SRAM error is reported with its code and faulting
//! address and leaves memory outside the range untouched; the HBM model's AXI4 checker stays silent
//! throughout (it panics on a violation). Also: lint/yosys clean for every preset.
//!
//! Seeds are printed; `TESSERA_SEED=<n>` reproduces a run, and a failing run is re-run with a VCD.
use rand::{Rng, SeedableRng};
use tessera_model::config::Config;
use tessera_model::dma::{
    apply, check_word, source_reads, Completion, Descriptor, DmaGeometry, Status,
};
use tessera_testbench::axi::{ErrorRange, Hbm, HbmConfig, SramConfig, SramPort, DECERR, SLVERR};
use tessera_testbench::{
    cycle, run_test, Agent, Sim, SimBuilder, Stream, StreamDriver, StreamSink, TestRng,
};

/// Test configuration: a preset with a small SRAM so that tests are quick (depth shrinks the range only).
fn cfg(preset: &str) -> Config {
    let mut c = Config::preset(preset).unwrap();
    c.csram.depth = c.csram.depth.min(1024);
    c
}

fn builder(c: &Config) -> SimBuilder {
    let v = tessera_hdl::dma::verilog(c, "dma")
        .unwrap_or_else(|e| panic!("emitting the DMA failed: {e:#}"));
    SimBuilder::new("dma").source("dma.v", v)
}

const HBM_BYTES: usize = 1 << 18;

struct Env {
    hbm: Hbm,
    sram: SramPort,
    desc: StreamDriver,
    status: StreamSink,
    g: DmaGeometry,
}

impl Env {
    fn new(
        sim: &mut Sim,
        rng: &mut TestRng,
        c: &Config,
        hbm: HbmConfig,
        sram_ready: f64,
        status_ready: f64,
    ) -> Env {
        let g = DmaGeometry::of(c);
        let mut hbm = Hbm::new(sim, "axi_", hbm, TestRng::seed_from_u64(rng.gen()));
        rng.fill(&mut hbm.mem[..]);
        let words = (g.sram_bytes / g.word_bytes as u64) as usize;
        let mut sram = SramPort::new(
            sim,
            "sram_",
            SramConfig {
                latency: 2,
                p_ready: sram_ready,
                words,
                errors: vec![],
            },
            TestRng::seed_from_u64(rng.gen()),
        );
        rng.fill(&mut sram.mem[..]);
        let desc = StreamDriver::new(Stream::prefixed(sim, "desc"), rng).valid_probability(0.7);
        let status =
            StreamSink::new(Stream::prefixed(sim, "status"), rng).ready_probability(status_ready);
        let clock = sim.port("clock");
        sim.set_clock(clock);
        sim.set(sim.port("desc_valid"), 0);
        let reset = sim.port("reset");
        sim.reset(reset, 2);
        Env {
            hbm,
            sram,
            desc,
            status,
            g,
        }
    }

    fn step(&mut self, sim: &mut Sim) {
        let agents: &mut [&mut dyn Agent] = &mut [
            &mut self.hbm,
            &mut self.sram,
            &mut self.desc,
            &mut self.status,
        ];
        cycle(sim, agents);
    }

    /// Runs until `n` statuses arrived and the engine and memories are quiet; returns the completions.
    fn run(&mut self, sim: &mut Sim, n: usize, max_cycles: u64) -> Vec<Completion> {
        let idle = sim.port("idle");
        let start = sim.cycle();
        loop {
            self.step(sim);
            let done = self.status.received().len() >= n && self.desc.idle();
            if done && sim.get(idle) == 1 && self.hbm.quiet() && self.sram.quiet() {
                break;
            }
            assert!(
                sim.cycle() - start < max_cycles,
                "timeout after {max_cycles} cycles: {} of {n} statuses",
                self.status.received().len()
            );
        }
        self.status
            .take()
            .iter()
            .map(|w| {
                let v = w[0] as u64 | (w[1] as u64) << 32;
                Completion::unpack(v)
                    .unwrap_or_else(|| panic!("status word {v:#x} has an unknown code"))
            })
            .collect()
    }
}

/// The kinds of descriptor the random test mixes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Load,
    Store,
    Copy,
}

/// A random legal descriptor inside the test memories: a load, a store or an SRAM -> SRAM copy; with
/// `multicast`, a load or a copy to 2..=4 windows; `kind` forces the kind.
fn random_desc(
    rng: &mut TestRng,
    g: &DmaGeometry,
    id: u8,
    max_bytes: u64,
    multicast: bool,
    kind: Option<Kind>,
) -> Descriptor {
    let bb = g.beat_bytes;
    loop {
        let beats = rng.gen_range(1..=(max_bytes as u32 / bb).max(1));
        let row_bytes = if rng.gen_bool(0.3) {
            bb * rng.gen_range(1..=4)
        } else {
            bb * beats
        };
        let rows = if rng.gen_bool(0.5) {
            1
        } else {
            rng.gen_range(1..=4)
        };
        let planes = if rng.gen_bool(0.8) {
            1
        } else {
            rng.gen_range(1..=3)
        };
        let kind = match rng.gen_range(multicast as u32..3) {
            _ if kind.is_some() => kind.unwrap(),
            0 => Kind::Store,
            1 => Kind::Load,
            _ => Kind::Copy,
        };
        let store = kind == Kind::Store;
        let stride = |rng: &mut TestRng| row_bytes + bb * rng.gen_range(0..4);
        let (src_stride, dst_stride) = (stride(rng), stride(rng));
        let src_plane_stride = src_stride * rows as u32 + bb * rng.gen_range(0..4);
        let dst_plane_stride = dst_stride * rows as u32 + bb * rng.gen_range(0..4);
        let axi_span = HBM_BYTES as u32 / 2;
        let sram_span = g.sram_bytes as u32 / 2;
        let (src_span, dst_span) = match kind {
            Kind::Store => (sram_span, axi_span),
            Kind::Load => (axi_span, sram_span),
            Kind::Copy => (2 * sram_span, 2 * sram_span),
        };
        // Bias AXI addresses towards 4 KiB boundaries so bursts get split.
        let pick = |rng: &mut TestRng, span: u32| {
            if rng.gen_bool(0.3) {
                (rng.gen_range(1..=(span / 4096).max(1)) * 4096 - bb * rng.gen_range(1..8))
                    & !(bb - 1)
            } else {
                rng.gen_range(0..span / bb) * bb
            }
        };
        let d = Descriptor {
            src: pick(rng, src_span),
            dst: pick(rng, dst_span),
            src_stride,
            dst_stride,
            src_plane_stride,
            dst_plane_stride,
            row_bytes: row_bytes as u16,
            rows,
            planes,
            id,
            store,
            copy: kind == Kind::Copy,
            mc_extra: 0,
            mc_stride: 0,
        };
        // Multicast: windows just apart (sometimes with a gap), the union checked by the model's rules.
        let d = if multicast {
            let window = d.rows_in_order().last().map(|r| r.1 + r.2).unwrap() - d.dst as u64;
            let stride = window as u32 + bb * rng.gen_range(0..3);
            d.multicast(rng.gen_range(2..=4), stride)
        } else {
            d
        };
        let gg = DmaGeometry {
            axi_bytes: HBM_BYTES as u64,
            ..*g
        };
        if d.check(&gg) == Status::Ok && d.bytes() <= 4 * max_bytes {
            return d;
        }
    }
}

/// Panics with the first differing byte (and the count) when `got != want`.
fn same(got: &[u8], want: &[u8], what: &str, descs: &[Descriptor]) {
    let diff: Vec<usize> = (0..want.len()).filter(|&i| got[i] != want[i]).collect();
    if let Some(&i) = diff.first() {
        panic!(
            "{what} differs from the reference model at {} bytes, first at {i:#x} (got {:#x}, want {:#x}); descriptors: {descs:#x?}",
            diff.len(),
            got[i],
            want[i]
        );
    }
}

/// Random descriptors, both directions, with back-pressure everywhere: memories equal the model's, statuses
/// all Ok with their ids, the AXI4 checker silent.
fn random_copies(preset: &str, n: usize, max_bytes: u64) {
    let c = cfg(preset);
    run_test(&format!("dma_random_{preset}"), &builder(&c), |sim, rng| {
        let hbm_cfg = HbmConfig {
            latency: rng.gen_range(5..40),
            bandwidth: 1.0,
            outstanding: 8,
            p_ready: 0.8,
            p_valid: 0.8,
            size: HBM_BYTES,
            errors: vec![],
        };
        let mut env = Env::new(sim, rng, &c, hbm_cfg, 0.8, 0.7);
        let (mut axi, mut sram) = (env.hbm.mem.clone(), env.sram.mem.clone());
        let mut ids = Vec::new();
        let mut descs = Vec::new();
        for i in 0..n {
            // Every kind in every run: i % 4 == 1 a multicast load (i % 8 == 1) or copy (i % 8 == 5), 2 a
            // copy (sometimes multicast), 3 a store, 0 any kind.
            let mc = i % 4 == 1 || (i % 4 == 2 && rng.gen_bool(0.3));
            let kind = match i % 8 {
                1 => Some(Kind::Load),
                5 | 2 | 6 => Some(Kind::Copy),
                3 | 7 => Some(Kind::Store),
                _ => None,
            };
            let d = random_desc(rng, &env.g, i as u8, max_bytes, mc, kind);
            descs.push(d);
            assert_eq!(apply(&d, &env.g, &mut axi, &mut sram), Status::Ok);
            env.desc.push(d.pack().to_vec());
            ids.push(i as u8);
        }
        let kinds = |k: Kind| {
            descs
                .iter()
                .filter(|d| match k {
                    Kind::Copy => d.copy,
                    Kind::Store => d.store,
                    Kind::Load => !d.store && !d.copy,
                })
                .count()
        };
        println!(
            "{n} descriptors: {} loads, {} stores, {} copies, {} multicast",
            kinds(Kind::Load),
            kinds(Kind::Store),
            kinds(Kind::Copy),
            descs.iter().filter(|d| d.mc_extra != 0).count()
        );
        let done = env.run(sim, n, 400_000);
        let mut got: Vec<u8> = done.iter().map(|c| c.id).collect();
        got.sort();
        assert_eq!(got, ids, "one status per descriptor");
        for c in &done {
            assert_eq!(c.status, Status::Ok, "descriptor {} status {:?}", c.id, c);
        }
        same(&env.sram.mem, &sram, "SRAM", &descs);
        same(&env.hbm.mem, &axi, "AXI memory", &descs);
        assert!(
            env.hbm.ar_count > 0 && env.hbm.aw_count > 0,
            "both directions exercised"
        );
        assert!(
            kinds(Kind::Copy) > 0 && descs.iter().any(|d| d.mc_extra != 0),
            "copies and multicast exercised"
        );
        // Every source byte is read once, however many windows it goes to.
        let want_reads: u64 = descs.iter().map(|d| source_reads(d, &env.g).0).sum();
        assert_eq!(
            env.hbm.r_beats, want_reads,
            "AXI R beats = source beats of the loads"
        );
    });
}

#[test]
fn random_copies_small() {
    random_copies("small", 24, 512);
}

#[test]
fn random_copies_tiny() {
    random_copies("tiny", 16, 256);
}

#[test]
fn random_copies_large() {
    random_copies("large", 16, 1024);
}

/// Rejections: zero length, misaligned, out of range: each reported with its id and code, nothing moved.
#[test]
fn rejected_descriptors() {
    let c = cfg("small");
    run_test("dma_rejects", &builder(&c), |sim, rng| {
        let mut env = Env::new(sim, rng, &c, HbmConfig::ideal(10, HBM_BYTES), 1.0, 1.0);
        let (axi, sram) = (env.hbm.mem.clone(), env.sram.mem.clone());
        let g = env.g;
        let ok = Descriptor::copy_2d(false, 0x1000, 0x100, 64, 2, 0);
        let cases = [
            (
                Descriptor {
                    rows: 0,
                    id: 1,
                    ..ok
                },
                Status::ZeroLength,
            ),
            (
                Descriptor {
                    row_bytes: 0,
                    id: 2,
                    ..ok
                },
                Status::ZeroLength,
            ),
            (
                Descriptor {
                    planes: 0,
                    id: 3,
                    ..ok
                },
                Status::ZeroLength,
            ),
            (
                Descriptor {
                    src: 0x1004,
                    id: 4,
                    ..ok
                },
                Status::Misaligned,
            ),
            (
                Descriptor {
                    dst_stride: 68,
                    id: 5,
                    ..ok
                },
                Status::Misaligned,
            ),
            (
                Descriptor {
                    dst: g.sram_bytes as u32 - 64,
                    id: 6,
                    ..ok
                },
                Status::OutOfRange,
            ),
            (
                Descriptor {
                    dst_stride: g.sram_bytes as u32,
                    id: 7,
                    ..ok
                },
                Status::OutOfRange,
            ),
            (
                Descriptor {
                    store: true,
                    src: 0,
                    dst: u32::MAX - 63,
                    id: 8,
                    ..ok
                },
                Status::OutOfRange,
            ),
            (
                Descriptor {
                    planes: 2,
                    dst_plane_stride: 0x8000_0000,
                    id: 9,
                    ..ok
                },
                Status::OutOfRange,
            ),
        ];
        for (d, s) in &cases {
            assert_eq!(d.check(&g), *s, "model disagrees on {d:?}");
            env.desc.push(d.pack().to_vec());
        }
        // Reserved bits 255:254 each alone, store + copy, and a multicast store: each rejects an otherwise
        // good descriptor (ids 10..=13).
        let mut reserved = Vec::new();
        for bit in [30, 31] {
            let mut w = ok.pack();
            w[7] |= 1 << bit;
            reserved.push(w);
        }
        let mut w = Descriptor { store: true, ..ok }.pack();
        w[7] |= 1 << 25;
        reserved.push(w);
        reserved.push(
            Descriptor {
                store: true,
                src: 0,
                dst: 0x1000,
                ..ok
            }
            .multicast(2, 0x1000)
            .pack(),
        );
        for (k, w) in reserved.iter_mut().enumerate() {
            w[7] = (w[7] & !(0xff << 16)) | (10 + k as u32) << 16;
            assert_eq!(check_word(w, &g), Status::Reserved);
            env.desc.push(w.to_vec());
        }
        // Rule 4 and multicast ranges (ids 30..): a copy whose source meets its destination, a copy whose
        // source meets its third window, windows closer than one window's extent, a last window past the
        // SRAM's end, and a misaligned window stride.
        let copy = Descriptor::sram_copy_2d(0x100, 0x200, 0x100, 1, 30);
        let mc = Descriptor {
            dst_stride: 0x80,
            ..Descriptor::copy_2d(false, 0x1000, 0x400, 64, 2, 32)
        };
        let more = [
            (Descriptor { dst: 0x180, ..copy }, Status::Overlap),
            (
                Descriptor {
                    src: 0x400,
                    id: 31,
                    ..copy.multicast(3, 0x100)
                },
                Status::Overlap,
            ),
            (mc.multicast(4, 0xb8), Status::Overlap),
            (
                Descriptor { id: 33, ..mc }.multicast(4, (g.sram_bytes as u32 - 0x400) / 3 & !7),
                Status::OutOfRange,
            ),
            (
                Descriptor { id: 34, ..mc }.multicast(4, 0x104),
                Status::Misaligned,
            ),
        ];
        for (d, s) in &more {
            assert_eq!(d.check(&g), *s, "model disagrees on {d:?}");
            env.desc.push(d.pack().to_vec());
        }
        // A good descriptor last: the engine still works after the rejections.
        let good = Descriptor { id: 20, ..ok };
        env.desc.push(good.pack().to_vec());
        let (mut axi_want, mut sram_want) = (axi.clone(), sram.clone());
        assert_eq!(apply(&good, &g, &mut axi_want, &mut sram_want), Status::Ok);
        let done = env.run(sim, cases.len() + reserved.len() + more.len() + 1, 10_000);
        for k in 0..reserved.len() as u8 {
            let c = done
                .iter()
                .find(|c| c.id == 10 + k)
                .expect("status of a reserved-bit descriptor");
            assert_eq!(c.status, Status::Reserved, "reserved case {k}");
        }
        for (d, s) in &more {
            let c = done
                .iter()
                .find(|c| c.id == d.id)
                .unwrap_or_else(|| panic!("no status for id {}", d.id));
            assert_eq!(c.status, *s, "descriptor {d:?}");
        }
        assert_eq!(
            done.iter().find(|c| c.id == 20).map(|c| c.status),
            Some(Status::Ok)
        );
        for (d, s) in &cases {
            let c = done
                .iter()
                .find(|c| c.id == d.id)
                .unwrap_or_else(|| panic!("no status for id {}", d.id));
            assert_eq!(c.status, *s, "descriptor {d:?}");
        }
        same(
            &env.hbm.mem,
            &axi_want,
            "AXI memory after rejections",
            &[good],
        );
        same(
            &env.sram.mem,
            &sram_want,
            "SRAM after rejections (only the good load may write)",
            &[good],
        );
        assert_eq!(
            (env.hbm.ar_count, env.hbm.aw_count),
            (2, 0),
            "only the good 2 x 64 B load (one burst per row) may issue bursts"
        );
        assert_eq!(env.sram.reads, 0, "a rejected copy read SRAM");
    });
}

/// AXI SLVERR/DECERR on reads and writes, and SRAM errors: reported with the faulting address, the
/// descriptor aborts (nothing of it written after the fault, nothing outside its range), later descriptors
/// run normally.
#[test]
fn memory_errors_abort_and_report() {
    let c = cfg("small");
    run_test("dma_errors", &builder(&c), |sim, rng| {
        let bad_rd = ErrorRange {
            lo: 0x2100,
            hi: 0x2108,
            resp: SLVERR,
            on_read: true,
            on_write: false,
        };
        let bad_wr = ErrorRange {
            lo: 0x5200,
            hi: 0x5208,
            resp: DECERR,
            on_read: false,
            on_write: true,
        };
        let mut hcfg = HbmConfig::ideal(20, HBM_BYTES);
        hcfg.errors = vec![bad_rd, bad_wr];
        let mut env = Env::new(sim, rng, &c, hcfg, 0.9, 1.0);
        let g = env.g;
        let wb = g.word_bytes as u64;
        // SRAM error words at byte 0x3000 .. 0x3008.
        env.sram.cfg.errors = vec![(0x3000 / wb, 0x3008u64.div_ceil(wb))];
        let (axi0, sram0) = (env.hbm.mem.clone(), env.sram.mem.clone());
        // 1: load crossing the SLVERR beat (4 rows of 256 B from 0x2000): rows before the fault land.
        let d1 = Descriptor {
            src_stride: 0x100,
            ..Descriptor::copy_2d(false, 0x2000, 0x0, 0x100, 4, 1)
        };
        // 2: a clean load afterwards.
        let d2 = Descriptor::copy_2d(false, 0x8000, 0x800, 128, 2, 2);
        // 3: store of 16 rows of 64 B, one row (one burst) every 0x100 from 0x5000; the beat at 0x5200 (row 2)
        // answers DECERR. B carries no beat address, so the fault reported is the failing burst's, 0x5200.
        let d3 = Descriptor {
            dst_stride: 0x100,
            ..Descriptor::copy_2d(true, 0x1000, 0x5000, 64, 16, 3)
        };
        // 4: store reading an SRAM error word.
        let d4 = Descriptor::copy_2d(true, 0x3000, 0x9000, 64, 1, 4);
        // 5: load writing into SRAM error words.
        let d5 = Descriptor::copy_2d(false, 0xa000, 0x2ff0, 64, 1, 5);
        for d in [d1, d2, d3, d4, d5] {
            env.desc.push(d.pack().to_vec());
        }
        let done = env.run(sim, 5, 50_000);
        let st = |id: u8| {
            *done
                .iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("no status for {id}"))
        };
        assert_eq!(st(1).status, Status::AxiSlvErr);
        assert_eq!(st(1).fault, 0x2100);
        assert_eq!(st(2).status, Status::Ok);
        assert_eq!(st(3).status, Status::AxiDecErr);
        assert_eq!(
            st(3).fault,
            0x5200,
            "fault address of the failing write burst"
        );
        assert_eq!(st(4).status, Status::SramError);
        assert_eq!(st(4).fault, 0x3000);
        assert_eq!(st(5).status, Status::SramError);
        assert_eq!(st(5).fault as u64, 0x3000);
        // Memory: d1 wrote exactly the bytes before the fault; d2 complete; nothing outside ranges.
        let (mut axi, mut sram) = (axi0.clone(), sram0.clone());
        sram[0..0x100].copy_from_slice(&axi0[0x2000..0x2100]);
        apply(&d2, &g, &mut axi, &mut sram);
        // d5: the error words keep their contents; the SRAM port cannot cancel a write and answers after it,
        // so the descriptor's other words are written (documented in tessera_model::dma::Status::SramError).
        sram[0x2ff0..0x3000].copy_from_slice(&axi0[0xa000..0xa010]);
        sram[0x3008..0x3030].copy_from_slice(&axi0[0xa018..0xa040]);
        same(
            &env.sram.mem,
            &sram,
            "SRAM after load errors",
            &[d1, d2, d5],
        );
        // d3: only bytes of its own rows change, each to its source byte (bursts already issued when the
        // DECERR came back complete: AXI4 cannot cancel them); rows 0 and 1 are complete; the failing beat
        // is not written; the last row, issued long after the error was known, is untouched (the abort).
        // d4 (SRAM read error on its first word) writes nothing.
        let d3_src = |a: usize| -> Option<u8> {
            let off = a.checked_sub(0x5000)?;
            (off < 16 * 0x100 && off % 0x100 < 64)
                .then(|| sram0[0x1000 + off / 0x100 * 64 + off % 0x100])
        };
        for a in 0..HBM_BYTES {
            let (got, old) = (env.hbm.mem[a], axi0[a]);
            if got != old {
                assert_eq!(d3_src(a), Some(got), "AXI byte {a:#x} changed ({old:#x} -> {got:#x}) outside what the aborted store may write");
            }
        }
        for a in (0x5000..0x5040).chain(0x5100..0x5140) {
            assert_eq!(
                env.hbm.mem[a],
                d3_src(a).unwrap(),
                "d3 row before the fault, byte {a:#x}"
            );
        }
        assert_eq!(
            &env.hbm.mem[0x5200..0x5208],
            &axi0[0x5200..0x5208],
            "the DECERR beat was written"
        );
        assert_eq!(
            &env.hbm.mem[0x5f00..0x5f40],
            &axi0[0x5f00..0x5f40],
            "d3's last row was written after the abort"
        );
    });
}

/// Multicast and SRAM -> SRAM copies, directed. Clean phase: every source byte is read once (AXI R beats
/// and SRAM reads counted), every window written, nothing else (memories compared whole with the model);
/// a copy right after a load reads what the load wrote. Error phase: an AXI read error aborts every window
/// of a multicast load at the faulting beat, an SRAM read error aborts every window of a copy likewise
/// (status and fault address checked, nothing written outside the windows nor after the fault), and a copy
/// and a store afterwards are clean.
#[test]
fn multicast_and_copy() {
    let c = cfg("small");
    run_test("dma_multicast", &builder(&c), |sim, rng| {
        let bad_rd = ErrorRange {
            lo: 0x2100,
            hi: 0x2108,
            resp: SLVERR,
            on_read: true,
            on_write: false,
        };
        let mut hcfg = HbmConfig::ideal(20, HBM_BYTES);
        hcfg.errors = vec![bad_rd];
        hcfg.p_ready = 0.8;
        hcfg.p_valid = 0.8;
        let mut env = Env::new(sim, rng, &c, hcfg, 0.7, 0.8);
        let g = env.g;
        assert!(g.sram_bytes >= 0x8000 && g.word_bytes == 8 && g.beat_bytes == 8);
        let wb = g.word_bytes as u64;
        env.sram.cfg.errors = vec![(0x7040 / wb, 0x7048 / wb)];
        let (mut axi, mut sram) = (env.hbm.mem.clone(), env.sram.mem.clone());
        // 1: load 2 rows of 128 B (pitch 0x100) into 4 windows 0x200 apart from 0x400 (rows 0x80 apart).
        let d1 = Descriptor {
            src_stride: 0x100,
            dst_stride: 0x80,
            ..Descriptor::copy_2d(false, 0x1000, 0x400, 128, 2, 1)
        }
        .multicast(4, 0x200);
        // 2: copy the first window (written by d1 just before) into 3 windows 0x400 apart from 0x2000.
        let d2 = Descriptor {
            src_stride: 0x80,
            dst_stride: 0x100,
            ..Descriptor::sram_copy_2d(0x400, 0x2000, 128, 2, 2)
        }
        .multicast(3, 0x400);
        // 3: a unicast 3D copy, 2 planes of 2 rows of 64 B.
        let d3 = Descriptor {
            src_stride: 0x40,
            dst_stride: 0x80,
            src_plane_stride: 0x100,
            dst_plane_stride: 0x200,
            planes: 2,
            ..Descriptor::sram_copy_2d(0x3000, 0x4000, 64, 2, 3)
        };
        for d in [d1, d2, d3] {
            assert_eq!(apply(&d, &g, &mut axi, &mut sram), Status::Ok);
            env.desc.push(d.pack().to_vec());
        }
        let done = env.run(sim, 3, 20_000);
        for c in &done {
            assert_eq!(c.status, Status::Ok, "{c:?}");
        }
        same(
            &env.sram.mem,
            &sram,
            "SRAM after multicast and copies",
            &[d1, d2, d3],
        );
        same(
            &env.hbm.mem,
            &axi,
            "AXI memory after multicast and copies",
            &[d1, d2, d3],
        );
        // One read per source beat/word; one write per window and word.
        assert_eq!(
            env.hbm.r_beats,
            2 * 128 / 8,
            "AXI beats read by the 4-window load"
        );
        assert_eq!(
            env.sram.reads,
            2 * 128 / 8 + 2 * 2 * 64 / 8,
            "SRAM words read by the copies (d2 reads its source once for 3 windows)"
        );
        assert_eq!(
            env.sram.writes,
            4 * 32 + 3 * 32 + 32,
            "SRAM words written: 4 windows + 3 windows + 1"
        );

        // Error phase.
        let (axi1, sram1) = (env.hbm.mem.clone(), env.sram.mem.clone());
        // 4: 4 rows of 256 B from 0x2000 (row 1 starts at the SLVERR beat 0x2100) to windows 0x5000, 0x6000.
        let d4 = Descriptor {
            src_stride: 0x100,
            dst_stride: 0x100,
            ..Descriptor::copy_2d(false, 0x2000, 0x5000, 256, 4, 4)
        }
        .multicast(2, 0x1000);
        // 5: copy 2 rows of 64 B from 0x7000 (row 1 starts at the SRAM error word 0x7040) to 0x7800, 0x7c00.
        let d5 = Descriptor::sram_copy_2d(0x7000, 0x7800, 64, 2, 5).multicast(2, 0x400);
        // 6, 7: a clean copy and a clean store afterwards (no stale error state).
        let d6 = Descriptor::sram_copy_2d(0x7400, 0x7600, 64, 1, 6);
        let d7 = Descriptor::copy_2d(true, 0x7400, 0x9000, 64, 1, 7);
        for d in [d4, d5, d6, d7] {
            assert_eq!(d.check(&g), Status::Ok);
            env.desc.push(d.pack().to_vec());
        }
        let done = env.run(sim, 4, 20_000);
        let st = |id: u8| {
            *done
                .iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("no status for {id}"))
        };
        assert_eq!((st(4).status, st(4).fault), (Status::AxiSlvErr, 0x2100));
        assert_eq!((st(5).status, st(5).fault), (Status::SramError, 0x7040));
        assert_eq!(st(6).status, Status::Ok);
        assert_eq!(st(7).status, Status::Ok);
        let (mut axi, mut sram) = (axi1.clone(), sram1.clone());
        for w in [0x5000, 0x6000] {
            // Row 0 of each window only: the beat at 0x2100 and everything after it is not written.
            sram[w..w + 0x100].copy_from_slice(&axi1[0x2000..0x2100]);
        }
        for w in [0x7800, 0x7c00] {
            sram[w..w + 0x40].copy_from_slice(&sram1[0x7000..0x7040]);
        }
        apply(&d6, &g, &mut axi, &mut sram);
        apply(&d7, &g, &mut axi, &mut sram);
        same(
            &env.sram.mem,
            &sram,
            "SRAM after aborted multicasts",
            &[d4, d5, d6, d7],
        );
        same(
            &env.hbm.mem,
            &axi,
            "AXI memory after aborted multicasts",
            &[d4, d5, d6, d7],
        );
    });
}

/// Emitted Verilog is lint (verilator -Wall), yosys and product clean for every preset; all presets are
/// checked before failing, and every failure is reported.
#[test]
fn lint_and_yosys_clean() {
    let mut failures = Vec::new();
    for p in ["tiny", "small", "base", "large"] {
        let c = Config::preset(p).unwrap();
        let v = tessera_hdl::dma::verilog(&c, "dma").unwrap();
        if let Err(e) = tessera_hdl::emit::check_all(&v, "dma") {
            failures.push(format!("preset {p}: {e:#}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A stand-in AXI4 master for the checker's own test: every AXI signal is a top-level input, so the test
/// drives the master side by hand and the HBM model drives the slave side. The output only keeps Verilator
/// from removing the inputs.
const AXI_PROBE: &str = r#"
module axi_probe (
    input clock,
    input axi_arvalid, input axi_arready, input [3:0] axi_arid, input [31:0] axi_araddr,
    input [7:0] axi_arlen, input [2:0] axi_arsize, input [1:0] axi_arburst,
    input axi_rvalid, input axi_rready, input [3:0] axi_rid, input [63:0] axi_rdata,
    input [1:0] axi_rresp, input axi_rlast,
    input axi_awvalid, input axi_awready, input [3:0] axi_awid, input [31:0] axi_awaddr,
    input [7:0] axi_awlen, input [2:0] axi_awsize, input [1:0] axi_awburst,
    input axi_wvalid, input axi_wready, input [63:0] axi_wdata, input [7:0] axi_wstrb, input axi_wlast,
    input axi_bvalid, input axi_bready, input [3:0] axi_bid, input [1:0] axi_bresp,
    output reg seen
);
    always @(posedge clock) seen <= axi_arvalid ^ axi_awvalid ^ axi_wvalid ^ axi_rready ^ axi_bready;
endmodule
"#;

/// One master-side action per cycle for the checker test: the AR, AW and W signals to drive.
#[derive(Clone, Copy, Default)]
struct MasterCycle {
    ar: Option<(u64, u64, u64, u64)>,
    aw: Option<(u64, u64, u64, u64)>,
    w: Option<(u64, bool)>,
}

/// Runs a scripted master against the HBM model (slave ready with probability `p_ready`); returns the
/// checker's panic message, if any.
fn run_script(
    model: &std::sync::Arc<tessera_testbench::Model>,
    p_ready: f64,
    script: &[MasterCycle],
) -> Option<String> {
    let mut sim = model.instantiate(None).expect("instantiate the probe");
    let clock = sim.port("clock");
    sim.set_clock(clock);
    let mut cfg = HbmConfig::ideal(3, 1 << 16);
    cfg.p_ready = p_ready;
    let mut hbm = Hbm::new(&sim, "axi_", cfg, TestRng::seed_from_u64(7));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for step in script
            .iter()
            .copied()
            .chain(std::iter::repeat(MasterCycle::default()).take(20))
        {
            let (arv, (araddr, arlen, arsize, arburst)) =
                (step.ar.is_some(), step.ar.unwrap_or((0, 0, 3, 1)));
            let (awv, (awaddr, awlen, awsize, awburst)) =
                (step.aw.is_some(), step.aw.unwrap_or((0, 0, 3, 1)));
            let (wv, (wdata, wlast)) = (step.w.is_some(), step.w.unwrap_or((0, false)));
            for (name, v) in [
                ("axi_arvalid", arv as u64),
                ("axi_araddr", araddr),
                ("axi_arlen", arlen),
                ("axi_arsize", arsize),
                ("axi_arburst", arburst),
                ("axi_awvalid", awv as u64),
                ("axi_awaddr", awaddr),
                ("axi_awlen", awlen),
                ("axi_awsize", awsize),
                ("axi_awburst", awburst),
                ("axi_wvalid", wv as u64),
                ("axi_wdata", wdata),
                ("axi_wstrb", 0xff),
                ("axi_wlast", wlast as u64),
                ("axi_rready", 1),
                ("axi_bready", 1),
            ] {
                sim.poke(name, v);
            }
            cycle(&mut sim, &mut [&mut hbm as &mut dyn Agent]);
        }
    }));
    r.err().map(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// The AXI4 checker can fail: a legal script passes, and each rule broken on purpose is caught with a
/// message naming it (so "the checker stayed silent" in the other tests means something).
#[test]
fn axi_checker_catches_violations() {
    let model = SimBuilder::new("axi_probe")
        .source("axi_probe.v", AXI_PROBE)
        .build_model()
        .unwrap_or_else(|e| panic!("building the probe failed: {e:#}"));
    let ar = |a: u64, len: u64| MasterCycle {
        ar: Some((a, len, 3, 1)),
        ..Default::default()
    };
    let aw = |a: u64, len: u64| MasterCycle {
        aw: Some((a, len, 3, 1)),
        ..Default::default()
    };
    let w = |d: u64, last: bool| MasterCycle {
        w: Some((d, last)),
        ..Default::default()
    };
    // Legal: a read burst ending exactly at a 4 KiB boundary, then a 2-beat write with WLAST on beat 2.
    let legal = [
        ar(4096 - 64, 7),
        aw(0x100, 1),
        w(0x1122, false),
        w(0x3344, true),
    ];
    assert_eq!(
        run_script(&model, 1.0, &legal),
        None,
        "a legal script was flagged"
    );
    let cases: Vec<(&str, f64, Vec<MasterCycle>, &str)> = vec![
        (
            "4 KiB crossing",
            1.0,
            vec![ar(4096 - 64, 8)],
            "crosses a 4 KiB boundary",
        ),
        (
            "FIXED burst",
            1.0,
            vec![MasterCycle {
                ar: Some((0, 3, 3, 0)),
                ..Default::default()
            }],
            "burst type 0",
        ),
        (
            "narrow size",
            1.0,
            vec![MasterCycle {
                aw: Some((0, 3, 2, 1)),
                ..Default::default()
            }],
            "differs from the bus width",
        ),
        ("unaligned", 1.0, vec![ar(0x104, 0)], "not aligned"),
        (
            "WLAST early",
            1.0,
            vec![aw(0, 2), w(1, false), w(2, true), w(3, true)],
            "WLAST = true on beat 1",
        ),
        (
            "WLAST missing",
            1.0,
            vec![aw(0, 0), w(1, false)],
            "WLAST = false on beat 0",
        ),
        // The slave never ready: a valid dropped, or a payload changed, before the handshake.
        (
            "ARVALID dropped",
            0.0,
            vec![ar(0, 0), MasterCycle::default()],
            "AR changed before its handshake",
        ),
        (
            "AWADDR changed",
            0.0,
            vec![aw(0, 0), aw(64, 0)],
            "AW changed before its handshake",
        ),
        (
            "WDATA changed",
            0.0,
            vec![w(1, true), w(2, true)],
            "W changed before its handshake",
        ),
    ];
    for (name, p_ready, script, expect) in cases {
        match run_script(&model, p_ready, &script) {
            Some(msg) => assert!(
                msg.contains(expect),
                "{name}: the checker said `{msg}`, expected `{expect}`"
            ),
            None => panic!("{name}: the AXI4 checker missed the violation"),
        }
    }
}

/// Records one table row per cycle from the settled signals (it samples after every other agent drove).
struct Recorder {
    rows: Vec<String>,
    cycle: u64,
}

impl Agent for Recorder {
    fn drive(&mut self, _sim: &mut Sim) {}
    fn sample(&mut self, sim: &mut Sim) {
        let mut p = |n: &str| sim.peek(n);
        let hs = |v: u64, r: u64| match (v, r) {
            (0, _) => "-".to_string(),
            (_, 0) => "wait".to_string(),
            _ => "**go**".to_string(),
        };
        let desc = hs(p("desc_valid"), p("desc_ready"));
        let ar = if p("axi_arvalid") == 1 {
            format!(
                "{} {:#x} len {}",
                hs(1, p("axi_arready")),
                p("axi_araddr"),
                p("axi_arlen")
            )
        } else {
            "-".into()
        };
        let r = if p("axi_rvalid") == 1 {
            format!(
                "{}{}",
                hs(1, p("axi_rready")),
                if p("axi_rlast") == 1 { " last" } else { "" }
            )
        } else {
            "-".into()
        };
        let sreq = if p("sram_req_valid") == 1 {
            format!(
                "{} {} {:#x}",
                hs(1, p("sram_req_ready")),
                if p("sram_req_write") == 1 { "WR" } else { "RD" },
                p("sram_req_addr")
            )
        } else {
            "-".into()
        };
        let srsp = hs(p("sram_rsp_valid"), p("sram_rsp_ready"));
        let aw = if p("axi_awvalid") == 1 {
            format!(
                "{} {:#x} len {}",
                hs(1, p("axi_awready")),
                p("axi_awaddr"),
                p("axi_awlen")
            )
        } else {
            "-".into()
        };
        let w = if p("axi_wvalid") == 1 {
            format!(
                "{} strb {:#x}{}",
                hs(1, p("axi_wready")),
                p("axi_wstrb"),
                if p("axi_wlast") == 1 { " last" } else { "" }
            )
        } else {
            "-".into()
        };
        let b = hs(p("axi_bvalid"), p("axi_bready"));
        let st = if p("status_valid") == 1 {
            let v = p("status_data");
            format!(
                "{} id {} code {}",
                hs(1, p("status_ready")),
                v & 0xff,
                (v >> 8) & 0xff
            )
        } else {
            "-".into()
        };
        self.rows.push(format!(
            "| {} | {desc} | {ar} | {r} | {sreq} | {srsp} | {aw} | {w} | {b} | {st} |",
            self.cycle
        ));
        self.cycle += 1;
    }
}

/// The waveform walk-through of docs/dma.md from a real run (small preset, HBM latency 4, no back-pressure):
/// a load of two 16 B rows (two 2-beat bursts), then a store of one 16 B row from the SRAM the load wrote
/// (the direction change waits for the load to drain). Prints one row per cycle
/// (`-- --nocapture`); checks the memories against the model and both statuses.
/// Runs `descs` from reset with no back-pressure (small preset, HBM latency 4), records one row per cycle,
/// prints the table (`-- --nocapture`), checks every status Ok and both memories against the model.
fn walkthrough(name: &str, descs: &[Descriptor]) {
    let c = cfg("small");
    run_test(name, &builder(&c), |sim, rng| {
        let mut env = Env::new(sim, rng, &c, HbmConfig::ideal(4, HBM_BYTES), 1.0, 1.0);
        env.desc = StreamDriver::new(Stream::prefixed(sim, "desc"), rng).valid_probability(1.0);
        let g = env.g;
        let (mut axi, mut sram) = (env.hbm.mem.clone(), env.sram.mem.clone());
        for d in descs {
            assert_eq!(apply(d, &g, &mut axi, &mut sram), Status::Ok);
            env.desc.push(d.pack().to_vec());
        }
        let mut rec = Recorder {
            rows: Vec::new(),
            cycle: 0,
        };
        let idle = sim.port("idle");
        let mut done = Vec::new();
        for _ in 0..80 {
            let agents: &mut [&mut dyn Agent] = &mut [
                &mut env.hbm,
                &mut env.sram,
                &mut env.desc,
                &mut env.status,
                &mut rec,
            ];
            cycle(sim, agents);
            done = env.status.received().to_vec();
            if done.len() == descs.len() && sim.get(idle) == 1 {
                break;
            }
        }
        println!("| cycle | desc | AR | R | SRAM req | SRAM rsp | AW | W | B | status |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        for r in &rec.rows {
            println!("{r}");
        }
        let st: Vec<Completion> = done
            .iter()
            .map(|w| Completion::unpack(w[0] as u64 | (w[1] as u64) << 32).unwrap())
            .collect();
        let want: Vec<Completion> = descs
            .iter()
            .map(|d| Completion {
                id: d.id,
                status: Status::Ok,
                fault: 0,
            })
            .collect();
        assert_eq!(st, want);
        same(&env.sram.mem, &sram, "SRAM", descs);
        same(&env.hbm.mem, &axi, "AXI memory", descs);
    });
}

/// The waveform walk-through of docs/dma.md from a real run (small preset, HBM latency 4, no back-pressure):
/// a load of two 16 B rows (two 2-beat bursts), then a store of one 16 B row from the SRAM the load wrote
/// (the direction change waits for the load to drain). Prints one row per cycle
/// (`-- --nocapture`); checks the memories against the model and both statuses.
#[test]
fn waveform_walkthrough() {
    let load = Descriptor {
        src_stride: 0x100,
        ..Descriptor::copy_2d(false, 0x1000, 0x40, 16, 2, 1)
    };
    let store = Descriptor::copy_2d(true, 0x40, 0x2000, 16, 1, 2);
    walkthrough("dma_waveform", &[load, store]);
}

/// The second walk-through of docs/dma.md: an SRAM -> SRAM copy of one 16 B row (SRAM 0x40) to two
/// windows (0x100 and 0x180): two SRAM reads, four writes, interleaved on the one SRAM port.
#[test]
fn waveform_copy_multicast() {
    let copy = Descriptor::sram_copy_2d(0x40, 0x100, 16, 1, 3).multicast(2, 0x80);
    walkthrough("dma_waveform_copy", &[copy]);
}
