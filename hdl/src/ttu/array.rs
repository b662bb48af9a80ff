//! `Ttu<W, F>`: the tensor unit top — an R x C output-stationary array of [`Pe`]s, a
//! double-buffered drain of exact block sums, one [`MxAcc`] per column, the float32 accumulators of
//! the current output tile, and a result buffer streamed out one row per beat.
//!
//! ```text
//!            b_codes[c], b_scales[c] (one B column per array column, broadcast down)
//!                 |        |        |
//!  a_codes[r] -> PE(0,0)  PE(0,1) ... PE(0,C-1)      exact W-bit block sums (+ NaN/Inf flags)
//!  (broadcast  -> PE(1,0)  PE(1,1) ...
//!   along row)    ...                                          block end
//!                 |        |        |                              v
//!           shadow chain (R deep, per column; double buffer of the PE sums, drained row by row)
//!                 |        |        |
//!              MxAcc[0] MxAcc[1] ... MxAcc[C-1]   <- acc chain (R float32 per column, rotating)
//!                 |        |        |                 or C0 / +0 on a tile's first block
//!           result chain (R rows x C float32) ---> res_data[c], one output row per beat
//! ```
//!
//! Operation (see docs/ttu.md for the full theory and a waveform):
//! * Static inputs, held while the unit is busy: `fmt_a`, `fmt_b` (format selects), `kblocks`
//!   (K / k blocks per output tile, >= 1) and `use_c0`.
//! * Every accepted beat (`a_valid & b_valid`, both readies high) brings one K step: row r's code in
//!   `a_codes[r]`, column c's code in `b_codes[c]`; for E2M1 x E2M1 a byte carries two K steps
//!   (element 2j in bits 3:0, 2j+1 in 7:4), so a block is k/2 beats instead of k. Scales are
//!   sampled on a block's last beat.
//! * The cycle after a block's last beat the PE sums move into the shadow chain (if it is free,
//!   otherwise the inputs stall). Each following cycle every column's MxAcc folds one row:
//!   `acc[r][c] = RNE(acc[r][c] + 2^(sa[r]+sb[c]-254) x sum[r][c])`, rows in order 0..R-1.
//!   A tile's first block starts from C0 (one `c0_data` row per fold step, when `use_c0`) or +0.
//! * After a tile's last block is folded, the accumulators are copied into the result chain and
//!   leave on `res_*`, rows 0..R-1 of the tile, one row (C float32) per beat.
//!
//! Throughput: one beat per cycle while the drain keeps up, i.e. while R <= beats per block
//! (k for 8-bit formats, k/2 for E2M1 x E2M1); every preset satisfies this. Otherwise the input
//! stalls for the difference. `ready` depends combinationally on the other stream's `valid` and on
//! `res_ready`/`c0_valid` (allowed by ARCHITECTURE.md 3); `valid` outputs come from registers.
//!
//! Reset (synchronous, active high): drops all work in flight and clears the counters; the unit is
//! idle and ready one cycle later.
//!
//! Counters (48 bits, wrap): `cnt_busy` cycles with work in flight, `cnt_macs` element MACs done
//! by the array (R x C per beat, 2 R x C in E2M1 x E2M1 mode; padding included), `cnt_starved`
//! cycles inside a tile where the array could take a beat but `a_valid & b_valid` was low,
//! `cnt_stalled` cycles where `res_valid` was high and `res_ready` low.
use super::mx_acc::MxAcc;
use super::pe::Pe;
use super::TtuParams;
use rust_hdl::prelude::*;
use tessera_model::config::ElemFormat;

