//! The common stream cells' Verilog under Verilator, against reference models, with random valid gaps and
//! random back-pressure: no item lost, duplicated or reordered; the FIFO's fill count, full and empty exact;
//! the arbiter and the mux fair (a requester that keeps asking waits at most N-1 grants); fork and join deliver
//! every item once per output. Throughput is counted (transfers per cycle), never timed.
//!
//! Each cycle of a test: drive the inputs, read the outputs (settled), check them against the model, decide
//! the transfers of the coming clock edge (valid & ready), update the model, clock.
//! Seeds are printed; `TESSERA_SEED=<n>` reproduces a run and a failing run is re-run with a VCD.
use rand::{Rng, SeedableRng};
use rust_hdl::prelude::*;
use tessera_hdl::common::*;
use tessera_testbench::{
    cycle, run_test, Agent, Port, Scoreboard, Sim, SimBuilder, Stream, StreamDriver, StreamSink,
    TestRng,
};

// ---------------------------------------------------------------------------------------------------------
// Emission and port names.

/// A rust-hdl name as it appears in the emitted Verilog (the emitter turns `$` into `_`).
fn vname(rust_hdl_name: &str) -> String {
    rust_hdl_name.replace('$', "_")
}

/// The Verilog of a cell as `tessera generate` writes it (Tessera's emitter), top module `top`.
fn emit<U: Block>(mut uut: U) -> String {
    tessera_hdl::emit::emit_verilog("top", &mut uut)
        .unwrap_or_else(|e| panic!("emitting failed: {e:#}"))
}

fn builder(name: &str, verilog: String) -> SimBuilder {
    SimBuilder::new("top").source(format!("{name}.v"), verilog)
}

/// The stream port named `prefix` (e.g. `upstream`, `downstream$1`), payload `data` only.
fn stream(sim: &Sim, prefix: &str) -> Stream {
    let n = |f: &str| vname(&format!("{prefix}${f}"));
    Stream::new(sim, &n("valid"), &n("ready"), &[&n("data")])
}

/// The handshake of a stream: (valid, ready), as settled before the coming edge.
fn handshake(sim: &mut Sim, s: &Stream) -> (bool, bool) {
    (sim.get(s.valid) != 0, sim.get(s.ready) != 0)
}

/// Probability pairs (p_valid, p_ready) the random tests walk through, one phase each: free flow,
/// balanced, mostly stalled output (fills queues), mostly idle input (drains them), very bursty.
const PHASES: [(f64, f64); 5] = [(1.0, 1.0), (0.5, 0.5), (0.9, 0.2), (0.2, 0.9), (0.1, 0.1)];

fn reset_with_inputs_idle(sim: &mut Sim, inputs: &[&Stream]) {
    let clock = sim.port("clock");
    sim.set_clock(clock);
    for s in inputs {
        sim.set(s.valid, 0);
    }
    let reset = sim.port("reset");
    sim.reset(reset, 1);
}

// ---------------------------------------------------------------------------------------------------------
// Skid buffer and FIFO: an exact occupancy model.

/// Checks a queue-like cell of capacity `depth` every cycle against an occupancy model:
/// `downstream.valid` = held > 0, `upstream.ready` = held < depth, `fill` (when present) = held.
/// Item values, order, loss and duplication are the scoreboard's job.
struct QueueChecker {
    up: Stream,
    down: Stream,
    fill: Option<Port>,
    depth: usize,
    held: usize,
    seen_full: bool,
}

impl Agent for QueueChecker {
    fn drive(&mut self, _sim: &mut Sim) {}

    fn sample(&mut self, sim: &mut Sim) {
        let c = sim.cycle();
        let (in_valid, in_ready) = handshake(sim, &self.up);
        let (out_valid, out_ready) = handshake(sim, &self.down);
        assert_eq!(
            out_valid,
            self.held > 0,
            "cycle {c}: downstream.valid with {} items held",
            self.held
        );
        assert_eq!(
            in_ready,
            self.held < self.depth,
            "cycle {c}: upstream.ready with {}/{} held",
            self.held,
            self.depth
        );
        if let Some(fill) = self.fill {
            assert_eq!(sim.get(fill) as usize, self.held, "cycle {c}: fill count");
        }
        self.seen_full |= self.held == self.depth;
        self.held = self.held + (in_valid && in_ready) as usize - (out_valid && out_ready) as usize;
    }
}

