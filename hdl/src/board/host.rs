//! The host side of the board protocol (bridge.rs), shared by the simulated host of
//! `testbench/tests/board_uart.rs` and `tessera board` on a real serial port: register access,
//! operand packing into the engine's memory layout (engine.rs), a GEMM run, result unpacking.
use super::bridge::{
    CMD_READ, CMD_WRITE, STATUS_BAD_CMD, STATUS_DECERR, STATUS_OKAY, STATUS_SLVERR,
};
use super::regs::{self, A_BASE, B_BASE, C_BASE, MEM_DEPTH};
use crate::ttu::format_select;
use anyhow::{bail, Context, Result};
use tessera_model::config::ElemFormat;
use tessera_model::mx::MxTensor;

/// A byte pipe to the board: a serial port, or a simulated UART.
pub trait ByteLink {
    /// Send bytes in order.
    fn send(&mut self, bytes: &[u8]) -> Result<()>;
    /// Receive exactly `n` bytes (an error on timeout).
    fn recv(&mut self, n: usize) -> Result<Vec<u8>>;
}

/// Bytes of a write command.
pub fn write_frame(addr: u16, value: u32) -> [u8; 7] {
    let a = addr.to_le_bytes();
    let d = value.to_le_bytes();
    [CMD_WRITE, a[0], a[1], d[0], d[1], d[2], d[3]]
}

/// Bytes of a read command.
pub fn read_frame(addr: u16) -> [u8; 3] {
    let a = addr.to_le_bytes();
    [CMD_READ, a[0], a[1]]
}

fn check_status(status: u8, what: &str, addr: u16) -> Result<()> {
    match status {
        STATUS_OKAY => Ok(()),
        STATUS_SLVERR => bail!("{what} of 0x{addr:04X}: SLVERR (read-only register, C memory, or the engine is busy)"),
        STATUS_DECERR => bail!("{what} of 0x{addr:04X}: DECERR (no register or memory at this address)"),
        STATUS_BAD_CMD => bail!("{what} of 0x{addr:04X}: the board did not recognise the command byte (out of step? reset the board)"),
        s => bail!("{what} of 0x{addr:04X}: unexpected status byte 0x{s:02X} (wrong baud rate or not a Tessera board?)"),
    }
}

/// The array and memory geometry, from the INFO register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub rows: usize,
    pub cols: usize,
    pub block: usize,
    pub depth: usize,
}

impl Geometry {
    pub fn from_info(info: u32) -> Self {
        Geometry {
            rows: (info & 0xFF) as usize,
            cols: ((info >> 8) & 0xFF) as usize,
            block: ((info >> 16) & 0xFF) as usize,
            depth: 1usize << ((info >> 24) & 0x1F),
        }
    }
}

/// Counters of one run, read back from the board.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoardStats {
    pub cycles: u32,
    pub macs: u32,
    pub starved: u32,
    pub stalled: u32,
    /// Register accesses over the link for the whole run (loading, polling, reading back).
    pub transactions: u64,
}

/// One operand's memory image: per lane, the 16-bit words {scale, code} in beat order.
/// Rows are padded to a multiple of `lanes` with zero codes and scale 127 (their results are
/// dropped); in dual (E2M1 x E2M1) mode a code byte carries two elements, element 2j low.
pub fn pack_operand(t: &MxTensor, lanes: usize, dual: bool) -> Vec<Vec<u16>> {
    let per_beat = if dual { 2 } else { 1 };
    let tiles = t.rows.div_ceil(lanes);
    let kbeats = t.cols / per_beat;
    let nb = t.blocks_per_row();
    let mut out = vec![Vec::with_capacity(tiles * kbeats); lanes];
    for tile in 0..tiles {
        for (l, words) in out.iter_mut().enumerate() {
            let row = tile * lanes + l;
            for s in 0..kbeats {
                let (code, scale) = if row < t.rows {
                    let e = row * t.cols + s * per_beat;
                    let code = if dual {
                        (t.codes[e] & 0xF) | (t.codes[e + 1] << 4)
                    } else {
                        t.codes[e]
                    };
                    (code, t.scales[row * nb + (s * per_beat) / t.block])
                } else {
                    (0, 127)
                };
                words.push((scale as u16) << 8 | code as u16);
            }
        }
    }
    out
}

/// Where C[m][n] is: (column memory, word index), for `n_tiles` column tiles.
pub fn result_location(g: &Geometry, n_tiles: usize, m: usize, n: usize) -> (usize, usize) {
    let (mt, r, nt, c) = (m / g.rows, m % g.rows, n / g.cols, n % g.cols);
    (c, (mt * n_tiles + nt) * g.rows + r)
}

/// A connection to a Tessera board.
pub struct BoardClient<L: ByteLink> {
    pub link: L,
    pub transactions: u64,
}

impl<L: ByteLink> BoardClient<L> {
    pub fn new(link: L) -> Self {
        BoardClient {
            link,
            transactions: 0,
        }
    }

    /// Write a 32-bit word; an error names the address and the response.
    pub fn write(&mut self, addr: u16, value: u32) -> Result<()> {
        self.transactions += 1;
        self.link.send(&write_frame(addr, value))?;
        let st = self
            .link
            .recv(1)
            .with_context(|| format!("waiting for the response to a write of 0x{addr:04X}"))?;
        check_status(st[0], "write", addr)
    }

