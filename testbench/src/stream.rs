//! Valid/ready stream agents: a driver with random valid gaps and a sink with random back-pressure.
//!
//! Stream rule (ARCHITECTURE.md, AXI-Stream style): a transfer happens on a rising edge where `valid` and
//! `ready` are both high; once `valid` is raised it stays high, with its payload unchanged, until that
//! transfer. The driver obeys the rule; the sink checks the device under test obeys it.
//!
//! Each cycle runs in two phases so that agents see each other's signals: every agent [`Agent::drive`]s its
//! inputs, the model is evaluated, every agent [`Agent::sample`]s the handshake, then the clock rises
//! ([`cycle`]). Payloads are little-endian `u32` words; with several data ports the first port holds the
//! low bits.
//!
//! ```text
//!   StreamDriver ──valid/data──▶ DUT ──valid/data──▶ StreamSink ──▶ Scoreboard
//!                ◀────ready────      ◀────ready────
//! ```

use crate::bits;
use crate::harness::TestRng;
use crate::sim::{Port, Sim};
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;

/// Something that takes part in each cycle.
pub trait Agent {
    /// Sets this agent's inputs of the model for the coming rising edge.
    fn drive(&mut self, sim: &mut Sim);
    /// Observes the settled handshake just before the rising edge.
    fn sample(&mut self, sim: &mut Sim);
}

/// One cycle: all agents drive, the model settles, all agents sample, the default clock ticks.
pub fn cycle(sim: &mut Sim, agents: &mut [&mut dyn Agent]) {
    for a in agents.iter_mut() {
        a.drive(sim);
    }
    sim.eval();
    for a in agents.iter_mut() {
        a.sample(sim);
    }
    sim.step();
}

/// Runs [`cycle`] until `done` returns true (checked before each cycle); panics after `max_cycles`.
/// Returns the number of cycles run.
pub fn run_until(
    sim: &mut Sim,
    agents: &mut [&mut dyn Agent],
    max_cycles: u64,
    mut done: impl FnMut(&mut Sim) -> bool,
) -> u64 {
    let start = sim.cycle();
    while !done(sim) {
        let n = sim.cycle() - start;
        assert!(
            n < max_cycles,
            "timeout: condition not reached after {max_cycles} cycles (cycle {})",
            sim.cycle()
        );
        cycle(sim, agents);
    }
    sim.cycle() - start
}

/// The ports of one stream.
#[derive(Clone, Debug)]
pub struct Stream {
    pub valid: Port,
    pub ready: Port,
    /// Payload ports, low bits first (may be empty for a pure handshake).
    pub data: Vec<Port>,
}

impl Stream {
    /// Looks the ports up by name (panics listing the model's ports on a bad name).
    pub fn new(sim: &Sim, valid: &str, ready: &str, data: &[&str]) -> Stream {
        Stream {
            valid: sim.port(valid),
            ready: sim.port(ready),
            data: data.iter().map(|d| sim.port(d)).collect(),
        }
    }

    /// `<prefix>_valid`, `<prefix>_ready`, `<prefix>_data`.
    pub fn prefixed(sim: &Sim, prefix: &str) -> Stream {
        Stream::new(
            sim,
            &format!("{prefix}_valid"),
            &format!("{prefix}_ready"),
            &[&format!("{prefix}_data")],
        )
    }

    /// Total payload width in bits.
    pub fn width(&self) -> u32 {
        self.data.iter().map(|p| p.width()).sum()
    }

    fn write(&self, sim: &mut Sim, payload: &[u32]) {
        let mut lo = 0;
        for p in &self.data {
            sim.set_wide(*p, &bits::extract(payload, lo, p.width()));
            lo += p.width();
        }
    }

    fn read(&self, sim: &mut Sim) -> Vec<u32> {
        let mut out = vec![0u32; bits::words_for(self.width())];
        let mut lo = 0;
        for p in &self.data {
            let v = sim.get_wide(*p);
            bits::insert(&mut out, lo, &v, p.width());
            lo += p.width();
        }
        out
    }
}

/// Drives a stream into the model with random gaps in `valid`.
pub struct StreamDriver {
    stream: Stream,
    queue: VecDeque<Vec<u32>>,
    rng: TestRng,
    valid_probability: f64,
    garbage: bool,
    /// The item currently presented (valid high), until it transfers.
    presented: Option<Vec<u32>>,
    sent: u64,
}

impl StreamDriver {
    /// A driver whose gaps are drawn from a generator seeded by `rng` (valid probability 0.7).
    pub fn new(stream: Stream, rng: &mut TestRng) -> Self {
        StreamDriver {
            stream,
            queue: VecDeque::new(),
            rng: TestRng::seed_from_u64(rng.gen()),
            valid_probability: 0.7,
            garbage: true,
            presented: None,
            sent: 0,
        }
    }

