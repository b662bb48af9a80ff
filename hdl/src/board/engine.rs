//! The board's GEMM engine: an AXI4-Lite slave with the control/status registers of
//! [`super::regs::REGS`], block RAM standing in for the HBM channel (operand memories for A and B,
//! result memories for C) and a sequencer that streams the operands into the TTU and writes its
//! results back.
//!
//! ```text
//!   AXI4-Lite slave ──> registers (FMT, M, N, K, CTRL doorbell, STATUS, counters)
//!        │   │                 │ start
//!        │   └─> A mem[r] ──┐  v
//!        │   └─> B mem[c] ──┼─> sequencer ── a/b beats ──> TTU (R x C) ── result rows ──┐
//!        └────── C mem[c] <─┴───────────────────────────────────────────────────────────┘
//! ```
//!
//! Memory layout (the host library `host.rs` packs and unpacks it): one memory per array row for
//! A and per array column for B, [`MEM_DEPTH`] words of 16 bits {scale, code}; word
//! `mt * KB + t` of A memory r holds beat t of row `mt * R + r` (KB = K beats per tile: K, or K/2
//! for E2M1 x E2M1 where a code byte holds two elements, element 2j in bits 3:0); B likewise with
//! column tiles. The scale of a block must be in (at least) the block's last beat. Results: one
//! memory per array column, word `(mt * NT + nt) * R + r` of C memory c holds
//! `C[mt*R + r][nt*C + c]`. The sequencer walks tiles mt (outer), nt (inner), t (K order).
//!
//! AXI4-Lite: AW and W are taken together (`awready = wready = awvalid & wvalid & !bvalid`),
//! B follows one cycle later. AR is taken when no read is pending; R follows two cycles later
//! (one cycle of block RAM latency, one output register). Responses: OKAY; SLVERR for a write to
//! a read-only register or to the C memory, for a write to FMT/M/N/K while busy or with
//! `wstrb != 0xF` or a value above 16 bits, and for any
//! memory access while busy (the sequencer owns the memory ports); DECERR outside the map
//! (rdata is 0 on errors). Address bits 1:0 are ignored.
//!
//! Widths: a start is refused unless A and B fit their [`MEM_DEPTH`]-word memories and the
//! results their C memories, so a run has at most 256 K beats per tile, 256 row and column tiles,
//! 256 result rows and 256 x 256 = 2^16 beats in all: the sequencer's counters are
//! [`MEM_AW`] bits, and the run's MACS/STARVED/STALLED (at most 2^21) are the low 32 bits of the
//! TTU's 48-bit counters, exact, with no saturation logic (a narrow engine matters on the UP5K).
//!
//! Latency/throughput: one beat per cycle into the TTU while it accepts (the read address is the
//! next beat's when a beat transfers, so the registered RAM output is always the current beat).
//! Reset (synchronous): idle, registers 0, no response pending; memories keep their contents.
use super::regs::{self, MEM_AW, MEM_DEPTH};
use crate::ttu::{format_select, Ttu, TtuParams};
use rust_hdl::prelude::*;
use rust_hdl::widgets::prelude::RAM;

