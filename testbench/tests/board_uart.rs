//! The whole iCEBreaker board top (tiny preset) under Verilator, driven by a simulated UART host
//! that serialises every byte bit by bit on the `RX` pin and decodes `TX`: it loads a GEMM's
//! operands through the UART-to-AXI4-Lite bridge, rings the doorbell, polls STATUS, reads C and
//! checks it bit for bit against the reference model (`tessera_model::mx::gemm`). The host code
//! is `tessera_hdl::board::host`, the same code `tessera board` runs on a real serial port.
//!
//! Two configurations: the `tiny` preset (TTU 2 x 2) with the register map's error paths and three
//! GEMMs, and `fpga/boards/icebreaker/tiny-1x1.toml` (TTU 1 x 1), the configuration the iCEBreaker
//! build fits on the UP5K, with two GEMMs.
//!
//! The simulated UART runs at 8 core clock cycles per bit, the core clock being `CLK` divided by
//! 8 as on the board (where it is 13 cycles of 1.5 MHz = 115200 baud).
//! Verilator must be installed: the model build fails with the binding's explanation otherwise.

use anyhow::{bail, Result};
use rand::Rng;
use std::collections::VecDeque;
use tessera_hdl::board::host::{BoardClient, ByteLink, Geometry};
use tessera_hdl::board::{emit_board, regs, BoardPins};
use tessera_hdl::emit::check::check_all;
use tessera_model::config::{Config, ElemFormat};
use tessera_model::mx::{gemm, MxTensor};
use tessera_testbench::{run_test, Port, Sim, SimBuilder, TestRng};

const DIV: u32 = 8;
const TOP: &str = "board_icebreaker";

/// A UART host on the board's pins: bytes out on RX, a per-cycle 8N1 decoder on TX.
struct SimUart<'a> {
    sim: &'a mut Sim,
    clk: Port,
    rx: Port,
    tx: Port,
    div: u64,
    /// Decoder: cycles to the next sample, bits taken (0 = waiting for a start bit).
    wait: u64,
    nbits: u32,
    shift: u16,
    got: VecDeque<u8>,
    /// Cycles allowed for one `recv` byte before it is an error.
    timeout: u64,
}

impl<'a> SimUart<'a> {
    fn new(sim: &'a mut Sim, div: u32) -> Self {
        let (clk, rx, tx) = (sim.port("CLK"), sim.port("RX"), sim.port("TX"));
        sim.set(rx, 1);
        SimUart {
            sim,
            clk,
            rx,
            tx,
            div: div as u64,
            wait: 0,
            nbits: 0,
            shift: 0,
            got: VecDeque::new(),
            timeout: 40 * div as u64 + 2000,
        }
    }

    /// One clock cycle: sample TX (before the edge), then clock.
    fn cycle(&mut self) {
        let bit = self.sim.get(self.tx) as u16;
        if self.nbits == 0 && self.wait == 0 {
            if bit == 0 {
                // Start bit seen: sample it again in its middle.
                self.wait = self.div / 2;
                self.nbits = 1;
            }
        } else if self.wait > 1 {
            self.wait -= 1;
        } else {
            self.wait = self.div;
            match self.nbits {
                1 => {
                    assert_eq!(
                        bit,
                        0,
                        "TX start bit ended early (glitch) at cycle {}",
                        self.sim.cycle()
                    );
                    self.nbits = 2;
                    self.shift = 0;
                }
                2..=9 => {
                    self.shift |= bit << (self.nbits - 2);
                    self.nbits += 1;
                }
                _ => {
                    assert_eq!(
                        bit,
                        1,
                        "TX stop bit is 0 (framing error) at cycle {}",
                        self.sim.cycle()
                    );
                    self.got.push_back(self.shift as u8);
                    self.nbits = 0;
                    self.wait = 0;
                }
            }
        }
        self.sim.tick(self.clk);
    }

    fn idle(&mut self, n: u64) {
        for _ in 0..n {
            self.cycle();
        }
    }
}

impl ByteLink for SimUart<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<()> {
        for &b in bytes {
            let frame = 1u16 << 9 | (b as u16) << 1; // start 0, data LSB first, stop 1
            for i in 0..10 {
                self.sim.set(self.rx, (frame >> i & 1) as u64);
                for _ in 0..self.div {
                    self.cycle();
                }
            }
        }
        Ok(())
    }

    fn recv(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let mut waited = 0;
            while self.got.is_empty() {
                if waited == self.timeout {
                    bail!(
                        "no byte from the board on TX for {waited} cycles (got {out:02x?} of {n})"
                    );
                }
                self.cycle();
                waited += 1;
            }
            out.push(self.got.pop_front().unwrap());
        }
        Ok(out)
    }
}

