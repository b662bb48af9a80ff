//! NoC verification components: network interfaces that inject packets with credit flow control,
//! ejection sinks with random back-pressure, a scoreboard keyed by (source, destination, class), a
//! deadlock watchdog, and latency/throughput statistics.
//!
//! Flit contents written by the traffic generator (payload width >= 64):
//! * head flit: bits 31:0 the routing header ([`tessera_hdl::noc::Header`]), bits 63:32 the packet id;
//! * body flit i (1 = first body flit): bits 31:0 = i, bits 63:32 the packet id.
//!
//! Per cycle: the generator may create a packet at each node (Bernoulli process with mean `rate` flits
//! per node per cycle), each network interface offers one flit (class 0 before class 1, only with a
//! credit for that VC), each sink takes what the router ejects and frees its buffer slots with
//! probability `consume` per cycle and VC (that is the back-pressure: credits come back late).
pub mod bench;
pub mod traffic;

pub use traffic::Pattern;

use crate::{Port, Scoreboard, Sim, SimBuilder};
use anyhow::{bail, Result};
use rand::Rng;
use std::collections::{HashMap, VecDeque};
use tessera_hdl::noc::emit::mesh_verilog_with;
use tessera_hdl::noc::Header;

/// The mesh under test.
#[derive(Clone, Copy, Debug)]
pub struct MeshSpec {
    pub nx: u8,
    pub ny: u8,
    /// Flit payload bits (>= 64 for this testbench).
    pub width: u32,
    /// VC buffer depth in flits.
    pub depth: u32,
}

impl MeshSpec {
    /// Top-module name used for the Verilator model.
    pub fn top(&self) -> String {
        format!(
            "noc_mesh_{}x{}_w{}_d{}",
            self.nx, self.ny, self.width, self.depth
        )
    }

    /// Emits the mesh and returns a builder for its Verilator model.
    pub fn builder(&self) -> Result<SimBuilder> {
        if self.width < 64 {
            bail!(
                "the NoC testbench needs flit_width >= 64 (header + packet id), got {}",
                self.width
            );
        }
        let top = self.top();
        let v = mesh_verilog_with(
            &top,
            self.nx as usize,
            self.ny as usize,
            self.width,
            self.depth as usize,
        )?;
        Ok(SimBuilder::new(top.clone())
            .source(format!("{top}.v"), v)
            .opt_level(2))
    }
}

/// What the generator produces.
#[derive(Clone, Debug)]
pub struct Traffic {
    pub pattern: Pattern,
    /// Offered load of class 1 in flits per node per cycle (0..=1).
    pub rate1: f64,
    /// Offered load of class 0 in flits per node per cycle.
    pub rate0: f64,
    /// Packet lengths are uniform in `len_min..=len_max` flits.
    pub len_min: u32,
    pub len_max: u32,
    /// Class-0 packet length (class 0 carries short control packets).
    pub len0: u32,
    /// Fraction of packets sent as multicast to a random rectangle.
    pub mcast: f64,
    /// Fraction of packets sent to a destination outside the mesh.
    pub bad: f64,
    /// Probability per cycle and VC that a sink frees a buffer slot (1.0 = no back-pressure).
    pub consume: f64,
}

impl Traffic {
    /// Class-1 traffic only, fixed length, no back-pressure.
    pub fn bulk(pattern: Pattern, rate: f64, len: u32) -> Self {
        Traffic {
            pattern,
            rate1: rate,
            rate0: 0.0,
            len_min: len,
            len_max: len,
            len0: 1,
            mcast: 0.0,
            bad: 0.0,
            consume: 1.0,
        }
    }
}

/// One packet in a source queue.
#[derive(Clone, Debug)]
struct Packet {
    id: u32,
    hdr: Header,
    created: u64,
    sent: u32,
    injected: u64,
}

