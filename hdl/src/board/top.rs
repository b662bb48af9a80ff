//! The board tops: [`BoardCore`] (UART + bridge + GEMM engine, board independent) inside a thin
//! per-board wrapper whose port names are the pin names of the board's constraint file.
//!
//! ```text
//!  rx pin ─> UartRx ─> UartAxiBridge ─AXI4-Lite─> Engine (registers, BRAM, sequencer, TTU)
//!  tx pin <─ UartTx <─┘                                └─> busy / done / error ─> LEDs
//! ```
//!
//! | board      | clock            | UART (FPGA rx / tx)      | reset                | LEDs |
//! |------------|------------------|--------------------------|----------------------|------|
//! | ULX3S      | `clk_25mhz`      | `ftdi_txd` / `ftdi_rxd`  | `rst_btn` (high)     | `led[7:0]`: 0 busy, 1 done, 2 error, 7 heartbeat |
//! | iCEBreaker | `CLK` (12 MHz)   | `RX` / `TX`              | `BTN_N` (low)        | `LEDG_N` done, `LEDR_N` error (active low) |
//!
//! Clock: the core (reset generator included) runs on the oscillator divided by
//! [`super::BoardPins::clock_div`] ([`ClockDiv`]), chosen when the TTU's float32 accumulate was a
//! single cycle slower than the oscillators (3.2 MHz on the UP5K for the 1 x 1 top, 10.4 MHz on
//! the ECP5-85F for the 4 x 4 TTU alone; docs/fpga.md has today's figures).
//!
//! Reset: [`ResetGen`] holds the core in reset for 15 cycles after configuration (flip-flops
//! start at 0 on both FPGA families and in Verilator) and while the button is pressed, the button
//! going through a two-flip-flop synchronizer.
use super::bridge::UartAxiBridge;
use super::engine::Engine;
use super::uart::{UartRx, UartTx};
use crate::ttu::TtuParams;
use rust_hdl::prelude::*;

/// UART + bridge + engine, with a heartbeat counter for an LED.
#[derive(LogicBlock)]
pub struct BoardCore<const W: usize, const F: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Serial in (from the host) and out (to the host).
    pub rxd: Signal<In, Bit>,
    pub txd: Signal<Out, Bit>,
    /// STATUS bits and a ~1.5 Hz (at 25 MHz) heartbeat, for LEDs.
    pub busy: Signal<Out, Bit>,
    pub done: Signal<Out, Bit>,
    pub error: Signal<Out, Bit>,
    pub heartbeat: Signal<Out, Bit>,
    rx: UartRx,
    tx: UartTx,
    bridge: UartAxiBridge,
    engine: Engine<W, F>,
    beat: DFF<Bits<24>>,
    one24: Constant<Bits<24>>,
}

impl<const W: usize, const F: usize> BoardCore<W, F> {
    /// The core for TTU parameters `p` and a UART bit time of `divisor` clock cycles.
    pub fn new(p: &TtuParams, divisor: u32) -> Result<Self, String> {
        Ok(BoardCore {
            clock: Default::default(),
            reset: Default::default(),
            rxd: Default::default(),
            txd: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            error: Default::default(),
            heartbeat: Default::default(),
            rx: UartRx::new(divisor),
            tx: UartTx::new(divisor),
            bridge: Default::default(),
            engine: Engine::new(p)?,
            beat: Default::default(),
            one24: Constant::new(1u64.to_bits()),
        })
    }
}

