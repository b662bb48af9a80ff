//! `ElemDecode`: one MX element code -> (sign, significand magnitude, alignment shift, NaN, Inf).
//!
//! The value of a finite element is `(-1)^sign x mag x 2^(shift + lsb_min)`, where `lsb_min` is the
//! smallest element lsb exponent among the configured formats (ARCHITECTURE.md 2.1: E5M2 2^-16,
//! E4M3 2^-9, INT8 2^-6, E3M2 2^-4, E2M3 2^-3, E2M1 2^-1). Putting every format on that common lsb
//! lets a processing element add products of any format pair into one fixed-point block sum.
//!
//! | format | code bits used | mag (bits)            | shift                          |
//! |--------|----------------|-----------------------|--------------------------------|
//! | E4M3   | 7:0            | {E!=0, M} (4)         | off + max(E,1) - 1             |
//! | E5M2   | 7:0            | {E!=0, M} (3)         | off + max(E,1) - 1             |
//! | E2M3   | 5:0            | {E!=0, M} (4)         | off + max(E,1) - 1             |
//! | E3M2   | 5:0            | {E!=0, M} (3)         | off + max(E,1) - 1             |
//! | E2M1   | 3:0            | {E!=0, M} (2)         | off + max(E,1) - 1             |
//! | INT8   | 7:0            | abs(code) (8, 128 ok) | off                            |
//!
//! `off` = format lsb exponent - `lsb_min` (a per-configuration constant, the same in every
//! instance, so all decoders share one Verilog module). NaN and Inf codes decode with `mag` = 0 and
//! raise `nan` / `inf`. A format that is not configured decodes as zero: its enable constant is 0
//! and synthesis removes its logic. Upper code bits a format does not use are ignored (the E2M1
//! pair lane of the PE relies on this). Purely combinational.
use rust_hdl::prelude::*;
use tessera_model::config::ElemFormat;

/// The 3-bit select code of a format on the TTU's `fmt_a`/`fmt_b` inputs: its index in
/// [`ElemFormat::ALL`] (e4m3 0, e5m2 1, e2m3 2, e3m2 3, e2m1 4, int8 5).
pub fn format_select(f: ElemFormat) -> u64 {
    ElemFormat::ALL.iter().position(|g| *g == f).unwrap() as u64
}

/// Element lsb exponent (log2 of the smallest subnormal step) per ARCHITECTURE.md 2.1.
pub fn lsb_exp(f: ElemFormat) -> i32 {
    match f {
        ElemFormat::E4m3 => -9,
        ElemFormat::E5m2 => -16,
        ElemFormat::E2m3 => -3,
        ElemFormat::E3m2 => -4,
        ElemFormat::E2m1 => -1,
        ElemFormat::Int8 => -6,
    }
}