/// One delivery of a packet to one destination.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    pub id: u32,
    pub class: u8,
    pub src: (u8, u8),
    pub dst: (u8, u8),
    pub len: u32,
    pub created: u64,
    /// Cycle the head flit was offered on the injection link.
    pub injected: u64,
    /// Cycle the head flit appeared on the ejection link.
    pub head_out: u64,
    /// Cycle the tail flit appeared on the ejection link.
    pub tail_out: u64,
}

/// A flit as the scoreboard sees it: (packet id, flit index, head, tail).
pub type FlitKey = (u32, u32, bool, bool);

struct NodePorts {
    inj_valid: Port,
    inj_vc: Port,
    inj_head: Port,
    inj_tail: Port,
    inj_data: Port,
    inj_credit: [Port; 2],
    ej_valid: Port,
    ej_vc: Port,
    ej_head: Port,
    ej_tail: Port,
    ej_data: Port,
    ej_credit: [Port; 2],
    drops: Port,
}

/// Open packet at a sink VC (wormhole: one at a time per VC).
#[derive(Clone, Copy)]
struct Open {
    id: u32,
    next: u32,
}

/// The NoC testbench around one Verilator simulation of a mesh.
pub struct NocTb {
    pub spec: MeshSpec,
    pub sim: Sim,
    ports: Vec<NodePorts>,
    flits_ports: Vec<Port>,
    queues: Vec<[VecDeque<Packet>; 2]>,
    credits: Vec<[u32; 2]>,
    sink_fill: Vec<[u32; 2]>,
    open: Vec<[Option<Open>; 2]>,
    /// Packets in flight by id (removed when every destination got the tail).
    inflight: HashMap<u32, (Packet, u32)>,
    next_id: u32,
    /// Ordered flit scoreboards keyed by (src, dst, class).
    pub boards: HashMap<((u8, u8), (u8, u8), u8), Scoreboard<FlitKey>>,
    /// Protocol violations seen at sinks (interleaved packets on one VC, body without head, ...).
    pub violations: Vec<String>,
    pub deliveries: Vec<Delivery>,
    /// Flits offered on injection links / seen on ejection links, since reset.
    pub flits_in: u64,
    pub flits_out: u64,
    /// Packets sent that the routers must drop (outside the mesh, empty rectangle, or a multicast
    /// longer than the buffer depth).
    pub bad_sent: u64,
    /// Packets the generator could not queue (source queue full).
    pub refused: u64,
    /// Cycles without any flit movement after which [`NocTb::run`] reports a deadlock.
    pub watchdog: u64,
    /// Source queue limit per node and class, in packets.
    pub queue_limit: usize,
    idle: u64,
    base_out: u64,
    base_bad: u64,
    /// The last flit seen on an ejection link: (packet id, flit index, head, tail).
    pub last_ejected: FlitKey,
}

impl NocTb {
    /// Builds (or fetches from the cache) the mesh model and resets it.
    pub fn new(spec: MeshSpec) -> Result<Self> {
        let sim = spec.builder()?.build()?;
        Self::with_sim(spec, sim)
    }