/// Random traffic through a queue-like cell, phase by phase (see [`PHASES`]), then a full drain; every
/// item sent must come out once, in order, and the cell must have been full at least once.
fn queue_random(
    sim: &mut Sim,
    rng: &mut TestRng,
    depth: usize,
    fill: Option<Port>,
    per_phase: usize,
) {
    let up = stream(sim, "upstream");
    let down = stream(sim, "downstream");
    reset_with_inputs_idle(sim, &[&up]);
    let width = up.width();
    let mut board = Scoreboard::ordered(format!("queue of depth {depth}"));
    let mut checker = QueueChecker {
        up: up.clone(),
        down: down.clone(),
        fill,
        depth,
        held: 0,
        seen_full: false,
    };
    for (p_valid, p_ready) in PHASES {
        let mut driver = StreamDriver::new(up.clone(), rng).valid_probability(p_valid);
        let mut sink = StreamSink::new(down.clone(), rng).ready_probability(p_ready);
        for _ in 0..per_phase {
            let v = rng.gen::<u64>() & ((1u64 << width) - 1);
            driver.push_u64(v);
            board.expect(v);
        }
        let start = sim.cycle();
        while !driver.idle() {
            assert!(
                sim.cycle() - start < 200 * per_phase as u64,
                "queue phase ({p_valid}, {p_ready}): no progress"
            );
            cycle(sim, &mut [&mut driver, &mut sink, &mut checker]);
        }
        board.observe_all(sink.received_u64());
    }
    // Drain with a free-flowing sink.
    let mut sink = StreamSink::new(down.clone(), rng).ready_probability(1.0);
    let mut idle = StreamDriver::new(up.clone(), rng);
    for _ in 0..depth + 1 {
        cycle(sim, &mut [&mut idle, &mut sink, &mut checker]);
    }
    assert_eq!(
        checker.held,
        0,
        "queue drain: items left after {} free-flowing cycles",
        depth + 1
    );
    board.observe_all(sink.received_u64());
    board.check();
    assert!(
        checker.seen_full,
        "the random traffic never filled the cell: 'full' was not covered"
    );
}

/// Fills the cell with a few items, pulses reset for one cycle, and checks the documented idle state
/// (nothing valid, ready high, fill 0); then checks that the cell works again.
fn queue_reset(sim: &mut Sim, fill: Option<Port>) {
    let up = stream(sim, "upstream");
    let down = stream(sim, "downstream");
    let (data_in, data_out) = (up.data[0], down.data[0]);
    reset_with_inputs_idle(sim, &[&up]);
    let reset = sim.port("reset");
    sim.set(down.ready, 0);
    sim.set(up.valid, 1);
    for i in 0..3 {
        sim.set(data_in, 0x40 + i);
        sim.step();
    }
    sim.set(up.valid, 0);
    assert_eq!(
        sim.get(down.valid),
        1,
        "items were written before the reset"
    );
    sim.reset(reset, 1);
    assert_eq!(
        sim.get(down.valid),
        0,
        "downstream.valid after one cycle of reset"
    );
    assert_eq!(
        sim.get(up.ready),
        1,
        "upstream.ready after one cycle of reset"
    );
    if let Some(fill) = fill {
        assert_eq!(sim.get(fill), 0, "fill after one cycle of reset");
    }
    sim.set(up.valid, 1);
    sim.set(data_in, 0x5a);
    sim.step();
    sim.set(up.valid, 0);
    assert_eq!(
        (sim.get(down.valid), sim.get(data_out)),
        (1, 0x5a),
        "first item after reset"
    );
}