/// The tensor unit (W: block sum width, F = W + 30: accumulate frame width).
#[derive(LogicBlock)]
pub struct Ttu<const W: usize, const F: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous active-high reset.
    pub reset: Signal<In, Bit>,
    /// Format select of A / B (see `decode::format_select`).
    pub fmt_a: Signal<In, Bits<3>>,
    pub fmt_b: Signal<In, Bits<3>>,
    /// K blocks per output tile (K / k), 1..=max_k/k.
    pub kblocks: Signal<In, Bits<16>>,
    /// Take each tile's initial accumulators from the C0 stream (else +0).
    pub use_c0: Signal<In, Bit>,
    /// A stream: one element code and one scale code per array row.
    pub a_valid: Signal<In, Bit>,
    pub a_ready: Signal<Out, Bit>,
    pub a_codes: Vec<Signal<In, Bits<8>>>,
    pub a_scales: Vec<Signal<In, Bits<8>>>,
    /// B stream: one element code and one scale code per array column.
    pub b_valid: Signal<In, Bit>,
    pub b_ready: Signal<Out, Bit>,
    pub b_codes: Vec<Signal<In, Bits<8>>>,
    pub b_scales: Vec<Signal<In, Bits<8>>>,
    /// C0 stream: one row of C float32 per beat, R beats per tile (only when `use_c0`).
    pub c0_valid: Signal<In, Bit>,
    pub c0_ready: Signal<Out, Bit>,
    pub c0_data: Vec<Signal<In, Bits<32>>>,
    /// Result stream: one row of C float32 per beat, R beats per tile, rows in order.
    pub res_valid: Signal<Out, Bit>,
    pub res_ready: Signal<In, Bit>,
    pub res_data: Vec<Signal<Out, Bits<32>>>,
    /// Performance counters.
    pub cnt_busy: Signal<Out, Bits<48>>,
    pub cnt_macs: Signal<Out, Bits<48>>,
    pub cnt_starved: Signal<Out, Bits<48>>,
    pub cnt_stalled: Signal<Out, Bits<48>>,
    /// No work in flight.
    pub idle: Signal<Out, Bit>,

    pe: Vec<Pe<W>>,
    mxacc: Vec<MxAcc<W, F>>,
    /// Scales sampled on a block's last beat.
    asc_q: Vec<DFF<Bits<8>>>,
    bsc_q: Vec<DFF<Bits<8>>>,
    /// Shadow (drain) chain: R x C block sums and flags, R A scales, C B scales.
    sh_sum: Vec<DFF<Bits<W>>>,
    sh_nan: Vec<DFF<Bit>>,
    sh_pinf: Vec<DFF<Bit>>,
    sh_ninf: Vec<DFF<Bit>>,
    sh_asc: Vec<DFF<Bits<8>>>,
    sh_bsc: Vec<DFF<Bits<8>>>,
    /// Accumulators of the current tile (R x C, rotating by one row per fold step).
    acc: Vec<DFF<Bits<32>>>,
    /// Result chain (R x C, shifting by one row per result beat).
    out: Vec<DFF<Bits<32>>>,
    /// Beat within the block, block within the tile.
    beat_cnt: DFF<Bits<8>>,
    blk_cnt: DFF<Bits<16>>,
    /// A complete block waits in the PEs; it is its tile's first / last block.
    blk_done: DFF<Bit>,
    bd_first: DFF<Bit>,
    bd_last: DFF<Bit>,
    /// Rows of the shadow chain still to fold; the block being folded is first / last of its tile.
    drain_left: DFF<Bits<8>>,
    dr_first: DFF<Bit>,
    dr_last: DFF<Bit>,
    /// The accumulators hold a finished tile not yet copied to the result chain.
    acc_final: DFF<Bit>,
    /// Result rows still to send.
    out_left: DFF<Bits<8>>,
    busy_q: DFF<Bits<48>>,
    macs_q: DFF<Bits<48>>,
    starved_q: DFF<Bits<48>>,
    stalled_q: DFF<Bits<48>>,

    dual: Signal<Local, Bit>,
    last_beat: Signal<Local, Bit>,
    last_blk: Signal<Local, Bit>,
    advance: Signal<Local, Bit>,
    can_accept: Signal<Local, Bit>,
    step: Signal<Local, Bit>,
    capture: Signal<Local, Bit>,
    copy_now: Signal<Local, Bit>,
    res_xfer: Signal<Local, Bit>,
    need_c0: Signal<Local, Bit>,
    busy: Signal<Local, Bit>,

    f_e2m1: Constant<Bits<3>>,
    /// Beats per block minus one: k - 1, and k/2 - 1 in E2M1 x E2M1 mode.
    bpb1: Constant<Bits<8>>,
    bpb2: Constant<Bits<8>>,
    rows_c: Constant<Bits<8>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    zero32: Constant<Bits<32>>,
    zero48: Constant<Bits<48>>,
    one48: Constant<Bits<48>>,
    /// MACs per beat: R x C and 2 R x C.
    macs1: Constant<Bits<48>>,
    macs2: Constant<Bits<48>>,
}

