//! The DMA engine's Verilog under Verilator against `tessera_model::dma`: random descriptor sequences (sizes,
//! strides, alignments, 2D and 3D, both directions) with random back-pressure end with both memories equal
//! to the reference model's; every rejection and every AXI/SRAM error is reported with its code and faulting
//! address and leaves memory outside the range untouched; the HBM model's AXI4 checker stays silent
//! throughout (it panics on a violation). Also: lint/yosys clean for every preset.
//!
//! Seeds are printed; `TESSERA_SEED=<n>` reproduces a run, and a failing run is re-run with a VCD.
use rand::{Rng, SeedableRng};
use tessera_model::config::Config;
use tessera_model::dma::{apply, Completion, Descriptor, DmaGeometry, Status};
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

/// A random legal descriptor inside the test memories.
fn random_desc(rng: &mut TestRng, g: &DmaGeometry, id: u8, max_bytes: u64) -> Descriptor {
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
        let store = rng.gen_bool(0.5);
        let stride = |rng: &mut TestRng| row_bytes + bb * rng.gen_range(0..4);
        let (src_stride, dst_stride) = (stride(rng), stride(rng));
        let src_plane_stride = src_stride * rows as u32 + bb * rng.gen_range(0..4);
        let dst_plane_stride = dst_stride * rows as u32 + bb * rng.gen_range(0..4);
        let axi_span = HBM_BYTES as u32 / 2;
        let sram_span = g.sram_bytes as u32 / 2;
        let (src_span, dst_span) = if store {
            (sram_span, axi_span)
        } else {
            (axi_span, sram_span)
        };
        // Bias AXI addresses towards 4 KiB boundaries so bursts get split.
        let pick = |rng: &mut TestRng, span: u32| {
            if rng.gen_bool(0.3) {
                (rng.gen_range(1..span / 4096).max(1) * 4096 - bb * rng.gen_range(1..8)) & !(bb - 1)
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
        for i in 0..n {
            let d = random_desc(rng, &env.g, i as u8, max_bytes);
            assert_eq!(apply(&d, &env.g, &mut axi, &mut sram), Status::Ok);
            env.desc.push(d.pack().to_vec());
            ids.push(i as u8);
        }
        let done = env.run(sim, n, 400_000);
        let mut got: Vec<u8> = done.iter().map(|c| c.id).collect();
        got.sort();
        assert_eq!(got, ids, "one status per descriptor");
        for c in &done {
            assert_eq!(c.status, Status::Ok, "descriptor {} status {:?}", c.id, c);
        }
        assert!(
            env.sram.mem == sram,
            "SRAM differs from the reference model"
        );
        assert!(
            env.hbm.mem == axi,
            "AXI memory differs from the reference model"
        );
        assert!(
            env.hbm.ar_count > 0 && env.hbm.aw_count > 0,
            "both directions exercised"
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
        let done = env.run(sim, cases.len(), 10_000);
        for (d, s) in &cases {
            let c = done
                .iter()
                .find(|c| c.id == d.id)
                .unwrap_or_else(|| panic!("no status for id {}", d.id));
            assert_eq!(c.status, *s, "descriptor {d:?}");
        }
        assert!(
            env.hbm.mem == axi && env.sram.mem == sram,
            "a rejected descriptor moved data"
        );
        assert_eq!(
            env.hbm.ar_count + env.hbm.aw_count,
            0,
            "a rejected descriptor issued a burst"
        );
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
        // 3: store hitting DECERR at 0x5200 (the burst starting at 0x5200).
        let d3 = Descriptor::copy_2d(true, 0x1000, 0x5000, 0x400, 1, 3);
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
            st(3).fault & !0xff,
            0x5200 & !0xff,
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
        // d5: words before the error range are written, the error words not (they keep their contents).
        sram[0x2ff0..0x3000].copy_from_slice(&axi0[0xa000..0xa010]);
        assert!(env.sram.mem == sram, "SRAM: wrong bytes after load errors");
        // d3: bytes of the store before the failing burst may be written; nothing at or after the fault
        // beat, nothing outside 0x5000..0x5400. d4: nothing written from the error word onwards.
        for a in 0..HBM_BYTES {
            let (got, old) = (env.hbm.mem[a], axi0[a]);
            if got == old {
                continue;
            }
            let in_d3 = (0x5000..0x5200).contains(&a) && got == sram0[0x1000 + a - 0x5000];
            assert!(in_d3, "AXI byte {a:#x} changed ({old:#x} -> {got:#x}) outside what the aborted stores may write");
        }
    });
}

/// Emitted Verilog is lint (verilator -Wall) and yosys clean for every preset.
#[test]
fn lint_and_yosys_clean() {
    for p in ["tiny", "small", "base", "large"] {
        let c = Config::preset(p).unwrap();
        let v = tessera_hdl::dma::verilog(&c, "dma").unwrap();
        tessera_hdl::emit::check_all(&v, "dma").unwrap_or_else(|e| panic!("preset {p}: {e:#}"));
    }
}