    /// Wraps an already instantiated simulation of `spec`'s mesh and resets it.
    pub fn with_sim(spec: MeshSpec, sim: Sim) -> Result<Self> {
        let n = spec.nx as usize * spec.ny as usize;
        let ports = (0..n)
            .map(|i| NodePorts {
                inj_valid: sim.port(&format!("inj_{i}_valid")),
                inj_vc: sim.port(&format!("inj_{i}_vc")),
                inj_head: sim.port(&format!("inj_{i}_head")),
                inj_tail: sim.port(&format!("inj_{i}_tail")),
                inj_data: sim.port(&format!("inj_{i}_data")),
                inj_credit: [
                    sim.port(&format!("inj_{i}_credit0")),
                    sim.port(&format!("inj_{i}_credit1")),
                ],
                ej_valid: sim.port(&format!("ej_{i}_valid")),
                ej_vc: sim.port(&format!("ej_{i}_vc")),
                ej_head: sim.port(&format!("ej_{i}_head")),
                ej_tail: sim.port(&format!("ej_{i}_tail")),
                ej_data: sim.port(&format!("ej_{i}_data")),
                ej_credit: [
                    sim.port(&format!("ej_{i}_credit0")),
                    sim.port(&format!("ej_{i}_credit1")),
                ],
                drops: sim.port(&format!("drops_{i}")),
            })
            .collect();
        let flits_ports = (0..n * 5)
            .map(|i| sim.port(&format!("flits_{i}")))
            .collect();
        let reset = sim.port("reset");
        let mut tb = NocTb {
            spec,
            sim,
            ports,
            flits_ports,
            queues: (0..n).map(|_| [VecDeque::new(), VecDeque::new()]).collect(),
            credits: vec![[spec.depth; 2]; n],
            sink_fill: vec![[0; 2]; n],
            open: vec![[None; 2]; n],
            inflight: HashMap::new(),
            next_id: 1,
            boards: HashMap::new(),
            violations: Vec::new(),
            deliveries: Vec::new(),
            flits_in: 0,
            flits_out: 0,
            bad_sent: 0,
            refused: 0,
            watchdog: 2000,
            queue_limit: 64,
            idle: 0,
            base_out: 0,
            base_bad: 0,
            last_ejected: (0, 0, false, false),
        };
        tb.sim.reset(reset, 2);
        Ok(tb)
    }

    fn nodes(&self) -> usize {
        self.ports.len()
    }

    fn xy(&self, i: usize) -> (u8, u8) {
        (
            (i % self.spec.nx as usize) as u8,
            (i / self.spec.nx as usize) as u8,
        )
    }

    /// The current cycle.
    pub fn cycle(&self) -> u64 {
        self.sim.cycle()
    }

    /// Queues a packet at node `src` (`hdr.src` is set from `src`); returns its id.
    pub fn send(&mut self, src: usize, mut hdr: Header) -> u32 {
        let (sx, sy) = self.xy(src);
        hdr.src_x = sx;
        hdr.src_y = sy;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let dests = hdr.destinations(self.spec.nx as u32, self.spec.ny as u32, self.spec.depth);
        if dests.is_empty() {
            self.bad_sent += 1;
        }
        for d in &dests {
            let board = self
                .boards
                .entry(((sx, sy), *d, hdr.class))
                .or_insert_with(|| {
                    Scoreboard::ordered(format!(
                        "({sx},{sy})->({},{}) class {}",
                        d.0, d.1, hdr.class
                    ))
                });
            for k in 0..hdr.len {
                board.expect((id, k, k == 0, k + 1 == hdr.len));
            }
        }
        let p = Packet {
            id,
            hdr,
            created: self.cycle(),
            sent: 0,
            injected: 0,
        };
        if !dests.is_empty() {
            self.inflight.insert(id, (p.clone(), dests.len() as u32));
        }
        self.queues[src][hdr.class as usize].push_back(p);
        id
    }

    /// The next flit node `i` will offer: (flit index, packet length), class 0 first.
    pub fn queue_head(&self, i: usize) -> Option<(u32, u32)> {
        (0..2).find_map(|c| {
            let p = self.queues[i][c].front()?;
            (self.credits[i][c] > 0).then_some((p.sent, p.hdr.len))
        })
    }

    /// Node `i`'s injection credits per VC.
    pub fn credits_of(&self, i: usize) -> [u32; 2] {
        self.credits[i]
    }