impl<const W: usize, const F: usize> Logic for BoardCore<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, beat);
        self.beat.d.next = self.beat.q.val() + self.one24.val();
        self.rx.clock.next = self.clock.val();
        self.rx.reset.next = self.reset.val();
        self.rx.rxd.next = self.rxd.val();
        self.tx.clock.next = self.clock.val();
        self.tx.reset.next = self.reset.val();
        self.txd.next = self.tx.txd.val();
        self.bridge.clock.next = self.clock.val();
        self.bridge.reset.next = self.reset.val();
        self.bridge.rx_data.next = self.rx.data.val();
        self.bridge.rx_valid.next = self.rx.valid.val();
        self.tx.data.next = self.bridge.tx_data.val();
        self.tx.valid.next = self.bridge.tx_valid.val();
        self.bridge.tx_ready.next = self.tx.ready.val();
        self.engine.clock.next = self.clock.val();
        self.engine.reset.next = self.reset.val();
        // AXI4-Lite: bridge (master) -> engine (slave).
        self.engine.awaddr.next = self.bridge.awaddr.val();
        self.engine.awvalid.next = self.bridge.awvalid.val();
        self.bridge.awready.next = self.engine.awready.val();
        self.engine.wdata.next = self.bridge.wdata.val();
        self.engine.wstrb.next = self.bridge.wstrb.val();
        self.engine.wvalid.next = self.bridge.wvalid.val();
        self.bridge.wready.next = self.engine.wready.val();
        self.bridge.bresp.next = self.engine.bresp.val();
        self.bridge.bvalid.next = self.engine.bvalid.val();
        self.engine.bready.next = self.bridge.bready.val();
        self.engine.araddr.next = self.bridge.araddr.val();
        self.engine.arvalid.next = self.bridge.arvalid.val();
        self.bridge.arready.next = self.engine.arready.val();
        self.bridge.rdata.next = self.engine.rdata.val();
        self.bridge.rresp.next = self.engine.rresp.val();
        self.bridge.rvalid.next = self.engine.rvalid.val();
        self.engine.rready.next = self.bridge.rready.val();
        self.busy.next = self.engine.busy.val();
        self.done.next = self.engine.done.val();
        self.error.next = self.engine.error.val();
        self.heartbeat.next = self.beat.q.val().get_bit(23);
    }
}

/// Clock divider: `clk_out` is `clk_in` divided by an even `n` (2..=32), 50 % duty cycle, from a
/// toggle flip-flop. On the iCEBreaker the board top's core runs on it, because the TTU's
/// single-cycle float32 accumulate (MxAcc) is slower than the 12 MHz oscillator on the UP5K
/// (docs/fpga.md); nextpnr promotes `clk_out` to a global buffer. The divider has no reset: its
/// flip-flops start at 0 after configuration and any phase is fine.
#[derive(LogicBlock)]
pub struct ClockDiv {
    pub clk_in: Signal<In, Clock>,
    pub clk_out: Signal<Out, Clock>,
    cnt: DFF<Bits<4>>,
    phase: DFF<Bit>,
    half_m1: Constant<Bits<4>>,
    one4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
}

impl ClockDiv {
    /// Divide by `n`: even, 2..=32.
    pub fn new(n: u32) -> Result<Self, String> {
        if n % 2 != 0 || !(2..=32).contains(&n) {
            return Err(format!(
                "the clock divider takes an even ratio in 2..=32, got {n}"
            ));
        }
        Ok(ClockDiv {
            clk_in: Default::default(),
            clk_out: Default::default(),
            cnt: Default::default(),
            phase: Default::default(),
            half_m1: Constant::new(((n / 2 - 1) as u64).to_bits()),
            one4: Constant::new(1u64.to_bits()),
            zero4: Constant::new(0u64.to_bits()),
        })
    }
}

impl Logic for ClockDiv {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clk_in, cnt, phase);
        self.cnt.d.next = self.cnt.q.val() + self.one4.val();
        if self.cnt.q.val() == self.half_m1.val() {
            self.cnt.d.next = self.zero4.val();
            self.phase.d.next = !self.phase.q.val();
        }
        self.clk_out.next = self.phase.q.val().into();
    }
}

/// Power-on reset and button synchronizer.
#[derive(LogicBlock)]
pub struct ResetGen {
    pub clock: Signal<In, Clock>,
    /// Button, active high, asynchronous.
    pub button: Signal<In, Bit>,
    /// Synchronous active-high reset for the core.
    pub reset: Signal<Out, Bit>,
    btn_s1: DFF<Bit>,
    btn_s2: DFF<Bit>,
    por: DFF<Bits<4>>,
    one4: Constant<Bits<4>>,
}

impl Default for ResetGen {
    fn default() -> Self {
        ResetGen {
            clock: Default::default(),
            button: Default::default(),
            reset: Default::default(),
            btn_s1: Default::default(),
            btn_s2: Default::default(),
            por: Default::default(),
            one4: Constant::new(1u64.to_bits()),
        }
    }
}

impl Logic for ResetGen {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, btn_s1, btn_s2, por);
        self.btn_s1.d.next = self.button.val();
        self.btn_s2.d.next = self.btn_s1.q.val();
        if !self.por.q.val().all() {
            self.por.d.next = self.por.q.val() + self.one4.val();
        }
        self.reset.next = !self.por.q.val().all() | self.btn_s2.q.val();
    }
}

