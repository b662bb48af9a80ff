//! Tessera hardware blocks (rust-hdl) and the Verilog emitter.
pub mod board;
pub mod common;
pub mod csram;
pub mod dma;
pub mod emit;
pub mod noc;
pub mod ttu;
pub mod tvp;
pub mod units;
