//! Stream fork: one input stream copied to N outputs; each output may take the item on a different cycle.
//!
//! The role of PULP common_cells `stream_fork`. `sent_q[i]` remembers that output i already took the current
//! item; the input is consumed on the edge where every output has either taken it before or takes it now.
//!
//! ```text
//!                        +--> downstream[0]   valid = upstream.valid & !sent_q[0]
//!  upstream --(data)-----+--> downstream[1]   valid = upstream.valid & !sent_q[1]
//!                        +--> ...
//!  upstream.ready = AND_i (sent_q[i] | downstream[i].ready)
//! ```
//!
//! Ports: `clock`, `reset`, `upstream: StreamIn<W>`, `downstream[i]: StreamOut<W>`.
//!
//! * Latency: 0 (combinational). Throughput: 1 item per cycle when no output stalls.
//! * `downstream[i].valid` depends on `upstream.valid` and registers only; `upstream.ready` depends on the
//!   outputs' `ready` (allowed: ready may depend on anything).
//! * Reset: one clock with `reset` high clears every `sent_q` (no output has taken the current item).
use super::stream::{StreamIn, StreamOut};
use rust_hdl::prelude::*;

/// 1-to-N stream fork (N given to [`StreamFork::new`]).
#[derive(LogicBlock)]
pub struct StreamFork<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// The input.
    pub upstream: StreamIn<W>,
    /// The copies.
    pub downstream: Vec<StreamOut<W>>,
    sent_q: Vec<DFF<Bit>>,
    all_done: Signal<Local, Bit>,
    _n: usize,
}

impl<const W: usize> StreamFork<W> {
    /// A fork to `n` outputs. Panics (at elaboration) unless n >= 2.
    pub fn new(n: usize) -> Self {
        assert!(n >= 2, "StreamFork needs at least 2 outputs, got {n}");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            upstream: Default::default(),
            downstream: (0..n).map(|_| Default::default()).collect(),
            sent_q: (0..n).map(|_| Default::default()).collect(),
            all_done: Default::default(),
            _n: n,
        }
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self._n
    }
}

impl<const W: usize> Logic for StreamFork<W> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..self._n {
            self.sent_q[i].clock.next = self.clock.val();
        }
        for i in 0..self._n {
            self.sent_q[i].d.next = self.sent_q[i].q.val();
        }
        self.all_done.next = true;
        for i in 0..self._n {
            self.downstream[i].data.next = self.upstream.data.val();
        }
        for i in 0..self._n {
            self.downstream[i].valid.next = self.upstream.valid.val() & !self.sent_q[i].q.val();
        }
        for i in 0..self._n {
            if !(self.sent_q[i].q.val() | self.downstream[i].ready.val()) {
                self.all_done.next = false;
            }
        }
        self.upstream.ready.next = self.all_done.val();
        for i in 0..self._n {
            if self.downstream[i].valid.val() & self.downstream[i].ready.val() {
                self.sent_q[i].d.next = true;
            }
        }
        // The item is consumed: every output starts afresh with the next one.
        if self.upstream.valid.val() & self.all_done.val() {
            for i in 0..self._n {
                self.sent_q[i].d.next = false;
            }
        }
        if self.reset.val() {
            for i in 0..self._n {
                self.sent_q[i].d.next = false;
            }
        }
    }
}
