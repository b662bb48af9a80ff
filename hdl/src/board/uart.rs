//! UART receiver and transmitter, 8 data bits, no parity, 1 stop bit (8N1), LSB first.
//!
//! The bit time is `divisor` clock cycles, an elaboration-time parameter: `clock_hz / baud`
//! rounded (217 for 115200 baud at 25 MHz, 104 at 12 MHz), or a small number in simulation.
//!
//! ```text
//!  idle ‾‾‾‾\____/ d0 \/ d1 \ ... / d7 \/‾‾‾‾ stop ‾‾‾‾
//!            start  <- divisor cycles per bit ->
//! ```
//!
//! [`UartRx`] ports: `clock`, `reset`, `rxd` (asynchronous pin, synchronized by two flip-flops),
//! `data[8]`, `valid` (a one-cycle pulse per received byte; there is no back-pressure: the
//! receiver of the byte must take it in that cycle), `frame_err` (one-cycle pulse: the stop bit
//! was 0; the byte is dropped). A start bit is detected on a low level and checked again half a
//! bit later (a glitch shorter than half a bit is ignored); bits are sampled in their middle.
//!
//! [`UartTx`] ports: `clock`, `reset`, a stream `data[8]`/`valid`/`ready` (ready is high when
//! idle; a byte is taken when both are high) and `txd`, driven from a flip-flop (no glitches).
//! One byte takes 10 bit times.
//!
//! Reset (synchronous, active high): both sides idle, `txd` high after one cycle.
use rust_hdl::prelude::*;

/// Receiver states (Bits<2>).
const RX_IDLE: u64 = 0;
const RX_START: u64 = 1;
const RX_DATA: u64 = 2;
const RX_STOP: u64 = 3;

/// 8N1 receiver.
#[derive(LogicBlock)]
pub struct UartRx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Serial input pin (idle high).
    pub rxd: Signal<In, Bit>,
    /// The byte received, valid with `valid`.
    pub data: Signal<Out, Bits<8>>,
    pub valid: Signal<Out, Bit>,
    /// The stop bit of the last frame was low.
    pub frame_err: Signal<Out, Bit>,
    sync1: DFF<Bit>,
    sync2: DFF<Bit>,
    state: DFF<Bits<2>>,
    cnt: DFF<Bits<16>>,
    bitn: DFF<Bits<3>>,
    shift: DFF<Bits<8>>,
    data_q: DFF<Bits<8>>,
    valid_q: DFF<Bit>,
    ferr_q: DFF<Bit>,
    s_idle: Constant<Bits<2>>,
    s_start: Constant<Bits<2>>,
    s_data: Constant<Bits<2>>,
    s_stop: Constant<Bits<2>>,
    div_m1: Constant<Bits<16>>,
    half: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    one3: Constant<Bits<3>>,
    seven3: Constant<Bits<3>>,
    zero3: Constant<Bits<3>>,
    msb8: Constant<Bits<8>>,
}

fn check_divisor(divisor: u32) {
    assert!(
        (4..=65535).contains(&divisor),
        "UART divisor must be in 4..=65535 clock cycles per bit, got {divisor}"
    );
}

