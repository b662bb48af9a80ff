//! Shared CSRAM test bench: port handles, a traffic generator, the scoreboard against
//! `tessera_model::csram::CsramModel`, and a per-cycle trace for the waveform table in docs/csram.md.
//!
//! Used by `csram_*.rs` tests and by `benches/csram.rs` (through `#[path]`).
#![allow(dead_code)]

use rand::Rng;
use std::collections::VecDeque;
use tessera_hdl::csram;
use tessera_model::config::CsramConfig;
use tessera_model::csram::{CsramModel, Request, Response};
use tessera_testbench::{Port, Sim, SimBuilder};

/// Build (or fetch from the cache) the Verilator model of the CSRAM for `cfg`.
pub fn build(cfg: &CsramConfig) -> Sim {
    // SimBuilder fails with a message naming Verilator when it is not installed.
    let v = csram::verilog(cfg).unwrap_or_else(|e| panic!("emitting the CSRAM failed: {e:#}"));
    SimBuilder::new(csram::TOP)
        .source("csram.v", v)
        .opt_level(2)
        .build()
        .unwrap_or_else(|e| panic!("building the CSRAM model failed: {e:#}"))
}

fn words_of(v: u128, n: usize) -> Vec<u32> {
    (0..n)
        .map(|i| if i < 4 { (v >> (32 * i)) as u32 } else { 0 })
        .collect()
}

fn value_of(w: &[u32]) -> u128 {
    w.iter()
        .take(4)
        .enumerate()
        .fold(0u128, |a, (i, x)| a | ((*x as u128) << (32 * i)))
}

pub fn set_u128(sim: &mut Sim, p: Port, v: u128) {
    let n = p.words();
    sim.set_wide(p, &words_of(v, n));
}

pub fn get_u128(sim: &mut Sim, p: Port) -> u128 {
    let w = sim.get_wide(p);
    value_of(&w)
}

/// The ports of one requestor.
pub struct PortIo {
    pub valid: Port,
    pub ready: Port,
    pub addr: Port,
    pub write: Port,
    pub wdata: Port,
    pub wmask: Port,
    pub rvalid: Port,
    pub rready: Port,
    pub rdata: Port,
    pub error: Port,
    pub count_access: Port,
    pub count_stall: Port,
}

/// The CSRAM under test with its handles.
pub struct Dut {
    pub sim: Sim,
    pub cfg: CsramConfig,
    pub ports: Vec<PortIo>,
    pub reset: Port,
    pub fault: Port,
    pub corrected: Port,
    pub uncorrected: Port,
}

impl Dut {
    pub fn new(cfg: &CsramConfig) -> Dut {
        let sim = build(cfg);
        Dut::attach(sim, cfg)
    }

    pub fn attach(sim: Sim, cfg: &CsramConfig) -> Dut {
        let ports = (0..cfg.ports)
            .map(|p| PortIo {
                valid: sim.port(&format!("req_{p}_valid")),
                ready: sim.port(&format!("req_{p}_ready")),
                addr: sim.port(&format!("req_{p}_addr")),
                write: sim.port(&format!("req_{p}_write")),
                wdata: sim.port(&format!("req_{p}_wdata")),
                wmask: sim.port(&format!("req_{p}_wmask")),
                rvalid: sim.port(&format!("rsp_{p}_valid")),
                rready: sim.port(&format!("rsp_{p}_ready")),
                rdata: sim.port(&format!("rsp_{p}_rdata")),
                error: sim.port(&format!("rsp_{p}_error")),
                count_access: sim.port(&format!("count_access_{p}")),
                count_stall: sim.port(&format!("count_stall_{p}")),
            })
            .collect();
        let mut d = Dut {
            reset: sim.port("reset"),
            fault: sim.port("fault_flip"),
            corrected: sim.port("count_corrected"),
            uncorrected: sim.port("count_uncorrected"),
            sim,
            cfg: cfg.clone(),
            ports,
        };
        d.idle();
        let r = d.reset;
        d.sim.reset(r, 1);
        d
    }

    /// All inputs low (no request, no response taken, no fault).
    pub fn idle(&mut self) {
        for i in 0..self.ports.len() {
            let (v, rr) = (self.ports[i].valid, self.ports[i].rready);
            self.sim.set(v, 0);
            self.sim.set(rr, 0);
        }
        let f = self.fault;
        set_u128(&mut self.sim, f, 0);
    }

    pub fn drive_req(&mut self, p: usize, r: Option<&Request>) {
        let io = &self.ports[p];
        let (valid, addr, write, wdata, wmask) = (io.valid, io.addr, io.write, io.wdata, io.wmask);
        match r {
            None => self.sim.set(valid, 0),
            Some(r) => {
                self.sim.set(valid, 1);
                self.sim.set(addr, r.addr as u64);
                self.sim.set(write, r.write as u64);
                set_u128(&mut self.sim, wdata, r.wdata);
                self.sim.set(wmask, r.wmask as u64);
            }
        }
    }
}