/// The GEMM engine for a TTU with block-sum width `W` (frame `F`).
#[derive(LogicBlock)]
pub struct Engine<const W: usize, const F: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // AXI4-Lite slave.
    pub awaddr: Signal<In, Bits<16>>,
    pub awvalid: Signal<In, Bit>,
    pub awready: Signal<Out, Bit>,
    pub wdata: Signal<In, Bits<32>>,
    pub wstrb: Signal<In, Bits<4>>,
    pub wvalid: Signal<In, Bit>,
    pub wready: Signal<Out, Bit>,
    pub bresp: Signal<Out, Bits<2>>,
    pub bvalid: Signal<Out, Bit>,
    pub bready: Signal<In, Bit>,
    pub araddr: Signal<In, Bits<16>>,
    pub arvalid: Signal<In, Bit>,
    pub arready: Signal<Out, Bit>,
    pub rdata: Signal<Out, Bits<32>>,
    pub rresp: Signal<Out, Bits<2>>,
    pub rvalid: Signal<Out, Bit>,
    pub rready: Signal<In, Bit>,
    /// STATUS bits, for the board's LEDs.
    pub busy: Signal<Out, Bit>,
    pub done: Signal<Out, Bit>,
    pub error: Signal<Out, Bit>,

    ttu: Ttu<W, F>,
    a_mem: Vec<RAM<Bits<16>, MEM_AW>>,
    b_mem: Vec<RAM<Bits<16>, MEM_AW>>,
    c_mem: Vec<RAM<Bits<32>, MEM_AW>>,

    // Registers of the map.
    fmt_a_q: DFF<Bits<3>>,
    fmt_b_q: DFF<Bits<3>>,
    m_q: DFF<Bits<16>>,
    n_q: DFF<Bits<16>>,
    k_q: DFF<Bits<16>>,
    busy_q: DFF<Bit>,
    done_q: DFF<Bit>,
    err_q: DFF<Bit>,
    err_code: DFF<Bits<8>>,
    cycles: DFF<Bits<32>>,
    macs_base: DFF<Bits<32>>,
    starved_base: DFF<Bits<32>>,
    stalled_base: DFF<Bits<32>>,
    // Sequencer.
    kblocks_q: DFF<Bits<16>>,
    kb_m1: DFF<Bits<MEM_AW>>,
    nt_m1: DFF<Bits<MEM_AW>>,
    mt_m1: DFF<Bits<MEM_AW>>,
    rows_m1: DFF<Bits<MEM_AW>>,
    t_q: DFF<Bits<MEM_AW>>,
    nt_q: DFF<Bits<MEM_AW>>,
    mt_q: DFF<Bits<MEM_AW>>,
    a_addr: DFF<Bits<MEM_AW>>,
    b_addr: DFF<Bits<MEM_AW>>,
    a_tile_base: DFF<Bits<MEM_AW>>,
    issuing: DFF<Bit>,
    beat_valid: DFF<Bit>,
    res_cnt: DFF<Bits<MEM_AW>>,
    c_addr: DFF<Bits<MEM_AW>>,
    // AXI response state.
    bvalid_q: DFF<Bit>,
    bresp_q: DFF<Bits<2>>,
    rd_pend: DFF<Bit>,
    rd_addr_q: DFF<Bits<16>>,
    rvalid_q: DFF<Bit>,
    rdata_q: DFF<Bits<32>>,
    rresp_q: DFF<Bits<2>>,

    // Combinational locals.
    aw_fire: Signal<Local, Bit>,
    ar_fire: Signal<Local, Bit>,
    w_region: Signal<Local, Bits<4>>,
    w_lane: Signal<Local, Bits<2>>,
    w_idx: Signal<Local, Bits<MEM_AW>>,
    r_idx: Signal<Local, Bits<MEM_AW>>,
    q_region: Signal<Local, Bits<4>>,
    q_lane: Signal<Local, Bits<2>>,
    /// The lane field names an existing row (A) / column (B, C) memory.
    w_row_ok: Signal<Local, Bit>,
    w_col_ok: Signal<Local, Bit>,
    q_row_ok: Signal<Local, Bit>,
    q_col_ok: Signal<Local, Bit>,
    start_req: Signal<Local, Bit>,
    /// A partial write (wstrb != 0xF) or a value above 16 bits: FMT/M/N/K refuse it.
    w_bad: Signal<Local, Bit>,
    dual: Signal<Local, Bit>,
    m_tiles: Signal<Local, Bits<16>>,
    n_tiles: Signal<Local, Bits<16>>,
    kbeats: Signal<Local, Bits<16>>,
    a_words: Signal<Local, Bits<32>>,
    b_words: Signal<Local, Bits<32>>,
    tiles: Signal<Local, Bits<32>>,
    fmt_ok: Signal<Local, Bit>,
    /// FORMATS shifted by the A / B format select: bit 0 says the format is configured.
    fa_mask: Signal<Local, Bits<8>>,
    fb_mask: Signal<Local, Bits<8>>,
    fire: Signal<Local, Bit>,
    last_t: Signal<Local, Bit>,
    last_nt: Signal<Local, Bit>,
    last_mt: Signal<Local, Bit>,
    a_next: Signal<Local, Bits<MEM_AW>>,
    b_next: Signal<Local, Bits<MEM_AW>>,
    a_rd: Signal<Local, Bits<MEM_AW>>,
    b_rd: Signal<Local, Bits<MEM_AW>>,
    status_word: Signal<Local, Bits<32>>,
    rd_value: Signal<Local, Bits<32>>,
    rd_resp: Signal<Local, Bits<2>>,
    stalled_run: Signal<Local, Bits<32>>,
    starved_run: Signal<Local, Bits<32>>,
    macs_run: Signal<Local, Bits<32>>,
    /// The A or B word of the lane being read.
    lane_word: Signal<Local, Bits<16>>,

    // Constants (offsets from the register table, configuration values).
    o_id: Constant<Bits<16>>,
    o_info: Constant<Bits<16>>,
    o_ctrl: Constant<Bits<16>>,
    o_status: Constant<Bits<16>>,
    o_fmt: Constant<Bits<16>>,
    o_m: Constant<Bits<16>>,
    o_n: Constant<Bits<16>>,
    o_k: Constant<Bits<16>>,
    o_cycles: Constant<Bits<16>>,
    o_macs: Constant<Bits<16>>,
    o_starved: Constant<Bits<16>>,
    o_stalled: Constant<Bits<16>>,
    o_formats: Constant<Bits<16>>,
    id_value: Constant<Bits<32>>,
    info_value: Constant<Bits<32>>,
    formats_mask: Constant<Bits<8>>,
    lane_id: Vec<Constant<Bits<2>>>,
    row_mask: Constant<Bits<16>>,
    col_mask: Constant<Bits<16>>,
    k_mask: Constant<Bits<16>>,
    log2_rows: Constant<Bits<16>>,
    log2_rows_aw: Constant<Bits<MEM_AW>>,
    log2_cols: Constant<Bits<16>>,
    log2_k: Constant<Bits<16>>,
    max_k: Constant<Bits<16>>,
    max_words: Constant<Bits<32>>,
    max_tiles: Constant<Bits<32>>,
    f_e2m1: Constant<Bits<3>>,
    reg_region: Constant<Bits<4>>,
    a_region: Constant<Bits<4>>,
    b_region: Constant<Bits<4>>,
    c_region: Constant<Bits<4>>,
    okay: Constant<Bits<2>>,
    slverr: Constant<Bits<2>>,
    decerr: Constant<Bits<2>>,
    e_m: Constant<Bits<8>>,
    e_n: Constant<Bits<8>>,
    e_k: Constant<Bits<8>>,
    e_fmt: Constant<Bits<8>>,
    e_ops: Constant<Bits<8>>,
    e_res: Constant<Bits<8>>,
    zero3: Constant<Bits<3>>,
    one8: Constant<Bits<8>>,
    full_strb: Constant<Bits<4>>,
    zero8: Constant<Bits<8>>,
    one_aw: Constant<Bits<MEM_AW>>,
    zero_aw: Constant<Bits<MEM_AW>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    zero32: Constant<Bits<32>>,
    one32: Constant<Bits<32>>,
    two32: Constant<Bits<32>>,
    four32: Constant<Bits<32>>,
}

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.to_bits())
}

