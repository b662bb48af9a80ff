//! `ApproxFront`: exp2, reciprocal and rsqrt up to the rounder, matching
//! `tessera_model::tvp::approx` bit for bit (the algorithm is defined there, once).
//!
//! ```text
//!  a --exp2: to fixed point floor(x 2^32) -> n = int part, f = fraction -> index f[31:24], d = f[23:8]
//!    --recip/rsqrt: normalize (LZC for subnormals) -> index (parity,) m[22:16], d = m[15:0]
//!  ROM[{func, index}] -> C0, C1, C2
//!  Y = C0 -/+ (C1hi d + (C1lo d >> 16)) + (C2 ((d d) >> 16) >> 16)     four Mul16
//!  clamp, (x2 for recip/rsqrt) -> mant = Y << 22, ebias = n + 1151 -> FpRound
//! ```
//!
//! `func`: 0 exp2, 1 recip, 2 rsqrt. The table is generated from the model's table
//! (`Func::table`), so the ROM and the model can never disagree. Special inputs bypass the
//! rounder (`special` = 1) exactly as the model returns early. Combinational, no state.
use super::Mul16;
use rust_hdl::prelude::*;
use rust_hdl::widgets::prelude::ROM;
use tessera_model::tvp::approx::Func;

/// The coefficient ROM contents: address {func[1:0], index[7:0]}, data {C2[15:0], C1[21:0], C0[28:0]}.
pub fn rom_contents() -> Vec<Bits<67>> {
    let mut v = vec![Bits::<67>::default(); 1024];
    for (fi, f) in Func::ALL.iter().enumerate() {
        for (i, &(c0, c1, c2)) in f.table().iter().enumerate() {
            let word = (c0 as u128) | (c1 as u128) << 29 | (c2 as u128) << 51;
            let mut b = Bits::<67>::default();
            for k in 0..67 {
                b = b.replace_bit(k, (word >> k) & 1 == 1);
            }
            v[fi * 256 + i] = b;
        }
    }
    v
}

/// exp2 / recip / rsqrt front end.
#[derive(LogicBlock)]
pub struct ApproxFront {
    /// Operand.
    pub a: Signal<In, Bits<32>>,
    /// 0 exp2, 1 recip, 2 rsqrt.
    pub func: Signal<In, Bits<2>>,
    /// The result bypasses the rounder.
    pub special: Signal<Out, Bit>,
    /// Final result when `special`.
    pub special_z: Signal<Out, Bits<32>>,
    /// To the rounder.
    pub sign: Signal<Out, Bit>,
    pub ebias: Signal<Out, Bits<12>>,
    pub mant: Signal<Out, Bits<52>>,
    rom: ROM<Bits<67>, 10>,
    mul_dd: Mul16,
    mul_c1h: Mul16,
    mul_c1l: Mul16,
    mul_c2: Mul16,
    is_nan: Signal<Local, Bit>,
    is_inf: Signal<Local, Bit>,
    is_zero: Signal<Local, Bit>,
    // exp2 argument reduction
    e8: Signal<Local, Bits<8>>,
    m41: Signal<Local, Bits<41>>,
    rsh: Signal<Local, Bits<8>>,
    lsh: Signal<Local, Bits<5>>,
    rsh6: Signal<Local, Bits<6>>,
    fix_a: Signal<Local, Bits<41>>,
    inexact: Signal<Local, Bit>,
    fix_x: Signal<Local, Bits<33>>,
    fa_borrow: Signal<Local, Bit>,
    n12: Signal<Local, Bits<12>>,
    // recip / rsqrt normalization
    f24: Signal<Local, Bits<24>>,
    s1: Signal<Local, Bits<24>>,
    s2: Signal<Local, Bits<24>>,
    s3: Signal<Local, Bits<24>>,
    s4: Signal<Local, Bits<24>>,
    s5: Signal<Local, Bits<23>>,
    lz: Signal<Local, Bits<12>>,
    mnorm: Signal<Local, Bits<23>>,
    eb12: Signal<Local, Bits<12>>,
    pow2: Signal<Local, Bit>,
    odd: Signal<Local, Bit>,
    // table and polynomial
    index: Signal<Local, Bits<8>>,
    d: Signal<Local, Bits<16>>,
    c0: Signal<Local, Bits<32>>,
    p1: Signal<Local, Bits<32>>,
    p2: Signal<Local, Bits<32>>,
    y: Signal<Local, Bits<32>>,
    yc: Signal<Local, Bits<32>>,
    k_ff: Constant<Bits<8>>,
    k_one8: Constant<Bits<8>>,
    k_118: Constant<Bits<8>>,
    k_22_5: Constant<Bits<5>>,
    k_one33: Constant<Bits<33>>,
    k_63: Constant<Bits<8>>,
    k_ones41: Constant<Bits<41>>,
    k_e00: Constant<Bits<12>>,
    k_1151: Constant<Bits<12>>,
    k_897: Constant<Bits<12>>,
    k_898: Constant<Bits<12>>,
    k_2174: Constant<Bits<12>>,
    k_2175: Constant<Bits<12>>,
    k_1662: Constant<Bits<12>>,
    k_1663: Constant<Bits<12>>,
    k_s16: Constant<Bits<12>>,
    k_s8: Constant<Bits<12>>,
    k_s4: Constant<Bits<12>>,
    k_s2: Constant<Bits<12>>,
    k_s1: Constant<Bits<12>>,
    k_y_lo: Constant<Bits<32>>,
    k_y_hi: Constant<Bits<32>>,
    k_y_max: Constant<Bits<32>>,
    k_22: Constant<Bits<6>>,
    k_exp_big: Constant<Bits<31>>,
    k_exp_small: Constant<Bits<31>>,
    k_f_exp2: Constant<Bits<2>>,
    k_f_recip: Constant<Bits<2>>,
    k_nan: Constant<Bits<32>>,
    k_inf: Constant<Bits<32>>,
    k_zero: Constant<Bits<32>>,
    k_msb: Constant<Bits<32>>,
    k_idx_odd: Constant<Bits<8>>,
    k_hidden41: Constant<Bits<41>>,
}

