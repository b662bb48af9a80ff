//! Synchronous FIFO of `2^A` entries with a fill count.
//!
//! The role of PULP common_cells `fifo_v3` (without its fall-through option): a [`RegFile`] ring written at
//! `wr_ptr` and read at `rd_ptr`, plus an occupancy counter. Both pointers are `A` bits and wrap naturally
//! because the depth is a power of two; the count is `A + 1` bits so that "full" (count = 2^A) and "empty"
//! (count = 0) are distinct without the extra pointer bit of Cummings' SNUG 2002 FIFO paper.
//!
//! ```text
//!                       +------------------------+
//!  upstream.data  ----> | RegFile mem[2^A] x W   | --(mem[rd_ptr])--> downstream.data
//!  upstream.valid --+   |  write @ wr_ptr        |
//!  upstream.ready <-+-- !full     count_q -------+--> fill, downstream.valid = count != 0
//!                       +------------------------+
//! ```
//!
//! Ports: `clock`, `reset`, `upstream: StreamIn<W>`, `downstream: StreamOut<W>`, `fill[C]` (C = A + 1).
//!
//! * Latency: 1 cycle (an item written on edge t is offered downstream right after edge t).
//! * Throughput: 1 item per cycle in and out at the same time, at any fill level (when full, the cycle after a
//!   pop accepts again: `ready` is `!full` from registers, never from `downstream.ready`).
//! * `upstream.ready` = `fill < 2^A`, `downstream.valid` = `fill > 0`; both come from registers only.
//! * Reset: one clock with `reset` high empties the FIFO (`fill` = 0, pointers 0).
//! * Depth 1 is not offered (use a [`SkidBuffer`](super::SkidBuffer) for a one/two-entry stage).
//!
//! Const generics: `W` payload bits, `A` address bits (depth `2^A`, 1 <= A <= 16), `C` must be `A + 1`
//! (stable Rust cannot write `Bits<{A + 1}>`; [`SyncFifo::new`] checks it).
use super::reg_file::RegFile;
use super::stream::{StreamIn, StreamOut};
use rust_hdl::prelude::*;

/// FIFO of `2^A` items of `W` bits; `C` = `A + 1` is the width of the fill count.
#[derive(LogicBlock)]
pub struct SyncFifo<const W: usize, const A: usize, const C: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset: empties the FIFO.
    pub reset: Signal<In, Bit>,
    /// Items enter here.
    pub upstream: StreamIn<W>,
    /// Items leave here, in order.
    pub downstream: StreamOut<W>,
    /// Number of items held (0 ..= 2^A), from a register.
    pub fill: Signal<Out, Bits<C>>,
    mem: RegFile<W, A>,
    wr_ptr_q: DFF<Bits<A>>,
    rd_ptr_q: DFF<Bits<A>>,
    count_q: DFF<Bits<C>>,
    push: Signal<Local, Bit>,
    pop: Signal<Local, Bit>,
    /// `2^A`, the count when full.
    depth: Constant<Bits<C>>,
    count_zero: Constant<Bits<C>>,
    count_one: Constant<Bits<C>>,
    ptr_zero: Constant<Bits<A>>,
    ptr_one: Constant<Bits<A>>,
}

impl<const W: usize, const A: usize, const C: usize> SyncFifo<W, A, C> {
    /// A FIFO of depth `2^A`. Panics (at elaboration) when `C != A + 1` or `A` is outside 1..=16.
    pub fn new() -> Self {
        assert!(
            (1..=16).contains(&A),
            "SyncFifo address width A must be 1..=16 (depth 2..=65536), got {A}"
        );
        assert_eq!(
            C,
            A + 1,
            "SyncFifo<W, A, C>: C must be A + 1 (fill count width), got A = {A}, C = {C}"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            upstream: Default::default(),
            downstream: Default::default(),
            fill: Default::default(),
            mem: Default::default(),
            wr_ptr_q: Default::default(),
            rd_ptr_q: Default::default(),
            count_q: Default::default(),
            push: Default::default(),
            pop: Default::default(),
            depth: Constant::new(bits::<C>(1u64 << A)),
            count_zero: Constant::new(bits::<C>(0)),
            count_one: Constant::new(bits::<C>(1)),
            ptr_zero: Constant::new(bits::<A>(0)),
            ptr_one: Constant::new(bits::<A>(1)),
        }
    }

    /// The number of entries, `2^A`.
    pub fn depth() -> usize {
        1 << A
    }
}

impl<const W: usize, const A: usize, const C: usize> Default for SyncFifo<W, A, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const A: usize, const C: usize> Logic for SyncFifo<W, A, C> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wr_ptr_q, rd_ptr_q, count_q);
        clock!(self, clock, mem);
        // Handshake outputs come from the count register only.
        self.upstream.ready.next = self.count_q.q.val() != self.depth.val();
        self.downstream.valid.next = self.count_q.q.val() != self.count_zero.val();
        self.fill.next = self.count_q.q.val();
        self.push.next = self.upstream.valid.val() & (self.count_q.q.val() != self.depth.val());
        self.pop.next =
            self.downstream.ready.val() & (self.count_q.q.val() != self.count_zero.val());
        // Storage.
        self.mem.write_enable.next = self.push.val();
        self.mem.write_address.next = self.wr_ptr_q.q.val();
        self.mem.write_data.next = self.upstream.data.val();
        self.mem.read_address.next = self.rd_ptr_q.q.val();
        self.downstream.data.next = self.mem.read_data.val();
        // Pointers and count.
        if self.push.val() {
            self.wr_ptr_q.d.next = self.wr_ptr_q.q.val() + self.ptr_one.val();
        }
        if self.pop.val() {
            self.rd_ptr_q.d.next = self.rd_ptr_q.q.val() + self.ptr_one.val();
        }
        if self.push.val() & !self.pop.val() {
            self.count_q.d.next = self.count_q.q.val() + self.count_one.val();
        }
        if self.pop.val() & !self.push.val() {
            self.count_q.d.next = self.count_q.q.val() - self.count_one.val();
        }
        if self.reset.val() {
            self.wr_ptr_q.d.next = self.ptr_zero.val();
            self.rd_ptr_q.d.next = self.ptr_zero.val();
            self.count_q.d.next = self.count_zero.val();
        }
    }
}
