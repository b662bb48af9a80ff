//! Running a whole MX GEMM `C = C0 + A x B^T` on the TTU through its ports, simulator-agnostic.
//!
//! The TTU computes one R x C output tile per pass over K; this driver does the tiling on the Rust
//! side (ARCHITECTURE.md leaves it to software):
//! * M and N are padded up to multiples of R and C with zero codes (scale code 127 = 2^0); the padded
//!   rows and columns compute zeros that are dropped. K is a multiple of k (an [`MxTensor`] rule).
//! * K longer than `ttu.max_k` runs as several passes; every pass after the first starts from the
//!   previous pass's results through the C0 stream, which gives exactly the block-ordered fold of
//!   ARCHITECTURE.md 2.3 because the accumulator is a float32 between blocks either way.
//! * Tiles go out row-tile major; each beat carries one K step (two for E2M1 x E2M1: element 2j in
//!   bits 3:0 and 2j+1 in bits 7:4 of the code byte).
//!
//! [`RunOptions`] adds random gaps on the A, B and C0 streams and random back-pressure on the
//! result stream (a valid, once raised, holds its payload until the transfer, as ARCHITECTURE.md 3
//! requires). The simulator is reached through the small [`TtuPins`] trait so that the tests, the
//! benchmark and `tessera gemm --engine rtl` share this code.
use super::{format_select, TtuParams};
use tessera_model::config::ElemFormat;
use tessera_model::mx::MxTensor;

/// Port access of a simulated TTU (ports named as the emitter writes them: `a_codes_0`, ...).
pub trait TtuPins {
    /// A resolved port handle.
    type Port: Copy;
    /// Look a port up by name (panics with the port list when it does not exist).
    fn port(&self, name: &str) -> Self::Port;
    /// Drive an input.
    fn set(&mut self, p: Self::Port, v: u64);
    /// Read a port (after settling the inputs written since the last clock edge).
    fn get(&mut self, p: Self::Port) -> u64;
    /// One clock cycle.
    fn step(&mut self);
}

/// Stimulus options.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Probability that the A / B / C0 source has no beat to offer in a cycle.
    pub a_gap: f64,
    pub b_gap: f64,
    pub c0_gap: f64,
    /// Probability that the result sink is not ready in a cycle.
    pub res_stall: f64,
    /// Seed of the gap generator.
    pub seed: u64,
    /// Give up after this many cycles without progress.
    pub timeout: u64,
    /// Record this many cycles of port activity (for docs/ttu.md's waveform).
    pub record: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            a_gap: 0.0,
            b_gap: 0.0,
            c0_gap: 0.0,
            res_stall: 0.0,
            seed: 1,
            timeout: 10_000,
            record: 0,
        }
    }
}

/// What a GEMM run measured (counters read from the TTU, cycles counted by the driver).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Clock cycles from the first beat offered to the last result taken.
    pub cycles: u64,
    /// TTU counters.
    pub busy: u64,
    pub macs: u64,
    pub starved: u64,
    pub stalled: u64,
    /// Operand beats transferred.
    pub beats: u64,
    /// Output tiles computed (all passes).
    pub tiles: u64,
    /// Peak MACs per cycle of the array for this format pair (R x C, or 2 R x C for E2M1 x E2M1).
    pub peak_macs_per_cycle: u64,
}

impl RunStats {
    /// MACs per busy cycle.
    pub fn macs_per_cycle(&self) -> f64 {
        self.macs as f64 / self.busy.max(1) as f64
    }
    /// MACs per busy cycle over the array's peak for the format pair.
    pub fn utilization(&self) -> f64 {
        self.macs_per_cycle() / self.peak_macs_per_cycle.max(1) as f64
    }
}

