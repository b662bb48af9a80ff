//! Common stream cells shared by every unit: use these instead of writing a new handshake.
//!
//! Every stream port is a [`StreamIn<W>`] (the block receives: `data`, `valid` in, `ready` out) or a
//! [`StreamOut<W>`] (the block sends: `data`, `valid` out, `ready` in); ARCHITECTURE.md section 3 gives the
//! rules (transfer on a rising edge where both are high; `valid` never depends combinationally on `ready`;
//! `valid` and `data` hold until the transfer). Every stateful cell has `clock` and a synchronous, active-high
//! `reset` that reaches the idle state (empty, unlocked) in one cycle. Payload widths are const generics
//! (`Bits<W>`); the number of ports N is a constructor argument (`Vec` ports; rust-hdl names them `upstream$0$data`, which
//! Tessera's emitter writes as `upstream_0_data`).
//! The cells follow the PULP common_cells (<https://github.com/pulp-platform/common_cells>) in role and naming;
//! no code is taken from them.
//!
//! | cell | file | what | latency | status |
//! |---|---|---|---|---|
//! | [`StreamIn`] / [`StreamOut`] | `stream.rs` | the two sides of a `data`/`valid`/`ready` stream | - | done |
//! | [`SkidBuffer`] | `skid_buffer.rs` | 2-entry register slice, all outputs registered (`spill_register`) | 1 | done: lint/yosys clean, Verilator-tested |
//! | [`SyncFifo`] | `sync_fifo.rs` | 2^A-entry FIFO with fill count (`fifo_v3`) | 1 | done: lint/yosys clean, Verilator-tested |
//! | [`RoundRobinArbiter`] | `rr_arbiter.rs` | N requesters, one-hot grant, lock-in, wait <= N-1 grants (`rr_arb_tree`) | 0 | done: lint/yosys clean, Verilator-tested |
//! | [`StreamMux`] | `stream_mux.rs` | N -> 1 round robin, chosen input's index on the output (`stream_arbiter`) | 0 | done: lint/yosys clean, Verilator-tested |
//! | [`StreamFork`] | `stream_fork.rs` | 1 -> N, outputs take the item on their own cycles (`stream_fork`) | 0 | done: lint/yosys clean, Verilator-tested |
//! | [`StreamJoin`] | `stream_join.rs` | N -> 1, payloads concatenated, valid when all valid (`stream_join`) | 0 | done: lint/yosys clean, Verilator-tested |
//! | [`RegFile`] | `reg_file.rs` | 2^A x W storage, sync write, combinational read (FIFO storage) | 0 read | done (through the FIFO) |
//! | [`ZeroExtend`] | `zero_extend.rs` | W -> WO zero extension leaf (works around a rust-hdl `bit_cast` limit) | 0 | done |
//!
//! Synthesis tests: `hdl/tests/common_cells.rs`. Verilator tests against reference models with random valid
//! gaps and back-pressure, and throughput counts: `testbench/tests/common_cells.rs`.
//!
//! # Embedding a cell in another rust-hdl block
//!
//! Declare the cell as a field, build it in the constructor, and in `update` clock it, drive its `reset`, and
//! connect streams with `join` (sibling to sibling) or `link` (your port to the child's port of the same kind):
//!
//! ```
//! use rust_hdl::prelude::*;
//! use tessera_hdl::common::{SkidBuffer, StreamIn, StreamOut, SyncFifo};
//!
//! /// A 4-entry queue followed by a register slice.
//! #[derive(LogicBlock)]
//! pub struct QueueThenSlice {
//!     pub clock: Signal<In, Clock>,
//!     pub reset: Signal<In, Bit>,
//!     pub upstream: StreamIn<16>,
//!     pub downstream: StreamOut<16>,
//!     queue: SyncFifo<16, 2, 3>, // W = 16 bits, depth 2^2, fill count 3 bits
//!     slice: SkidBuffer<16>,
//! }
//!
//! impl Default for QueueThenSlice {
//!     fn default() -> Self {
//!         Self {
//!             clock: Default::default(),
//!             reset: Default::default(),
//!             upstream: Default::default(),
//!             downstream: Default::default(),
//!             queue: SyncFifo::new(),
//!             slice: Default::default(),
//!         }
//!     }
//! }
//!
//! impl Logic for QueueThenSlice {
//!     #[hdl_gen]
//!     fn update(&mut self) {
//!         clock!(self, clock, queue, slice);
//!         self.queue.reset.next = self.reset.val();
//!         self.slice.reset.next = self.reset.val();
//!         StreamIn::<16>::link(&mut self.upstream, &mut self.queue.upstream);
//!         StreamOut::<16>::join(&mut self.queue.downstream, &mut self.slice.upstream);
//!         StreamOut::<16>::link(&mut self.downstream, &mut self.slice.downstream);
//!     }
//! }
//!
//! let mut top = QueueThenSlice::default();
//! top.connect_all();
//! let verilog = generate_verilog(&top);
//! assert!(verilog.contains("module top"));
//! ```
//!
//! For N-port cells, index the `Vec` with a loop variable inside `#[hdl_gen]`, e.g.
//! `for i in 0..self._ports { StreamOut::<W>::join(&mut self.sources[i].downstream, &mut self.mux.upstream[i]); }`
//! where `_ports` is a plain `usize` field (rust-hdl ignores fields whose name starts with `_`).
//!
//! Traps met while writing these cells (rust-hdl 0.46):
//! * do not name an instance `join` or `fork` (Verilog keywords; Verilator rejects the emitted file), nor any
//!   of `reg wire config module edge disable input output`;
//! * `bit_cast`/`bits` calls are evaluated again at generation time, so they cannot name a loop variable:
//!   widen `Vec` members through [`ZeroExtend`];
//! * a comparison against a constant that is always false (`0 > x`) is a Verilator UNSIGNED warning: start
//!   such loops at 1;
//! * `Local` and `Out` signals read back the value assigned earlier in the same `update` (like blocking
//!   assignments in the emitted `always @(*)`), so running flags (`found`, `all_done`) are safe.
pub mod reg_file;
pub mod rr_arbiter;
pub mod skid_buffer;
pub mod stream;
pub mod stream_fork;
pub mod stream_join;
pub mod stream_mux;
pub mod sync_fifo;
pub mod zero_extend;

pub use reg_file::RegFile;
pub use rr_arbiter::RoundRobinArbiter;
pub use skid_buffer::SkidBuffer;
pub use stream::{StreamIn, StreamOut};
pub use stream_fork::StreamFork;
pub use stream_join::StreamJoin;
pub use stream_mux::StreamMux;
pub use sync_fifo::SyncFifo;
pub use zero_extend::ZeroExtend;