/// Traffic shape.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Probability that an idle port raises a new request in a cycle.
    pub p_valid: f64,
    /// Probability that a response sink is ready in a cycle.
    pub p_ready: f64,
    /// Fraction of writes.
    pub p_write: f64,
    /// Fraction of writes with a partial byte mask.
    pub p_partial: f64,
    /// Addresses are drawn from 0..span (span may exceed the memory to test range errors).
    pub span: u32,
    /// Fraction of addresses drawn beyond the memory (range errors).
    pub p_oob: f64,
}

/// One cycle of the trace (for the waveform walk-through).
#[derive(Clone, Debug, Default)]
pub struct TraceRow {
    pub cycle: u64,
    /// Per port: (req valid, req ready, addr, write, rsp valid, rsp ready, rdata, error).
    pub ports: Vec<(bool, bool, u32, bool, bool, bool, u128, bool)>,
}

/// Statistics of a run.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub cycles: u64,
    pub accepted: Vec<u64>,
    pub responses: Vec<u64>,
    /// Sum over accepted requests of (accept cycle - first valid cycle + latency to response).
    pub latency_sum: Vec<u64>,
    pub latency_max: u64,
    pub expected_stall: Vec<u64>,
}

/// Drives random traffic with random gaps and back-pressure for `cycles` cycles, then drains,
/// checking every response against the model, the stream rules and the counters.
/// `gen` makes the next request of port p.
pub struct Bench<'a> {
    pub dut: &'a mut Dut,
    pub model: CsramModel,
    pub expect: Vec<VecDeque<(Response, u64)>>,
    pub pending: Vec<Option<(Request, u64)>>,
    pub stats: RunStats,
    pub trace: Option<Vec<TraceRow>>,
    held_rsp: Vec<Option<(u128, bool)>>,
    outstanding: Vec<u64>,
    /// The last response taken on each port.
    pub last_response: Vec<Response>,
}

