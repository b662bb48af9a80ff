//! `FpRound`: the one float32 rounder of the TVP (add, sub, mul, exp2, recip, rsqrt).
//!
//! Input: a sign, a wide significand `mant` (52 bits) and a biased exponent `ebias` (12 bits)
//! that together mean `(-1)^sign x mant x 2^(ebias - 1024 - 177)`; equivalently, a one at bit
//! 50 of `mant` stands for 2^(E-127) with `E = ebias - 1024` (the float32 biased exponent).
//! Bit 51 leaves room for the carry of an addition. `mant` is exact except that its bit 0 may
//! be a sticky bit (the adder jams shifted-out bits there; it lies below every rounding point).
//!
//! Output `z`: the float32 nearest to that value, ties to even; results below 2^-126 become
//! subnormal (shifted right with sticky, then rounded once), results at or above 2^128 become
//! +-Inf. `zero` flags `mant == 0` (the caller decides the sign of an exact zero).
//!
//! ```text
//!  mant --LZC--> lz        normal  (E >= lz): shift left by lz, exponent field E - lz + 1
//!  ebias ------> E         subnormal, E >= 0: shift left by E, exponent field 0
//!                          subnormal, E <  0: shift right by -E (sticky), exponent field 0
//!  then: significand = bits 51..28, guard = bit 27, sticky = bits 26..0
//!        packed_z = (expbase << 23) + significand + round_up   (the carry ripples into the
//!        exponent: 1.11..1 x 2^e rounds to 2^(e+1), 2^128 becomes Inf, max subnormal -> min normal)
//! ```
//!
//! The structure follows the usual normalize-round back end shared by several operations
//! (e.g. FPnew's `fpnew_rounding` after its per-operation normalization), written from scratch.
//! Combinational, no state.
use rust_hdl::prelude::*;

/// Normalize, denormalize and round to float32 (RNE).
#[derive(LogicBlock)]
pub struct FpRound {
    /// Sign of the result.
    pub sign: Signal<In, Bit>,
    /// Biased exponent E + 1024 (E = float32 biased exponent of bit 50 of `mant`).
    pub ebias: Signal<In, Bits<12>>,
    /// Significand; bit 50 has weight 2^(E-127).
    pub mant: Signal<In, Bits<52>>,
    /// Rounded float32.
    pub z: Signal<Out, Bits<32>>,
    /// `mant` is zero.
    pub zero: Signal<Out, Bit>,
    // Leading-zero count by a logarithmic shifter: stage k shifts by 32, 16, 8, 4, 2, 1.
    n0: Signal<Local, Bits<52>>,
    n1: Signal<Local, Bits<52>>,
    n2: Signal<Local, Bits<52>>,
    n3: Signal<Local, Bits<52>>,
    n4: Signal<Local, Bits<52>>,
    n5: Signal<Local, Bits<52>>,
    n6: Signal<Local, Bits<52>>,
    lz: Signal<Local, Bits<12>>,
    normal: Signal<Local, Bit>,
    below: Signal<Local, Bit>,
    shl_amt: Signal<Local, Bits<6>>,
    shr_full: Signal<Local, Bits<12>>,
    shr_amt: Signal<Local, Bits<6>>,
    fin: Signal<Local, Bits<52>>,
    sticky_in: Signal<Local, Bit>,
    expbase: Signal<Local, Bits<12>>,
    overflow: Signal<Local, Bit>,
    guard: Signal<Local, Bit>,
    sticky: Signal<Local, Bit>,
    round_up: Signal<Local, Bit>,
    packed_z: Signal<Local, Bits<32>>,
    k_ones: Constant<Bits<52>>,
    k_1024: Constant<Bits<12>>,
    k_1278: Constant<Bits<12>>,
    k_63: Constant<Bits<12>>,
    k_23: Constant<Bits<6>>,
    k_inf: Constant<Bits<32>>,
    k_msb: Constant<Bits<32>>,
    k_s32: Constant<Bits<12>>,
    k_s16: Constant<Bits<12>>,
    k_s8: Constant<Bits<12>>,
    k_s4: Constant<Bits<12>>,
    k_s2: Constant<Bits<12>>,
    k_s1: Constant<Bits<12>>,
}

