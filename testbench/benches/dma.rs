//! DMA bandwidth at a memory latency of 100 cycles: achieved AXI bandwidth as a fraction of the port's peak
//! (one beat per cycle) for loads and stores of 64 B .. 64 KiB, and for 2D transfers of 64 B rows; then the
//! SRAM side: SRAM -> SRAM copies and multicast (loads and copies to 4 windows), as bytes written per cycle,
//! the SRAM port's use, and source reads per byte written.
//!
//! `cargo bench -p tessera-testbench --bench dma` (optional argument: a preset name, default `base`; sizes
//! larger than the preset's SRAM are left out). Columns: a stream of descriptors of one size, and the first
//! descriptor alone (its latency from offer to status includes one memory round trip).
//!
//! Method: the engine's Verilog under Verilator against the HBM model (`tessera_testbench::axi::Hbm`,
//! latency 100, full bandwidth, no back-pressure) and the SRAM-port model (latency 2, always ready). Enough
//! descriptors of one size are queued back to back to move at least 64 KiB; the figure is
//! `beats moved / cycles from the first descriptor offered to the last status`, so it includes the
//! first access's latency once per run (as a stream of transfers sees it), never per descriptor.
use rand::{Rng, SeedableRng};
use std::time::Instant;
use tessera_model::config::Config;
use tessera_model::dma::{Descriptor, DmaGeometry};
use tessera_testbench::axi::{Hbm, HbmConfig, SramConfig, SramPort};
use tessera_testbench::{cycle, Agent, SimBuilder, Stream, StreamDriver, StreamSink, TestRng};

fn dir(store: bool) -> &'static str {
    if store {
        "SRAM -> AXI"
    } else {
        "AXI -> SRAM"
    }
}

fn main() {
    let preset = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "base".into());
    let cfg = Config::preset(&preset).unwrap_or_else(|| panic!("unknown preset {preset}"));
    let g = DmaGeometry::of(&cfg);
    let v = tessera_hdl::dma::verilog(&cfg, "dma").expect("emit");
    let model = SimBuilder::new("dma")
        .source("dma.v", v)
        .build_model()
        .expect("verilator build");
    println!(
        "DMA bandwidth, preset {preset}: AXI {} bits, SRAM {} bits, {} reads outstanding, memory latency 100 cycles",
        cfg.dma.axi_data_width, cfg.csram.width, cfg.dma.outstanding
    );
    println!(
        "| transfer | direction | descriptors | beats | cycles | fraction of peak | stall cycles | one descriptor alone: cycles | alone: fraction of peak |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let t0 = Instant::now();
    let bb = g.beat_bytes;
    let mut cases: Vec<(String, &str, Vec<Descriptor>)> = Vec::new();
    for store in [false, true] {
        // Sizes up to the SRAM (tiny's is 8 KiB).
        for size in [64u32, 256, 1024, 4096, 16384, 65536]
            .into_iter()
            .filter(|&s| s as u64 <= g.sram_bytes)
        {
            let n = (65536 / size).max(8);
            let span = (g.sram_bytes as u32).min(65536);
            let descs = (0..n)
                .map(|i| {
                    let sram = (i * size) % span;
                    let (src, dst) = if store {
                        (sram, 0x10000 + i * size)
                    } else {
                        (0x10000 + i * size, sram)
                    };
                    if size <= 32768 {
                        Descriptor::copy_2d(store, src, dst, size as u16, 1, i as u8)
                    } else {
                        Descriptor {
                            src_stride: 32768,
                            dst_stride: 32768,
                            ..Descriptor::copy_2d(
                                store,
                                src,
                                dst,
                                32768,
                                (size / 32768) as u16,
                                i as u8,
                            )
                        }
                    }
                })
                .collect();
            cases.push((format!("{size} B"), dir(store), descs));
        }
        // 2D: 64 B rows (256, or as many as the SRAM holds), row pitch 128 B at the AXI side.
        let rows = (g.sram_bytes / 64).min(256) as u32;
        let d = |i: u32| {
            let (axi, sram) = (
                0x10000 + i * 0x8000,
                (i * rows * 64) % (g.sram_bytes as u32).min(65536),
            );
            let mut d = Descriptor::copy_2d(store, 0, 0, 64, rows as u16, i as u8);
            if store {
                d.src = sram;
                d.dst = axi;
                d.dst_stride = 128;
            } else {
                d.src = axi;
                d.dst = sram;
                d.src_stride = 128;
            }
            d
        };
        cases.push((
            format!("2D {rows} x 64 B rows"),
            dir(store),
            (0..4).map(d).collect(),
        ));
    }
    // Direction changes: 1 KiB loads and stores alternating (each change drains the engine first).
    let alt = (0..16u32)
        .map(|i| {
            let (axi, sram) = (
                0x10000 + i * 1024,
                (i * 1024) % (g.sram_bytes as u32).min(65536),
            );
            if i % 2 == 1 {
                Descriptor::copy_2d(true, sram, axi, 1024, 1, i as u8)
            } else {
                Descriptor::copy_2d(false, axi, sram, 1024, 1, i as u8)
            }
        })
        .collect();
    cases.push(("1024 B, alternating".into(), "both", alt));
    for (name, direction, descs) in cases {
        let beats: u64 = descs.iter().map(|d| d.bytes() / bb as u64).sum();
        let Run { cycles, stall, .. } = run(&model, &g, &descs, &name);
        // The first descriptor alone: its latency from offer to status, and its own bandwidth.
        let alone = run(&model, &g, &descs[..1], &name).cycles;
        let beats1 = descs[0].bytes() / bb as u64;
        println!(
            "| {name} | {} | {} | {beats} | {cycles} | {:.1}% | {stall} | {alone} | {:.1}% |",
            direction,
            descs.len(),
            100.0 * beats as f64 / cycles as f64,
            100.0 * beats1 as f64 / alone as f64
        );
    }
    sram_side(&model, &g);
    println!("(wall time {:.1} s)", t0.elapsed().as_secs_f64());
}

