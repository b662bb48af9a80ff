//! The DMA engine: a descriptor queue, an address generator that legalizes AXI4 bursts, a read path
//! (AXI R -> SRAM writes), a write path (SRAM reads -> AXI W), SRAM -> SRAM copies (the write path's
//! packed beats looped into the read path's splitter), multicast to N windows (the splitter writes each
//! word to every window), and completion status per descriptor.
//!
//! ```text
//!  desc ─▶ desc_q ─▶ check ──reject───────────────────────────────────────────────┐
//!   (288b)  (FIFO)     │ (zero / misaligned / range / overlap: Mul16 extents)      │
//!                      ▼                                                           ▼
//!                 issuer: plane/row/burst walk, min(row, 4 KiB, 256 beats)     status FIFO ─▶ status
//!         load │           copy │            │ store                               ▲
//!  ar_skid ◀───┤ rinfo FIFO ◀───┤       aw_skid, sreq FIFO, wlen FIFO, binfo FIFO   │
//!  AR ◀─┘      │                └─(copy: sreq, wlen, rinfo; no AW, no binfo)        │
//!  R ──────────┴─▶ splitter ─▶ SRAM req ◀── SRAM read generator                    │
//!    (copy: beats    (beat -> D/W words,  (1-bit round robin) + tag FIFO            │
//!     from wbeat)     each to N windows)                                           │
//!  SRAM rsp ─▶ tag says write: ack (last word of a descriptor -> status) ──────────┤
//!           └▶ tag says read: packer (D/W words -> beat) ─▶ wbeat FIFO ─▶ W (store) │
//!                                                               └──▶ splitter (copy)│
//!  B ─▶ binfo (last burst of a descriptor -> status) ──────────────────────────────┘
//! ```
//!
//! Ports (all synchronous to `clock`; `reset` is synchronous, active high; one cycle empties every queue,
//! zeroes the counters and returns to idle):
//! * `desc: StreamIn<288>`: packed descriptors (`tessera_model::dma`); `status: StreamOut<48>`:
//!   `{fault[47:16], code[15:8], id[7:0]}`, one per descriptor, loads and stores may complete out of order.
//! * AXI4 master `axi_*`: AR/R and AW/W/B with ID width 4 (one ID, 0, per direction: responses come back in
//!   order), INCR bursts of `arsize = log2(D/8)`, `len <= 255`, never across 4 KiB. An R or B response
//!   with another ID is treated as DECERR (the engine never issued it, so its data cannot be trusted).
//! * SRAM port `sram_req_*` {addr (word), write, wdata, wmask} / `sram_rsp_*` {rdata, error}: every request
//!   gets a response, in order (the CSRAM contract); at most 8 requests are outstanding (the tag FIFO).
//! * Counters (32 bits, wrap): `count_rd_bytes` (AXI R bytes accepted), `count_wr_bytes` (AXI W bytes sent),
//!   `count_busy` (cycles with a descriptor queued or in flight), `count_stall` (busy cycles with bursts
//!   outstanding where neither an R nor a W beat moved: waiting on memory). `idle`: nothing queued or in flight.
//!
//! Ordering: unicast descriptors of one direction overlap in flight; a descriptor of the other direction,
//! a copy, a multicast, and the first descriptor after a copy or a multicast wait until everything earlier
//! has drained (bursts answered, SRAM requests acknowledged), because loads write the SRAM that stores and
//! copies read, AXI4 orders nothing between its read and write channels, and the window count/stride are
//! engine-wide registers. Rejected descriptors (codes 1, 2, 3, 7, 8: zero length, misaligned, out of range,
//! reserved, overlap) post their status at once and move nothing.
//!
//! Copy (SRAM -> SRAM): the read generator reads the source on the shared port, the packer fills `wbeat_q`,
//! and the splitter takes those beats instead of R (W is idle). `cp_words_q` keeps the reads at most
//! `wbeat_q`'s 4 beats ahead of the splitter, else reads whose data have nowhere to go could fill the tag
//! FIFO while the splitter waits for a tag slot: a deadlock. Reads and writes alternate on the port, so a
//! unicast copy writes W/16 bytes per cycle and a copy to N windows N/(N+1) x W/8.
//!
//! Multicast: the splitter writes each word to windows 0..N-1 (`sp_k_q`, offset `sp_koff_q`) before the
//! next word; the source is read once.
//!
//! The SRAM request port is shared by the load path's writes and the store path's reads (1-bit round
//! robin); a request offered and not taken keeps its grant (`hold_q`), so the port obeys the stream rule.
//!
//! Throughput: one burst issued per cycle; one AXI beat per cycle on R and on W when `D == W` (when the SRAM
//! word is narrower the SRAM port, one word per cycle, is the bottleneck); a multicast load to N windows
//! takes an R beat every N*D/W cycles and writes a word every cycle. Reads in flight: `outstanding`
//! bursts (config), so a 100-cycle memory latency is hidden once `outstanding * burst >= 100` beats.
//!
//! Errors: an AXI error on a read beat aborts the descriptor's SRAM writes (the remaining beats of it are
//! turned into harmless SRAM reads, so the response order stays uniform); an error on a write burst (B) or an
//! SRAM read error turns the descriptor's remaining W beats into `wstrb = 0` beats. Bursts already issued run
//! to completion (AXI4 forbids cancelling them), so nothing is written after the fault is known, and never
//! outside the descriptor's range. An SRAM error on a load's write is reported (first failing word); the
//! load's other words are still written (the SRAM port cannot cancel a write, and answers after it). A
//! copy's source read error aborts like an R error (code 6, the failing source word's address), and every
//! abort applies to all multicast windows alike.
use crate::common::{SkidBuffer, StreamIn, StreamOut, SyncFifo};
use crate::tvp::mul16::Mul16;
use rust_hdl::prelude::*;

/// rinfo: {id[7:0], last[8], axi[40:9], sram word[72:41]}.
const RINFO: usize = 73;
/// sreq: {sram word[31:0], len[39:32], seq[41:40]}.
const SREQ: usize = 42;
/// wlen: {len[7:0], last[8], seq[10:9]}.
const WLEN: usize = 11;
/// binfo: {axi[31:0], last[32], id[40:33], seq[42:41]}.
const BINFO: usize = 43;
/// tag: {load[0], last[1], err[2], resp[4:3], word addr[36:5], fault[68:37], id[76:69], seq[78:77],
/// err is an SRAM source read error of a copy[79]}.
const TAG: usize = 80;

/// The engine. Const generics: `D` AXI data bits (64, 128), `DS` = D/8, `W` SRAM word bits (<= D, D/W in
/// {1, 2, 4}), `M` = W/8, `Q`/`QC` descriptor-queue address bits and `Q + 1`.
#[derive(LogicBlock)]
pub struct DmaEngine<
    const D: usize,
    const DS: usize,
    const W: usize,
    const M: usize,
    const Q: usize,
    const QC: usize,
> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Descriptors (288-bit packed, `tessera_model::dma`).
    pub desc: StreamIn<288>,
    /// Completion status: {fault[47:16], code[15:8], id[7:0]}.
    pub status: StreamOut<48>,
    // AXI4 read address.
    pub axi_arvalid: Signal<Out, Bit>,
    pub axi_arready: Signal<In, Bit>,
    pub axi_arid: Signal<Out, Bits<4>>,
    pub axi_araddr: Signal<Out, Bits<32>>,
    pub axi_arlen: Signal<Out, Bits<8>>,
    pub axi_arsize: Signal<Out, Bits<3>>,
    pub axi_arburst: Signal<Out, Bits<2>>,
    // AXI4 read data.
    pub axi_rvalid: Signal<In, Bit>,
    pub axi_rready: Signal<Out, Bit>,
    pub axi_rid: Signal<In, Bits<4>>,
    pub axi_rdata: Signal<In, Bits<D>>,
    pub axi_rresp: Signal<In, Bits<2>>,
    pub axi_rlast: Signal<In, Bit>,
    // AXI4 write address.
    pub axi_awvalid: Signal<Out, Bit>,
    pub axi_awready: Signal<In, Bit>,
    pub axi_awid: Signal<Out, Bits<4>>,
    pub axi_awaddr: Signal<Out, Bits<32>>,
    pub axi_awlen: Signal<Out, Bits<8>>,
    pub axi_awsize: Signal<Out, Bits<3>>,
    pub axi_awburst: Signal<Out, Bits<2>>,
    // AXI4 write data.
    pub axi_wvalid: Signal<Out, Bit>,
    pub axi_wready: Signal<In, Bit>,
    pub axi_wdata: Signal<Out, Bits<D>>,
    pub axi_wstrb: Signal<Out, Bits<DS>>,
    pub axi_wlast: Signal<Out, Bit>,
    // AXI4 write response.
    pub axi_bvalid: Signal<In, Bit>,
    pub axi_bready: Signal<Out, Bit>,
    pub axi_bid: Signal<In, Bits<4>>,
    pub axi_bresp: Signal<In, Bits<2>>,
    // SRAM port.
    pub sram_req_valid: Signal<Out, Bit>,
    pub sram_req_ready: Signal<In, Bit>,
    pub sram_req_addr: Signal<Out, Bits<32>>,
    pub sram_req_write: Signal<Out, Bit>,
    pub sram_req_wdata: Signal<Out, Bits<W>>,
    pub sram_req_wmask: Signal<Out, Bits<M>>,
    pub sram_rsp_valid: Signal<In, Bit>,
    pub sram_rsp_ready: Signal<Out, Bit>,
    pub sram_rsp_rdata: Signal<In, Bits<W>>,
    pub sram_rsp_error: Signal<In, Bit>,
    // Counters.
    pub count_rd_bytes: Signal<Out, Bits<32>>,
    pub count_wr_bytes: Signal<Out, Bits<32>>,
    pub count_busy: Signal<Out, Bits<32>>,
    pub count_stall: Signal<Out, Bits<32>>,
    /// Nothing queued, issuing or in flight.
    pub idle: Signal<Out, Bit>,

    // Queues and slices.
    desc_q: SyncFifo<288, Q, QC>,
    status_q: SyncFifo<48, 3, 4>,
    ar_skid: SkidBuffer<40>,
    aw_skid: SkidBuffer<40>,
    rinfo_q: SyncFifo<RINFO, 5, 6>,
    sreq_q: SyncFifo<SREQ, 5, 6>,
    wlen_q: SyncFifo<WLEN, 5, 6>,
    binfo_q: SyncFifo<BINFO, 5, 6>,
    tag_q: SyncFifo<TAG, 3, 4>,
    wbeat_q: SyncFifo<D, 2, 3>,
    wbad_q: SyncFifo<1, 2, 3>,

    // Descriptor check: extents through 16x16 multiplies.
    mul_sr_lo: Mul16,
    mul_sr_hi: Mul16,
    mul_sp_lo: Mul16,
    mul_sp_hi: Mul16,
    mul_dr_lo: Mul16,
    mul_dr_hi: Mul16,
    mul_dp_lo: Mul16,
    mul_dp_hi: Mul16,
    mul_mc_lo: Mul16,
    mul_mc_hi: Mul16,
    d_src: Signal<Local, Bits<32>>,
    d_dst: Signal<Local, Bits<32>>,
    d_src_stride: Signal<Local, Bits<32>>,
    d_dst_stride: Signal<Local, Bits<32>>,
    d_src_pstride: Signal<Local, Bits<32>>,
    d_dst_pstride: Signal<Local, Bits<32>>,
    d_row_bytes: Signal<Local, Bits<16>>,
    d_rows: Signal<Local, Bits<16>>,
    d_planes: Signal<Local, Bits<16>>,
    d_id: Signal<Local, Bits<8>>,
    d_store: Signal<Local, Bit>,
    d_copy: Signal<Local, Bit>,
    /// Multicast: destination windows beyond the first.
    d_mc: Signal<Local, Bits<4>>,
    d_mc_stride: Signal<Local, Bits<32>>,
    d_rsvd: Signal<Local, Bits<2>>,
    src_end: Signal<Local, Bits<64>>,
    dst_end: Signal<Local, Bits<64>>,
    /// One past the last byte of the last destination window.
    dst_last_end: Signal<Local, Bits<64>>,
    d_window: Signal<Local, Bits<64>>,
    range_bad: Signal<Local, Bit>,
    overlap_bad: Signal<Local, Bit>,
    /// The head may start while earlier descriptors are in flight (unicast, same direction, not a copy).
    d_same: Signal<Local, Bit>,
    d_code: Signal<Local, Bits<8>>,

    // Issuer state.
    active_q: DFF<Bit>,
    store_q: DFF<Bit>,
    /// The running (or last) descriptor is an SRAM -> SRAM copy: its source beats come from the packer.
    copy_q: DFF<Bit>,
    /// The running (or last) descriptor is a multicast.
    mc_q: DFF<Bit>,
    mc_m1_q: DFF<Bits<4>>,
    /// Multicast window stride in SRAM words.
    mc_stride_w_q: DFF<Bits<32>>,
    id_q: DFF<Bits<8>>,
    seq_q: DFF<Bits<2>>,
    axi_plane_q: DFF<Bits<32>>,
    axi_row_q: DFF<Bits<32>>,
    axi_cur_q: DFF<Bits<32>>,
    sram_plane_q: DFF<Bits<32>>,
    sram_row_q: DFF<Bits<32>>,
    sram_cur_q: DFF<Bits<32>>,
    axi_stride_q: DFF<Bits<32>>,
    sram_stride_q: DFF<Bits<32>>,
    axi_pstride_q: DFF<Bits<32>>,
    sram_pstride_q: DFF<Bits<32>>,
    row_bytes_q: DFF<Bits<32>>,
    rows_q: DFF<Bits<16>>,
    row_left_q: DFF<Bits<32>>,
    rows_left_q: DFF<Bits<16>>,
    planes_left_q: DFF<Bits<16>>,
    rd_out_q: DFF<Bits<8>>,
    wr_out_q: DFF<Bits<8>>,
    to_4k: Signal<Local, Bits<32>>,
    chunk: Signal<Local, Bits<32>>,
    row_m1: Signal<Local, Bits<32>>,
    to_4k_m1: Signal<Local, Bits<32>>,
    beats_m1: Signal<Local, Bits<8>>,
    end_row: Signal<Local, Bit>,
    end_plane: Signal<Local, Bit>,
    end_desc: Signal<Local, Bit>,
    issue: Signal<Local, Bit>,
    can_load: Signal<Local, Bit>,
    can_store: Signal<Local, Bit>,
    can_copy: Signal<Local, Bit>,
    sram_word: Signal<Local, Bits<32>>,
    sreq_word: Signal<Local, Bits<32>>,

    // Load path (R -> SRAM writes).
    r_inburst_q: DFF<Bit>,
    r_word_q: DFF<Bits<32>>,
    r_axi_q: DFF<Bits<32>>,
    ld_err_q: DFF<Bit>,
    ld_resp_q: DFF<Bits<2>>,
    ld_fault_q: DFF<Bits<32>>,
    sp_beat_q: DFF<Bits<D>>,
    sp_left_q: DFF<Bits<4>>,
    sp_addr_q: DFF<Bits<32>>,
    sp_drop_q: DFF<Bit>,
    sp_last_q: DFF<Bit>,
    sp_id_q: DFF<Bits<8>>,
    /// Multicast: window of the word being written, and its word offset.
    sp_k_q: DFF<Bits<4>>,
    sp_koff_q: DFF<Bits<32>>,
    sp_wdone: Signal<Local, Bit>,
    sp_waddr: Signal<Local, Bits<32>>,
    /// The splitter's source: an AXI R beat, or (copy) a packed beat from `wbeat_q`.
    in_valid: Signal<Local, Bit>,
    in_last: Signal<Local, Bit>,
    in_data: Signal<Local, Bits<D>>,
    in_serr: Signal<Local, Bit>,
    ld_serr_q: DFF<Bit>,
    /// Copy: SRAM words read and not yet taken by the splitter (bounds the packer's output, see `sg_ok`).
    cp_words_q: DFF<Bits<8>>,
    cp_inc: Signal<Local, Bits<8>>,
    cp_dec: Signal<Local, Bits<8>>,
    sg_ok: Signal<Local, Bit>,
    r_word: Signal<Local, Bits<32>>,
    r_axi: Signal<Local, Bits<32>>,
    r_take: Signal<Local, Bit>,
    r_bad: Signal<Local, Bit>,
    /// R/B response codes, DECERR when the ID is not the one this engine issues (0).
    r_resp: Signal<Local, Bits<2>>,
    b_resp: Signal<Local, Bits<2>>,
    sp_send: Signal<Local, Bit>,
    sp_free: Signal<Local, Bit>,

    // Store path (SRAM reads -> W).
    sg_active_q: DFF<Bit>,
    sg_addr_q: DFF<Bits<32>>,
    sg_left_q: DFF<Bits<12>>,
    sg_seq_q: DFF<Bits<2>>,
    sg_send: Signal<Local, Bit>,
    pk_acc_q: DFF<Bits<D>>,
    pk_cnt_q: DFF<Bits<4>>,
    pk_bad_q: DFF<Bit>,
    w_beat_q: DFF<Bits<8>>,
    w_abort_q: DFF<Bit>,
    b_abort_q: DFF<Bit>,
    b_abort_seq_q: DFF<Bits<2>>,
    st_err_q: DFF<Bit>,
    st_resp_q: DFF<Bits<2>>,
    st_fault_q: DFF<Bits<32>>,
    ss_err_q: DFF<Bit>,
    ss_seq_q: DFF<Bits<2>>,
    ss_fault_q: DFF<Bits<32>>,
    w_go: Signal<Local, Bit>,
    w_mask: Signal<Local, Bit>,

    // SRAM arbitration and responses.
    rr_q: DFF<Bit>,
    /// A request was offered and not taken: the grant holds (the SRAM request is a stream).
    hold_q: DFF<Bit>,
    hold_st_q: DFF<Bit>,
    grant_ld: Signal<Local, Bit>,
    grant_st: Signal<Local, Bit>,
    rsp_go: Signal<Local, Bit>,
    tag_load: Signal<Local, Bit>,
    tag_last: Signal<Local, Bit>,
    pk_push: Signal<Local, Bit>,
    ld_sram_err_q: DFF<Bit>,
    ld_sram_fault_q: DFF<Bits<32>>,

    // Status arbitration: reject > load > store.
    st_reject: Signal<Local, Bit>,
    st_load: Signal<Local, Bit>,
    st_store: Signal<Local, Bit>,
    b_go: Signal<Local, Bit>,

    // Counters.
    cnt_rd_q: DFF<Bits<32>>,
    cnt_wr_q: DFF<Bits<32>>,
    cnt_busy_q: DFF<Bits<32>>,
    cnt_stall_q: DFF<Bits<32>>,
    busy: Signal<Local, Bit>,
    /// Something of an earlier descriptor is still in flight (bursts, SRAM requests, beats).
    inflight: Signal<Local, Bit>,

    // Typed constants.
    k_beat_mask: Constant<Bits<32>>,
    k_beat_shift: Constant<Bits<32>>,
    k_word_shift: Constant<Bits<32>>,
    k_ratio: Constant<Bits<4>>,
    k_ratio_shift: Constant<Bits<12>>,
    k_two: Constant<Bits<8>>,
    k_code_sram: Constant<Bits<48>>,
    k_one_tag: Constant<Bits<TAG>>,
    k_decerr: Constant<Bits<2>>,
    k_255: Constant<Bits<32>>,
    k_one32: Constant<Bits<32>>,
    k_wmask_all: Constant<Bits<M>>,
    k_wstrb_all: Constant<Bits<DS>>,
    k_4k: Constant<Bits<32>>,
    k_4k_mask: Constant<Bits<32>>,
    k_axi_limit: Constant<Bits<64>>,
    k_sram_limit: Constant<Bits<64>>,
    k_outstanding: Constant<Bits<8>>,
    k_arsize: Constant<Bits<3>>,
    k_beat_bytes: Constant<Bits<32>>,
    k_shift_w: Constant<Bits<32>>,
    k_shift_top: Constant<Bits<32>>,
    k_zero48: Constant<Bits<48>>,
    k_zero_tag: Constant<Bits<TAG>>,
    k_zero8: Constant<Bits<8>>,
    k_one12: Constant<Bits<12>>,
    k_one4: Constant<Bits<4>>,
    k_ratio8: Constant<Bits<8>>,
    k_one8: Constant<Bits<8>>,
    k_cp_cap: Constant<Bits<8>>,
    k_code_sram8: Constant<Bits<8>>,
    // Casts take plain signals (rust-hdl writes a cast of an expression as a mask the lint rejects).
    sp_final: Signal<Local, Bit>,
    ld_code: Signal<Local, Bits<8>>,
    st_code: Signal<Local, Bits<8>>,
    tag_fault: Signal<Local, Bits<32>>,
    _ratio: usize,
}

