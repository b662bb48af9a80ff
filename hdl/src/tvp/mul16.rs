//! `Mul16`: the TVP's one multiply primitive, an unsigned 16 x 16 -> 32-bit product.
//!
//! rust-hdl 0.46 implements `*` only for 16 x 16 -> 32 bits, so every TVP product (the 24 x 24
//! significand product of float32 multiply, the four products of the exp2/recip/rsqrt
//! quadratic) is built from instances of this block (STYLE.md habit 5). One instance maps onto
//! one FPGA DSP multiplier (iCE40 UP5K SB_MAC16, ECP5 MULT18X18D).
//!
//! Ports: `a`, `b` (16 bits) in; `p` (32 bits) out. Combinational, no state.
use rust_hdl::prelude::*;

/// Unsigned 16 x 16 -> 32-bit multiplier.
#[derive(LogicBlock, Default)]
pub struct Mul16 {
    /// Multiplicand.
    pub a: Signal<In, Bits<16>>,
    /// Multiplier.
    pub b: Signal<In, Bits<16>>,
    /// Exact product.
    pub p: Signal<Out, Bits<32>>,
}

impl Logic for Mul16 {
    #[hdl_gen]
    fn update(&mut self) {
        self.p.next = self.a.val() * self.b.val();
    }
}
