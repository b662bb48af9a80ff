//! The mesh router: 4 mesh ports + 1 local port, 2 virtual channels (= traffic classes), input-buffered,
//! wormhole, XY routing, credit flow control, multicast to a rectangle as an XY tree, one cycle per hop.
//!
//! ```text
//!             n_in/n_out
//!                 |
//!   w_in/w_out -[ VC buffers (2 per input) ]- e_in/e_out          per input VC: route -> allocate
//!                 |     route + VC alloc    |                     (all outputs of the packet at once,
//!             s_in/s_out  + switch alloc   l0_in/l0_out            round-robin per output VC), then
//!                       -> crossbar -> outputs (not registered)    switch allocation per output
//! ```
//!
//! Ports (index order N=0, E=1, S=2, W=3, L0=4 is used for every internal vector):
//! * `clock`, `reset` (synchronous, active high), `pos_x`/`pos_y` (this router's coordinates, tied to
//!   constants by the mesh so that every router shares one Verilog module).
//! * `{n,e,s,w,l0}_in: LinkIn<W>` and `{n,e,s,w,l0}_out: LinkOut<W>` (see `link.rs`).
//! * `{n,e,s,w,l0}_flits`: flits sent on each output since reset (32 bits, wrapping);
//!   `drops`: packets consumed because their destination is outside the mesh.
//!
//! Timing: a flit written into an input buffer on edge t leaves on an output link during cycle t+1 and
//! is in the next router's buffer on edge t+2: **one cycle per hop** at zero load. Outputs are driven
//! combinationally from the buffer heads (no output register); valid never depends on anything the
//! downstream drives in the same cycle (only on credit counters), so meshes have no combinational loop.
//!
//! Algorithm, per cycle:
//! 1. *Route* (per input VC, head flit): the set of outputs of the XY tree for the packet's rectangle
//!    (unicast = a 1x1 rectangle). X phase (from L0, E or W): keep going E/W while the rectangle lies
//!    further that way; in a column of the rectangle also branch N/S and eject. Y phase (from N or S):
//!    keep going N/S and eject. A head whose rectangle leaves the mesh is dropped at the local input.
//!    A multicast head whose length exceeds the buffer depth is dropped there too (see below).
//! 2. *VC allocation*: an output VC is locked by one packet from head to tail (wormhole). A head asks for
//!    all of its outputs at once and only when they are all free; every output VC picks the first asker
//!    at or after a round-robin pointer that all outputs of the VC share, and a packet takes its outputs
//!    only if it wins every one of them. The shared order matters: with one pointer per output, two
//!    multicasts asking for the same two outputs could each be picked by one of them, forever; with one
//!    order the first asker wins all of its outputs, so some asker always wins. A multicast
//!    asks only when every mesh output of its tree has credits for the whole packet (virtual cut-through
//!    for multicast, wormhole for unicast).
//! 3. *Switch allocation*, per packet: a packet is *able* when it owns its outputs, has a flit and every
//!    output has a credit. Able class-0 packets move, except on an output taken by a *boosted* class-1
//!    packet (an able class-1 packet one of whose outputs has let `STARVE_LIMIT` class-0 flits pass while
//!    it was able); then able class-1 packets move on outputs no class-0 flit took. A multicast flit
//!    leaves on all of its outputs in the same cycle (synchronous replication) and is popped once.
//! 4. *Traversal*: movers pop their buffer, return a credit upstream, decrement the output credit.
//!
//! Multicast and deadlock. With wormhole switching and synchronous replication an XY tree deadlocks:
//! a tree that holds its branches while one branch waits for a link can close a cycle with another tree
//! (two trees entering one column at different rows, or trees growing in opposite X directions; Lin,
//! McKinley & Ni, "Deadlock-free multicast wormhole routing in 2-D mesh multicomputers", IEEE TPDS 1994).
//! Two rules remove every such cycle:
//! * Allocation is all-or-nothing, so a waiting head holds no output.
//! * A multicast is allocated only when every mesh output of its tree has room for the whole packet
//!   (credits >= length; the buffers are identical in every router). Once allocated it can therefore
//!   send every flit as it arrives without waiting on any mesh link (only the ejection sinks, which
//!   always drain), so a tree never sits in a cycle of waits; unicasts keep XY routing's acyclic
//!   channel dependencies. The price: a multicast is at most `depth` flits long; a longer one is dropped
//!   at the local input and counted in `drops`, like a bad destination (the endpoint splits multicasts).
//! Switch allocation is decided per packet for the same reason: a per-output class choice could let two
//! multicasts that share two outputs each win one of them, forever.
//!
//! Starvation bound: at an output where a class-1 packet is able, at most `STARVE_LIMIT` class-0 flits
//! pass before a class-1 flit does.
//!
//! Reset: one cycle of `reset` empties the buffers, frees every output, sets each output credit counter
//! to `depth` (the neighbour's buffer depth) and clears the counters.
use super::link::{LinkIn, LinkOut};
use super::vc_fifo::VcFifo;
use rust_hdl::prelude::*;