/// Free flow: the input always offers, the output is always ready. Counts transfers over `cycles` cycles:
/// the promise is `cycles` in and `cycles - latency` out, in order.
fn queue_throughput(sim: &mut Sim, latency: u64, cycles: u64) {
    let up = stream(sim, "upstream");
    let down = stream(sim, "downstream");
    reset_with_inputs_idle(sim, &[&up]);
    let mut driver =
        StreamDriver::new(up.clone(), &mut TestRng::seed_from_u64(1)).valid_probability(1.0);
    for i in 0..cycles + 8 {
        driver.push_u64(i & 0xff);
    }
    let mut sink =
        StreamSink::new(down.clone(), &mut TestRng::seed_from_u64(2)).ready_probability(1.0);
    for _ in 0..cycles {
        cycle(sim, &mut [&mut driver, &mut sink]);
    }
    let (ins, outs) = (driver.sent(), sink.received().len() as u64);
    println!("throughput: {ins} in, {outs} out in {cycles} cycles");
    assert_eq!(
        ins, cycles,
        "input transfers in {cycles} free-flowing cycles (promised: 1 per cycle)"
    );
    assert_eq!(
        outs,
        cycles - latency,
        "output transfers in {cycles} free-flowing cycles (1 per cycle after {latency})"
    );
    let expect: Vec<u64> = (0..outs).map(|i| i & 0xff).collect();
    assert_eq!(sink.received_u64(), expect, "free-flow order");
}

#[test]
fn skid_buffer_random() {
    let b = builder("skid_w8", emit(SkidBuffer::<8>::default()));
    run_test("skid_buffer_random", &b, |sim, rng| {
        queue_random(sim, rng, 2, None, 600)
    });
}

#[test]
fn skid_buffer_reset_and_throughput() {
    let b = builder("skid_w8", emit(SkidBuffer::<8>::default()));
    run_test("skid_buffer_reset", &b, |sim, _| queue_reset(sim, None));
    run_test("skid_buffer_throughput", &b, |sim, _| {
        queue_throughput(sim, 1, 500)
    });
}

#[test]
fn sync_fifo_random() {
    let b = builder("fifo_w8_d4", emit(SyncFifo::<8, 2, 3>::new()));
    run_test("sync_fifo_d4_random", &b, |sim, rng| {
        let fill = sim.port("fill");
        queue_random(sim, rng, 4, Some(fill), 600)
    });
    let b = builder("fifo_w12_d2", emit(SyncFifo::<12, 1, 2>::new()));
    run_test("sync_fifo_d2_random", &b, |sim, rng| {
        let fill = sim.port("fill");
        queue_random(sim, rng, 2, Some(fill), 400)
    });
}

#[test]
fn sync_fifo_reset_and_throughput() {
    let b = builder("fifo_w8_d4", emit(SyncFifo::<8, 2, 3>::new()));
    run_test("sync_fifo_reset", &b, |sim, _| {
        let fill = sim.port("fill");
        queue_reset(sim, Some(fill))
    });
    run_test("sync_fifo_throughput", &b, |sim, _| {
        queue_throughput(sim, 1, 500)
    });
}

// ---------------------------------------------------------------------------------------------------------
// Round-robin arbiter: an exact reference model, plus the fairness bound measured on its own.

/// Reference round-robin arbiter with lock-in, as documented in `rr_arbiter.rs`.
struct RrModel {
    n: usize,
    last: usize,
    locked: Option<usize>,
}

impl RrModel {
    fn new(n: usize) -> Self {
        RrModel {
            n,
            last: n - 1,
            locked: None,
        }
    }

    fn grant(&self, request: &[bool]) -> Option<usize> {
        if let Some(l) = self.locked {
            if request[l] {
                return Some(l);
            }
        }
        (1..=self.n)
            .map(|k| (self.last + k) % self.n)
            .find(|&i| request[i])
    }

    fn clock(&mut self, request: &[bool], accept: bool) {
        match self.grant(request) {
            Some(g) if accept => {
                self.last = g;
                self.locked = None;
            }
            Some(g) => self.locked = Some(g),
            None => self.locked = None,
        }
    }
}

