//! `MxAcc<W, F>`: the MX block accumulate, the TTU's only rounding (ARCHITECTURE.md 2.3):
//!
//! `res = RNE_f32( acc + 2^(sa-127) x 2^(sb-127) x sum x 2^lp )`
//!
//! where `sum` is a PE's exact W-bit block sum in units of 2^lp (lp = 2 lsb_min, a configuration
//! constant). One instance serves a whole array column, one block sum per cycle. Combinational.
//!
//! ```text
//!  sum --abs--> Normalize<W> --+                   +--> ShiftSticky<F> (align the smaller)
//!                              +--> compare exps --+                        |
//!  acc --unpack--> Normalize<24>+                  +--> big +/- lesser (F bits, sticky jammed)
//!                                                                           |
//!       Normalize<F> --> ShiftSticky<F> to 24 bits + guard + sticky (subnormal aware) --> RNE --> pack
//! ```
//!
//! The two operands are normalized, the one with the larger top exponent is placed with its top
//! bit at F-2 of an F-bit frame (F = W + 30), the other is shifted right with its lost bits ORed
//! ("jammed") into the frame lsb. Bits are only lost when the exponents differ by more than 28, and
//! then the result's top bit is within one position of the big operand's, so the jammed lsb lies
//! at least two places below the round bit and cannot change the rounding (the guard/sticky
//! argument of Goldberg, "What every computer scientist should know about floating-point", 1991).
//! The exact sum is then normalized, shifted to 24 bits plus a guard bit and a sticky bit (further
//! right for subnormal results), rounded to nearest even and packed; a carry out of the mantissa
//! moves into the exponent field naturally, and anything at or above 2^128 becomes Inf.
//!
//! Specials, in priority order (the model's `block_mac`): a scale code 0xFF, a NaN accumulator or
//! a NaN block (NaN element, Inf x 0, +Inf + -Inf) give 0x7FC00000; a block Inf gives an Inf of its
//! sign unless the accumulator is the opposite Inf (NaN); an Inf accumulator stays; an exact zero
//! result is +0; a nonzero result below the smallest subnormal rounds to a zero of its own sign.
//!
//! Exponents are carried as 12-bit unsigned values biased by 1024 (every exponent the datapath can
//! see lies in -700..+400).
use super::norm::{Normalize, ShiftSticky};
use rust_hdl::prelude::*;

/// Exponent bias of the 12-bit internal exponents.
const EBIAS: i64 = 1024;

/// The per-column MX accumulate unit (W: block sum width, F: frame width, F = W + 30).
#[derive(LogicBlock)]
pub struct MxAcc<const W: usize, const F: usize> {
    /// Exact block sum, two's complement, units of 2^lp.
    pub sum: Signal<In, Bits<W>>,
    /// Block NaN / +Inf / -Inf flags from the PE.
    pub nan: Signal<In, Bit>,
    pub pinf: Signal<In, Bit>,
    pub ninf: Signal<In, Bit>,
    /// E8M0 scale codes of the A row block and the B column block.
    pub scale_a: Signal<In, Bits<8>>,
    pub scale_b: Signal<In, Bits<8>>,
    /// float32 accumulator in.
    pub acc: Signal<In, Bits<32>>,
    /// float32 accumulator out.
    pub res: Signal<Out, Bits<32>>,

    norm_x: Normalize<W>,
    norm_a: Normalize<24>,
    norm_r: Normalize<F>,
    align: ShiftSticky<F>,
    round: ShiftSticky<F>,

