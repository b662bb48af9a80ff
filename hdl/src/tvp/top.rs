//! `Tvp`: the tile vector processor, `L` float32 lanes behind one valid/ready stream.
//!
//! ```text
//!                in_valid/in_ready                               out_valid/out_ready
//!  in_op, in_s ---------------+
//!  in_a[32L], in_b, in_c --> lane 0 .. lane L-1 (TvpLane: front | round) --> out_z[32L]
//!                       v1_q ------------------> v2_q ------------------> out_valid
//!        adv = !v2_q | out_ready  (every pipeline register loads on adv; in_ready = adv)
//! ```
//!
//! * One beat = one opcode (5 bits), L lanes of operands (lane i in bits 32i+31..32i), one
//!   scalar, `in_last` (end of a reduction) and `in_pad` (reductions: lanes past the end of a
//!   short last beat, which count as the identity).
//! * Elementwise ops (`Op`, codes 0..17) give one result beat per input beat. Reductions (`Red`,
//!   codes 24..26, [`TvpReduce`]) give one result beat per run of beats ending with `in_last`:
//!   the scalar in lane 0, zeros above. `cnt_out` counts result beats.
//! * Throughput: one L-wide operation per cycle while `out_ready` stays high.
//! * Latency: 2 cycles (a beat accepted on edge t is offered on `out_z` after edge t+2).
//! * Back-pressure stalls the whole pipeline (`adv` low); `out_valid` and `out_z` hold until
//!   taken; `out_valid` comes from a register and never depends on `out_ready`.
//! * Counters (32-bit, wrap): `cnt_in` beats accepted, `cnt_out` beats delivered, `cnt_stall`
//!   cycles with a result waiting and `out_ready` low.
//! * Reset (synchronous, active high): after one edge the pipeline is empty (`out_valid` = 0,
//!   `in_ready` = 1) and the counters read 0.
//!
//! `W` must equal `32 * L` (rust-hdl widths are type parameters; [`Tvp::new`] checks it).
use super::{TvpLane, TvpReduce};
use crate::common::ZeroExtend;
use rust_hdl::prelude::*;

/// L-lane TVP; `W = 32 L` is the width of the lane vectors.
#[derive(LogicBlock)]
pub struct Tvp<const L: usize, const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active-high reset.
    pub reset: Signal<In, Bit>,
    /// Input stream.
    pub in_valid: Signal<In, Bit>,
    pub in_ready: Signal<Out, Bit>,
    pub in_op: Signal<In, Bits<5>>,
    /// Last beat of a reduction (ignored by the elementwise operations).
    pub in_last: Signal<In, Bit>,
    pub in_a: Signal<In, Bits<W>>,
    pub in_b: Signal<In, Bits<W>>,
    pub in_c: Signal<In, Bits<W>>,
    pub in_s: Signal<In, Bits<32>>,
    /// Reductions: bit i set = lane i is past the end of the vector (a short last beat); the
    /// lane counts as the reduction's identity and its data is ignored. 0 = a whole beat.
    /// Ignored by the elementwise operations.
    pub in_pad: Signal<In, Bits<L>>,
    /// Output stream.
    pub out_valid: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    pub out_z: Signal<Out, Bits<W>>,
    /// Performance counters.
    pub cnt_in: Signal<Out, Bits<32>>,
    pub cnt_out: Signal<Out, Bits<32>>,
    pub cnt_stall: Signal<Out, Bits<32>>,
    lanes: Vec<TvpLane>,
    red: TvpReduce<L, W>,
    red_ext: ZeroExtend<32, W>,
    place: Vec<Place<W>>,
    v1_q: DFF<Bit>,
    v2_q: DFF<Bit>,
    cnt_in_q: DFF<Bits<32>>,
    cnt_out_q: DFF<Bits<32>>,
    cnt_stall_q: DFF<Bits<32>>,
    adv: Signal<Local, Bit>,
    acc: Vec<Signal<Local, Bits<W>>>,
    k_one32: Constant<Bits<32>>,
    k_zero32: Constant<Bits<32>>,
    k_zero_w: Constant<Bits<W>>,
}

