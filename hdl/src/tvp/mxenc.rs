//! `MxEncLane`: float32 -> MX element code in a block whose scale is known (the lane op
//! `mxenc`, pass 2 of the TVP's quantizer). Matches `tessera_model::tvp::convert::mx_encode_lane`,
//! which is ARCHITECTURE.md 2.2 step 5 (`encode_exact`): RNE from the exact value, finite
//! overflow saturates to +-max (INT8 +-127), the sign of zero is kept for float formats.
//!
//! ```text
//!  a -> M (24-bit significand), ef' = max(ef, 1), fl = floor(log2 M) (LZC)
//!  scaled value M x 2^(ef' - 150 - (scale - 127)); its element exponent e_v = fl + ef' - scale - 23
//!  float formats: r = fl - mbits (normal element) or 24 - bias - mbits + scale - ef' (subnormal)
//!  INT8:          r = 17 + scale - ef' (negative: far above 127, saturate)
//!  R = RNE(M / 2^r)  ({M,0} >> r: guard in bit 0, sticky below)
//!  code magnitude = ((E' - 1) << mbits) + R,  E' = max(e_v + bias, 1)   (a carry of R ripples
//!  into the exponent), min(., max code); sign on top (INT8: two's complement of min(R, 127))
//! ```
//!
//! The lane splits its scalar `s` (the word the `scale` reduction returns) into `fmt` (bits
//! 2..0), `scale_code` (15..8) and `zero_block` (16). Scale 0xFF, an all-zero block or a non-finite `a` give code 0.
//! Combinational, no state.
use rust_hdl::prelude::*;

/// MX element encoder.
#[derive(LogicBlock)]
pub struct MxEncLane {
    /// float32 value.
    pub a: Signal<In, Bits<32>>,
    /// Format index (bits 2..0 of the block word).
    pub fmt: Signal<In, Bits<3>>,
    /// E8M0 scale code of the block (bits 15..8).
    pub scale_code: Signal<In, Bits<8>>,
    /// The block is all zero (bit 16).
    pub zero_block: Signal<In, Bit>,
    /// Element code (low `bits` bits of the format).
    pub code: Signal<Out, Bits<8>>,
    ef: Signal<Local, Bits<12>>,
    scale: Signal<Local, Bits<12>>,
    m0: Signal<Local, Bits<24>>,
    // Leading zeros of M (a priority scan, highest set bit wins).
    lz: Signal<Local, Bits<12>>,
    // per-format constants
    bias: Signal<Local, Bits<12>>,
    mbits: Signal<Local, Bits<12>>,
    mbits5: Signal<Local, Bits<5>>,
    maxmag: Signal<Local, Bits<12>>,
    signmask: Signal<Local, Bits<8>>,
    is_int: Signal<Local, Bit>,
    // exponents, offset by 512 to stay unsigned
    v: Signal<Local, Bits<12>>,
    r: Signal<Local, Bits<12>>,
    r_neg: Signal<Local, Bit>,
    r5: Signal<Local, Bits<5>>,
    m2: Signal<Local, Bits<25>>,
    sh: Signal<Local, Bits<25>>,
    guard: Signal<Local, Bit>,
    sticky: Signal<Local, Bit>,
    rr: Signal<Local, Bits<25>>,
    elo: Signal<Local, Bits<12>>,
    mag: Signal<Local, Bits<25>>,
    mag8: Signal<Local, Bits<8>>,
    k_fmt: Vec<Constant<Bits<3>>>,
    k_bias: Vec<Constant<Bits<12>>>,
    k_mbits: Vec<Constant<Bits<12>>>,
    k_mbits5: Vec<Constant<Bits<5>>>,
    k_lz: Vec<Constant<Bits<12>>>,
    k_maxmag: Vec<Constant<Bits<12>>>,
    k_signmask: Vec<Constant<Bits<8>>>,
    k_ff8: Constant<Bits<8>>,
    k_one12: Constant<Bits<12>>,
    k_17: Constant<Bits<12>>,
    k_23: Constant<Bits<12>>,
    k_24: Constant<Bits<12>>,
    k_25: Constant<Bits<12>>,
    k_512: Constant<Bits<12>>,
    k_hidden: Constant<Bits<24>>,
    k_ones25: Constant<Bits<25>>,
    k_one25: Constant<Bits<25>>,
    k_zero8: Constant<Bits<8>>,
    k_zero12: Constant<Bits<12>>,
    k_sh1: Constant<Bits<5>>,
}

impl Default for MxEncLane {
    fn default() -> Self {
        fn k<const N: usize>(v: u64) -> Constant<Bits<N>> {
            Constant::new(v.to_bits())
        }
        // E4M3, E5M2, E2M3, E3M2, E2M1, INT8 (index 5, also 6 and 7).
        let bias = [7u64, 15, 1, 3, 1, 0];
        let mbits = [3u64, 2, 3, 2, 1, 0];
        let maxmag = [0x7Eu64, 0x7B, 0x1F, 0x1F, 0x7, 127];
        let signmask = [0x80u64, 0x80, 0x20, 0x20, 0x08, 0x80];
        Self {
            a: Default::default(),
            fmt: Default::default(),
            scale_code: Default::default(),
            zero_block: Default::default(),
            code: Default::default(),
            ef: Default::default(),
            scale: Default::default(),
            m0: Default::default(),
            lz: Default::default(),
            bias: Default::default(),
            mbits: Default::default(),
            mbits5: Default::default(),
            maxmag: Default::default(),
            signmask: Default::default(),
            is_int: Default::default(),
            v: Default::default(),
            r: Default::default(),
            r_neg: Default::default(),
            r5: Default::default(),
            m2: Default::default(),
            sh: Default::default(),
            guard: Default::default(),
            sticky: Default::default(),
            rr: Default::default(),
            elo: Default::default(),
            mag: Default::default(),
            mag8: Default::default(),
            k_fmt: (0..5).map(|i| k(i)).collect(),
            k_bias: bias.iter().map(|&v| k(v)).collect(),
            k_mbits: mbits.iter().map(|&v| k(v)).collect(),
            k_mbits5: mbits.iter().map(|&v| k(v)).collect(),
            k_lz: (0..24).map(|i| k(23 - i)).collect(),
            k_maxmag: maxmag.iter().map(|&v| k(v)).collect(),
            k_signmask: signmask.iter().map(|&v| k(v)).collect(),
            k_ff8: k(0xFF),
            k_one12: k(1),
            k_17: k(17),
            k_23: k(23),
            k_24: k(24),
            k_25: k(25),
            k_512: k(512),
            k_hidden: k(1 << 23),
            k_ones25: k((1 << 25) - 1),
            k_one25: k(1),
            k_zero8: k(0),
            k_zero12: k(0),
            k_sh1: k(1),
        }
    }
}