impl<'a> Bench<'a> {
    pub fn new(dut: &'a mut Dut) -> Bench<'a> {
        let p = dut.cfg.ports as usize;
        let model = CsramModel::new(&dut.cfg);
        Bench {
            dut,
            model,
            expect: vec![VecDeque::new(); p],
            pending: vec![None; p],
            stats: RunStats {
                accepted: vec![0; p],
                responses: vec![0; p],
                latency_sum: vec![0; p],
                expected_stall: vec![0; p],
                ..Default::default()
            },
            trace: None,
            held_rsp: vec![None; p],
            outstanding: vec![0; p],
            last_response: vec![Response::default(); p],
        }
    }

    /// One clock cycle. `new_req(p)` is asked for a request when port p is idle; `ready(p)`
    /// says whether port p's response sink takes a response this cycle; `fault` is the
    /// fault-injection mask for this cycle.
    pub fn cycle(
        &mut self,
        new_req: &mut dyn FnMut(usize) -> Option<Request>,
        ready: &mut dyn FnMut(usize) -> bool,
        fault: u128,
    ) {
        let np = self.dut.cfg.ports as usize;
        let cyc = self.dut.sim.cycle();
        let f = self.dut.fault;
        set_u128(&mut self.dut.sim, f, fault);
        let mut readys = vec![false; np];
        for p in 0..np {
            if self.pending[p].is_none() {
                if let Some(r) = new_req(p) {
                    self.pending[p] = Some((r, cyc));
                }
            }
            let r = self.pending[p].map(|(r, _)| r);
            self.dut.drive_req(p, r.as_ref());
            readys[p] = ready(p);
            let rr = self.dut.ports[p].rready;
            self.dut.sim.set(rr, readys[p] as u64);
        }
        self.dut.sim.eval();
        let mut row = TraceRow {
            cycle: cyc,
            ..Default::default()
        };
        for p in 0..np {
            let io = &self.dut.ports[p];
            let (ready_p, rvalid_p, rdata_p, err_p) = (io.ready, io.rvalid, io.rdata, io.error);
            let req_ready = self.dut.sim.get(ready_p) == 1;
            let rvalid = self.dut.sim.get(rvalid_p) == 1;
            let rdata = get_u128(&mut self.dut.sim, rdata_p);
            let error = self.dut.sim.get(err_p) == 1;
            // Stream rule on the response: once valid, it holds its payload until taken.
            if let Some(held) = self.held_rsp[p] {
                assert!(
                    rvalid,
                    "port {p} cycle {cyc}: response valid dropped before it was taken"
                );
                assert_eq!(
                    (rdata, error),
                    held,
                    "port {p} cycle {cyc}: response payload changed while waiting"
                );
            }
            self.held_rsp[p] = (rvalid && !readys[p]).then_some((rdata, error));
            let pend = self.pending[p];
            if pend.is_some() && self.outstanding[p] < csram::RSP_DEPTH && !req_ready {
                self.stats.expected_stall[p] += 1;
            }
            if req_ready {
                let (r, since) = pend.unwrap_or_else(|| {
                    panic!("port {p} cycle {cyc}: ready without valid is fine, but nothing pending")
                });
                // Accept: apply to the model in acceptance order.
                let resp = self.model.access(&r, fault);
                self.expect[p].push_back((resp, since));
                self.pending[p] = None;
                self.stats.accepted[p] += 1;
                self.outstanding[p] += 1;
            }
            if rvalid && readys[p] {
                let (want, since) = self.expect[p].pop_front().unwrap_or_else(|| {
                    panic!(
                        "port {p} cycle {cyc}: response without a request (duplicate or spurious)"
                    )
                });
                assert_eq!(
                    Response { rdata, error },
                    want,
                    "port {p} cycle {cyc}: response differs from the model (lost, reordered or wrong data)"
                );
                self.last_response[p] = want;
                let lat = cyc - since;
                self.stats.latency_sum[p] += lat;
                self.stats.latency_max = self.stats.latency_max.max(lat);
                self.stats.responses[p] += 1;
                self.outstanding[p] -= 1;
            }
            let (addr, write) = pend.map_or((0, false), |(r, _)| (r.addr, r.write));
            row.ports.push((
                pend.is_some(),
                req_ready,
                addr,
                write,
                rvalid,
                readys[p],
                rdata,
                error,
            ));
        }
        if let Some(t) = self.trace.as_mut() {
            t.push(row);
        }
        // A request with ready but not valid cannot be accepted; check ready never fires without a
        // pending request being consumed (done above), then clock.
        self.dut.sim.step();
        self.stats.cycles += 1;
    }

    /// Run until every request has been answered (all sinks ready), at most `max` cycles.
    pub fn drain(&mut self, max: u64) {
        let mut n = 0;
        while self.pending.iter().any(|p| p.is_some()) || self.expect.iter().any(|q| !q.is_empty())
        {
            assert!(
                n < max,
                "drain: responses missing after {max} cycles: {:?}",
                self.expect
            );
            self.cycle(&mut |_| None, &mut |_| true, 0);
            n += 1;
        }
    }

    /// Issue one request on port `p` with `fault` held on the fault-injection input until its
    /// response is taken (so a read-modify-write's late write sees the same mask).
    pub fn run_one(&mut self, p: usize, r: Request, fault: u128) -> Response {
        let mut sent = false;
        let before = self.stats.responses[p];
        let mut n = 0;
        while self.stats.responses[p] == before {
            assert!(n < 50, "port {p}: no response to {r:?}");
            self.cycle(
                &mut |q| {
                    if q == p && !sent {
                        sent = true;
                        Some(r)
                    } else {
                        None
                    }
                },
                &mut |_| true,
                fault,
            );
            n += 1;
        }
        self.last_response[p]
    }

    /// Check the hardware counters against what the bench saw.
    pub fn check_counters(&mut self) {
        for p in 0..self.dut.cfg.ports as usize {
            let (ca, cs) = (
                self.dut.ports[p].count_access,
                self.dut.ports[p].count_stall,
            );
            assert_eq!(
                self.dut.sim.get(ca),
                self.stats.accepted[p],
                "count_access[{p}]"
            );
            assert_eq!(
                self.dut.sim.get(cs),
                self.stats.expected_stall[p],
                "count_stall[{p}]"
            );
        }
        let (c, u) = (self.dut.corrected, self.dut.uncorrected);
        assert_eq!(
            self.dut.sim.get(c),
            self.model.ecc.corrected,
            "count_corrected"
        );
        assert_eq!(
            self.dut.sim.get(u),
            self.model.ecc.uncorrected,
            "count_uncorrected"
        );
    }
}

/// A random request following `t` for a memory of `cfg`.
pub fn random_request(rng: &mut impl Rng, cfg: &CsramConfig, t: &Traffic) -> Request {
    let words = cfg.banks * cfg.depth;
    let addr = if rng.gen_bool(t.p_oob) {
        rng.gen_range(words..=u32::MAX)
    } else {
        rng.gen_range(0..t.span.min(words))
    };
    let write = rng.gen_bool(t.p_write);
    let full = (1u64 << (cfg.width / 8)) - 1;
    let wmask = if write && rng.gen_bool(t.p_partial) {
        rng.gen_range(0..=full) as u32
    } else {
        full as u32
    };
    let wdata: u128 = rng.gen::<u128>()
        & if cfg.width == 128 {
            u128::MAX
        } else {
            (1u128 << cfg.width) - 1
        };
    Request {
        addr,
        write,
        wdata: if write { wdata } else { 0 },
        wmask: if write { wmask } else { 0 },
    }
}
