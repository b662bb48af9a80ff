//! `Pe<W>`: the output-stationary processing element. It keeps the EXACT fixed-point sum of one
//! MX block's products and never rounds.
//!
//! ```text
//!  a0,b0 (decoded at the array edge) --> SigMul, shift sum --S1--> << shift, xor sign --S2--+
//!  a1,b1 (E2M1 pair lane, when dual) --> SigMul, shift sum --S1--> << shift, xor sign --S2--+
//!                                                  x0 + x1 + negations --S3--> +/= sum (W bits)
//! ```
//!
//! Every valid beat (`v`) adds one product (two in `dual` mode, E2M1 x E2M1: element 2j in lane
//! 0, element 2j+1 in lane 1) aligned on the common lsb 2^(2 lsb_min) into a W-bit two's
//! complement register; `first` marks the first beat of a block and restarts the sum instead of
//! adding to it. A product is negated as `~x + 1`, the `+ 1`s of both lanes added in S3 with the
//! two terms. NaN and signed-Inf flags travel beside the sum (ARCHITECTURE.md 2.3: a NaN element
//! or Inf x 0 is NaN; Inf x nonzero is an Inf of the product's sign).
//!
//! Pipeline: three stages (S1 product, S2 aligned term, S3 the lanes' sum) and the accumulator;
//! every register loads only when `go` is high, so the array can freeze the whole pipeline while a
//! finished block waits for the drain. A beat presented with `v` in go-cycle t is in the sum after
//! go-cycle t + 3 ([`Pe::DEPTH`] = 3 registers before the sum). After the last beat of a block,
//! `sum`/`nan`/`pinf`/`ninf` hold the block's exact result until the next valid beat reaches the
//! sum.
//!
//! No reset: `first` overwrites the sum and flags, and the array only reads them after a complete
//! block (its own valid tags, which are reset, say when). Whatever the PE's tags hold at power-up
//! reaches the sum ahead of the first real beat, whose `first` discards it. The PE has no
//! per-instance parameters, so every PE of the array shares one Verilog module.
use super::mul::SigMul;
use rust_hdl::prelude::*;

/// One processing element with a W-bit exact block sum.
#[derive(LogicBlock)]
pub struct Pe<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Pipeline advance: every register of the PE loads only when it is high.
    pub go: Signal<In, Bit>,
    /// A beat of operands is present on the lanes.
    pub v: Signal<In, Bit>,
    /// This beat is the first of a block: restart the sum.
    pub first: Signal<In, Bit>,
    /// E2M1 x E2M1: the pair lane carries a second product.
    pub dual: Signal<In, Bit>,
    /// Decoded operands `{inf, nan, shift[5:0], mag[7:0], sign}` (see `edge.rs`): lane 0 and the
    /// E2M1 pair lane 1 of A (from the row) and of B (from the column).
    pub a0: Signal<In, Bits<17>>,
    pub a1: Signal<In, Bits<17>>,
    pub b0: Signal<In, Bits<17>>,
    pub b1: Signal<In, Bits<17>>,
    /// Exact block sum in units of 2^(2 lsb_min), two's complement.
    pub sum: Signal<Out, Bits<W>>,
    /// The block holds a NaN product (NaN element or Inf x 0).
    pub nan: Signal<Out, Bit>,
    /// The block holds a +Inf / -Inf product.
    pub pinf: Signal<Out, Bit>,
    pub ninf: Signal<Out, Bit>,
    mul0: SigMul,
    mul1: SigMul,
    // S1: products (32-bit port of SigMul, upper half zero), shift amounts, signs and special flags of both lanes, tags.
    s1_p0: DFF<Bits<32>>,
    s1_p1: DFF<Bits<32>>,
    s1_sh0: DFF<Bits<7>>,
    s1_sh1: DFF<Bits<7>>,
    /// {ninf, pinf, nan, negate lane 1, negate lane 0}.
    s1_fl: DFF<Bits<5>>,
    s1_v: DFF<Bit>,
    s1_first: DFF<Bit>,
    // S2: aligned terms (one's complement when negative), the +1s, flags, tags.
    s2_x0: DFF<Bits<W>>,
    s2_x1: DFF<Bits<W>>,
    s2_fl: DFF<Bits<5>>,
    s2_v: DFF<Bit>,
    s2_first: DFF<Bit>,
    // S3: the beat's signed term.
    s3_t: DFF<Bits<W>>,
    s3_fl: DFF<Bits<3>>,
    s3_v: DFF<Bit>,
    s3_first: DFF<Bit>,
    acc: DFF<Bits<W>>,
    f_nan: DFF<Bit>,
    f_pinf: DFF<Bit>,
    f_ninf: DFF<Bit>,
    /// Lane products are NaN / Inf, and their signs.
    nan0: Signal<Local, Bit>,
    inf0: Signal<Local, Bit>,
    neg0: Signal<Local, Bit>,
    nan1: Signal<Local, Bit>,
    inf1: Signal<Local, Bit>,
    neg1: Signal<Local, Bit>,
    /// The beat's products hold a NaN / +Inf / -Inf.
    pnan: Signal<Local, Bit>,
    ppinf: Signal<Local, Bit>,
    pninf: Signal<Local, Bit>,
    base: Signal<Local, Bits<W>>,
    ones_w: Constant<Bits<W>>,
    zero_w: Constant<Bits<W>>,
    zero32: Constant<Bits<32>>,
    zero7: Constant<Bits<7>>,
}