impl<const L: usize, const W: usize> Tvp<L, W> {
    /// A TVP with `L` lanes; panics if `W != 32 L` (a generator bug, not user input).
    pub fn new() -> Self {
        assert_eq!(W, 32 * L, "Tvp<L, W>: W must be 32 L");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_valid: Default::default(),
            in_ready: Default::default(),
            in_op: Default::default(),
            in_a: Default::default(),
            in_b: Default::default(),
            in_c: Default::default(),
            in_s: Default::default(),
            in_pad: Default::default(),
            out_valid: Default::default(),
            out_ready: Default::default(),
            out_z: Default::default(),
            cnt_in: Default::default(),
            cnt_out: Default::default(),
            cnt_stall: Default::default(),
            in_last: Default::default(),
            lanes: (0..L).map(|_| TvpLane::default()).collect(),
            red: TvpReduce::new(),
            red_ext: Default::default(),
            place: (0..L).map(|i| Place::new(32 * i)).collect(),
            v1_q: Default::default(),
            v2_q: Default::default(),
            cnt_in_q: Default::default(),
            cnt_out_q: Default::default(),
            cnt_stall_q: Default::default(),
            adv: Default::default(),
            acc: (0..=L).map(|_| Default::default()).collect(),
            k_one32: Constant::new(1u64.to_bits()),
            k_zero32: Constant::new(0u64.to_bits()),
            k_zero_w: Constant::new(0u64.to_bits()),
        }
    }
}

impl<const L: usize, const W: usize> Default for Tvp<L, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const L: usize, const W: usize> Logic for Tvp<L, W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, v1_q, v2_q, cnt_in_q, cnt_out_q, cnt_stall_q);

        self.adv.next = !self.v2_q.q.val() || self.out_ready.val();
        self.in_ready.next = self.adv.val();
        if self.adv.val() {
            self.v1_q.d.next = self.in_valid.val();
            // A reduction beat other than the last gives no result.
            self.v2_q.d.next = self.v1_q.q.val() && !self.red.drop1.val();
        }
        self.red.clock.next = self.clock.val();
        self.red.reset.next = self.reset.val();
        self.red.en.next = self.adv.val();
        self.red.take.next = self.in_valid.val();
        self.red.op.next = self.in_op.val();
        self.red.last.next = self.in_last.val();
        self.red.cfg.next = self.in_s.val().get_bits::<4>(0);
        self.red.x.next = self.in_a.val();
        self.red.pad.next = self.in_pad.val();
        if self.in_valid.val() && self.adv.val() {
            self.cnt_in_q.d.next = self.cnt_in_q.q.val() + self.k_one32.val();
        }
        if self.v2_q.q.val() && self.out_ready.val() {
            self.cnt_out_q.d.next = self.cnt_out_q.q.val() + self.k_one32.val();
        }
        if self.v2_q.q.val() && !self.out_ready.val() {
            self.cnt_stall_q.d.next = self.cnt_stall_q.q.val() + self.k_one32.val();
        }
        if self.reset.val() {
            self.v1_q.d.next = false;
            self.v2_q.d.next = false;
            self.cnt_in_q.d.next = self.k_zero32.val();
            self.cnt_out_q.d.next = self.k_zero32.val();
            self.cnt_stall_q.d.next = self.k_zero32.val();
        }

        self.acc[0].next = self.k_zero_w.val();
        for i in 0..L {
            self.lanes[i].clock.next = self.clock.val();
            self.lanes[i].en.next = self.adv.val();
            self.lanes[i].op.next = self.in_op.val();
            self.lanes[i].a.next = self.in_a.val().get_bits::<32>(32 * i);
            self.lanes[i].b.next = self.in_b.val().get_bits::<32>(32 * i);
            self.lanes[i].c.next = self.in_c.val().get_bits::<32>(32 * i);
            self.lanes[i].s.next = self.in_s.val();
            self.place[i].x.next = self.lanes[i].z.val();
            self.acc[i + 1].next = self.acc[i].val() | self.place[i].y.val();
        }
        // rust-hdl evaluates array indices at generation time from loop variables only.
        for j in L..(L + 1) {
            self.out_z.next = self.acc[j].val();
        }
        self.red_ext.narrow.next = self.red.z.val();
        if self.red.sel2.val() {
            self.out_z.next = self.red_ext.wide.val();
        }
        self.out_valid.next = self.v2_q.q.val();
        self.cnt_in.next = self.cnt_in_q.q.val();
        self.cnt_out.next = self.cnt_out_q.q.val();
        self.cnt_stall.next = self.cnt_stall_q.q.val();
    }
}