    /// Probability of offering the next item in a cycle where one is waiting (1.0: no gaps).
    pub fn valid_probability(mut self, p: f64) -> Self {
        self.valid_probability = p;
        self
    }

    /// Whether the payload carries random junk while `valid` is low (default true: catches designs that
    /// consume data without `valid`).
    pub fn garbage_when_idle(mut self, on: bool) -> Self {
        self.garbage = on;
        self
    }

    /// Queues an item (little-endian words; must fit the stream's width).
    pub fn push(&mut self, item: Vec<u32>) {
        assert!(
            bits::truncate(&item, self.stream.width())
                == bits::truncate(&item, item.len() as u32 * 32),
            "item {item:x?} does not fit the {}-bit stream",
            self.stream.width()
        );
        self.queue.push_back(item);
    }

    /// Queues a value of at most 64 bits.
    pub fn push_u64(&mut self, v: u64) {
        self.push(bits::truncate(
            &bits::from_u64(v),
            self.stream.width().min(64),
        ))
    }

    /// True when every queued item has transferred.
    pub fn idle(&self) -> bool {
        self.queue.is_empty() && self.presented.is_none()
    }

    /// Items transferred so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }
}

impl Agent for StreamDriver {
    fn drive(&mut self, sim: &mut Sim) {
        if self.presented.is_none()
            && !self.queue.is_empty()
            && self.rng.gen_bool(self.valid_probability)
        {
            self.presented = self.queue.pop_front();
        }
        match &self.presented {
            Some(item) => {
                let item = item.clone();
                sim.set(self.stream.valid, 1);
                self.stream.write(sim, &item);
            }
            None => {
                sim.set(self.stream.valid, 0);
                if self.garbage {
                    let junk = bits::random(&mut self.rng, self.stream.width());
                    self.stream.write(sim, &junk);
                }
            }
        }
    }

    fn sample(&mut self, sim: &mut Sim) {
        if self.presented.is_some() && sim.get(self.stream.ready) == 1 {
            self.presented = None;
            self.sent += 1;
        }
    }
}

/// Receives a stream from the model with random back-pressure, checking the stream rule.
pub struct StreamSink {
    stream: Stream,
    rng: TestRng,
    ready_probability: f64,
    check_protocol: bool,
    ready: bool,
    /// Payload offered without `ready` in the previous cycle: must be offered again.
    stalled: Option<Vec<u32>>,
    received: Vec<Vec<u32>>,
}

impl StreamSink {
    /// A sink whose back-pressure is drawn from a generator seeded by `rng` (ready probability 0.7).
    pub fn new(stream: Stream, rng: &mut TestRng) -> Self {
        StreamSink {
            stream,
            rng: TestRng::seed_from_u64(rng.gen()),
            ready_probability: 0.7,
            check_protocol: true,
            ready: false,
            stalled: None,
            received: Vec::new(),
        }
    }

    /// Probability of `ready` in a cycle (1.0: never back-pressure).
    pub fn ready_probability(mut self, p: f64) -> Self {
        self.ready_probability = p;
        self
    }

    /// Whether to panic when the model drops `valid` or changes the payload before a transfer (default on).
    pub fn check_protocol(mut self, on: bool) -> Self {
        self.check_protocol = on;
        self
    }

    /// Items received so far, in order.
    pub fn received(&self) -> &[Vec<u32>] {
        &self.received
    }

    /// Items received so far as `u64` values (the stream must be at most 64 bits wide).
    pub fn received_u64(&self) -> Vec<u64> {
        assert!(
            self.stream.width() <= 64,
            "stream is {} bits wide",
            self.stream.width()
        );
        self.received.iter().map(|w| bits::to_u64(w)).collect()
    }

    /// Takes the received items out of the sink.
    pub fn take(&mut self) -> Vec<Vec<u32>> {
        std::mem::take(&mut self.received)
    }
}

impl Agent for StreamSink {
    fn drive(&mut self, sim: &mut Sim) {
        self.ready = self.rng.gen_bool(self.ready_probability);
        sim.set(self.stream.ready, self.ready as u64);
    }

    fn sample(&mut self, sim: &mut Sim) {
        let valid = sim.get(self.stream.valid) == 1;
        let data = if valid {
            Some(self.stream.read(sim))
        } else {
            None
        };
        if self.check_protocol {
            if let Some(prev) = &self.stalled {
                let name = sim.port_name(self.stream.valid).to_string();
                match &data {
                    None => panic!(
                        "stream rule broken at cycle {}: `{name}` fell before the transfer of {prev:x?}",
                        sim.cycle()
                    ),
                    Some(d) if d != prev => panic!(
                        "stream rule broken at cycle {}: payload changed from {prev:x?} to {d:x?} while `{name}` \
                         waited for ready",
                        sim.cycle()
                    ),
                    _ => {}
                }
            }
        }
        self.stalled = None;
        if let Some(d) = data {
            if self.ready {
                self.received.push(d);
            } else {
                self.stalled = Some(d);
            }
        }
    }
}