/// Counts, for every requester that keeps asking, how many grants went to others since it started asking;
/// the promise is at most N-1.
struct Fairness {
    waiting_for: Vec<Option<usize>>,
    worst: usize,
}

impl Fairness {
    fn new(n: usize) -> Self {
        Fairness {
            waiting_for: vec![None; n],
            worst: 0,
        }
    }

    /// One clock edge: `asking[i]` held the request, `served` got the accepted grant (if any).
    fn clock(&mut self, what: &str, cycle: u64, asking: &[bool], served: Option<usize>) {
        let n = asking.len();
        for i in 0..n {
            if !asking[i] {
                self.waiting_for[i] = None;
                continue;
            }
            let waited = self.waiting_for[i].get_or_insert(0);
            if served == Some(i) {
                self.waiting_for[i] = None;
            } else if served.is_some() {
                *waited += 1;
                self.worst = self.worst.max(*waited);
                assert!(*waited < n, "{what}: cycle {cycle}: requester {i} passed over {waited} times (bound N-1 = {})", n - 1);
            }
        }
    }
}

/// Drives the arbiter with random requests and accepts and compares every output with [`RrModel`].
/// `sticky`: a request stays up until it is served (stream behaviour, where fairness is measured);
/// otherwise requests come and go at random (exercises a lock whose requester left).
fn arbiter_random(sim: &mut Sim, rng: &mut TestRng, n: usize, cycles: u64, sticky: bool) {
    let clock = sim.port("clock");
    sim.set_clock(clock);
    let reset = sim.port("reset");
    let request: Vec<Port> = (0..n)
        .map(|i| sim.port(&vname(&format!("request${i}"))))
        .collect();
    let grant: Vec<Port> = (0..n)
        .map(|i| sim.port(&vname(&format!("grant${i}"))))
        .collect();
    let (accept, grant_index, grant_valid) = (
        sim.port("accept"),
        sim.port("grant_index"),
        sim.port("grant_valid"),
    );
    for &r in &request {
        sim.set(r, 0);
    }
    sim.reset(reset, 1);
    let mut model = RrModel::new(n);
    let mut fair = Fairness::new(n);
    let mut asking = vec![false; n];
    let mut grants = vec![0u64; n];
    for c in 0..cycles {
        let p_request = [0.05, 0.3, 0.9][(c / 500 % 3) as usize];
        for i in 0..n {
            if !(sticky && asking[i]) {
                asking[i] = rng.gen_bool(p_request);
            }
            sim.set(request[i], asking[i] as u64);
        }
        let seen = asking.clone();
        let acc = rng.gen_bool(0.6);
        sim.set(accept, acc as u64);
        let expect = model.grant(&asking);
        let got_valid = sim.get(grant_valid) != 0;
        let got: Vec<bool> = grant.iter().map(|&g| sim.get(g) != 0).collect();
        let onehot: Vec<bool> = (0..n).map(|i| expect == Some(i)).collect();
        assert_eq!(
            got_valid,
            expect.is_some(),
            "cycle {c}: grant_valid for requests {asking:?}"
        );
        assert_eq!(
            got, onehot,
            "cycle {c}: grant for requests {asking:?} (model: {expect:?})"
        );
        if let Some(g) = expect {
            assert_eq!(sim.get(grant_index) as usize, g, "cycle {c}: grant_index");
        }
        let served = expect.filter(|_| acc);
        if let Some(g) = served {
            grants[g] += 1;
        }
        if sticky {
            fair.clock("arbiter", c, &asking, served);
            if let Some(g) = served {
                asking[g] = false;
            }
        }
        model.clock(&seen, acc);
        sim.step();
    }
    println!(
        "arbiter n={n} sticky={sticky}: grants per requester {grants:?}, worst wait {} grants{}",
        fair.worst,
        if sticky {
            ""
        } else {
            " (not measured: requests come and go)"
        }
    );
    assert!(
        grants.iter().all(|&g| g > 0),
        "some requester was never served: {grants:?}"
    );
}

