//! `RedNode`: one node of the reduction tree, `z = a + b` (IEEE binary32, RNE) or
//! `z = maximum(a, b)` (IEEE 754-2019, NaN wins, -0 < +0), chosen by `is_max`.
//!
//! ```text
//!  a, b --> FpAddFront --> FpRound --+-- special ? special_z : rounded --> sum --+
//!  a, b --> total-order keys, NaN check -----------------------------> max --+--> z
//! ```
//!
//! The adder is the lanes' own pair of blocks (`FpAddFront`, `FpRound`), combinational here:
//! the tree of `TvpReduce` and its accumulator are built from instances of this one block, so
//! the emitted Verilog holds one definition of it. Combinational, no state.
use super::{FpAddFront, FpRound};
use rust_hdl::prelude::*;

/// Add-or-maximum of two float32 values.
#[derive(LogicBlock)]
pub struct RedNode {
    /// Operands.
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    /// 1: maximum, 0: sum.
    pub is_max: Signal<In, Bit>,
    /// Result.
    pub z: Signal<Out, Bits<32>>,
    add: FpAddFront,
    round: FpRound,
    any_nan: Signal<Local, Bit>,
    key_a: Signal<Local, Bits<32>>,
    key_b: Signal<Local, Bits<32>>,
    k_ff: Constant<Bits<8>>,
    k_msb: Constant<Bits<32>>,
    k_nan: Constant<Bits<32>>,
}

impl Default for RedNode {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            is_max: Default::default(),
            z: Default::default(),
            add: Default::default(),
            round: Default::default(),
            any_nan: Default::default(),
            key_a: Default::default(),
            key_b: Default::default(),
            k_ff: Constant::new(0xFFu64.to_bits()),
            k_msb: Constant::new(0x8000_0000u64.to_bits()),
            k_nan: Constant::new(0x7FC0_0000u64.to_bits()),
        }
    }
}

impl Logic for RedNode {
    #[hdl_gen]
    fn update(&mut self) {
        self.add.a.next = self.a.val();
        self.add.b.next = self.b.val();
        self.add.negate_b.next = false;
        self.round.sign.next = self.add.sign.val();
        self.round.ebias.next = self.add.ebias.val();
        self.round.mant.next = self.add.mant.val();

        self.any_nan.next = ((self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && self.a.val().get_bits::<23>(0).any())
            || ((self.b.val().get_bits::<8>(23) == self.k_ff.val())
                && self.b.val().get_bits::<23>(0).any());
        self.key_a.next = self.a.val() | self.k_msb.val();
        if self.a.val().get_bit(31) {
            self.key_a.next = !self.a.val();
        }
        self.key_b.next = self.b.val() | self.k_msb.val();
        if self.b.val().get_bit(31) {
            self.key_b.next = !self.b.val();
        }

        self.z.next = self.round.z.val();
        if self.add.special.val() {
            self.z.next = self.add.special_z.val();
        }
        if self.is_max.val() {
            self.z.next = self.b.val();
            if self.key_a.val() >= self.key_b.val() {
                self.z.next = self.a.val();
            }
            if self.any_nan.val() {
                self.z.next = self.k_nan.val();
            }
        }
    }
}