/// Class-1 flits wait at most this many class-0 flits at an output where they are able to move.
pub const STARVE_LIMIT: u64 = 8;
/// Router ports: N, E, S, W, one local port.
pub const PORTS: usize = 5;
/// Port numbers.
pub const PORT_N: usize = 0;
pub const PORT_E: usize = 1;
pub const PORT_S: usize = 2;
pub const PORT_W: usize = 3;
pub const PORT_L0: usize = 4;

/// One mesh router with a `W`-bit flit payload.
#[derive(LogicBlock)]
pub struct Router<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// This router's column (0 = west edge).
    pub pos_x: Signal<In, Bits<4>>,
    /// This router's row (0 = north edge).
    pub pos_y: Signal<In, Bits<4>>,
    pub n_in: LinkIn<W>,
    pub e_in: LinkIn<W>,
    pub s_in: LinkIn<W>,
    pub w_in: LinkIn<W>,
    pub l0_in: LinkIn<W>,
    pub n_out: LinkOut<W>,
    pub e_out: LinkOut<W>,
    pub s_out: LinkOut<W>,
    pub w_out: LinkOut<W>,
    pub l0_out: LinkOut<W>,
    /// Flits sent per output since reset.
    pub n_flits: Signal<Out, Bits<32>>,
    pub e_flits: Signal<Out, Bits<32>>,
    pub s_flits: Signal<Out, Bits<32>>,
    pub w_flits: Signal<Out, Bits<32>>,
    pub l0_flits: Signal<Out, Bits<32>>,
    /// Packets dropped for a destination outside the mesh since reset.
    pub drops: Signal<Out, Bits<32>>,
    /// Input buffers, index port * 2 + vc.
    fifo: Vec<VcFifo<W>>,
    // Inputs gathered into vectors, index port.
    pin_valid: Vec<Signal<Local, Bit>>,
    pin_vc: Vec<Signal<Local, Bit>>,
    pin_head: Vec<Signal<Local, Bit>>,
    pin_tail: Vec<Signal<Local, Bit>>,
    pin_data: Vec<Signal<Local, Bits<W>>>,
    // Outputs as vectors, index port.
    po_valid: Vec<Signal<Local, Bit>>,
    po_vc: Vec<Signal<Local, Bit>>,
    po_head: Vec<Signal<Local, Bit>>,
    po_tail: Vec<Signal<Local, Bit>>,
    po_data: Vec<Signal<Local, Bits<W>>>,
    /// Credit pulses from downstream, index out * 2 + vc.
    ocr: Vec<Signal<Local, Bit>>,
    // Header fields of each input VC's head flit, index iv = port * 2 + vc.
    hx0: Vec<Signal<Local, Bits<4>>>,
    hx1: Vec<Signal<Local, Bits<4>>>,
    hy0: Vec<Signal<Local, Bits<4>>>,
    hy1: Vec<Signal<Local, Bits<4>>>,
    hbad: Vec<Signal<Local, Bit>>,
    go_l: Vec<Signal<Local, Bit>>,
    in_col: Vec<Signal<Local, Bit>>,
    /// Route of the head flit, index iv * PORTS + out.
    rfn: Vec<Signal<Local, Bit>>,
    /// Route in force (latched route while a packet owns its outputs), index iv * PORTS + out.
    rc: Vec<Signal<Local, Bit>>,
    /// Latched route, index iv * PORTS + out.
    rt_q: Vec<DFF<Bit>>,
    /// The input VC owns the outputs in `rt_q` (between allocation and the tail).
    own_q: Vec<DFF<Bit>>,
    /// The input VC is discarding the rest of a dropped packet.
    drop_q: Vec<DFF<Bit>>,
    cand: Vec<Signal<Local, Bit>>,
    allfree: Vec<Signal<Local, Bit>>,
    won: Vec<Signal<Local, Bit>>,
    owns: Vec<Signal<Local, Bit>>,
    fire: Vec<Signal<Local, Bit>>,
    dhead: Vec<Signal<Local, Bit>>,
    dpop: Vec<Signal<Local, Bit>>,
    pop: Vec<Signal<Local, Bit>>,
    // Per output VC, index out * 2 + vc.
    busy: Vec<Signal<Local, Bit>>,
    gidx: Vec<Signal<Local, Bits<4>>>,
    /// Per input VC: packet length - 1 from the head flit, zero-extended.
    mlen: Vec<Signal<Local, Bits<8>>>,
    /// Per input VC: a unicast, or a multicast whose every mesh output has room for the whole packet.
    vct: Vec<Signal<Local, Bit>>,
    /// Per input VC: owns its outputs, has a flit, and every output has a credit.
    able: Vec<Signal<Local, Bit>>,
    /// Per input port: its class-1 packet is able and one of its outputs has starved class 1.
    boost: Vec<Signal<Local, Bit>>,
    /// Per output: the VC-1 owner is able / is able and boosted.
    able1: Vec<Signal<Local, Bit>>,
    t1: Vec<Signal<Local, Bit>>,
    /// Per output: a class-0 flit leaves on it this cycle.
    used0: Vec<Signal<Local, Bit>>,
    sentv: Vec<Signal<Local, Bit>>,
    /// Round-robin pointer per VC, shared by all outputs (index vc).
    ptr_q: Vec<DFF<Bits<4>>>,
    cred_q: Vec<DFF<Bits<8>>>,
    /// Arbiter requests, index (out * 2 + vc) * PORTS + in.
    greq: Vec<Signal<Local, Bit>>,
    // Per output.
    starve_q: Vec<DFF<Bits<8>>>,
    flits_q: Vec<DFF<Bits<32>>>,
    drops_q: DFF<Bits<32>>,
    dsum: Signal<Local, Bits<32>>,
    // Typed constants.
    pidx: Vec<Constant<Bits<4>>>,
    pnext: Vec<Constant<Bits<4>>>,
    vbit: Vec<Constant<Bit>>,
    mesh_w: Constant<Bits<4>>,
    mesh_h: Constant<Bits<4>>,
    depth8: Constant<Bits<8>>,
    /// 1, 2, 4, ..., 32 as 8-bit constants.
    pow8: Vec<Constant<Bits<8>>>,
    limit8: Constant<Bits<8>>,
    zero4: Constant<Bits<4>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero32: Constant<Bits<32>>,
    one32: Constant<Bits<32>>,
    zero_w: Constant<Bits<W>>,
    _np: usize,
}

