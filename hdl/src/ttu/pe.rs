//! `Pe<W>`: the output-stationary processing element. It keeps the EXACT fixed-point sum of one
//! MX block's products and never rounds.
//!
//! ```text
//!   code_a --> ElemDecode --+--> SigMul --> << (shift_a + shift_b) --> +/- --+
//!   code_b --> ElemDecode --+                                              +--> sum (W bits, DFF)
//!   code_a[7:4], code_b[7:4] (E2M1 pair lane, only when dual) --> ... -----+
//! ```
//!
//! Every beat (`en`) adds one product (two in `dual` mode, E2M1 x E2M1: element 2j in code bits
//! 3:0, element 2j+1 in bits 7:4) aligned on the common lsb 2^(2 lsb_min) into a W-bit two's
//! complement register; `first` marks the first beat of a block and restarts the sum instead of
//! adding to it. NaN and signed-Inf flags travel beside the sum (ARCHITECTURE.md 2.3: a NaN element
//! or Inf x 0 is NaN; Inf x nonzero is an Inf of the product's sign). After the last beat of a
//! block, `sum`/`nan`/`pinf`/`ninf` hold the block's exact result until the next `en`.
//!
//! Latency: the sum is valid the cycle after the last beat. No reset is needed: `first` overwrites
//! the state, and the array only reads it after a complete block. The PE has no per-instance
//! parameters, so every PE of the array shares one Verilog module.
use super::decode::ElemDecode;
use super::mul::SigMul;
use rust_hdl::prelude::*;
use tessera_model::config::ElemFormat;

/// One processing element with a W-bit exact block sum.
#[derive(LogicBlock)]
pub struct Pe<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// A beat of operands is present and accepted this cycle.
    pub en: Signal<In, Bit>,
    /// This beat is the first of a block: restart the sum.
    pub first: Signal<In, Bit>,
    /// E2M1 x E2M1: two elements per code byte.
    pub dual: Signal<In, Bit>,
    /// Format selects of the A and B operands.
    pub fmt_a: Signal<In, Bits<3>>,
    pub fmt_b: Signal<In, Bits<3>>,
    /// Element codes of this beat.
    pub code_a: Signal<In, Bits<8>>,
    pub code_b: Signal<In, Bits<8>>,
    /// Exact block sum in units of 2^(2 lsb_min), two's complement.
    pub sum: Signal<Out, Bits<W>>,
    /// The block holds a NaN product (NaN element or Inf x 0).
    pub nan: Signal<Out, Bit>,
    /// The block holds a +Inf / -Inf product.
    pub pinf: Signal<Out, Bit>,
    pub ninf: Signal<Out, Bit>,
    dec_a: ElemDecode,
    dec_b: ElemDecode,
    /// Pair lane decoders (E2M1 from the upper nibble).
    dec_a1: ElemDecode,
    dec_b1: ElemDecode,
    mul0: SigMul,
    mul1: SigMul,
    acc: DFF<Bits<W>>,
    f_nan: DFF<Bit>,
    f_pinf: DFF<Bit>,
    f_ninf: DFF<Bit>,
    /// Aligned product magnitudes and signed terms of both lanes.
    mag0: Signal<Local, Bits<W>>,
    mag1: Signal<Local, Bits<W>>,
    term0: Signal<Local, Bits<W>>,
    term1: Signal<Local, Bits<W>>,
    /// Lane 0 product is NaN / Inf.
    nan0: Signal<Local, Bit>,
    inf0: Signal<Local, Bit>,
    base: Signal<Local, Bits<W>>,
    zero_w: Constant<Bits<W>>,
    f_e2m1: Constant<Bits<3>>,
}

