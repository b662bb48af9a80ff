//! One CSRAM bank: a single-port synchronous RAM written as the pattern yosys maps to block RAM.
//!
//! ```text
//!            +------------------------------+
//!  addr ---->| mem[D] x S                   |
//!  en   ---->|  en & we: mem[addr] lanes <= |----> rdata (registered, read-first)
//!  we   ---->|           wdata where wmask  |
//!  wmask --->|  en:      rdata <= mem[addr] |
//!  wdata --->+------------------------------+
//! ```
//!
//! Ports: `clock`, `en`, `we`, `addr[16]` (the low log2(D) bits are used; the CSRAM guarantees
//! the rest are zero), `wmask[L]` (one bit per lane of S/L bits), `wdata[S]`, `rdata[S]`.
//!
//! * Latency: 1 cycle. `rdata` updates only on an enabled cycle, so it holds the last read.
//! * Read during write (same cycle) returns the old word; the CSRAM never uses that value.
//! * No reset: the contents are state the program owns. `rdata` starts at 0 in simulation.
//!
//! The Verilog is custom (not `#[hdl_gen]`) because rust-hdl has no memory array type; it follows
//! the single-port, byte-enable template of the yosys manual ("Memory inference", `memory_libmap`),
//! which `synth_ecp5` maps to DP16KD and `synth_ice40` to SB_RAM40_4K. The lane writes are
//! unrolled so the byte enables reach the primitive's per-lane write enables.
use rust_hdl::prelude::*;

/// Row address width of every bank (D <= 2^16 by the configuration rules).
pub const ROW_BITS: usize = 16;

/// A bank of `depth` words of `S` bits with `L` write lanes (`S` divisible by `L`).
#[derive(LogicBlock)]
pub struct BankRam<const S: usize, const L: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Access this cycle (read, or write when `we`).
    pub en: Signal<In, Bit>,
    /// Write (with `en`).
    pub we: Signal<In, Bit>,
    /// Row address; bits at and above log2(depth) must be zero.
    pub addr: Signal<In, Bits<ROW_BITS>>,
    /// Lane write enables.
    pub wmask: Signal<In, Bits<L>>,
    /// Write data.
    pub wdata: Signal<In, Bits<S>>,
    /// Read data, registered.
    pub rdata: Signal<Out, Bits<S>>,
    _depth: usize,
    _mem: Vec<Bits<S>>,
}

impl<const S: usize, const L: usize> BankRam<S, L> {
    /// A bank of `depth` words (a power of two, 2..=65536).
    pub fn new(depth: usize) -> Self {
        assert!(
            depth.is_power_of_two() && (2..=(1 << ROW_BITS)).contains(&depth),
            "bank depth must be a power of two in 2..=65536, got {depth}"
        );
        assert!(S % L == 0, "stored width {S} must split into {L} lanes");
        Self {
            clock: Default::default(),
            en: Default::default(),
            we: Default::default(),
            addr: Default::default(),
            wmask: Default::default(),
            wdata: Default::default(),
            rdata: Default::default(),
            _depth: depth,
            _mem: vec![Bits::<S>::default(); depth],
        }
    }

    fn row_bits(&self) -> usize {
        self._depth.trailing_zeros() as usize
    }
}

impl<const S: usize, const L: usize> Logic for BankRam<S, L> {
    fn update(&mut self) {
        // rust-hdl's own simulator (a convenience only: the Verilog is what is verified).
        if self.clock.pos_edge() && self.en.val() {
            let row = self.addr.val().index() & (self._depth - 1);
            self.rdata.next = self._mem[row];
            if self.we.val() {
                let lw = S / L;
                let mut word = self._mem[row];
                for lane in 0..L {
                    if self.wmask.val().get_bit(lane) {
                        for i in lane * lw..(lane + 1) * lw {
                            word = word.replace_bit(i, self.wdata.val().get_bit(i));
                        }
                    }
                }
                self._mem[row] = word;
            }
        }
    }

    fn connect(&mut self) {
        self.rdata.connect();
    }

    fn hdl(&self) -> Verilog {
        let rb = self.row_bits();
        let lw = S / L;
        let mut lanes = String::new();
        for lane in 0..L {
            let lo = lane * lw;
            // A one-bit port has no range in rust-hdl's Verilog, so it cannot be indexed.
            let en = if L == 1 {
                "wmask".to_string()
            } else {
                format!("wmask[{lane}]")
            };
            lanes.push_str(&format!(
                "            if ({en}) mem[addr[{hi_a}:0]][{hi}:{lo}] <= wdata[{hi}:{lo}];\n",
                hi_a = rb - 1,
                hi = lo + lw - 1,
            ));
        }
        let unused = if rb < ROW_BITS {
            format!(
                "// addr bits {rb} and above are zero by construction (the CSRAM checks the range).
/* verilator lint_off UNUSEDSIGNAL */
wire [{top}:{rb}] unused_addr_bits = addr[{top}:{rb}];
/* verilator lint_on UNUSEDSIGNAL */
",
                top = ROW_BITS - 1
            )
        } else {
            String::new()
        };
        Verilog::Custom(format!(
            "// {depth} x {S} bits, {L} write lane(s) of {lw} bits; yosys infers block RAM.
{unused}reg [{smax}:0] mem [0:{dmax}];
integer init_i;
initial begin
    for (init_i = 0; init_i < {depth}; init_i = init_i + 1) mem[init_i] = {S}'d0;
    rdata = {S}'d0;
end
always @(posedge clock) begin
    if (en) begin
        if (we) begin
{lanes}        end
        rdata <= mem[addr[{hi_a}:0]];
    end
end
",
            depth = self._depth,
            unused = unused,
            smax = S - 1,
            dmax = self._depth - 1,
            hi_a = rb - 1,
        ))
    }
}