impl Logic for MxEncLane {
    #[hdl_gen]
    fn update(&mut self) {
        // Format constants: INT8 by default, then the float formats by index.
        self.bias.next = self.k_bias[5].val();
        self.mbits.next = self.k_mbits[5].val();
        self.mbits5.next = self.k_mbits5[5].val();
        self.maxmag.next = self.k_maxmag[5].val();
        self.signmask.next = self.k_signmask[5].val();
        self.is_int.next = true;
        for i in 0..5 {
            if self.fmt.val() == self.k_fmt[i].val() {
                self.bias.next = self.k_bias[i].val();
                self.mbits.next = self.k_mbits[i].val();
                self.mbits5.next = self.k_mbits5[i].val();
                self.maxmag.next = self.k_maxmag[i].val();
                self.signmask.next = self.k_signmask[i].val();
                self.is_int.next = false;
            }
        }

        // Significand and effective exponent field.
        self.ef.next = bit_cast::<12, 8>(self.a.val().get_bits::<8>(23));
        self.m0.next = bit_cast::<24, 23>(self.a.val().get_bits::<23>(0));
        if self.a.val().get_bits::<8>(23).any() {
            self.m0.next = bit_cast::<24, 23>(self.a.val().get_bits::<23>(0)) | self.k_hidden.val();
        } else {
            self.ef.next = self.k_one12.val();
        }
        self.scale.next = bit_cast::<12, 8>(self.scale_code.val());

        // lz = leading zeros of M in 24 bits (M != 0 whenever it matters).
        self.lz.next = self.k_24.val();
        for i in 0..24 {
            if self.m0.val().get_bit(i) {
                self.lz.next = self.k_lz[i].val();
            }
        }

        // v = e_v + bias - 1 + 512 = (23 - lz) + ef' - scale - 23 + bias - 1 + 512.
        self.v.next = self.ef.val() + self.bias.val() + self.k_512.val()
            - self.lz.val()
            - self.scale.val()
            - self.k_one12.val();
        // Shift r: normal element fl - mbits = 23 - lz - mbits; subnormal 24 - bias - mbits + scale - ef'.
        self.r.next = self.k_23.val() - self.lz.val() - self.mbits.val();
        self.elo.next = self.v.val() - self.k_512.val();
        if self.v.val() < self.k_512.val() {
            self.r.next = self.k_24.val() + self.scale.val()
                - self.bias.val()
                - self.mbits.val()
                - self.ef.val();
            self.elo.next = self.k_zero12.val();
        }
        self.r_neg.next = false;
        if self.is_int.val() {
            self.r.next = self.k_17.val() + self.scale.val() - self.ef.val();
            self.r_neg.next = (self.k_17.val() + self.scale.val()) < self.ef.val();
            self.elo.next = self.k_zero12.val();
        }
        self.r5.next = self.r.val().get_bits::<5>(0);
        if self.r.val() > self.k_25.val() {
            self.r5.next = self.k_25.val().get_bits::<5>(0);
        }

        // R = RNE(M / 2^r).
        self.m2.next = bit_cast::<25, 24>(self.m0.val()) << self.k_sh1.val();
        self.sh.next = self.m2.val() >> self.r5.val();
        self.guard.next = self.sh.val().get_bit(0);
        self.sticky.next = (self.m2.val() & !(self.k_ones25.val() << self.r5.val())).any();
        self.rr.next = self.sh.val() >> self.k_sh1.val();
        if self.guard.val() && (self.sticky.val() || self.sh.val().get_bit(1)) {
            self.rr.next = (self.sh.val() >> self.k_sh1.val()) + self.k_one25.val();
        }

        // Magnitude code and saturation.
        self.mag.next = (bit_cast::<25, 12>(self.elo.val()) << self.mbits5.val()) + self.rr.val();
        if self.mag.val() > bit_cast::<25, 12>(self.maxmag.val()) || self.r_neg.val() {
            self.mag.next = bit_cast::<25, 12>(self.maxmag.val());
        }
        self.mag8.next = self.mag.val().get_bits::<8>(0);

        self.code.next = self.mag8.val();
        if self.a.val().get_bit(31) {
            self.code.next = self.mag8.val() | self.signmask.val();
            if self.is_int.val() {
                self.code.next = self.k_zero8.val() - self.mag8.val();
            }
        }
        if (self.scale_code.val() == self.k_ff8.val())
            || self.zero_block.val()
            || (self.a.val().get_bits::<8>(23) == self.k_ff8.val())
        {
            self.code.next = self.k_zero8.val();
        }
    }
}
