//! `TvpLane`: one float32 lane, a two-stage pipeline computing one elementwise operation.
//!
//! ```text
//!           stage 1 (front ends, decode)                 stage 2 (round, select)
//!  a,b,c,s -+-> FpAddFront --+                          +-> FpRound --+
//!  op       +-> FpMulFront --+-> mux -> sign/ebias/mant_q ----------------+-> z_q --> z
//!           +-> ApproxFront -+          direct_q, direct_z_q -------------+
//!           +-> min/max/relu/cmp/select (direct results) -+
//! ```
//!
//! Every register loads when `en` is high (the stall signal of the enclosing pipeline), so the
//! lane holds its state while the output is back-pressured. Latency 2 cycles from `op`/operands
//! to `z`. The datapath registers need no reset (validity is tracked by the TVP's valid bits).
//! Opcodes are `tessera_model::tvp::Op`'s discriminants (5 bits; 24.. are reductions, which
//! `TvpReduce` computes beside the lanes). Conversions: `tobf16`/`frombf16` and `mxenc`
//! (`MxEncLane`) are direct results; `mxdec` (`MxDecFront`) goes through the rounder, which
//! places its exact value and turns overflow into Inf.
use super::{ApproxFront, FpAddFront, FpMulFront, FpRound, MxDecFront, MxEncLane};
use rust_hdl::prelude::*;
use tessera_model::tvp::Op;

/// One TVP lane.
#[derive(LogicBlock)]
pub struct TvpLane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance the pipeline this cycle.
    pub en: Signal<In, Bit>,
    /// Opcode (`Op` as u8).
    pub op: Signal<In, Bits<5>>,
    /// Operands: `a`, `b`, select condition `c`, scalar `s` of `muls`.
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub c: Signal<In, Bits<32>>,
    pub s: Signal<In, Bits<32>>,
    /// Result, two enabled cycles after its operands.
    pub z: Signal<Out, Bits<32>>,
    add: FpAddFront,
    mul: FpMulFront,
    approx: ApproxFront,
    mxdec: MxDecFront,
    mxenc: MxEncLane,
    round: FpRound,
    sign_q: DFF<Bit>,
    ebias_q: DFF<Bits<12>>,
    mant_q: DFF<Bits<52>>,
    direct_q: DFF<Bit>,
    direct_z_q: DFF<Bits<32>>,
    z_q: DFF<Bits<32>>,
    a_nan: Signal<Local, Bit>,
    b_nan: Signal<Local, Bit>,
    any_nan: Signal<Local, Bit>,
    b_eff: Signal<Local, Bits<32>>,
    key_a: Signal<Local, Bits<32>>,
    key_b: Signal<Local, Bits<32>>,
    both_zero: Signal<Local, Bit>,
    direct: Signal<Local, Bit>,
    direct_z: Signal<Local, Bits<32>>,
    k_op: Vec<Constant<Bits<5>>>,
    bf_sum: Signal<Local, Bits<16>>,
    k_bf_half: Constant<Bits<16>>,
    k_bf_one: Constant<Bits<16>>,
    k_bf_nan: Constant<Bits<32>>,
    k_sh16: Constant<Bits<5>>,
    k_ff: Constant<Bits<8>>,
    k_nan: Constant<Bits<32>>,
    k_one: Constant<Bits<32>>,
    k_zero: Constant<Bits<32>>,
    k_msb: Constant<Bits<32>>,
    k_func_exp2: Constant<Bits<2>>,
    k_func_recip: Constant<Bits<2>>,
    k_func_rsqrt: Constant<Bits<2>>,
}

impl Default for TvpLane {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            en: Default::default(),
            op: Default::default(),
            a: Default::default(),
            b: Default::default(),
            c: Default::default(),
            s: Default::default(),
            z: Default::default(),
            add: Default::default(),
            mul: Default::default(),
            approx: Default::default(),
            mxdec: Default::default(),
            mxenc: Default::default(),
            round: Default::default(),
            sign_q: Default::default(),
            ebias_q: Default::default(),
            mant_q: Default::default(),
            direct_q: Default::default(),
            direct_z_q: Default::default(),
            z_q: Default::default(),
            a_nan: Default::default(),
            b_nan: Default::default(),
            any_nan: Default::default(),
            b_eff: Default::default(),
            key_a: Default::default(),
            key_b: Default::default(),
            both_zero: Default::default(),
            direct: Default::default(),
            direct_z: Default::default(),
            k_op: Op::ALL
                .iter()
                .map(|o| Constant::new((o.code() as u64).to_bits()))
                .collect(),
            bf_sum: Default::default(),
            k_bf_half: Constant::new(0x8000u64.to_bits()),
            k_bf_one: Constant::new(1u64.to_bits()),
            k_bf_nan: Constant::new(0x7FC0u64.to_bits()),
            k_sh16: Constant::new(16u64.to_bits()),
            k_ff: Constant::new(0xFFu64.to_bits()),
            k_nan: Constant::new(0x7FC0_0000u64.to_bits()),
            k_one: Constant::new(0x3F80_0000u64.to_bits()),
            k_zero: Constant::new(0u64.to_bits()),
            k_msb: Constant::new(0x8000_0000u64.to_bits()),
            k_func_exp2: Constant::new(0u64.to_bits()),
            k_func_recip: Constant::new(1u64.to_bits()),
            k_func_rsqrt: Constant::new(2u64.to_bits()),
        }
    }
}

