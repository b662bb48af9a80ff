//! NoC measurements shared by `cargo bench --bench noc` and `tessera noc-bench`: zero-load latency,
//! latency against offered load, saturation throughput, class-0 latency under bulk load, multicast
//! completion time and a long soak with scoreboard checks.
//!
//! Conventions (BookSim's): offered load and throughput in flits per node per cycle; a packet's latency
//! runs from its creation at the source (source queueing included) to its tail leaving the ejection
//! link; statistics cover packets created inside the measurement window, after a warm-up.
use super::{quantile, MeshSpec, NocTb, Pattern, Traffic};
use crate::{Model, TestRng};
use anyhow::Result;
use rand::SeedableRng;
use std::sync::Arc;
use tessera_hdl::noc::Header;

/// One point of a load sweep.
#[derive(Clone, Debug)]
pub struct LoadPoint {
    pub offered: f64,
    /// Flits ejected per node per cycle in the window.
    pub accepted: f64,
    pub avg_latency: f64,
    pub p99_latency: u64,
    pub packets: usize,
}

/// A built mesh model from which fresh, reset simulations are taken.
pub struct Bench {
    pub spec: MeshSpec,
    model: Arc<Model>,
    pub seed: u64,
}

impl Bench {
    /// Builds (or takes from the cache) the model of `spec`.
    pub fn new(spec: MeshSpec, seed: u64) -> Result<Self> {
        let model = spec.builder()?.build_model()?;
        Ok(Bench { spec, model, seed })
    }

    /// A fresh testbench (new simulation, reset).
    pub fn tb(&self) -> Result<NocTb> {
        let mut tb = NocTb::with_sim(self.spec, self.model.instantiate(None)?)?;
        tb.queue_limit = 32;
        Ok(tb)
    }