fn builder(cfg: &Config) -> SimBuilder {
    let v = emit_board(cfg, BoardPins::Icebreaker, DIV, TOP).expect("emit the board top");
    SimBuilder::new(TOP).source("board_icebreaker.v", v)
}

/// The iCEBreaker's fit configuration (TTU 1 x 1), as `tessera fpga build` reads it.
fn tiny_1x1() -> Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fpga/boards/icebreaker/tiny-1x1.toml");
    Config::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Reset the top (button held, then released) and open the simulated UART host.
fn connect(sim: &mut Sim) -> BoardClient<SimUart<'_>> {
    // The core runs on CLK / clock_div: every wait below is in core cycles times that ratio.
    let ratio = BoardPins::Icebreaker.clock_div();
    let btn = sim.port("BTN_N");
    let clk = sim.port("CLK");
    sim.set(btn, 0);
    for _ in 0..4 * ratio {
        sim.tick(clk);
    }
    sim.set(btn, 1);
    // The UART bit time is DIV core cycles; wait out the 15-cycle power-on reset and the button
    // synchronizer before the first byte.
    let mut link = SimUart::new(sim, DIV * ratio);
    link.idle(40 * ratio as u64);
    BoardClient::new(link)
}

/// GEMMs (format A, format B, M, N, K) through the host library, bit for bit against the model,
/// with the MACS, STARVED and CYCLES registers checked against the array geometry of `cfg`.
fn gemms(
    host: &mut BoardClient<SimUart<'_>>,
    rng: &mut TestRng,
    cfg: &Config,
    cases: &[(ElemFormat, ElemFormat, usize, usize, usize)],
) {
    let k = cfg.ttu.block as usize;
    let (r, c) = (cfg.ttu.rows as usize, cfg.ttu.cols as usize);
    for &(fa, fb, m, n, kk) in cases {
        let a = random_tensor(rng, fa, m, kk, k);
        let b = random_tensor(rng, fb, n, kk, k);
        let want = gemm(&a, &b, None).unwrap();
        let (got, stats) = host.gemm(&a, &b, 50).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                g,
                w,
                "{} {fa} x {fb} M={m} N={n} K={kk}: C[{}][{}] = {g:#010x}, model {w:#010x}",
                cfg.name,
                i / n,
                i % n
            );
        }
        // MACs the array did: padded M x padded N x K (zero padding included).
        let dual = fa == ElemFormat::E2m1 && fb == ElemFormat::E2m1;
        let (mp, np) = (m.div_ceil(r) * r, n.div_ceil(c) * c);
        assert_eq!(
            stats.macs as usize,
            mp * np * kk,
            "{fa} x {fb}: MACS register"
        );
        assert_eq!(stats.starved, 0, "the BRAM sequencer keeps the array fed");
        let beats = (mp / r) * (np / c) * kk / if dual { 2 } else { 1 };
        assert!(
            (stats.cycles as usize) < beats + 16,
            "{fa} x {fb}: {} cycles for {beats} beats",
            stats.cycles
        );
        println!(
            "[board {}] {fa} x {fb} M={m} N={n} K={kk}: {} cycles, {} MACs, {} link transactions, bit-exact",
            cfg.name, stats.cycles, stats.macs, stats.transactions
        );
    }
}

fn random_tensor(rng: &mut TestRng, f: ElemFormat, rows: usize, cols: usize, k: usize) -> MxTensor {
    let mask = match f {
        ElemFormat::E2m1 => 0x0F,
        _ => 0xFF,
    };
    let codes = (0..rows * cols).map(|_| rng.gen::<u8>() & mask).collect();
    let scales = (0..rows * cols / k)
        .map(|_| rng.gen_range(118..=136))
        .collect();
    MxTensor::new(f, k, rows, cols, codes, scales).unwrap()
}