impl Default for ApproxFront {
    fn default() -> Self {
        fn k<const N: usize>(v: u64) -> Constant<Bits<N>> {
            Constant::new(v.to_bits())
        }
        Self {
            a: Default::default(),
            func: Default::default(),
            special: Default::default(),
            special_z: Default::default(),
            sign: Default::default(),
            ebias: Default::default(),
            mant: Default::default(),
            rom: ROM::from(rom_contents().into_iter()),
            mul_dd: Default::default(),
            mul_c1h: Default::default(),
            mul_c1l: Default::default(),
            mul_c2: Default::default(),
            is_nan: Default::default(),
            is_inf: Default::default(),
            is_zero: Default::default(),
            e8: Default::default(),
            m41: Default::default(),
            rsh: Default::default(),
            lsh: Default::default(),
            rsh6: Default::default(),
            fix_a: Default::default(),
            inexact: Default::default(),
            fix_x: Default::default(),
            fa_borrow: Default::default(),
            n12: Default::default(),
            f24: Default::default(),
            s1: Default::default(),
            s2: Default::default(),
            s3: Default::default(),
            s4: Default::default(),
            s5: Default::default(),
            lz: Default::default(),
            mnorm: Default::default(),
            eb12: Default::default(),
            pow2: Default::default(),
            odd: Default::default(),
            index: Default::default(),
            d: Default::default(),
            c0: Default::default(),
            p1: Default::default(),
            p2: Default::default(),
            y: Default::default(),
            yc: Default::default(),
            k_ff: k(0xFF),
            k_one8: k(1),
            k_118: k(118),
            k_22_5: k(22),
            k_one33: k(1),
            k_63: k(63),
            k_ones41: k((1 << 41) - 1),
            k_e00: k(0xE00),
            k_1151: k(1151),
            k_897: k(897),
            k_898: k(898),
            k_2174: k(2174),
            k_2175: k(2175),
            k_1662: k(1662),
            k_1663: k(1663),
            k_s16: k(16),
            k_s8: k(8),
            k_s4: k(4),
            k_s2: k(2),
            k_s1: k(1),
            k_y_lo: k(1 << 28),
            k_y_hi: k((1 << 29) - 1),
            k_y_max: k((1 << 28) - 1),
            k_22: k(22),
            k_exp_big: k(0x4300_0000),
            k_exp_small: k(0x4380_0000),
            k_f_exp2: k(0),
            k_f_recip: k(1),
            k_nan: k(0x7FC0_0000),
            k_inf: k(0x7F80_0000),
            k_zero: k(0),
            k_msb: k(0x8000_0000),
            k_idx_odd: k(0x80),
            k_hidden41: k(1 << 23),
        }
    }
}

