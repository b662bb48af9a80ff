//! UART-to-AXI4-Lite bridge: turns framed host commands into AXI4-Lite reads and writes.
//!
//! Protocol (all multi-byte fields little endian; one command at a time, the host waits for the
//! response before sending the next command; bytes arriving while a command is being executed or
//! answered are dropped):
//!
//! ```text
//!  write: host -> 'W' (0x57), addr[7:0], addr[15:8], data[7:0], data[15:8], data[23:16], data[31:24]
//!         board -> status
//!  read:  host -> 'R' (0x52), addr[7:0], addr[15:8]
//!         board -> status, data[7:0], data[15:8], data[23:16], data[31:24]   (data 0 on an error)
//!  other: host -> any other byte            board -> 0xE0 (unknown command; resynchronises)
//!  status = 0x80 | AXI response: 0x80 OKAY, 0x82 SLVERR, 0x83 DECERR
//! ```
//!
//! The AXI4-Lite master side issues AW and W together (each held until its own ready, as the
//! AXI rules allow either order), then waits for B; a read issues AR and waits for R. `wstrb` is
//! always 0xF. Ports: `clock`, `reset`, `rx_data`/`rx_valid` (from [`super::uart::UartRx`]),
//! `tx_data`/`tx_valid`/`tx_ready` (to [`super::uart::UartTx`]), and the AXI4-Lite master
//! channels `aw*`, `w*`, `b*`, `ar*`, `r*` (16-bit addresses, 32-bit data).
//! Reset: back to waiting for a command byte, no AXI request outstanding.
use rust_hdl::prelude::*;

const S_CMD: u64 = 0;
const S_ADDR0: u64 = 1;
const S_ADDR1: u64 = 2;
const S_DATA: u64 = 3;
const S_AXI_W: u64 = 4;
const S_AXI_B: u64 = 5;
const S_AXI_AR: u64 = 6;
const S_AXI_R: u64 = 7;
const S_RESP: u64 = 8;
const S_RESP_DATA: u64 = 9;

/// Command bytes and status values of the protocol (shared with the host library).
pub const CMD_WRITE: u8 = 0x57;
pub const CMD_READ: u8 = 0x52;
pub const STATUS_OKAY: u8 = 0x80;
pub const STATUS_SLVERR: u8 = 0x82;
pub const STATUS_DECERR: u8 = 0x83;
pub const STATUS_BAD_CMD: u8 = 0xE0;

/// The bridge (an AXI4-Lite master).
#[derive(LogicBlock)]
pub struct UartAxiBridge {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub rx_data: Signal<In, Bits<8>>,
    pub rx_valid: Signal<In, Bit>,
    pub tx_data: Signal<Out, Bits<8>>,
    pub tx_valid: Signal<Out, Bit>,
    pub tx_ready: Signal<In, Bit>,
    pub awaddr: Signal<Out, Bits<16>>,
    pub awvalid: Signal<Out, Bit>,
    pub awready: Signal<In, Bit>,
    pub wdata: Signal<Out, Bits<32>>,
    pub wstrb: Signal<Out, Bits<4>>,
    pub wvalid: Signal<Out, Bit>,
    pub wready: Signal<In, Bit>,
    pub bresp: Signal<In, Bits<2>>,
    pub bvalid: Signal<In, Bit>,
    pub bready: Signal<Out, Bit>,
    pub araddr: Signal<Out, Bits<16>>,
    pub arvalid: Signal<Out, Bit>,
    pub arready: Signal<In, Bit>,
    pub rdata: Signal<In, Bits<32>>,
    pub rresp: Signal<In, Bits<2>>,
    pub rvalid: Signal<In, Bit>,
    pub rready: Signal<Out, Bit>,
    state: DFF<Bits<4>>,
    is_write: DFF<Bit>,
    /// The response has data bytes after the status (a read).
    send_data: DFF<Bit>,
    addr_q: DFF<Bits<16>>,
    data_q: DFF<Bits<32>>,
    idx: DFF<Bits<2>>,
    status: DFF<Bits<8>>,
    aw_done: DFF<Bit>,
    w_done: DFF<Bit>,
    aw_fire: Signal<Local, Bit>,
    w_fire: Signal<Local, Bit>,
    s_cmd: Constant<Bits<4>>,
    s_addr0: Constant<Bits<4>>,
    s_addr1: Constant<Bits<4>>,
    s_data: Constant<Bits<4>>,
    s_axi_w: Constant<Bits<4>>,
    s_axi_b: Constant<Bits<4>>,
    s_axi_ar: Constant<Bits<4>>,
    s_axi_r: Constant<Bits<4>>,
    s_resp: Constant<Bits<4>>,
    s_resp_data: Constant<Bits<4>>,
    cmd_w: Constant<Bits<8>>,
    cmd_r: Constant<Bits<8>>,
    st_okay: Constant<Bits<8>>,
    st_bad: Constant<Bits<8>>,
    strb_all: Constant<Bits<4>>,
    one2: Constant<Bits<2>>,
    three2: Constant<Bits<2>>,
    zero2: Constant<Bits<2>>,
}