    // Block-sum side.
    sx: Signal<Local, Bit>,
    magx: Signal<Local, Bits<W>>,
    zx: Signal<Local, Bit>,
    ex: Signal<Local, Bits<12>>,
    px: Signal<Local, Bits<F>>,
    // Accumulator side.
    sa: Signal<Local, Bit>,
    aexp: Signal<Local, Bits<8>>,
    afrac: Signal<Local, Bits<23>>,
    a_nan: Signal<Local, Bit>,
    a_inf: Signal<Local, Bit>,
    ma: Signal<Local, Bits<24>>,
    za: Signal<Local, Bit>,
    ea: Signal<Local, Bits<12>>,
    pa: Signal<Local, Bits<F>>,
    // Alignment and the exact add.
    x_big: Signal<Local, Bit>,
    big: Signal<Local, Bits<F>>,
    lesser: Signal<Local, Bits<F>>,
    sbig: Signal<Local, Bit>,
    ssmall: Signal<Local, Bit>,
    ebig: Signal<Local, Bits<12>>,
    esmall: Signal<Local, Bits<12>>,
    smallj: Signal<Local, Bits<F>>,
    r: Signal<Local, Bits<F>>,
    rs: Signal<Local, Bit>,
    er: Signal<Local, Bits<12>>,
    // Rounding and packing.
    sub_sh: Signal<Local, Bits<12>>,
    m: Signal<Local, Bits<24>>,
    guard: Signal<Local, Bit>,
    stk: Signal<Local, Bit>,
    mr: Signal<Local, Bits<25>>,
    mag: Signal<Local, Bits<32>>,
    /// float32 exponent field minus one of a normal result.
    efield: Signal<Local, Bits<12>>,
    blk_inf: Signal<Local, Bit>,
    nan_out: Signal<Local, Bit>,

    /// 2^(W-1): a block sum at or above it is negative.
    half_w: Constant<Bits<W>>,
    zero_w: Constant<Bits<W>>,
    one_f: Constant<Bits<F>>,
    zero12: Constant<Bits<12>>,
    one12: Constant<Bits<12>>,
    /// Biased exponent of bit W-1 of the block sum with both scales 0: EBIAS + W-1 + lp - 254.
    k_ex: Constant<Bits<12>>,
    /// EBIAS - 127: biased exponent of bit 23 of the accumulator significand is k_ea + max(E, 1).
    k_ea: Constant<Bits<12>>,
    /// Frame placement shifts: F-1-W and F-1-24.
    k_px: Constant<Bits<8>>,
    k_pa: Constant<Bits<8>>,
    /// Internal exponent of the smallest normal float32 (2^-126): EBIAS - 126.
    k_emin: Constant<Bits<12>>,
    /// Internal exponent 2^128 (overflow): EBIAS + 128.
    k_eovf: Constant<Bits<12>>,
    /// Right shift that brings the frame's top 24 bits + guard + sticky to bits 25..0: F - 26.
    k_rsh: Constant<Bits<12>>,
    /// EBIAS - 126 + 1 - 1: subtracted from a normal exponent gives the float32 field minus one.
    k_efield: Constant<Bits<12>>,
    hidden: Constant<Bits<24>>,
    k_26: Constant<Bits<8>>,
    one25: Constant<Bits<25>>,
    ff8: Constant<Bits<8>>,
    f32_nan: Constant<Bits<32>>,
    f32_inf: Constant<Bits<32>>,
    f32_sign: Constant<Bits<32>>,
    zero32: Constant<Bits<32>>,
}

fn c12(v: i64) -> Constant<Bits<12>> {
    assert!(
        (0..4096).contains(&v),
        "12-bit exponent constant out of range: {v}"
    );
    Constant::new((v as u64).to_bits())
}

