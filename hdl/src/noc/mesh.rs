//! A `mesh_x` x `mesh_y` mesh of routers: neighbour links, edge tie-offs and one local port per node.
//!
//! ```text
//!   (0,0) -- (1,0) -- (2,0)      router n = y * mesh_x + x sits at (x, y); x grows East, y grows South
//!     |        |        |        every router is the same Verilog module: (x, y) arrive on pos_x/pos_y
//!   (0,1) -- (1,1) -- (2,1)
//! ```
//!
//! Ports: `clock`, `reset`; per node n: `inj[n]: LinkIn<W>` (the node's network interface injects here
//! and receives credits) and `ej[n]: LinkOut<W>` (ejected flits; the interface returns one credit per
//! flit it consumes, and must start with `noc.buffer_depth` credits' worth of space per VC);
//! `flits[n * 5 + port]` (the router's per-output flit counters, port order N, E, S, W, L0) and
//! `drops[n]` (packets dropped for a destination outside the mesh).
//!
//! Edge ports: an input on the mesh boundary is tied to "no flit"; an output there never receives credits
//! (XY routing to a destination inside the mesh never uses it).
use super::link::{LinkIn, LinkOut};
use super::router::{Router, PORTS};
use rust_hdl::prelude::*;

/// The whole network.
#[derive(LogicBlock)]
pub struct Mesh<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset of every router.
    pub reset: Signal<In, Bit>,
    /// Injection link of each node.
    pub inj: Vec<LinkIn<W>>,
    /// Ejection link of each node.
    pub ej: Vec<LinkOut<W>>,
    /// Flits sent per router output, index node * 5 + port (N, E, S, W, L0).
    pub flits: Vec<Signal<Out, Bits<32>>>,
    /// Packets dropped per router (destination outside the mesh).
    pub drops: Vec<Signal<Out, Bits<32>>>,
    routers: Vec<Router<W>>,
    xs: Vec<Constant<Bits<4>>>,
    ys: Vec<Constant<Bits<4>>>,
    zero_w: Constant<Bits<W>>,
    _nx: usize,
    _ny: usize,
    _np: usize,
}

impl<const W: usize> Mesh<W> {
    /// A `nx` x `ny` mesh with `depth`-flit buffers per VC.
    pub fn new(nx: usize, ny: usize, depth: usize) -> Self {
        let n = nx * ny;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            inj: (0..n).map(|_| Default::default()).collect(),
            ej: (0..n).map(|_| Default::default()).collect(),
            flits: (0..n * PORTS).map(|_| Default::default()).collect(),
            drops: (0..n).map(|_| Default::default()).collect(),
            routers: (0..n).map(|_| Router::new(nx, ny, depth)).collect(),
            xs: (0..n)
                .map(|i| Constant::new(((i % nx) as u64).to_bits()))
                .collect(),
            ys: (0..n)
                .map(|i| Constant::new(((i / nx) as u64).to_bits()))
                .collect(),
            zero_w: Constant::new(0u64.to_bits()),
            _nx: nx,
            _ny: ny,
            _np: PORTS,
        }
    }
}