impl Default for UartAxiBridge {
    fn default() -> Self {
        let c4 = |v: u64| Constant::new(v.to_bits());
        let c8 = |v: u8| Constant::new((v as u64).to_bits());
        UartAxiBridge {
            clock: Default::default(),
            reset: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            awaddr: Default::default(),
            awvalid: Default::default(),
            awready: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            wvalid: Default::default(),
            wready: Default::default(),
            bresp: Default::default(),
            bvalid: Default::default(),
            bready: Default::default(),
            araddr: Default::default(),
            arvalid: Default::default(),
            arready: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            rvalid: Default::default(),
            rready: Default::default(),
            state: Default::default(),
            is_write: Default::default(),
            send_data: Default::default(),
            addr_q: Default::default(),
            data_q: Default::default(),
            idx: Default::default(),
            status: Default::default(),
            aw_done: Default::default(),
            w_done: Default::default(),
            aw_fire: Default::default(),
            w_fire: Default::default(),
            s_cmd: c4(S_CMD),
            s_addr0: c4(S_ADDR0),
            s_addr1: c4(S_ADDR1),
            s_data: c4(S_DATA),
            s_axi_w: c4(S_AXI_W),
            s_axi_b: c4(S_AXI_B),
            s_axi_ar: c4(S_AXI_AR),
            s_axi_r: c4(S_AXI_R),
            s_resp: c4(S_RESP),
            s_resp_data: c4(S_RESP_DATA),
            cmd_w: c8(CMD_WRITE),
            cmd_r: c8(CMD_READ),
            st_okay: c8(STATUS_OKAY),
            st_bad: c8(STATUS_BAD_CMD),
            strb_all: Constant::new(0xFu64.to_bits()),
            one2: Constant::new(1u64.to_bits()),
            three2: Constant::new(3u64.to_bits()),
            zero2: Constant::new(0u64.to_bits()),
        }
    }
}