impl<const W: usize, const F: usize> MxAcc<W, F> {
    /// An accumulate unit for block sums in units of 2^`lp` (`lp` = 2 x the smallest lsb exponent).
    pub fn new(lp: i32) -> Self {
        assert_eq!(F, W + 30, "MxAcc frame must be W + 30 bits");
        let lp = lp as i64;
        MxAcc {
            sum: Default::default(),
            nan: Default::default(),
            pinf: Default::default(),
            ninf: Default::default(),
            scale_a: Default::default(),
            scale_b: Default::default(),
            acc: Default::default(),
            res: Default::default(),
            norm_x: Default::default(),
            norm_a: Default::default(),
            norm_r: Default::default(),
            align: Default::default(),
            round: Default::default(),
            sx: Default::default(),
            magx: Default::default(),
            zx: Default::default(),
            ex: Default::default(),
            px: Default::default(),
            sa: Default::default(),
            aexp: Default::default(),
            afrac: Default::default(),
            a_nan: Default::default(),
            a_inf: Default::default(),
            ma: Default::default(),
            za: Default::default(),
            ea: Default::default(),
            pa: Default::default(),
            x_big: Default::default(),
            big: Default::default(),
            lesser: Default::default(),
            sbig: Default::default(),
            ssmall: Default::default(),
            ebig: Default::default(),
            esmall: Default::default(),
            smallj: Default::default(),
            r: Default::default(),
            rs: Default::default(),
            er: Default::default(),
            sub_sh: Default::default(),
            m: Default::default(),
            guard: Default::default(),
            stk: Default::default(),
            mr: Default::default(),
            mag: Default::default(),
            efield: Default::default(),
            blk_inf: Default::default(),
            nan_out: Default::default(),
            half_w: Constant::new(Bits::<W>::from(1u64) << ((W - 1) as u64)),
            zero_w: Constant::new(0u64.to_bits()),
            one_f: Constant::new(1u64.to_bits()),
            zero12: c12(0),
            one12: c12(1),
            k_ex: c12(EBIAS + (W as i64 - 1) + lp - 254),
            k_ea: c12(EBIAS - 127),
            k_px: Constant::new(((F - 1 - W) as u64).to_bits()),
            k_pa: Constant::new(((F - 1 - 24) as u64).to_bits()),
            k_emin: c12(EBIAS - 126),
            k_eovf: c12(EBIAS + 128),
            k_rsh: c12(F as i64 - 26),
            k_efield: c12(EBIAS - 126),
            hidden: Constant::new((1u64 << 23).to_bits()),
            k_26: Constant::new(26u64.to_bits()),
            one25: Constant::new(1u64.to_bits()),
            ff8: Constant::new(0xFFu64.to_bits()),
            f32_nan: Constant::new(0x7FC0_0000u64.to_bits()),
            f32_inf: Constant::new(0x7F80_0000u64.to_bits()),
            f32_sign: Constant::new(0x8000_0000u64.to_bits()),
            zero32: Constant::new(0u64.to_bits()),
        }
    }
}

