//! The CSRAM top: P request ports, B word-interleaved banks, per-bank round-robin arbitration,
//! in-order responses, optional SECDED, fault injection and counters.
//!
//! ```text
//!  req[p] ──decode──▶ want[b][p] ──▶ bank b round robin ──▶ grant[b][p] ──▶ req[p].ready
//!   addr: bank = addr mod B            (last_q[b])            │
//!         row  = addr / B                                     ▼ mux the granted port
//!   credit_q[p] > 0 required                           encode ─▶ BankRam b ─▶ s1 regs[b]
//!                                                                    │ rdata (cycle t+1)
//!                                                        decode ◀────┘
//!                                                          │  RMW: merge bytes, encode, write back
//!                              rsp_word[b] ◀───────────────┘
//!  rsp[p] ◀── SyncFifo (4) ◀── pick the bank whose s1_port == p
//! ```
//!
//! Timing (edge t = the rising edge where `req.valid & req.ready`):
//! * edge t: the bank reads (or writes) the row; the request's tag enters the bank's `s1` register.
//! * cycle t+1: read data leaves the RAM, is decoded and pushed into the port's response FIFO on
//!   edge t+1. A partial write with ECC writes its merged word back in this cycle, and the bank
//!   takes no new request (one stall cycle for that bank).
//! * cycle t+2: the response is `valid` at the port (latency 2, with or without ECC).
//!
//! Ordering: every bank has the same latency and a port is granted by at most one bank per cycle,
//! so a port's responses arrive at its FIFO in request order without any reorder buffer.
//! Back-pressure: a port may have at most 4 requests between acceptance and the response
//! handshake (`credit_q`), so the FIFO never overflows and a ready sink sees full rate.
//!
//! Arbitration is written inline (not with `common::RoundRobinArbiter`) because rust-hdl 0.46
//! substitutes only the first `[...]` of a name, so a Vec of arbiters with Vec ports
//! (`arb[b].request[p]`) cannot be indexed; the algorithm is the same two-pass search.
use super::bank_ram::{BankRam, ROW_BITS};
use super::secded::{SecdedDecode, SecdedEncode};
use crate::common::{SyncFifo, ZeroExtend};
use rust_hdl::prelude::*;
use tessera_model::config::CsramConfig;
use tessera_model::csram::Secded;

/// Port index width (P <= 16).
pub const PORT_BITS: usize = 4;
/// Bank index width (B <= 64).
pub const BANK_BITS: usize = 8;
/// Response FIFO depth (and credits per port): 2 in flight + 1 being popped + 1 spare.
pub const RSP_DEPTH: u64 = 4;

/// One request port (the CSRAM receives): a stream with payload {addr, write, wdata, wmask}.
#[derive(LogicInterface, Default)]
pub struct CsramReq<const W: usize, const M: usize> {
    /// A request is offered (must not depend on `ready`; holds with the payload until taken).
    pub valid: Signal<In, Bit>,
    /// The CSRAM takes the request on this edge.
    pub ready: Signal<Out, Bit>,
    /// Word address: bank = addr mod B, row = addr / B; addresses >= B*D answer `error`.
    pub addr: Signal<In, Bits<32>>,
    /// Write (else read).
    pub write: Signal<In, Bit>,
    /// Write data.
    pub wdata: Signal<In, Bits<W>>,
    /// Byte write enables (bit i covers wdata[8i+7:8i]).
    pub wmask: Signal<In, Bits<M>>,
}

/// One response port (the CSRAM sends): a stream with payload {rdata, error}, in request order.
#[derive(LogicInterface, Default)]
pub struct CsramRsp<const W: usize> {
    /// A response is offered (from a register).
    pub valid: Signal<Out, Bit>,
    /// The requestor takes it on this edge.
    pub ready: Signal<In, Bit>,
    /// Read data (0 for writes and errors).
    pub rdata: Signal<Out, Bits<W>>,
    /// Out-of-range address, or an uncorrectable ECC error.
    pub error: Signal<Out, Bit>,
}

