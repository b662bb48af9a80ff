//! Memory models for the DMA tests (issue 7): an AXI4 slave standing for one HBM channel, with an AXI4 rule
//! checker, and an SRAM-port memory (CSRAM contract: requests and in-order responses).
//!
//! * [`Hbm`]: configurable latency (address accept to first beat, and last W beat to B), bandwidth (beats
//!   per cycle on R and on W, a token bucket), outstanding depth (AR/AW accepted and not yet answered),
//!   random back-pressure on AR/AW/W and random gaps on R/B, and error injection on address ranges (SLVERR
//!   or DECERR for the beats/bursts that touch the range; a write to an error range changes nothing).
//!   Bytes outside the memory array answer DECERR.
//! * The checker in [`Hbm`] panics (failing the test) on the first violation, naming the cycle: a master
//!   `valid` dropped or its payload changed before the handshake (AR, AW, W); a burst that is not INCR, has
//!   `size` other than the bus width, an unaligned address, or crosses a 4 KiB boundary (the 256-beat limit
//!   is the 8-bit `len`); WLAST on a beat other than the last of its burst (or missing on the last); a W beat
//!   with no burst to belong to after 16 early beats. Response ordering per ID is the slave's duty, which
//!   the model meets by construction (it serves bursts in acceptance order and answers with the request's
//!   ID). `tests/dma_engine.rs::axi_checker_catches_violations` shows each master-side check firing.
//! * [`SramPort`]: fixed latency, random back-pressure on requests, responses held until taken, word
//!   addresses (word = SRAM width), byte masks, `error` for out-of-range words and for injected ranges.
//!
//! Anchors: AMBA AXI and ACE Protocol Specification (ARM IHI 0022E), A3.2.1 handshake ("once VALID is
//! asserted it must remain asserted until the handshake"), A3.4.1 (bursts must not cross 4 KB, INCR up to 256
//! beats in AXI4), A3.4.4/A5 (read/write ordering per ID), A3.4.4 (RRESP/BRESP codes).
use crate::harness::TestRng;
use crate::sim::{Port, Sim};
use crate::stream::Agent;
use rand::Rng;
use std::collections::VecDeque;

/// AXI response codes.
pub const OKAY: u8 = 0;
pub const SLVERR: u8 = 2;
pub const DECERR: u8 = 3;

/// An address range `[lo, hi)` that answers `resp` (SLVERR or DECERR).
#[derive(Clone, Copy, Debug)]
pub struct ErrorRange {
    pub lo: u64,
    pub hi: u64,
    pub resp: u8,
    pub on_read: bool,
    pub on_write: bool,
}

/// Parameters of the HBM channel model.
#[derive(Clone, Debug)]
pub struct HbmConfig {
    /// Cycles from an accepted AR to its first R beat (and from the last W beat to B).
    pub latency: u64,
    /// Beats per cycle on each of R and W (0 < bw <= 1).
    pub bandwidth: f64,
    /// AR (and, separately, AW) accepted but not answered, at most.
    pub outstanding: usize,
    /// Probability that AR/AW/W ready is offered in a cycle.
    pub p_ready: f64,
    /// Probability that an R or B response that could be offered is offered in a cycle.
    pub p_valid: f64,
    /// Memory size in bytes (from address 0).
    pub size: usize,
    pub errors: Vec<ErrorRange>,
}

