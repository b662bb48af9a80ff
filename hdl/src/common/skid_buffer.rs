//! Skid buffer: a two-entry pipeline register that cuts every combinational path of a stream.
//!
//! Equivalent in role to PULP common_cells `spill_register` (`src/spill_register_flushable.sv`): both `ready`
//! towards the sender and `valid`/`data` towards the receiver come straight from flip-flops, and the stage
//! still moves one item per cycle. This version keeps a *main* register that always drives the output and a
//! *skid* register that catches the one item the sender may push in the cycle where the receiver stalls
//! (the sender only sees the registered `ready` drop one cycle later).
//!
//! ```text
//!                 +------------+
//!  upstream.data -+-> skid_q --+--\                      registered:
//!                 |            |   mux -> main_q ---> downstream.data
//!                 +------------+--/       main_valid_q -> downstream.valid
//!  upstream.ready <- !skid_valid_q
//! ```
//!
//! Ports: `clock`, `reset` (synchronous, active high), `upstream: StreamIn<W>`, `downstream: StreamOut<W>`.
//!
//! * Latency: 1 cycle (an item accepted on edge t is offered downstream from edge t on, i.e. one cycle later).
//! * Throughput: 1 item per cycle when the receiver never stalls.
//! * Capacity: 2 items.
//! * Reset: after one clock with `reset` high both entries are empty (`downstream.valid` = 0,
//!   `upstream.ready` = 1). Data registers are not reset (they are never observed while empty).
use super::stream::{StreamIn, StreamOut};
use rust_hdl::prelude::*;

/// Two-entry, full-throughput register slice with registered `ready`, `valid` and `data`.
#[derive(LogicBlock)]
pub struct SkidBuffer<const W: usize> {
    /// Clock; everything moves on its rising edge.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset: empties both entries.
    pub reset: Signal<In, Bit>,
    /// Items enter here.
    pub upstream: StreamIn<W>,
    /// Items leave here, in order.
    pub downstream: StreamOut<W>,
    /// The entry that drives the output.
    main_q: DFF<Bits<W>>,
    main_valid_q: DFF<Bit>,
    /// The entry that catches an item arriving while the output stalls.
    skid_q: DFF<Bits<W>>,
    skid_valid_q: DFF<Bit>,
    /// A transfer on the upstream side this cycle.
    up_fire: Signal<Local, Bit>,
    /// The main entry is empty or is being emptied this cycle.
    main_free: Signal<Local, Bit>,
}

impl<const W: usize> Default for SkidBuffer<W> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            upstream: Default::default(),
            downstream: Default::default(),
            main_q: Default::default(),
            main_valid_q: Default::default(),
            skid_q: Default::default(),
            skid_valid_q: Default::default(),
            up_fire: Default::default(),
            main_free: Default::default(),
        }
    }
}

impl<const W: usize> Logic for SkidBuffer<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, main_q, main_valid_q, skid_q, skid_valid_q);
        // Outputs come only from registers.
        self.upstream.ready.next = !self.skid_valid_q.q.val();
        self.downstream.valid.next = self.main_valid_q.q.val();
        self.downstream.data.next = self.main_q.q.val();
        self.up_fire.next = self.upstream.valid.val() & !self.skid_valid_q.q.val();
        self.main_free.next = !self.main_valid_q.q.val() | self.downstream.ready.val();
        if self.main_free.val() {
            // The main entry takes the oldest item: the skid entry first, else the new one.
            if self.skid_valid_q.q.val() {
                self.main_q.d.next = self.skid_q.q.val();
                self.main_valid_q.d.next = true;
                self.skid_valid_q.d.next = false;
            } else {
                self.main_q.d.next = self.upstream.data.val();
                self.main_valid_q.d.next = self.up_fire.val();
            }
        } else if self.up_fire.val() {
            // Output stalled and an item arrives: it waits in the skid entry (which was empty: ready was 1).
            self.skid_q.d.next = self.upstream.data.val();
            self.skid_valid_q.d.next = true;
        }
        if self.reset.val() {
            self.main_valid_q.d.next = false;
            self.skid_valid_q.d.next = false;
        }
    }
}