impl<const W: usize, const F: usize> Logic for MxAcc<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        // --- Block sum: sign-magnitude, normalized, exponent of its top bit.
        self.sx.next = self.sum.val() >= self.half_w.val();
        self.magx.next = self.sum.val();
        if self.sx.val() {
            self.magx.next = self.zero_w.val() - self.sum.val();
        }
        self.zx.next = !self.magx.val().any();
        self.norm_x.x.next = self.magx.val();
        self.ex.next = self.k_ex.val()
            + bit_cast::<12, 8>(self.scale_a.val())
            + bit_cast::<12, 8>(self.scale_b.val())
            - bit_cast::<12, 8>(self.norm_x.lz.val());
        if self.zx.val() {
            self.ex.next = self.zero12.val();
        }
        self.px.next = bit_cast::<F, W>(self.norm_x.y.val()) << self.k_px.val();

        // --- Accumulator: unpack, normalize (subnormals too).
        self.sa.next = self.acc.val().get_bit(31);
        self.aexp.next = self.acc.val().get_bits::<8>(23);
        self.afrac.next = self.acc.val().get_bits::<23>(0);
        self.a_nan.next = (self.aexp.val() == self.ff8.val()) & self.afrac.val().any();
        self.a_inf.next = (self.aexp.val() == self.ff8.val()) & !self.afrac.val().any();
        self.ma.next = bit_cast::<24, 23>(self.afrac.val());
        if self.aexp.val().any() {
            self.ma.next = self.ma.val() | self.hidden.val();
        }
        self.za.next = !self.ma.val().any();
        self.norm_a.x.next = self.ma.val();
        self.ea.next = self.k_ea.val() + bit_cast::<12, 8>(self.aexp.val())
            - bit_cast::<12, 8>(self.norm_a.lz.val());
        if !self.aexp.val().any() {
            self.ea.next =
                self.k_ea.val() + self.one12.val() - bit_cast::<12, 8>(self.norm_a.lz.val());
        }
        if self.za.val() {
            self.ea.next = self.zero12.val();
        }
        self.pa.next = bit_cast::<F, 24>(self.norm_a.y.val()) << self.k_pa.val();

        // --- Align the operand with the smaller top exponent to the larger one.
        self.x_big.next = self.ex.val() >= self.ea.val();
        self.big.next = self.pa.val();
        self.lesser.next = self.px.val();
        self.sbig.next = self.sa.val();
        self.ssmall.next = self.sx.val();
        self.ebig.next = self.ea.val();
        self.esmall.next = self.ex.val();
        if self.x_big.val() {
            self.big.next = self.px.val();
            self.lesser.next = self.pa.val();
            self.sbig.next = self.sx.val();
            self.ssmall.next = self.sa.val();
            self.ebig.next = self.ex.val();
            self.esmall.next = self.ea.val();
        }
        self.align.x.next = self.lesser.val();
        self.align.amt.next = self.ebig.val() - self.esmall.val();
        self.smallj.next = self.align.y.val();
        if self.align.sticky.val() {
            self.smallj.next = self.align.y.val() | self.one_f.val();
        }

        // --- Exact signed add in the frame.
        self.rs.next = self.sbig.val();
        self.r.next = self.big.val() + self.smallj.val();
        if self.sbig.val() != self.ssmall.val() {
            self.r.next = self.big.val() - self.smallj.val();
            if self.smallj.val() > self.big.val() {
                self.r.next = self.smallj.val() - self.big.val();
                self.rs.next = self.ssmall.val();
            }
        }

        // --- Normalize the result; bit F-2 of the frame has exponent ebig.
        self.norm_r.x.next = self.r.val();
        self.er.next = self.ebig.val() + self.one12.val() - bit_cast::<12, 8>(self.norm_r.lz.val());
        // Subnormal results keep fewer bits: shift further right by (emin - er).
        self.sub_sh.next = self.zero12.val();
        if self.er.val() < self.k_emin.val() {
            self.sub_sh.next = self.k_emin.val() - self.er.val();
        }
        self.round.x.next = self.norm_r.y.val();
        self.round.amt.next = self.k_rsh.val() + self.sub_sh.val();
        self.m.next = self.round.y.val().get_bits::<24>(2);
        self.guard.next = self.round.y.val().get_bit(1);
        // Bits above 25 are zero by construction (the top one sits at bit 25 or lower after the
        // shift); folding them into the sticky keeps every bit of `round.y` read for the linter.
        self.stk.next = self.round.y.val().get_bit(0)
            | self.round.sticky.val()
            | (self.round.y.val() >> self.k_26.val()).any();
        self.mr.next = bit_cast::<25, 24>(self.m.val());
        if self.guard.val() & (self.stk.val() | self.m.val().get_bit(0)) {
            self.mr.next = bit_cast::<25, 24>(self.m.val()) + self.one25.val();
        }
        // Pack: a normal result adds (field - 1) << 23 to the 24-bit significand with its hidden
        // bit, so a rounding carry moves into the exponent; a subnormal one is the significand.
        self.mag.next = bit_cast::<32, 25>(self.mr.val());
        self.efield.next = self.er.val() - self.k_efield.val();
        if self.er.val() >= self.k_emin.val() {
            self.mag.next =
                (bit_cast::<32, 12>(self.efield.val()) << 23) + bit_cast::<32, 25>(self.mr.val());
        }
        if (self.er.val() >= self.k_eovf.val()) | (self.mag.val() >= self.f32_inf.val()) {
            self.mag.next = self.f32_inf.val();
        }

        // --- Specials and the final mux.
        self.blk_inf.next = self.pinf.val() | self.ninf.val();
        self.nan_out.next = self.nan.val()
            | (self.pinf.val() & self.ninf.val())
            | (self.scale_a.val() == self.ff8.val())
            | (self.scale_b.val() == self.ff8.val())
            | self.a_nan.val()
            | (self.a_inf.val() & self.blk_inf.val() & (self.sa.val() != self.ninf.val()));
        if self.nan_out.val() {
            self.res.next = self.f32_nan.val();
        } else if self.blk_inf.val() {
            self.res.next = self.f32_inf.val();
            if self.ninf.val() {
                self.res.next = self.f32_inf.val() | self.f32_sign.val();
            }
        } else if self.a_inf.val() {
            self.res.next = self.acc.val();
        } else if !self.r.val().any() {
            self.res.next = self.zero32.val();
        } else {
            self.res.next = self.mag.val();
            if self.rs.val() {
                self.res.next = self.mag.val() | self.f32_sign.val();
            }
        }
    }
}