/// ULX3S top (pins of fpga/boards/ulx3s/ulx3s.lpf).
#[derive(LogicBlock)]
pub struct Ulx3sTop<const W: usize, const F: usize> {
    pub clk_25mhz: Signal<In, Clock>,
    /// FT231X TXD: the FPGA's receive pin.
    pub ftdi_txd: Signal<In, Bit>,
    /// FT231X RXD: the FPGA's transmit pin.
    pub ftdi_rxd: Signal<Out, Bit>,
    pub rst_btn: Signal<In, Bit>,
    pub led: Signal<Out, Bits<8>>,
    div: ClockDiv,
    rst: ResetGen,
    core: BoardCore<W, F>,
    led_busy: Constant<Bits<8>>,
    led_done: Constant<Bits<8>>,
    led_err: Constant<Bits<8>>,
    led_beat: Constant<Bits<8>>,
    zero8: Constant<Bits<8>>,
}

impl<const W: usize, const F: usize> Logic for Ulx3sTop<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        self.div.clk_in.next = self.clk_25mhz.val();
        self.rst.clock.next = self.div.clk_out.val();
        self.rst.button.next = self.rst_btn.val();
        self.core.clock.next = self.div.clk_out.val();
        self.core.reset.next = self.rst.reset.val();
        self.core.rxd.next = self.ftdi_txd.val();
        self.ftdi_rxd.next = self.core.txd.val();
        self.led.next = self.zero8.val();
        if self.core.busy.val() {
            self.led.next = self.led.val() | self.led_busy.val();
        }
        if self.core.done.val() {
            self.led.next = self.led.val() | self.led_done.val();
        }
        if self.core.error.val() {
            self.led.next = self.led.val() | self.led_err.val();
        }
        if self.core.heartbeat.val() {
            self.led.next = self.led.val() | self.led_beat.val();
        }
    }
}

/// iCEBreaker top (pins of fpga/boards/icebreaker/icebreaker.pcf).
#[allow(non_snake_case)]
#[derive(LogicBlock)]
pub struct IcebreakerTop<const W: usize, const F: usize> {
    pub CLK: Signal<In, Clock>,
    pub RX: Signal<In, Bit>,
    pub TX: Signal<Out, Bit>,
    pub BTN_N: Signal<In, Bit>,
    pub LEDR_N: Signal<Out, Bit>,
    pub LEDG_N: Signal<Out, Bit>,
    div: ClockDiv,
    rst: ResetGen,
    core: BoardCore<W, F>,
}

impl<const W: usize, const F: usize> Logic for IcebreakerTop<W, F> {
    #[hdl_gen]
    fn update(&mut self) {
        self.div.clk_in.next = self.CLK.val();
        self.rst.clock.next = self.div.clk_out.val();
        self.rst.button.next = !self.BTN_N.val();
        self.core.clock.next = self.div.clk_out.val();
        self.core.reset.next = self.rst.reset.val();
        self.core.rxd.next = self.RX.val();
        self.TX.next = self.core.txd.val();
        self.LEDG_N.next = !self.core.done.val();
        self.LEDR_N.next = !self.core.error.val();
    }
}

impl<const W: usize, const F: usize> Ulx3sTop<W, F> {
    /// The top for TTU parameters `p`, a core clock of the oscillator divided by `clock_div`
    /// (even, 2..=32) and a UART bit time of `divisor` core clock cycles.
    pub fn new(p: &TtuParams, divisor: u32, clock_div: u32) -> Result<Self, String> {
        Ok(Ulx3sTop {
            clk_25mhz: Default::default(),
            ftdi_txd: Default::default(),
            ftdi_rxd: Default::default(),
            rst_btn: Default::default(),
            led: Default::default(),
            div: ClockDiv::new(clock_div)?,
            rst: Default::default(),
            core: BoardCore::new(p, divisor)?,
            led_busy: Constant::new(1u64.to_bits()),
            led_done: Constant::new(2u64.to_bits()),
            led_err: Constant::new(4u64.to_bits()),
            led_beat: Constant::new(0x80u64.to_bits()),
            zero8: Constant::new(0u64.to_bits()),
        })
    }
}

impl<const W: usize, const F: usize> IcebreakerTop<W, F> {
    /// The top for TTU parameters `p`, a core clock of the oscillator divided by `clock_div`
    /// (even, 2..=32) and a UART bit time of `divisor` core clock cycles.
    pub fn new(p: &TtuParams, divisor: u32, clock_div: u32) -> Result<Self, String> {
        Ok(IcebreakerTop {
            CLK: Default::default(),
            RX: Default::default(),
            TX: Default::default(),
            BTN_N: Default::default(),
            LEDR_N: Default::default(),
            LEDG_N: Default::default(),
            div: ClockDiv::new(clock_div)?,
            rst: Default::default(),
            core: BoardCore::new(p, divisor)?,
        })
    }
}