fn log2(v: usize) -> u64 {
    v.trailing_zeros() as u64
}

impl<const W: usize, const F: usize> Engine<W, F> {
    /// Build the engine for `p`. The array must have 1, 2 or 4 rows and columns (powers of two
    /// that fit the four lane windows of the address map).
    pub fn new(p: &TtuParams) -> Result<Self, String> {
        for (what, v) in [("ttu.rows", p.rows), ("ttu.cols", p.cols)] {
            if ![1, 2, 4].contains(&v) {
                return Err(format!(
                    "the board top supports {what} of 1, 2 or 4 (one 1 KiB memory window per lane, four lanes), got {v}; use the tiny or small preset"
                ));
            }
        }
        let (r, cc) = (p.rows, p.cols);
        let mask: u64 = p.formats.iter().map(|f| 1u64 << format_select(*f)).sum();
        let info = r as u64 | (cc as u64) << 8 | (p.block as u64) << 16 | (MEM_AW as u64) << 24;
        let o = |name: &str| c::<16>(regs::offset(name) as u64);
        Ok(Engine {
            clock: Default::default(),
            reset: Default::default(),
            awaddr: Default::default(),
            awvalid: Default::default(),
            awready: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            wvalid: Default::default(),
            wready: Default::default(),
            bresp: Default::default(),
            bvalid: Default::default(),
            bready: Default::default(),
            araddr: Default::default(),
            arvalid: Default::default(),
            arready: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            rvalid: Default::default(),
            rready: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            error: Default::default(),
            ttu: Ttu::new(p),
            a_mem: (0..r).map(|_| RAM::default()).collect(),
            b_mem: (0..cc).map(|_| RAM::default()).collect(),
            c_mem: (0..cc).map(|_| RAM::default()).collect(),
            fmt_a_q: Default::default(),
            fmt_b_q: Default::default(),
            m_q: Default::default(),
            n_q: Default::default(),
            k_q: Default::default(),
            busy_q: Default::default(),
            done_q: Default::default(),
            err_q: Default::default(),
            err_code: Default::default(),
            cycles: Default::default(),
            macs_base: Default::default(),
            starved_base: Default::default(),
            stalled_base: Default::default(),
            kblocks_q: Default::default(),
            kb_m1: Default::default(),
            nt_m1: Default::default(),
            mt_m1: Default::default(),
            rows_m1: Default::default(),
            t_q: Default::default(),
            nt_q: Default::default(),
            mt_q: Default::default(),
            a_addr: Default::default(),
            b_addr: Default::default(),
            a_tile_base: Default::default(),
            issuing: Default::default(),
            beat_valid: Default::default(),
            res_cnt: Default::default(),
            c_addr: Default::default(),
            bvalid_q: Default::default(),
            bresp_q: Default::default(),
            rd_pend: Default::default(),
            rd_addr_q: Default::default(),
            rvalid_q: Default::default(),
            rdata_q: Default::default(),
            rresp_q: Default::default(),
            aw_fire: Default::default(),
            ar_fire: Default::default(),
            w_region: Default::default(),
            w_lane: Default::default(),
            w_idx: Default::default(),
            r_idx: Default::default(),
            q_region: Default::default(),
            q_lane: Default::default(),
            w_row_ok: Default::default(),
            w_col_ok: Default::default(),
            q_row_ok: Default::default(),
            q_col_ok: Default::default(),
            start_req: Default::default(),
            w_bad: Default::default(),
            dual: Default::default(),
            m_tiles: Default::default(),
            n_tiles: Default::default(),
            kbeats: Default::default(),
            a_words: Default::default(),
            b_words: Default::default(),
            tiles: Default::default(),
            fmt_ok: Default::default(),
            fa_mask: Default::default(),
            fb_mask: Default::default(),
            fire: Default::default(),
            last_t: Default::default(),
            last_nt: Default::default(),
            last_mt: Default::default(),
            a_next: Default::default(),
            b_next: Default::default(),
            a_rd: Default::default(),
            b_rd: Default::default(),
            status_word: Default::default(),
            rd_value: Default::default(),
            rd_resp: Default::default(),
            stalled_run: Default::default(),
            starved_run: Default::default(),
            macs_run: Default::default(),
            lane_word: Default::default(),
            o_id: o("ID"),
            o_info: o("INFO"),
            o_ctrl: o("CTRL"),
            o_status: o("STATUS"),
            o_fmt: o("FMT"),
            o_m: o("M"),
            o_n: o("N"),
            o_k: o("K"),
            o_cycles: o("CYCLES"),
            o_macs: o("MACS"),
            o_starved: o("STARVED"),
            o_stalled: o("STALLED"),
            o_formats: o("FORMATS"),
            id_value: c(regs::ID_VALUE as u64),
            info_value: c(info),
            formats_mask: c(mask),
            lane_id: (0..r.max(cc)).map(|i| c(i as u64)).collect(),
            row_mask: c(r as u64 - 1),
            col_mask: c(cc as u64 - 1),
            k_mask: c(p.block as u64 - 1),
            log2_rows: c(log2(r)),
            log2_rows_aw: c(log2(r)),
            log2_cols: c(log2(cc)),
            log2_k: c(log2(p.block)),
            max_k: c(p.max_k.min(0xFFFF) as u64),
            max_words: c(MEM_DEPTH as u64),
            max_tiles: c((MEM_DEPTH / r) as u64),
            f_e2m1: c(format_select(tessera_model::config::ElemFormat::E2m1)),
            reg_region: c(0),
            a_region: c((regs::A_BASE >> 12) as u64),
            b_region: c((regs::B_BASE >> 12) as u64),
            c_region: c((regs::C_BASE >> 12) as u64),
            okay: c(0),
            slverr: c(2),
            decerr: c(3),
            e_m: c(regs::ERR_M as u64),
            e_n: c(regs::ERR_N as u64),
            e_k: c(regs::ERR_K as u64),
            e_fmt: c(regs::ERR_FMT as u64),
            e_ops: c(regs::ERR_OPERANDS_FIT as u64),
            e_res: c(regs::ERR_RESULTS_FIT as u64),
            zero3: c(0),
            one8: c(1),
            full_strb: c(0xF),
            zero8: c(0),
            one_aw: c(1),
            zero_aw: c(0),
            zero16: c(0),
            one16: c(1),
            zero32: c(0),
            one32: c(1),
            two32: c(2),
            four32: c(4),
        })
    }
}