impl HbmConfig {
    /// Full rate, no back-pressure, no errors.
    pub fn ideal(latency: u64, size: usize) -> HbmConfig {
        HbmConfig {
            latency,
            bandwidth: 1.0,
            outstanding: 64,
            p_ready: 1.0,
            p_valid: 1.0,
            size,
            errors: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Addr {
    id: u64,
    addr: u64,
    len: u64,
    size: u64,
    burst: u64,
}

struct AxiPorts {
    arvalid: Port,
    arready: Port,
    arid: Port,
    araddr: Port,
    arlen: Port,
    arsize: Port,
    arburst: Port,
    rvalid: Port,
    rready: Port,
    rid: Port,
    rdata: Port,
    rresp: Port,
    rlast: Port,
    awvalid: Port,
    awready: Port,
    awid: Port,
    awaddr: Port,
    awlen: Port,
    awsize: Port,
    awburst: Port,
    wvalid: Port,
    wready: Port,
    wdata: Port,
    wstrb: Port,
    wlast: Port,
    bvalid: Port,
    bready: Port,
    bid: Port,
    bresp: Port,
}

struct ReadBurst {
    a: Addr,
    at: u64,
    beat: u64,
}

struct WriteBurst {
    a: Addr,
    beat: u64,
    resp: u8,
}

/// The AXI4 slave model with its rule checker (see the module header).
pub struct Hbm {
    pub cfg: HbmConfig,
    /// The memory array.
    pub mem: Vec<u8>,
    p: AxiPorts,
    prefix: String,
    rng: TestRng,
    bytes: usize,
    now: u64,
    reads: VecDeque<ReadBurst>,
    writes: VecDeque<WriteBurst>,
    early_w: VecDeque<(Vec<u32>, u64, bool)>,
    bq: VecDeque<(u64, u64, u8)>,
    r_tokens: f64,
    w_tokens: f64,
    r_offered: bool,
    b_offered: bool,
    ar_ready: bool,
    aw_ready: bool,
    w_ready: bool,
    prev_ar: Option<Addr>,
    prev_aw: Option<Addr>,
    prev_w: Option<(Vec<u32>, u64, bool)>,
    /// R beats and W beats transferred.
    pub r_beats: u64,
    pub w_beats: u64,
    /// Read and write bursts accepted.
    pub ar_count: u64,
    pub aw_count: u64,
    /// Largest number of reads in flight seen.
    pub max_reads_in_flight: usize,
}

impl Hbm {
    /// A model on the ports `<prefix>arvalid`, `<prefix>rdata`, ... of `sim`, with memory filled with zeros.
    pub fn new(sim: &Sim, prefix: &str, cfg: HbmConfig, rng: TestRng) -> Hbm {
        let n = |s: &str| sim.port(&format!("{prefix}{s}"));
        let p = AxiPorts {
            arvalid: n("arvalid"),
            arready: n("arready"),
            arid: n("arid"),
            araddr: n("araddr"),
            arlen: n("arlen"),
            arsize: n("arsize"),
            arburst: n("arburst"),
            rvalid: n("rvalid"),
            rready: n("rready"),
            rid: n("rid"),
            rdata: n("rdata"),
            rresp: n("rresp"),
            rlast: n("rlast"),
            awvalid: n("awvalid"),
            awready: n("awready"),
            awid: n("awid"),
            awaddr: n("awaddr"),
            awlen: n("awlen"),
            awsize: n("awsize"),
            awburst: n("awburst"),
            wvalid: n("wvalid"),
            wready: n("wready"),
            wdata: n("wdata"),
            wstrb: n("wstrb"),
            wlast: n("wlast"),
            bvalid: n("bvalid"),
            bready: n("bready"),
            bid: n("bid"),
            bresp: n("bresp"),
        };
        let bytes = (p.rdata.width() / 8) as usize;
        Hbm {
            mem: vec![0; cfg.size],
            cfg,
            p,
            prefix: prefix.to_string(),
            rng,
            bytes,
            now: 0,
            reads: VecDeque::new(),
            writes: VecDeque::new(),
            early_w: VecDeque::new(),
            bq: VecDeque::new(),
            r_tokens: 0.0,
            w_tokens: 0.0,
            r_offered: false,
            b_offered: false,
            ar_ready: false,
            aw_ready: false,
            w_ready: false,
            prev_ar: None,
            prev_aw: None,
            prev_w: None,
            r_beats: 0,
            w_beats: 0,
            ar_count: 0,
            aw_count: 0,
            max_reads_in_flight: 0,
        }
    }

    /// Bytes per beat.
    pub fn beat_bytes(&self) -> usize {
        self.bytes
    }

    /// Nothing accepted and unanswered.
    pub fn quiet(&self) -> bool {
        self.reads.is_empty()
            && self.writes.is_empty()
            && self.bq.is_empty()
            && self.early_w.is_empty()
    }

    fn fail(&self, what: String) -> ! {
        panic!(
            "AXI4 checker ({}*), cycle {}: {what}",
            self.prefix, self.now
        )
    }

    fn resp_at(&self, addr: u64, n: u64, read: bool) -> u8 {
        if addr + n > self.mem.len() as u64 {
            return DECERR;
        }
        for e in &self.cfg.errors {
            if (if read { e.on_read } else { e.on_write }) && addr < e.hi && e.lo < addr + n {
                return e.resp;
            }
        }
        OKAY
    }

    fn check_burst(&self, ch: &str, a: &Addr) {
        let size = self.bytes as u64;
        if a.burst != 1 {
            self.fail(format!(
                "{ch}: burst type {} (only INCR = 1 is allowed)",
                a.burst
            ));
        }
        if 1u64 << a.size != size {
            self.fail(format!(
                "{ch}: size {} ({} bytes) differs from the bus width ({size} bytes)",
                a.size,
                1u64 << a.size
            ));
        }
        if a.addr % size != 0 {
            self.fail(format!(
                "{ch}: address {:#x} is not aligned to {size} bytes",
                a.addr
            ));
        }
        if a.len > 255 {
            self.fail(format!("{ch}: len {} > 255 (more than 256 beats)", a.len));
        }
        let end = a.addr + (a.len + 1) * size - 1;
        if a.addr / 4096 != end / 4096 {
            self.fail(format!(
                "{ch}: burst {:#x}..={end:#x} ({} beats) crosses a 4 KiB boundary",
                a.addr,
                a.len + 1
            ));
        }
    }

    fn read_addr(&mut self, sim: &mut Sim, ar: bool) -> Addr {
        let p = &self.p;
        let (id, addr, len, size, burst) = if ar {
            (p.arid, p.araddr, p.arlen, p.arsize, p.arburst)
        } else {
            (p.awid, p.awaddr, p.awlen, p.awsize, p.awburst)
        };
        Addr {
            id: sim.get(id),
            addr: sim.get(addr),
            len: sim.get(len),
            size: sim.get(size),
            burst: sim.get(burst),
        }
    }

    fn write_beat(&mut self, a: &Addr, beat: u64, data: &[u32], strb: u64) {
        let base = (a.addr + beat * self.bytes as u64) as usize;
        for i in 0..self.bytes {
            if strb >> i & 1 == 1 {
                self.mem[base + i] = (data[i / 4] >> (8 * (i % 4))) as u8;
            }
        }
    }

    /// Takes one W beat for the oldest unfinished write burst (checks WLAST).
    fn take_w(&mut self, data: Vec<u32>, strb: u64, last: bool) {
        let Some(wb) = self.writes.iter_mut().find(|w| w.beat <= w.a.len) else {
            self.early_w.push_back((data, strb, last));
            if self.early_w.len() > 16 {
                self.fail("more than 16 W beats without a write address".into());
            }
            return;
        };
        let (a, beat) = (wb.a, wb.beat);
        wb.beat += 1;
        if last != (beat == a.len) {
            self.fail(format!(
                "WLAST = {last} on beat {beat} of a {}-beat burst at {:#x}",
                a.len + 1,
                a.addr
            ));
        }
        let bb = self.bytes as u64;
        let resp = self.resp_at(a.addr + beat * bb, bb, false);
        if resp == OKAY {
            self.write_beat(&a, beat, &data, strb);
        }
        let wb = self
            .writes
            .iter_mut()
            .find(|w| w.a == a && w.beat == beat + 1)
            .unwrap();
        if resp != OKAY && wb.resp == OKAY {
            wb.resp = resp;
        }
        if beat == a.len {
            let resp = wb.resp;
            self.bq.push_back((self.now + self.cfg.latency, a.id, resp));
        }
    }
}

impl Agent for Hbm {
    fn drive(&mut self, sim: &mut Sim) {
        let c = &self.cfg;
        self.r_tokens = (self.r_tokens + c.bandwidth).min(1.0);
        self.w_tokens = (self.w_tokens + c.bandwidth).min(1.0);
        let p_ready = c.p_ready;
        self.ar_ready = self.reads.len() < c.outstanding && self.rng.gen_bool(p_ready);
        let open_writes = self.writes.len() + self.bq.len();
        self.aw_ready = open_writes < c.outstanding && self.rng.gen_bool(p_ready);
        self.w_ready = self.w_tokens >= 1.0 && self.rng.gen_bool(p_ready);
        sim.set(self.p.arready, self.ar_ready as u64);
        sim.set(self.p.awready, self.aw_ready as u64);
        sim.set(self.p.wready, self.w_ready as u64);
        // R: the head burst's next beat, once offered held until taken.
        if !self.r_offered {
            if let Some(r) = self.reads.front() {
                if r.at <= self.now && self.r_tokens >= 1.0 && self.rng.gen_bool(self.cfg.p_valid) {
                    self.r_offered = true;
                }
            }
        }
        if self.r_offered {
            let r = self.reads.front().unwrap();
            let bb = self.bytes as u64;
            let addr = r.a.addr + r.beat * bb;
            let (a, beat) = (r.a, r.beat);
            let resp = self.resp_at(addr, bb, true);
            let mut words = vec![0u32; self.bytes / 4];
            if resp == OKAY {
                for (i, w) in words.iter_mut().enumerate() {
                    let o = addr as usize + 4 * i;
                    *w = u32::from_le_bytes(self.mem[o..o + 4].try_into().unwrap());
                }
            }
            sim.set(self.p.rvalid, 1);
            sim.set(self.p.rid, a.id);
            sim.set_wide(self.p.rdata, &words);
            sim.set(self.p.rresp, resp as u64);
            sim.set(self.p.rlast, (beat == a.len) as u64);
        } else {
            sim.set(self.p.rvalid, 0);
        }
        if !self.b_offered {
            if let Some(&(at, _, _)) = self.bq.front() {
                if at <= self.now && self.rng.gen_bool(self.cfg.p_valid) {
                    self.b_offered = true;
                }
            }
        }
        if self.b_offered {
            let (_, id, resp) = *self.bq.front().unwrap();
            sim.set(self.p.bvalid, 1);
            sim.set(self.p.bid, id);
            sim.set(self.p.bresp, resp as u64);
        } else {
            sim.set(self.p.bvalid, 0);
        }
    }

    fn sample(&mut self, sim: &mut Sim) {
        // Master-side stability: a valid not taken last cycle must still be there, unchanged.
        let arvalid = sim.get(self.p.arvalid) != 0;
        let ar = self.read_addr(sim, true);
        if let Some(prev) = self.prev_ar {
            if !arvalid || prev != ar {
                self.fail(format!(
                    "AR changed before its handshake: was {prev:?}, now valid={arvalid} {ar:?}"
                ));
            }
        }
        let awvalid = sim.get(self.p.awvalid) != 0;
        let aw = self.read_addr(sim, false);
        if let Some(prev) = self.prev_aw {
            if !awvalid || prev != aw {
                self.fail(format!(
                    "AW changed before its handshake: was {prev:?}, now valid={awvalid} {aw:?}"
                ));
            }
        }
        let wvalid = sim.get(self.p.wvalid) != 0;
        let w = (
            sim.get_wide(self.p.wdata),
            sim.get(self.p.wstrb),
            sim.get(self.p.wlast) != 0,
        );
        if let Some(prev) = &self.prev_w {
            if !wvalid || *prev != w {
                self.fail(format!(
                    "W changed before its handshake: was {prev:?}, now valid={wvalid} {w:?}"
                ));
            }
        }
        self.prev_ar = (arvalid && !self.ar_ready).then_some(ar);
        self.prev_aw = (awvalid && !self.aw_ready).then_some(aw);
        self.prev_w = (wvalid && !self.w_ready).then(|| w.clone());

        let rready = sim.get(self.p.rready) != 0;
        let bready = sim.get(self.p.bready) != 0;
        // Handshakes of this edge.
        if self.r_offered && rready {
            self.r_offered = false;
            self.r_tokens -= 1.0;
            self.r_beats += 1;
            let r = self.reads.front_mut().unwrap();
            r.beat += 1;
            if r.beat > r.a.len {
                self.reads.pop_front();
            }
        }
        if self.b_offered && bready {
            self.b_offered = false;
            self.bq.pop_front();
            let done = self.writes.iter().position(|w| w.beat > w.a.len).unwrap();
            self.writes.remove(done);
        }
        if arvalid && self.ar_ready {
            self.check_burst("AR", &ar);
            self.ar_count += 1;
            self.reads.push_back(ReadBurst {
                a: ar,
                at: self.now + 1 + self.cfg.latency,
                beat: 0,
            });
            self.max_reads_in_flight = self.max_reads_in_flight.max(self.reads.len());
        }
        if awvalid && self.aw_ready {
            self.check_burst("AW", &aw);
            self.aw_count += 1;
            self.writes.push_back(WriteBurst {
                a: aw,
                beat: 0,
                resp: OKAY,
            });
            while let Some((d, s, l)) = self.early_w.pop_front() {
                self.take_w(d, s, l);
                if self.writes.iter().all(|w| w.beat > w.a.len) {
                    break;
                }
            }
        }
        if wvalid && self.w_ready {
            self.w_tokens -= 1.0;
            self.w_beats += 1;
            self.take_w(w.0, w.1, w.2);
        }
        self.now += 1;
    }
}

/// Parameters of the SRAM-port memory.
#[derive(Clone, Debug)]
pub struct SramConfig {
    /// Cycles from an accepted request to its response being offered (>= 1).
    pub latency: u64,
    /// Probability that the request port is ready in a cycle.
    pub p_ready: f64,
    /// Words.
    pub words: usize,
    /// Word addresses `[lo, hi)` that answer `error` (a write there changes nothing).
    pub errors: Vec<(u64, u64)>,
}

/// The SRAM-port memory (see the module header). Port names: `<prefix>req_valid`, `req_ready`, `req_addr`,
/// `req_write`, `req_wdata`, `req_wmask`, `rsp_valid`, `rsp_ready`, `rsp_rdata`, `rsp_error`.
pub struct SramPort {
    pub cfg: SramConfig,
    /// Contents, bytes.
    pub mem: Vec<u8>,
    ports: [Port; 10],
    rng: TestRng,
    bytes: usize,
    now: u64,
    ready: bool,
    prev: Option<(u64, u64, Vec<u32>, u64)>,
    pipe: VecDeque<(u64, Vec<u32>, bool)>,
    offered: bool,
    /// Requests accepted (reads, writes).
    pub reads: u64,
    pub writes: u64,
}

impl SramPort {
    pub fn new(sim: &Sim, prefix: &str, cfg: SramConfig, rng: TestRng) -> SramPort {
        let names = [
            "req_valid",
            "req_ready",
            "req_addr",
            "req_write",
            "req_wdata",
            "req_wmask",
            "rsp_valid",
            "rsp_ready",
            "rsp_rdata",
            "rsp_error",
        ];
        let ports = names.map(|s| sim.port(&format!("{prefix}{s}")));
        let bytes = (ports[4].width() / 8) as usize;
        SramPort {
            mem: vec![0; cfg.words * bytes],
            cfg,
            ports,
            rng,
            bytes,
            now: 0,
            ready: false,
            prev: None,
            pipe: VecDeque::new(),
            offered: false,
            reads: 0,
            writes: 0,
        }
    }

    /// Nothing accepted and unanswered.
    pub fn quiet(&self) -> bool {
        self.pipe.is_empty()
    }
}

impl Agent for SramPort {
    fn drive(&mut self, sim: &mut Sim) {
        self.ready = self.rng.gen_bool(self.cfg.p_ready);
        sim.set(self.ports[1], self.ready as u64);
        if !self.offered {
            if let Some((at, _, _)) = self.pipe.front() {
                self.offered = *at <= self.now;
            }
        }
        if self.offered {
            let (_, d, e) = self.pipe.front().unwrap().clone();
            sim.set(self.ports[6], 1);
            sim.set_wide(self.ports[8], &d);
            sim.set(self.ports[9], e as u64);
        } else {
            sim.set(self.ports[6], 0);
        }
    }

    fn sample(&mut self, sim: &mut Sim) {
        let valid = sim.get(self.ports[0]) != 0;
        let req = (
            sim.get(self.ports[2]),
            sim.get(self.ports[3]),
            sim.get_wide(self.ports[4]),
            sim.get(self.ports[5]),
        );
        if let Some(prev) = &self.prev {
            let same = prev.0 == req.0
                && prev.1 == req.1
                && (prev.1 == 0 || (prev.2 == req.2 && prev.3 == req.3));
            if !valid || !same {
                panic!(
                    "SRAM port checker, cycle {}: request changed before its handshake: was {prev:?}, now valid={valid} {req:?}",
                    self.now
                );
            }
        }
        self.prev = (valid && !self.ready).then(|| req.clone());
        if self.offered && sim.get(self.ports[7]) != 0 {
            self.offered = false;
            self.pipe.pop_front();
        }
        if valid && self.ready {
            let (addr, write, wdata, wmask) = req;
            let bad = addr as usize >= self.cfg.words
                || self
                    .cfg
                    .errors
                    .iter()
                    .any(|&(lo, hi)| lo <= addr && addr < hi);
            let mut rdata = vec![0u32; self.bytes.div_ceil(4)];
            if write != 0 {
                self.writes += 1;
                if !bad {
                    for i in 0..self.bytes {
                        if wmask >> i & 1 == 1 {
                            self.mem[addr as usize * self.bytes + i] =
                                (wdata[i / 4] >> (8 * (i % 4))) as u8;
                        }
                    }
                }
            } else {
                self.reads += 1;
                if !bad {
                    for i in 0..self.bytes {
                        rdata[i / 4] |=
                            (self.mem[addr as usize * self.bytes + i] as u32) << (8 * (i % 4));
                    }
                }
            }
            self.pipe
                .push_back((self.now + self.cfg.latency, rdata, bad));
        }
        self.now += 1;
    }
}
