//! `SigMul`: the TTU's one multiply primitive, an unsigned 8 x 8 -> 16-bit significand product.
//!
//! Every multiplication in the TTU goes through this block (STYLE.md habit 5). rust-hdl 0.46 only
//! implements `*` for 16 x 16 -> 32 bits, so both operands are zero-extended to 16 bits, multiplied,
//! and the 32-bit result is passed on whole (its upper 16 bits are zero: an 8 x 8 product fits in 16).
//! Synthesis sees the constant-zero upper halves and builds an 8 x 8 multiplier (or a 2 x 2 one where
//! the inputs are only 2 bits wide).
//!
//! Ports: `a`, `b` (8 bits, unsigned) in; `p` (32 bits) out. Purely combinational, no state.
use rust_hdl::prelude::*;

/// Unsigned 8 x 8 -> 16-bit multiplier built on rust-hdl's 16 x 16 `*`.
#[derive(LogicBlock, Default)]
pub struct SigMul {
    /// Multiplicand (a significand magnitude, <= 128 for INT8).
    pub a: Signal<In, Bits<8>>,
    /// Multiplier.
    pub b: Signal<In, Bits<8>>,
    /// Exact product a x b (bits 31:16 are zero).
    pub p: Signal<Out, Bits<32>>,
}

impl Logic for SigMul {
    #[hdl_gen]
    fn update(&mut self) {
        self.p.next = bit_cast::<16, 8>(self.a.val()) * bit_cast::<16, 8>(self.b.val());
    }
}
