//! `MxDecFront`: MX element code x E8M0 scale -> float32 (exact dequantization, the lane op
//! `mxdec`), up to the lanes' rounder. Matches `tessera_model::mx::quant::dequantize_elem`.
//!
//! ```text
//!  code --per format--> sign, e, m --> q = e ? (1.m) : (0.m) as an integer (INT8: |code|)
//!  scale ------------------------------> ebias = scale + max(e, 1) + C_fmt  --> FpRound
//! ```
//!
//! The value is `q x 2^(lsb_elem + scale - 127)` with `lsb_elem = max(e,1) - bias - mbits`
//! (INT8: -6). `FpRound` reads `mant x 2^(ebias - 1201)`, so `mant = q` and
//! `ebias = lsb_elem + scale + 1074`, i.e. `C_fmt = 1074 - bias - mbits`. The product is always
//! a float32 or above its range (the smallest lsb is 2^-143 > 2^-149), so the rounder only
//! places it and turns overflow into Inf. Specials bypass the rounder: scale 0xFF, a NaN
//! element -> 0x7FC00000; E5M2 Inf -> +-Inf; a zero element -> +-0 (INT8: +0).
//! `fmt` is the index in `ElemFormat::ALL` (0 E4M3, 1 E5M2, 2 E2M3, 3 E3M2, 4 E2M1, 5.. INT8).
//! Combinational, no state.
use rust_hdl::prelude::*;

/// MX dequantization front end.
#[derive(LogicBlock)]
pub struct MxDecFront {
    /// Element code (low bits used per format).
    pub code: Signal<In, Bits<8>>,
    /// E8M0 scale code.
    pub scale: Signal<In, Bits<8>>,
    /// Format index.
    pub fmt: Signal<In, Bits<3>>,
    /// The result bypasses the rounder.
    pub special: Signal<Out, Bit>,
    /// Final result when `special`.
    pub special_z: Signal<Out, Bits<32>>,
    /// To the rounder.
    pub sign: Signal<Out, Bit>,
    pub ebias: Signal<Out, Bits<12>>,
    pub mant: Signal<Out, Bits<52>>,
    e: Signal<Local, Bits<8>>,
    q: Signal<Local, Bits<8>>,
    cfmt: Signal<Local, Bits<12>>,
    elem_nan: Signal<Local, Bit>,
    elem_inf: Signal<Local, Bit>,
    k_fmt: Vec<Constant<Bits<3>>>,
    k_c: Vec<Constant<Bits<12>>>,
    k_one8: Constant<Bits<8>>,
    k_zero8: Constant<Bits<8>>,
    k_ff: Constant<Bits<8>>,
    k_e4m3_nan: Constant<Bits<7>>,
    k_e5m2_emax: Constant<Bits<5>>,
    k_hid_m3: Constant<Bits<8>>,
    k_hid_m2: Constant<Bits<8>>,
    k_hid_m1: Constant<Bits<8>>,
    k_nan: Constant<Bits<32>>,
    k_inf: Constant<Bits<32>>,
    k_ninf: Constant<Bits<32>>,
    k_zero: Constant<Bits<32>>,
    k_nzero: Constant<Bits<32>>,
}

impl Default for MxDecFront {
    fn default() -> Self {
        fn k<const N: usize>(v: u64) -> Constant<Bits<N>> {
            Constant::new(v.to_bits())
        }
        Self {
            code: Default::default(),
            scale: Default::default(),
            fmt: Default::default(),
            special: Default::default(),
            special_z: Default::default(),
            sign: Default::default(),
            ebias: Default::default(),
            mant: Default::default(),
            e: Default::default(),
            q: Default::default(),
            cfmt: Default::default(),
            elem_nan: Default::default(),
            elem_inf: Default::default(),
            k_fmt: (0..5).map(|i| k(i)).collect(),
            // C_fmt = 1074 - bias - mbits for E4M3, E5M2, E2M3, E3M2, E2M1; INT8 (index 5):
            // ebias = scale + 1068 with max(e,1) = 1 -> 1067.
            k_c: [1064u64, 1057, 1070, 1069, 1072, 1067]
                .iter()
                .map(|&v| k(v))
                .collect(),
            k_one8: k(1),
            k_zero8: k(0),
            k_ff: k(0xFF),
            k_e4m3_nan: k(0x7F),
            k_e5m2_emax: k(0x1F),
            k_hid_m3: k(8),
            k_hid_m2: k(4),
            k_hid_m1: k(2),
            k_nan: k(0x7FC0_0000),
            k_inf: k(0x7F80_0000),
            k_ninf: k(0xFF80_0000),
            k_zero: k(0),
            k_nzero: k(0x8000_0000),
        }
    }
}

