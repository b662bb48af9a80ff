//! The NoC link: one flit per cycle one way, one credit per virtual channel the other way.
//!
//! ```text
//!   sender (LinkOut<W>)                        receiver (LinkIn<W>)
//!     valid, vc, head, tail, data[W]  ----->
//!     credit0, credit1                <-----   (one pulse per flit the receiver frees, per VC)
//! ```
//!
//! Credit-based flow control (Dally & Towles, *Principles and Practices of Interconnection Networks*,
//! 2004, ch. 13): the sender keeps one counter per VC, initialised to the receiver's buffer depth,
//! decremented for each flit sent and incremented for each credit pulse; it sends only with a non-zero
//! counter, so the receiver never overflows and `valid` never depends on anything combinational from the
//! receiver (the section 3 stream rule holds: there is no `ready` at all).
use rust_hdl::prelude::*;

/// The sending side of a link.
#[derive(LogicInterface, Default, Clone, Debug)]
#[join = "LinkIn"]
pub struct LinkOut<const W: usize> {
    /// A flit is on the link this cycle.
    pub valid: Signal<Out, Bit>,
    /// Its virtual channel (= traffic class).
    pub vc: Signal<Out, Bit>,
    /// First flit of a packet (carries the header).
    pub head: Signal<Out, Bit>,
    /// Last flit of a packet.
    pub tail: Signal<Out, Bit>,
    /// Payload.
    pub data: Signal<Out, Bits<W>>,
    /// The receiver freed one VC-0 buffer slot.
    pub credit0: Signal<In, Bit>,
    /// The receiver freed one VC-1 buffer slot.
    pub credit1: Signal<In, Bit>,
}

/// The receiving side of a link.
#[derive(LogicInterface, Default, Clone, Debug)]
#[join = "LinkOut"]
pub struct LinkIn<const W: usize> {
    pub valid: Signal<In, Bit>,
    pub vc: Signal<In, Bit>,
    pub head: Signal<In, Bit>,
    pub tail: Signal<In, Bit>,
    pub data: Signal<In, Bits<W>>,
    pub credit0: Signal<Out, Bit>,
    pub credit1: Signal<Out, Bit>,
}