impl<const W: usize> Logic for Mesh<W> {
    #[hdl_gen]
    fn update(&mut self) {
        for n in 0..(self._nx * self._ny) {
            self.routers[n].clock.next = self.clock.val();
            self.routers[n].reset.next = self.reset.val();
            self.routers[n].pos_x.next = self.xs[n].val();
            self.routers[n].pos_y.next = self.ys[n].val();
            // Local port.
            self.routers[n].l0_in.valid.next = self.inj[n].valid.val();
            self.routers[n].l0_in.vc.next = self.inj[n].vc.val();
            self.routers[n].l0_in.head.next = self.inj[n].head.val();
            self.routers[n].l0_in.tail.next = self.inj[n].tail.val();
            self.routers[n].l0_in.data.next = self.inj[n].data.val();
            self.inj[n].credit0.next = self.routers[n].l0_in.credit0.val();
            self.inj[n].credit1.next = self.routers[n].l0_in.credit1.val();
            self.ej[n].valid.next = self.routers[n].l0_out.valid.val();
            self.ej[n].vc.next = self.routers[n].l0_out.vc.val();
            self.ej[n].head.next = self.routers[n].l0_out.head.val();
            self.ej[n].tail.next = self.routers[n].l0_out.tail.val();
            self.ej[n].data.next = self.routers[n].l0_out.data.val();
            self.routers[n].l0_out.credit0.next = self.ej[n].credit0.val();
            self.routers[n].l0_out.credit1.next = self.ej[n].credit1.val();
            self.drops[n].next = self.routers[n].drops.val();
        }
        for np in self._np..(self._np + 1) {
            for n in 0..(self._nx * self._ny) {
                self.flits[n * np].next = self.routers[n].n_flits.val();
                self.flits[n * np + 1].next = self.routers[n].e_flits.val();
                self.flits[n * np + 2].next = self.routers[n].s_flits.val();
                self.flits[n * np + 3].next = self.routers[n].w_flits.val();
                self.flits[n * np + 4].next = self.routers[n].l0_flits.val();
            }
        }
        for nx in self._nx..(self._nx + 1) {
            // East-west links: router a = y * nx + x and its eastern neighbour a + 1.
            for y in 0..self._ny {
                for x in 0..(self._nx - 1) {
                    self.routers[y * nx + x + 1].w_in.valid.next =
                        self.routers[y * nx + x].e_out.valid.val();
                    self.routers[y * nx + x + 1].w_in.vc.next =
                        self.routers[y * nx + x].e_out.vc.val();
                    self.routers[y * nx + x + 1].w_in.head.next =
                        self.routers[y * nx + x].e_out.head.val();
                    self.routers[y * nx + x + 1].w_in.tail.next =
                        self.routers[y * nx + x].e_out.tail.val();
                    self.routers[y * nx + x + 1].w_in.data.next =
                        self.routers[y * nx + x].e_out.data.val();
                    self.routers[y * nx + x].e_out.credit0.next =
                        self.routers[y * nx + x + 1].w_in.credit0.val();
                    self.routers[y * nx + x].e_out.credit1.next =
                        self.routers[y * nx + x + 1].w_in.credit1.val();
                    self.routers[y * nx + x].e_in.valid.next =
                        self.routers[y * nx + x + 1].w_out.valid.val();
                    self.routers[y * nx + x].e_in.vc.next =
                        self.routers[y * nx + x + 1].w_out.vc.val();
                    self.routers[y * nx + x].e_in.head.next =
                        self.routers[y * nx + x + 1].w_out.head.val();
                    self.routers[y * nx + x].e_in.tail.next =
                        self.routers[y * nx + x + 1].w_out.tail.val();
                    self.routers[y * nx + x].e_in.data.next =
                        self.routers[y * nx + x + 1].w_out.data.val();
                    self.routers[y * nx + x + 1].w_out.credit0.next =
                        self.routers[y * nx + x].e_in.credit0.val();
                    self.routers[y * nx + x + 1].w_out.credit1.next =
                        self.routers[y * nx + x].e_in.credit1.val();
                }
            }
            // North-south links: router a = y * nx + x and its southern neighbour a + nx.
            for y in 0..(self._ny - 1) {
                for x in 0..self._nx {
                    self.routers[(y + 1) * nx + x].n_in.valid.next =
                        self.routers[y * nx + x].s_out.valid.val();
                    self.routers[(y + 1) * nx + x].n_in.vc.next =
                        self.routers[y * nx + x].s_out.vc.val();
                    self.routers[(y + 1) * nx + x].n_in.head.next =
                        self.routers[y * nx + x].s_out.head.val();
                    self.routers[(y + 1) * nx + x].n_in.tail.next =
                        self.routers[y * nx + x].s_out.tail.val();
                    self.routers[(y + 1) * nx + x].n_in.data.next =
                        self.routers[y * nx + x].s_out.data.val();
                    self.routers[y * nx + x].s_out.credit0.next =
                        self.routers[(y + 1) * nx + x].n_in.credit0.val();
                    self.routers[y * nx + x].s_out.credit1.next =
                        self.routers[(y + 1) * nx + x].n_in.credit1.val();
                    self.routers[y * nx + x].s_in.valid.next =
                        self.routers[(y + 1) * nx + x].n_out.valid.val();
                    self.routers[y * nx + x].s_in.vc.next =
                        self.routers[(y + 1) * nx + x].n_out.vc.val();
                    self.routers[y * nx + x].s_in.head.next =
                        self.routers[(y + 1) * nx + x].n_out.head.val();
                    self.routers[y * nx + x].s_in.tail.next =
                        self.routers[(y + 1) * nx + x].n_out.tail.val();
                    self.routers[y * nx + x].s_in.data.next =
                        self.routers[(y + 1) * nx + x].n_out.data.val();
                    self.routers[(y + 1) * nx + x].n_out.credit0.next =
                        self.routers[y * nx + x].s_in.credit0.val();
                    self.routers[(y + 1) * nx + x].n_out.credit1.next =
                        self.routers[y * nx + x].s_in.credit1.val();
                }
            }
            // Boundary: west and east edges.
            for y in 0..self._ny {
                self.routers[y * nx].w_in.valid.next = false;
                self.routers[y * nx].w_in.vc.next = false;
                self.routers[y * nx].w_in.head.next = false;
                self.routers[y * nx].w_in.tail.next = false;
                self.routers[y * nx].w_in.data.next = self.zero_w.val();
                self.routers[y * nx].w_out.credit0.next = false;
                self.routers[y * nx].w_out.credit1.next = false;
                self.routers[y * nx + nx - 1].e_in.valid.next = false;
                self.routers[y * nx + nx - 1].e_in.vc.next = false;
                self.routers[y * nx + nx - 1].e_in.head.next = false;
                self.routers[y * nx + nx - 1].e_in.tail.next = false;
                self.routers[y * nx + nx - 1].e_in.data.next = self.zero_w.val();
                self.routers[y * nx + nx - 1].e_out.credit0.next = false;
                self.routers[y * nx + nx - 1].e_out.credit1.next = false;
            }
            // North and south edges.
            for ny in self._ny..(self._ny + 1) {
                for x in 0..self._nx {
                    self.routers[x].n_in.valid.next = false;
                    self.routers[x].n_in.vc.next = false;
                    self.routers[x].n_in.head.next = false;
                    self.routers[x].n_in.tail.next = false;
                    self.routers[x].n_in.data.next = self.zero_w.val();
                    self.routers[x].n_out.credit0.next = false;
                    self.routers[x].n_out.credit1.next = false;
                    self.routers[(ny - 1) * nx + x].s_in.valid.next = false;
                    self.routers[(ny - 1) * nx + x].s_in.vc.next = false;
                    self.routers[(ny - 1) * nx + x].s_in.head.next = false;
                    self.routers[(ny - 1) * nx + x].s_in.tail.next = false;
                    self.routers[(ny - 1) * nx + x].s_in.data.next = self.zero_w.val();
                    self.routers[(ny - 1) * nx + x].s_out.credit0.next = false;
                    self.routers[(ny - 1) * nx + x].s_out.credit1.next = false;
                }
            }
        }
    }
}