impl Default for FpRound {
    fn default() -> Self {
        Self {
            sign: Default::default(),
            ebias: Default::default(),
            mant: Default::default(),
            z: Default::default(),
            zero: Default::default(),
            n0: Default::default(),
            n1: Default::default(),
            n2: Default::default(),
            n3: Default::default(),
            n4: Default::default(),
            n5: Default::default(),
            n6: Default::default(),
            lz: Default::default(),
            normal: Default::default(),
            below: Default::default(),
            shl_amt: Default::default(),
            shr_full: Default::default(),
            shr_amt: Default::default(),
            fin: Default::default(),
            sticky_in: Default::default(),
            expbase: Default::default(),
            overflow: Default::default(),
            guard: Default::default(),
            sticky: Default::default(),
            round_up: Default::default(),
            packed_z: Default::default(),
            k_ones: Constant::new(((1u64 << 52) - 1).to_bits()),
            k_1024: Constant::new(1024u64.to_bits()),
            k_1278: Constant::new(1278u64.to_bits()),
            k_63: Constant::new(63u64.to_bits()),
            k_23: Constant::new(23u64.to_bits()),
            k_inf: Constant::new(0x7F80_0000u64.to_bits()),
            k_msb: Constant::new(0x8000_0000u64.to_bits()),
            k_s32: Constant::new(32u64.to_bits()),
            k_s16: Constant::new(16u64.to_bits()),
            k_s8: Constant::new(8u64.to_bits()),
            k_s4: Constant::new(4u64.to_bits()),
            k_s2: Constant::new(2u64.to_bits()),
            k_s1: Constant::new(1u64.to_bits()),
        }
    }
}

impl Logic for FpRound {
    #[hdl_gen]
    fn update(&mut self) {
        // Leading zeros of mant (52 bits): shift left while the top 2^k bits are zero.
        self.n0.next = self.mant.val();
        self.lz.next = 0.into();
        self.n1.next = self.n0.val();
        if !self.n0.val().get_bits::<32>(20).any() {
            self.n1.next = self.n0.val() << 32;
            self.lz.next = self.k_s32.val();
        }
        self.n2.next = self.n1.val();
        if !self.n1.val().get_bits::<16>(36).any() {
            self.n2.next = self.n1.val() << 16;
            self.lz.next = self.lz.val() + self.k_s16.val();
        }
        self.n3.next = self.n2.val();
        if !self.n2.val().get_bits::<8>(44).any() {
            self.n3.next = self.n2.val() << 8;
            self.lz.next = self.lz.val() + self.k_s8.val();
        }
        self.n4.next = self.n3.val();
        if !self.n3.val().get_bits::<4>(48).any() {
            self.n4.next = self.n3.val() << 4;
            self.lz.next = self.lz.val() + self.k_s4.val();
        }
        self.n5.next = self.n4.val();
        if !self.n4.val().get_bits::<2>(50).any() {
            self.n5.next = self.n4.val() << 2;
            self.lz.next = self.lz.val() + self.k_s2.val();
        }
        self.n6.next = self.n5.val();
        if !self.n5.val().get_bit(51) {
            self.n6.next = self.n5.val() << 1;
            self.lz.next = self.lz.val() + self.k_s1.val();
        }
        self.zero.next = !self.mant.val().any();

        // Normal when E >= lz, i.e. ebias >= 1024 + lz.
        self.normal.next = self.ebias.val() >= self.k_1024.val() + self.lz.val();
        self.below.next = self.ebias.val() < self.k_1024.val();
        // E = ebias - 1024 and 1024 is a multiple of 64: E mod 64 = ebias mod 64.
        self.shl_amt.next = self.ebias.val().get_bits::<6>(0);
        self.shr_full.next = self.k_1024.val() - self.ebias.val();
        self.shr_amt.next = self.shr_full.val().get_bits::<6>(0);
        if self.shr_full.val() > self.k_63.val() {
            self.shr_amt.next = self.k_63.val().get_bits::<6>(0);
        }
        self.sticky_in.next = false;
        self.expbase.next = 0.into();
        if self.normal.val() {
            self.fin.next = self.n6.val();
            self.expbase.next = self.ebias.val() - self.k_1024.val() - self.lz.val();
        } else if self.below.val() {
            self.fin.next = self.mant.val() >> self.shr_amt.val();
            self.sticky_in.next =
                (self.mant.val() & !(self.k_ones.val() << self.shr_amt.val())).any();
        } else {
            self.fin.next = self.mant.val() << self.shl_amt.val();
        }
        // expbase = E - lz >= 254 means an exponent field >= 255.
        self.overflow.next =
            self.normal.val() && (self.ebias.val() - self.lz.val() >= self.k_1278.val());

        self.guard.next = self.fin.val().get_bit(27);
        self.sticky.next = self.fin.val().get_bits::<27>(0).any() || self.sticky_in.val();
        self.round_up.next = self.guard.val() && (self.sticky.val() || self.fin.val().get_bit(28));
        self.packed_z.next = (bit_cast::<32, 12>(self.expbase.val()) << self.k_23.val())
            + bit_cast::<32, 24>(self.fin.val().get_bits::<24>(28))
            + bit_cast::<32, 1>(self.round_up.val().into());
        if self.overflow.val() {
            self.packed_z.next = self.k_inf.val();
        }
        // packed_z < 2^31, so the sign is an OR (no replace_bit: its Verilog has WIDTH warnings).
        self.z.next = self.packed_z.val();
        if self.sign.val() {
            self.z.next = self.packed_z.val() | self.k_msb.val();
        }
    }
}