impl Logic for UartAxiBridge {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, is_write, send_data, addr_q, data_q, idx, status, aw_done, w_done
        );
        // Defaults: outputs from registers and the state.
        self.awaddr.next = self.addr_q.q.val();
        self.araddr.next = self.addr_q.q.val();
        self.wdata.next = self.data_q.q.val();
        self.wstrb.next = self.strb_all.val();
        self.awvalid.next = (self.state.q.val() == self.s_axi_w.val()) & !self.aw_done.q.val();
        self.wvalid.next = (self.state.q.val() == self.s_axi_w.val()) & !self.w_done.q.val();
        self.bready.next = self.state.q.val() == self.s_axi_b.val();
        self.arvalid.next = self.state.q.val() == self.s_axi_ar.val();
        self.rready.next = self.state.q.val() == self.s_axi_r.val();
        self.tx_valid.next = (self.state.q.val() == self.s_resp.val())
            | (self.state.q.val() == self.s_resp_data.val());
        self.tx_data.next = self.status.q.val();
        if self.state.q.val() == self.s_resp_data.val() {
            self.tx_data.next = self.data_q.q.val().get_bits::<8>(0);
        }
        self.aw_fire.next = self.awvalid.val() & self.awready.val();
        self.w_fire.next = self.wvalid.val() & self.wready.val();

        if self.state.q.val() == self.s_cmd.val() {
            if self.rx_valid.val() {
                self.idx.d.next = self.zero2.val();
                if self.rx_data.val() == self.cmd_w.val() {
                    self.is_write.d.next = true;
                    self.state.d.next = self.s_addr0.val();
                } else if self.rx_data.val() == self.cmd_r.val() {
                    self.is_write.d.next = false;
                    self.state.d.next = self.s_addr0.val();
                } else {
                    self.status.d.next = self.st_bad.val();
                    self.send_data.d.next = false;
                    self.state.d.next = self.s_resp.val();
                }
            }
        } else if self.state.q.val() == self.s_addr0.val() {
            if self.rx_valid.val() {
                self.addr_q.d.next = bit_cast::<16, 8>(self.rx_data.val());
                self.state.d.next = self.s_addr1.val();
            }
        } else if self.state.q.val() == self.s_addr1.val() {
            if self.rx_valid.val() {
                self.addr_q.d.next =
                    self.addr_q.q.val() | (bit_cast::<16, 8>(self.rx_data.val()) << 8);
                if self.is_write.q.val() {
                    self.state.d.next = self.s_data.val();
                } else {
                    self.state.d.next = self.s_axi_ar.val();
                }
            }
        } else if self.state.q.val() == self.s_data.val() {
            if self.rx_valid.val() {
                // Little endian: each byte enters at the top and moves down.
                self.data_q.d.next =
                    (self.data_q.q.val() >> 8) | (bit_cast::<32, 8>(self.rx_data.val()) << 24);
                self.idx.d.next = self.idx.q.val() + self.one2.val();
                if self.idx.q.val() == self.three2.val() {
                    self.aw_done.d.next = false;
                    self.w_done.d.next = false;
                    self.state.d.next = self.s_axi_w.val();
                }
            }
        } else if self.state.q.val() == self.s_axi_w.val() {
            if self.aw_fire.val() {
                self.aw_done.d.next = true;
            }
            if self.w_fire.val() {
                self.w_done.d.next = true;
            }
            if (self.aw_done.q.val() | self.aw_fire.val())
                & (self.w_done.q.val() | self.w_fire.val())
            {
                self.state.d.next = self.s_axi_b.val();
            }
        } else if self.state.q.val() == self.s_axi_b.val() {
            if self.bvalid.val() {
                self.status.d.next = self.st_okay.val() | bit_cast::<8, 2>(self.bresp.val());
                self.send_data.d.next = false;
                self.state.d.next = self.s_resp.val();
            }
        } else if self.state.q.val() == self.s_axi_ar.val() {
            if self.arready.val() {
                self.state.d.next = self.s_axi_r.val();
            }
        } else if self.state.q.val() == self.s_axi_r.val() {
            if self.rvalid.val() {
                self.data_q.d.next = self.rdata.val();
                self.status.d.next = self.st_okay.val() | bit_cast::<8, 2>(self.rresp.val());
                self.send_data.d.next = true;
                self.state.d.next = self.s_resp.val();
            }
        } else if self.state.q.val() == self.s_resp.val() {
            if self.tx_ready.val() {
                self.idx.d.next = self.zero2.val();
                self.state.d.next = self.s_cmd.val();
                if self.send_data.q.val() {
                    self.state.d.next = self.s_resp_data.val();
                }
            }
        } else if self.tx_ready.val() {
            // S_RESP_DATA: one data byte per transmitter handshake, low byte first.
            self.data_q.d.next = self.data_q.q.val() >> 8;
            self.idx.d.next = self.idx.q.val() + self.one2.val();
            if self.idx.q.val() == self.three2.val() {
                self.state.d.next = self.s_cmd.val();
            }
        }
        if self.reset.val() {
            self.state.d.next = self.s_cmd.val();
            self.aw_done.d.next = false;
            self.w_done.d.next = false;
        }
    }
}
