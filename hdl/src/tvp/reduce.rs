//! `TvpReduce`: the TVP's reductions across lanes and along the stream, returning one scalar.
//! Matches `tessera_model::tvp::reduce` (`Red::run`) bit for bit.
//!
//! ```text
//!  stage 1 (beat in)                         stage 2 (fold)                     out
//!  x lanes -> RedNode tree (adjacent pairs) -> tree_q -+-> RedNode(acc_q, tree_q) -> acc_q
//!          -> max |x| (31-bit keys), Inf/NaN -> amax_q, nf_q -> running amax/nf --> scale word
//!  op, last, s[3:0] -> op/last/cfg registers                  open_q (a stream is in progress)
//!                                                             z_q = acc or scale word
//! ```
//!
//! * Opcodes: 24 `sum`, 25 `rmax`, 26 `scale` (`tessera_model::tvp::reduce::Red`). A reduction
//!   is a run of beats ending with `last`; only the last beat gives a result (`drop1` tells the
//!   TVP to drop the others), lane 0 of `out_z` (the TVP zeroes the other lanes).
//! * Order of the sum (normative, the model's): within a beat a balanced tree of adjacent pairs
//!   (`node[L + j] = node[2j] + node[2j+1]`, leaves `node[0..L]` = lanes), along the stream
//!   `acc = beat0; acc = acc + beat_j`. A short last beat is padded with the operation's
//!   identity (-0, -Inf, nothing for `scale`): either by the sender, or here, by setting bit i
//!   of `pad` for every lane i past the end; a padded lane's data is ignored.
//! * `scale`: amax over lanes and cycles (|x| compares as its bit pattern), any Inf/NaN, then
//!   ARCHITECTURE.md 2.2 steps 1-4 (floor or `rceil` rule, `s[3]`) for format `s[2:0]`:
//!   word = fmt | scale code << 8 | (amax == 0) << 16, the scalar `mxenc` takes.
//! * Timing: the same two stages as the lanes, both advancing on `en`; a new stream may start
//!   right after a `last` beat (no bubble). Reset (synchronous): stages empty, no stream open.
use super::RedNode;
use rust_hdl::prelude::*;

/// Reduction unit for `L` lanes (`W = 32 L`).
#[derive(LogicBlock)]
pub struct TvpReduce<const L: usize, const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// Advance both stages.
    pub en: Signal<In, Bit>,
    /// A beat is offered (taken when `en`).
    pub take: Signal<In, Bit>,
    /// Opcode of the beat.
    pub op: Signal<In, Bits<5>>,
    /// Last beat of the reduction.
    pub last: Signal<In, Bit>,
    /// Scalar bits 3..0 (`scale`: format and rule).
    pub cfg: Signal<In, Bits<4>>,
    /// The L lanes.
    pub x: Signal<In, Bits<W>>,
    /// Lanes to replace with the reduction's identity (bit i: lane i is past the end).
    pub pad: Signal<In, Bits<L>>,
    /// Stage 1 holds a reduction beat that is not the last (no result).
    pub drop1: Signal<Out, Bit>,
    /// Stage 2 holds a reduction result (`z`).
    pub sel2: Signal<Out, Bit>,
    /// The scalar result.
    pub z: Signal<Out, Bits<32>>,
    tree: Vec<RedNode>,
    node: Vec<Signal<Local, Bits<32>>>,
    am: Vec<Signal<Local, Bits<31>>>,
    nf: Vec<Signal<Local, Bit>>,
    accn: RedNode,
    is_red: Signal<Local, Bit>,
    is_max: Signal<Local, Bit>,
    padv: Signal<Local, Bits<32>>,
    rv1_q: DFF<Bit>,
    last1_q: DFF<Bit>,
    max1_q: DFF<Bit>,
    scale1_q: DFF<Bit>,
    cfg1_q: DFF<Bits<4>>,
    tree1_q: DFF<Bits<32>>,
    amax1_q: DFF<Bits<31>>,
    nf1_q: DFF<Bit>,
    open_q: DFF<Bit>,
    acc_q: DFF<Bits<32>>,
    amax_q: DFF<Bits<31>>,
    nf_q: DFF<Bit>,
    sel2_q: DFF<Bit>,
    z_q: DFF<Bits<32>>,
    acc_new: Signal<Local, Bits<32>>,
    amax_new: Signal<Local, Bits<31>>,
    nf_new: Signal<Local, Bit>,
    // scale word
    frac: Signal<Local, Bits<23>>,
    lz: Signal<Local, Bits<5>>,
    fnorm: Signal<Local, Bits<23>>,
    ebo: Signal<Local, Bits<12>>,
    emax: Signal<Local, Bits<12>>,
    thr: Signal<Local, Bits<23>>,
    xs: Signal<Local, Bits<12>>,
    scale8: Signal<Local, Bits<8>>,
    word: Signal<Local, Bits<32>>,
    k_op_sum: Constant<Bits<5>>,
    k_op_max: Constant<Bits<5>>,
    k_op_scale: Constant<Bits<5>>,
    k_ff8: Constant<Bits<8>>,
    k_neg_zero: Constant<Bits<32>>,
    k_neg_inf: Constant<Bits<32>>,
    k_zero31: Constant<Bits<31>>,
    k_lz: Vec<Constant<Bits<5>>>,
    k_one5: Constant<Bits<5>>,
    k_fmt: Vec<Constant<Bits<3>>>,
    k_emax: Vec<Constant<Bits<12>>>,
    k_thr: Vec<Constant<Bits<23>>>,
    k_512: Constant<Bits<12>>,
    k_766: Constant<Bits<12>>,
    k_254: Constant<Bits<8>>,
    k_zero8: Constant<Bits<8>>,
    k_zero_flag: Constant<Bits<32>>,
    k_sh8: Constant<Bits<5>>,
    k_one12: Constant<Bits<12>>,
    fmt3: Signal<Local, Bits<3>>,
}

