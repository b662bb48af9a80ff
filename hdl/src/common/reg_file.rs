//! Register file: `2^A` words of `W` bits, one synchronous write port, one asynchronous (combinational) read port.
//!
//! This is the storage of [`SyncFifo`](super::SyncFifo), kept as its own leaf so that the FIFO's control
//! logic is plain `#[hdl_gen]` code and the storage is one `reg [W-1:0] words [0:2^A-1]` array that yosys maps to
//! LUT RAM or flip-flops (rust-hdl's own `RAM` widget reads synchronously, which would add a cycle and a
//! prefetch stage to the FIFO). It plays the part of the flip-flop storage inside PULP `fifo_v3`.
//!
//! ```text
//!   write_enable, write_address, write_data --@posedge clock--> mem[write_address]
//!   read_address ------------------(combinational)-----------> read_data = mem[read_address]
//! ```
//!
//! Ports: `clock`, `write_enable`, `write_address[A]`, `write_data[W]`, `read_address[A]`, `read_data[W]`.
//!
//! * Latency: a word written on edge t is readable right after edge t. Reading the word being written in the
//!   same cycle returns the old value.
//! * Reset: none; the contents are undefined until written (callers keep track of which words are valid).
use rust_hdl::prelude::*;

/// `2^A` x `W` storage with one write port and one combinational read port (hand-written Verilog leaf).
#[derive(LogicBlock)]
pub struct RegFile<const W: usize, const A: usize> {
    /// Write clock.
    pub clock: Signal<In, Clock>,
    /// Write `write_data` to `write_address` on the next rising edge.
    pub write_enable: Signal<In, Bit>,
    /// Word written when `write_enable` is high.
    pub write_address: Signal<In, Bits<A>>,
    /// Data written when `write_enable` is high.
    pub write_data: Signal<In, Bits<W>>,
    /// Word read combinationally.
    pub read_address: Signal<In, Bits<A>>,
    /// `mem[read_address]`.
    pub read_data: Signal<Out, Bits<W>>,
    /// Simulation storage (rust-hdl's simulator only; the Verilog has its own array).
    _mem: Vec<Bits<W>>,
}

impl<const W: usize, const A: usize> Default for RegFile<W, A> {
    fn default() -> Self {
        assert!(
            A >= 1 && A <= 16,
            "RegFile address width must be 1..=16 bits, got {A}"
        );
        Self {
            clock: Default::default(),
            write_enable: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            _mem: vec![Bits::<W>::default(); 1 << A],
        }
    }
}

impl<const W: usize, const A: usize> Logic for RegFile<W, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.write_enable.val() {
            let address = self.write_address.val().index();
            self._mem[address] = self.write_data.val();
        }
        self.read_data.next = self._mem[self.read_address.val().index()];
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [{msb}:0] words [0:{last}];

always @(posedge clock) begin
    if (write_enable) begin
        words[write_address] <= write_data;
    end
end

always @(*) begin
    read_data = words[read_address];
end
",
            msb = W - 1,
            last = (1usize << A) - 1,
        ))
    }
}