impl UartRx {
    /// A receiver with `divisor` clock cycles per bit.
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        let c16 = |v: u32| Constant::new((v as u64).to_bits());
        UartRx {
            clock: Default::default(),
            reset: Default::default(),
            rxd: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            frame_err: Default::default(),
            sync1: Default::default(),
            sync2: Default::default(),
            state: Default::default(),
            cnt: Default::default(),
            bitn: Default::default(),
            shift: Default::default(),
            data_q: Default::default(),
            valid_q: Default::default(),
            ferr_q: Default::default(),
            s_idle: Constant::new(RX_IDLE.to_bits()),
            s_start: Constant::new(RX_START.to_bits()),
            s_data: Constant::new(RX_DATA.to_bits()),
            s_stop: Constant::new(RX_STOP.to_bits()),
            div_m1: c16(divisor - 1),
            // From the falling edge, the middle of the start bit is half a bit later.
            half: c16(divisor / 2 - 1),
            zero16: c16(0),
            one16: c16(1),
            one3: Constant::new(1u64.to_bits()),
            seven3: Constant::new(7u64.to_bits()),
            zero3: Constant::new(0u64.to_bits()),
            msb8: Constant::new(0x80u64.to_bits()),
        }
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, sync1, sync2, state, cnt, bitn, shift, data_q, valid_q, ferr_q);
        self.data.next = self.data_q.q.val();
        self.valid.next = self.valid_q.q.val();
        self.frame_err.next = self.ferr_q.q.val();
        self.sync1.d.next = self.rxd.val();
        self.sync2.d.next = self.sync1.q.val();
        self.valid_q.d.next = false;
        self.ferr_q.d.next = false;
        if self.cnt.q.val().any() {
            self.cnt.d.next = self.cnt.q.val() - self.one16.val();
        }
        if self.state.q.val() == self.s_idle.val() {
            if !self.sync2.q.val() {
                self.state.d.next = self.s_start.val();
                self.cnt.d.next = self.half.val();
            }
        } else if self.state.q.val() == self.s_start.val() {
            if !self.cnt.q.val().any() {
                if self.sync2.q.val() {
                    // A glitch, not a start bit.
                    self.state.d.next = self.s_idle.val();
                } else {
                    self.state.d.next = self.s_data.val();
                    self.cnt.d.next = self.div_m1.val();
                    self.bitn.d.next = self.zero3.val();
                }
            }
        } else if self.state.q.val() == self.s_data.val() {
            if !self.cnt.q.val().any() {
                self.shift.d.next = self.shift.q.val() >> 1;
                if self.sync2.q.val() {
                    self.shift.d.next = (self.shift.q.val() >> 1) | self.msb8.val();
                }
                self.cnt.d.next = self.div_m1.val();
                self.bitn.d.next = self.bitn.q.val() + self.one3.val();
                if self.bitn.q.val() == self.seven3.val() {
                    self.state.d.next = self.s_stop.val();
                }
            }
        } else if !self.cnt.q.val().any() {
            // Middle of the stop bit.
            self.state.d.next = self.s_idle.val();
            if self.sync2.q.val() {
                self.valid_q.d.next = true;
                self.data_q.d.next = self.shift.q.val();
            } else {
                self.ferr_q.d.next = true;
            }
        }
        if self.reset.val() {
            self.state.d.next = self.s_idle.val();
            self.cnt.d.next = self.zero16.val();
            self.valid_q.d.next = false;
            self.ferr_q.d.next = false;
            self.sync1.d.next = true;
            self.sync2.d.next = true;
        }
    }
}

/// 8N1 transmitter.
#[derive(LogicBlock)]
pub struct UartTx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Byte to send (a stream: held with `valid` until `ready`).
    pub data: Signal<In, Bits<8>>,
    pub valid: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
    /// Serial output pin (idle high).
    pub txd: Signal<Out, Bit>,
    busy: DFF<Bit>,
    txd_q: DFF<Bit>,
    /// Bits still to send after the current one: data bits then the stop bit (1s shift in).
    frame: DFF<Bits<9>>,
    left: DFF<Bits<4>>,
    cnt: DFF<Bits<16>>,
    div_m1: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    nine4: Constant<Bits<4>>,
    one4: Constant<Bits<4>>,
    stop9: Constant<Bits<9>>,
}

impl UartTx {
    /// A transmitter with `divisor` clock cycles per bit.
    pub fn new(divisor: u32) -> Self {
        check_divisor(divisor);
        UartTx {
            clock: Default::default(),
            reset: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            txd: Default::default(),
            busy: Default::default(),
            txd_q: Default::default(),
            frame: Default::default(),
            left: Default::default(),
            cnt: Default::default(),
            div_m1: Constant::new(((divisor - 1) as u64).to_bits()),
            zero16: Constant::new(0u64.to_bits()),
            one16: Constant::new(1u64.to_bits()),
            nine4: Constant::new(9u64.to_bits()),
            one4: Constant::new(1u64.to_bits()),
            stop9: Constant::new(0x100u64.to_bits()),
        }
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, busy, txd_q, frame, left, cnt);
        self.ready.next = !self.busy.q.val();
        self.txd.next = self.txd_q.q.val();
        if self.cnt.q.val().any() {
            self.cnt.d.next = self.cnt.q.val() - self.one16.val();
        }
        if !self.busy.q.val() {
            self.txd_q.d.next = true;
            if self.valid.val() {
                // Start bit now; then 8 data bits and the stop bit.
                self.busy.d.next = true;
                self.txd_q.d.next = false;
                self.frame.d.next = self.stop9.val() | bit_cast::<9, 8>(self.data.val());
                self.left.d.next = self.nine4.val();
                self.cnt.d.next = self.div_m1.val();
            }
        } else if !self.cnt.q.val().any() {
            if self.left.q.val().any() {
                self.txd_q.d.next = self.frame.q.val().get_bit(0);
                self.frame.d.next = (self.frame.q.val() >> 1) | self.stop9.val();
                self.left.d.next = self.left.q.val() - self.one4.val();
                self.cnt.d.next = self.div_m1.val();
            } else {
                // The stop bit has lasted one bit time.
                self.busy.d.next = false;
                self.txd_q.d.next = true;
            }
        }
        if self.reset.val() {
            self.busy.d.next = false;
            self.txd_q.d.next = true;
            self.cnt.d.next = self.zero16.val();
        }
    }
}