/// Places a lane's 32-bit result at bit `offset` of a W-bit vector (zeros elsewhere).
/// (A block of its own because rust-hdl evaluates `bit_cast` arguments outside `for` loops; the
/// widening is `ZeroExtend`, whose Verilog is correctly sized where `bit_cast` is not.)
#[derive(LogicBlock)]
pub struct Place<const W: usize> {
    /// Lane result.
    pub x: Signal<In, Bits<32>>,
    /// `x << offset`, W bits.
    pub y: Signal<Out, Bits<W>>,
    ext: ZeroExtend<32, W>,
    k_offset: Constant<Bits<16>>,
}

impl<const W: usize> Place<W> {
    /// A placer for bit offset `offset`.
    pub fn new(offset: usize) -> Self {
        Self {
            x: Default::default(),
            y: Default::default(),
            ext: Default::default(),
            k_offset: Constant::new((offset as u64).to_bits()),
        }
    }
}

impl<const W: usize> Logic for Place<W> {
    #[hdl_gen]
    fn update(&mut self) {
        self.ext.narrow.next = self.x.val();
        self.y.next = self.ext.wide.val() << self.k_offset.val();
    }
}

/// The TVP of a configuration (`tvp.lanes` lanes), emitted by Tessera's emitter with top module
/// `name`. Lane counts the generator supports: 1, 2, 4, 8, 16 (the presets use 2, 4, 8 and 16).
pub fn emit_named(name: &str, lanes: u32) -> anyhow::Result<String> {
    use crate::emit::emit_verilog;
    match lanes {
        1 => emit_verilog(name, &mut Tvp::<1, 32>::new()),
        2 => emit_verilog(name, &mut Tvp::<2, 64>::new()),
        4 => emit_verilog(name, &mut Tvp::<4, 128>::new()),
        8 => emit_verilog(name, &mut Tvp::<8, 256>::new()),
        16 => emit_verilog(name, &mut Tvp::<16, 512>::new()),
        n => anyhow::bail!(
            "tvp.lanes = {n} is not supported by the generator (supported: 1 2 4 8 16)"
        ),
    }
}

/// The unit registry's entry point: the TVP of `cfg`, top module `tvp`.
pub fn emit_unit(cfg: &tessera_model::config::Config) -> anyhow::Result<String> {
    emit_named("tvp", cfg.tvp.lanes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_model::config::Config;

    /// The TVP of every preset is lint-clean (`verilator --lint-only -Wall` with the project's
    /// waivers), synthesizable (yosys `check -assert`, no latches) and has one module per block.
    #[test]
    fn emitted_tvp_is_clean_for_every_preset() {
        for p in ["tiny", "small", "base", "large"] {
            let cfg = Config::preset(p).unwrap();
            let v = emit_unit(&cfg).unwrap_or_else(|e| panic!("{p}: {e:#}"));
            if let Ok(dir) = std::env::var("TVP_DUMP_DIR") {
                std::fs::write(format!("{dir}/tvp_{p}.v"), &v).unwrap();
            }
            crate::emit::check_all(&v, "tvp").unwrap_or_else(|e| panic!("{p}: {e:#}"));
        }
    }
}