/// Register map, error responses and the refused-start path, then GEMMs against the model.
#[test]
fn board_uart_gemm_matches_model() {
    let cfg = Config::preset("tiny").unwrap();
    let k = cfg.ttu.block as usize;
    run_test(
        "board_uart_gemm_matches_model",
        &builder(&cfg),
        |sim, rng| {
            // Hold the button (BTN_N low) for a few cycles, then release; the power-on reset also runs.
            let mut host = connect(sim);

            // Identification and geometry from the one register table.
            let g = host.identify().unwrap();
            assert_eq!(
                g,
                Geometry {
                    rows: 2,
                    cols: 2,
                    block: k,
                    depth: regs::MEM_DEPTH
                }
            );
            // Register write/read back, RO register, unmapped address, C memory write, bad command.
            host.write_reg("M", 0x1234).unwrap();
            assert_eq!(host.read_reg("M").unwrap(), 0x1234);
            let e = host.write_reg("M", 0x1_0000).unwrap_err().to_string();
            assert!(e.contains("SLVERR"), "M above 16 bits: {e}");
            assert_eq!(
                host.read_reg("M").unwrap(),
                0x1234,
                "a refused write changes nothing"
            );
            let e = host.write_reg("ID", 5).unwrap_err().to_string();
            assert!(e.contains("SLVERR"), "{e}");
            let e = host.read(0x0FF0).unwrap_err().to_string();
            assert!(e.contains("DECERR"), "{e}");
            let e = host
                .write(regs::mem_addr(regs::C_BASE, 0, 0), 1)
                .unwrap_err()
                .to_string();
            assert!(e.contains("SLVERR"), "{e}");
            host.link.send(&[0x11]).unwrap();
            assert_eq!(host.link.recv(1).unwrap(), vec![0xE0]);
            // Operand memory write/read back.
            let a1 = regs::mem_addr(regs::A_BASE, 1, 7);
            host.write(a1, 0xBEEF).unwrap();
            assert_eq!(host.read(a1).unwrap(), 0xBEEF);
            // Refused starts: K = 0 (M = 0x1234 and N = 2 are fine), then M = 3 (not a multiple of R).
            host.write_reg("N", 2).unwrap();
            host.write_reg("K", 0).unwrap();
            host.write_reg("CTRL", 1).unwrap();
            let st = host.read_reg("STATUS").unwrap();
            assert_eq!(
                st,
                4 | regs::ERR_K << 8,
                "STATUS after a start with K = 0: {st:#x}"
            );
            host.write_reg("M", 3).unwrap();
            host.write_reg("K", k as u32).unwrap();
            host.write_reg("CTRL", 1).unwrap();
            assert_eq!(host.read_reg("STATUS").unwrap(), 4 | regs::ERR_M << 8);

            // GEMMs: E4M3 x E4M3 with padding in M and N and two blocks of K; W4A8; FP4 x FP4.
            let cases = [
                (ElemFormat::E4m3, ElemFormat::E4m3, 3, 3, 2 * k),
                (ElemFormat::E2m1, ElemFormat::E4m3, 2, 4, k),
                (ElemFormat::E2m1, ElemFormat::E2m1, 4, 2, 2 * k),
            ];
            gemms(&mut host, rng, &cfg, &cases);
            println!("[board] simulated {} clock cycles", host.link.sim.cycle());
        },
    );
}

/// The iCEBreaker's fit configuration (TTU 1 x 1): geometry, then GEMMs against the model.
#[test]
fn board_uart_tiny_1x1_gemm_matches_model() {
    let cfg = tiny_1x1();
    let k = cfg.ttu.block as usize;
    run_test(
        "board_uart_tiny_1x1_gemm_matches_model",
        &builder(&cfg),
        |sim, rng| {
            let mut host = connect(sim);
            let g = host.identify().unwrap();
            assert_eq!(
                g,
                Geometry {
                    rows: 1,
                    cols: 1,
                    block: k,
                    depth: regs::MEM_DEPTH
                }
            );
            let cases = [
                (ElemFormat::E4m3, ElemFormat::Int8, 2, 3, 2 * k),
                (ElemFormat::E2m1, ElemFormat::E2m1, 2, 2, 2 * k),
            ];
            gemms(&mut host, rng, &cfg, &cases);
            println!(
                "[board tiny-1x1] simulated {} clock cycles",
                host.link.sim.cycle()
            );
        },
    );
}

/// Both board tops are synthesizable products (yosys check, one module per distinct block).
#[test]
fn board_tops_pass_the_emitter_checks() {
    for (cfg, pins, top) in [
        (
            Config::preset("tiny").unwrap(),
            BoardPins::Icebreaker,
            "board_icebreaker",
        ),
        (tiny_1x1(), BoardPins::Icebreaker, "board_icebreaker"),
        (
            Config::preset("small").unwrap(),
            BoardPins::Ulx3s,
            "board_ulx3s",
        ),
    ] {
        let v = emit_board(
            &cfg,
            pins,
            tessera_hdl::board::divisor(25_000_000, 115_200),
            top,
        )
        .unwrap();
        check_all(&v, top).unwrap_or_else(|e| panic!("{top}: {e:#}"));
    }
}