/// The CSRAM. Const generics: `W` data bits, `M` = W/8, `S` stored bits (W, or W+K with ECC),
/// `L` RAM write lanes (M without ECC, 1 with ECC), `R` = W+1 (response FIFO word).
#[derive(LogicBlock)]
pub struct Csram<const W: usize, const M: usize, const S: usize, const L: usize, const R: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset: empties the response FIFOs, restores credits, clears
    /// counters and arbitration state. Memory contents are kept.
    pub reset: Signal<In, Bit>,
    /// Request ports.
    pub req: Vec<CsramReq<W, M>>,
    /// Response ports.
    pub rsp: Vec<CsramRsp<W>>,
    /// Fault injection: XORed into the stored word (data and check bits) of every write.
    pub fault_flip: Signal<In, Bits<S>>,
    /// Requests accepted, per port.
    pub count_access: Vec<Signal<Out, Bits<32>>>,
    /// Cycles a port offered a request (with credit) but lost arbitration or found its bank busy.
    pub count_stall: Vec<Signal<Out, Bits<32>>>,
    /// Single-bit errors corrected (reads and read-modify-writes).
    pub count_corrected: Signal<Out, Bits<32>>,
    /// Uncorrectable errors reported.
    pub count_uncorrected: Signal<Out, Bits<32>>,

    ram: Vec<BankRam<S, L>>,
    enc: Vec<SecdedEncode<W, S>>,
    dec: Vec<SecdedDecode<W, S>>,
    rspq: Vec<SyncFifo<R, 2, 3>>,
    widen: Vec<ZeroExtend<W, R>>,

    // Per bank.
    last_q: Vec<DFF<Bits<PORT_BITS>>>,
    s1_valid: Vec<DFF<Bit>>,
    s1_port: Vec<DFF<Bits<PORT_BITS>>>,
    s1_write: Vec<DFF<Bit>>,
    s1_oob: Vec<DFF<Bit>>,
    s1_rmw: Vec<DFF<Bit>>,
    s1_row: Vec<DFF<Bits<ROW_BITS>>>,
    s1_wdata: Vec<DFF<Bits<W>>>,
    s1_wmask: Vec<DFF<Bits<M>>>,
    busy: Vec<Signal<Local, Bit>>,
    found: Vec<Signal<Local, Bit>>,
    merged: Vec<Signal<Local, Bits<W>>>,
    rsp_word: Vec<Signal<Local, Bits<R>>>,
    // Per bank x port, flat row-major [b * P + p].
    want: Vec<Signal<Local, Bit>>,
    grant: Vec<Signal<Local, Bit>>,
    // Per port.
    credit_q: Vec<DFF<Bits<3>>>,
    cnt_access_q: Vec<DFF<Bits<32>>>,
    cnt_stall_q: Vec<DFF<Bits<32>>>,
    p_bank: Vec<Signal<Local, Bits<BANK_BITS>>>,
    p_row: Vec<Signal<Local, Bits<ROW_BITS>>>,
    p_oob: Vec<Signal<Local, Bit>>,
    p_can: Vec<Signal<Local, Bit>>,
    p_go: Vec<Signal<Local, Bit>>,
    p_pop: Vec<Signal<Local, Bit>>,
    // Global.
    cnt_corr_q: DFF<Bits<32>>,
    cnt_unc_q: DFF<Bits<32>>,
    corr_sum: Signal<Local, Bits<32>>,
    unc_sum: Signal<Local, Bits<32>>,

    port_id: Vec<Constant<Bits<PORT_BITS>>>,
    port_last: Constant<Bits<PORT_BITS>>,
    bank_id: Vec<Constant<Bits<BANK_BITS>>>,
    bank_mask: Constant<Bits<BANK_BITS>>,
    words: Constant<Bits<32>>,
    ecc_on: Constant<Bit>,
    byte_mask: Vec<Constant<Bits<W>>>,
    lanes_all: Constant<Bits<L>>,
    err_word: Constant<Bits<R>>,
    zero_r: Constant<Bits<R>>,
    zero_row: Constant<Bits<ROW_BITS>>,
    zero_l: Constant<Bits<L>>,
    zero_32: Constant<Bits<32>>,
    one_32: Constant<Bits<32>>,
    credit_full: Constant<Bits<3>>,
    credit_zero: Constant<Bits<3>>,
    credit_one: Constant<Bits<3>>,
    _ports: usize,
    _banks: usize,
    _bank_bits: usize,
    _bytes: usize,
}