/// SRAM -> SRAM copies and multicast: bytes written per cycle, the SRAM port's use (reads + writes per
/// cycle; its peak is one access per cycle), and source reads per byte written (1/N for N windows).
fn sram_side(model: &std::sync::Arc<tessera_testbench::Model>, g: &DmaGeometry) {
    let wbytes = g.word_bytes as u64;
    let half = (g.sram_bytes / 2).min(1 << 20) as u32;
    println!();
    println!(
        "SRAM side (port peak: one {}-byte word per cycle, read or write; a unicast copy reads and writes each word, so its peak is {} B/cycle written)",
        wbytes,
        wbytes / 2
    );
    println!(
        "| transfer | kind | windows | descriptors | source bytes | bytes written | cycles | written B/cycle | SRAM port use | source reads per byte written |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut cases: Vec<(String, &str, Vec<Descriptor>)> = Vec::new();
    for size in [1024u32, 4096, 16384]
        .into_iter()
        .filter(|&s| s * 4 <= half)
    {
        let n = (65536 / size).max(8);
        let copies = (0..n)
            .map(|i| {
                let off = (i * size) % (half / 4);
                Descriptor::sram_copy_2d(off, half + off, size as u16, 1, i as u8)
            })
            .collect::<Vec<_>>();
        cases.push((format!("{size} B"), "SRAM -> SRAM", copies.clone()));
        let mc_copies = copies.iter().map(|d| d.multicast(4, half / 4)).collect();
        cases.push((format!("{size} B"), "SRAM -> SRAM multicast", mc_copies));
        let mc_loads = (0..n)
            .map(|i| {
                let off = (i * size) % (half / 4);
                Descriptor::copy_2d(
                    false,
                    0x10000 + i * size,
                    half + off,
                    size as u16,
                    1,
                    i as u8,
                )
                .multicast(4, half / 4)
            })
            .collect();
        cases.push((format!("{size} B"), "AXI -> SRAM multicast", mc_loads));
    }
    // 2D: 64 rows of 64 B, source pitch 128 B.
    let rows = 64u32;
    let copy2d = (0..8u32)
        .map(|i| Descriptor {
            src_stride: 128,
            ..Descriptor::sram_copy_2d(
                i * rows * 128 % (half / 2),
                half + i * rows * 64 % (half / 4),
                64,
                rows as u16,
                i as u8,
            )
        })
        .collect::<Vec<_>>();
    cases.push((format!("2D {rows} x 64 B rows"), "SRAM -> SRAM", copy2d));
    for (name, kind, descs) in cases {
        let r = run(model, g, &descs, &name);
        let windows = descs[0].windows();
        let src: u64 = descs.iter().map(|d| d.bytes()).sum();
        let written = src * windows;
        let reads = if kind.starts_with("AXI") {
            r.axi_beats * g.beat_bytes as u64
        } else {
            r.sram_reads * wbytes
        };
        println!(
            "| {name} | {kind} | {windows} | {} | {src} | {written} | {} | {:.2} | {:.1}% | {:.3} |",
            descs.len(),
            r.cycles,
            written as f64 / r.cycles as f64,
            100.0 * (r.sram_reads + r.sram_writes) as f64 / r.cycles as f64,
            reads as f64 / written as f64
        );
    }
}

/// What one run measured.
struct Run {
    /// Cycles from the first descriptor offered to the last status.
    cycles: u64,
    /// The engine's stall counter.
    stall: u64,
    /// AXI R beats, SRAM reads and SRAM writes accepted by the memory models.
    axi_beats: u64,
    sram_reads: u64,
    sram_writes: u64,
}

/// Runs `descs` back to back on a fresh instance (HBM latency 100, no back-pressure).
fn run(
    model: &std::sync::Arc<tessera_testbench::Model>,
    g: &DmaGeometry,
    descs: &[Descriptor],
    name: &str,
) -> Run {
    let mut sim = model.instantiate(None).expect("instantiate");
    let mut rng = TestRng::seed_from_u64(1);
    let mut hbm = Hbm::new(
        &sim,
        "axi_",
        HbmConfig::ideal(100, 1 << 20),
        TestRng::seed_from_u64(rng.gen()),
    );
    let words = (g.sram_bytes / g.word_bytes as u64) as usize;
    let mut sram = SramPort::new(
        &sim,
        "sram_",
        SramConfig {
            latency: 2,
            p_ready: 1.0,
            words,
            errors: vec![],
        },
        TestRng::seed_from_u64(rng.gen()),
    );
    let mut desc = StreamDriver::new(Stream::prefixed(&sim, "desc"), &mut rng);
    let mut status = StreamSink::new(Stream::prefixed(&sim, "status"), &mut rng);
    let clock = sim.port("clock");
    sim.set_clock(clock);
    let reset = sim.port("reset");
    sim.reset(reset, 2);
    for d in descs {
        desc.push(d.pack().to_vec());
    }
    let start = sim.cycle();
    while status.received().len() < descs.len() {
        cycle(
            &mut sim,
            &mut [
                &mut hbm as &mut dyn Agent,
                &mut sram,
                &mut desc,
                &mut status,
            ],
        );
        assert!(sim.cycle() - start < 10_000_000, "no progress");
    }
    let cycles = sim.cycle() - start;
    for w in status.received() {
        assert_eq!((w[0] >> 8) & 0xff, 0, "{name}: a descriptor failed: {w:?}");
    }
    Run {
        cycles,
        stall: sim.peek("count_stall"),
        axi_beats: hbm.r_beats,
        sram_reads: sram.reads,
        sram_writes: sram.writes,
    }
}
