//! `FpAddFront`: the alignment and addition half of float32 add/sub (IEEE 754 binary32).
//!
//! The operand with the larger magnitude (`big`) keeps its position; the other is shifted right
//! by the exponent difference. Both significands sit 27 bits up in a 52-bit word so that every
//! bit of the smaller one survives a shift of up to 27; bits shifted further are ORed into bit 0
//! (sticky), which lies below every rounding point of the result (Goldberg's guard/sticky
//! argument, here with 26 guard bits). The exact sum or difference then goes to [`super::FpRound`].
//!
//! ```text
//!  a, b -> |a| >= |b| ? swap -> m_big << 27 ---------------------+-- +/- --> mant, ebias = e_big + 1024
//!                               m_small << 27 >> d (sticky -> bit 0)
//! ```
//!
//! Special results (bypass the rounder, `special` = 1): NaN operand or Inf - Inf -> 0x7FC00000;
//! an Inf operand -> that Inf; an exact zero sum -> +0, or -0 when both operands are -0
//! (RNE: x - x = +0). Combinational, no state.
use rust_hdl::prelude::*;

/// Float32 add/sub front end: alignment, sticky, add; specials.
#[derive(LogicBlock)]
pub struct FpAddFront {
    /// First operand.
    pub a: Signal<In, Bits<32>>,
    /// Second operand.
    pub b: Signal<In, Bits<32>>,
    /// Subtract (`b`'s sign is flipped).
    pub negate_b: Signal<In, Bit>,
    /// The result bypasses the rounder: `special_z` is final.
    pub special: Signal<Out, Bit>,
    /// Final result when `special`.
    pub special_z: Signal<Out, Bits<32>>,
    /// To the rounder: sign, biased exponent, significand.
    pub sign: Signal<Out, Bit>,
    pub ebias: Signal<Out, Bits<12>>,
    pub mant: Signal<Out, Bits<52>>,
    b_sign: Signal<Local, Bit>,
    a_nan: Signal<Local, Bit>,
    b_nan: Signal<Local, Bit>,
    a_inf: Signal<Local, Bit>,
    b_inf: Signal<Local, Bit>,
    swap: Signal<Local, Bit>,
    larger: Signal<Local, Bits<31>>,
    smaller: Signal<Local, Bits<31>>,
    big_sign: Signal<Local, Bit>,
    eff_sub: Signal<Local, Bit>,
    e_big: Signal<Local, Bits<8>>,
    e_small: Signal<Local, Bits<8>>,
    m_big: Signal<Local, Bits<24>>,
    m_small: Signal<Local, Bits<24>>,
    diff: Signal<Local, Bits<8>>,
    d6: Signal<Local, Bits<6>>,
    wide_big: Signal<Local, Bits<52>>,
    wide_small: Signal<Local, Bits<52>>,
    shifted: Signal<Local, Bits<52>>,
    shifted_s: Signal<Local, Bits<52>>,
    sticky: Signal<Local, Bit>,
    sum: Signal<Local, Bits<52>>,
    k_ff: Constant<Bits<8>>,
    k_one8: Constant<Bits<8>>,
    k_62: Constant<Bits<8>>,
    k_one6: Constant<Bits<6>>,
    k_27: Constant<Bits<6>>,
    k_1024: Constant<Bits<12>>,
    k_ones: Constant<Bits<52>>,
    k_nan: Constant<Bits<32>>,
    k_inf: Constant<Bits<32>>,
    k_zero: Constant<Bits<32>>,
    k_msb: Constant<Bits<32>>,
    k_one52: Constant<Bits<52>>,
    k_hidden24: Constant<Bits<24>>,
}

impl Default for FpAddFront {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            negate_b: Default::default(),
            special: Default::default(),
            special_z: Default::default(),
            sign: Default::default(),
            ebias: Default::default(),
            mant: Default::default(),
            b_sign: Default::default(),
            a_nan: Default::default(),
            b_nan: Default::default(),
            a_inf: Default::default(),
            b_inf: Default::default(),
            swap: Default::default(),
            larger: Default::default(),
            smaller: Default::default(),
            big_sign: Default::default(),
            eff_sub: Default::default(),
            e_big: Default::default(),
            e_small: Default::default(),
            m_big: Default::default(),
            m_small: Default::default(),
            diff: Default::default(),
            d6: Default::default(),
            wide_big: Default::default(),
            wide_small: Default::default(),
            shifted: Default::default(),
            shifted_s: Default::default(),
            sticky: Default::default(),
            sum: Default::default(),
            k_ff: Constant::new(0xFFu64.to_bits()),
            k_one8: Constant::new(1u64.to_bits()),
            k_62: Constant::new(62u64.to_bits()),
            k_one6: Constant::new(1u64.to_bits()),
            k_27: Constant::new(27u64.to_bits()),
            k_1024: Constant::new(1024u64.to_bits()),
            k_ones: Constant::new(((1u64 << 52) - 1).to_bits()),
            k_nan: Constant::new(0x7FC0_0000u64.to_bits()),
            k_inf: Constant::new(0x7F80_0000u64.to_bits()),
            k_zero: Constant::new(0u64.to_bits()),
            k_msb: Constant::new(0x8000_0000u64.to_bits()),
            k_one52: Constant::new(1u64.to_bits()),
            k_hidden24: Constant::new((1u64 << 23).to_bits()),
        }
    }
}

