//! One virtual channel's input buffer: a flip-flop FIFO of `depth` flits with a combinational head.
//!
//! Ports: `clock`, `reset`, `push` + `push_head`/`push_tail`/`push_data` (the flit to store),
//! `pop` (drop the head), and the head flit `valid`/`head`/`tail`/`data`.
//!
//! * Latency: a flit pushed on edge t is at the head (if the buffer was empty) right after edge t, so a
//!   router can forward it in the next cycle: this is what makes the one-cycle hop.
//! * The storage is flip-flops, not a RAM, on purpose: the head must be readable in the same cycle (a
//!   block RAM adds a read cycle per hop) and the buffers are small (`noc.buffer_depth`, 2..=64).
//! * No `full` output: the upstream credit counter guarantees that `push` never meets a full buffer.
//!   `pop` on an empty buffer is ignored.
//! * Reset: one cycle of `reset` empties the buffer (pointers and count to 0); data is not cleared.
//!
//! (The shared `common` sync FIFO is not used here because the router needs the head flit
//! combinationally and the credit protocol replaces the ready/valid handshake.)
use rust_hdl::prelude::*;

/// Flip-flop FIFO for one virtual channel of one router input.
#[derive(LogicBlock)]
pub struct VcFifo<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high: empties the buffer.
    pub reset: Signal<In, Bit>,
    /// Store the flit on `push_*` at this edge.
    pub push: Signal<In, Bit>,
    pub push_head: Signal<In, Bit>,
    pub push_tail: Signal<In, Bit>,
    pub push_data: Signal<In, Bits<W>>,
    /// Remove the head flit at this edge.
    pub pop: Signal<In, Bit>,
    /// The buffer holds at least one flit; `head`/`tail`/`data` describe the oldest.
    pub valid: Signal<Out, Bit>,
    pub head: Signal<Out, Bit>,
    pub tail: Signal<Out, Bit>,
    pub data: Signal<Out, Bits<W>>,
    mem_data: Vec<DFF<Bits<W>>>,
    mem_head: Vec<DFF<Bit>>,
    mem_tail: Vec<DFF<Bit>>,
    wr_q: DFF<Bits<8>>,
    rd_q: DFF<Bits<8>>,
    count_q: DFF<Bits<8>>,
    /// Entry numbers as typed constants (so the Verilog compares 8-bit values).
    slot: Vec<Constant<Bits<8>>>,
    last: Constant<Bits<8>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero_w: Constant<Bits<W>>,
    do_pop: Signal<Local, Bit>,
    _depth: usize,
}

impl<const W: usize> VcFifo<W> {
    /// A buffer of `depth` flits (2..=64).
    pub fn new(depth: usize) -> Self {
        assert!(
            (2..=64).contains(&depth),
            "VC buffer depth {depth} not in 2..=64"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            push_head: Default::default(),
            push_tail: Default::default(),
            push_data: Default::default(),
            pop: Default::default(),
            valid: Default::default(),
            head: Default::default(),
            tail: Default::default(),
            data: Default::default(),
            mem_data: (0..depth).map(|_| Default::default()).collect(),
            mem_head: (0..depth).map(|_| Default::default()).collect(),
            mem_tail: (0..depth).map(|_| Default::default()).collect(),
            wr_q: Default::default(),
            rd_q: Default::default(),
            count_q: Default::default(),
            slot: (0..depth)
                .map(|i| Constant::new((i as u64).to_bits()))
                .collect(),
            last: Constant::new(((depth - 1) as u64).to_bits()),
            zero8: Constant::new(0u64.to_bits()),
            one8: Constant::new(1u64.to_bits()),
            zero_w: Constant::new(0u64.to_bits()),
            do_pop: Default::default(),
            _depth: depth,
        }
    }
}

impl<const W: usize> Logic for VcFifo<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wr_q, rd_q, count_q);
        for e in 0..self._depth {
            self.mem_data[e].clock.next = self.clock.val();
            self.mem_head[e].clock.next = self.clock.val();
            self.mem_tail[e].clock.next = self.clock.val();
            self.mem_data[e].d.next = self.mem_data[e].q.val();
            self.mem_head[e].d.next = self.mem_head[e].q.val();
            self.mem_tail[e].d.next = self.mem_tail[e].q.val();
        }
        // Head flit: a for-loop mux over the entries (rust-hdl cannot index by a signal).
        self.valid.next = self.count_q.q.val() != self.zero8.val();
        self.head.next = false;
        self.tail.next = false;
        self.data.next = self.zero_w.val();
        for e in 0..self._depth {
            if self.rd_q.q.val() == self.slot[e].val() {
                self.head.next = self.mem_head[e].q.val();
                self.tail.next = self.mem_tail[e].q.val();
                self.data.next = self.mem_data[e].q.val();
            }
        }
        self.do_pop.next = self.pop.val() & (self.count_q.q.val() != self.zero8.val());
        if self.push.val() {
            for e in 0..self._depth {
                if self.wr_q.q.val() == self.slot[e].val() {
                    self.mem_data[e].d.next = self.push_data.val();
                    self.mem_head[e].d.next = self.push_head.val();
                    self.mem_tail[e].d.next = self.push_tail.val();
                }
            }
            if self.wr_q.q.val() == self.last.val() {
                self.wr_q.d.next = self.zero8.val();
            } else {
                self.wr_q.d.next = self.wr_q.q.val() + self.one8.val();
            }
        }
        if self.do_pop.val() {
            if self.rd_q.q.val() == self.last.val() {
                self.rd_q.d.next = self.zero8.val();
            } else {
                self.rd_q.d.next = self.rd_q.q.val() + self.one8.val();
            }
        }
        if self.push.val() & !self.do_pop.val() {
            self.count_q.d.next = self.count_q.q.val() + self.one8.val();
        }
        if !self.push.val() & self.do_pop.val() {
            self.count_q.d.next = self.count_q.q.val() - self.one8.val();
        }
        if self.reset.val() {
            self.wr_q.d.next = self.zero8.val();
            self.rd_q.d.next = self.zero8.val();
            self.count_q.d.next = self.zero8.val();
        }
    }
}