impl<const W: usize> Pe<W> {
    /// Pipeline registers between the lanes and the sum.
    pub const DEPTH: usize = 3;

    /// A PE (its formats are decoded at the array edge).
    pub fn new() -> Self {
        Pe {
            clock: Default::default(),
            go: Default::default(),
            v: Default::default(),
            first: Default::default(),
            dual: Default::default(),
            a0: Default::default(),
            a1: Default::default(),
            b0: Default::default(),
            b1: Default::default(),
            sum: Default::default(),
            nan: Default::default(),
            pinf: Default::default(),
            ninf: Default::default(),
            mul0: Default::default(),
            mul1: Default::default(),
            s1_p0: Default::default(),
            s1_p1: Default::default(),
            s1_sh0: Default::default(),
            s1_sh1: Default::default(),
            s1_fl: Default::default(),
            s1_v: Default::default(),
            s1_first: Default::default(),
            s2_x0: Default::default(),
            s2_x1: Default::default(),
            s2_fl: Default::default(),
            s2_v: Default::default(),
            s2_first: Default::default(),
            s3_t: Default::default(),
            s3_fl: Default::default(),
            s3_v: Default::default(),
            s3_first: Default::default(),
            acc: Default::default(),
            f_nan: Default::default(),
            f_pinf: Default::default(),
            f_ninf: Default::default(),
            nan0: Default::default(),
            inf0: Default::default(),
            neg0: Default::default(),
            nan1: Default::default(),
            inf1: Default::default(),
            neg1: Default::default(),
            pnan: Default::default(),
            ppinf: Default::default(),
            pninf: Default::default(),
            base: Default::default(),
            ones_w: Constant::new(Bits::<W>::mask()),
            zero_w: Constant::new(0u64.to_bits()),
            zero32: Constant::new(0u64.to_bits()),
            zero7: Constant::new(0u64.to_bits()),
        }
    }
}

