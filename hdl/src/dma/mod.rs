//! DMA: the cluster's copy engine between AXI4 memory (the HBM channel) and the SRAM port (issue 7;
//! ARCHITECTURE.md section 3). Theory of operation, timing and measurements: `docs/dma.md`.
//!
//! | block | file | what | status |
//! |---|---|---|---|
//! | [`DmaEngine`] | `engine.rs` | descriptor queue, 3D strided walk, legal AXI4 bursts, loads, stores, SRAM -> SRAM copies, multicast to N windows, status, counters | loads, stores, copies and multicast verified under Verilator against the model (tiny, small, large) |
//!
//! The descriptor and status formats are defined once in `tessera_model::dma`.
pub mod engine;

pub use engine::DmaEngine;

use anyhow::{bail, Result};
use tessera_model::config::Config;

/// Top module name of the unit.
pub const TOP: &str = "dma";

/// Run `$body` with `$block` bound to an (unconnected) `DmaEngine` built for `$cfg` (a `&Config`), in the
/// const-generic variant its widths need.
#[macro_export]
macro_rules! with_dma {
    ($cfg:expr, |$block:ident| $body:expr) => {{
        let cfg: &tessera_model::config::Config = $cfg;
        let g = tessera_model::dma::DmaGeometry::of(cfg);
        let (o, a) = (cfg.dma.outstanding, cfg.dma.axi_addr_width);
        match (cfg.dma.axi_data_width, cfg.csram.width, cfg.dma.queue_depth) {
            (64, 32, 4) => {
                let mut $block = $crate::dma::DmaEngine::<64, 8, 32, 4, 2, 3>::new(o, a, g.sram_bytes);
                $body
            }
            (64, 64, 4) => {
                let mut $block = $crate::dma::DmaEngine::<64, 8, 64, 8, 2, 3>::new(o, a, g.sram_bytes);
                $body
            }
            (128, 64, 4) => {
                let mut $block = $crate::dma::DmaEngine::<128, 16, 64, 8, 2, 3>::new(o, a, g.sram_bytes);
                $body
            }
            (128, 128, 4) => {
                let mut $block = $crate::dma::DmaEngine::<128, 16, 128, 16, 2, 3>::new(o, a, g.sram_bytes);
                $body
            }
            (64, 32, 8) => {
                let mut $block = $crate::dma::DmaEngine::<64, 8, 32, 4, 3, 4>::new(o, a, g.sram_bytes);
                $body
            }
            (64, 64, 8) => {
                let mut $block = $crate::dma::DmaEngine::<64, 8, 64, 8, 3, 4>::new(o, a, g.sram_bytes);
                $body
            }
            (d, w, q) => anyhow::bail!(
                "dma: (axi_data_width {d}, csram.width {w}, queue_depth {q}) is not supported by the generator \
                 (supported: 64/32, 64/64, 128/64, 128/128 with queue_depth 4; 64/32, 64/64 with 8)"
            ),
        }
    }};
}

/// Checks the configuration values the engine fixes at generation time.
pub fn check_config(cfg: &Config) -> Result<()> {
    if cfg.dma.axi_addr_width > 32 {
        bail!(
            "dma.axi_addr_width = {} is not supported by the DMA engine (16..=32; addresses are 32-bit)",
            cfg.dma.axi_addr_width
        );
    }
    if cfg.dma.outstanding > 32 {
        bail!(
            "dma.outstanding = {} is not supported by the DMA engine (8..=32)",
            cfg.dma.outstanding
        );
    }
    Ok(())
}

/// The Verilog of the DMA engine for `cfg` (top module `top`), through Tessera's emitter.
pub fn verilog(cfg: &Config, top: &str) -> Result<String> {
    check_config(cfg)?;
    with_dma!(cfg, |block| crate::emit::emit_verilog(top, &mut block))
}

/// The unit-registry entry point (`hdl/src/units.rs`).
pub fn emit_unit(cfg: &Config) -> Result<String> {
    verilog(cfg, TOP)
}