#[test]
fn rr_arbiter_random_against_model() {
    for (n, name) in [(2usize, "arb_n2"), (5, "arb_n5")] {
        let verilog = if n == 2 {
            emit(RoundRobinArbiter::<1>::new(2))
        } else {
            emit(RoundRobinArbiter::<3>::new(5))
        };
        let b = builder(name, verilog);
        run_test(&format!("rr_arbiter_n{n}_sticky"), &b, |sim, rng| {
            arbiter_random(sim, rng, n, 3000, true)
        });
        run_test(&format!("rr_arbiter_n{n}_free"), &b, |sim, rng| {
            arbiter_random(sim, rng, n, 3000, false)
        });
    }
}

// ---------------------------------------------------------------------------------------------------------
// Stream mux: items tagged with their source; index, order per source, fairness, and the RR choice.

/// Checks the mux every cycle: output valid iff some input is valid, the chosen input is the reference
/// arbiter's, only the chosen input sees `ready` (and only when the output is ready), and the fairness bound.
struct MuxChecker {
    ups: Vec<Stream>,
    down: Stream,
    index: Port,
    model: RrModel,
    fair: Fairness,
    served: Vec<u64>,
}

impl Agent for MuxChecker {
    fn drive(&mut self, _sim: &mut Sim) {}

    fn sample(&mut self, sim: &mut Sim) {
        let c = sim.cycle();
        let hs: Vec<(bool, bool)> = self.ups.iter().map(|s| handshake(sim, s)).collect();
        let valid: Vec<bool> = hs.iter().map(|h| h.0).collect();
        let (out_valid, out_ready) = handshake(sim, &self.down);
        let expect = self.model.grant(&valid);
        assert_eq!(
            out_valid,
            expect.is_some(),
            "cycle {c}: downstream.valid for input valids {valid:?}"
        );
        if let Some(g) = expect {
            assert_eq!(
                sim.get(self.index) as usize,
                g,
                "cycle {c}: index (round-robin choice) for {valid:?}"
            );
        }
        for (i, &(_, ready)) in hs.iter().enumerate() {
            assert_eq!(
                ready,
                expect == Some(i) && out_ready,
                "cycle {c}: upstream[{i}].ready"
            );
        }
        let served = expect.filter(|_| out_ready);
        if let Some(g) = served {
            self.served[g] += 1;
        }
        self.fair.clock("mux", c, &valid, served);
        self.model.clock(&valid, out_ready);
    }
}

const TAG_SHIFT: u32 = 12;

/// Returns the items served per input and the cycles taken after reset.
fn mux_random(
    sim: &mut Sim,
    rng: &mut TestRng,
    n: usize,
    per_input: usize,
    p_valid: f64,
    p_ready: f64,
) -> (Vec<u64>, u64) {
    let ups: Vec<Stream> = (0..n)
        .map(|i| stream(sim, &format!("upstream${i}")))
        .collect();
    let index = sim.port("index");
    let down = stream(sim, "downstream");
    reset_with_inputs_idle(sim, &ups.iter().collect::<Vec<_>>());
    // The sink sees {index, data} as one payload, so its stream-rule check covers the index too.
    let down_with_index = Stream {
        valid: down.valid,
        ready: down.ready,
        data: vec![down.data[0], index],
    };
    let width = down.width();
    let mut drivers: Vec<StreamDriver> = ups
        .iter()
        .map(|s| StreamDriver::new(s.clone(), rng).valid_probability(p_valid))
        .collect();
    let mut boards: Vec<Scoreboard<u64>> = (0..n)
        .map(|i| Scoreboard::ordered(format!("mux input {i}")))
        .collect();
    for (i, d) in drivers.iter_mut().enumerate() {
        for k in 0..per_input {
            let v = ((i as u64) << TAG_SHIFT) | (k as u64 & ((1 << TAG_SHIFT) - 1));
            d.push_u64(v);
            boards[i].expect(v);
        }
    }
    let mut sink = StreamSink::new(down_with_index, rng).ready_probability(p_ready);
    let mut checker = MuxChecker {
        ups,
        down,
        index,
        model: RrModel::new(n),
        fair: Fairness::new(n),
        served: vec![0; n],
    };
    let limit = 100 * (n * per_input) as u64;
    let start = sim.cycle();
    loop {
        if drivers.iter().all(|d| d.idle()) {
            break;
        }
        assert!(
            sim.cycle() - start < limit,
            "mux: no progress after {limit} cycles"
        );
        let mut agents: Vec<&mut dyn Agent> =
            drivers.iter_mut().map(|d| d as &mut dyn Agent).collect();
        agents.push(&mut sink);
        agents.push(&mut checker);
        cycle(sim, &mut agents);
    }
    for item in sink.received_u64() {
        let (data, idx) = (item & ((1 << width) - 1), (item >> width) as usize);
        assert_eq!(
            (data >> TAG_SHIFT) as usize,
            idx,
            "item {data:#x} came out with index {idx}"
        );
        boards[idx].observe(data);
    }
    for b in &boards {
        b.check();
    }
    println!(
        "mux n={n}: worst wait {} grants, served {:?}",
        checker.fair.worst, checker.served
    );
    (checker.served, sim.cycle() - start)
}