fn vecn<T: Default>(n: usize) -> Vec<T> {
    (0..n).map(|_| T::default()).collect()
}

impl<const W: usize, const M: usize, const S: usize, const L: usize, const R: usize>
    Csram<W, M, S, L, R>
{
    /// Build for a configuration. Panics when the generics do not match it (the dispatcher in
    /// `csram::build` picks them).
    pub fn new(cfg: &CsramConfig) -> Self {
        let p = cfg.ports as usize;
        let b = cfg.banks as usize;
        let code = cfg.ecc.then(|| Secded::new(W));
        let k = code.as_ref().map_or(0, |c| c.check_bits);
        assert_eq!(
            cfg.width as usize, W,
            "Csram<W={W}> for width {}",
            cfg.width
        );
        assert_eq!((M, S, R), (W / 8, W + k, W + 1), "Csram generics");
        assert_eq!(L, if cfg.ecc { 1 } else { M }, "Csram lanes");
        assert!((1..=16).contains(&p), "csram.ports must be 1..=16, got {p}");
        assert!(b.is_power_of_two() && b <= 64, "csram.banks {b}");
        let mut err_word = Bits::<R>::default();
        err_word = err_word.replace_bit(W, true);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            req: vecn(p),
            rsp: vecn(p),
            fault_flip: Default::default(),
            count_access: vecn(p),
            count_stall: vecn(p),
            count_corrected: Default::default(),
            count_uncorrected: Default::default(),
            ram: (0..b).map(|_| BankRam::new(cfg.depth as usize)).collect(),
            enc: (0..b).map(|_| SecdedEncode::new(code.as_ref())).collect(),
            dec: (0..b).map(|_| SecdedDecode::new(code.as_ref())).collect(),
            rspq: (0..p).map(|_| SyncFifo::new()).collect(),
            widen: vecn(b),
            last_q: vecn(b),
            s1_valid: vecn(b),
            s1_port: vecn(b),
            s1_write: vecn(b),
            s1_oob: vecn(b),
            s1_rmw: vecn(b),
            s1_row: vecn(b),
            s1_wdata: vecn(b),
            s1_wmask: vecn(b),
            busy: vecn(b),
            found: vecn(b),
            merged: vecn(b),
            rsp_word: vecn(b),
            want: vecn(b * p),
            grant: vecn(b * p),
            credit_q: vecn(p),
            cnt_access_q: vecn(p),
            cnt_stall_q: vecn(p),
            p_bank: vecn(p),
            p_row: vecn(p),
            p_oob: vecn(p),
            p_can: vecn(p),
            p_go: vecn(p),
            p_pop: vecn(p),
            cnt_corr_q: Default::default(),
            cnt_unc_q: Default::default(),
            corr_sum: Default::default(),
            unc_sum: Default::default(),
            port_id: (0..p).map(|i| Constant::new(bits(i as u64))).collect(),
            port_last: Constant::new(bits(p as u64 - 1)),
            bank_id: (0..b).map(|i| Constant::new(bits(i as u64))).collect(),
            bank_mask: Constant::new(bits(b as u64 - 1)),
            words: Constant::new(bits(cfg.banks as u64 * cfg.depth as u64)),
            ecc_on: Constant::new(cfg.ecc),
            byte_mask: (0..M)
                .map(|i| {
                    let mut v = Bits::<W>::default();
                    for j in 8 * i..8 * i + 8 {
                        v = v.replace_bit(j, true);
                    }
                    Constant::new(v)
                })
                .collect(),
            lanes_all: Constant::new(!Bits::<L>::default()),
            err_word: Constant::new(err_word),
            zero_r: Constant::new(Bits::default()),
            zero_row: Constant::new(Bits::default()),
            zero_l: Constant::new(Bits::default()),
            zero_32: Constant::new(Bits::default()),
            one_32: Constant::new(bits(1)),
            credit_full: Constant::new(bits(RSP_DEPTH)),
            credit_zero: Constant::new(bits(0)),
            credit_one: Constant::new(bits(1)),
            _ports: p,
            _banks: b,
            _bank_bits: b.trailing_zeros() as usize,
            _bytes: M,
        }
    }
}

