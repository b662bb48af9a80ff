//! Verilator binding and verification components.
//!
//! * [`SimBuilder`] verilates Verilog text at run time, compiles it with the `cc` crate's compiler into a
//!   shared object cached by content hash, and loads it ([`Model`]); [`Sim`] drives and reads its ports.
//! * [`run_test`] gives a test a seeded generator and writes a VCD automatically when the test fails.
//! * [`stream`] has the valid/ready driver and sink, [`scoreboard`] the loss/duplication/reorder checker,
//!   [`bits`] helpers for values wider than 64 bits.
//!
//! See `testbench/README.md` for a walk-through.

pub mod axi;
pub mod bits;
mod cache;
pub mod harness;
pub mod hdl;
mod model;
pub mod noc;
pub mod scoreboard;
mod shim;
mod sim;
pub mod stream;
pub mod toolchain;

pub use harness::{rng_for, run_test, run_test_seeded, seed_for, TestRng};
pub use model::{BuildInfo, Model, SimBuilder};
pub use scoreboard::{Findings, Scoreboard};
pub use shim::{Dir, PortDecl, Storage};
pub use sim::{Port, Sim};
pub use stream::{cycle, run_until, Agent, Stream, StreamDriver, StreamSink};
