//! `tessera gemm --engine rtl`: the MX GEMM on the TTU's generated Verilog under Verilator.
//!
//! The TTU of the chosen configuration (`--preset`/`--config`, default `base`) is emitted exactly as
//! `tessera generate` writes it, verilated (cached by content hash, see tessera_testbench), and fed by
//! the shared driver `tessera_hdl::ttu::driver::run_gemm`, which tiles any M, N, K onto the R x C
//! array. The engine prints the cycle count, the MACs per busy cycle and the utilization against the
//! array's peak for the format pair (R x C MACs/cycle, twice that for E2M1 x E2M1).

use super::mx::GemmEngine;
use anyhow::Context;
use tessera_hdl::ttu::driver::{run_gemm, RunOptions, TtuPins};
use tessera_hdl::ttu::{emit_unit, TtuParams};
use tessera_model::config::Config;
use tessera_model::mx::MxTensor;
use tessera_testbench::{Port, Sim, SimBuilder};

/// The TTU under Verilator as a GEMM engine.
pub struct RtlEngine {
    cfg: Config,
    params: TtuParams,
}

impl RtlEngine {
    /// An engine for this configuration's TTU.
    pub fn new(cfg: Config) -> anyhow::Result<Self> {
        let params = TtuParams::new(&cfg).map_err(anyhow::Error::msg)?;
        Ok(RtlEngine { cfg, params })
    }
}

struct Pins<'a>(&'a mut Sim);

impl TtuPins for Pins<'_> {
    type Port = Port;
    fn port(&self, name: &str) -> Port {
        self.0.port(name)
    }
    fn set(&mut self, p: Port, v: u64) {
        self.0.set(p, v)
    }
    fn get(&mut self, p: Port) -> u64 {
        self.0.get(p)
    }
    fn step(&mut self) {
        self.0.step()
    }
}

impl GemmEngine for RtlEngine {
    fn name(&self) -> &'static str {
        "rtl"
    }

    fn gemm(&self, a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> anyhow::Result<Vec<u32>> {
        let p = &self.params;
        if a.block != p.block {
            anyhow::bail!(
                "--block {} does not match the TTU of configuration '{}' (ttu.block = {}); use --block {}",
                a.block, self.cfg.name, p.block, p.block
            );
        }
        for f in [a.format, b.format] {
            if !p.formats.contains(&f) {
                let list: Vec<&str> = p.formats.iter().map(|f| f.name()).collect();
                anyhow::bail!(
                    "format {f} is not built into the TTU of configuration '{}' (ttu.formats = {}); \
                     choose one of those or another --preset/--config",
                    self.cfg.name,
                    list.join(", ")
                );
            }
        }
        let verilog = emit_unit(&self.cfg).context("emitting the TTU")?;
        let mut sim = SimBuilder::new("ttu")
            .source("ttu.v", verilog)
            .build()
            .context(
            "building the TTU simulation (is Verilator installed? scripts/setup.sh installs it)",
        )?;
        let start = std::time::Instant::now();
        let opt = RunOptions {
            timeout: 100_000,
            ..Default::default()
        };
        let (c, s) = run_gemm(&mut Pins(&mut sim), p, a, b, c0, &opt, None)?;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "rtl: TTU {}x{} k={} ({}): {} cycles ({} busy), {} MACs, {:.3} MACs/cycle, utilization {:.1}% of {} MACs/cycle peak; {} tiles, starved {}, stalled {}; {:.0} simulated cycles/s",
            p.rows,
            p.cols,
            p.block,
            self.cfg.name,
            s.cycles,
            s.busy,
            s.macs,
            s.macs_per_cycle(),
            100.0 * s.utilization(),
            s.peak_macs_per_cycle,
            s.tiles,
            s.starved,
            s.stalled,
            s.cycles as f64 / secs.max(1e-9)
        );
        Ok(c)
    }
}
