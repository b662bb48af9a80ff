//! `FpMulFront`: the significand product of float32 multiply (IEEE 754 binary32).
//!
//! The 24 x 24 -> 48-bit product is assembled from four [`super::Mul16`] instances
//! (`lo x lo`, `lo x hi`, `hi x lo`, `hi x hi` with 16-bit low and 8-bit high halves):
//! `P = hh << 32 + (lh + hl) << 16 + ll`. `P << 4` goes to [`super::FpRound`] with
//! `ebias = ea + eb + 897` (bit 50 of `P << 4` weighs 2^(ea + eb - 254)); subnormal operands
//! enter with exponent 1 and no hidden bit, and the rounder's normalization takes care of them.
//!
//! Special results (`special` = 1): NaN operand or 0 x Inf -> 0x7FC00000; Inf operand -> Inf;
//! zero operand -> zero; the sign is always `sa ^ sb` except for NaN. Combinational, no state.
use super::Mul16;
use rust_hdl::prelude::*;

/// Float32 multiply front end.
#[derive(LogicBlock)]
pub struct FpMulFront {
    /// First operand.
    pub a: Signal<In, Bits<32>>,
    /// Second operand.
    pub b: Signal<In, Bits<32>>,
    /// The result bypasses the rounder: `special_z` is final.
    pub special: Signal<Out, Bit>,
    /// Final result when `special`.
    pub special_z: Signal<Out, Bits<32>>,
    /// To the rounder.
    pub sign: Signal<Out, Bit>,
    pub ebias: Signal<Out, Bits<12>>,
    pub mant: Signal<Out, Bits<52>>,
    mul_ll: Mul16,
    mul_lh: Mul16,
    mul_hl: Mul16,
    mul_hh: Mul16,
    ma: Signal<Local, Bits<24>>,
    mb: Signal<Local, Bits<24>>,
    ea: Signal<Local, Bits<8>>,
    eb: Signal<Local, Bits<8>>,
    a_nan: Signal<Local, Bit>,
    b_nan: Signal<Local, Bit>,
    a_inf: Signal<Local, Bit>,
    b_inf: Signal<Local, Bit>,
    a_zero: Signal<Local, Bit>,
    b_zero: Signal<Local, Bit>,
    prod: Signal<Local, Bits<52>>,
    k_ff: Constant<Bits<8>>,
    k_one8: Constant<Bits<8>>,
    k_897: Constant<Bits<12>>,
    k_4: Constant<Bits<6>>,
    k_16: Constant<Bits<6>>,
    k_32: Constant<Bits<6>>,
    k_nan: Constant<Bits<32>>,
    k_inf: Constant<Bits<32>>,
    k_zero: Constant<Bits<32>>,
    k_msb: Constant<Bits<32>>,
    k_hidden24: Constant<Bits<24>>,
}

impl Default for FpMulFront {
    fn default() -> Self {
        Self {
            a: Default::default(),
            b: Default::default(),
            special: Default::default(),
            special_z: Default::default(),
            sign: Default::default(),
            ebias: Default::default(),
            mant: Default::default(),
            mul_ll: Default::default(),
            mul_lh: Default::default(),
            mul_hl: Default::default(),
            mul_hh: Default::default(),
            ma: Default::default(),
            mb: Default::default(),
            ea: Default::default(),
            eb: Default::default(),
            a_nan: Default::default(),
            b_nan: Default::default(),
            a_inf: Default::default(),
            b_inf: Default::default(),
            a_zero: Default::default(),
            b_zero: Default::default(),
            prod: Default::default(),
            k_ff: Constant::new(0xFFu64.to_bits()),
            k_one8: Constant::new(1u64.to_bits()),
            k_897: Constant::new(897u64.to_bits()),
            k_4: Constant::new(4u64.to_bits()),
            k_16: Constant::new(16u64.to_bits()),
            k_32: Constant::new(32u64.to_bits()),
            k_nan: Constant::new(0x7FC0_0000u64.to_bits()),
            k_inf: Constant::new(0x7F80_0000u64.to_bits()),
            k_zero: Constant::new(0u64.to_bits()),
            k_msb: Constant::new(0x8000_0000u64.to_bits()),
            k_hidden24: Constant::new((1u64 << 23).to_bits()),
        }
    }
}