#[test]
fn stream_mux_random() {
    let b = builder("mux_w16_n3", emit(StreamMux::<16, 2>::new(3)));
    for (k, (p_valid, p_ready)) in PHASES.into_iter().enumerate() {
        run_test(&format!("stream_mux_random_{k}"), &b, |sim, rng| {
            mux_random(sim, rng, 3, 300, p_valid, p_ready);
        });
    }
}

#[test]
fn stream_mux_throughput() {
    // All inputs always valid, output always ready: one transfer per cycle, shared exactly round robin.
    let b = builder("mux_w16_n3", emit(StreamMux::<16, 2>::new(3)));
    run_test("stream_mux_throughput", &b, |sim, rng| {
        let (served, cycles) = mux_random(sim, rng, 3, 200, 1.0, 1.0);
        let total: u64 = served.iter().sum();
        println!("mux throughput: {total} transfers in {cycles} cycles, per input {served:?}");
        assert_eq!(total, 600, "transfers");
        assert_eq!(
            cycles, 600,
            "600 items through a free-flowing mux (promised: 1 per cycle)"
        );
        assert_eq!(
            served,
            vec![200, 200, 200],
            "free-flowing inputs share the output exactly"
        );
    });
}

// ---------------------------------------------------------------------------------------------------------
// Stream fork: every output gets every item once, in order; the input is consumed once all have it.

struct ForkChecker {
    up: Stream,
    downs: Vec<Stream>,
    sent: Vec<bool>,
    consumed: u64,
}

impl Agent for ForkChecker {
    fn drive(&mut self, _sim: &mut Sim) {}

    fn sample(&mut self, sim: &mut Sim) {
        let c = sim.cycle();
        let (in_valid, in_ready) = handshake(sim, &self.up);
        let hs: Vec<(bool, bool)> = self.downs.iter().map(|s| handshake(sim, s)).collect();
        for (i, &(v, _)) in hs.iter().enumerate() {
            assert_eq!(
                v,
                in_valid && !self.sent[i],
                "cycle {c}: downstream[{i}].valid (taken already: {})",
                self.sent[i]
            );
        }
        let all = hs.iter().zip(&self.sent).all(|(&(_, r), &s)| s || r);
        assert_eq!(
            in_ready, all,
            "cycle {c}: upstream.ready (taken {:?})",
            self.sent
        );
        if in_valid && in_ready {
            self.sent.iter_mut().for_each(|s| *s = false);
            self.consumed += 1;
        } else {
            for (i, &(v, r)) in hs.iter().enumerate() {
                self.sent[i] |= v && r;
            }
        }
    }
}