fn sigs<T: Synth>(n: usize) -> Vec<Signal<Local, T>> {
    (0..n).map(|_| Default::default()).collect()
}

fn dffs<T: Synth>(n: usize) -> Vec<DFF<T>> {
    (0..n).map(|_| Default::default()).collect()
}

impl<const W: usize> Router<W> {
    /// A router for a `mesh_x` x `mesh_y` mesh whose input buffers hold `depth` flits per VC.
    pub fn new(mesh_x: usize, mesh_y: usize, depth: usize) -> Self {
        assert!(W >= 32, "flit payload must hold the 32-bit header");
        assert!((1..=8).contains(&mesh_x) && (1..=8).contains(&mesh_y));
        let np = PORTS;
        let niv = 2 * np;
        let nov = 2 * np;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            pos_x: Default::default(),
            pos_y: Default::default(),
            n_in: Default::default(),
            e_in: Default::default(),
            s_in: Default::default(),
            w_in: Default::default(),
            l0_in: Default::default(),
            n_out: Default::default(),
            e_out: Default::default(),
            s_out: Default::default(),
            w_out: Default::default(),
            l0_out: Default::default(),
            n_flits: Default::default(),
            e_flits: Default::default(),
            s_flits: Default::default(),
            w_flits: Default::default(),
            l0_flits: Default::default(),
            drops: Default::default(),
            fifo: (0..niv).map(|_| VcFifo::new(depth)).collect(),
            pin_valid: sigs(np),
            pin_vc: sigs(np),
            pin_head: sigs(np),
            pin_tail: sigs(np),
            pin_data: sigs(np),
            po_valid: sigs(np),
            po_vc: sigs(np),
            po_head: sigs(np),
            po_tail: sigs(np),
            po_data: sigs(np),
            ocr: sigs(nov),
            hx0: sigs(niv),
            hx1: sigs(niv),
            hy0: sigs(niv),
            hy1: sigs(niv),
            hbad: sigs(niv),
            go_l: sigs(niv),
            in_col: sigs(niv),
            rfn: sigs(niv * np),
            rc: sigs(niv * np),
            rt_q: dffs(niv * np),
            own_q: dffs(niv),
            drop_q: dffs(niv),
            cand: sigs(niv),
            allfree: sigs(niv),
            won: sigs(niv),
            owns: sigs(niv),
            fire: sigs(niv),
            dhead: sigs(niv),
            dpop: sigs(niv),
            pop: sigs(niv),
            busy: sigs(nov),
            gidx: sigs(nov),
            mlen: sigs(niv),
            vct: sigs(niv),
            able: sigs(niv),
            boost: sigs(np),
            able1: sigs(np),
            t1: sigs(np),
            used0: sigs(np),
            sentv: sigs(nov),
            ptr_q: dffs(2),
            cred_q: dffs(nov),
            greq: sigs(nov * np),
            starve_q: dffs(np),
            flits_q: dffs(np),
            drops_q: Default::default(),
            dsum: Default::default(),
            pidx: (0..np)
                .map(|p| Constant::new((p as u64).to_bits()))
                .collect(),
            pnext: (0..np)
                .map(|p| Constant::new((((p + 1) % np) as u64).to_bits()))
                .collect(),
            vbit: (0..2).map(|v| Constant::new(v == 1)).collect(),
            mesh_w: Constant::new((mesh_x as u64).to_bits()),
            mesh_h: Constant::new((mesh_y as u64).to_bits()),
            depth8: Constant::new((depth as u64).to_bits()),
            pow8: (0..6)
                .map(|k| Constant::new((1u64 << k).to_bits()))
                .collect(),
            limit8: Constant::new(STARVE_LIMIT.to_bits()),
            zero4: Constant::new(0u64.to_bits()),
            zero8: Constant::new(0u64.to_bits()),
            one8: Constant::new(1u64.to_bits()),
            zero32: Constant::new(0u64.to_bits()),
            one32: Constant::new(1u64.to_bits()),
            zero_w: Constant::new(0u64.to_bits()),
            _np: np,
        }
    }
}