/// One recorded cycle of port activity.
#[derive(Clone, Debug, Default)]
pub struct CycleRecord {
    pub cycle: u64,
    pub a_valid: bool,
    pub a_ready: bool,
    pub a_code0: u8,
    pub b_valid: bool,
    pub b_ready: bool,
    pub b_code0: u8,
    pub c0_valid: bool,
    pub c0_ready: bool,
    pub res_valid: bool,
    pub res_ready: bool,
    pub res_data0: u32,
    pub busy: u64,
    pub macs: u64,
}

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// An operand format the configuration does not have (format, configured list).
    Format(ElemFormat, String),
    /// A and B disagree on K.
    KMismatch { ka: usize, kb: usize },
    /// The tensors' block size is not the TTU's k.
    Block { ba: usize, bb: usize, k: usize },
    /// C0 has the wrong length.
    C0Len { got: usize, expected: usize },
    /// No progress for this many cycles (result rows received, expected).
    Timeout(u64, usize, usize),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Format(x, list) => write!(
                f,
                "format {x} is not configured in this TTU (ttu.formats = {list}); pick a configured format or a preset that has it"
            ),
            RunError::KMismatch { ka, kb } => write!(
                f,
                "A has K = {ka} but B has K = {kb}; both must share K (B is stored [N][K])"
            ),
            RunError::Block { ba, bb, k } => write!(
                f,
                "A and B use block size {ba}/{bb}, but this TTU is built for k = {k}"
            ),
            RunError::C0Len { got, expected } => {
                write!(f, "C0 has {got} values, expected M x N = {expected}")
            }
            RunError::Timeout(n, got, total) => write!(
                f,
                "the TTU made no progress for {n} cycles (result rows {got} of {total})"
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// Deterministic generator for the stimulus gaps (xorshift64*).
struct Gaps(u64);

impl Gaps {
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (x as f64 / (1u64 << 53) as f64) < p
    }
}

struct Ports<P> {
    clock_reset: P,
    fmt_a: P,
    fmt_b: P,
    kblocks: P,
    use_c0: P,
    a_valid: P,
    a_ready: P,
    a_codes: Vec<P>,
    a_scales: Vec<P>,
    b_valid: P,
    b_ready: P,
    b_codes: Vec<P>,
    b_scales: Vec<P>,
    c0_valid: P,
    c0_ready: P,
    c0_data: Vec<P>,
    res_valid: P,
    res_ready: P,
    res_data: Vec<P>,
    cnt: [P; 4],
}

fn lanes<S: TtuPins>(sim: &S, name: &str, n: usize) -> Vec<S::Port> {
    (0..n).map(|i| sim.port(&format!("{name}_{i}"))).collect()
}

/// One operand beat: R (or C) codes and scales.
#[derive(Clone)]
struct Beat {
    codes: Vec<u8>,
    scales: Vec<u8>,
}