fn fork_random(
    sim: &mut Sim,
    rng: &mut TestRng,
    n: usize,
    items: usize,
    p_valid: f64,
    p_ready: f64,
) -> u64 {
    let up = stream(sim, "upstream");
    let downs: Vec<Stream> = (0..n)
        .map(|i| stream(sim, &format!("downstream${i}")))
        .collect();
    reset_with_inputs_idle(sim, &[&up]);
    let mask = (1u64 << up.width()) - 1;
    let values: Vec<u64> = (0..items).map(|_| rng.gen::<u64>() & mask).collect();
    let mut driver = StreamDriver::new(up.clone(), rng).valid_probability(p_valid);
    values.iter().for_each(|&v| driver.push_u64(v));
    let mut sinks: Vec<StreamSink> = downs
        .iter()
        .map(|s| StreamSink::new(s.clone(), rng).ready_probability(p_ready))
        .collect();
    let mut checker = ForkChecker {
        up,
        downs,
        sent: vec![false; n],
        consumed: 0,
    };
    let start = sim.cycle();
    while !driver.idle() {
        assert!(
            sim.cycle() - start < 100 * items as u64,
            "fork: no progress"
        );
        let mut agents: Vec<&mut dyn Agent> = vec![&mut driver];
        agents.extend(sinks.iter_mut().map(|s| s as &mut dyn Agent));
        agents.push(&mut checker);
        cycle(sim, &mut agents);
    }
    for (i, s) in sinks.iter().enumerate() {
        let mut b = Scoreboard::ordered(format!("fork output {i}"));
        values.iter().for_each(|&v| b.expect(v));
        b.observe_all(s.received_u64());
        b.check();
    }
    assert_eq!(checker.consumed, items as u64, "input items consumed");
    sim.cycle() - start
}

#[test]
fn stream_fork_random() {
    let b = builder("fork_w8_n3", emit(StreamFork::<8>::new(3)));
    for (k, (p_valid, p_ready)) in PHASES.into_iter().enumerate() {
        run_test(&format!("stream_fork_random_{k}"), &b, |sim, rng| {
            fork_random(sim, rng, 3, 400, p_valid, p_ready);
        });
    }
}

#[test]
fn stream_fork_throughput() {
    let b = builder("fork_w8_n3", emit(StreamFork::<8>::new(3)));
    run_test("stream_fork_throughput", &b, |sim, rng| {
        let cycles = fork_random(sim, rng, 3, 500, 1.0, 1.0);
        println!("fork throughput: 500 items in {cycles} cycles");
        assert_eq!(
            cycles, 500,
            "500 items through a free-flowing fork (promised: 1 per cycle)"
        );
    });
}

// ---------------------------------------------------------------------------------------------------------
// Stream join: the output carries the inputs' items side by side; all inputs move together.

struct JoinChecker {
    ups: Vec<Stream>,
    down: Stream,
    joined: u64,
}

impl Agent for JoinChecker {
    fn drive(&mut self, _sim: &mut Sim) {}

    fn sample(&mut self, sim: &mut Sim) {
        let c = sim.cycle();
        let hs: Vec<(bool, bool)> = self.ups.iter().map(|s| handshake(sim, s)).collect();
        let (out_valid, out_ready) = handshake(sim, &self.down);
        let all = hs.iter().all(|h| h.0);
        assert_eq!(
            out_valid, all,
            "cycle {c}: downstream.valid for input valids {hs:?}"
        );
        for (i, &(_, r)) in hs.iter().enumerate() {
            assert_eq!(r, all && out_ready, "cycle {c}: upstream[{i}].ready");
        }
        self.joined += (out_valid && out_ready) as u64;
    }
}

/// The join has no clock (it holds no state), but a simulation needs one: this test bench wraps it with a
/// clocked counter of output transfers, checked against the sink. It also shows `link` on `Vec` ports.
/// (The field is `joiner`: `join` and `fork` are Verilog keywords and cannot name an instance.)
#[derive(LogicBlock)]
struct JoinBench {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    upstream: Vec<StreamIn<8>>,
    downstream: StreamOut<24>,
    transfers: Signal<Out, Bits<16>>,
    joiner: StreamJoin<8, 24>,
    count_q: DFF<Bits<16>>,
    one: Constant<Bits<16>>,
    zero: Constant<Bits<16>>,
    _n: usize,
}