impl<const W: usize> Pe<W> {
    /// A PE for the configured `formats` (`lsb_min`: smallest lsb exponent among them).
    pub fn new(formats: &[ElemFormat], lsb_min: i32) -> Self {
        Pe {
            clock: Default::default(),
            en: Default::default(),
            first: Default::default(),
            dual: Default::default(),
            fmt_a: Default::default(),
            fmt_b: Default::default(),
            code_a: Default::default(),
            code_b: Default::default(),
            sum: Default::default(),
            nan: Default::default(),
            pinf: Default::default(),
            ninf: Default::default(),
            dec_a: ElemDecode::new(formats, lsb_min),
            dec_b: ElemDecode::new(formats, lsb_min),
            dec_a1: ElemDecode::new(formats, lsb_min),
            dec_b1: ElemDecode::new(formats, lsb_min),
            mul0: Default::default(),
            mul1: Default::default(),
            acc: Default::default(),
            f_nan: Default::default(),
            f_pinf: Default::default(),
            f_ninf: Default::default(),
            mag0: Default::default(),
            mag1: Default::default(),
            term0: Default::default(),
            term1: Default::default(),
            nan0: Default::default(),
            inf0: Default::default(),
            base: Default::default(),
            zero_w: Constant::new(0u64.to_bits()),
            f_e2m1: Constant::new(super::decode::format_select(ElemFormat::E2m1).to_bits()),
        }
    }
}

impl<const W: usize> Logic for Pe<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, acc, f_nan, f_pinf, f_ninf);
        // Decode both operands (lane 0) and the E2M1 upper nibbles (lane 1).
        self.dec_a.code.next = self.code_a.val();
        self.dec_a.fmt.next = self.fmt_a.val();
        self.dec_b.code.next = self.code_b.val();
        self.dec_b.fmt.next = self.fmt_b.val();
        self.dec_a1.code.next = self.code_a.val() >> 4;
        self.dec_a1.fmt.next = self.f_e2m1.val();
        self.dec_b1.code.next = self.code_b.val() >> 4;
        self.dec_b1.fmt.next = self.f_e2m1.val();
        // Significand products through the one multiply primitive.
        self.mul0.a.next = self.dec_a.mag.val();
        self.mul0.b.next = self.dec_b.mag.val();
        self.mul1.a.next = self.dec_a1.mag.val();
        self.mul1.b.next = self.dec_b1.mag.val();
        // Align on the common lsb and apply the product sign.
        self.mag0.next = bit_cast::<W, 32>(self.mul0.p.val())
            << (bit_cast::<7, 6>(self.dec_a.shift.val())
                + bit_cast::<7, 6>(self.dec_b.shift.val()));
        self.term0.next = self.mag0.val();
        if self.dec_a.sign.val() ^ self.dec_b.sign.val() {
            self.term0.next = self.zero_w.val() - self.mag0.val();
        }
        self.mag1.next = bit_cast::<W, 32>(self.mul1.p.val())
            << (bit_cast::<7, 6>(self.dec_a1.shift.val())
                + bit_cast::<7, 6>(self.dec_b1.shift.val()));
        self.term1.next = self.zero_w.val();
        if self.dual.val() {
            self.term1.next = self.mag1.val();
            if self.dec_a1.sign.val() ^ self.dec_b1.sign.val() {
                self.term1.next = self.zero_w.val() - self.mag1.val();
            }
        }
        // IEEE rules on the exact products: NaN element or Inf x 0 is NaN; Inf x finite is Inf.
        self.nan0.next = self.dec_a.nan.val()
            | self.dec_b.nan.val()
            | (self.dec_a.inf.val() & !self.dec_b.inf.val() & !self.dec_b.mag.val().any())
            | (self.dec_b.inf.val() & !self.dec_a.inf.val() & !self.dec_a.mag.val().any());
        self.inf0.next = (self.dec_a.inf.val() | self.dec_b.inf.val()) & !self.nan0.val();
        // Accumulate.
        self.base.next = self.acc.q.val();
        if self.first.val() {
            self.base.next = self.zero_w.val();
        }
        if self.en.val() {
            self.acc.d.next = self.base.val() + self.term0.val() + self.term1.val();
            self.f_nan.d.next = (self.f_nan.q.val() & !self.first.val()) | self.nan0.val();
            self.f_pinf.d.next = (self.f_pinf.q.val() & !self.first.val())
                | (self.inf0.val() & !(self.dec_a.sign.val() ^ self.dec_b.sign.val()));
            self.f_ninf.d.next = (self.f_ninf.q.val() & !self.first.val())
                | (self.inf0.val() & (self.dec_a.sign.val() ^ self.dec_b.sign.val()));
        }
        self.sum.next = self.acc.q.val();
        self.nan.next = self.f_nan.q.val();
        self.pinf.next = self.f_pinf.q.val();
        self.ninf.next = self.f_ninf.q.val();
    }
}
