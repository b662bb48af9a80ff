//! Tessera hardware blocks (rust-hdl) and the Verilog emitter.
pub mod board;
pub mod common;
pub mod emit;
pub mod units;
pub mod ttu;
pub mod tvp;
pub mod csram;
pub mod noc;