/// Decoder for every configured element format, selected at run time by `fmt`.
#[derive(LogicBlock)]
pub struct ElemDecode {
    /// Element code (FP6 in bits 5:0, FP4 in bits 3:0).
    pub code: Signal<In, Bits<8>>,
    /// Format select, see [`format_select`].
    pub fmt: Signal<In, Bits<3>>,
    /// Sign of the element (also of +-0, which has `mag` 0).
    pub sign: Signal<Out, Bit>,
    /// Significand magnitude with the hidden bit.
    pub mag: Signal<Out, Bits<8>>,
    /// Left shift that puts `mag` on the common lsb 2^lsb_min.
    pub shift: Signal<Out, Bits<6>>,
    /// The code is a NaN (E4M3 S.1111.111, E5M2 S.11111.{01,10,11}).
    pub nan: Signal<Out, Bit>,
    /// The code is an infinity (E5M2 S.11111.00).
    pub inf: Signal<Out, Bit>,
    /// Biased exponent field, zero-extended.
    ex: Signal<Local, Bits<6>>,
    /// Format select codes.
    f_e4m3: Constant<Bits<3>>,
    f_e5m2: Constant<Bits<3>>,
    f_e2m3: Constant<Bits<3>>,
    f_e3m2: Constant<Bits<3>>,
    f_e2m1: Constant<Bits<3>>,
    f_int8: Constant<Bits<3>>,
    /// 1 when the format is configured.
    en_e4m3: Constant<Bit>,
    en_e5m2: Constant<Bit>,
    en_e2m3: Constant<Bit>,
    en_e3m2: Constant<Bit>,
    en_e2m1: Constant<Bit>,
    en_int8: Constant<Bit>,
    /// Per-format lsb offset above lsb_min.
    off_e4m3: Constant<Bits<6>>,
    off_e5m2: Constant<Bits<6>>,
    off_e2m3: Constant<Bits<6>>,
    off_e3m2: Constant<Bits<6>>,
    off_e2m1: Constant<Bits<6>>,
    off_int8: Constant<Bits<6>>,
    /// Hidden-bit masks for 3-, 2- and 1-bit mantissas.
    hid_m3: Constant<Bits<8>>,
    hid_m2: Constant<Bits<8>>,
    hid_m1: Constant<Bits<8>>,
    one6: Constant<Bits<6>>,
    zero6: Constant<Bits<6>>,
    zero8: Constant<Bits<8>>,
}

impl ElemDecode {
    /// A decoder for the configured `formats`; `lsb_min` is the smallest lsb exponent among them.
    pub fn new(formats: &[ElemFormat], lsb_min: i32) -> Self {
        let en = |f: ElemFormat| Constant::new(formats.contains(&f));
        let sel = |f: ElemFormat| Constant::new(format_select(f).to_bits());
        let off = |f: ElemFormat| {
            let o = if formats.contains(&f) {
                lsb_exp(f) - lsb_min
            } else {
                0
            };
            assert!((0..64).contains(&o), "lsb offset out of range");
            Constant::new((o as u64).to_bits())
        };
        ElemDecode {
            code: Default::default(),
            fmt: Default::default(),
            sign: Default::default(),
            mag: Default::default(),
            shift: Default::default(),
            nan: Default::default(),
            inf: Default::default(),
            ex: Default::default(),
            f_e4m3: sel(ElemFormat::E4m3),
            f_e5m2: sel(ElemFormat::E5m2),
            f_e2m3: sel(ElemFormat::E2m3),
            f_e3m2: sel(ElemFormat::E3m2),
            f_e2m1: sel(ElemFormat::E2m1),
            f_int8: sel(ElemFormat::Int8),
            en_e4m3: en(ElemFormat::E4m3),
            en_e5m2: en(ElemFormat::E5m2),
            en_e2m3: en(ElemFormat::E2m3),
            en_e3m2: en(ElemFormat::E3m2),
            en_e2m1: en(ElemFormat::E2m1),
            en_int8: en(ElemFormat::Int8),
            off_e4m3: off(ElemFormat::E4m3),
            off_e5m2: off(ElemFormat::E5m2),
            off_e2m3: off(ElemFormat::E2m3),
            off_e3m2: off(ElemFormat::E3m2),
            off_e2m1: off(ElemFormat::E2m1),
            off_int8: off(ElemFormat::Int8),
            hid_m3: Constant::new(8u64.to_bits()),
            hid_m2: Constant::new(4u64.to_bits()),
            hid_m1: Constant::new(2u64.to_bits()),
            one6: Constant::new(1u64.to_bits()),
            zero6: Constant::new(0u64.to_bits()),
            zero8: Constant::new(0u64.to_bits()),
        }
    }
}

