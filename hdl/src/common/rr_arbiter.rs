//! Round-robin arbiter: N requesters, one-hot grant, a requester that keeps asking waits at most N-1 grants.
//!
//! The role of PULP common_cells `rr_arb_tree` with `LockIn = 1`, written as a flat two-pass priority search
//! instead of a tree (N is small in Tessera: ports of a router, banks of a cluster). `last_q` holds the index of
//! the last requester served; the search gives priority to the requesters after it (`i > last_q`), then wraps
//! around to `0 ..= last_q`. Serving a requester moves `last_q` to it, so every other requester that keeps
//! asking is ahead of it next time: at most N-1 grants go to others between two grants of one requester.
//!
//! Lock-in (needed by streams, whose payload must hold until taken): if a grant is given and not accepted on
//! a clock edge, the same grant is repeated on the next cycle as long as that requester still asks, even if a
//! requester with higher round-robin priority appears meanwhile.
//!
//! ```text
//!  request[0..N] --+--> pass 1: first i > last_q --+--> rr grant --+
//!                  |                               |               +--(locked_q & lock still asked)--> grant[0..N]
//!                  +--> pass 2: first i >= 0   ----+  lock_q[] ----+                                   grant_index
//!  accept -------------> last_q <= grant_index (served), or lock the grant (not served)               grant_valid
//! ```
//!
//! Ports: `clock`, `reset`, `request[i]`, `accept`, `grant[i]`, `grant_index[I]`, `grant_valid`.
//!
//! * `grant`, `grant_index`, `grant_valid` are combinational from `request` and the state (no cycle of latency).
//! * `accept`: the granted requester is served on this clock edge (for a stream: `ready` of the output).
//!   `accept` is ignored when nothing is granted.
//! * Reset: one clock with `reset` high unlocks and sets `last_q` = N-1, so requester 0 has first priority.
//!
//! Const generic `I`: bits of `grant_index`; `N` (the constructor argument) must satisfy 2 <= N <= 2^I.
use rust_hdl::prelude::*;

/// Fair round-robin arbiter over `N` requesters (N given to [`RoundRobinArbiter::new`]).
#[derive(LogicBlock)]
pub struct RoundRobinArbiter<const I: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// One request line per requester.
    pub request: Vec<Signal<In, Bit>>,
    /// The current grant is served on this edge.
    pub accept: Signal<In, Bit>,
    /// One-hot grant (all zero when nobody requests).
    pub grant: Vec<Signal<Out, Bit>>,
    /// Index of the granted requester (0 when nobody requests).
    pub grant_index: Signal<Out, Bits<I>>,
    /// Somebody is granted.
    pub grant_valid: Signal<Out, Bit>,
    last_q: DFF<Bits<I>>,
    locked_q: DFF<Bit>,
    lock_grant_q: Vec<DFF<Bit>>,
    rr_grant: Vec<Signal<Local, Bit>>,
    found: Signal<Local, Bit>,
    lock_live: Signal<Local, Bit>,
    index_of: Vec<Constant<Bits<I>>>,
    index_zero: Constant<Bits<I>>,
    index_last: Constant<Bits<I>>,
    _n: usize,
}

impl<const I: usize> RoundRobinArbiter<I> {
    /// An arbiter over `n` requesters. Panics (at elaboration) unless 2 <= n <= 2^I and 1 <= I <= 16.
    pub fn new(n: usize) -> Self {
        assert!(
            (1..=16).contains(&I),
            "RoundRobinArbiter index width I must be 1..=16, got {I}"
        );
        assert!(
            n >= 2 && n <= (1 << I),
            "RoundRobinArbiter needs 2 <= requesters <= 2^I = {}, got {n}",
            1usize << I
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            request: (0..n).map(|_| Default::default()).collect(),
            accept: Default::default(),
            grant: (0..n).map(|_| Default::default()).collect(),
            grant_index: Default::default(),
            grant_valid: Default::default(),
            last_q: Default::default(),
            locked_q: Default::default(),
            lock_grant_q: (0..n).map(|_| Default::default()).collect(),
            rr_grant: (0..n).map(|_| Default::default()).collect(),
            found: Default::default(),
            lock_live: Default::default(),
            index_of: (0..n).map(|i| Constant::new(bits::<I>(i as u64))).collect(),
            index_zero: Constant::new(bits::<I>(0)),
            index_last: Constant::new(bits::<I>(n as u64 - 1)),
            _n: n,
        }
    }

    /// Number of requesters.
    pub fn requesters(&self) -> usize {
        self._n
    }
}

impl<const I: usize> Logic for RoundRobinArbiter<I> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, last_q, locked_q);
        for i in 0..self._n {
            self.lock_grant_q[i].clock.next = self.clock.val();
        }
        for i in 0..self._n {
            self.lock_grant_q[i].d.next = self.lock_grant_q[i].q.val();
        }
        // Defaults.
        self.found.next = false;
        self.lock_live.next = false;
        self.grant_index.next = self.index_zero.val();
        for i in 0..self._n {
            self.rr_grant[i].next = false;
        }
        // Pass 1: the first requester after the last one served (requester 0 is never after anybody, and
        // its always-false comparison would be a lint warning, so the loop starts at 1).
        for i in 1..self._n {
            if self.request[i].val()
                & (self.index_of[i].val() > self.last_q.q.val())
                & !self.found.val()
            {
                self.rr_grant[i].next = true;
                self.found.next = true;
            }
        }
        // Pass 2: wrap around to the first requester from 0.
        for i in 0..self._n {
            if self.request[i].val() & !self.found.val() {
                self.rr_grant[i].next = true;
                self.found.next = true;
            }
        }
        // A locked grant stays while its requester still asks.
        for i in 0..self._n {
            if self.lock_grant_q[i].q.val() & self.request[i].val() {
                self.lock_live.next = true;
            }
        }
        for i in 0..self._n {
            if self.locked_q.q.val() & self.lock_live.val() {
                self.grant[i].next = self.lock_grant_q[i].q.val() & self.request[i].val();
            } else {
                self.grant[i].next = self.rr_grant[i].val();
            }
        }
        for i in 0..self._n {
            if self.grant[i].val() {
                self.grant_index.next = self.index_of[i].val();
            }
        }
        self.grant_valid.next = self.found.val();
        // State.
        self.locked_q.d.next = false;
        if self.found.val() & self.accept.val() {
            self.last_q.d.next = self.grant_index.val();
        }
        if self.found.val() & !self.accept.val() {
            self.locked_q.d.next = true;
            for i in 0..self._n {
                self.lock_grant_q[i].d.next = self.grant[i].val();
            }
        }
        if self.reset.val() {
            self.last_q.d.next = self.index_last.val();
            self.locked_q.d.next = false;
        }
    }
}