impl<const L: usize, const W: usize> TvpReduce<L, W> {
    /// A reduction unit; panics if `W != 32 L` (a generator bug).
    pub fn new() -> Self {
        assert_eq!(W, 32 * L, "TvpReduce<L, W>: W must be 32 L");
        fn k<const N: usize>(v: u64) -> Constant<Bits<N>> {
            Constant::new(v.to_bits())
        }
        use tessera_model::tvp::reduce::Red;
        Self {
            clock: Default::default(),
            reset: Default::default(),
            en: Default::default(),
            take: Default::default(),
            op: Default::default(),
            last: Default::default(),
            cfg: Default::default(),
            x: Default::default(),
            pad: Default::default(),
            drop1: Default::default(),
            sel2: Default::default(),
            z: Default::default(),
            tree: (0..L.saturating_sub(1))
                .map(|_| RedNode::default())
                .collect(),
            node: (0..2 * L - 1).map(|_| Default::default()).collect(),
            am: (0..=L).map(|_| Default::default()).collect(),
            nf: (0..=L).map(|_| Default::default()).collect(),
            accn: Default::default(),
            is_red: Default::default(),
            is_max: Default::default(),
            padv: Default::default(),
            rv1_q: Default::default(),
            last1_q: Default::default(),
            max1_q: Default::default(),
            scale1_q: Default::default(),
            cfg1_q: Default::default(),
            tree1_q: Default::default(),
            amax1_q: Default::default(),
            nf1_q: Default::default(),
            open_q: Default::default(),
            acc_q: Default::default(),
            amax_q: Default::default(),
            nf_q: Default::default(),
            sel2_q: Default::default(),
            z_q: Default::default(),
            acc_new: Default::default(),
            amax_new: Default::default(),
            nf_new: Default::default(),
            frac: Default::default(),
            lz: Default::default(),
            fnorm: Default::default(),
            ebo: Default::default(),
            emax: Default::default(),
            thr: Default::default(),
            xs: Default::default(),
            scale8: Default::default(),
            word: Default::default(),
            k_op_sum: k(Red::Sum.code() as u64),
            k_op_max: k(Red::Max.code() as u64),
            k_op_scale: k(Red::Scale.code() as u64),
            k_ff8: k(0xFF),
            k_neg_zero: k(Red::Sum.pad() as u64),
            k_neg_inf: k(Red::Max.pad() as u64),
            k_zero31: k(0),
            k_lz: (0..23).map(|i| k(22 - i)).collect(),
            k_one5: k(1),
            k_fmt: (0..5).map(|i| k(i)).collect(),
            // emax_elem of E4M3, E5M2, E2M3, E3M2, E2M1, INT8 (ARCHITECTURE.md 2.1).
            k_emax: [8u64, 15, 2, 4, 2, 0].iter().map(|&v| k(v)).collect(),
            // rceil: amax > max_elem x 2^s  <=>  fraction of amax > max_elem / 2^emax_elem - 1
            // (1.75, 1.75, 1.875, 1.75, 1.5, 127/64), as 23-bit fractions.
            k_thr: [
                0x60_0000u64,
                0x60_0000,
                0x70_0000,
                0x60_0000,
                0x40_0000,
                0x7E_0000,
            ]
            .iter()
            .map(|&v| k(v))
            .collect(),
            k_512: k(512),
            k_766: k(512 + 254),
            k_254: k(254),
            k_zero8: k(0),
            k_zero_flag: k(1 << 16),
            k_sh8: k(8),
            k_one12: k(1),
            fmt3: Default::default(),
        }
    }
}