impl Logic for TvpLane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, sign_q, ebias_q, mant_q, direct_q, direct_z_q, z_q);

        // ---- stage 1: front ends ----
        // relu is maximum(a, +0): the second operand is forced to +0.
        self.b_eff.next = self.b.val();
        if self.op.val() == self.k_op[5].val() {
            self.b_eff.next = self.k_zero.val();
        }
        self.add.a.next = self.a.val();
        self.add.b.next = self.b.val();
        self.add.negate_b.next = self.op.val() == self.k_op[1].val();
        self.mul.a.next = self.a.val();
        self.mul.b.next = self.b.val();
        if self.op.val() == self.k_op[10].val() {
            self.mul.b.next = self.s.val();
        }
        self.approx.a.next = self.a.val();
        self.approx.func.next = self.k_func_exp2.val();
        if self.op.val() == self.k_op[12].val() {
            self.approx.func.next = self.k_func_recip.val();
        }
        if self.op.val() == self.k_op[13].val() {
            self.approx.func.next = self.k_func_rsqrt.val();
        }

        // Direct results: IEEE 754-2019 minimum/maximum on total-order keys (-0 < +0),
        // IEEE comparisons (NaN unordered, -0 == +0), select.
        self.a_nan.next = (self.a.val().get_bits::<8>(23) == self.k_ff.val())
            && self.a.val().get_bits::<23>(0).any();
        self.b_nan.next = (self.b_eff.val().get_bits::<8>(23) == self.k_ff.val())
            && self.b_eff.val().get_bits::<23>(0).any();
        self.any_nan.next = self.a_nan.val() || self.b_nan.val();
        self.key_a.next = self.a.val() | self.k_msb.val();
        if self.a.val().get_bit(31) {
            self.key_a.next = !self.a.val();
        }
        self.key_b.next = self.b_eff.val() | self.k_msb.val();
        if self.b_eff.val().get_bit(31) {
            self.key_b.next = !self.b_eff.val();
        }
        self.both_zero.next =
            !self.a.val().get_bits::<31>(0).any() && !self.b_eff.val().get_bits::<31>(0).any();

        self.direct.next = true;
        self.direct_z.next = self.k_zero.val();
        if self.op.val() == self.k_op[3].val() {
            self.direct_z.next = self.b_eff.val();
            if self.key_a.val() <= self.key_b.val() {
                self.direct_z.next = self.a.val();
            }
            if self.any_nan.val() {
                self.direct_z.next = self.k_nan.val();
            }
        }
        if (self.op.val() == self.k_op[4].val()) || (self.op.val() == self.k_op[5].val()) {
            self.direct_z.next = self.b_eff.val();
            if self.key_a.val() >= self.key_b.val() {
                self.direct_z.next = self.a.val();
            }
            if self.any_nan.val() {
                self.direct_z.next = self.k_nan.val();
            }
        }
        if self.op.val() == self.k_op[6].val() {
            if !self.any_nan.val() && !self.both_zero.val() && (self.key_a.val() < self.key_b.val())
            {
                self.direct_z.next = self.k_one.val();
            }
        }
        if self.op.val() == self.k_op[7].val() {
            if !self.any_nan.val()
                && (self.both_zero.val() || (self.key_a.val() <= self.key_b.val()))
            {
                self.direct_z.next = self.k_one.val();
            }
        }
        if self.op.val() == self.k_op[8].val() {
            if !self.any_nan.val() && (self.both_zero.val() || (self.a.val() == self.b_eff.val())) {
                self.direct_z.next = self.k_one.val();
            }
        }
        if self.op.val() == self.k_op[9].val() {
            self.direct_z.next = self.b.val();
            // c is not +-0: with its sign bit forced it differs from -0.
            if (self.c.val() | self.k_msb.val()) != self.k_msb.val() {
                self.direct_z.next = self.a.val();
            }
        }

        // Conversions: bfloat16 (RNE by adding 0x7FFF + lsb, NaN -> 0x7FC0), MX element codes.
        // RNE: the high half goes up when the low half is above 0x8000, or equal and the high
        // half is odd (what adding 0x7FFF + lsb and keeping the high half does).
        self.bf_sum.next = self.a.val().get_bits::<16>(16);
        if (self.a.val().get_bits::<16>(0) > self.k_bf_half.val())
            || ((self.a.val().get_bits::<16>(0) == self.k_bf_half.val())
                && self.a.val().get_bit(16))
        {
            self.bf_sum.next = self.a.val().get_bits::<16>(16) + self.k_bf_one.val();
        }
        self.mxenc.a.next = self.a.val();
        self.mxenc.fmt.next = self.s.val().get_bits::<3>(0);
        self.mxenc.scale_code.next = self.s.val().get_bits::<8>(8);
        self.mxenc.zero_block.next = self.s.val().get_bit(16);
        self.mxdec.code.next = self.a.val().get_bits::<8>(0);
        self.mxdec.scale.next = self.b.val().get_bits::<8>(0);
        self.mxdec.fmt.next = self.s.val().get_bits::<3>(0);
        if self.op.val() == self.k_op[14].val() {
            self.direct_z.next = bit_cast::<32, 16>(self.bf_sum.val());
            if self.a_nan.val() {
                self.direct_z.next = self.k_bf_nan.val();
            }
        }
        if self.op.val() == self.k_op[15].val() {
            self.direct_z.next =
                bit_cast::<32, 16>(self.a.val().get_bits::<16>(0)) << self.k_sh16.val();
        }
        if self.op.val() == self.k_op[17].val() {
            self.direct_z.next = bit_cast::<32, 8>(self.mxenc.code.val());
        }

        // Rounded results: add/sub, mul/muls, exp2/recip/rsqrt, mxdec.
        self.sign_q.d.next = self.sign_q.q.val();
        self.ebias_q.d.next = self.ebias_q.q.val();
        self.mant_q.d.next = self.mant_q.q.val();
        self.direct_q.d.next = self.direct_q.q.val();
        self.direct_z_q.d.next = self.direct_z_q.q.val();
        self.z_q.d.next = self.z_q.q.val();
        if self.en.val() {
            self.sign_q.d.next = self.approx.sign.val();
            self.ebias_q.d.next = self.approx.ebias.val();
            self.mant_q.d.next = self.approx.mant.val();
            self.direct_q.d.next = self.direct.val();
            self.direct_z_q.d.next = self.direct_z.val();
            if (self.op.val() == self.k_op[0].val()) || (self.op.val() == self.k_op[1].val()) {
                self.sign_q.d.next = self.add.sign.val();
                self.ebias_q.d.next = self.add.ebias.val();
                self.mant_q.d.next = self.add.mant.val();
                self.direct_q.d.next = self.add.special.val();
                self.direct_z_q.d.next = self.add.special_z.val();
            }
            if (self.op.val() == self.k_op[2].val()) || (self.op.val() == self.k_op[10].val()) {
                self.sign_q.d.next = self.mul.sign.val();
                self.ebias_q.d.next = self.mul.ebias.val();
                self.mant_q.d.next = self.mul.mant.val();
                self.direct_q.d.next = self.mul.special.val();
                self.direct_z_q.d.next = self.mul.special_z.val();
            }
            if (self.op.val() == self.k_op[11].val())
                || (self.op.val() == self.k_op[12].val())
                || (self.op.val() == self.k_op[13].val())
            {
                self.direct_q.d.next = self.approx.special.val();
                self.direct_z_q.d.next = self.approx.special_z.val();
            }
            if self.op.val() == self.k_op[16].val() {
                self.sign_q.d.next = self.mxdec.sign.val();
                self.ebias_q.d.next = self.mxdec.ebias.val();
                self.mant_q.d.next = self.mxdec.mant.val();
                self.direct_q.d.next = self.mxdec.special.val();
                self.direct_z_q.d.next = self.mxdec.special_z.val();
            }
        }

        // ---- stage 2: round and select ----
        self.round.sign.next = self.sign_q.q.val();
        self.round.ebias.next = self.ebias_q.q.val();
        self.round.mant.next = self.mant_q.q.val();
        if self.en.val() {
            self.z_q.d.next = self.round.z.val();
            if self.direct_q.q.val() {
                self.z_q.d.next = self.direct_z_q.q.val();
            }
        }
        self.z.next = self.z_q.q.val();
    }
}