fn sigs<D: Direction, T: Synth>(n: usize) -> Vec<Signal<D, T>> {
    (0..n).map(|_| Signal::default()).collect()
}

fn dffs<T: Synth>(n: usize) -> Vec<DFF<T>> {
    (0..n).map(|_| DFF::default()).collect()
}

impl<const W: usize, const F: usize> Ttu<W, F> {
    /// Build the TTU for `p` (see [`TtuParams::new`]); W and F must be the widths `p` selected.
    pub fn new(p: &TtuParams) -> Self {
        assert_eq!(
            W, p.sum_width,
            "Ttu<W, F> instantiated with the wrong width"
        );
        let (r, c) = (p.rows, p.cols);
        Ttu {
            clock: Default::default(),
            reset: Default::default(),
            fmt_a: Default::default(),
            fmt_b: Default::default(),
            kblocks: Default::default(),
            use_c0: Default::default(),
            a_valid: Default::default(),
            a_ready: Default::default(),
            a_codes: sigs(r),
            a_scales: sigs(r),
            b_valid: Default::default(),
            b_ready: Default::default(),
            b_codes: sigs(c),
            b_scales: sigs(c),
            c0_valid: Default::default(),
            c0_ready: Default::default(),
            c0_data: sigs(c),
            res_valid: Default::default(),
            res_ready: Default::default(),
            res_data: sigs(c),
            cnt_busy: Default::default(),
            cnt_macs: Default::default(),
            cnt_starved: Default::default(),
            cnt_stalled: Default::default(),
            idle: Default::default(),
            pe: (0..r * c).map(|_| Pe::new(&p.formats, p.lsb_min)).collect(),
            mxacc: (0..c).map(|_| MxAcc::new(2 * p.lsb_min)).collect(),
            asc_q: dffs(r),
            bsc_q: dffs(c),
            sh_sum: dffs(r * c),
            sh_nan: dffs(r * c),
            sh_pinf: dffs(r * c),
            sh_ninf: dffs(r * c),
            sh_asc: dffs(r),
            sh_bsc: dffs(c),
            acc: dffs(r * c),
            out: dffs(r * c),
            beat_cnt: Default::default(),
            blk_cnt: Default::default(),
            blk_done: Default::default(),
            bd_first: Default::default(),
            bd_last: Default::default(),
            drain_left: Default::default(),
            dr_first: Default::default(),
            dr_last: Default::default(),
            acc_final: Default::default(),
            out_left: Default::default(),
            busy_q: Default::default(),
            macs_q: Default::default(),
            starved_q: Default::default(),
            stalled_q: Default::default(),
            dual: Default::default(),
            last_beat: Default::default(),
            last_blk: Default::default(),
            advance: Default::default(),
            can_accept: Default::default(),
            step: Default::default(),
            capture: Default::default(),
            copy_now: Default::default(),
            res_xfer: Default::default(),
            need_c0: Default::default(),
            busy: Default::default(),
            f_e2m1: Constant::new(super::decode::format_select(ElemFormat::E2m1).to_bits()),
            bpb1: Constant::new(((p.block - 1) as u64).to_bits()),
            bpb2: Constant::new(((p.block / 2 - 1) as u64).to_bits()),
            rows_c: Constant::new((r as u64).to_bits()),
            zero8: Constant::new(0u64.to_bits()),
            one8: Constant::new(1u64.to_bits()),
            zero16: Constant::new(0u64.to_bits()),
            one16: Constant::new(1u64.to_bits()),
            zero32: Constant::new(0u64.to_bits()),
            zero48: Constant::new(0u64.to_bits()),
            one48: Constant::new(1u64.to_bits()),
            macs1: Constant::new(((r * c) as u64).to_bits()),
            macs2: Constant::new(((2 * r * c) as u64).to_bits()),
        }
    }
}

