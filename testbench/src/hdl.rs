//! Building a simulation straight from a rust-hdl block.
//!
//! NOTE: Tessera's own emitter (`tessera_hdl::emit`, issue 2 item 4: no `$` in names, deduplicated modules,
//! lint-clean) was not ready when this was written, so this helper uses rust-hdl's raw
//! `generate_verilog`. Verilator accepts its output (`$` is legal inside Verilog identifiers and becomes
//! `__024` in C++; [`crate::Sim::port`] accepts either spelling). Switch [`verilog_of`] to the emitter once it
//! lands, so that what is simulated is exactly what `tessera generate` writes.

use crate::model::SimBuilder;
use rust_hdl::prelude::{generate_verilog, Block};

/// The Verilog of `block` (after `connect_all`), whose top module is named `top`.
pub fn verilog_of<U: Block>(block: &mut U) -> String {
    block.connect_all();
    generate_verilog(block)
}

impl SimBuilder {
    /// A builder for a rust-hdl block: top module `top`, source `top.v`.
    pub fn from_block<U: Block>(block: &mut U) -> SimBuilder {
        SimBuilder::new("top").source("top.v", verilog_of(block))
    }
}