    /// Read a 32-bit word.
    pub fn read(&mut self, addr: u16) -> Result<u32> {
        self.transactions += 1;
        self.link.send(&read_frame(addr))?;
        let st = self
            .link
            .recv(1)
            .with_context(|| format!("waiting for the response to a read of 0x{addr:04X}"))?;
        if st[0] == STATUS_BAD_CMD {
            check_status(st[0], "read", addr)?;
        }
        let d = self
            .link
            .recv(4)
            .with_context(|| format!("waiting for the data of a read of 0x{addr:04X}"))?;
        check_status(st[0], "read", addr)?;
        Ok(u32::from_le_bytes([d[0], d[1], d[2], d[3]]))
    }

    pub fn read_reg(&mut self, name: &str) -> Result<u32> {
        self.read(regs::offset(name))
    }

    pub fn write_reg(&mut self, name: &str, value: u32) -> Result<()> {
        self.write(regs::offset(name), value)
    }

    /// Check the ID register and read the geometry.
    pub fn identify(&mut self) -> Result<Geometry> {
        let id = self.read_reg("ID")?;
        if id != regs::ID_VALUE {
            bail!("ID register reads 0x{id:08X}, expected 0x{:08X}: not a Tessera board top (or a different map version)", regs::ID_VALUE);
        }
        Ok(Geometry::from_info(self.read_reg("INFO")?))
    }

    /// Run `C = A x B^T` (A [M][K], B [N][K]) on the board; returns C as float32 bits [M][N]
    /// and the board's counters. `poll_limit` bounds the STATUS reads while waiting.
    pub fn gemm(
        &mut self,
        a: &MxTensor,
        b: &MxTensor,
        poll_limit: usize,
    ) -> Result<(Vec<u32>, BoardStats)> {
        let t0 = self.transactions;
        let g = self.identify()?;
        if a.cols != b.cols {
            bail!("A has K = {} but B has K = {}", a.cols, b.cols);
        }
        if a.block != g.block || b.block != g.block {
            bail!(
                "the tensors use block size {}/{}, the board's TTU k = {}",
                a.block,
                b.block,
                g.block
            );
        }
        let formats = self.read_reg("FORMATS")?;
        for f in [a.format, b.format] {
            if formats >> format_select(f) & 1 == 0 {
                bail!("format {f} is not configured on this board (FORMATS = 0x{formats:02X})");
            }
        }
        let dual = a.format == ElemFormat::E2m1 && b.format == ElemFormat::E2m1;
        let pa = pack_operand(a, g.rows, dual);
        let pb = pack_operand(b, g.cols, dual);
        for (what, p) in [("A", &pa), ("B", &pb)] {
            if p[0].len() > g.depth.min(MEM_DEPTH) {
                bail!(
                    "{what} needs {} words per lane, the board's memories hold {}",
                    p[0].len(),
                    g.depth
                );
            }
        }
        let m_pad = a.rows.div_ceil(g.rows) * g.rows;
        let n_tiles = b.rows.div_ceil(g.cols);
        let n_pad = n_tiles * g.cols;
        for (lane, words) in pa.iter().enumerate() {
            for (i, w) in words.iter().enumerate() {
                self.write(regs::mem_addr(A_BASE, lane, i), *w as u32)?;
            }
        }
        for (lane, words) in pb.iter().enumerate() {
            for (i, w) in words.iter().enumerate() {
                self.write(regs::mem_addr(B_BASE, lane, i), *w as u32)?;
            }
        }
        self.write_reg(
            "FMT",
            format_select(a.format) as u32 | (format_select(b.format) as u32) << 8,
        )?;
        self.write_reg("M", m_pad as u32)?;
        self.write_reg("N", n_pad as u32)?;
        self.write_reg("K", a.cols as u32)?;
        self.write_reg("CTRL", 1)?;
        let mut polls = 0;
        loop {
            let st = self.read_reg("STATUS")?;
            if st & 4 != 0 {
                bail!(
                    "the board refused the GEMM: error code {} (see docs/fpga.md, STATUS)",
                    (st >> 8) & 0xFF
                );
            }
            if st & 1 == 0 && st & 2 != 0 {
                break;
            }
            polls += 1;
            if polls >= poll_limit {
                bail!("the GEMM did not finish after {polls} STATUS polls (STATUS = 0x{st:08X})");
            }
        }
        let mut c = vec![0u32; a.rows * b.rows];
        for m in 0..a.rows {
            for n in 0..b.rows {
                let (lane, idx) = result_location(&g, n_tiles, m, n);
                c[m * b.rows + n] = self.read(regs::mem_addr(C_BASE, lane, idx))?;
            }
        }
        let stats = BoardStats {
            cycles: self.read_reg("CYCLES")?,
            macs: self.read_reg("MACS")?,
            starved: self.read_reg("STARVED")?,
            stalled: self.read_reg("STALLED")?,
            transactions: self.transactions - t0 + 4,
        };
        Ok((c, stats))
    }
}
