//! The stream interface: `data`, `valid`, `ready` (ARCHITECTURE.md section 3).
//!
//! A transfer happens on a rising clock edge where `valid` and `ready` are both high. The producer must not
//! derive `valid` combinationally from `ready`, and once it raises `valid` it holds `valid` and `data`
//! unchanged until the transfer. The consumer may derive `ready` from `valid` (the cells here do).
//!
//! Two port types, one per side, so that a connection is a single `join`:
//!
//! ```text
//!   producer block                         consumer block
//!   StreamOut<W>  --- data  [W-1:0] --->   StreamIn<W>
//!                 --- valid        --->
//!                 <-- ready        ----
//! ```
//!
//! * `StreamOut<W>` is the port of a block that *sends* (data and valid are outputs, ready is an input).
//! * `StreamIn<W>` is the port of a block that *receives* (data and valid are inputs, ready is an output).
//!
//! Inside an `#[hdl_gen]` update:
//! * sibling to sibling: `StreamOut::<W>::join(&mut self.a.downstream, &mut self.b.upstream);`
//! * parent port to child port of the same kind: `StreamIn::<W>::link(&mut self.upstream, &mut self.child.upstream);`
//!   (and `StreamOut::<W>::link(&mut self.downstream, &mut self.child.downstream);`).
//!
//! In the emitted Verilog a port `upstream: StreamIn<8>` becomes `upstream$data`, `upstream$valid` and
//! `upstream$ready` (the emitter turns `$` into `_`). The PULP common_cells use the same three signals as
//! separate `valid_i`/`ready_o`/`data_i` ports; rust-hdl's `LogicInterface` lets us carry them as one value.
use rust_hdl::prelude::*;

/// The sending side of a stream: drives `data` and `valid`, observes `ready`.
#[derive(LogicInterface, Default, Clone, Debug)]
#[join = "StreamIn"]
pub struct StreamOut<const W: usize> {
    /// Payload; must hold while `valid` is high and `ready` low.
    pub data: Signal<Out, Bits<W>>,
    /// The payload is meaningful; must not depend combinationally on `ready`.
    pub valid: Signal<Out, Bit>,
    /// The receiver takes the payload on this clock edge if `valid` is also high.
    pub ready: Signal<In, Bit>,
}

/// The receiving side of a stream: observes `data` and `valid`, drives `ready`.
#[derive(LogicInterface, Default, Clone, Debug)]
#[join = "StreamOut"]
pub struct StreamIn<const W: usize> {
    /// Payload from the sender.
    pub data: Signal<In, Bits<W>>,
    /// The sender offers a payload.
    pub valid: Signal<In, Bit>,
    /// This block takes the payload on the next clock edge if `valid` is high.
    pub ready: Signal<Out, Bit>,
}