impl<const W: usize> Default for Pe<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> Logic for Pe<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, s1_p0, s1_p1, s1_sh0, s1_sh1, s1_fl, s1_v, s1_first, s2_x0, s2_x1, s2_fl,
            s2_v, s2_first, s3_t, s3_fl, s3_v, s3_first, acc, f_nan, f_pinf, f_ninf
        );
        // ----- S1: significand products through the one multiply primitive; shift sums.
        self.mul0.a.next = self.a0.val().get_bits::<8>(1);
        self.mul0.b.next = self.b0.val().get_bits::<8>(1);
        self.mul1.a.next = self.a1.val().get_bits::<8>(1);
        self.mul1.b.next = self.b1.val().get_bits::<8>(1);
        // IEEE rules on the exact products: NaN element or Inf x 0 is NaN; Inf x finite is Inf.
        self.nan0.next = self.a0.val().get_bit(15)
            | self.b0.val().get_bit(15)
            | (self.a0.val().get_bit(16)
                & !self.b0.val().get_bit(16)
                & !self.b0.val().get_bits::<8>(1).any())
            | (self.b0.val().get_bit(16)
                & !self.a0.val().get_bit(16)
                & !self.a0.val().get_bits::<8>(1).any());
        self.inf0.next = (self.a0.val().get_bit(16) | self.b0.val().get_bit(16)) & !self.nan0.val();
        self.neg0.next = self.a0.val().get_bit(0) ^ self.b0.val().get_bit(0);
        self.nan1.next = self.a1.val().get_bit(15)
            | self.b1.val().get_bit(15)
            | (self.a1.val().get_bit(16)
                & !self.b1.val().get_bit(16)
                & !self.b1.val().get_bits::<8>(1).any())
            | (self.b1.val().get_bit(16)
                & !self.a1.val().get_bit(16)
                & !self.a1.val().get_bits::<8>(1).any());
        self.inf1.next = (self.a1.val().get_bit(16) | self.b1.val().get_bit(16)) & !self.nan1.val();
        self.neg1.next = self.a1.val().get_bit(0) ^ self.b1.val().get_bit(0);
        if !self.dual.val() {
            self.nan1.next = false;
            self.inf1.next = false;
            self.neg1.next = false;
        }
        self.pnan.next = self.nan0.val() | self.nan1.val();
        self.ppinf.next =
            (self.inf0.val() & !self.neg0.val()) | (self.inf1.val() & !self.neg1.val());
        self.pninf.next = (self.inf0.val() & self.neg0.val()) | (self.inf1.val() & self.neg1.val());
        if self.go.val() {
            self.s1_p0.d.next = self.mul0.p.val();
            self.s1_sh0.d.next = bit_cast::<7, 6>(self.a0.val().get_bits::<6>(9))
                + bit_cast::<7, 6>(self.b0.val().get_bits::<6>(9));
            self.s1_p1.d.next = self.zero32.val();
            self.s1_sh1.d.next = self.zero7.val();
            if self.dual.val() {
                self.s1_p1.d.next = self.mul1.p.val();
                self.s1_sh1.d.next = bit_cast::<7, 6>(self.a1.val().get_bits::<6>(9))
                    + bit_cast::<7, 6>(self.b1.val().get_bits::<6>(9));
            }
            self.s1_fl.d.next = bit_cast::<5, 1>(self.neg0.val().into())
                | (bit_cast::<5, 1>(self.neg1.val().into()) << 1)
                | (bit_cast::<5, 1>(self.pnan.val().into()) << 2)
                | (bit_cast::<5, 1>(self.ppinf.val().into()) << 3)
                | (bit_cast::<5, 1>(self.pninf.val().into()) << 4);
            self.s1_v.d.next = self.v.val();
            self.s1_first.d.next = self.first.val();
        }
        // ----- S2: align on the common lsb; a negative term becomes its one's complement.
        if self.go.val() {
            self.s2_x0.d.next = bit_cast::<W, 32>(self.s1_p0.q.val()) << self.s1_sh0.q.val();
            if self.s1_fl.q.val().get_bit(0) {
                self.s2_x0.d.next = (bit_cast::<W, 32>(self.s1_p0.q.val()) << self.s1_sh0.q.val())
                    ^ self.ones_w.val();
            }
            self.s2_x1.d.next = bit_cast::<W, 32>(self.s1_p1.q.val()) << self.s1_sh1.q.val();
            if self.s1_fl.q.val().get_bit(1) {
                self.s2_x1.d.next = (bit_cast::<W, 32>(self.s1_p1.q.val()) << self.s1_sh1.q.val())
                    ^ self.ones_w.val();
            }
            self.s2_fl.d.next = self.s1_fl.q.val();
            self.s2_v.d.next = self.s1_v.q.val();
            self.s2_first.d.next = self.s1_first.q.val();
        }
        // ----- S3: the beat's term: x0 + x1 + (the two's complement +1s).
        if self.go.val() {
            self.s3_t.d.next = self.s2_x0.q.val()
                + self.s2_x1.q.val()
                + bit_cast::<W, 1>(self.s2_fl.q.val().get_bits::<1>(0))
                + bit_cast::<W, 1>(self.s2_fl.q.val().get_bits::<1>(1));
            self.s3_fl.d.next = self.s2_fl.q.val().get_bits::<3>(2);
            self.s3_v.d.next = self.s2_v.q.val();
            self.s3_first.d.next = self.s2_first.q.val();
        }
        // ----- Accumulate.
        self.base.next = self.acc.q.val();
        if self.s3_first.q.val() {
            self.base.next = self.zero_w.val();
        }
        if self.go.val() & self.s3_v.q.val() {
            self.acc.d.next = self.base.val() + self.s3_t.q.val();
            self.f_nan.d.next =
                (self.f_nan.q.val() & !self.s3_first.q.val()) | self.s3_fl.q.val().get_bit(0);
            self.f_pinf.d.next =
                (self.f_pinf.q.val() & !self.s3_first.q.val()) | self.s3_fl.q.val().get_bit(1);
            self.f_ninf.d.next =
                (self.f_ninf.q.val() & !self.s3_first.q.val()) | self.s3_fl.q.val().get_bit(2);
        }
        self.sum.next = self.acc.q.val();
        self.nan.next = self.f_nan.q.val();
        self.pinf.next = self.f_pinf.q.val();
        self.ninf.next = self.f_ninf.q.val();
    }
}
