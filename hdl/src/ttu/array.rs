//! `Ttu<W, F>`: the tensor unit top — an R x C output-stationary array of [`Pe`]s fed by operand
//! decoders at its edges, a double-buffered drain of exact block sums, one pipelined [`MxAcc`] per
//! column, the float32 accumulators of the current output tile, and a result buffer streamed out
//! one row per beat.
//!
//! ```text
//!            b_codes[c], b_scales[c] (one B column per array column)
//!                 |        |        |
//!            OperandEdge[c] (decode + register), broadcast down the column
//!                 |        |        |
//!  a_codes[r] -> PE(0,0)  PE(0,1) ... PE(0,C-1)      exact W-bit block sums (+ NaN/Inf flags)
//!  OperandEdge -> PE(1,0)  PE(1,1) ...               3-stage pipelines, frozen together by `go`
//!  (along row)    ...                                          block end
//!                 |        |        |                              v
//!           shadow chain (R deep, per column; double buffer of the PE sums, drained row by row)
//!                 |        |        |
//!              MxAcc[0] MxAcc[1] ... MxAcc[C-1]   <- acc[row][c] (R float32 per column, read by
//!                 |        |        |                 row index) or C0 / +0 on a tile's first block
//!              acc[row][c] <- written back L cycles after the read
//!                 |
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
//! * The array pipeline (edge decode, PE stages S1..S3, the sum) advances while `go` is high; a
//!   block is complete when its last beat enters the sums, D = 4 cycles after it was accepted. `go`
//!   is low only while a complete block waits for the shadow chain (the inputs stall then).
//! * The complete block moves into the shadow chain once the previous one has been issued. Each
//!   following cycle every column's MxAcc takes one row:
//!   `acc[r][c] = RNE(acc[r][c] + 2^(sa[r]+sb[c]-254) x sum[r][c])`, rows in order 0..R-1, the
//!   result written back L cycles later (L = 8, or 4 in the shallow variant). A row is issued only
//!   when its previous fold has been written back (fewer than R folds in flight); a tile's first
//!   block starts from C0 (one `c0_data` row per fold step, when `use_c0`) or +0, once the previous
//!   tile has been written back and copied out, or at once (same in-flight rule) when the result
//!   chain is empty, since the previous tile's copy then comes before this tile's first write-back.
//! * After a tile's last block is written back, the accumulators are copied into the result chain
//!   and leave on `res_*`, rows 0..R-1 of the tile, one row (C float32) per beat.
//!
//! Throughput: one beat per cycle while the drain keeps up, i.e. while max(R, L) <= beats per
//! block (k for 8-bit formats, k/2 for E2M1 x E2M1); every preset satisfies this, and
//! [`TtuParams::acc_deep`] picks the shallow MxAcc where the deep one would not. `ready` depends
//! combinationally on the other stream's `valid` and on the drain state (`res_ready`,
//! `c0_valid`; allowed by ARCHITECTURE.md 3); `valid` outputs come from registers.
//!
//! Reset (synchronous, active high): drops all work in flight and clears the counters; the unit is
//! idle and ready one cycle later.
//!
//! Counters (48 bits, wrap): `cnt_busy` cycles with work in flight, `cnt_macs` element MACs done
//! by the array (R x C per beat, 2 R x C in E2M1 x E2M1 mode; padding included), `cnt_starved`
//! cycles inside a tile where the array could take a beat but `a_valid & b_valid` was low,
//! `cnt_stalled` cycles where `res_valid` was high and `res_ready` low.
use super::edge::OperandEdge;
use super::mx_acc::MxAcc;
use super::pe::Pe;
use super::TtuParams;
use rust_hdl::prelude::*;
use tessera_model::config::ElemFormat;