impl Logic for FpAddFront {
    #[hdl_gen]
    fn update(&mut self) {
        self.b_sign.next = self.b.val().get_bit(31) ^ self.negate_b.val();
        self.a_nan.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && self.a.val().get_bits::<23>(0).any();
        self.b_nan.next = (self.b.val().get_bits::<8>(23) == self.k_ff.val())
            && self.b.val().get_bits::<23>(0).any();
        self.a_inf.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && !self.a.val().get_bits::<23>(0).any();
        self.b_inf.next = (self.b.val().get_bits::<8>(23) == self.k_ff.val())
            && !self.b.val().get_bits::<23>(0).any();

        // Order by magnitude: |float32| compares like its 31 low bits.
        self.swap.next = self.b.val().get_bits::<31>(0) > self.a.val().get_bits::<31>(0);
        self.larger.next = self.a.val().get_bits::<31>(0);
        self.smaller.next = self.b.val().get_bits::<31>(0);
        self.big_sign.next = self.a.val().get_bit(31);
        if self.swap.val() {
            self.larger.next = self.b.val().get_bits::<31>(0);
            self.smaller.next = self.a.val().get_bits::<31>(0);
            self.big_sign.next = self.b_sign.val();
        }
        self.eff_sub.next = self.a.val().get_bit(31) ^ self.b_sign.val();

        // Effective exponents (subnormals count as exponent 1) and significands.
        self.e_big.next = self.larger.val().get_bits::<8>(23);
        if !self.larger.val().get_bits::<8>(23).any() {
            self.e_big.next = self.k_one8.val();
        }
        self.e_small.next = self.smaller.val().get_bits::<8>(23);
        if !self.smaller.val().get_bits::<8>(23).any() {
            self.e_small.next = self.k_one8.val();
        }
        self.m_big.next = bit_cast::<24, 23>(self.larger.val().get_bits::<23>(0));
        if self.larger.val().get_bits::<8>(23).any() {
            self.m_big.next =
                bit_cast::<24, 23>(self.larger.val().get_bits::<23>(0)) | self.k_hidden24.val();
        }
        self.m_small.next = bit_cast::<24, 23>(self.smaller.val().get_bits::<23>(0));
        if self.smaller.val().get_bits::<8>(23).any() {
            self.m_small.next =
                bit_cast::<24, 23>(self.smaller.val().get_bits::<23>(0)) | self.k_hidden24.val();
        }

        // Align: shift the smaller right by the exponent difference (at most 62: all gone).
        self.diff.next = self.e_big.val() - self.e_small.val();
        self.d6.next = self.diff.val().get_bits::<6>(0);
        if self.diff.val() > self.k_62.val() {
            self.d6.next = self.k_62.val().get_bits::<6>(0);
        }
        self.wide_big.next = bit_cast::<52, 24>(self.m_big.val()) << self.k_27.val();
        self.wide_small.next = bit_cast::<52, 24>(self.m_small.val()) << self.k_27.val();
        self.shifted.next = self.wide_small.val() >> self.d6.val();
        // Bits landing at position 0 or below are sticky.
        self.sticky.next = (self.wide_small.val()
            & !(self.k_ones.val() << (self.d6.val() + self.k_one6.val())))
        .any();
        // The sticky covers bit 0 of `shifted` too, so jamming it is an OR.
        self.shifted_s.next = self.shifted.val();
        if self.sticky.val() {
            self.shifted_s.next = self.shifted.val() | self.k_one52.val();
        }
        self.sum.next = self.wide_big.val() + self.shifted_s.val();
        if self.eff_sub.val() {
            self.sum.next = self.wide_big.val() - self.shifted_s.val();
        }

        self.sign.next = self.big_sign.val();
        self.ebias.next = bit_cast::<12, 8>(self.e_big.val()) + self.k_1024.val();
        self.mant.next = self.sum.val();

        // Specials, lowest priority first.
        self.special.next = false;
        self.special_z.next = self.k_zero.val();
        if !self.sum.val().any() {
            self.special.next = true;
            self.special_z.next = self.k_zero.val();
            if self.a.val().get_bit(31) && self.b_sign.val() {
                self.special_z.next = self.k_zero.val() | self.k_msb.val();
            }
        }
        if self.a_inf.val() {
            self.special.next = true;
            self.special_z.next = self.k_inf.val();
            if self.a.val().get_bit(31) {
                self.special_z.next = self.k_inf.val() | self.k_msb.val();
            }
        }
        if self.b_inf.val() {
            self.special.next = true;
            self.special_z.next = self.k_inf.val();
            if self.b_sign.val() {
                self.special_z.next = self.k_inf.val() | self.k_msb.val();
            }
        }
        if self.a_nan.val()
            || self.b_nan.val()
            || (self.a_inf.val() && self.b_inf.val() && self.eff_sub.val())
        {
            self.special.next = true;
            self.special_z.next = self.k_nan.val();
        }
    }
}