impl<const W: usize, const F: usize> Logic for Engine<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            fmt_a_q,
            fmt_b_q,
            m_q,
            n_q,
            k_q,
            busy_q,
            done_q,
            err_q,
            err_code,
            cycles,
            macs_base,
            starved_base,
            stalled_base,
            kblocks_q,
            kb_m1,
            nt_m1,
            mt_m1,
            rows_m1,
            t_q,
            nt_q,
            mt_q,
            a_addr,
            b_addr,
            a_tile_base,
            issuing,
            beat_valid,
            res_cnt,
            c_addr,
            bvalid_q,
            bresp_q,
            rd_pend,
            rd_addr_q,
            rvalid_q,
            rdata_q,
            rresp_q
        );
        // ---------------------------------------------------------------- defaults
        self.busy.next = self.busy_q.q.val();
        self.done.next = self.done_q.q.val();
        self.error.next = self.err_q.q.val();
        self.awready.next = self.awvalid.val() & self.wvalid.val() & !self.bvalid_q.q.val();
        self.wready.next = self.awvalid.val() & self.wvalid.val() & !self.bvalid_q.q.val();
        self.aw_fire.next = self.awvalid.val() & self.wvalid.val() & !self.bvalid_q.q.val();
        self.bvalid.next = self.bvalid_q.q.val();
        self.bresp.next = self.bresp_q.q.val();
        self.arready.next = !self.rd_pend.q.val() & !self.rvalid_q.q.val();
        self.ar_fire.next = self.arvalid.val() & !self.rd_pend.q.val() & !self.rvalid_q.q.val();
        self.rvalid.next = self.rvalid_q.q.val();
        self.rdata.next = self.rdata_q.q.val();
        self.rresp.next = self.rresp_q.q.val();
        self.w_region.next = self.awaddr.val().get_bits::<4>(12);
        self.w_lane.next = self.awaddr.val().get_bits::<2>(10);
        self.w_idx.next = self.awaddr.val().get_bits::<MEM_AW>(2);
        self.r_idx.next = self.araddr.val().get_bits::<MEM_AW>(2);
        self.q_region.next = self.rd_addr_q.q.val().get_bits::<4>(12);
        self.q_lane.next = self.rd_addr_q.q.val().get_bits::<2>(10);
        // Lane checks by equality with each existing lane (a `<=` would be constant at 4 lanes).
        self.w_row_ok.next = false;
        self.q_row_ok.next = false;
        for i in 0..self.a_mem.len() {
            if self.w_lane.val() == self.lane_id[i].val() {
                self.w_row_ok.next = true;
            }
            if self.q_lane.val() == self.lane_id[i].val() {
                self.q_row_ok.next = true;
            }
        }
        self.w_col_ok.next = false;
        self.q_col_ok.next = false;
        for i in 0..self.b_mem.len() {
            if self.w_lane.val() == self.lane_id[i].val() {
                self.w_col_ok.next = true;
            }
            if self.q_lane.val() == self.lane_id[i].val() {
                self.q_col_ok.next = true;
            }
        }

        // ---------------------------------------------------------------- start checks
        self.dual.next = (self.fmt_a_q.q.val() == self.f_e2m1.val())
            & (self.fmt_b_q.q.val() == self.f_e2m1.val());
        self.m_tiles.next = self.m_q.q.val() >> self.log2_rows.val();
        self.n_tiles.next = self.n_q.q.val() >> self.log2_cols.val();
        self.kbeats.next = self.k_q.q.val();
        if self.dual.val() {
            self.kbeats.next = self.k_q.q.val() >> self.one16.val();
        }
        self.a_words.next = self.m_tiles.val() * self.kbeats.val();
        self.b_words.next = self.n_tiles.val() * self.kbeats.val();
        self.tiles.next = self.m_tiles.val() * self.n_tiles.val();
        self.fa_mask.next = self.formats_mask.val() >> bit_cast::<8, 3>(self.fmt_a_q.q.val());
        self.fb_mask.next = self.formats_mask.val() >> bit_cast::<8, 3>(self.fmt_b_q.q.val());
        self.fmt_ok.next = (self.fa_mask.val() & self.one8.val()).any()
            & (self.fb_mask.val() & self.one8.val()).any();
        self.start_req.next = self.aw_fire.val()
            & (self.awaddr.val() == self.o_ctrl.val())
            & self.wdata.val().get_bit(0)
            & !self.busy_q.q.val();

        // ---------------------------------------------------------------- AXI write
        if self.bvalid_q.q.val() & self.bready.val() {
            self.bvalid_q.d.next = false;
        }
        self.w_bad.next =
            (self.wstrb.val() != self.full_strb.val()) | self.wdata.val().get_bits::<16>(16).any();
        if self.aw_fire.val() {
            self.bvalid_q.d.next = true;
            self.bresp_q.d.next = self.decerr.val();
            if self.w_region.val() == self.reg_region.val() {
                if self.awaddr.val() == self.o_ctrl.val() {
                    self.bresp_q.d.next = self.okay.val();
                } else if (self.awaddr.val() == self.o_fmt.val())
                    | (self.awaddr.val() == self.o_m.val())
                    | (self.awaddr.val() == self.o_n.val())
                    | (self.awaddr.val() == self.o_k.val())
                {
                    if self.busy_q.q.val() | self.w_bad.val() {
                        self.bresp_q.d.next = self.slverr.val();
                    } else {
                        self.bresp_q.d.next = self.okay.val();
                        if self.awaddr.val() == self.o_fmt.val() {
                            self.fmt_a_q.d.next = self.wdata.val().get_bits::<3>(0);
                            self.fmt_b_q.d.next = self.wdata.val().get_bits::<3>(8);
                        }
                        if self.awaddr.val() == self.o_m.val() {
                            self.m_q.d.next = self.wdata.val().get_bits::<16>(0);
                        }
                        if self.awaddr.val() == self.o_n.val() {
                            self.n_q.d.next = self.wdata.val().get_bits::<16>(0);
                        }
                        if self.awaddr.val() == self.o_k.val() {
                            self.k_q.d.next = self.wdata.val().get_bits::<16>(0);
                        }
                    }
                } else if (self.awaddr.val() == self.o_id.val())
                    | (self.awaddr.val() == self.o_info.val())
                    | (self.awaddr.val() == self.o_status.val())
                    | (self.awaddr.val() == self.o_cycles.val())
                    | (self.awaddr.val() == self.o_macs.val())
                    | (self.awaddr.val() == self.o_starved.val())
                    | (self.awaddr.val() == self.o_stalled.val())
                    | (self.awaddr.val() == self.o_formats.val())
                {
                    self.bresp_q.d.next = self.slverr.val();
                }
            } else if self.w_region.val() == self.a_region.val() {
                if self.w_row_ok.val() {
                    self.bresp_q.d.next = self.okay.val();
                    if self.busy_q.q.val() {
                        self.bresp_q.d.next = self.slverr.val();
                    }
                }
            } else if (self.w_region.val() == self.b_region.val())
                | (self.w_region.val() == self.c_region.val())
            {
                if self.w_col_ok.val() {
                    self.bresp_q.d.next = self.okay.val();
                    if self.busy_q.q.val() | (self.w_region.val() == self.c_region.val()) {
                        self.bresp_q.d.next = self.slverr.val();
                    }
                }
            }
        }
        // Memory write ports: A and B from the host while idle, C from the TTU.
        for i in 0..self.a_mem.len() {
            self.a_mem[i].write_clock.next = self.clock.val();
            self.a_mem[i].read_clock.next = self.clock.val();
            self.a_mem[i].write_address.next = self.w_idx.val();
            self.a_mem[i].write_data.next = self.wdata.val().get_bits::<16>(0);
            self.a_mem[i].write_enable.next = self.aw_fire.val()
                & !self.busy_q.q.val()
                & (self.w_region.val() == self.a_region.val())
                & (self.w_lane.val() == self.lane_id[i].val());
        }
        for i in 0..self.b_mem.len() {
            self.b_mem[i].write_clock.next = self.clock.val();
            self.b_mem[i].read_clock.next = self.clock.val();
            self.b_mem[i].write_address.next = self.w_idx.val();
            self.b_mem[i].write_data.next = self.wdata.val().get_bits::<16>(0);
            self.b_mem[i].write_enable.next = self.aw_fire.val()
                & !self.busy_q.q.val()
                & (self.w_region.val() == self.b_region.val())
                & (self.w_lane.val() == self.lane_id[i].val());
            self.c_mem[i].write_clock.next = self.clock.val();
            self.c_mem[i].read_clock.next = self.clock.val();
            self.c_mem[i].write_address.next = self.c_addr.q.val();
            self.c_mem[i].write_data.next = self.ttu.res_data[i].val();
            self.c_mem[i].write_enable.next = self.ttu.res_valid.val();
            self.c_mem[i].read_address.next = self.r_idx.val();
        }

        // ---------------------------------------------------------------- AXI read
        self.status_word.next = bit_cast::<32, 8>(self.err_code.q.val()) << 8;
        if self.busy_q.q.val() {
            self.status_word.next = self.status_word.val() | self.one32.val();
        }
        if self.done_q.q.val() {
            self.status_word.next = self.status_word.val() | self.two32.val();
        }
        if self.err_q.q.val() {
            self.status_word.next = self.status_word.val() | self.four32.val();
        }
        // Counters of this run: the low 32 bits of the TTU's 48-bit counters minus their value at
        // the doorbell. Exact: a run is at most 2^16 beats (module header), far below 2^32.
        self.macs_run.next = self.ttu.cnt_macs.val().get_bits::<32>(0) - self.macs_base.q.val();
        self.starved_run.next =
            self.ttu.cnt_starved.val().get_bits::<32>(0) - self.starved_base.q.val();
        self.stalled_run.next =
            self.ttu.cnt_stalled.val().get_bits::<32>(0) - self.stalled_base.q.val();
        self.rd_value.next = self.zero32.val();
        self.rd_resp.next = self.decerr.val();
        self.lane_word.next = self.zero16.val();
        if self.q_region.val() == self.reg_region.val() {
            self.rd_resp.next = self.okay.val();
            if self.rd_addr_q.q.val() == self.o_id.val() {
                self.rd_value.next = self.id_value.val();
            } else if self.rd_addr_q.q.val() == self.o_info.val() {
                self.rd_value.next = self.info_value.val();
            } else if self.rd_addr_q.q.val() == self.o_ctrl.val() {
                self.rd_value.next = self.zero32.val();
            } else if self.rd_addr_q.q.val() == self.o_status.val() {
                self.rd_value.next = self.status_word.val();
            } else if self.rd_addr_q.q.val() == self.o_fmt.val() {
                self.rd_value.next = bit_cast::<32, 3>(self.fmt_a_q.q.val())
                    | (bit_cast::<32, 3>(self.fmt_b_q.q.val()) << 8);
            } else if self.rd_addr_q.q.val() == self.o_m.val() {
                self.rd_value.next = bit_cast::<32, 16>(self.m_q.q.val());
            } else if self.rd_addr_q.q.val() == self.o_n.val() {
                self.rd_value.next = bit_cast::<32, 16>(self.n_q.q.val());
            } else if self.rd_addr_q.q.val() == self.o_k.val() {
                self.rd_value.next = bit_cast::<32, 16>(self.k_q.q.val());
            } else if self.rd_addr_q.q.val() == self.o_cycles.val() {
                self.rd_value.next = self.cycles.q.val();
            } else if self.rd_addr_q.q.val() == self.o_macs.val() {
                self.rd_value.next = self.macs_run.val();
            } else if self.rd_addr_q.q.val() == self.o_starved.val() {
                self.rd_value.next = self.starved_run.val();
            } else if self.rd_addr_q.q.val() == self.o_stalled.val() {
                self.rd_value.next = self.stalled_run.val();
            } else if self.rd_addr_q.q.val() == self.o_formats.val() {
                self.rd_value.next = bit_cast::<32, 8>(self.formats_mask.val());
            } else {
                self.rd_resp.next = self.decerr.val();
            }
        } else if self.q_region.val() == self.a_region.val() {
            if self.q_row_ok.val() {
                self.rd_resp.next = self.okay.val();
                for i in 0..self.a_mem.len() {
                    if self.q_lane.val() == self.lane_id[i].val() {
                        self.lane_word.next = self.a_mem[i].read_data.val();
                    }
                }
                self.rd_value.next = bit_cast::<32, 16>(self.lane_word.val());
            }
        } else if self.q_region.val() == self.b_region.val() {
            if self.q_col_ok.val() {
                self.rd_resp.next = self.okay.val();
                for i in 0..self.b_mem.len() {
                    if self.q_lane.val() == self.lane_id[i].val() {
                        self.lane_word.next = self.b_mem[i].read_data.val();
                    }
                }
                self.rd_value.next = bit_cast::<32, 16>(self.lane_word.val());
            }
        } else if self.q_region.val() == self.c_region.val() {
            if self.q_col_ok.val() {
                self.rd_resp.next = self.okay.val();
                for i in 0..self.c_mem.len() {
                    if self.q_lane.val() == self.lane_id[i].val() {
                        self.rd_value.next = self.c_mem[i].read_data.val();
                    }
                }
            }
        }
        if self.busy_q.q.val()
            & (self.q_region.val() != self.reg_region.val())
            & (self.rd_resp.val() == self.okay.val())
        {
            // The sequencer owns the memory ports while a GEMM runs.
            self.rd_resp.next = self.slverr.val();
            self.rd_value.next = self.zero32.val();
        }
        if self.rvalid_q.q.val() & self.rready.val() {
            self.rvalid_q.d.next = false;
        }
        if self.ar_fire.val() {
            self.rd_pend.d.next = true;
            self.rd_addr_q.d.next = self.araddr.val();
        }
        if self.rd_pend.q.val() {
            self.rd_pend.d.next = false;
            self.rvalid_q.d.next = true;
            self.rdata_q.d.next = self.rd_value.val();
            self.rresp_q.d.next = self.rd_resp.val();
        }

        // ---------------------------------------------------------------- sequencer
        self.fire.next = self.beat_valid.q.val() & self.ttu.a_ready.val();
        self.last_t.next = self.t_q.q.val() == self.kb_m1.q.val();
        self.last_nt.next = self.nt_q.q.val() == self.nt_m1.q.val();
        self.last_mt.next = self.mt_q.q.val() == self.mt_m1.q.val();
        self.a_next.next = self.a_addr.q.val() + self.one_aw.val();
        self.b_next.next = self.b_addr.q.val() + self.one_aw.val();
        if self.last_t.val() {
            if self.last_nt.val() {
                self.b_next.next = self.zero_aw.val();
            } else {
                // Next column tile: the same A rows again.
                self.a_next.next = self.a_tile_base.q.val();
            }
        }
        self.a_rd.next = self.a_addr.q.val();
        self.b_rd.next = self.b_addr.q.val();
        if self.fire.val() {
            self.a_rd.next = self.a_next.val();
            self.b_rd.next = self.b_next.val();
        }
        for i in 0..self.a_mem.len() {
            self.a_mem[i].read_address.next = self.r_idx.val();
            if self.busy_q.q.val() {
                self.a_mem[i].read_address.next = self.a_rd.val();
            }
            self.ttu.a_codes[i].next = self.a_mem[i].read_data.val().get_bits::<8>(0);
            self.ttu.a_scales[i].next = self.a_mem[i].read_data.val().get_bits::<8>(8);
        }
        for i in 0..self.b_mem.len() {
            self.b_mem[i].read_address.next = self.r_idx.val();
            if self.busy_q.q.val() {
                self.b_mem[i].read_address.next = self.b_rd.val();
            }
            self.ttu.b_codes[i].next = self.b_mem[i].read_data.val().get_bits::<8>(0);
            self.ttu.b_scales[i].next = self.b_mem[i].read_data.val().get_bits::<8>(8);
            self.ttu.c0_data[i].next = self.zero32.val();
        }
        self.ttu.clock.next = self.clock.val();
        self.ttu.reset.next = self.reset.val();
        self.ttu.fmt_a.next = self.fmt_a_q.q.val();
        self.ttu.fmt_b.next = self.fmt_b_q.q.val();
        self.ttu.kblocks.next = self.kblocks_q.q.val();
        self.ttu.use_c0.next = false;
        self.ttu.a_valid.next = self.beat_valid.q.val();
        self.ttu.b_valid.next = self.beat_valid.q.val();
        self.ttu.c0_valid.next = false;
        self.ttu.res_ready.next = true;

        if self.busy_q.q.val() {
            self.cycles.d.next = self.cycles.q.val() + self.one32.val();
            if self.issuing.q.val() & !self.beat_valid.q.val() {
                // The first beat's words were addressed this cycle.
                self.beat_valid.d.next = true;
            }
            if self.fire.val() {
                self.a_addr.d.next = self.a_next.val();
                self.b_addr.d.next = self.b_next.val();
                self.t_q.d.next = self.t_q.q.val() + self.one_aw.val();
                if self.last_t.val() {
                    self.t_q.d.next = self.zero_aw.val();
                    self.nt_q.d.next = self.nt_q.q.val() + self.one_aw.val();
                    if self.last_nt.val() {
                        self.nt_q.d.next = self.zero_aw.val();
                        self.mt_q.d.next = self.mt_q.q.val() + self.one_aw.val();
                        self.a_tile_base.d.next = self.a_next.val();
                        if self.last_mt.val() {
                            self.issuing.d.next = false;
                            self.beat_valid.d.next = false;
                        }
                    }
                }
            }
            if self.ttu.res_valid.val() {
                self.c_addr.d.next = self.c_addr.q.val() + self.one_aw.val();
                self.res_cnt.d.next = self.res_cnt.q.val() + self.one_aw.val();
                if self.res_cnt.q.val() == self.rows_m1.q.val() {
                    self.busy_q.d.next = false;
                    self.done_q.d.next = true;
                }
            }
        }

        if self.start_req.val() {
            self.err_q.d.next = true;
            self.done_q.d.next = false;
            if !self.m_q.q.val().any() | (self.m_q.q.val() & self.row_mask.val()).any() {
                self.err_code.d.next = self.e_m.val();
            } else if !self.n_q.q.val().any() | (self.n_q.q.val() & self.col_mask.val()).any() {
                self.err_code.d.next = self.e_n.val();
            } else if !self.k_q.q.val().any()
                | (self.k_q.q.val() & self.k_mask.val()).any()
                | (self.k_q.q.val() > self.max_k.val())
            {
                self.err_code.d.next = self.e_k.val();
            } else if !self.fmt_ok.val() {
                self.err_code.d.next = self.e_fmt.val();
            } else if (self.a_words.val() > self.max_words.val())
                | (self.b_words.val() > self.max_words.val())
            {
                self.err_code.d.next = self.e_ops.val();
            } else if self.tiles.val() > self.max_tiles.val() {
                self.err_code.d.next = self.e_res.val();
            } else {
                self.err_q.d.next = false;
                self.err_code.d.next = self.zero8.val();
                self.busy_q.d.next = true;
                self.cycles.d.next = self.zero32.val();
                self.macs_base.d.next = self.ttu.cnt_macs.val().get_bits::<32>(0);
                self.starved_base.d.next = self.ttu.cnt_starved.val().get_bits::<32>(0);
                self.stalled_base.d.next = self.ttu.cnt_stalled.val().get_bits::<32>(0);
                self.kblocks_q.d.next = self.k_q.q.val() >> self.log2_k.val();
                // The start checks bound every count by the 256-word memories, so the
                // sequencer's counters are MEM_AW bits wide (module header); x - 1 modulo
                // 2^MEM_AW only needs x modulo 2^MEM_AW (a count of 256 gives 255).
                self.kb_m1.d.next = self.kbeats.val().get_bits::<MEM_AW>(0) - self.one_aw.val();
                self.nt_m1.d.next = self.n_tiles.val().get_bits::<MEM_AW>(0) - self.one_aw.val();
                self.mt_m1.d.next = self.m_tiles.val().get_bits::<MEM_AW>(0) - self.one_aw.val();
                self.rows_m1.d.next = (self.tiles.val().get_bits::<MEM_AW>(0)
                    << self.log2_rows_aw.val())
                    - self.one_aw.val();
                self.t_q.d.next = self.zero_aw.val();
                self.nt_q.d.next = self.zero_aw.val();
                self.mt_q.d.next = self.zero_aw.val();
                self.a_addr.d.next = self.zero_aw.val();
                self.b_addr.d.next = self.zero_aw.val();
                self.a_tile_base.d.next = self.zero_aw.val();
                self.issuing.d.next = true;
                self.beat_valid.d.next = false;
                self.res_cnt.d.next = self.zero_aw.val();
                self.c_addr.d.next = self.zero_aw.val();
            }
        }

        if self.reset.val() {
            self.busy_q.d.next = false;
            self.done_q.d.next = false;
            self.err_q.d.next = false;
            self.err_code.d.next = self.zero8.val();
            self.issuing.d.next = false;
            self.beat_valid.d.next = false;
            self.bvalid_q.d.next = false;
            self.rd_pend.d.next = false;
            self.rvalid_q.d.next = false;
            self.fmt_a_q.d.next = self.zero3.val();
            self.fmt_b_q.d.next = self.zero3.val();
            self.m_q.d.next = self.zero16.val();
            self.n_q.d.next = self.zero16.val();
            self.k_q.d.next = self.zero16.val();
            self.cycles.d.next = self.zero32.val();
        }
    }
}