impl Logic for FpMulFront {
    #[hdl_gen]
    fn update(&mut self) {
        self.a_nan.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && self.a.val().get_bits::<23>(0).any();
        self.b_nan.next = (self.b.val().get_bits::<8>(23) == self.k_ff.val())
            && self.b.val().get_bits::<23>(0).any();
        self.a_inf.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && !self.a.val().get_bits::<23>(0).any();
        self.b_inf.next = (self.b.val().get_bits::<8>(23) == self.k_ff.val())
            && !self.b.val().get_bits::<23>(0).any();
        self.a_zero.next = !self.a.val().get_bits::<31>(0).any();
        self.b_zero.next = !self.b.val().get_bits::<31>(0).any();

        self.ma.next = bit_cast::<24, 23>(self.a.val().get_bits::<23>(0));
        if self.a.val().get_bits::<8>(23).any() {
            self.ma.next =
                bit_cast::<24, 23>(self.a.val().get_bits::<23>(0)) | self.k_hidden24.val();
        }
        self.mb.next = bit_cast::<24, 23>(self.b.val().get_bits::<23>(0));
        if self.b.val().get_bits::<8>(23).any() {
            self.mb.next =
                bit_cast::<24, 23>(self.b.val().get_bits::<23>(0)) | self.k_hidden24.val();
        }
        self.ea.next = self.a.val().get_bits::<8>(23);
        if !self.a.val().get_bits::<8>(23).any() {
            self.ea.next = self.k_one8.val();
        }
        self.eb.next = self.b.val().get_bits::<8>(23);
        if !self.b.val().get_bits::<8>(23).any() {
            self.eb.next = self.k_one8.val();
        }

        // 24 x 24 from four 16 x 16 products.
        self.mul_ll.a.next = self.ma.val().get_bits::<16>(0);
        self.mul_ll.b.next = self.mb.val().get_bits::<16>(0);
        self.mul_lh.a.next = self.ma.val().get_bits::<16>(0);
        self.mul_lh.b.next = bit_cast::<16, 8>(self.mb.val().get_bits::<8>(16));
        self.mul_hl.a.next = bit_cast::<16, 8>(self.ma.val().get_bits::<8>(16));
        self.mul_hl.b.next = self.mb.val().get_bits::<16>(0);
        self.mul_hh.a.next = bit_cast::<16, 8>(self.ma.val().get_bits::<8>(16));
        self.mul_hh.b.next = bit_cast::<16, 8>(self.mb.val().get_bits::<8>(16));
        self.prod.next = bit_cast::<52, 32>(self.mul_ll.p.val())
            + (bit_cast::<52, 32>(self.mul_lh.p.val()) << self.k_16.val())
            + (bit_cast::<52, 32>(self.mul_hl.p.val()) << self.k_16.val())
            + (bit_cast::<52, 32>(self.mul_hh.p.val()) << self.k_32.val());

        self.sign.next = self.a.val().get_bit(31) ^ self.b.val().get_bit(31);
        self.ebias.next =
            bit_cast::<12, 8>(self.ea.val()) + bit_cast::<12, 8>(self.eb.val()) + self.k_897.val();
        self.mant.next = self.prod.val() << self.k_4.val();

        self.special.next = false;
        self.special_z.next = self.k_zero.val();
        if self.a_zero.val() || self.b_zero.val() {
            self.special.next = true;
            self.special_z.next = self.k_zero.val();
            if self.sign.val() {
                self.special_z.next = self.k_zero.val() | self.k_msb.val();
            }
        }
        if self.a_inf.val() || self.b_inf.val() {
            self.special.next = true;
            self.special_z.next = self.k_inf.val();
            if self.sign.val() {
                self.special_z.next = self.k_inf.val() | self.k_msb.val();
            }
        }
        if self.a_nan.val()
            || self.b_nan.val()
            || (self.a_inf.val() && self.b_zero.val())
            || (self.a_zero.val() && self.b_inf.val())
        {
            self.special.next = true;
            self.special_z.next = self.k_nan.val();
        }
    }
}