impl JoinBench {
    fn new(n: usize) -> Self {
        JoinBench {
            clock: Default::default(),
            reset: Default::default(),
            upstream: (0..n).map(|_| Default::default()).collect(),
            downstream: Default::default(),
            transfers: Default::default(),
            joiner: StreamJoin::new(n),
            count_q: Default::default(),
            one: Constant::new(bits::<16>(1)),
            zero: Constant::new(bits::<16>(0)),
            _n: n,
        }
    }
}

impl Logic for JoinBench {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, count_q);
        for i in 0..self._n {
            StreamIn::<8>::link(&mut self.upstream[i], &mut self.joiner.upstream[i]);
        }
        StreamOut::<24>::link(&mut self.downstream, &mut self.joiner.downstream);
        self.transfers.next = self.count_q.q.val();
        if self.downstream.valid.val() & self.downstream.ready.val() {
            self.count_q.d.next = self.count_q.q.val() + self.one.val();
        }
        if self.reset.val() {
            self.count_q.d.next = self.zero.val();
        }
    }
}

fn join_random(
    sim: &mut Sim,
    rng: &mut TestRng,
    n: usize,
    items: usize,
    p_valid: f64,
    p_ready: f64,
) -> u64 {
    let ups: Vec<Stream> = (0..n)
        .map(|i| stream(sim, &format!("upstream${i}")))
        .collect();
    let down = stream(sim, "downstream");
    reset_with_inputs_idle(sim, &ups.iter().collect::<Vec<_>>());
    let w = ups[0].width();
    let mut drivers: Vec<StreamDriver> = ups
        .iter()
        .map(|s| StreamDriver::new(s.clone(), rng).valid_probability(p_valid))
        .collect();
    let mut board = Scoreboard::ordered("join output");
    for _ in 0..items {
        let mut joined = 0u64;
        for (i, d) in drivers.iter_mut().enumerate() {
            let v = rng.gen::<u64>() & ((1 << w) - 1);
            d.push_u64(v);
            joined |= v << (i as u32 * w);
        }
        board.expect(joined);
    }
    let mut sink = StreamSink::new(down.clone(), rng).ready_probability(p_ready);
    let mut checker = JoinChecker {
        ups,
        down,
        joined: 0,
    };
    let start = sim.cycle();
    while !drivers.iter().all(|d| d.idle()) {
        assert!(
            sim.cycle() - start < 100 * items as u64,
            "join: no progress"
        );
        let mut agents: Vec<&mut dyn Agent> =
            drivers.iter_mut().map(|d| d as &mut dyn Agent).collect();
        agents.push(&mut sink);
        agents.push(&mut checker);
        cycle(sim, &mut agents);
    }
    board.observe_all(sink.received_u64());
    board.check();
    assert_eq!(checker.joined, items as u64, "joined transfers");
    let transfers = sim.port("transfers");
    assert_eq!(
        sim.get(transfers),
        items as u64 & 0xffff,
        "transfers counted by the bench's register"
    );
    sim.cycle() - start
}

#[test]
fn stream_join_random() {
    let b = builder("join_w8_n3", emit(JoinBench::new(3)));
    for (k, (p_valid, p_ready)) in PHASES.into_iter().enumerate() {
        run_test(&format!("stream_join_random_{k}"), &b, |sim, rng| {
            join_random(sim, rng, 3, 400, p_valid, p_ready);
        });
    }
}

#[test]
fn stream_join_throughput() {
    let b = builder("join_w8_n3", emit(JoinBench::new(3)));
    run_test("stream_join_throughput", &b, |sim, rng| {
        let cycles = join_random(sim, rng, 3, 500, 1.0, 1.0);
        println!("join throughput: 500 items in {cycles} cycles");
        assert_eq!(
            cycles, 500,
            "500 items through a free-flowing join (promised: 1 per cycle)"
        );
    });
}
