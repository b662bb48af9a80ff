//! Zero extension of a `W`-bit value to `WO` bits (`WO >= W`).
//!
//! A hand-written leaf, because rust-hdl 0.46 evaluates the whole `bit_cast::<WO, W>(x)` call again when it
//! generates Verilog, so the cast cannot name a loop variable (`self.a[i]`) inside an `#[hdl_gen]` loop.
//! Blocks that widen the members of a `Vec` use one `ZeroExtend` per member instead.
//!
//! ```text
//!  narrow[W] --> { (WO-W)'b0, narrow } --> wide[WO]
//! ```
//!
//! Ports: `narrow[W]` in, `wide[WO]` out. Combinational, no clock, no reset.
use rust_hdl::prelude::*;

/// `wide = narrow` zero-extended from `W` to `WO` bits.
#[derive(LogicBlock)]
pub struct ZeroExtend<const W: usize, const WO: usize> {
    /// The value.
    pub narrow: Signal<In, Bits<W>>,
    /// The value with `WO - W` zero bits on top.
    pub wide: Signal<Out, Bits<WO>>,
}

impl<const W: usize, const WO: usize> Default for ZeroExtend<W, WO> {
    fn default() -> Self {
        assert!(WO >= W, "ZeroExtend<{W}, {WO}> narrows: WO must be >= W");
        Self {
            narrow: Default::default(),
            wide: Default::default(),
        }
    }
}

impl<const W: usize, const WO: usize> Logic for ZeroExtend<W, WO> {
    fn update(&mut self) {
        self.wide.next = bit_cast::<WO, W>(self.narrow.val());
    }

    fn connect(&mut self) {
        self.wide.connect();
    }

    // Hand-written so that the padding is an explicit, correctly sized constant (rust-hdl's `bit_cast` emits
    // `narrow & WO'h..`, a width mismatch Verilator reports).
    fn hdl(&self) -> Verilog {
        if WO == W {
            Verilog::Custom("always @(*) begin\n    wide = narrow;\nend\n".into())
        } else {
            Verilog::Custom(format!(
                "always @(*) begin\n    wide = {{{pad}'d0, narrow}};\nend\n",
                pad = WO - W
            ))
        }
    }
}