impl<const W: usize, const M: usize, const S: usize, const L: usize, const R: usize> Logic
    for Csram<W, M, S, L, R>
{
    #[hdl_gen]
    fn update(&mut self) {
        // ---- clocks and register defaults (hold) ----
        self.cnt_corr_q.clock.next = self.clock.val();
        self.cnt_unc_q.clock.next = self.clock.val();
        self.cnt_corr_q.d.next = self.cnt_corr_q.q.val();
        self.cnt_unc_q.d.next = self.cnt_unc_q.q.val();
        for b in 0..self._banks {
            self.ram[b].clock.next = self.clock.val();
            self.last_q[b].clock.next = self.clock.val();
            self.s1_valid[b].clock.next = self.clock.val();
            self.s1_port[b].clock.next = self.clock.val();
            self.s1_write[b].clock.next = self.clock.val();
            self.s1_oob[b].clock.next = self.clock.val();
            self.s1_rmw[b].clock.next = self.clock.val();
            self.s1_row[b].clock.next = self.clock.val();
            self.s1_wdata[b].clock.next = self.clock.val();
            self.s1_wmask[b].clock.next = self.clock.val();
            self.last_q[b].d.next = self.last_q[b].q.val();
            self.s1_valid[b].d.next = false;
            self.s1_port[b].d.next = self.s1_port[b].q.val();
            self.s1_write[b].d.next = self.s1_write[b].q.val();
            self.s1_oob[b].d.next = self.s1_oob[b].q.val();
            self.s1_rmw[b].d.next = false;
            self.s1_row[b].d.next = self.s1_row[b].q.val();
            self.s1_wdata[b].d.next = self.s1_wdata[b].q.val();
            self.s1_wmask[b].d.next = self.s1_wmask[b].q.val();
        }
        for p in 0..self._ports {
            self.rspq[p].clock.next = self.clock.val();
            self.rspq[p].reset.next = self.reset.val();
            self.credit_q[p].clock.next = self.clock.val();
            self.cnt_access_q[p].clock.next = self.clock.val();
            self.cnt_stall_q[p].clock.next = self.clock.val();
            self.credit_q[p].d.next = self.credit_q[p].q.val();
            self.cnt_access_q[p].d.next = self.cnt_access_q[p].q.val();
            self.cnt_stall_q[p].d.next = self.cnt_stall_q[p].q.val();
        }
        self.corr_sum.next = self.cnt_corr_q.q.val();
        self.unc_sum.next = self.cnt_unc_q.q.val();

        // ---- request decode, per port ----
        for p in 0..self._ports {
            for bb in self._bank_bits..(self._bank_bits + 1) {
                self.p_row[p].next = self.req[p].addr.val().get_bits::<ROW_BITS>(bb);
            }
            self.p_bank[p].next =
                self.req[p].addr.val().get_bits::<BANK_BITS>(0) & self.bank_mask.val();
            self.p_oob[p].next = self.req[p].addr.val() >= self.words.val();
            self.p_can[p].next =
                self.req[p].valid.val() & (self.credit_q[p].q.val() != self.credit_zero.val());
            self.p_go[p].next = false;
            self.req[p].ready.next = false;
        }

        // ---- per bank: round robin over the ports that want it, then the RAM access ----
        for np in self._ports..(self._ports + 1) {
            for b in 0..self._banks {
                self.busy[b].next = self.s1_valid[b].q.val() & self.s1_rmw[b].q.val();
                self.found[b].next = false;
                for p in 0..self._ports {
                    self.want[b * np + p].next = self.p_can[p].val()
                        & (self.p_bank[p].val() == self.bank_id[b].val())
                        & !self.busy[b].val();
                    self.grant[b * np + p].next = false;
                }
                // Pass 1: ports after the last one served (port 0 is never after anybody).
                for p in 1..self._ports {
                    if self.want[b * np + p].val()
                        & (self.port_id[p].val() > self.last_q[b].q.val())
                        & !self.found[b].val()
                    {
                        self.grant[b * np + p].next = true;
                        self.found[b].next = true;
                    }
                }
                // Pass 2: wrap around from port 0.
                for p in 0..self._ports {
                    if self.want[b * np + p].val() & !self.found[b].val() {
                        self.grant[b * np + p].next = true;
                        self.found[b].next = true;
                    }
                }

                // RAM defaults: idle.
                self.ram[b].en.next = false;
                self.ram[b].we.next = false;
                self.ram[b].addr.next = self.zero_row.val();
                self.ram[b].wmask.next = self.zero_l.val();
                self.enc[b].data.next = self.s1_wdata[b].q.val();
                for p in 0..self._ports {
                    if self.grant[b * np + p].val() {
                        self.last_q[b].d.next = self.port_id[p].val();
                        self.req[p].ready.next = true;
                        self.p_go[p].next = true;
                        self.ram[b].en.next = true;
                        self.ram[b].addr.next = self.p_row[p].val();
                        // With ECC a partial write is a read now and a write next cycle.
                        self.ram[b].we.next = self.req[p].write.val()
                            & !self.p_oob[p].val()
                            & !(self.ecc_on.val() & !self.req[p].wmask.val().all());
                        if self.ecc_on.val() {
                            self.ram[b].wmask.next = self.lanes_all.val();
                        } else {
                            self.ram[b].wmask.next = self.req[p].wmask.val().get_bits::<L>(0);
                        }
                        self.enc[b].data.next = self.req[p].wdata.val();
                        self.s1_valid[b].d.next = true;
                        self.s1_port[b].d.next = self.port_id[p].val();
                        self.s1_write[b].d.next = self.req[p].write.val();
                        self.s1_oob[b].d.next = self.p_oob[p].val();
                        self.s1_rmw[b].d.next = self.req[p].write.val()
                            & self.ecc_on.val()
                            & !self.req[p].wmask.val().all()
                            & !self.p_oob[p].val();
                        self.s1_row[b].d.next = self.p_row[p].val();
                        self.s1_wdata[b].d.next = self.req[p].wdata.val();
                        self.s1_wmask[b].d.next = self.req[p].wmask.val();
                    }
                }
                if self.reset.val() {
                    self.last_q[b].d.next = self.port_last.val();
                    self.s1_valid[b].d.next = false;
                    self.s1_rmw[b].d.next = false;
                }
            }
        }

        // ---- per bank, cycle t+1: decode, read-modify-write, response word, ECC counts ----
        for b in 0..self._banks {
            self.dec[b].stored.next = self.ram[b].rdata.val();
            self.widen[b].narrow.next = self.dec[b].data.val();
            self.merged[b].next = self.dec[b].data.val();
            for i in 0..self._bytes {
                if self.s1_wmask[b].q.val().get_bit(i) {
                    self.merged[b].next = (self.merged[b].val() & !self.byte_mask[i].val())
                        | (self.s1_wdata[b].q.val() & self.byte_mask[i].val());
                }
            }
            if self.busy[b].val() {
                // The bank is ours this cycle: write the merged word back unless it was bad.
                self.enc[b].data.next = self.merged[b].val();
                self.ram[b].en.next = !self.dec[b].uncorrectable.val();
                self.ram[b].we.next = !self.dec[b].uncorrectable.val();
                self.ram[b].addr.next = self.s1_row[b].q.val();
                self.ram[b].wmask.next = self.lanes_all.val();
            }
            self.ram[b].wdata.next = self.enc[b].stored.val() ^ self.fault_flip.val();

            self.rsp_word[b].next = self.zero_r.val();
            if self.s1_oob[b].q.val() {
                self.rsp_word[b].next = self.err_word.val();
            } else if !self.s1_write[b].q.val() {
                if self.dec[b].uncorrectable.val() {
                    self.rsp_word[b].next = self.err_word.val();
                } else {
                    self.rsp_word[b].next = self.widen[b].wide.val();
                }
            } else if self.s1_rmw[b].q.val() & self.dec[b].uncorrectable.val() {
                self.rsp_word[b].next = self.err_word.val();
            }
            if self.s1_valid[b].q.val()
                & !self.s1_oob[b].q.val()
                & (!self.s1_write[b].q.val() | self.s1_rmw[b].q.val())
            {
                if self.dec[b].corrected.val() {
                    self.corr_sum.next = self.corr_sum.val() + self.one_32.val();
                }
                if self.dec[b].uncorrectable.val() {
                    self.unc_sum.next = self.unc_sum.val() + self.one_32.val();
                }
            }
        }
        self.cnt_corr_q.d.next = self.corr_sum.val();
        self.cnt_unc_q.d.next = self.unc_sum.val();

        // ---- per port: collect the response, credits, counters ----
        for p in 0..self._ports {
            self.rspq[p].upstream.valid.next = false;
            self.rspq[p].upstream.data.next = self.zero_r.val();
            for b in 0..self._banks {
                if self.s1_valid[b].q.val() & (self.s1_port[b].q.val() == self.port_id[p].val()) {
                    self.rspq[p].upstream.valid.next = true;
                    self.rspq[p].upstream.data.next = self.rsp_word[b].val();
                }
            }
            self.rsp[p].valid.next = self.rspq[p].downstream.valid.val();
            self.rsp[p].rdata.next = self.rspq[p].downstream.data.val().get_bits::<W>(0);
            for w0 in W..(W + 1) {
                self.rsp[p].error.next = self.rspq[p].downstream.data.val().get_bit(w0);
            }
            self.rspq[p].downstream.ready.next = self.rsp[p].ready.val();
            self.p_pop[p].next = self.rspq[p].downstream.valid.val() & self.rsp[p].ready.val();

            if self.p_go[p].val() & !self.p_pop[p].val() {
                self.credit_q[p].d.next = self.credit_q[p].q.val() - self.credit_one.val();
            }
            if !self.p_go[p].val() & self.p_pop[p].val() {
                self.credit_q[p].d.next = self.credit_q[p].q.val() + self.credit_one.val();
            }
            if self.p_go[p].val() {
                self.cnt_access_q[p].d.next = self.cnt_access_q[p].q.val() + self.one_32.val();
            }
            if self.p_can[p].val() & !self.p_go[p].val() {
                self.cnt_stall_q[p].d.next = self.cnt_stall_q[p].q.val() + self.one_32.val();
            }
            if self.reset.val() {
                self.credit_q[p].d.next = self.credit_full.val();
                self.cnt_access_q[p].d.next = self.zero_32.val();
                self.cnt_stall_q[p].d.next = self.zero_32.val();
            }
            self.count_access[p].next = self.cnt_access_q[p].q.val();
            self.count_stall[p].next = self.cnt_stall_q[p].q.val();
        }
        if self.reset.val() {
            self.cnt_corr_q.d.next = self.zero_32.val();
            self.cnt_unc_q.d.next = self.zero_32.val();
        }
        self.count_corrected.next = self.cnt_corr_q.q.val();
        self.count_uncorrected.next = self.cnt_unc_q.q.val();
    }
}