/// Run `C = C0 + A x B^T` on the TTU behind `sim`. Returns C (float32 bits, [M][N] row-major).
pub fn run_gemm<S: TtuPins>(
    sim: &mut S,
    p: &TtuParams,
    a: &MxTensor,
    b: &MxTensor,
    c0: Option<&[u32]>,
    opt: &RunOptions,
    mut record: Option<&mut Vec<CycleRecord>>,
) -> Result<(Vec<u32>, RunStats), RunError> {
    let fmts = || {
        p.formats
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in [a.format, b.format] {
        if !p.formats.contains(&f) {
            return Err(RunError::Format(f, fmts()));
        }
    }
    if a.cols != b.cols {
        return Err(RunError::KMismatch {
            ka: a.cols,
            kb: b.cols,
        });
    }
    if a.block != p.block || b.block != p.block {
        return Err(RunError::Block {
            ba: a.block,
            bb: b.block,
            k: p.block,
        });
    }
    let (m, n, kk) = (a.rows, b.rows, a.cols);
    if let Some(c0) = c0 {
        if c0.len() != m * n {
            return Err(RunError::C0Len {
                got: c0.len(),
                expected: m * n,
            });
        }
    }
    let (rr, cc, k) = (p.rows, p.cols, p.block);
    let dual = a.format == ElemFormat::E2m1 && b.format == ElemFormat::E2m1;
    let per_beat = if dual { 2 } else { 1 };
    let tiles_m = m.div_ceil(rr);
    let tiles_n = n.div_ceil(cc);
    let blocks = kk / k;
    let blocks_per_pass = p.max_k / k;
    let passes = blocks.div_ceil(blocks_per_pass).max(1);

    let ports = Ports {
        clock_reset: sim.port("reset"),
        fmt_a: sim.port("fmt_a"),
        fmt_b: sim.port("fmt_b"),
        kblocks: sim.port("kblocks"),
        use_c0: sim.port("use_c0"),
        a_valid: sim.port("a_valid"),
        a_ready: sim.port("a_ready"),
        a_codes: lanes(sim, "a_codes", rr),
        a_scales: lanes(sim, "a_scales", rr),
        b_valid: sim.port("b_valid"),
        b_ready: sim.port("b_ready"),
        b_codes: lanes(sim, "b_codes", cc),
        b_scales: lanes(sim, "b_scales", cc),
        c0_valid: sim.port("c0_valid"),
        c0_ready: sim.port("c0_ready"),
        c0_data: lanes(sim, "c0_data", cc),
        res_valid: sim.port("res_valid"),
        res_ready: sim.port("res_ready"),
        res_data: lanes(sim, "res_data", cc),
        cnt: [
            sim.port("cnt_busy"),
            sim.port("cnt_macs"),
            sim.port("cnt_starved"),
            sim.port("cnt_stalled"),
        ],
    };

    // Reset once; the counters then cover every pass.
    for &pt in [
        ports.a_valid,
        ports.b_valid,
        ports.c0_valid,
        ports.res_ready,
    ]
    .iter()
    {
        sim.set(pt, 0);
    }
    sim.set(ports.clock_reset, 1);
    sim.step();
    sim.set(ports.clock_reset, 0);
    sim.set(ports.fmt_a, format_select(a.format));
    sim.set(ports.fmt_b, format_select(b.format));

    // Operand beats of one row/column tile for blocks [b0, b1).
    let beats_of = |t: &MxTensor, base: usize, lanes: usize, b0: usize, b1: usize| -> Vec<Beat> {
        let nb = t.blocks_per_row();
        let mut out = Vec::with_capacity((b1 - b0) * k / per_beat);
        for j in b0..b1 {
            for s in 0..k / per_beat {
                let mut codes = vec![0u8; lanes];
                let mut scales = vec![127u8; lanes];
                for (l, (code, scale)) in codes.iter_mut().zip(scales.iter_mut()).enumerate() {
                    let row = base + l;
                    if row < t.rows {
                        let e = row * t.cols + j * k + s * per_beat;
                        *code = if dual {
                            (t.codes[e] & 0xF) | (t.codes[e + 1] << 4)
                        } else {
                            t.codes[e]
                        };
                        *scale = t.scales[row * nb + j];
                    }
                }
                out.push(Beat { codes, scales });
            }
        }
        out
    };

    let mut c: Vec<u32> = c0.map_or_else(|| vec![0u32; m * n], |c0| c0.to_vec());
    let mut stats = RunStats {
        peak_macs_per_cycle: (rr * cc * per_beat) as u64,
        ..Default::default()
    };
    let mut gaps = Gaps(opt.seed.max(1));
    let mut cycles = 0u64;
    for pass in 0..passes {
        let b0 = pass * blocks_per_pass;
        let b1 = (b0 + blocks_per_pass).min(blocks);
        let use_c0 = pass > 0 || c0.is_some();
        sim.set(ports.kblocks, (b1 - b0) as u64);
        sim.set(ports.use_c0, use_c0 as u64);
        // The whole pass as three beat queues and one expected result order.
        let mut a_beats = Vec::new();
        let mut b_beats = Vec::new();
        let mut c0_rows: Vec<Vec<u32>> = Vec::new();
        let mut tiles = Vec::new();
        for tm in 0..tiles_m {
            let ab = beats_of(a, tm * rr, rr, b0, b1);
            for tn in 0..tiles_n {
                a_beats.extend(ab.iter().cloned());
                b_beats.extend(beats_of(b, tn * cc, cc, b0, b1));
                if use_c0 {
                    for r in 0..rr {
                        let row = tm * rr + r;
                        c0_rows.push(
                            (0..cc)
                                .map(|l| {
                                    let col = tn * cc + l;
                                    if row < m && col < n {
                                        c[row * n + col]
                                    } else {
                                        0
                                    }
                                })
                                .collect(),
                        );
                    }
                }
                tiles.push((tm, tn));
            }
        }
        stats.tiles += tiles.len() as u64;
        let total_rows = tiles.len() * rr;
        let (mut ia, mut ib, mut ic, mut got) = (0usize, 0usize, 0usize, 0usize);
        let (mut av, mut bv, mut cv) = (false, false, false);
        let mut idle_cycles = 0u64;
        while got < total_rows {
            // Sources offer a beat unless a gap is drawn; an offered beat holds until taken.
            if !av && ia < a_beats.len() && !gaps.chance(opt.a_gap) {
                av = true;
                for (l, pt) in ports.a_codes.iter().enumerate() {
                    sim.set(*pt, a_beats[ia].codes[l] as u64);
                    sim.set(ports.a_scales[l], a_beats[ia].scales[l] as u64);
                }
            }
            if !bv && ib < b_beats.len() && !gaps.chance(opt.b_gap) {
                bv = true;
                for (l, pt) in ports.b_codes.iter().enumerate() {
                    sim.set(*pt, b_beats[ib].codes[l] as u64);
                    sim.set(ports.b_scales[l], b_beats[ib].scales[l] as u64);
                }
            }
            if !cv && ic < c0_rows.len() && !gaps.chance(opt.c0_gap) {
                cv = true;
                for (l, pt) in ports.c0_data.iter().enumerate() {
                    sim.set(*pt, c0_rows[ic][l] as u64);
                }
            }
            let rready = !gaps.chance(opt.res_stall);
            sim.set(ports.a_valid, av as u64);
            sim.set(ports.b_valid, bv as u64);
            sim.set(ports.c0_valid, cv as u64);
            sim.set(ports.res_ready, rready as u64);
            let a_go = av && sim.get(ports.a_ready) != 0;
            let b_go = bv && sim.get(ports.b_ready) != 0;
            let c_go = cv && sim.get(ports.c0_ready) != 0;
            let r_go = rready && sim.get(ports.res_valid) != 0;
            if let Some(rec) = record.as_deref_mut() {
                if rec.len() < opt.record {
                    rec.push(CycleRecord {
                        cycle: cycles,
                        a_valid: av,
                        a_ready: sim.get(ports.a_ready) != 0,
                        a_code0: sim.get(ports.a_codes[0]) as u8,
                        b_valid: bv,
                        b_ready: sim.get(ports.b_ready) != 0,
                        b_code0: sim.get(ports.b_codes[0]) as u8,
                        c0_valid: cv,
                        c0_ready: sim.get(ports.c0_ready) != 0,
                        res_valid: sim.get(ports.res_valid) != 0,
                        res_ready: rready,
                        res_data0: sim.get(ports.res_data[0]) as u32,
                        busy: sim.get(ports.cnt[0]),
                        macs: sim.get(ports.cnt[1]),
                    });
                }
            }
            assert_eq!(a_go, b_go, "the TTU must take A and B beats together");
            if a_go {
                ia += 1;
                ib += 1;
                av = false;
                bv = false;
                stats.beats += 1;
            }
            if c_go {
                ic += 1;
                cv = false;
            }
            if r_go {
                let (tm, tn) = tiles[got / rr];
                let row = tm * rr + got % rr;
                for l in 0..cc {
                    let col = tn * cc + l;
                    let v = sim.get(ports.res_data[l]) as u32;
                    if row < m && col < n {
                        c[row * n + col] = v;
                    }
                }
                got += 1;
            }
            idle_cycles = if a_go || c_go || r_go {
                0
            } else {
                idle_cycles + 1
            };
            if idle_cycles > opt.timeout {
                return Err(RunError::Timeout(opt.timeout, got, total_rows));
            }
            sim.step();
            cycles += 1;
        }
    }
    stats.cycles = cycles;
    stats.busy = sim.get(ports.cnt[0]);
    stats.macs = sim.get(ports.cnt[1]);
    stats.starved = sim.get(ports.cnt[2]);
    stats.stalled = sim.get(ports.cnt[3]);
    Ok((c, stats))
}