impl<const W: usize> Logic for Router<W> {
    #[hdl_gen]
    fn update(&mut self) {
        // ---- clocks and register defaults (hold) ----
        self.drops_q.clock.next = self.clock.val();
        self.drops_q.d.next = self.drops_q.q.val();
        for i in 0..(self._np * 2 * self._np) {
            self.rt_q[i].clock.next = self.clock.val();
            self.rt_q[i].d.next = self.rt_q[i].q.val();
        }
        for i in 0..(2 * self._np) {
            self.own_q[i].clock.next = self.clock.val();
            self.own_q[i].d.next = self.own_q[i].q.val();
            self.drop_q[i].clock.next = self.clock.val();
            self.drop_q[i].d.next = self.drop_q[i].q.val();
            self.cred_q[i].clock.next = self.clock.val();
            self.cred_q[i].d.next = self.cred_q[i].q.val();
            self.fifo[i].clock.next = self.clock.val();
            self.fifo[i].reset.next = self.reset.val();
        }
        for v in 0..2 {
            self.ptr_q[v].clock.next = self.clock.val();
            self.ptr_q[v].d.next = self.ptr_q[v].q.val();
        }
        for o in 0..self._np {
            self.starve_q[o].clock.next = self.clock.val();
            self.starve_q[o].d.next = self.starve_q[o].q.val();
            self.flits_q[o].clock.next = self.clock.val();
            self.flits_q[o].d.next = self.flits_q[o].q.val();
        }
        // ---- named ports <-> vectors (port order N, E, S, W, L0) ----
        self.pin_valid[0].next = self.n_in.valid.val();
        self.pin_vc[0].next = self.n_in.vc.val();
        self.pin_head[0].next = self.n_in.head.val();
        self.pin_tail[0].next = self.n_in.tail.val();
        self.pin_data[0].next = self.n_in.data.val();
        self.pin_valid[1].next = self.e_in.valid.val();
        self.pin_vc[1].next = self.e_in.vc.val();
        self.pin_head[1].next = self.e_in.head.val();
        self.pin_tail[1].next = self.e_in.tail.val();
        self.pin_data[1].next = self.e_in.data.val();
        self.pin_valid[2].next = self.s_in.valid.val();
        self.pin_vc[2].next = self.s_in.vc.val();
        self.pin_head[2].next = self.s_in.head.val();
        self.pin_tail[2].next = self.s_in.tail.val();
        self.pin_data[2].next = self.s_in.data.val();
        self.pin_valid[3].next = self.w_in.valid.val();
        self.pin_vc[3].next = self.w_in.vc.val();
        self.pin_head[3].next = self.w_in.head.val();
        self.pin_tail[3].next = self.w_in.tail.val();
        self.pin_data[3].next = self.w_in.data.val();
        self.pin_valid[4].next = self.l0_in.valid.val();
        self.pin_vc[4].next = self.l0_in.vc.val();
        self.pin_head[4].next = self.l0_in.head.val();
        self.pin_tail[4].next = self.l0_in.tail.val();
        self.pin_data[4].next = self.l0_in.data.val();
        self.ocr[0].next = self.n_out.credit0.val();
        self.ocr[1].next = self.n_out.credit1.val();
        self.ocr[2].next = self.e_out.credit0.val();
        self.ocr[3].next = self.e_out.credit1.val();
        self.ocr[4].next = self.s_out.credit0.val();
        self.ocr[5].next = self.s_out.credit1.val();
        self.ocr[6].next = self.w_out.credit0.val();
        self.ocr[7].next = self.w_out.credit1.val();
        self.ocr[8].next = self.l0_out.credit0.val();
        self.ocr[9].next = self.l0_out.credit1.val();
        // ---- input buffers: a flit goes into the buffer of its VC ----
        for p in 0..self._np {
            for v in 0..2 {
                self.fifo[p * 2 + v].push.next =
                    self.pin_valid[p].val() & (self.pin_vc[p].val() == self.vbit[v].val());
                self.fifo[p * 2 + v].push_head.next = self.pin_head[p].val();
                self.fifo[p * 2 + v].push_tail.next = self.pin_tail[p].val();
                self.fifo[p * 2 + v].push_data.next = self.pin_data[p].val();
            }
        }
        for np in self._np..(self._np + 1) {
            // ---- 1. route: header fields and XY-tree directions per input VC ----
            for iv in 0..(2 * self._np) {
                self.hx0[iv].next = self.fifo[iv].data.val().get_bits::<4>(0);
                self.hy0[iv].next = self.fifo[iv].data.val().get_bits::<4>(4);
                self.hx1[iv].next = self.fifo[iv].data.val().get_bits::<4>(0);
                self.hy1[iv].next = self.fifo[iv].data.val().get_bits::<4>(4);
                if self.fifo[iv].data.val().get_bit(23) {
                    self.hx1[iv].next = self.fifo[iv].data.val().get_bits::<4>(8);
                    self.hy1[iv].next = self.fifo[iv].data.val().get_bits::<4>(12);
                }
                // Only the local input can see a destination outside the mesh (mesh links carry
                // packets that an earlier router already checked).
                self.hbad[iv].next = false;
                // Length - 1 (bits 31:26), zero-extended bit by bit (bit_cast cannot take a loop index).
                self.mlen[iv].next = self.zero8.val();
                if self.fifo[iv].data.val().get_bit(26) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[0].val();
                }
                if self.fifo[iv].data.val().get_bit(27) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[1].val();
                }
                if self.fifo[iv].data.val().get_bit(28) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[2].val();
                }
                if self.fifo[iv].data.val().get_bit(29) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[3].val();
                }
                if self.fifo[iv].data.val().get_bit(30) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[4].val();
                }
                if self.fifo[iv].data.val().get_bit(31) {
                    self.mlen[iv].next = self.mlen[iv].val() | self.pow8[5].val();
                }
            }
            for iv in 8..(2 * self._np) {
                self.hbad[iv].next = (self.hx0[iv].val() >= self.mesh_w.val())
                    | (self.hx1[iv].val() >= self.mesh_w.val())
                    | (self.hy0[iv].val() >= self.mesh_h.val())
                    | (self.hy1[iv].val() >= self.mesh_h.val())
                    | (self.hx0[iv].val() > self.hx1[iv].val())
                    | (self.hy0[iv].val() > self.hy1[iv].val())
                    | (self.fifo[iv].data.val().get_bit(23)
                        & (self.mlen[iv].val() >= self.depth8.val()));
            }
            for iv in 0..(2 * self._np) {
                self.in_col[iv].next = (self.hx0[iv].val() <= self.pos_x.val())
                    & (self.pos_x.val() <= self.hx1[iv].val())
                    & !self.hbad[iv].val();
                self.go_l[iv].next = self.in_col[iv].val()
                    & (self.hy0[iv].val() <= self.pos_y.val())
                    & (self.pos_y.val() <= self.hy1[iv].val());
            }
            // Route sets per input direction (outputs N, E, S, W, L0).
            for v in 0..2 {
                // From N: moving south (Y phase).
                self.rfn[v * np].next = false;
                self.rfn[v * np + 1].next = false;
                self.rfn[v * np + 2].next =
                    self.in_col[v].val() & (self.hy1[v].val() > self.pos_y.val());
                self.rfn[v * np + 3].next = false;
                self.rfn[v * np + 4].next = self.go_l[v].val();
                // From E: moving west (X phase).
                self.rfn[(2 + v) * np].next =
                    self.in_col[2 + v].val() & (self.hy0[2 + v].val() < self.pos_y.val());
                self.rfn[(2 + v) * np + 1].next = false;
                self.rfn[(2 + v) * np + 2].next =
                    self.in_col[2 + v].val() & (self.hy1[2 + v].val() > self.pos_y.val());
                self.rfn[(2 + v) * np + 3].next =
                    (self.hx0[2 + v].val() < self.pos_x.val()) & !self.hbad[2 + v].val();
                self.rfn[(2 + v) * np + 4].next = self.go_l[2 + v].val();
                // From S: moving north (Y phase).
                self.rfn[(4 + v) * np].next =
                    self.in_col[4 + v].val() & (self.hy0[4 + v].val() < self.pos_y.val());
                self.rfn[(4 + v) * np + 1].next = false;
                self.rfn[(4 + v) * np + 2].next = false;
                self.rfn[(4 + v) * np + 3].next = false;
                self.rfn[(4 + v) * np + 4].next = self.go_l[4 + v].val();
                // From W: moving east (X phase).
                self.rfn[(6 + v) * np].next =
                    self.in_col[6 + v].val() & (self.hy0[6 + v].val() < self.pos_y.val());
                self.rfn[(6 + v) * np + 1].next =
                    (self.hx1[6 + v].val() > self.pos_x.val()) & !self.hbad[6 + v].val();
                self.rfn[(6 + v) * np + 2].next =
                    self.in_col[6 + v].val() & (self.hy1[6 + v].val() > self.pos_y.val());
                self.rfn[(6 + v) * np + 3].next = false;
                self.rfn[(6 + v) * np + 4].next = self.go_l[6 + v].val();
                // From L0: injection (X phase, both directions).
                self.rfn[(8 + v) * np].next =
                    self.in_col[8 + v].val() & (self.hy0[8 + v].val() < self.pos_y.val());
                self.rfn[(8 + v) * np + 1].next =
                    (self.hx1[8 + v].val() > self.pos_x.val()) & !self.hbad[8 + v].val();
                self.rfn[(8 + v) * np + 2].next =
                    self.in_col[8 + v].val() & (self.hy1[8 + v].val() > self.pos_y.val());
                self.rfn[(8 + v) * np + 3].next =
                    (self.hx0[8 + v].val() < self.pos_x.val()) & !self.hbad[8 + v].val();
                self.rfn[(8 + v) * np + 4].next = self.go_l[8 + v].val();
            }
            // ---- 2. VC allocation: all outputs at once, round-robin per output VC ----
            for o in 0..self._np {
                for v in 0..2 {
                    self.busy[o * 2 + v].next = false;
                    for p in 0..self._np {
                        if self.own_q[p * 2 + v].q.val() & self.rt_q[(p * 2 + v) * np + o].q.val() {
                            self.busy[o * 2 + v].next = true;
                        }
                    }
                }
            }
            for p in 0..self._np {
                for v in 0..2 {
                    // Virtual cut-through for multicast: a tree is allocated only where every mesh
                    // output can take the whole packet, so it never waits on a mesh link while holding
                    // its other branches (see "Multicast and deadlock").
                    self.vct[p * 2 + v].next = true;
                    if self.fifo[p * 2 + v].data.val().get_bit(23) {
                        for o in 0..4 {
                            if self.rfn[(p * 2 + v) * np + o].val()
                                & (self.cred_q[o * 2 + v].q.val() <= self.mlen[p * 2 + v].val())
                            {
                                self.vct[p * 2 + v].next = false;
                            }
                        }
                    }
                    self.allfree[p * 2 + v].next = true;
                    for o in 0..self._np {
                        if self.rfn[(p * 2 + v) * np + o].val() & self.busy[o * 2 + v].val() {
                            self.allfree[p * 2 + v].next = false;
                        }
                    }
                    self.dhead[p * 2 + v].next = self.fifo[p * 2 + v].valid.val()
                        & self.fifo[p * 2 + v].head.val()
                        & !self.own_q[p * 2 + v].q.val()
                        & !self.drop_q[p * 2 + v].q.val()
                        & self.hbad[p * 2 + v].val();
                    self.cand[p * 2 + v].next = self.fifo[p * 2 + v].valid.val()
                        & self.fifo[p * 2 + v].head.val()
                        & !self.own_q[p * 2 + v].q.val()
                        & !self.drop_q[p * 2 + v].q.val()
                        & !self.hbad[p * 2 + v].val()
                        & self.allfree[p * 2 + v].val()
                        & self.vct[p * 2 + v].val();
                }
            }
            for o in 0..self._np {
                for v in 0..2 {
                    for p in 0..self._np {
                        self.greq[(o * 2 + v) * np + p].next =
                            self.cand[p * 2 + v].val() & self.rfn[(p * 2 + v) * np + o].val();
                    }
                    // Lowest requester, then overridden by the lowest requester at or after the pointer.
                    self.gidx[o * 2 + v].next = self.zero4.val();
                    for k in 0..self._np {
                        if self.greq[(o * 2 + v) * np + (np - 1 - k)].val() {
                            self.gidx[o * 2 + v].next = self.pidx[np - 1 - k].val();
                        }
                    }
                    for k in 0..self._np {
                        if self.greq[(o * 2 + v) * np + (np - 1 - k)].val()
                            & (self.pidx[np - 1 - k].val() >= self.ptr_q[v].q.val())
                        {
                            self.gidx[o * 2 + v].next = self.pidx[np - 1 - k].val();
                        }
                    }
                }
            }
            for p in 0..self._np {
                for v in 0..2 {
                    self.won[p * 2 + v].next = self.cand[p * 2 + v].val();
                    for o in 0..self._np {
                        if self.rfn[(p * 2 + v) * np + o].val()
                            & (self.gidx[o * 2 + v].val() != self.pidx[p].val())
                        {
                            self.won[p * 2 + v].next = false;
                        }
                    }
                    self.owns[p * 2 + v].next =
                        self.own_q[p * 2 + v].q.val() | self.won[p * 2 + v].val();
                    for o in 0..self._np {
                        if self.own_q[p * 2 + v].q.val() {
                            self.rc[(p * 2 + v) * np + o].next =
                                self.rt_q[(p * 2 + v) * np + o].q.val();
                        } else {
                            self.rc[(p * 2 + v) * np + o].next =
                                self.rfn[(p * 2 + v) * np + o].val();
                        }
                    }
                }
            }
            // The priority pointer moves past the first winner at or after it.
            for v in 0..2 {
                for k in 0..self._np {
                    if self.won[(np - 1 - k) * 2 + v].val() {
                        self.ptr_q[v].d.next = self.pnext[np - 1 - k].val();
                    }
                }
                for k in 0..self._np {
                    if self.won[(np - 1 - k) * 2 + v].val()
                        & (self.pidx[np - 1 - k].val() >= self.ptr_q[v].q.val())
                    {
                        self.ptr_q[v].d.next = self.pnext[np - 1 - k].val();
                    }
                }
            }
            // ---- 3. switch allocation: a packet moves when all of its outputs take its flit ----
            // Decided per packet, not per output, so that two multicasts sharing outputs can never
            // pick each other's class at different outputs and wait forever.
            for p in 0..self._np {
                for v in 0..2 {
                    self.able[p * 2 + v].next =
                        self.owns[p * 2 + v].val() & self.fifo[p * 2 + v].valid.val();
                    for o in 0..self._np {
                        if self.rc[(p * 2 + v) * np + o].val()
                            & (self.cred_q[o * 2 + v].q.val() == self.zero8.val())
                        {
                            self.able[p * 2 + v].next = false;
                        }
                    }
                }
                self.boost[p].next = false;
                for o in 0..self._np {
                    if self.rc[(p * 2 + 1) * np + o].val()
                        & (self.starve_q[o].q.val() >= self.limit8.val())
                    {
                        self.boost[p].next = self.able[p * 2 + 1].val();
                    }
                }
            }
            for o in 0..self._np {
                self.able1[o].next = false;
                self.t1[o].next = false;
                for p in 0..self._np {
                    if self.able[p * 2 + 1].val() & self.rc[(p * 2 + 1) * np + o].val() {
                        self.able1[o].next = true;
                        if self.boost[p].val() {
                            self.t1[o].next = true;
                        }
                    }
                }
            }
            // Class 0 first, except on outputs taken by a starved (boosted) class-1 packet.
            for p in 0..self._np {
                self.fire[p * 2].next = self.able[p * 2].val();
                for o in 0..self._np {
                    if self.rc[(p * 2) * np + o].val() & self.t1[o].val() {
                        self.fire[p * 2].next = false;
                    }
                }
            }
            for o in 0..self._np {
                self.used0[o].next = false;
                for p in 0..self._np {
                    if self.fire[p * 2].val() & self.rc[(p * 2) * np + o].val() {
                        self.used0[o].next = true;
                    }
                }
            }
            for p in 0..self._np {
                self.fire[p * 2 + 1].next = self.able[p * 2 + 1].val();
                for o in 0..self._np {
                    if self.rc[(p * 2 + 1) * np + o].val() & self.used0[o].val() {
                        self.fire[p * 2 + 1].next = false;
                    }
                }
            }
            // ---- 4. traversal, buffer state, credits ----
            for o in 0..self._np {
                self.po_valid[o].next = false;
                self.po_vc[o].next = false;
                self.po_head[o].next = false;
                self.po_tail[o].next = false;
                self.po_data[o].next = self.zero_w.val();
                for v in 0..2 {
                    self.sentv[o * 2 + v].next = false;
                    for p in 0..self._np {
                        if self.fire[p * 2 + v].val() & self.rc[(p * 2 + v) * np + o].val() {
                            self.sentv[o * 2 + v].next = true;
                            self.po_valid[o].next = true;
                            self.po_vc[o].next = self.vbit[v].val();
                            self.po_head[o].next = self.fifo[p * 2 + v].head.val();
                            self.po_tail[o].next = self.fifo[p * 2 + v].tail.val();
                            self.po_data[o].next = self.fifo[p * 2 + v].data.val();
                        }
                    }
                    if self.sentv[o * 2 + v].val() & !self.ocr[o * 2 + v].val() {
                        self.cred_q[o * 2 + v].d.next =
                            self.cred_q[o * 2 + v].q.val() - self.one8.val();
                    }
                    if !self.sentv[o * 2 + v].val() & self.ocr[o * 2 + v].val() {
                        self.cred_q[o * 2 + v].d.next =
                            self.cred_q[o * 2 + v].q.val() + self.one8.val();
                    }
                }
                if self.sentv[o * 2 + 1].val() {
                    self.starve_q[o].d.next = self.zero8.val();
                } else if self.sentv[o * 2].val()
                    & self.able1[o].val()
                    & (self.starve_q[o].q.val() < self.limit8.val())
                {
                    self.starve_q[o].d.next = self.starve_q[o].q.val() + self.one8.val();
                }
                if self.po_valid[o].val() {
                    self.flits_q[o].d.next = self.flits_q[o].q.val() + self.one32.val();
                }
            }
            self.dsum.next = self.zero32.val();
            for iv in 0..(2 * self._np) {
                self.dpop[iv].next =
                    self.dhead[iv].val() | (self.drop_q[iv].q.val() & self.fifo[iv].valid.val());
                self.pop[iv].next = self.fire[iv].val() | self.dpop[iv].val();
                self.fifo[iv].pop.next = self.pop[iv].val();
                if self.dpop[iv].val() {
                    self.drop_q[iv].d.next = !self.fifo[iv].tail.val();
                }
                if self.dhead[iv].val() {
                    self.dsum.next = self.dsum.val() + self.one32.val();
                }
                if self.won[iv].val() {
                    self.own_q[iv].d.next = true;
                }
                if self.fire[iv].val() & self.fifo[iv].tail.val() {
                    self.own_q[iv].d.next = false;
                }
            }
            for iv in 0..(2 * self._np) {
                for o in 0..self._np {
                    if self.won[iv].val() {
                        self.rt_q[iv * np + o].d.next = self.rfn[iv * np + o].val();
                    }
                }
            }
        }
        self.drops_q.d.next = self.drops_q.q.val() + self.dsum.val();
        // ---- vectors -> named ports ----
        self.n_in.credit0.next = self.pop[0].val();
        self.n_in.credit1.next = self.pop[1].val();
        self.e_in.credit0.next = self.pop[2].val();
        self.e_in.credit1.next = self.pop[3].val();
        self.s_in.credit0.next = self.pop[4].val();
        self.s_in.credit1.next = self.pop[5].val();
        self.w_in.credit0.next = self.pop[6].val();
        self.w_in.credit1.next = self.pop[7].val();
        self.l0_in.credit0.next = self.pop[8].val();
        self.l0_in.credit1.next = self.pop[9].val();
        self.n_out.valid.next = self.po_valid[0].val();
        self.n_out.vc.next = self.po_vc[0].val();
        self.n_out.head.next = self.po_head[0].val();
        self.n_out.tail.next = self.po_tail[0].val();
        self.n_out.data.next = self.po_data[0].val();
        self.e_out.valid.next = self.po_valid[1].val();
        self.e_out.vc.next = self.po_vc[1].val();
        self.e_out.head.next = self.po_head[1].val();
        self.e_out.tail.next = self.po_tail[1].val();
        self.e_out.data.next = self.po_data[1].val();
        self.s_out.valid.next = self.po_valid[2].val();
        self.s_out.vc.next = self.po_vc[2].val();
        self.s_out.head.next = self.po_head[2].val();
        self.s_out.tail.next = self.po_tail[2].val();
        self.s_out.data.next = self.po_data[2].val();
        self.w_out.valid.next = self.po_valid[3].val();
        self.w_out.vc.next = self.po_vc[3].val();
        self.w_out.head.next = self.po_head[3].val();
        self.w_out.tail.next = self.po_tail[3].val();
        self.w_out.data.next = self.po_data[3].val();
        self.l0_out.valid.next = self.po_valid[4].val();
        self.l0_out.vc.next = self.po_vc[4].val();
        self.l0_out.head.next = self.po_head[4].val();
        self.l0_out.tail.next = self.po_tail[4].val();
        self.l0_out.data.next = self.po_data[4].val();
        self.n_flits.next = self.flits_q[0].q.val();
        self.e_flits.next = self.flits_q[1].q.val();
        self.s_flits.next = self.flits_q[2].q.val();
        self.w_flits.next = self.flits_q[3].q.val();
        self.l0_flits.next = self.flits_q[4].q.val();
        self.drops.next = self.drops_q.q.val();
        // ---- reset ----
        if self.reset.val() {
            self.drops_q.d.next = self.zero32.val();
            for i in 0..(2 * self._np) {
                self.own_q[i].d.next = false;
                self.drop_q[i].d.next = false;
                self.cred_q[i].d.next = self.depth8.val();
            }
            for v in 0..2 {
                self.ptr_q[v].d.next = self.zero4.val();
            }
            for o in 0..self._np {
                self.starve_q[o].d.next = self.zero8.val();
                self.flits_q[o].d.next = self.zero32.val();
            }
        }
    }
}