impl Logic for ApproxFront {
    #[hdl_gen]
    fn update(&mut self) {
        self.is_nan.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && self.a.val().get_bits::<23>(0).any();
        self.is_inf.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && !self.a.val().get_bits::<23>(0).any();
        self.is_zero.next = !self.a.val().get_bits::<31>(0).any();

        // exp2: floor(x 2^32) in 41-bit two's complement (|x| < 256 on this path).
        self.e8.next = self.a.val().get_bits::<8>(23);
        if !self.a.val().get_bits::<8>(23).any() {
            self.e8.next = self.k_one8.val();
        }
        self.m41.next = bit_cast::<41, 23>(self.a.val().get_bits::<23>(0));
        if self.a.val().get_bits::<8>(23).any() {
            self.m41.next =
                bit_cast::<41, 23>(self.a.val().get_bits::<23>(0)) | self.k_hidden41.val();
        }
        self.rsh.next = self.k_118.val() - self.e8.val();
        // (e8 - 118) mod 32 = (e8 mod 32 - 22) mod 32: only the 5-bit shift is needed.
        self.lsh.next = self.e8.val().get_bits::<5>(0) - self.k_22_5.val();
        self.rsh6.next = self.rsh.val().get_bits::<6>(0);
        if self.rsh.val() > self.k_63.val() {
            self.rsh6.next = self.k_63.val().get_bits::<6>(0);
        }
        self.fix_a.next = self.m41.val() >> self.rsh6.val();
        self.inexact.next = (self.m41.val() & !(self.k_ones41.val() << self.rsh6.val())).any();
        if self.e8.val() >= self.k_118.val() {
            self.fix_a.next = self.m41.val() << self.lsh.val();
            self.inexact.next = false;
        }
        // fix_x = bits 40..8 of the 41-bit fixed-point argument (bits 7..0 are below the
        // polynomial's d). Negative x: -(A + inexact) = ~(A + inexact - 1), so its high part is
        // ~A_hi when inexact, else ~(A_hi - borrow) with borrow = (A[7:0] == 0).
        self.fa_borrow.next = !self.fix_a.val().get_bits::<8>(0).any();
        self.fix_x.next = self.fix_a.val().get_bits::<33>(8);
        if self.a.val().get_bit(31) {
            self.fix_x.next = !self.fix_a.val().get_bits::<33>(8);
            if !self.inexact.val() && self.fa_borrow.val() {
                self.fix_x.next = !(self.fix_a.val().get_bits::<33>(8) - self.k_one33.val());
            }
        }
        // n = fix_x[32:24] (the integer part) sign-extended to 12 bits.
        self.n12.next = bit_cast::<12, 9>(self.fix_x.val().get_bits::<9>(24));
        if self.fix_x.val().get_bit(32) {
            self.n12.next =
                bit_cast::<12, 9>(self.fix_x.val().get_bits::<9>(24)) | self.k_e00.val();
        }

        // recip / rsqrt: normalize the significand (leading-zero count for subnormals).
        self.f24.next = bit_cast::<24, 23>(self.a.val().get_bits::<23>(0));
        self.lz.next = 0.into();
        self.s1.next = self.f24.val();
        if !self.f24.val().get_bits::<16>(8).any() {
            self.s1.next = self.f24.val() << 16;
            self.lz.next = self.k_s16.val();
        }
        self.s2.next = self.s1.val();
        if !self.s1.val().get_bits::<8>(16).any() {
            self.s2.next = self.s1.val() << 8;
            self.lz.next = self.lz.val() + self.k_s8.val();
        }
        self.s3.next = self.s2.val();
        if !self.s2.val().get_bits::<4>(20).any() {
            self.s3.next = self.s2.val() << 4;
            self.lz.next = self.lz.val() + self.k_s4.val();
        }
        self.s4.next = self.s3.val();
        if !self.s3.val().get_bits::<2>(22).any() {
            self.s4.next = self.s3.val() << 2;
            self.lz.next = self.lz.val() + self.k_s2.val();
        }
        // The normalized significand without its leading one (bit 23).
        self.s5.next = self.s4.val().get_bits::<23>(0);
        if !self.s4.val().get_bit(23) {
            self.s5.next = bit_cast::<23, 22>(self.s4.val().get_bits::<22>(0)) << 1;
            self.lz.next = self.lz.val() + self.k_s1.val();
        }
        // eb12 = unbiased exponent + 1024.
        self.mnorm.next = self.m41.val().get_bits::<23>(0);
        self.eb12.next = bit_cast::<12, 8>(self.a.val().get_bits::<8>(23)) + self.k_897.val();
        if !self.a.val().get_bits::<8>(23).any() {
            self.mnorm.next = self.s5.val();
            self.eb12.next = self.k_898.val() - self.lz.val();
        }
        self.pow2.next = !self.mnorm.val().get_bits::<23>(0).any();
        self.odd.next = self.eb12.val().get_bit(0);

        // Table index, polynomial argument and the exponent handed to the rounder.
        self.sign.next = false;
        if self.func.val() == self.k_f_exp2.val() {
            self.index.next = self.fix_x.val().get_bits::<8>(16);
            self.d.next = self.fix_x.val().get_bits::<16>(0);
            self.ebias.next = self.n12.val() + self.k_1151.val();
        } else if self.func.val() == self.k_f_recip.val() {
            self.index.next = bit_cast::<8, 7>(self.mnorm.val().get_bits::<7>(16));
            self.d.next = self.mnorm.val().get_bits::<16>(0);
            self.ebias.next = self.k_2174.val() - self.eb12.val();
            if self.pow2.val() {
                self.ebias.next = self.k_2175.val() - self.eb12.val();
            }
            self.sign.next = self.a.val().get_bit(31);
        } else {
            self.index.next = bit_cast::<8, 7>(self.mnorm.val().get_bits::<7>(16));
            if self.odd.val() {
                self.index.next =
                    bit_cast::<8, 7>(self.mnorm.val().get_bits::<7>(16)) | self.k_idx_odd.val();
            }
            self.d.next = self.mnorm.val().get_bits::<16>(0);
            self.ebias.next = self.k_1662.val() - (self.eb12.val() >> 1);
            if self.pow2.val() && !self.odd.val() {
                self.ebias.next = self.k_1663.val() - (self.eb12.val() >> 1);
            }
        }
        self.rom.address.next =
            bit_cast::<10, 8>(self.index.val()) | (bit_cast::<10, 2>(self.func.val()) << 8);

        // Y = C0 -/+ (C1hi d + (C1lo d >> 16)) + (C2 ((d d) >> 16)) >> 16
        self.mul_dd.a.next = self.d.val();
        self.mul_dd.b.next = self.d.val();
        self.mul_c1h.a.next = bit_cast::<16, 6>(self.rom.data.val().get_bits::<6>(45));
        self.mul_c1h.b.next = self.d.val();
        self.mul_c1l.a.next = self.rom.data.val().get_bits::<16>(29);
        self.mul_c1l.b.next = self.d.val();
        self.mul_c2.a.next = self.rom.data.val().get_bits::<16>(51);
        self.mul_c2.b.next = self.mul_dd.p.val().get_bits::<16>(16);
        self.c0.next = bit_cast::<32, 29>(self.rom.data.val().get_bits::<29>(0));
        self.p1.next = self.mul_c1h.p.val() + (self.mul_c1l.p.val() >> 16);
        self.p2.next = self.mul_c2.p.val() >> 16;
        self.y.next = self.c0.val() + self.p1.val() + self.p2.val();
        if self.func.val() != self.k_f_exp2.val() {
            self.y.next = self.c0.val() - self.p1.val() + self.p2.val();
        }
        self.yc.next = self.y.val();
        if self.func.val() == self.k_f_exp2.val() {
            if self.y.val() < self.k_y_lo.val() {
                self.yc.next = self.k_y_lo.val();
            }
            if self.y.val() > self.k_y_hi.val() {
                self.yc.next = self.k_y_hi.val();
            }
        } else {
            if self.y.val() > self.k_y_max.val() {
                self.yc.next = self.k_y_max.val() << 1;
            } else {
                self.yc.next = self.y.val() << 1;
            }
            if self.pow2.val() && ((self.func.val() == self.k_f_recip.val()) || !self.odd.val()) {
                self.yc.next = self.k_y_lo.val();
            }
        }
        self.mant.next = bit_cast::<52, 32>(self.yc.val()) << self.k_22.val();

        // Specials, lowest priority first (as the model returns early).
        self.special.next = false;
        self.special_z.next = self.k_zero.val();
        if self.func.val() == self.k_f_exp2.val() {
            if !self.a.val().get_bit(31) && (self.a.val().get_bits::<31>(0) >= self.k_exp_big.val())
            {
                self.special.next = true;
                self.special_z.next = self.k_inf.val();
            }
            if self.a.val().get_bit(31)
                && (self.a.val().get_bits::<31>(0) >= self.k_exp_small.val())
            {
                self.special.next = true;
                self.special_z.next = self.k_zero.val();
            }
        } else if self.func.val() == self.k_f_recip.val() {
            if self.is_inf.val() {
                self.special.next = true;
                self.special_z.next = self.k_zero.val();
                if self.a.val().get_bit(31) {
                    self.special_z.next = self.k_zero.val() | self.k_msb.val();
                }
            }
            if self.is_zero.val() {
                self.special.next = true;
                self.special_z.next = self.k_inf.val();
                if self.a.val().get_bit(31) {
                    self.special_z.next = self.k_inf.val() | self.k_msb.val();
                }
            }
        } else {
            if self.is_inf.val() {
                self.special.next = true;
                self.special_z.next = self.k_zero.val();
            }
            if self.a.val().get_bit(31) {
                self.special.next = true;
                self.special_z.next = self.k_nan.val();
            }
            if self.is_zero.val() {
                self.special.next = true;
                self.special_z.next = self.k_inf.val();
                if self.a.val().get_bit(31) {
                    self.special_z.next = self.k_inf.val() | self.k_msb.val();
                }
            }
        }
        if self.is_nan.val() {
            self.special.next = true;
            self.special_z.next = self.k_nan.val();
        }
    }
}