impl Logic for MxDecFront {
    #[hdl_gen]
    fn update(&mut self) {
        // Default: INT8 (indices 5, 6, 7), two's complement, value = code x 2^-6.
        self.sign.next = self.code.val().get_bit(7);
        self.q.next = self.code.val();
        if self.code.val().get_bit(7) {
            self.q.next = self.k_zero8.val() - self.code.val();
        }
        self.e.next = self.k_one8.val();
        self.cfmt.next = self.k_c[5].val();
        self.elem_nan.next = false;
        self.elem_inf.next = false;
        if self.fmt.val() == self.k_fmt[0].val() {
            // E4M3: S.EEEE.MMM, NaN = S.1111.111
            self.e.next = bit_cast::<8, 4>(self.code.val().get_bits::<4>(3));
            self.q.next = bit_cast::<8, 3>(self.code.val().get_bits::<3>(0));
            if self.code.val().get_bits::<4>(3).any() {
                self.q.next =
                    bit_cast::<8, 3>(self.code.val().get_bits::<3>(0)) | self.k_hid_m3.val();
            }
            self.cfmt.next = self.k_c[0].val();
            self.elem_nan.next = self.code.val().get_bits::<7>(0) == self.k_e4m3_nan.val();
        }
        if self.fmt.val() == self.k_fmt[1].val() {
            // E5M2: S.EEEEE.MM, Inf = S.11111.00, NaN = S.11111.{01,10,11}
            self.e.next = bit_cast::<8, 5>(self.code.val().get_bits::<5>(2));
            self.q.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(0));
            if self.code.val().get_bits::<5>(2).any() {
                self.q.next =
                    bit_cast::<8, 2>(self.code.val().get_bits::<2>(0)) | self.k_hid_m2.val();
            }
            self.cfmt.next = self.k_c[1].val();
            self.elem_nan.next = (self.code.val().get_bits::<5>(2) == self.k_e5m2_emax.val())
                && self.code.val().get_bits::<2>(0).any();
            self.elem_inf.next = (self.code.val().get_bits::<5>(2) == self.k_e5m2_emax.val())
                && !self.code.val().get_bits::<2>(0).any();
        }
        if self.fmt.val() == self.k_fmt[2].val() {
            // E2M3: S.EE.MMM
            self.sign.next = self.code.val().get_bit(5);
            self.e.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(3));
            self.q.next = bit_cast::<8, 3>(self.code.val().get_bits::<3>(0));
            if self.code.val().get_bits::<2>(3).any() {
                self.q.next =
                    bit_cast::<8, 3>(self.code.val().get_bits::<3>(0)) | self.k_hid_m3.val();
            }
            self.cfmt.next = self.k_c[2].val();
        }
        if self.fmt.val() == self.k_fmt[3].val() {
            // E3M2: S.EEE.MM
            self.sign.next = self.code.val().get_bit(5);
            self.e.next = bit_cast::<8, 3>(self.code.val().get_bits::<3>(2));
            self.q.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(0));
            if self.code.val().get_bits::<3>(2).any() {
                self.q.next =
                    bit_cast::<8, 2>(self.code.val().get_bits::<2>(0)) | self.k_hid_m2.val();
            }
            self.cfmt.next = self.k_c[3].val();
        }
        if self.fmt.val() == self.k_fmt[4].val() {
            // E2M1: S.EE.M
            self.sign.next = self.code.val().get_bit(3);
            self.e.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(1));
            self.q.next = bit_cast::<8, 1>(self.code.val().get_bits::<1>(0));
            if self.code.val().get_bits::<2>(1).any() {
                self.q.next =
                    bit_cast::<8, 1>(self.code.val().get_bits::<1>(0)) | self.k_hid_m1.val();
            }
            self.cfmt.next = self.k_c[4].val();
        }
        // Subnormal elements (e = 0) have the exponent of e = 1.
        if !self.e.val().any() {
            self.e.next = self.k_one8.val();
        }

        self.ebias.next =
            bit_cast::<12, 8>(self.scale.val()) + bit_cast::<12, 8>(self.e.val()) + self.cfmt.val();
        self.mant.next = bit_cast::<52, 8>(self.q.val());

        self.special.next = false;
        self.special_z.next = self.k_zero.val();
        if !self.q.val().any() {
            self.special.next = true;
            if self.sign.val() {
                self.special_z.next = self.k_nzero.val();
            }
        }
        if self.elem_inf.val() {
            self.special.next = true;
            self.special_z.next = self.k_inf.val();
            if self.sign.val() {
                self.special_z.next = self.k_ninf.val();
            }
        }
        if self.elem_nan.val() || (self.scale.val() == self.k_ff.val()) {
            self.special.next = true;
            self.special_z.next = self.k_nan.val();
        }
    }
}