/// Array pipeline registers from an accepted beat to the PE sums (edge decode + [`Pe::DEPTH`]).
pub const ARRAY_DEPTH: usize = 4;

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

    edge_a: Vec<OperandEdge>,
    edge_b: Vec<OperandEdge>,
    pe: Vec<Pe<W>>,
    mxacc: Vec<MxAcc<W, F>>,
    /// Scales sampled on a block's last beat, then when that beat completes the block.
    asc_q: Vec<DFF<Bits<8>>>,
    bsc_q: Vec<DFF<Bits<8>>>,
    asc_c: Vec<DFF<Bits<8>>>,
    bsc_c: Vec<DFF<Bits<8>>>,
    /// Array pipeline tags, one per stage (ARRAY_DEPTH): a beat, the block's last beat, the
    /// block is its tile's first / last.
    tg_v: Vec<DFF<Bit>>,
    tg_last: Vec<DFF<Bit>>,
    tg_bfirst: Vec<DFF<Bit>>,
    tg_blast: Vec<DFF<Bit>>,
    /// First beat of its block, at the PE inputs.
    tg_first0: DFF<Bit>,
    /// Shadow (drain) chain: R x C block sums and flags, R A scales, C B scales.
    sh_sum: Vec<DFF<Bits<W>>>,
    sh_nan: Vec<DFF<Bit>>,
    sh_pinf: Vec<DFF<Bit>>,
    sh_ninf: Vec<DFF<Bit>>,
    sh_asc: Vec<DFF<Bits<8>>>,
    sh_bsc: Vec<DFF<Bits<8>>>,
    /// Accumulators of the current tile (R x C, row-major, fixed places).
    acc: Vec<DFF<Bits<32>>>,
    /// MxAcc pipeline tags (L - 1 stages): a fold, its row, it is the tile's last fold.
    wb_v: Vec<DFF<Bit>>,
    wb_row: Vec<DFF<Bits<8>>>,
    wb_fin: Vec<DFF<Bit>>,
    /// Folds issued and not yet written back.
    inflight: DFF<Bits<8>>,
    /// Result chain (R x C, shifting by one row per result beat).
    out: Vec<DFF<Bits<32>>>,
    /// Beat within the block, block within the tile.
    beat_cnt: DFF<Bits<8>>,
    blk_cnt: DFF<Bits<16>>,
    /// A complete block waits in the PEs; it is its tile's first / last block.
    blk_done: DFF<Bit>,
    bd_first: DFF<Bit>,
    bd_last: DFF<Bit>,
    /// Rows of the shadow chain still to issue; the block being issued is first / last of its
    /// tile.
    drain_left: DFF<Bits<8>>,
    dr_first: DFF<Bit>,
    dr_last: DFF<Bit>,
    /// Row to issue next (R - drain_left, kept as a register so that no subtraction sits in
    /// front of the accumulator read), and one all-ones / all-zeros read mask per row: the mask
    /// of that row is all ones unless the block is its tile's first (which reads C0 or +0).
    rd_row: DFF<Bits<8>>,
    rd_mask: Vec<DFF<Bits<32>>>,
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
    go: Signal<Local, Bit>,
    complete: Signal<Local, Bit>,
    step: Signal<Local, Bit>,
    capture: Signal<Local, Bit>,
    copy_now: Signal<Local, Bit>,
    res_xfer: Signal<Local, Bit>,
    need_c0: Signal<Local, Bit>,
    /// Per column: the accumulator read through the row masks (an AND-OR multiplexer).
    rd_acc: Vec<Signal<Local, Bits<32>>>,
    c0_mask: Signal<Local, Bits<32>>,
    wb: Signal<Local, Bit>,
    in_pipe: Signal<Local, Bit>,
    busy: Signal<Local, Bit>,

    f_e2m1: Constant<Bits<3>>,
    /// Beats per block minus one: k - 1, and k/2 - 1 in E2M1 x E2M1 mode.
    bpb1: Constant<Bits<8>>,
    bpb2: Constant<Bits<8>>,
    rows_c: Constant<Bits<8>>,
    rows_m1: Constant<Bits<8>>,
    /// Row numbers 0..R-1 (the run-time row index is matched against these).
    row_id: Vec<Constant<Bits<8>>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    zero32: Constant<Bits<32>>,
    ones32: Constant<Bits<32>>,
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
        let l = p.acc_latency();
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
            edge_a: (0..r)
                .map(|_| OperandEdge::new(&p.formats, p.lsb_min))
                .collect(),
            edge_b: (0..c)
                .map(|_| OperandEdge::new(&p.formats, p.lsb_min))
                .collect(),
            pe: (0..r * c).map(|_| Pe::new()).collect(),
            mxacc: (0..c)
                .map(|_| MxAcc::new(2 * p.lsb_min, p.acc_deep()))
                .collect(),
            asc_q: dffs(r),
            bsc_q: dffs(c),
            asc_c: dffs(r),
            bsc_c: dffs(c),
            tg_v: dffs(ARRAY_DEPTH),
            tg_last: dffs(ARRAY_DEPTH),
            tg_bfirst: dffs(ARRAY_DEPTH),
            tg_blast: dffs(ARRAY_DEPTH),
            tg_first0: Default::default(),
            sh_sum: dffs(r * c),
            sh_nan: dffs(r * c),
            sh_pinf: dffs(r * c),
            sh_ninf: dffs(r * c),
            sh_asc: dffs(r),
            sh_bsc: dffs(c),
            acc: dffs(r * c),
            wb_v: dffs(l - 1),
            wb_row: dffs(l - 1),
            wb_fin: dffs(l - 1),
            inflight: Default::default(),
            out: dffs(r * c),
            beat_cnt: Default::default(),
            blk_cnt: Default::default(),
            blk_done: Default::default(),
            bd_first: Default::default(),
            bd_last: Default::default(),
            drain_left: Default::default(),
            dr_first: Default::default(),
            dr_last: Default::default(),
            rd_row: Default::default(),
            rd_mask: dffs(r),
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
            go: Default::default(),
            complete: Default::default(),
            step: Default::default(),
            capture: Default::default(),
            copy_now: Default::default(),
            res_xfer: Default::default(),
            need_c0: Default::default(),
            rd_acc: sigs(c),
            c0_mask: Default::default(),
            wb: Default::default(),
            in_pipe: Default::default(),
            busy: Default::default(),
            f_e2m1: Constant::new(super::decode::format_select(ElemFormat::E2m1).to_bits()),
            bpb1: Constant::new(((p.block - 1) as u64).to_bits()),
            bpb2: Constant::new(((p.block / 2 - 1) as u64).to_bits()),
            rows_c: Constant::new((r as u64).to_bits()),
            rows_m1: Constant::new(((r - 1) as u64).to_bits()),
            row_id: (0..r)
                .map(|i| Constant::new((i as u64).to_bits()))
                .collect(),
            zero8: Constant::new(0u64.to_bits()),
            one8: Constant::new(1u64.to_bits()),
            zero16: Constant::new(0u64.to_bits()),
            one16: Constant::new(1u64.to_bits()),
            zero32: Constant::new(0u64.to_bits()),
            ones32: Constant::new(0xFFFF_FFFFu64.to_bits()),
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
            self, clock, tg_first0, inflight, beat_cnt, blk_cnt, blk_done, bd_first, bd_last,
            drain_left, dr_first, dr_last, rd_row, acc_final, out_left, busy_q, macs_q, starved_q,
            stalled_q
        );
        // The one-iteration loops bind the array dimensions to names the Verilog generator can
        // evaluate inside flat indices (rust-hdl evaluates `[...]` with loop variables only).
        for nc in (self.b_codes.len())..(self.b_codes.len() + 1) {
            // Clocks and hold-by-default for the vectors of flip-flops.
            for r in 0..self.a_codes.len() {
                self.asc_q[r].clock.next = self.clock.val();
                self.asc_q[r].d.next = self.asc_q[r].q.val();
                self.asc_c[r].clock.next = self.clock.val();
                self.asc_c[r].d.next = self.asc_c[r].q.val();
                self.sh_asc[r].clock.next = self.clock.val();
                self.sh_asc[r].d.next = self.sh_asc[r].q.val();
                self.rd_mask[r].clock.next = self.clock.val();
                self.rd_mask[r].d.next = self.rd_mask[r].q.val();
            }
            for c in 0..self.b_codes.len() {
                self.bsc_q[c].clock.next = self.clock.val();
                self.bsc_q[c].d.next = self.bsc_q[c].q.val();
                self.bsc_c[c].clock.next = self.clock.val();
                self.bsc_c[c].d.next = self.bsc_c[c].q.val();
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
            for s in 0..self.tg_v.len() {
                self.tg_v[s].clock.next = self.clock.val();
                self.tg_v[s].d.next = self.tg_v[s].q.val();
                self.tg_last[s].clock.next = self.clock.val();
                self.tg_last[s].d.next = self.tg_last[s].q.val();
                self.tg_bfirst[s].clock.next = self.clock.val();
                self.tg_bfirst[s].d.next = self.tg_bfirst[s].q.val();
                self.tg_blast[s].clock.next = self.clock.val();
                self.tg_blast[s].d.next = self.tg_blast[s].q.val();
            }
            for s in 0..self.wb_v.len() {
                self.wb_v[s].clock.next = self.clock.val();
                self.wb_v[s].d.next = self.wb_v[s].q.val();
                self.wb_row[s].clock.next = self.clock.val();
                self.wb_row[s].d.next = self.wb_row[s].q.val();
                self.wb_fin[s].clock.next = self.clock.val();
                self.wb_fin[s].d.next = self.wb_fin[s].q.val();
            }

            // --- Input side: beat counting and the join of the A and B streams.
            self.dual.next =
                (self.fmt_a.val() == self.f_e2m1.val()) & (self.fmt_b.val() == self.f_e2m1.val());
            self.last_beat.next = self.beat_cnt.q.val() == self.bpb1.val();
            if self.dual.val() {
                self.last_beat.next = self.beat_cnt.q.val() == self.bpb2.val();
            }
            self.last_blk.next = (self.blk_cnt.q.val() + self.one16.val()) == self.kblocks.val();

            // --- Drain side: issue one shadow row per cycle into every column's MxAcc.
            self.res_xfer.next = self.res_ready.val() & self.out_left.q.val().any();
            self.copy_now.next = self.acc_final.q.val()
                & (!self.out_left.q.val().any()
                    | ((self.out_left.q.val() == self.one8.val()) & self.res_xfer.val()));
            self.need_c0.next = self.dr_first.q.val() & self.use_c0.val();
            // A row's previous fold was issued R folds ago: it is back when fewer than R are in
            // flight. A tile's first row waits for the previous tile to be back and copied out.
            self.step.next = self.drain_left.q.val().any()
                & (self.inflight.q.val() < self.rows_c.val())
                & (!self.need_c0.val() | self.c0_valid.val());
            // When the result chain is empty, nothing but the previous tile's copy can fill it, so
            // that copy happens in the cycle after the previous tile's last write-back: before this
            // tile's first write-back (issued later, same latency) lands in acc. The first row then
            // follows the in-flight rule like any other and no bubble opens between tiles.
            if self.dr_first.q.val() & (self.drain_left.q.val() == self.rows_c.val()) {
                self.step.next = self.drain_left.q.val().any()
                    & ((!self.inflight.q.val().any()
                        & (!self.acc_final.q.val() | self.copy_now.val()))
                        | ((self.inflight.q.val() < self.rows_c.val())
                            & !self.out_left.q.val().any()))
                    & (!self.need_c0.val() | self.c0_valid.val());
            }
            self.capture.next = self.blk_done.q.val()
                & (!self.drain_left.q.val().any()
                    | ((self.drain_left.q.val() == self.one8.val()) & self.step.val()));
            // The array pipeline freezes only while a complete block cannot leave the PEs.
            self.go.next = !self.blk_done.q.val() | self.capture.val();
            self.advance.next = self.a_valid.val() & self.b_valid.val() & self.go.val();
            self.a_ready.next = self.b_valid.val() & self.go.val();
            self.b_ready.next = self.a_valid.val() & self.go.val();
            self.c0_ready.next = self.step.val() & self.need_c0.val();

            // --- Edge decoders and PEs: row r gets A lane r, column c gets B lane c.
            for r in 0..self.a_codes.len() {
                self.edge_a[r].clock.next = self.clock.val();
                self.edge_a[r].go.next = self.go.val();
                self.edge_a[r].code.next = self.a_codes[r].val();
                self.edge_a[r].fmt.next = self.fmt_a.val();
            }
            for c in 0..self.b_codes.len() {
                self.edge_b[c].clock.next = self.clock.val();
                self.edge_b[c].go.next = self.go.val();
                self.edge_b[c].code.next = self.b_codes[c].val();
                self.edge_b[c].fmt.next = self.fmt_b.val();
            }
            for r in 0..self.a_codes.len() {
                for c in 0..self.b_codes.len() {
                    self.pe[r * nc + c].clock.next = self.clock.val();
                    self.pe[r * nc + c].go.next = self.go.val();
                    self.pe[r * nc + c].v.next = self.tg_v[0].q.val();
                    self.pe[r * nc + c].first.next = self.tg_first0.q.val();
                    self.pe[r * nc + c].dual.next = self.dual.val();
                    self.pe[r * nc + c].a0.next = self.edge_a[r].lane0.val();
                    self.pe[r * nc + c].a1.next = self.edge_a[r].lane1.val();
                    self.pe[r * nc + c].b0.next = self.edge_b[c].lane0.val();
                    self.pe[r * nc + c].b1.next = self.edge_b[c].lane1.val();
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
                    for r in 0..self.a_codes.len() {
                        self.asc_q[r].d.next = self.a_scales[r].val();
                    }
                    for c in 0..self.b_codes.len() {
                        self.bsc_q[c].d.next = self.b_scales[c].val();
                    }
                }
            }
            // Pipeline tags: stage 0 sits beside the edge registers, stage D-1 beside S3.
            if self.go.val() {
                self.tg_first0.d.next = !self.beat_cnt.q.val().any();
                for s0 in 0..1 {
                    self.tg_v[s0].d.next = self.advance.val();
                    self.tg_last[s0].d.next = self.last_beat.val();
                    self.tg_bfirst[s0].d.next = !self.blk_cnt.q.val().any();
                    self.tg_blast[s0].d.next = self.last_blk.val();
                }
                for s in 1..self.tg_v.len() {
                    self.tg_v[s].d.next = self.tg_v[s - 1].q.val();
                    self.tg_last[s].d.next = self.tg_last[s - 1].q.val();
                    self.tg_bfirst[s].d.next = self.tg_bfirst[s - 1].q.val();
                    self.tg_blast[s].d.next = self.tg_blast[s - 1].q.val();
                }
            }
            // A block's last beat enters the PE sums: the block is complete. (Another block's
            // last beat is at least k/2 >= D go-cycles behind, so asc_q/bsc_q still hold its
            // scales.)
            self.complete.next = false;
            for sl in (self.tg_v.len() - 1)..self.tg_v.len() {
                self.complete.next =
                    self.go.val() & self.tg_v[sl].q.val() & self.tg_last[sl].q.val();
                if self.complete.val() {
                    self.blk_done.d.next = true;
                    self.bd_first.d.next = self.tg_bfirst[sl].q.val();
                    self.bd_last.d.next = self.tg_blast[sl].q.val();
                    for r in 0..self.a_codes.len() {
                        self.asc_c[r].d.next = self.asc_q[r].q.val();
                    }
                    for c in 0..self.b_codes.len() {
                        self.bsc_c[c].d.next = self.bsc_q[c].q.val();
                    }
                }
            }

            // --- Column accumulate units read the head row of the shadow chain and acc[rd_row].
            self.c0_mask.next = self.zero32.val();
            if self.dr_first.q.val() & self.use_c0.val() {
                self.c0_mask.next = self.ones32.val();
            }
            for c in 0..self.b_codes.len() {
                self.rd_acc[c].next = self.c0_data[c].val() & self.c0_mask.val();
                for r in 0..self.a_codes.len() {
                    self.rd_acc[c].next = self.rd_acc[c].val()
                        | (self.acc[r * nc + c].q.val() & self.rd_mask[r].q.val());
                }
                self.mxacc[c].clock.next = self.clock.val();
                self.mxacc[c].sum.next = self.sh_sum[c].q.val();
                self.mxacc[c].nan.next = self.sh_nan[c].q.val();
                self.mxacc[c].pinf.next = self.sh_pinf[c].q.val();
                self.mxacc[c].ninf.next = self.sh_ninf[c].q.val();
                self.mxacc[c].scale_a.next = self.sh_asc[0].q.val();
                self.mxacc[c].scale_b.next = self.sh_bsc[c].q.val();
                self.mxacc[c].acc.next = self.rd_acc[c].val();
            }
            if self.step.val() {
                if !self.capture.val() {
                    self.drain_left.d.next = self.drain_left.q.val() - self.one8.val();
                    self.rd_row.d.next = self.rd_row.q.val() + self.one8.val();
                    for r0 in 0..1 {
                        self.rd_mask[r0].d.next = self.zero32.val();
                    }
                    for r in 1..self.a_codes.len() {
                        self.rd_mask[r].d.next = self.rd_mask[r - 1].q.val();
                    }
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
            }
            // --- Capture a complete block into the shadow chain (the double buffer). It comes after
            // the shift above: when the last row is issued in the capture cycle, the new block wins.
            if self.capture.val() {
                if !self.complete.val() {
                    self.blk_done.d.next = false;
                }
                self.dr_first.d.next = self.bd_first.q.val();
                self.dr_last.d.next = self.bd_last.q.val();
                self.drain_left.d.next = self.rows_c.val();
                self.rd_row.d.next = self.zero8.val();
                for r0 in 0..1 {
                    self.rd_mask[r0].d.next = self.ones32.val();
                    if self.bd_first.q.val() {
                        self.rd_mask[r0].d.next = self.zero32.val();
                    }
                }
                for r in 1..self.a_codes.len() {
                    self.rd_mask[r].d.next = self.zero32.val();
                }
                for r in 0..self.a_codes.len() {
                    self.sh_asc[r].d.next = self.asc_c[r].q.val();
                    for c in 0..self.b_codes.len() {
                        self.sh_sum[r * nc + c].d.next = self.pe[r * nc + c].sum.val();
                        self.sh_nan[r * nc + c].d.next = self.pe[r * nc + c].nan.val();
                        self.sh_pinf[r * nc + c].d.next = self.pe[r * nc + c].pinf.val();
                        self.sh_ninf[r * nc + c].d.next = self.pe[r * nc + c].ninf.val();
                    }
                }
                for c in 0..self.b_codes.len() {
                    self.sh_bsc[c].d.next = self.bsc_c[c].q.val();
                }
            }

            // MxAcc tags travel beside its pipeline (free-running); the tail writes back.
            for s0 in 0..1 {
                self.wb_v[s0].d.next = self.step.val();
                self.wb_row[s0].d.next = self.rd_row.q.val();
                self.wb_fin[s0].d.next =
                    self.dr_last.q.val() & (self.rd_row.q.val() == self.rows_m1.val());
            }
            for s in 1..self.wb_v.len() {
                self.wb_v[s].d.next = self.wb_v[s - 1].q.val();
                self.wb_row[s].d.next = self.wb_row[s - 1].q.val();
                self.wb_fin[s].d.next = self.wb_fin[s - 1].q.val();
            }
            self.wb.next = false;
            for sl in (self.wb_v.len() - 1)..self.wb_v.len() {
                self.wb.next = self.wb_v[sl].q.val();
                for r in 0..self.a_codes.len() {
                    if self.wb_v[sl].q.val() & (self.wb_row[sl].q.val() == self.row_id[r].val()) {
                        for c in 0..self.b_codes.len() {
                            self.acc[r * nc + c].d.next = self.mxacc[c].res.val();
                        }
                    }
                }
            }
            self.inflight.d.next = self.inflight.q.val();
            if self.step.val() & !self.wb.val() {
                self.inflight.d.next = self.inflight.q.val() + self.one8.val();
            }
            if !self.step.val() & self.wb.val() {
                self.inflight.d.next = self.inflight.q.val() - self.one8.val();
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
                self.acc_final.d.next = false;
                self.out_left.d.next = self.rows_c.val();
                for i in 0..self.pe.len() {
                    self.out[i].d.next = self.acc[i].q.val();
                }
            }
            for sl in (self.wb_v.len() - 1)..self.wb_v.len() {
                if self.wb_v[sl].q.val() & self.wb_fin[sl].q.val() {
                    self.acc_final.d.next = true;
                }
            }
            self.res_valid.next = self.out_left.q.val().any();
            for c in 0..self.b_codes.len() {
                self.res_data[c].next = self.out[c].q.val();
            }

            // --- Counters.
            self.in_pipe.next = false;
            for s in 0..self.tg_v.len() {
                if self.tg_v[s].q.val() {
                    self.in_pipe.next = true;
                }
            }
            self.busy.next = self.advance.val()
                | self.in_pipe.val()
                | self.beat_cnt.q.val().any()
                | self.blk_cnt.q.val().any()
                | self.blk_done.q.val()
                | self.drain_left.q.val().any()
                | self.inflight.q.val().any()
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
            if self.go.val()
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
                self.rd_row.d.next = self.zero8.val();
                for r in 0..self.a_codes.len() {
                    self.rd_mask[r].d.next = self.zero32.val();
                }
                self.acc_final.d.next = false;
                self.out_left.d.next = self.zero8.val();
                self.inflight.d.next = self.zero8.val();
                for s in 0..self.tg_v.len() {
                    self.tg_v[s].d.next = false;
                }
                for s in 0..self.wb_v.len() {
                    self.wb_v[s].d.next = false;
                }
                self.busy_q.d.next = self.zero48.val();
                self.macs_q.d.next = self.zero48.val();
                self.starved_q.d.next = self.zero48.val();
                self.stalled_q.d.next = self.zero48.val();
            }
        }
    }
}
