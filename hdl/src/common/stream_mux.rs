//! Stream mux: N input streams into one, chosen round-robin, with the index of the chosen input.
//!
//! The role of PULP common_cells `stream_arbiter` (an `rr_arb_tree` in front of a `stream_mux`). The
//! [`RoundRobinArbiter`] picks among the inputs whose `valid` is high; its lock-in keeps the choice while the
//! output stalls, so the output obeys the stream rule (valid and payload hold until taken). `index` travels with
//! the payload so that responses can be routed back to the input that sent the request.
//!
//! ```text
//!  upstream[0] --+
//!  upstream[1] --+--[ mux ]--> downstream (data, valid)      index = chosen input
//!    ...         |     ^
//!  upstream[N-1]-+  RoundRobinArbiter(request = valid[i], accept = downstream.ready)
//!  upstream[i].ready = grant[i] & downstream.ready
//! ```
//!
//! Ports: `clock`, `reset`, `upstream[i]: StreamIn<W>`, `downstream: StreamOut<W>`, `index[I]` (valid with
//! `downstream.valid`).
//!
//! * Latency: 0 (combinational). Put a [`SkidBuffer`](super::SkidBuffer) after it to register the output.
//! * Throughput: 1 item per cycle. Fairness: an input that keeps `valid` high waits at most N-1 transfers.
//! * `downstream.valid` depends on the inputs' `valid` only, never on `downstream.ready`.
//! * Reset: resets the arbiter (input 0 first).
use super::rr_arbiter::RoundRobinArbiter;
use super::stream::{StreamIn, StreamOut};
use rust_hdl::prelude::*;

/// Round-robin N-to-1 stream mux with the chosen input's index on the output (N given to [`StreamMux::new`]).
#[derive(LogicBlock)]
pub struct StreamMux<const W: usize, const I: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// The inputs.
    pub upstream: Vec<StreamIn<W>>,
    /// The merged stream.
    pub downstream: StreamOut<W>,
    /// The input that `downstream` currently carries (meaningful while `downstream.valid`).
    pub index: Signal<Out, Bits<I>>,
    arbiter: RoundRobinArbiter<I>,
    data_zero: Constant<Bits<W>>,
    _n: usize,
}

impl<const W: usize, const I: usize> StreamMux<W, I> {
    /// A mux of `n` inputs. Panics (at elaboration) unless 2 <= n <= 2^I.
    pub fn new(n: usize) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            upstream: (0..n).map(|_| Default::default()).collect(),
            downstream: Default::default(),
            index: Default::default(),
            arbiter: RoundRobinArbiter::new(n),
            data_zero: Constant::new(bits::<W>(0)),
            _n: n,
        }
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self._n
    }
}

impl<const W: usize, const I: usize> Logic for StreamMux<W, I> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, arbiter);
        self.arbiter.reset.next = self.reset.val();
        for i in 0..self._n {
            self.arbiter.request[i].next = self.upstream[i].valid.val();
        }
        self.arbiter.accept.next = self.downstream.ready.val();
        self.downstream.valid.next = self.arbiter.grant_valid.val();
        self.index.next = self.arbiter.grant_index.val();
        self.downstream.data.next = self.data_zero.val();
        for i in 0..self._n {
            if self.arbiter.grant[i].val() {
                self.downstream.data.next = self.upstream[i].data.val();
            }
        }
        for i in 0..self._n {
            self.upstream[i].ready.next = self.arbiter.grant[i].val() & self.downstream.ready.val();
        }
    }
}
