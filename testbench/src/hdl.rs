//! Building a simulation straight from a rust-hdl block, through Tessera's emitter
//! (`tessera_hdl::emit::emit_verilog`), so the simulated Verilog is exactly what `tessera generate` writes:
//! no `$` in names (rust-hdl's `a$b` becomes `a_b`), one module per distinct block.

use crate::model::SimBuilder;
use anyhow::Result;
use rust_hdl::prelude::Block;

/// The emitted Verilog of `block` with top module `top`.
pub fn verilog_of<U: Block>(top: &str, block: &mut U) -> Result<String> {
    tessera_hdl::emit::emit_verilog(top, block)
}

impl SimBuilder {
    /// A builder for a rust-hdl block emitted with top module `top` (source `<top>.v`).
    pub fn from_block<U: Block>(top: &str, block: &mut U) -> Result<SimBuilder> {
        Ok(SimBuilder::new(top).source(format!("{top}.v"), verilog_of(top, block)?))
    }
}