impl<const L: usize, const W: usize> Default for TvpReduce<L, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const L: usize, const W: usize> Logic for TvpReduce<L, W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, rv1_q, last1_q, max1_q, scale1_q, cfg1_q, tree1_q, amax1_q, nf1_q, open_q,
            acc_q, amax_q, nf_q, sel2_q, z_q
        );
        self.is_max.next = self.op.val() == self.k_op_max.val();
        self.is_red.next = (self.op.val() == self.k_op_sum.val())
            || self.is_max.val()
            || (self.op.val() == self.k_op_scale.val());

        // ---- stage 1: the beat's tree, amax and Inf/NaN flag ----
        self.am[0].next = self.k_zero31.val();
        self.nf[0].next = false;
        // A padded lane is the identity: -0 in the sum tree, -Inf in the max tree, and it
        // leaves amax and the Inf/NaN flag alone (what a sent +0 would do for `scale`).
        self.padv.next = self.k_neg_zero.val();
        if self.is_max.val() {
            self.padv.next = self.k_neg_inf.val();
        }
        for i in 0..L {
            self.node[i].next = self.x.val().get_bits::<32>(32 * i);
            self.am[i + 1].next = self.am[i].val();
            self.nf[i + 1].next = self.nf[i].val();
            if self.pad.val().get_bit(i) {
                self.node[i].next = self.padv.val();
            } else {
                if self.x.val().get_bits::<31>(32 * i) > self.am[i].val() {
                    self.am[i + 1].next = self.x.val().get_bits::<31>(32 * i);
                }
                self.nf[i + 1].next = self.nf[i].val()
                    || (self.x.val().get_bits::<8>(32 * i + 23) == self.k_ff8.val());
            }
        }
        // rust-hdl's index evaluator knows loop variables only: bind L through a one-pass loop.
        for ll in L..(L + 1) {
            for j in 0..(L - 1) {
                self.tree[j].a.next = self.node[2 * j].val();
                self.tree[j].b.next = self.node[2 * j + 1].val();
                self.tree[j].is_max.next = self.is_max.val();
                self.node[ll + j].next = self.tree[j].z.val();
            }
        }
        if self.en.val() {
            self.rv1_q.d.next = self.take.val() && self.is_red.val();
            self.last1_q.d.next = self.last.val();
            self.max1_q.d.next = self.is_max.val();
            self.scale1_q.d.next = self.op.val() == self.k_op_scale.val();
            self.cfg1_q.d.next = self.cfg.val();
            for r in (2 * L - 2)..(2 * L - 1) {
                self.tree1_q.d.next = self.node[r].val();
            }
            for r in L..(L + 1) {
                self.amax1_q.d.next = self.am[r].val();
                self.nf1_q.d.next = self.nf[r].val();
            }
        }

        // ---- stage 2: fold into the running value ----
        self.accn.a.next = self.acc_q.q.val();
        self.accn.b.next = self.tree1_q.q.val();
        self.accn.is_max.next = self.max1_q.q.val();
        self.acc_new.next = self.tree1_q.q.val();
        self.amax_new.next = self.amax1_q.q.val();
        self.nf_new.next = self.nf1_q.q.val();
        if self.open_q.q.val() {
            self.acc_new.next = self.accn.z.val();
            if self.amax_q.q.val() > self.amax1_q.q.val() {
                self.amax_new.next = self.amax_q.q.val();
            }
            self.nf_new.next = self.nf1_q.q.val() || self.nf_q.q.val();
        }

        // The scale word of the block so far (ARCHITECTURE.md 2.2 steps 1-4).
        self.frac.next = self.amax_new.val().get_bits::<23>(0);
        self.lz.next = self.k_one5.val();
        for i in 0..23 {
            if self.frac.val().get_bit(i) {
                self.lz.next = self.k_lz[i].val();
            }
        }
        // e + 127 (+ 512): the exponent field, or -lz for a subnormal amax.
        self.ebo.next = bit_cast::<12, 8>(self.amax_new.val().get_bits::<8>(23)) + self.k_512.val();
        self.fnorm.next = self.frac.val();
        if !self.amax_new.val().get_bits::<8>(23).any() {
            self.ebo.next = self.k_512.val() - bit_cast::<12, 5>(self.lz.val());
            self.fnorm.next = self.frac.val() << (self.lz.val() + self.k_one5.val());
        }
        self.emax.next = self.k_emax[5].val();
        self.thr.next = self.k_thr[5].val();
        self.fmt3.next = self.cfg1_q.q.val().get_bits::<3>(0);
        for f in 0..5 {
            if self.fmt3.val() == self.k_fmt[f].val() {
                self.emax.next = self.k_emax[f].val();
                self.thr.next = self.k_thr[f].val();
            }
        }
        self.xs.next = self.ebo.val() - self.emax.val();
        if self.cfg1_q.q.val().get_bit(3) && (self.fnorm.val() > self.thr.val()) {
            self.xs.next = self.ebo.val() - self.emax.val() + self.k_one12.val();
        }
        // 512 is a multiple of 256: for xs in 512..=766 the scale code is xs mod 256.
        self.scale8.next = self.xs.val().get_bits::<8>(0);
        if self.xs.val() < self.k_512.val() {
            self.scale8.next = self.k_zero8.val();
        }
        if self.xs.val() > self.k_766.val() {
            self.scale8.next = self.k_254.val();
        }
        if !self.amax_new.val().any() {
            self.scale8.next = self.k_zero8.val();
        }
        if self.nf_new.val() {
            self.scale8.next = self.k_ff8.val();
        }
        self.word.next = bit_cast::<32, 3>(self.fmt3.val())
            | (bit_cast::<32, 8>(self.scale8.val()) << self.k_sh8.val());
        if !self.amax_new.val().any() && !self.nf_new.val() {
            self.word.next = bit_cast::<32, 3>(self.fmt3.val()) | self.k_zero_flag.val();
        }

        if self.en.val() {
            self.sel2_q.d.next = self.rv1_q.q.val();
            if self.rv1_q.q.val() {
                self.open_q.d.next = !self.last1_q.q.val();
                self.acc_q.d.next = self.acc_new.val();
                self.amax_q.d.next = self.amax_new.val();
                self.nf_q.d.next = self.nf_new.val();
                self.z_q.d.next = self.acc_new.val();
                if self.scale1_q.q.val() {
                    self.z_q.d.next = self.word.val();
                }
            }
        }
        if self.reset.val() {
            self.rv1_q.d.next = false;
            self.open_q.d.next = false;
            self.sel2_q.d.next = false;
        }

        self.drop1.next = self.rv1_q.q.val() && !self.last1_q.q.val();
        self.sel2.next = self.sel2_q.q.val();
        self.z.next = self.z_q.q.val();
    }
}