impl<const W: usize, const F: usize> Logic for Ttu<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, beat_cnt, blk_cnt, blk_done, bd_first, bd_last, drain_left, dr_first,
            dr_last, acc_final, out_left, busy_q, macs_q, starved_q, stalled_q
        );
        // The one-iteration loops bind the array dimensions to names the Verilog generator can
        // evaluate inside flat indices (rust-hdl evaluates `[...]` with loop variables only).
        for nc in (self.b_codes.len())..(self.b_codes.len() + 1) {
            // Clocks and hold-by-default for the vectors of flip-flops.
            for r in 0..self.a_codes.len() {
                self.asc_q[r].clock.next = self.clock.val();
                self.asc_q[r].d.next = self.asc_q[r].q.val();
                self.sh_asc[r].clock.next = self.clock.val();
                self.sh_asc[r].d.next = self.sh_asc[r].q.val();
            }
            for c in 0..self.b_codes.len() {
                self.bsc_q[c].clock.next = self.clock.val();
                self.bsc_q[c].d.next = self.bsc_q[c].q.val();
                self.sh_bsc[c].clock.next = self.clock.val();
                self.sh_bsc[c].d.next = self.sh_bsc[c].q.val();
            }
            for i in 0..self.pe.len() {
                self.sh_sum[i].clock.next = self.clock.val();
                self.sh_sum[i].d.next = self.sh_sum[i].q.val();
                self.sh_nan[i].clock.next = self.clock.val();
                self.sh_nan[i].d.next = self.sh_nan[i].q.val();
                self.sh_pinf[i].clock.next = self.clock.val();
                self.sh_pinf[i].d.next = self.sh_pinf[i].q.val();
                self.sh_ninf[i].clock.next = self.clock.val();
                self.sh_ninf[i].d.next = self.sh_ninf[i].q.val();
                self.acc[i].clock.next = self.clock.val();
                self.acc[i].d.next = self.acc[i].q.val();
                self.out[i].clock.next = self.clock.val();
                self.out[i].d.next = self.out[i].q.val();
            }

            // --- Input side: beat counting and the join of the A and B streams.
            self.dual.next =
                (self.fmt_a.val() == self.f_e2m1.val()) & (self.fmt_b.val() == self.f_e2m1.val());
            self.last_beat.next = self.beat_cnt.q.val() == self.bpb1.val();
            if self.dual.val() {
                self.last_beat.next = self.beat_cnt.q.val() == self.bpb2.val();
            }
            self.last_blk.next = (self.blk_cnt.q.val() + self.one16.val()) == self.kblocks.val();

            // --- Drain side: fold one shadow row per cycle into every column's accumulator.
            self.res_xfer.next = self.res_ready.val() & self.out_left.q.val().any();
            self.copy_now.next = self.acc_final.q.val()
                & (!self.out_left.q.val().any()
                    | ((self.out_left.q.val() == self.one8.val()) & self.res_xfer.val()));
            self.need_c0.next = self.dr_first.q.val() & self.use_c0.val();
            self.step.next = self.drain_left.q.val().any()
                & (!self.acc_final.q.val() | self.copy_now.val())
                & (!self.need_c0.val() | self.c0_valid.val());
            self.capture.next = self.blk_done.q.val()
                & (!self.drain_left.q.val().any()
                    | ((self.drain_left.q.val() == self.one8.val()) & self.step.val()));
            self.can_accept.next = !self.blk_done.q.val() | self.capture.val();
            self.advance.next = self.a_valid.val() & self.b_valid.val() & self.can_accept.val();
            self.a_ready.next = self.b_valid.val() & self.can_accept.val();
            self.b_ready.next = self.a_valid.val() & self.can_accept.val();
            self.c0_ready.next = self.step.val() & self.need_c0.val();

            // --- PEs: row r gets a_codes[r], column c gets b_codes[c].
            for r in 0..self.a_codes.len() {
                for c in 0..self.b_codes.len() {
                    self.pe[r * nc + c].clock.next = self.clock.val();
                    self.pe[r * nc + c].en.next = self.advance.val();
                    self.pe[r * nc + c].first.next = !self.beat_cnt.q.val().any();
                    self.pe[r * nc + c].dual.next = self.dual.val();
                    self.pe[r * nc + c].fmt_a.next = self.fmt_a.val();
                    self.pe[r * nc + c].fmt_b.next = self.fmt_b.val();
                    self.pe[r * nc + c].code_a.next = self.a_codes[r].val();
                    self.pe[r * nc + c].code_b.next = self.b_codes[c].val();
                }
            }
            if self.advance.val() {
                self.beat_cnt.d.next = self.beat_cnt.q.val() + self.one8.val();
                if self.last_beat.val() {
                    self.beat_cnt.d.next = self.zero8.val();
                    self.blk_cnt.d.next = self.blk_cnt.q.val() + self.one16.val();
                    if self.last_blk.val() {
                        self.blk_cnt.d.next = self.zero16.val();
                    }
                    self.blk_done.d.next = true;
                    self.bd_first.d.next = !self.blk_cnt.q.val().any();
                    self.bd_last.d.next = self.last_blk.val();
                    for r in 0..self.a_codes.len() {
                        self.asc_q[r].d.next = self.a_scales[r].val();
                    }
                    for c in 0..self.b_codes.len() {
                        self.bsc_q[c].d.next = self.b_scales[c].val();
                    }
                }
            }

            // --- Capture a finished block into the shadow chain (the double buffer).
            if self.capture.val() {
                if !(self.advance.val() & self.last_beat.val()) {
                    self.blk_done.d.next = false;
                }
                self.dr_first.d.next = self.bd_first.q.val();
                self.dr_last.d.next = self.bd_last.q.val();
                self.drain_left.d.next = self.rows_c.val();
                for r in 0..self.a_codes.len() {
                    self.sh_asc[r].d.next = self.asc_q[r].q.val();
                    for c in 0..self.b_codes.len() {
                        self.sh_sum[r * nc + c].d.next = self.pe[r * nc + c].sum.val();
                        self.sh_nan[r * nc + c].d.next = self.pe[r * nc + c].nan.val();
                        self.sh_pinf[r * nc + c].d.next = self.pe[r * nc + c].pinf.val();
                        self.sh_ninf[r * nc + c].d.next = self.pe[r * nc + c].ninf.val();
                    }
                }
                for c in 0..self.b_codes.len() {
                    self.sh_bsc[c].d.next = self.bsc_q[c].q.val();
                }
            }

            // --- Column accumulate units read the head row of the shadow chain.
            for c in 0..self.b_codes.len() {
                self.mxacc[c].sum.next = self.sh_sum[c].q.val();
                self.mxacc[c].nan.next = self.sh_nan[c].q.val();
                self.mxacc[c].pinf.next = self.sh_pinf[c].q.val();
                self.mxacc[c].ninf.next = self.sh_ninf[c].q.val();
                self.mxacc[c].scale_a.next = self.sh_asc[0].q.val();
                self.mxacc[c].scale_b.next = self.sh_bsc[c].q.val();
                self.mxacc[c].acc.next = self.acc[c].q.val();
                if self.dr_first.q.val() {
                    self.mxacc[c].acc.next = self.zero32.val();
                    if self.use_c0.val() {
                        self.mxacc[c].acc.next = self.c0_data[c].val();
                    }
                }
            }
            if self.step.val() {
                if !self.capture.val() {
                    self.drain_left.d.next = self.drain_left.q.val() - self.one8.val();
                }
                if (self.drain_left.q.val() == self.one8.val()) & self.dr_last.q.val() {
                    self.acc_final.d.next = true;
                }
                // Shadow rows move up by one (interior rows, then the tail which is never read
                // again before the next capture).
                for r in 0..(self.a_codes.len() - 1) {
                    self.sh_asc[r].d.next = self.sh_asc[r + 1].q.val();
                    for c in 0..self.b_codes.len() {
                        self.sh_sum[r * nc + c].d.next = self.sh_sum[(r + 1) * nc + c].q.val();
                        self.sh_nan[r * nc + c].d.next = self.sh_nan[(r + 1) * nc + c].q.val();
                        self.sh_pinf[r * nc + c].d.next = self.sh_pinf[(r + 1) * nc + c].q.val();
                        self.sh_ninf[r * nc + c].d.next = self.sh_ninf[(r + 1) * nc + c].q.val();
                    }
                }
                // Accumulators rotate: row 0 leaves, the folded value enters as row R-1.
                for r in 0..(self.a_codes.len() - 1) {
                    for c in 0..self.b_codes.len() {
                        self.acc[r * nc + c].d.next = self.acc[(r + 1) * nc + c].q.val();
                    }
                }
                for rl in (self.a_codes.len() - 1)..self.a_codes.len() {
                    for c in 0..self.b_codes.len() {
                        self.acc[rl * nc + c].d.next = self.mxacc[c].res.val();
                    }
                }
            }

            // --- Result chain.
            if self.res_xfer.val() {
                self.out_left.d.next = self.out_left.q.val() - self.one8.val();
                for r in 0..(self.a_codes.len() - 1) {
                    for c in 0..self.b_codes.len() {
                        self.out[r * nc + c].d.next = self.out[(r + 1) * nc + c].q.val();
                    }
                }
            }
            if self.copy_now.val() {
                if !(self.step.val()
                    & (self.drain_left.q.val() == self.one8.val())
                    & self.dr_last.q.val())
                {
                    self.acc_final.d.next = false;
                }
                self.out_left.d.next = self.rows_c.val();
                for i in 0..self.pe.len() {
                    self.out[i].d.next = self.acc[i].q.val();
                }
            }
            self.res_valid.next = self.out_left.q.val().any();
            for c in 0..self.b_codes.len() {
                self.res_data[c].next = self.out[c].q.val();
            }

            // --- Counters.
            self.busy.next = self.advance.val()
                | self.beat_cnt.q.val().any()
                | self.blk_cnt.q.val().any()
                | self.blk_done.q.val()
                | self.drain_left.q.val().any()
                | self.acc_final.q.val()
                | self.out_left.q.val().any();
            if self.busy.val() {
                self.busy_q.d.next = self.busy_q.q.val() + self.one48.val();
            }
            if self.advance.val() {
                self.macs_q.d.next = self.macs_q.q.val() + self.macs1.val();
                if self.dual.val() {
                    self.macs_q.d.next = self.macs_q.q.val() + self.macs2.val();
                }
            }
            if self.can_accept.val()
                & !(self.a_valid.val() & self.b_valid.val())
                & (self.beat_cnt.q.val().any() | self.blk_cnt.q.val().any())
            {
                self.starved_q.d.next = self.starved_q.q.val() + self.one48.val();
            }
            if self.out_left.q.val().any() & !self.res_ready.val() {
                self.stalled_q.d.next = self.stalled_q.q.val() + self.one48.val();
            }
            self.cnt_busy.next = self.busy_q.q.val();
            self.cnt_macs.next = self.macs_q.q.val();
            self.cnt_starved.next = self.starved_q.q.val();
            self.cnt_stalled.next = self.stalled_q.q.val();
            self.idle.next = !self.busy.val();

            // --- Synchronous reset: drop all work, clear the counters.
            if self.reset.val() {
                self.beat_cnt.d.next = self.zero8.val();
                self.blk_cnt.d.next = self.zero16.val();
                self.blk_done.d.next = false;
                self.drain_left.d.next = self.zero8.val();
                self.acc_final.d.next = false;
                self.out_left.d.next = self.zero8.val();
                self.busy_q.d.next = self.zero48.val();
                self.macs_q.d.next = self.zero48.val();
                self.starved_q.d.next = self.zero48.val();
                self.stalled_q.d.next = self.zero48.val();
            }
        }
    }
}