    /// Packets queued or in the network.
    pub fn outstanding(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q[0].len() + q[1].len())
            .sum::<usize>()
            + self.inflight.len()
    }

    /// What is stuck, for the watchdog's message: the packets that entered the network (head injected)
    /// but did not reach every destination, split into unicast and multicast.
    pub fn stuck_summary(&self) -> String {
        let queued: std::collections::HashSet<u32> = self
            .queues
            .iter()
            .flat_map(|q| q.iter().flatten())
            .filter(|p| p.sent == 0)
            .map(|p| p.id)
            .collect();
        let mut ids: Vec<u32> = self
            .inflight
            .keys()
            .copied()
            .filter(|id| !queued.contains(id))
            .collect();
        ids.sort_unstable();
        let mc: Vec<String> = ids
            .iter()
            .filter(|id| self.inflight[id].0.hdr.mcast)
            .map(|id| {
                let (p, left) = &self.inflight[id];
                let h = p.hdr;
                format!(
                    "#{id} ({},{})->[{}..{}]x[{}..{}] class {} len {} ({left} destinations left)",
                    h.src_x, h.src_y, h.dst_x, h.hi_x, h.dst_y, h.hi_y, h.class, h.len
                )
            })
            .collect();
        format!(
            "in the network: {} packets, {} of them multicast{}{}",
            ids.len(),
            mc.len(),
            if mc.is_empty() { "" } else { ": " },
            mc.join(", ")
        )
    }

    fn generate(&mut self, t: &Traffic, rng: &mut impl Rng) {
        let (nx, ny) = (self.spec.nx, self.spec.ny);
        for i in 0..self.nodes() {
            for class in 0..2u8 {
                let (rate, avg_len) = if class == 0 {
                    (t.rate0, t.len0 as f64)
                } else {
                    (t.rate1, (t.len_min + t.len_max) as f64 / 2.0)
                };
                if rate <= 0.0 || !rng.gen_bool((rate / avg_len).min(1.0)) {
                    continue;
                }
                if self.queues[i][class as usize].len() >= self.queue_limit {
                    self.refused += 1;
                    continue;
                }
                let len = if class == 0 {
                    t.len0
                } else {
                    rng.gen_range(t.len_min..=t.len_max)
                };
                let src = self.xy(i);
                let hdr = if t.bad > 0.0 && rng.gen_bool(t.bad) {
                    let far = (rng.gen_range(nx..16), rng.gen_range(0..ny));
                    Header::unicast(src, far, class, len)
                } else if t.mcast > 0.0 && rng.gen_bool(t.mcast) {
                    let (a, b) = (rng.gen_range(0..nx), rng.gen_range(0..nx));
                    let (c, d) = (rng.gen_range(0..ny), rng.gen_range(0..ny));
                    Header::multicast(src, (a.min(b), c.min(d)), (a.max(b), c.max(d)), class, len)
                } else {
                    Header::unicast(src, t.pattern.dest(src, nx, ny, rng), class, len)
                };
                self.send(i, hdr);
            }
        }
    }

    /// One cycle: generate (if `traffic`), inject, eject, tick. Returns whether any flit moved.
    pub fn step(&mut self, traffic: Option<&Traffic>, rng: &mut impl Rng) -> Result<bool> {
        if let Some(t) = traffic {
            self.generate(t, rng);
        }
        let now = self.cycle();
        let consume = traffic.map_or(1.0, |t| t.consume);
        let mut moved = false;
        for i in 0..self.nodes() {
            // Injection: class 0 first, one flit per cycle, only with a credit.
            let mut chosen = None;
            for class in 0..2 {
                if chosen.is_none()
                    && self.credits[i][class] > 0
                    && !self.queues[i][class].is_empty()
                {
                    chosen = Some(class);
                }
            }
            let p = &self.ports[i];
            let (iv, ivc, ih, it, idat) =
                (p.inj_valid, p.inj_vc, p.inj_head, p.inj_tail, p.inj_data);
            match chosen {
                Some(class) => {
                    let pk = self.queues[i][class].front_mut().unwrap();
                    let k = pk.sent;
                    let (head, tail) = (k == 0, k + 1 == pk.hdr.len);
                    let low = if head { pk.hdr.pack() } else { k };
                    if head {
                        pk.injected = now;
                        if let Some(e) = self.inflight.get_mut(&pk.id) {
                            e.0.injected = now;
                        }
                    }
                    let id = pk.id;
                    pk.sent += 1;
                    if tail {
                        self.queues[i][class].pop_front();
                    }
                    self.credits[i][class] -= 1;
                    self.sim.set(iv, 1);
                    self.sim.set(ivc, class as u64);
                    self.sim.set(ih, head as u64);
                    self.sim.set(it, tail as u64);
                    self.sim.set_wide(idat, &[low, id]);
                    self.flits_in += 1;
                    moved = true;
                }
                None => {
                    self.sim.set(iv, 0);
                }
            }
            // Sink: free slots at random (back-pressure), one credit per VC per cycle.
            for vc in 0..2 {
                let give = self.sink_fill[i][vc] > 0 && (consume >= 1.0 || rng.gen_bool(consume));
                if give {
                    self.sink_fill[i][vc] -= 1;
                }
                let port = self.ports[i].ej_credit[vc];
                self.sim.set(port, give as u64);
            }
        }
        for i in 0..self.nodes() {
            for vc in 0..2 {
                let port = self.ports[i].inj_credit[vc];
                if self.sim.get(port) == 1 {
                    self.credits[i][vc] += 1;
                    if self.credits[i][vc] > self.spec.depth {
                        bail!(
                            "node {i}: router returned more VC{vc} credits than its buffer depth"
                        );
                    }
                }
            }
            let p = &self.ports[i];
            let (ev, evc, eh, et, ed) = (p.ej_valid, p.ej_vc, p.ej_head, p.ej_tail, p.ej_data);
            if self.sim.get(ev) == 1 {
                moved = true;
                let vc = self.sim.get(evc) as usize;
                let head = self.sim.get(eh) == 1;
                let tail = self.sim.get(et) == 1;
                let w = self.sim.get_wide(ed);
                self.eject(i, vc, head, tail, w[0], w[1], now)?;
            }
        }
        self.sim.step();
        self.idle = if moved { 0 } else { self.idle + 1 };
        if self.idle >= self.watchdog && self.outstanding() > 0 {
            bail!(
                "deadlock watchdog: no flit moved for {} cycles at cycle {} with {} packets outstanding; {}",
                self.idle,
                self.cycle(),
                self.outstanding(),
                self.stuck_summary()
            );
        }
        Ok(moved)
    }

    fn eject(
        &mut self,
        i: usize,
        vc: usize,
        head: bool,
        tail: bool,
        low: u32,
        id: u32,
        now: u64,
    ) -> Result<()> {
        self.flits_out += 1;
        self.sink_fill[i][vc] += 1;
        if self.sink_fill[i][vc] > self.spec.depth {
            bail!(
                "node {i}: router sent a VC{vc} flit without a credit (sink holds {})",
                self.sink_fill[i][vc]
            );
        }
        let dst = self.xy(i);
        let k = if head { 0 } else { low };
        self.last_ejected = (id, k, head, tail);
        // Wormhole: flits of one packet are contiguous on a VC.
        match (self.open[i][vc], head) {
            (Some(o), _) if o.id != id || head || o.next != k => {
                self.violations.push(format!(
                    "node {dst:?} VC{vc} cycle {now}: flit {k} of packet {id} inside packet {}",
                    o.id
                ));
            }
            (None, false) => {
                self.violations.push(format!(
                    "node {dst:?} VC{vc} cycle {now}: body flit {k} of packet {id} without a head"
                ));
            }
            _ => {}
        }
        self.open[i][vc] = if tail {
            None
        } else {
            Some(Open { id, next: k + 1 })
        };
        let Some((pk, left)) = self.inflight.get_mut(&id) else {
            self.violations.push(format!(
                "node {dst:?} cycle {now}: flit of unknown packet {id}"
            ));
            return Ok(());
        };
        let key = ((pk.hdr.src_x, pk.hdr.src_y), dst, pk.hdr.class);
        if head && low != pk.hdr.pack() {
            self.violations.push(format!(
                "node {dst:?} cycle {now}: packet {id} head header corrupted"
            ));
        }
        match self.boards.get_mut(&key) {
            Some(b) => b.observe((id, k, head, tail)),
            None => self.violations.push(format!(
                "node {dst:?} cycle {now}: packet {id} delivered to a non-destination"
            )),
        }
        if head {
            self.deliveries.push(Delivery {
                id,
                class: pk.hdr.class,
                src: (pk.hdr.src_x, pk.hdr.src_y),
                dst,
                len: pk.hdr.len,
                created: pk.created,
                injected: pk.injected,
                head_out: now,
                tail_out: now,
            });
        }
        if tail {
            if let Some(d) = self
                .deliveries
                .iter_mut()
                .rev()
                .find(|d| d.id == id && d.dst == dst)
            {
                d.tail_out = now;
            }
            *left -= 1;
            if *left == 0 {
                self.inflight.remove(&id);
            }
        }
        Ok(())
    }

    /// Runs `cycles` cycles of `traffic`.
    pub fn run(&mut self, traffic: &Traffic, cycles: u64, rng: &mut impl Rng) -> Result<()> {
        for _ in 0..cycles {
            self.step(Some(traffic), rng)?;
        }
        Ok(())
    }

    /// Stops generating and runs until every packet is delivered (the watchdog reports a deadlock).
    pub fn drain(&mut self, consume: f64, rng: &mut impl Rng) -> Result<()> {
        let t = Traffic {
            rate0: 0.0,
            rate1: 0.0,
            consume,
            ..Traffic::bulk(Pattern::Uniform, 0.0, 1)
        };
        while self.outstanding() > 0 {
            self.step(Some(&t), rng)?;
        }
        // A few more cycles so that stray flits (duplicates) would show up.
        for _ in 0..20 {
            self.step(Some(&t), rng)?;
        }
        Ok(())
    }

    /// Forgets delivered records and clears the scoreboards (after a clean [`NocTb::check`] with nothing
    /// outstanding), so that long runs keep bounded memory. Router counters keep counting: the baselines
    /// for the drop and ejection checks move with them.
    pub fn clear_records(&mut self) {
        self.boards.clear();
        self.deliveries.clear();
        self.base_out += self.flits_out;
        self.base_bad += self.bad_sent;
        self.flits_out = 0;
        self.flits_in = 0;
        self.bad_sent = 0;
    }

    /// Packets dropped by the routers (sum of the `drops` counters).
    pub fn drops(&mut self) -> u64 {
        let ports: Vec<Port> = self.ports.iter().map(|p| p.drops).collect();
        ports.into_iter().map(|p| self.sim.get(p)).sum()
    }

    /// The routers' per-output flit counters, index node * 5 + port (N, E, S, W, L0).
    pub fn flit_counters(&mut self) -> Vec<u64> {
        let ports = self.flits_ports.clone();
        ports.into_iter().map(|p| self.sim.get(p)).collect()
    }

    /// Every check of the run: scoreboards clean (nothing lost, duplicated, unexpected or reordered per
    /// (source, destination, class)), no protocol violation, drop counters equal to the bad packets sent,
    /// ejection counters equal to the flits the sinks saw.
    pub fn check(&mut self) -> Result<()> {
        let mut problems = Vec::new();
        let mut keys: Vec<_> = self.boards.keys().copied().collect();
        keys.sort();
        for k in keys {
            if let Some(r) = self.boards[&k].report() {
                problems.push(r);
            }
        }
        problems.extend(self.violations.iter().take(10).cloned());
        let drops = self.drops() - self.base_bad;
        if drops != self.bad_sent {
            problems.push(format!(
                "routers dropped {drops} packets, {} were addressed outside the mesh",
                self.bad_sent
            ));
        }
        let counters = self.flit_counters();
        let ejected: u64 =
            (0..self.nodes()).map(|i| counters[i * 5 + 4]).sum::<u64>() - self.base_out;
        if ejected != self.flits_out {
            problems.push(format!(
                "L0 flit counters say {ejected} flits ejected, the sinks saw {}",
                self.flits_out
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!(
                "NoC check failed ({} problems):\n{}",
                problems.len(),
                problems.join("\n")
            )
        }
    }
}

/// The `q` quantile (0..=1) of `v` (sorted in place); 0 for an empty slice.
pub fn quantile(v: &mut [u64], q: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * q).ceil() as usize;
    v[i.min(v.len() - 1)]
}