    fn rng(&self, salt: u64) -> TestRng {
        TestRng::seed_from_u64(self.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Head latency (injection to ejection, cycles) for every hop count, one packet at a time on an idle
    /// mesh; index = hops.
    pub fn zero_load(&self) -> Result<Vec<f64>> {
        let mut tb = self.tb()?;
        let mut rng = self.rng(1);
        let (nx, ny) = (self.spec.nx, self.spec.ny);
        let max_hops = (nx - 1 + ny - 1) as usize;
        let mut sum = vec![0u64; max_hops + 1];
        let mut cnt = vec![0u64; max_hops + 1];
        for s in 0..(nx as usize * ny as usize) {
            for d in 0..(nx as usize * ny as usize) {
                let (sx, sy) = ((s % nx as usize) as u8, (s / nx as usize) as u8);
                let (dx, dy) = ((d % nx as usize) as u8, (d / nx as usize) as u8);
                tb.send(s, Header::unicast((sx, sy), (dx, dy), 1, 1));
                tb.drain(1.0, &mut rng)?;
                let dl = tb.deliveries.last().copied().expect("a delivery");
                let h = (sx.abs_diff(dx) + sy.abs_diff(dy)) as usize;
                sum[h] += dl.head_out - dl.injected;
                cnt[h] += 1;
            }
        }
        tb.check()?;
        Ok(sum
            .iter()
            .zip(&cnt)
            .map(|(s, c)| *s as f64 / *c as f64)
            .collect())
    }

    /// Runs `traffic` for `warmup + window` cycles; statistics over packets of `class` created in the window.
    pub fn load_point(
        &self,
        traffic: &Traffic,
        warmup: u64,
        window: u64,
        class: u8,
    ) -> Result<LoadPoint> {
        let mut tb = self.tb()?;
        let mut rng =
            self.rng(2 + (traffic.rate1 * 1000.0) as u64 + ((traffic.rate0 * 1e6) as u64) * 7);
        tb.run(traffic, warmup, &mut rng)?;
        let out0 = tb.flits_out;
        let start = tb.cycle();
        tb.run(traffic, window, &mut rng)?;
        let accepted = (tb.flits_out - out0) as f64 / (window as f64 * tb_nodes(&self.spec) as f64);
        let end = tb.cycle();
        // Let the window's packets finish (bounded: at overload the sources stay full).
        let quiet = Traffic {
            rate0: 0.0,
            rate1: 0.0,
            ..traffic.clone()
        };
        let mut extra = 0;
        while tb.outstanding() > 0 && extra < 20 * window {
            tb.step(Some(&quiet), &mut rng)?;
            extra += 1;
        }
        tb.check()?;
        let mut lat: Vec<u64> = tb
            .deliveries
            .iter()
            .filter(|d| d.class == class && d.created >= start && d.created < end)
            .map(|d| d.tail_out - d.created)
            .collect();
        let avg = lat.iter().sum::<u64>() as f64 / lat.len().max(1) as f64;
        let p99 = quantile(&mut lat, 0.99);
        Ok(LoadPoint {
            offered: traffic.rate1 + traffic.rate0,
            accepted,
            avg_latency: avg,
            p99_latency: p99,
            packets: lat.len(),
        })
    }

    /// Class-1 load sweep of `pattern` with `len`-flit packets.
    pub fn sweep(
        &self,
        pattern: Pattern,
        rates: &[f64],
        len: u32,
        warmup: u64,
        window: u64,
    ) -> Result<Vec<LoadPoint>> {
        rates
            .iter()
            .map(|&r| self.load_point(&Traffic::bulk(pattern, r, len), warmup, window, 1))
            .collect()
    }

    /// Multicast to the whole mesh from node 0 versus a unicast from node 0 to the farthest node, both
    /// `len` flits on an idle mesh: (multicast completion, unicast completion) in cycles from the head's
    /// injection to the last tail's ejection.
    pub fn multicast(&self, len: u32) -> Result<(u64, u64)> {
        self.multicast_from(0, len)
    }

    /// [`Bench::multicast`] from node `src`; the unicast goes to the node farthest from `src`.
    pub fn multicast_from(&self, src: usize, len: u32) -> Result<(u64, u64)> {
        let (nx, ny) = (self.spec.nx, self.spec.ny);
        let (sx, sy) = ((src % nx as usize) as u8, (src / nx as usize) as u8);
        let far = (
            if sx < nx - 1 - sx { nx - 1 } else { 0 },
            if sy < ny - 1 - sy { ny - 1 } else { 0 },
        );
        let mut rng = self.rng(3);
        let mut tb = self.tb()?;
        let id = tb.send(
            src,
            Header::multicast((sx, sy), (0, 0), (nx - 1, ny - 1), 1, len),
        );
        tb.drain(1.0, &mut rng)?;
        let ds: Vec<_> = tb
            .deliveries
            .iter()
            .filter(|d| d.id == id)
            .copied()
            .collect();
        anyhow::ensure!(
            ds.len() == nx as usize * ny as usize,
            "multicast of {len} flits reached {} of {} nodes (is it longer than the buffer depth {}?)",
            ds.len(),
            nx as usize * ny as usize,
            self.spec.depth
        );
        let mc = ds.iter().map(|d| d.tail_out).max().unwrap_or(0) - ds[0].injected;
        let id = tb.send(src, Header::unicast((sx, sy), far, 1, len));
        tb.drain(1.0, &mut rng)?;
        let d = tb
            .deliveries
            .iter()
            .find(|d| d.id == id)
            .copied()
            .expect("unicast delivered");
        tb.check()?;
        Ok((mc, d.tail_out - d.injected))
    }

    /// `cycles` cycles of `traffic` in chunks of `chunk`, each chunk drained and checked (nothing lost,
    /// duplicated or reordered) before the records are cleared. Returns flits delivered.
    pub fn soak(&self, traffic: &Traffic, cycles: u64, chunk: u64) -> Result<u64> {
        let mut tb = self.tb()?;
        let mut rng = self.rng(4);
        let mut done = 0;
        let mut flits = 0;
        while done < cycles {
            let n = chunk.min(cycles - done);
            tb.run(traffic, n, &mut rng)?;
            tb.drain(traffic.consume, &mut rng)?;
            tb.check()?;
            flits += tb.flits_out;
            tb.clear_records();
            done += n;
            if std::env::var_os("NOC_SOAK_PROGRESS").is_some() {
                eprintln!("soak: {done} cycles checked, {flits} flits delivered");
            }
        }
        Ok(flits)
    }
}

fn tb_nodes(s: &MeshSpec) -> usize {
    s.nx as usize * s.ny as usize
}

/// A cycle-by-cycle table of one 3-flit packet from node 0 to the opposite corner of an idle mesh,
/// read from the real simulation: the injection link, the routers' output counters (which output
/// sent a flit in that cycle) and the ejection link.
pub fn walkthrough(spec: MeshSpec) -> Result<String> {
    const DIRS: [&str; 5] = ["N", "E", "S", "W", "L0"];
    let bench = Bench::new(spec, 7)?;
    let mut tb = bench.tb()?;
    let mut rng = bench.rng(5);
    let (nx, ny) = (spec.nx, spec.ny);
    let dst = (nx - 1, ny - 1);
    tb.send(0, Header::unicast((0, 0), dst, 1, 3));
    let mut out = String::from(
        "| cycle | injection link (node 0) | router outputs sending a flit | ejection link (node ",
    );
    out.push_str(&format!(
        "{},{}) | credits back to node 0 |\n|---|---|---|---|---|\n",
        dst.0, dst.1
    ));
    let mut before = tb.flit_counters();
    let mut cycle0 = None;
    for _ in 0..20 {
        let c = tb.cycle();
        let q = tb.queue_head(0);
        let ej_before = tb.flits_out;
        let inj_credits = tb.credits_of(0);
        tb.step(None, &mut rng)?;
        let after = tb.flit_counters();
        let mut sending = Vec::new();
        for (i, (a, b)) in after.iter().zip(&before).enumerate() {
            if a != b {
                let n = i / 5;
                sending.push(format!(
                    "({},{}).{}",
                    n % nx as usize,
                    n / nx as usize,
                    DIRS[i % 5]
                ));
            }
        }
        before = after;
        let ej = if tb.flits_out > ej_before {
            let d = tb.last_ejected;
            format!(
                "flit {} ({}{})",
                d.1,
                if d.2 { "head" } else { "body" },
                if d.3 { ", tail" } else { "" }
            )
        } else {
            "-".into()
        };
        let inj = match q {
            Some((k, len)) => format!(
                "flit {k} ({}{}), VC1",
                if k == 0 { "head" } else { "body" },
                if k + 1 == len { ", tail" } else { "" }
            ),
            None => "-".into(),
        };
        let cr = tb.credits_of(0);
        let credit = if cr[1] > inj_credits[1] || (q.is_some() && cr[1] == inj_credits[1]) {
            "VC1 +1"
        } else {
            "-"
        };
        if q.is_some() || !sending.is_empty() || ej != "-" || credit != "-" {
            let base = *cycle0.get_or_insert(c);
            out.push_str(&format!(
                "| {} | {inj} | {} | {ej} | {credit} |\n",
                c - base,
                if sending.is_empty() {
                    "-".into()
                } else {
                    sending.join(" ")
                }
            ));
        }
        if tb.outstanding() == 0 && sending.is_empty() {
            break;
        }
    }
    tb.check()?;
    Ok(out)
}
