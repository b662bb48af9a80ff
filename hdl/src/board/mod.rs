//! Board tops: the configuration's TTU behind a UART-controlled AXI4-Lite register block with
//! block RAM standing in for the HBM channel, so that a host can load operands, run a GEMM and
//! read the results over a board's USB serial port (issue 9, item 1; docs/fpga.md).
//!
//! | file        | block                                  | role                                         |
//! |-------------|----------------------------------------|----------------------------------------------|
//! | `uart.rs`   | [`uart::UartRx`], [`uart::UartTx`]     | 8N1 serial, bit time a parameter             |
//! | `bridge.rs` | [`bridge::UartAxiBridge`]              | framed host commands -> AXI4-Lite master     |
//! | `regs.rs`   | [`regs::REGS`]                         | the ONE register table (RTL, host, docs)     |
//! | `engine.rs` | [`engine::Engine`]                     | AXI4-Lite slave, BRAMs, GEMM sequencer, TTU  |
//! | `top.rs`    | [`top::BoardCore`], per-board tops     | pins, reset, LEDs                            |
//! | `host.rs`   | [`host::BoardClient`]                  | host side of the protocol (simulation and real boards) |
pub mod bridge;
pub mod engine;
pub mod host;
pub mod regs;
pub mod top;
pub mod uart;

use crate::emit::emit_verilog;
use crate::ttu::{TtuParams, W_NARROW};
use anyhow::{anyhow, bail, Result};
use tessera_model::config::Config;
pub use top::{BoardCore, ClockDiv, IcebreakerTop, Ulx3sTop};

/// Serial speed of the board tops on hardware.
pub const BAUD: u32 = 115_200;

/// Which board's pin names the top uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardPins {
    /// ULX3S: clk_25mhz, ftdi_txd (in), ftdi_rxd (out), rst_btn, led[7:0].
    Ulx3s,
    /// iCEBreaker: CLK, RX, TX, BTN_N, LEDR_N, LEDG_N.
    Icebreaker,
}

impl BoardPins {
    /// The clock input's name.
    pub fn clock(self) -> &'static str {
        match self {
            BoardPins::Ulx3s => "clk_25mhz",
            BoardPins::Icebreaker => "CLK",
        }
    }
    /// The board top's core clock is the oscillator divided by this (even) ratio, chosen when the
    /// TTU's float32 accumulate was one combinational cycle (3.2 MHz on the iCE40 UP5K, 10.4 MHz on
    /// the ECP5-85F): the iCEBreaker runs at 12 / 8 = 1.5 MHz and the ULX3S at 25 / 4 = 6.25 MHz.
    /// The pipelined TTU's board tops reach 14.1 and 43.0 MHz (docs/fpga.md), so 2 would do; the
    /// UART bounds a board's speed either way. Both keep 115200 baud within 0.5 % (divisors 13
    /// and 54).
    pub fn clock_div(self) -> u32 {
        match self {
            BoardPins::Ulx3s => 4,
            BoardPins::Icebreaker => 8,
        }
    }
    /// (FPGA receive pin, FPGA transmit pin).
    pub fn uart(self) -> (&'static str, &'static str) {
        match self {
            BoardPins::Ulx3s => ("ftdi_txd", "ftdi_rxd"),
            BoardPins::Icebreaker => ("RX", "TX"),
        }
    }
}

/// Clock cycles per UART bit: `clock_hz / baud`, rounded to nearest (217 at 25 MHz, 104 at 12
/// MHz for 115200 baud: 0.03 % and 0.16 % off, far inside 8N1's tolerance).
pub fn divisor(clock_hz: u32, baud: u32) -> u32 {
    (clock_hz + baud / 2) / baud
}

/// The board top of `cfg` for `pins`, with a UART bit time of `divisor` cycles of the core clock
/// (the oscillator divided by [`BoardPins::clock_div`]), through the emitter; the top module is
/// `top_name`.
pub fn emit_board(cfg: &Config, pins: BoardPins, divisor: u32, top_name: &str) -> Result<String> {
    let p = TtuParams::new(cfg).map_err(|e| anyhow!(e))?;
    if p.sum_width != W_NARROW {
        bail!(
            "configuration '{}' configures E5M2 (a {}-bit block sum); the board tops are built for FPGA configurations without E5M2 (tiny, small)",
            cfg.name,
            p.sum_bits_needed
        );
    }
    if !(4..=65535).contains(&divisor) {
        bail!("UART divisor must be in 4..=65535 clock cycles per bit, got {divisor}");
    }
    match pins {
        BoardPins::Ulx3s => {
            let mut t = Box::new(
                Ulx3sTop::<W_NARROW, { W_NARROW + 30 }>::new(&p, divisor, pins.clock_div())
                    .map_err(|e| anyhow!(e))?,
            );
            emit_verilog(top_name, t.as_mut())
        }
        BoardPins::Icebreaker => {
            let mut t = Box::new(
                IcebreakerTop::<W_NARROW, { W_NARROW + 30 }>::new(&p, divisor, pins.clock_div())
                    .map_err(|e| anyhow!(e))?,
            );
            emit_verilog(top_name, t.as_mut())
        }
    }
}