impl<
        const D: usize,
        const DS: usize,
        const W: usize,
        const M: usize,
        const Q: usize,
        const QC: usize,
    > DmaEngine<D, DS, W, M, Q, QC>
{
    /// An engine with `outstanding` read (and write) bursts in flight at most, an AXI address space of
    /// 2^`axi_addr_bits` bytes and an SRAM of `sram_bytes` bytes.
    pub fn new(outstanding: u32, axi_addr_bits: u32, sram_bytes: u64) -> Self {
        assert!(
            D == 64 || D == 128,
            "AXI data width must be 64 or 128, got {D}"
        );
        assert!(DS * 8 == D && M * 8 == W, "DS = D/8 and M = W/8");
        assert!(
            W <= D && D % W == 0 && D / W <= 4,
            "D/W must be 1, 2 or 4 (D = {D}, W = {W})"
        );
        assert!(
            (1..=32).contains(&outstanding),
            "outstanding must be 1..=32, got {outstanding}"
        );
        assert!(
            (16..=32).contains(&axi_addr_bits),
            "axi_addr_width must be 16..=32 (got {axi_addr_bits})"
        );
        let beat = (D / 8) as u64;
        let ratio = D / W;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            desc: Default::default(),
            status: Default::default(),
            axi_arvalid: Default::default(),
            axi_arready: Default::default(),
            axi_arid: Default::default(),
            axi_araddr: Default::default(),
            axi_arlen: Default::default(),
            axi_arsize: Default::default(),
            axi_arburst: Default::default(),
            axi_rvalid: Default::default(),
            axi_rready: Default::default(),
            axi_rid: Default::default(),
            axi_rdata: Default::default(),
            axi_rresp: Default::default(),
            axi_rlast: Default::default(),
            axi_awvalid: Default::default(),
            axi_awready: Default::default(),
            axi_awid: Default::default(),
            axi_awaddr: Default::default(),
            axi_awlen: Default::default(),
            axi_awsize: Default::default(),
            axi_awburst: Default::default(),
            axi_wvalid: Default::default(),
            axi_wready: Default::default(),
            axi_wdata: Default::default(),
            axi_wstrb: Default::default(),
            axi_wlast: Default::default(),
            axi_bvalid: Default::default(),
            axi_bready: Default::default(),
            axi_bid: Default::default(),
            axi_bresp: Default::default(),
            sram_req_valid: Default::default(),
            sram_req_ready: Default::default(),
            sram_req_addr: Default::default(),
            sram_req_write: Default::default(),
            sram_req_wdata: Default::default(),
            sram_req_wmask: Default::default(),
            sram_rsp_valid: Default::default(),
            sram_rsp_ready: Default::default(),
            sram_rsp_rdata: Default::default(),
            sram_rsp_error: Default::default(),
            count_rd_bytes: Default::default(),
            count_wr_bytes: Default::default(),
            count_busy: Default::default(),
            count_stall: Default::default(),
            idle: Default::default(),
            mul_mc_lo: Default::default(),
            mul_mc_hi: Default::default(),
            d_copy: Default::default(),
            d_mc: Default::default(),
            d_mc_stride: Default::default(),
            dst_last_end: Default::default(),
            d_window: Default::default(),
            range_bad: Default::default(),
            overlap_bad: Default::default(),
            d_same: Default::default(),
            copy_q: Default::default(),
            mc_q: Default::default(),
            mc_m1_q: Default::default(),
            mc_stride_w_q: Default::default(),
            can_copy: Default::default(),
            sreq_word: Default::default(),
            sp_k_q: Default::default(),
            sp_koff_q: Default::default(),
            sp_wdone: Default::default(),
            sp_waddr: Default::default(),
            in_valid: Default::default(),
            in_last: Default::default(),
            in_data: Default::default(),
            in_serr: Default::default(),
            ld_serr_q: Default::default(),
            cp_words_q: Default::default(),
            cp_inc: Default::default(),
            cp_dec: Default::default(),
            sg_ok: Default::default(),
            desc_q: SyncFifo::new(),
            status_q: SyncFifo::new(),
            ar_skid: Default::default(),
            aw_skid: Default::default(),
            rinfo_q: SyncFifo::new(),
            sreq_q: SyncFifo::new(),
            wlen_q: SyncFifo::new(),
            binfo_q: SyncFifo::new(),
            tag_q: SyncFifo::new(),
            wbeat_q: SyncFifo::new(),
            wbad_q: SyncFifo::new(),
            mul_sr_lo: Default::default(),
            mul_sr_hi: Default::default(),
            mul_sp_lo: Default::default(),
            mul_sp_hi: Default::default(),
            mul_dr_lo: Default::default(),
            mul_dr_hi: Default::default(),
            mul_dp_lo: Default::default(),
            mul_dp_hi: Default::default(),
            d_src: Default::default(),
            d_dst: Default::default(),
            d_src_stride: Default::default(),
            d_dst_stride: Default::default(),
            d_src_pstride: Default::default(),
            d_dst_pstride: Default::default(),
            d_row_bytes: Default::default(),
            d_rows: Default::default(),
            d_planes: Default::default(),
            d_id: Default::default(),
            d_store: Default::default(),
            d_rsvd: Default::default(),
            src_end: Default::default(),
            dst_end: Default::default(),
            d_code: Default::default(),
            active_q: Default::default(),
            store_q: Default::default(),
            id_q: Default::default(),
            seq_q: Default::default(),
            axi_plane_q: Default::default(),
            axi_row_q: Default::default(),
            axi_cur_q: Default::default(),
            sram_plane_q: Default::default(),
            sram_row_q: Default::default(),
            sram_cur_q: Default::default(),
            axi_stride_q: Default::default(),
            sram_stride_q: Default::default(),
            axi_pstride_q: Default::default(),
            sram_pstride_q: Default::default(),
            row_bytes_q: Default::default(),
            rows_q: Default::default(),
            row_left_q: Default::default(),
            rows_left_q: Default::default(),
            planes_left_q: Default::default(),
            rd_out_q: Default::default(),
            wr_out_q: Default::default(),
            to_4k: Default::default(),
            chunk: Default::default(),
            beats_m1: Default::default(),
            row_m1: Default::default(),
            to_4k_m1: Default::default(),
            end_row: Default::default(),
            end_plane: Default::default(),
            end_desc: Default::default(),
            issue: Default::default(),
            can_load: Default::default(),
            can_store: Default::default(),
            sram_word: Default::default(),
            r_inburst_q: Default::default(),
            r_word_q: Default::default(),
            r_axi_q: Default::default(),
            ld_err_q: Default::default(),
            ld_resp_q: Default::default(),
            ld_fault_q: Default::default(),
            sp_beat_q: Default::default(),
            sp_left_q: Default::default(),
            sp_addr_q: Default::default(),
            sp_drop_q: Default::default(),
            sp_last_q: Default::default(),
            sp_id_q: Default::default(),
            r_word: Default::default(),
            r_axi: Default::default(),
            r_take: Default::default(),
            r_bad: Default::default(),
            r_resp: Default::default(),
            b_resp: Default::default(),
            sp_send: Default::default(),
            sp_free: Default::default(),
            sg_active_q: Default::default(),
            sg_addr_q: Default::default(),
            sg_left_q: Default::default(),
            sg_seq_q: Default::default(),
            sg_send: Default::default(),
            pk_acc_q: Default::default(),
            pk_cnt_q: Default::default(),
            pk_bad_q: Default::default(),
            w_beat_q: Default::default(),
            w_abort_q: Default::default(),
            b_abort_q: Default::default(),
            b_abort_seq_q: Default::default(),
            st_err_q: Default::default(),
            st_resp_q: Default::default(),
            st_fault_q: Default::default(),
            ss_err_q: Default::default(),
            ss_seq_q: Default::default(),
            ss_fault_q: Default::default(),
            w_go: Default::default(),
            w_mask: Default::default(),
            rr_q: Default::default(),
            hold_q: Default::default(),
            hold_st_q: Default::default(),
            grant_ld: Default::default(),
            grant_st: Default::default(),
            rsp_go: Default::default(),
            tag_load: Default::default(),
            tag_last: Default::default(),
            pk_push: Default::default(),
            ld_sram_err_q: Default::default(),
            ld_sram_fault_q: Default::default(),
            st_reject: Default::default(),
            st_load: Default::default(),
            st_store: Default::default(),
            b_go: Default::default(),
            cnt_rd_q: Default::default(),
            cnt_wr_q: Default::default(),
            cnt_busy_q: Default::default(),
            cnt_stall_q: Default::default(),
            busy: Default::default(),
            inflight: Default::default(),
            k_beat_mask: Constant::new(bits::<32>(beat - 1)),
            k_beat_shift: Constant::new(bits::<32>(beat.trailing_zeros() as u64)),
            k_word_shift: Constant::new(bits::<32>((W / 8).trailing_zeros() as u64)),
            k_ratio: Constant::new(bits::<4>(ratio as u64)),
            k_ratio_shift: Constant::new(bits::<12>(ratio.trailing_zeros() as u64)),
            k_two: Constant::new(bits::<8>(2)),
            k_code_sram: Constant::new(bits::<48>(6 << 8)),
            k_one_tag: Constant::new(Bits::<TAG>::from(1u64)),
            k_decerr: Constant::new(bits::<2>(3)),
            k_255: Constant::new(bits::<32>(255)),
            k_one32: Constant::new(bits::<32>(1)),
            k_wmask_all: Constant::new(bits::<M>(((1u128 << M) - 1) as u64)),
            k_wstrb_all: Constant::new(bits::<DS>(((1u128 << DS) - 1) as u64)),
            k_4k: Constant::new(bits::<32>(4096)),
            k_4k_mask: Constant::new(bits::<32>(4095)),
            k_axi_limit: Constant::new(bits::<64>(1u64 << axi_addr_bits)),
            k_sram_limit: Constant::new(bits::<64>(sram_bytes)),
            k_outstanding: Constant::new(bits::<8>(outstanding as u64)),
            k_arsize: Constant::new(bits::<3>(beat.trailing_zeros() as u64)),
            k_beat_bytes: Constant::new(bits::<32>(beat)),
            k_shift_w: Constant::new(bits::<32>(W as u64)),
            k_shift_top: Constant::new(bits::<32>((D - W) as u64)),
            k_zero48: Constant::new(bits::<48>(0)),
            k_zero_tag: Constant::new(Bits::<TAG>::default()),
            k_zero8: Constant::new(bits::<8>(0)),
            k_one12: Constant::new(bits::<12>(1)),
            k_one4: Constant::new(bits::<4>(1)),
            k_ratio8: Constant::new(bits::<8>(ratio as u64)),
            k_one8: Constant::new(bits::<8>(1)),
            // wbeat_q holds 4 beats: at most that many beats' words are read ahead of the splitter.
            k_cp_cap: Constant::new(bits::<8>(4 * ratio as u64)),
            k_code_sram8: Constant::new(bits::<8>(6)),
            sp_final: Default::default(),
            ld_code: Default::default(),
            st_code: Default::default(),
            tag_fault: Default::default(),
            _ratio: ratio,
        }
    }
}