impl Logic for ElemDecode {
    #[hdl_gen]
    fn update(&mut self) {
        // Defaults: an unconfigured format decodes as +0.
        self.sign.next = false;
        self.mag.next = self.zero8.val();
        self.shift.next = self.zero6.val();
        self.nan.next = false;
        self.inf.next = false;
        self.ex.next = self.zero6.val();
        if self.en_e4m3.val() & (self.fmt.val() == self.f_e4m3.val()) {
            self.sign.next = self.code.val().get_bit(7);
            self.ex.next = bit_cast::<6, 4>(self.code.val().get_bits::<4>(3));
            self.mag.next = bit_cast::<8, 3>(self.code.val().get_bits::<3>(0));
            self.shift.next = self.off_e4m3.val();
            if self.ex.val().any() {
                self.mag.next = self.mag.val() | self.hid_m3.val();
                self.shift.next = self.off_e4m3.val() + self.ex.val() - self.one6.val();
            }
            if self.code.val().get_bits::<7>(0).all() {
                self.nan.next = true;
                self.mag.next = self.zero8.val();
            }
        }
        if self.en_e5m2.val() & (self.fmt.val() == self.f_e5m2.val()) {
            self.sign.next = self.code.val().get_bit(7);
            self.ex.next = bit_cast::<6, 5>(self.code.val().get_bits::<5>(2));
            self.mag.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(0));
            self.shift.next = self.off_e5m2.val();
            if self.ex.val().any() {
                self.mag.next = self.mag.val() | self.hid_m2.val();
                self.shift.next = self.off_e5m2.val() + self.ex.val() - self.one6.val();
            }
            if self.code.val().get_bits::<5>(2).all() {
                if self.code.val().get_bits::<2>(0).any() {
                    self.nan.next = true;
                } else {
                    self.inf.next = true;
                }
                self.mag.next = self.zero8.val();
            }
        }
        if self.en_e2m3.val() & (self.fmt.val() == self.f_e2m3.val()) {
            self.sign.next = self.code.val().get_bit(5);
            self.ex.next = bit_cast::<6, 2>(self.code.val().get_bits::<2>(3));
            self.mag.next = bit_cast::<8, 3>(self.code.val().get_bits::<3>(0));
            self.shift.next = self.off_e2m3.val();
            if self.ex.val().any() {
                self.mag.next = self.mag.val() | self.hid_m3.val();
                self.shift.next = self.off_e2m3.val() + self.ex.val() - self.one6.val();
            }
        }
        if self.en_e3m2.val() & (self.fmt.val() == self.f_e3m2.val()) {
            self.sign.next = self.code.val().get_bit(5);
            self.ex.next = bit_cast::<6, 3>(self.code.val().get_bits::<3>(2));
            self.mag.next = bit_cast::<8, 2>(self.code.val().get_bits::<2>(0));
            self.shift.next = self.off_e3m2.val();
            if self.ex.val().any() {
                self.mag.next = self.mag.val() | self.hid_m2.val();
                self.shift.next = self.off_e3m2.val() + self.ex.val() - self.one6.val();
            }
        }
        if self.en_e2m1.val() & (self.fmt.val() == self.f_e2m1.val()) {
            self.sign.next = self.code.val().get_bit(3);
            self.ex.next = bit_cast::<6, 2>(self.code.val().get_bits::<2>(1));
            self.mag.next = bit_cast::<8, 1>(self.code.val().get_bits::<1>(0));
            self.shift.next = self.off_e2m1.val();
            if self.ex.val().any() {
                self.mag.next = self.mag.val() | self.hid_m1.val();
                self.shift.next = self.off_e2m1.val() + self.ex.val() - self.one6.val();
            }
        }
        if self.en_int8.val() & (self.fmt.val() == self.f_int8.val()) {
            // Two's complement; -128 gives mag 0x80 = 128, which the 8-bit magnitude holds.
            self.sign.next = self.code.val().get_bit(7);
            self.mag.next = self.code.val();
            if self.code.val().get_bit(7) {
                self.mag.next = self.zero8.val() - self.code.val();
            }
            self.shift.next = self.off_int8.val();
        }
    }
}