impl<
        const D: usize,
        const DS: usize,
        const W: usize,
        const M: usize,
        const Q: usize,
        const QC: usize,
    > Logic for DmaEngine<D, DS, W, M, Q, QC>
{
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            active_q,
            store_q,
            copy_q,
            mc_q,
            mc_m1_q,
            mc_stride_w_q,
            id_q,
            seq_q,
            axi_plane_q,
            axi_row_q,
            axi_cur_q,
            sram_plane_q,
            sram_row_q,
            sram_cur_q,
            axi_stride_q,
            sram_stride_q,
            axi_pstride_q,
            sram_pstride_q,
            row_bytes_q,
            rows_q,
            row_left_q,
            rows_left_q,
            planes_left_q,
            rd_out_q,
            wr_out_q,
            r_inburst_q,
            r_word_q,
            r_axi_q,
            ld_err_q,
            ld_resp_q,
            ld_fault_q,
            sp_beat_q,
            sp_left_q,
            sp_addr_q,
            sp_drop_q,
            sp_last_q,
            sp_id_q,
            sp_k_q,
            sp_koff_q,
            ld_serr_q,
            cp_words_q,
            sg_active_q,
            sg_addr_q,
            sg_left_q,
            sg_seq_q,
            pk_acc_q,
            pk_cnt_q,
            pk_bad_q,
            w_beat_q,
            w_abort_q,
            b_abort_q,
            b_abort_seq_q,
            st_err_q,
            st_resp_q,
            st_fault_q,
            ss_err_q,
            ss_seq_q,
            ss_fault_q,
            rr_q,
            hold_q,
            hold_st_q,
            ld_sram_err_q,
            ld_sram_fault_q,
            cnt_rd_q,
            cnt_wr_q,
            cnt_busy_q,
            cnt_stall_q
        );
        clock!(
            self, clock, desc_q, status_q, ar_skid, aw_skid, rinfo_q, sreq_q, wlen_q, binfo_q,
            tag_q, wbeat_q, wbad_q
        );
        self.desc_q.reset.next = self.reset.val();
        self.status_q.reset.next = self.reset.val();
        self.ar_skid.reset.next = self.reset.val();
        self.aw_skid.reset.next = self.reset.val();
        self.rinfo_q.reset.next = self.reset.val();
        self.sreq_q.reset.next = self.reset.val();
        self.wlen_q.reset.next = self.reset.val();
        self.binfo_q.reset.next = self.reset.val();
        self.tag_q.reset.next = self.reset.val();
        self.wbeat_q.reset.next = self.reset.val();
        self.wbad_q.reset.next = self.reset.val();
        StreamIn::<288>::link(&mut self.desc, &mut self.desc_q.upstream);
        StreamOut::<48>::link(&mut self.status, &mut self.status_q.downstream);

        // ---- Defaults.
        self.desc_q.downstream.ready.next = false;
        self.status_q.upstream.valid.next = false;
        self.status_q.upstream.data.next = self.k_zero48.val();
        self.ar_skid.upstream.valid.next = false;
        self.aw_skid.upstream.valid.next = false;
        self.rinfo_q.upstream.valid.next = false;
        self.sreq_q.upstream.valid.next = false;
        self.wlen_q.upstream.valid.next = false;
        self.binfo_q.upstream.valid.next = false;
        self.tag_q.upstream.valid.next = false;
        self.tag_q.upstream.data.next = self.k_zero_tag.val();
        self.wbeat_q.upstream.valid.next = false;
        self.wbad_q.upstream.valid.next = false;
        self.rinfo_q.downstream.ready.next = false;
        self.sreq_q.downstream.ready.next = false;
        self.wlen_q.downstream.ready.next = false;
        self.binfo_q.downstream.ready.next = false;
        self.tag_q.downstream.ready.next = false;
        self.wbeat_q.downstream.ready.next = false;
        self.wbad_q.downstream.ready.next = false;
        self.sram_req_valid.next = false;
        self.sram_req_addr.next = 0.into();
        self.sram_req_write.next = false;
        self.sram_req_wdata.next = self.sp_beat_q.q.val().get_bits::<W>(0);
        self.sram_req_wmask.next = self.k_wmask_all.val();
        self.sram_rsp_ready.next = false;
        self.axi_rready.next = false;
        self.axi_bready.next = false;
        self.st_reject.next = false;
        self.st_load.next = false;
        self.st_store.next = false;

        // ---- AXI constant fields and channel slices.
        self.axi_arid.next = 0.into();
        self.axi_awid.next = 0.into();
        self.axi_arsize.next = self.k_arsize.val();
        self.axi_awsize.next = self.k_arsize.val();
        self.axi_arburst.next = 1.into();
        self.axi_awburst.next = 1.into();
        self.axi_arvalid.next = self.ar_skid.downstream.valid.val();
        self.ar_skid.downstream.ready.next = self.axi_arready.val();
        self.axi_araddr.next = self.ar_skid.downstream.data.val().get_bits::<32>(0);
        self.axi_arlen.next = self.ar_skid.downstream.data.val().get_bits::<8>(32);
        self.axi_awvalid.next = self.aw_skid.downstream.valid.val();
        self.aw_skid.downstream.ready.next = self.axi_awready.val();
        self.axi_awaddr.next = self.aw_skid.downstream.data.val().get_bits::<32>(0);
        self.axi_awlen.next = self.aw_skid.downstream.data.val().get_bits::<8>(32);

        // ---- Descriptor check (combinational on the queue head).
        self.d_src.next = self.desc_q.downstream.data.val().get_bits::<32>(0);
        self.d_dst.next = self.desc_q.downstream.data.val().get_bits::<32>(32);
        self.d_src_stride.next = self.desc_q.downstream.data.val().get_bits::<32>(64);
        self.d_dst_stride.next = self.desc_q.downstream.data.val().get_bits::<32>(96);
        self.d_src_pstride.next = self.desc_q.downstream.data.val().get_bits::<32>(128);
        self.d_dst_pstride.next = self.desc_q.downstream.data.val().get_bits::<32>(160);
        self.d_row_bytes.next = self.desc_q.downstream.data.val().get_bits::<16>(192);
        self.d_rows.next = self.desc_q.downstream.data.val().get_bits::<16>(208);
        self.d_planes.next = self.desc_q.downstream.data.val().get_bits::<16>(224);
        self.d_id.next = self.desc_q.downstream.data.val().get_bits::<8>(240);
        self.d_store.next = self.desc_q.downstream.data.val().get_bit(248);
        self.d_copy.next = self.desc_q.downstream.data.val().get_bit(249);
        self.d_mc.next = self.desc_q.downstream.data.val().get_bits::<4>(250);
        self.d_rsvd.next = self.desc_q.downstream.data.val().get_bits::<2>(254);
        self.d_mc_stride.next = self.desc_q.downstream.data.val().get_bits::<32>(256);
        self.mul_mc_lo.a.next = bit_cast::<16, 4>(self.d_mc.val());
        self.mul_mc_hi.a.next = bit_cast::<16, 4>(self.d_mc.val());
        self.mul_mc_lo.b.next = self.d_mc_stride.val().get_bits::<16>(0);
        self.mul_mc_hi.b.next = self.d_mc_stride.val().get_bits::<16>(16);
        self.mul_sr_lo.a.next = self.d_rows.val() - 1;
        self.mul_sr_hi.a.next = self.d_rows.val() - 1;
        self.mul_dr_lo.a.next = self.d_rows.val() - 1;
        self.mul_dr_hi.a.next = self.d_rows.val() - 1;
        self.mul_sp_lo.a.next = self.d_planes.val() - 1;
        self.mul_sp_hi.a.next = self.d_planes.val() - 1;
        self.mul_dp_lo.a.next = self.d_planes.val() - 1;
        self.mul_dp_hi.a.next = self.d_planes.val() - 1;
        self.mul_sr_lo.b.next = self.d_src_stride.val().get_bits::<16>(0);
        self.mul_sr_hi.b.next = self.d_src_stride.val().get_bits::<16>(16);
        self.mul_dr_lo.b.next = self.d_dst_stride.val().get_bits::<16>(0);
        self.mul_dr_hi.b.next = self.d_dst_stride.val().get_bits::<16>(16);
        self.mul_sp_lo.b.next = self.d_src_pstride.val().get_bits::<16>(0);
        self.mul_sp_hi.b.next = self.d_src_pstride.val().get_bits::<16>(16);
        self.mul_dp_lo.b.next = self.d_dst_pstride.val().get_bits::<16>(0);
        self.mul_dp_hi.b.next = self.d_dst_pstride.val().get_bits::<16>(16);
        self.src_end.next = bit_cast::<64, 32>(self.d_src.val())
            + bit_cast::<64, 16>(self.d_row_bytes.val())
            + bit_cast::<64, 32>(self.mul_sr_lo.p.val())
            + (bit_cast::<64, 32>(self.mul_sr_hi.p.val()) << 16)
            + bit_cast::<64, 32>(self.mul_sp_lo.p.val())
            + (bit_cast::<64, 32>(self.mul_sp_hi.p.val()) << 16);
        self.dst_end.next = bit_cast::<64, 32>(self.d_dst.val())
            + bit_cast::<64, 16>(self.d_row_bytes.val())
            + bit_cast::<64, 32>(self.mul_dr_lo.p.val())
            + (bit_cast::<64, 32>(self.mul_dr_hi.p.val()) << 16)
            + bit_cast::<64, 32>(self.mul_dp_lo.p.val())
            + (bit_cast::<64, 32>(self.mul_dp_hi.p.val()) << 16);
        self.dst_last_end.next = self.dst_end.val()
            + bit_cast::<64, 32>(self.mul_mc_lo.p.val())
            + (bit_cast::<64, 32>(self.mul_mc_hi.p.val()) << 16);
        self.d_window.next = self.dst_end.val() - bit_cast::<64, 32>(self.d_dst.val());
        if self.d_store.val() {
            self.range_bad.next = (self.dst_end.val() > self.k_axi_limit.val())
                | (self.src_end.val() > self.k_sram_limit.val());
        } else if self.d_copy.val() {
            self.range_bad.next = (self.src_end.val() > self.k_sram_limit.val())
                | (self.dst_last_end.val() > self.k_sram_limit.val());
        } else {
            self.range_bad.next = (self.src_end.val() > self.k_axi_limit.val())
                | (self.dst_last_end.val() > self.k_sram_limit.val());
        }
        // Rule 4: windows apart, and a copy's source outside the union of its windows.
        self.overlap_bad.next = ((self.d_mc.val() != 0)
            & (bit_cast::<64, 32>(self.d_mc_stride.val()) < self.d_window.val()))
            | (self.d_copy.val()
                & (bit_cast::<64, 32>(self.d_src.val()) < self.dst_last_end.val())
                & (bit_cast::<64, 32>(self.d_dst.val()) < self.src_end.val()));
        self.d_code.next = self.k_zero8.val();
        if self.overlap_bad.val() {
            self.d_code.next = 8.into();
        }
        if self.range_bad.val() {
            self.d_code.next = 3.into();
        }
        if ((self.d_src.val()
            | self.d_mc_stride.val()
            | self.d_dst.val()
            | bit_cast::<32, 16>(self.d_row_bytes.val())
            | self.d_src_stride.val()
            | self.d_dst_stride.val()
            | self.d_src_pstride.val()
            | self.d_dst_pstride.val())
            & self.k_beat_mask.val())
            != 0
        {
            self.d_code.next = 2.into();
        }
        if (self.d_row_bytes.val() == 0) | (self.d_rows.val() == 0) | (self.d_planes.val() == 0) {
            self.d_code.next = 1.into();
        }
        if (self.d_rsvd.val() != 0)
            | (self.d_store.val() & self.d_copy.val())
            | (self.d_store.val() & (self.d_mc.val() != 0))
        {
            self.d_code.next = 7.into();
        }

        // ---- Issuer: one legal burst per cycle.
        self.to_4k.next = self.k_4k.val() - (self.axi_cur_q.q.val() & self.k_4k_mask.val());
        // Burst length - 1 = min(row, 4 KiB, 256 beats) - 1, compared at full width (every bit is read).
        self.row_m1.next =
            (self.row_left_q.q.val() - self.k_beat_bytes.val()) >> self.k_beat_shift.val();
        self.to_4k_m1.next =
            (self.to_4k.val() - self.k_beat_bytes.val()) >> self.k_beat_shift.val();
        self.beats_m1.next = self.k_255.val().get_bits::<8>(0);
        if self.to_4k_m1.val() < self.k_255.val() {
            self.beats_m1.next = self.to_4k_m1.val().get_bits::<8>(0);
        }
        if self.row_m1.val() < bit_cast::<32, 8>(self.beats_m1.val()) {
            self.beats_m1.next = self.row_m1.val().get_bits::<8>(0);
        }
        self.chunk.next = (bit_cast::<32, 8>(self.beats_m1.val()) + self.k_one32.val())
            << self.k_beat_shift.val();
        self.end_row.next = self.chunk.val() == self.row_left_q.q.val();
        self.end_plane.next = self.end_row.val() & (self.rows_left_q.q.val() == 1);
        self.end_desc.next = self.end_plane.val() & (self.planes_left_q.q.val() == 1);
        self.sram_word.next = self.sram_cur_q.q.val() >> self.k_word_shift.val();
        self.can_load.next = self.ar_skid.upstream.ready.val()
            & self.rinfo_q.upstream.ready.val()
            & (self.rd_out_q.q.val() < self.k_outstanding.val());
        self.can_store.next = self.aw_skid.upstream.ready.val()
            & self.sreq_q.upstream.ready.val()
            & self.wlen_q.upstream.ready.val()
            & self.binfo_q.upstream.ready.val()
            & (self.wr_out_q.q.val() < self.k_outstanding.val());
        self.can_copy.next = self.sreq_q.upstream.ready.val()
            & self.wlen_q.upstream.ready.val()
            & self.rinfo_q.upstream.ready.val();
        self.issue.next = self.active_q.q.val()
            & ((self.store_q.q.val() & self.can_store.val())
                | (self.copy_q.q.val() & self.can_copy.val())
                | (!self.store_q.q.val() & !self.copy_q.q.val() & self.can_load.val()));
        // A store reads its SRAM side; a copy reads its source (kept in the issuer's "AXI side" registers).
        self.sreq_word.next = self.sram_word.val();
        if self.copy_q.q.val() {
            self.sreq_word.next = self.axi_cur_q.q.val() >> self.k_word_shift.val();
        }
        self.ar_skid.upstream.data.next = bit_cast::<40, 32>(self.axi_cur_q.q.val())
            | (bit_cast::<40, 8>(self.beats_m1.val()) << 32);
        self.aw_skid.upstream.data.next = bit_cast::<40, 32>(self.axi_cur_q.q.val())
            | (bit_cast::<40, 8>(self.beats_m1.val()) << 32);
        self.rinfo_q.upstream.data.next = bit_cast::<RINFO, 8>(self.id_q.q.val())
            | (bit_cast::<RINFO, 1>(self.end_desc.val().into()) << 8)
            | (bit_cast::<RINFO, 32>(self.axi_cur_q.q.val()) << 9)
            | (bit_cast::<RINFO, 32>(self.sram_word.val()) << 41);
        self.sreq_q.upstream.data.next = bit_cast::<SREQ, 32>(self.sreq_word.val())
            | (bit_cast::<SREQ, 8>(self.beats_m1.val()) << 32)
            | (bit_cast::<SREQ, 2>(self.seq_q.q.val()) << 40);
        self.wlen_q.upstream.data.next = bit_cast::<WLEN, 8>(self.beats_m1.val())
            | (bit_cast::<WLEN, 1>(self.end_desc.val().into()) << 8)
            | (bit_cast::<WLEN, 2>(self.seq_q.q.val()) << 9);
        self.binfo_q.upstream.data.next = bit_cast::<BINFO, 32>(self.axi_cur_q.q.val())
            | (bit_cast::<BINFO, 1>(self.end_desc.val().into()) << 32)
            | (bit_cast::<BINFO, 8>(self.id_q.q.val()) << 33)
            | (bit_cast::<BINFO, 2>(self.seq_q.q.val()) << 41);
        if self.issue.val() {
            if self.store_q.q.val() {
                self.aw_skid.upstream.valid.next = true;
                self.sreq_q.upstream.valid.next = true;
                self.wlen_q.upstream.valid.next = true;
                self.binfo_q.upstream.valid.next = true;
            } else if self.copy_q.q.val() {
                self.sreq_q.upstream.valid.next = true;
                self.wlen_q.upstream.valid.next = true;
                self.rinfo_q.upstream.valid.next = true;
            } else {
                self.ar_skid.upstream.valid.next = true;
                self.rinfo_q.upstream.valid.next = true;
            }
            if self.end_row.val() {
                if self.end_plane.val() {
                    if self.end_desc.val() {
                        self.active_q.d.next = false;
                        self.seq_q.d.next = self.seq_q.q.val() + 1;
                    } else {
                        self.planes_left_q.d.next = self.planes_left_q.q.val() - 1;
                        self.rows_left_q.d.next = self.rows_q.q.val();
                        self.axi_plane_q.d.next =
                            self.axi_plane_q.q.val() + self.axi_pstride_q.q.val();
                        self.axi_row_q.d.next =
                            self.axi_plane_q.q.val() + self.axi_pstride_q.q.val();
                        self.axi_cur_q.d.next =
                            self.axi_plane_q.q.val() + self.axi_pstride_q.q.val();
                        self.sram_plane_q.d.next =
                            self.sram_plane_q.q.val() + self.sram_pstride_q.q.val();
                        self.sram_row_q.d.next =
                            self.sram_plane_q.q.val() + self.sram_pstride_q.q.val();
                        self.sram_cur_q.d.next =
                            self.sram_plane_q.q.val() + self.sram_pstride_q.q.val();
                    }
                } else {
                    self.rows_left_q.d.next = self.rows_left_q.q.val() - 1;
                    self.axi_row_q.d.next = self.axi_row_q.q.val() + self.axi_stride_q.q.val();
                    self.axi_cur_q.d.next = self.axi_row_q.q.val() + self.axi_stride_q.q.val();
                    self.sram_row_q.d.next = self.sram_row_q.q.val() + self.sram_stride_q.q.val();
                    self.sram_cur_q.d.next = self.sram_row_q.q.val() + self.sram_stride_q.q.val();
                }
                self.row_left_q.d.next = self.row_bytes_q.q.val();
            } else {
                self.row_left_q.d.next = self.row_left_q.q.val() - self.chunk.val();
                self.axi_cur_q.d.next = self.axi_cur_q.q.val() + self.chunk.val();
                self.sram_cur_q.d.next = self.sram_cur_q.q.val() + self.chunk.val();
            }
        }

        // ---- Dispatcher: take the queue head when the issuer is free (rejects need only the status FIFO).
        // A descriptor of the other direction waits until the engine has drained: loads write the SRAM that
        // stores read, and AXI4 orders nothing between its read and write channels, so without this fence a
        // store could read SRAM words an earlier load has not written yet (or a load overtake a store).
        self.inflight.next = (self.rd_out_q.q.val() != 0)
            | (self.wr_out_q.q.val() != 0)
            | self.tag_q.downstream.valid.val()
            | (self.sp_left_q.q.val() != 0)
            | self.sg_active_q.q.val()
            | self.wbeat_q.downstream.valid.val()
            | self.rinfo_q.downstream.valid.val()
            | self.sreq_q.downstream.valid.val()
            | self.wlen_q.downstream.valid.val();
        // Copies and multicasts start on a drained engine (a copy reads SRAM that earlier descriptors write;
        // the splitter's window count and stride are engine-wide registers).
        self.d_same.next = (self.d_store.val() == self.store_q.q.val())
            & !self.d_copy.val()
            & !self.copy_q.q.val()
            & (self.d_mc.val() == 0)
            & !self.mc_q.q.val();
        if self.desc_q.downstream.valid.val() {
            if self.d_code.val() != 0 {
                if self.status_q.upstream.ready.val() {
                    self.st_reject.next = true;
                    self.desc_q.downstream.ready.next = true;
                }
            } else if !self.active_q.q.val() & (self.d_same.val() | !self.inflight.val()) {
                self.desc_q.downstream.ready.next = true;
                self.active_q.d.next = true;
                self.store_q.d.next = self.d_store.val();
                self.copy_q.d.next = self.d_copy.val();
                self.mc_q.d.next = self.d_mc.val() != 0;
                self.mc_m1_q.d.next = self.d_mc.val();
                self.mc_stride_w_q.d.next = self.d_mc_stride.val() >> self.k_word_shift.val();
                self.id_q.d.next = self.d_id.val();
                self.row_bytes_q.d.next = bit_cast::<32, 16>(self.d_row_bytes.val());
                self.row_left_q.d.next = bit_cast::<32, 16>(self.d_row_bytes.val());
                self.rows_q.d.next = self.d_rows.val();
                self.rows_left_q.d.next = self.d_rows.val();
                self.planes_left_q.d.next = self.d_planes.val();
                if self.d_store.val() {
                    self.axi_plane_q.d.next = self.d_dst.val();
                    self.axi_row_q.d.next = self.d_dst.val();
                    self.axi_cur_q.d.next = self.d_dst.val();
                    self.axi_stride_q.d.next = self.d_dst_stride.val();
                    self.axi_pstride_q.d.next = self.d_dst_pstride.val();
                    self.sram_plane_q.d.next = self.d_src.val();
                    self.sram_row_q.d.next = self.d_src.val();
                    self.sram_cur_q.d.next = self.d_src.val();
                    self.sram_stride_q.d.next = self.d_src_stride.val();
                    self.sram_pstride_q.d.next = self.d_src_pstride.val();
                } else {
                    self.axi_plane_q.d.next = self.d_src.val();
                    self.axi_row_q.d.next = self.d_src.val();
                    self.axi_cur_q.d.next = self.d_src.val();
                    self.axi_stride_q.d.next = self.d_src_stride.val();
                    self.axi_pstride_q.d.next = self.d_src_pstride.val();
                    self.sram_plane_q.d.next = self.d_dst.val();
                    self.sram_row_q.d.next = self.d_dst.val();
                    self.sram_cur_q.d.next = self.d_dst.val();
                    self.sram_stride_q.d.next = self.d_dst_stride.val();
                    self.sram_pstride_q.d.next = self.d_dst_pstride.val();
                }
            }
        }

        self.sp_wdone.next = self.sp_k_q.q.val() == self.mc_m1_q.q.val();
        self.sp_waddr.next = self.sp_addr_q.q.val() + self.sp_koff_q.q.val();
        self.sp_final.next =
            self.sp_last_q.q.val() & (self.sp_left_q.q.val() == 1) & self.sp_wdone.val();
        // A copy's read generator stays at most `k_cp_cap` words ahead of the splitter, so the packer's
        // beats always fit in `wbeat_q` and the splitter's writes always find a tag slot (no deadlock on
        // the shared port).
        self.sg_ok.next = self.sg_active_q.q.val()
            & (!self.copy_q.q.val() | (self.cp_words_q.q.val() < self.k_cp_cap.val()));
        // ---- SRAM request arbitration: load writes vs store reads, 1-bit round robin.
        self.sp_send.next = false;
        self.sg_send.next = false;
        self.grant_ld.next = false;
        self.grant_st.next = false;
        if self.sp_left_q.q.val() != 0 {
            if !(self.sg_ok.val() & self.rr_q.q.val()) {
                self.grant_ld.next = true;
            }
        }
        if self.sg_ok.val() & !self.grant_ld.val() {
            self.grant_st.next = true;
        }
        if self.hold_q.q.val() {
            self.grant_ld.next = !self.hold_st_q.q.val();
            self.grant_st.next = self.hold_st_q.q.val();
        }
        // The load path's last word of a descriptor carries the status ingredients in its tag.
        if self.grant_ld.val() {
            self.sram_req_valid.next = self.tag_q.upstream.ready.val();
            self.sram_req_addr.next = self.sp_waddr.val();
            self.sram_req_write.next = !self.sp_drop_q.q.val();
            self.tag_q.upstream.data.next = self.k_one_tag.val()
                | (bit_cast::<TAG, 1>(self.sp_final.val().into()) << 1)
                | (bit_cast::<TAG, 1>(self.ld_err_q.q.val().into()) << 2)
                | (bit_cast::<TAG, 2>(self.ld_resp_q.q.val()) << 3)
                | (bit_cast::<TAG, 32>(self.sp_waddr.val()) << 5)
                | (bit_cast::<TAG, 32>(self.ld_fault_q.q.val()) << 37)
                | (bit_cast::<TAG, 8>(self.sp_id_q.q.val()) << 69)
                | (bit_cast::<TAG, 1>(self.ld_serr_q.q.val().into()) << 79);
            if self.tag_q.upstream.ready.val() & self.sram_req_ready.val() {
                self.sp_send.next = true;
            }
        }
        if self.grant_st.val() {
            self.sram_req_valid.next = self.tag_q.upstream.ready.val();
            self.sram_req_addr.next = self.sg_addr_q.q.val();
            self.sram_req_write.next = false;
            self.tag_q.upstream.data.next = (bit_cast::<TAG, 32>(self.sg_addr_q.q.val()) << 5)
                | (bit_cast::<TAG, 2>(self.sg_seq_q.q.val()) << 77);
            if self.tag_q.upstream.ready.val() & self.sram_req_ready.val() {
                self.sg_send.next = true;
            }
        }
        if self.sp_send.val() | self.sg_send.val() {
            self.tag_q.upstream.valid.next = true;
            self.rr_q.d.next = self.sp_send.val();
        }
        self.hold_q.d.next = self.sram_req_valid.val() & !self.sram_req_ready.val();
        self.hold_st_q.d.next = self.grant_st.val();

        // ---- Load path: R beats into the splitter (one beat, D/W SRAM words).
        self.sp_free.next = (self.sp_left_q.q.val() == 0)
            | ((self.sp_left_q.q.val() == 1) & self.sp_send.val() & self.sp_wdone.val());
        self.axi_rready.next =
            self.rinfo_q.downstream.valid.val() & self.sp_free.val() & !self.copy_q.q.val();
        self.in_valid.next = self.axi_rvalid.val();
        self.in_last.next = self.axi_rlast.val();
        self.in_data.next = self.axi_rdata.val();
        self.in_serr.next = false;
        if self.copy_q.q.val() {
            self.in_valid.next =
                self.wbeat_q.downstream.valid.val() & self.wlen_q.downstream.valid.val();
            self.in_last.next =
                self.w_beat_q.q.val() == self.wlen_q.downstream.data.val().get_bits::<8>(0);
            self.in_data.next = self.wbeat_q.downstream.data.val();
            self.in_serr.next = self.wbad_q.downstream.data.val().any();
        }
        self.r_take.next =
            self.rinfo_q.downstream.valid.val() & self.sp_free.val() & self.in_valid.val();
        self.r_word.next = self.r_word_q.q.val();
        self.r_axi.next = self.r_axi_q.q.val();
        if !self.r_inburst_q.q.val() {
            self.r_word.next = self.rinfo_q.downstream.data.val().get_bits::<32>(41);
            self.r_axi.next = self.rinfo_q.downstream.data.val().get_bits::<32>(9);
        }
        // Multicast: each word goes to every window (window-minor), then the beat moves on.
        if self.sp_send.val() {
            if self.sp_wdone.val() {
                self.sp_k_q.d.next = 0.into();
                self.sp_koff_q.d.next = 0.into();
                self.sp_left_q.d.next = self.sp_left_q.q.val() - 1;
                self.sp_addr_q.d.next = self.sp_addr_q.q.val() + 1;
                self.sp_beat_q.d.next = self.sp_beat_q.q.val() >> self.k_shift_w.val();
                if self.sp_last_q.q.val() & (self.sp_left_q.q.val() == 1) {
                    self.ld_err_q.d.next = false;
                }
            } else {
                self.sp_k_q.d.next = self.sp_k_q.q.val() + 1;
                self.sp_koff_q.d.next = self.sp_koff_q.q.val() + self.mc_stride_w_q.q.val();
            }
        }
        self.r_resp.next = self.axi_rresp.val();
        if self.axi_rid.val() != 0 {
            self.r_resp.next = self.k_decerr.val();
        }
        if self.copy_q.q.val() {
            self.r_resp.next = 0.into();
        }
        self.r_bad.next = (self.r_resp.val() != 0) | self.in_serr.val();
        // A copy's beats come from the packer: pop them, count the burst's beats with `w_beat_q` (the W
        // channel is idle during a copy), and release the source-error capture at the copy's last beat.
        if self.r_take.val() & self.copy_q.q.val() {
            self.wbeat_q.downstream.ready.next = true;
            self.wbad_q.downstream.ready.next = true;
            self.w_beat_q.d.next = self.w_beat_q.q.val() + 1;
            if self.in_last.val() {
                self.w_beat_q.d.next = 0.into();
                self.wlen_q.downstream.ready.next = true;
                if self.rinfo_q.downstream.data.val().get_bit(8) {
                    self.ss_err_q.d.next = false;
                }
            }
        }
        if self.r_take.val() {
            self.sp_beat_q.d.next = self.in_data.val();
            self.sp_left_q.d.next = self.k_ratio.val();
            self.sp_addr_q.d.next = self.r_word.val();
            self.sp_id_q.d.next = self.rinfo_q.downstream.data.val().get_bits::<8>(0);
            self.sp_last_q.d.next =
                self.in_last.val() & self.rinfo_q.downstream.data.val().get_bit(8);
            self.r_word_q.d.next = self.r_word.val() + bit_cast::<32, 4>(self.k_ratio.val());
            self.r_axi_q.d.next = self.r_axi.val() + self.k_beat_bytes.val();
            self.r_inburst_q.d.next = !self.in_last.val();
            // A beat is dropped when it or an earlier beat of its descriptor failed.
            self.sp_drop_q.d.next = self.r_bad.val()
                | (self.ld_err_q.q.val() & !(self.sp_last_q.q.val() & self.sp_send.val()));
            if self.r_bad.val()
                & !(self.ld_err_q.q.val() & !(self.sp_last_q.q.val() & self.sp_send.val()))
            {
                self.ld_err_q.d.next = true;
                self.ld_resp_q.d.next = self.r_resp.val();
                self.ld_serr_q.d.next = self.in_serr.val();
                self.ld_fault_q.d.next = self.r_axi.val();
                if self.in_serr.val() {
                    // The packer recorded the first failing source word when it packed this beat.
                    self.ld_fault_q.d.next = self.ss_fault_q.q.val();
                }
            }
            if self.in_last.val() {
                self.rinfo_q.downstream.ready.next = true;
            }
        }

        // ---- Store path: SRAM read generator.
        if !self.sg_active_q.q.val() & self.sreq_q.downstream.valid.val() {
            self.sreq_q.downstream.ready.next = true;
            self.sg_active_q.d.next = true;
            self.sg_addr_q.d.next = self.sreq_q.downstream.data.val().get_bits::<32>(0);
            self.sg_left_q.d.next =
                (bit_cast::<12, 8>(self.sreq_q.downstream.data.val().get_bits::<8>(32))
                    + self.k_one12.val())
                    << self.k_ratio_shift.val();
            self.sg_seq_q.d.next = self.sreq_q.downstream.data.val().get_bits::<2>(40);
        }
        if self.sg_send.val() {
            self.sg_addr_q.d.next = self.sg_addr_q.q.val() + 1;
            self.sg_left_q.d.next = self.sg_left_q.q.val() - 1;
            if self.sg_left_q.q.val() == 1 {
                self.sg_active_q.d.next = false;
            }
        }

        // ---- SRAM responses: tag FIFO head says whose response it is.
        self.tag_load.next = self.tag_q.downstream.data.val().get_bit(0);
        self.tag_last.next = self.tag_q.downstream.data.val().get_bit(1);
        self.pk_push.next = (self.pk_cnt_q.q.val() + self.k_one4.val()) == self.k_ratio.val();
        self.rsp_go.next = false;
        if self.tag_q.downstream.valid.val() & self.sram_rsp_valid.val() {
            if self.tag_load.val() {
                if self.tag_last.val() {
                    // Status (load > store) when the FIFO has room and no reject takes it.
                    if self.status_q.upstream.ready.val() & !self.st_reject.val() {
                        self.rsp_go.next = true;
                        self.st_load.next = true;
                    }
                } else {
                    self.rsp_go.next = true;
                }
            } else if !self.pk_push.val()
                | (self.wbeat_q.upstream.ready.val() & self.wbad_q.upstream.ready.val())
            {
                self.rsp_go.next = true;
            }
        }
        self.sram_rsp_ready.next = self.rsp_go.val();
        self.tag_q.downstream.ready.next = self.rsp_go.val();
        if self.rsp_go.val() & self.tag_load.val() {
            if self.sram_rsp_error.val() & !self.ld_sram_err_q.q.val() {
                self.ld_sram_err_q.d.next = true;
                self.ld_sram_fault_q.d.next =
                    self.tag_q.downstream.data.val().get_bits::<32>(5) << self.k_word_shift.val();
            }
            if self.tag_last.val() {
                self.ld_sram_err_q.d.next = false;
            }
        }
        // Packer: D/W words into one W beat.
        self.wbeat_q.upstream.data.next = (self.pk_acc_q.q.val() >> self.k_shift_w.val())
            | (bit_cast::<D, W>(self.sram_rsp_rdata.val()) << self.k_shift_top.val());
        self.wbad_q.upstream.data.next = (self.pk_bad_q.q.val() | self.sram_rsp_error.val()).into();
        if self.rsp_go.val() & !self.tag_load.val() {
            self.pk_acc_q.d.next = self.wbeat_q.upstream.data.val();
            if self.pk_push.val() {
                self.wbeat_q.upstream.valid.next = true;
                self.wbad_q.upstream.valid.next = true;
                self.pk_cnt_q.d.next = 0.into();
                self.pk_bad_q.d.next = false;
            } else {
                self.pk_cnt_q.d.next = self.pk_cnt_q.q.val() + 1;
                self.pk_bad_q.d.next = self.pk_bad_q.q.val() | self.sram_rsp_error.val();
            }
            if self.sram_rsp_error.val() & !self.ss_err_q.q.val() {
                self.ss_err_q.d.next = true;
                self.ss_seq_q.d.next = self.tag_q.downstream.data.val().get_bits::<2>(77);
                self.ss_fault_q.d.next =
                    self.tag_q.downstream.data.val().get_bits::<32>(5) << self.k_word_shift.val();
            }
        }

        // ---- W channel: beats from the packer, burst lengths from wlen.
        self.w_mask.next = self.w_abort_q.q.val()
            | self.wbad_q.downstream.data.val().any()
            | (self.b_abort_q.q.val()
                & (self.b_abort_seq_q.q.val()
                    == self.wlen_q.downstream.data.val().get_bits::<2>(9)));
        self.axi_wvalid.next = self.wbeat_q.downstream.valid.val()
            & self.wlen_q.downstream.valid.val()
            & !self.copy_q.q.val();
        self.axi_wdata.next = self.wbeat_q.downstream.data.val();
        self.axi_wstrb.next = self.k_wstrb_all.val();
        if self.w_mask.val() {
            self.axi_wstrb.next = 0.into();
        }
        self.axi_wlast.next =
            self.w_beat_q.q.val() == self.wlen_q.downstream.data.val().get_bits::<8>(0);
        self.w_go.next = self.axi_wvalid.val() & self.axi_wready.val();
        if self.w_go.val() {
            self.wbeat_q.downstream.ready.next = true;
            self.wbad_q.downstream.ready.next = true;
            self.w_beat_q.d.next = self.w_beat_q.q.val() + 1;
            if self.w_mask.val() {
                self.w_abort_q.d.next = true;
            }
            if self.axi_wlast.val() {
                self.w_beat_q.d.next = 0.into();
                self.wlen_q.downstream.ready.next = true;
                if self.wlen_q.downstream.data.val().get_bit(8) {
                    self.w_abort_q.d.next = false;
                }
            }
        }

        // ---- B channel: the last burst of a descriptor posts its status.
        self.b_resp.next = self.axi_bresp.val();
        if self.axi_bid.val() != 0 {
            self.b_resp.next = self.k_decerr.val();
        }
        self.b_go.next = false;
        if self.axi_bvalid.val() & self.binfo_q.downstream.valid.val() {
            if self.binfo_q.downstream.data.val().get_bit(32) {
                if self.status_q.upstream.ready.val() & !self.st_reject.val() & !self.st_load.val()
                {
                    self.b_go.next = true;
                    self.st_store.next = true;
                }
            } else {
                self.b_go.next = true;
            }
        }
        self.axi_bready.next = self.b_go.val();
        self.binfo_q.downstream.ready.next = self.b_go.val();
        if self.b_go.val() {
            if (self.b_resp.val() != 0) & !self.st_err_q.q.val() {
                self.st_err_q.d.next = true;
                self.st_resp_q.d.next = self.b_resp.val();
                self.st_fault_q.d.next = self.binfo_q.downstream.data.val().get_bits::<32>(0);
                self.b_abort_q.d.next = true;
                self.b_abort_seq_q.d.next = self.binfo_q.downstream.data.val().get_bits::<2>(41);
            }
            if self.binfo_q.downstream.data.val().get_bit(32) {
                self.st_err_q.d.next = false;
                self.b_abort_q.d.next = false;
                if self.ss_err_q.q.val()
                    & (self.ss_seq_q.q.val()
                        == self.binfo_q.downstream.data.val().get_bits::<2>(41))
                {
                    self.ss_err_q.d.next = false;
                }
            }
        }

        // ---- Status words. AXI codes: 4 + resp - 2 (SLVERR 4, DECERR 5).
        self.ld_code.next =
            bit_cast::<8, 2>(self.tag_q.downstream.data.val().get_bits::<2>(3)) + self.k_two.val();
        if self.tag_q.downstream.data.val().get_bit(79) {
            self.ld_code.next = self.k_code_sram8.val();
        }
        self.st_code.next = bit_cast::<8, 2>(self.b_resp.val()) + self.k_two.val();
        if self.st_err_q.q.val() {
            self.st_code.next = bit_cast::<8, 2>(self.st_resp_q.q.val()) + self.k_two.val();
        }
        self.tag_fault.next =
            self.tag_q.downstream.data.val().get_bits::<32>(5) << self.k_word_shift.val();
        if self.st_reject.val() {
            self.status_q.upstream.valid.next = true;
            self.status_q.upstream.data.next =
                bit_cast::<48, 8>(self.d_id.val()) | (bit_cast::<48, 8>(self.d_code.val()) << 8);
        }
        if self.st_load.val() {
            self.status_q.upstream.valid.next = true;
            // AXI error first (code 4 + resp - 2: SLVERR 4, DECERR 5), then SRAM error (6).
            if self.tag_q.downstream.data.val().get_bit(2) {
                self.status_q.upstream.data.next =
                    bit_cast::<48, 8>(self.tag_q.downstream.data.val().get_bits::<8>(69))
                        | (bit_cast::<48, 8>(self.ld_code.val()) << 8)
                        | (bit_cast::<48, 32>(self.tag_q.downstream.data.val().get_bits::<32>(37))
                            << 16);
            } else if self.ld_sram_err_q.q.val() | self.sram_rsp_error.val() {
                self.status_q.upstream.data.next =
                    bit_cast::<48, 8>(self.tag_q.downstream.data.val().get_bits::<8>(69))
                        | self.k_code_sram.val();
                if self.ld_sram_err_q.q.val() {
                    self.status_q.upstream.data.next = self.status_q.upstream.data.val()
                        | (bit_cast::<48, 32>(self.ld_sram_fault_q.q.val()) << 16);
                } else {
                    self.status_q.upstream.data.next = self.status_q.upstream.data.val()
                        | (bit_cast::<48, 32>(self.tag_fault.val()) << 16);
                }
            } else {
                self.status_q.upstream.data.next =
                    bit_cast::<48, 8>(self.tag_q.downstream.data.val().get_bits::<8>(69));
            }
        }
        if self.st_store.val() {
            self.status_q.upstream.valid.next = true;
            self.status_q.upstream.data.next =
                bit_cast::<48, 8>(self.binfo_q.downstream.data.val().get_bits::<8>(33));
            if self.st_err_q.q.val() | (self.b_resp.val() != 0) {
                if self.st_err_q.q.val() {
                    self.status_q.upstream.data.next = self.status_q.upstream.data.val()
                        | (bit_cast::<48, 8>(self.st_code.val()) << 8)
                        | (bit_cast::<48, 32>(self.st_fault_q.q.val()) << 16);
                } else {
                    self.status_q.upstream.data.next = self.status_q.upstream.data.val()
                        | (bit_cast::<48, 8>(self.st_code.val()) << 8)
                        | (bit_cast::<48, 32>(
                            self.binfo_q.downstream.data.val().get_bits::<32>(0),
                        ) << 16);
                }
            } else if self.ss_err_q.q.val()
                & (self.ss_seq_q.q.val() == self.binfo_q.downstream.data.val().get_bits::<2>(41))
            {
                self.status_q.upstream.data.next = self.status_q.upstream.data.val()
                    | self.k_code_sram.val()
                    | (bit_cast::<48, 32>(self.ss_fault_q.q.val()) << 16);
            }
        }

        // ---- Outstanding bursts.
        // (A copy issues no AR: `copy_q` holds for the whole copy, so nothing here moves during one.)
        if self.issue.val() & !self.store_q.q.val() & !self.copy_q.q.val() {
            if !(self.r_take.val() & self.in_last.val()) {
                self.rd_out_q.d.next = self.rd_out_q.q.val() + 1;
            }
        } else if self.r_take.val() & self.in_last.val() & !self.copy_q.q.val() {
            self.rd_out_q.d.next = self.rd_out_q.q.val() - 1;
        }
        self.cp_inc.next = self.k_zero8.val();
        self.cp_dec.next = self.k_zero8.val();
        if self.sg_send.val() {
            self.cp_inc.next = self.k_one8.val();
        }
        if self.r_take.val() {
            self.cp_dec.next = self.k_ratio8.val();
        }
        if self.copy_q.q.val() {
            self.cp_words_q.d.next =
                self.cp_words_q.q.val() + self.cp_inc.val() - self.cp_dec.val();
        }
        if self.issue.val() & self.store_q.q.val() {
            if !self.b_go.val() {
                self.wr_out_q.d.next = self.wr_out_q.q.val() + 1;
            }
        } else if self.b_go.val() {
            self.wr_out_q.d.next = self.wr_out_q.q.val() - 1;
        }

        // ---- Counters.
        self.busy.next = self.desc_q.downstream.valid.val()
            | self.active_q.q.val()
            | (self.rd_out_q.q.val() != 0)
            | (self.wr_out_q.q.val() != 0)
            | self.tag_q.downstream.valid.val()
            | (self.sp_left_q.q.val() != 0)
            | self.sg_active_q.q.val()
            | self.wbeat_q.downstream.valid.val()
            | self.rinfo_q.downstream.valid.val()
            | self.sreq_q.downstream.valid.val();
        self.idle.next = !self.busy.val();
        if self.r_take.val() & !self.copy_q.q.val() {
            self.cnt_rd_q.d.next = self.cnt_rd_q.q.val() + self.k_beat_bytes.val();
        }
        if self.w_go.val() {
            self.cnt_wr_q.d.next = self.cnt_wr_q.q.val() + self.k_beat_bytes.val();
        }
        if self.busy.val() {
            self.cnt_busy_q.d.next = self.cnt_busy_q.q.val() + 1;
        }
        if ((self.rd_out_q.q.val() != 0) | (self.wr_out_q.q.val() != 0))
            & !self.r_take.val()
            & !self.w_go.val()
        {
            self.cnt_stall_q.d.next = self.cnt_stall_q.q.val() + 1;
        }
        self.count_rd_bytes.next = self.cnt_rd_q.q.val();
        self.count_wr_bytes.next = self.cnt_wr_q.q.val();
        self.count_busy.next = self.cnt_busy_q.q.val();
        self.count_stall.next = self.cnt_stall_q.q.val();

        // ---- Reset: idle, nothing in flight (the queues reset themselves).
        if self.reset.val() {
            self.active_q.d.next = false;
            self.seq_q.d.next = 0.into();
            self.rd_out_q.d.next = 0.into();
            self.wr_out_q.d.next = 0.into();
            self.r_inburst_q.d.next = false;
            self.ld_err_q.d.next = false;
            self.sp_left_q.d.next = 0.into();
            self.sp_k_q.d.next = 0.into();
            self.sp_koff_q.d.next = 0.into();
            self.copy_q.d.next = false;
            self.mc_q.d.next = false;
            self.mc_m1_q.d.next = 0.into();
            self.cp_words_q.d.next = 0.into();
            self.ld_serr_q.d.next = false;
            self.sg_active_q.d.next = false;
            self.pk_cnt_q.d.next = 0.into();
            self.pk_bad_q.d.next = false;
            self.w_beat_q.d.next = 0.into();
            self.w_abort_q.d.next = false;
            self.b_abort_q.d.next = false;
            self.st_err_q.d.next = false;
            self.ss_err_q.d.next = false;
            self.ld_sram_err_q.d.next = false;
            self.rr_q.d.next = false;
            self.hold_q.d.next = false;
            self.cnt_rd_q.d.next = 0.into();
            self.cnt_wr_q.d.next = 0.into();
            self.cnt_busy_q.d.next = 0.into();
            self.cnt_stall_q.d.next = 0.into();
        }
    }
}
