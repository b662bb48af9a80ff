//! The board's host register map: ONE table ([`REGS`]) from which the RTL decode
//! (`engine.rs` takes every offset from here by name), the host library (`host.rs`) and the
//! register table of docs/fpga.md ([`markdown_table`], printed by `tessera board regs`) are made.
//!
//! The AXI4-Lite window is 16 bits of byte address, 32-bit data, word aligned:
//!
//! | window            | what                                                             |
//! |-------------------|------------------------------------------------------------------|
//! | `0x0000..0x0100`  | control and status registers ([`REGS`])                          |
//! | `0x1000 + r*0x400`| A operand memory of array row r: word i = {scale[15:8], code[7:0]} |
//! | `0x2000 + c*0x400`| B operand memory of array column c, same word layout              |
//! | `0x3000 + c*0x400`| C result memory of array column c: float32 bits (read only)       |
//!
//! Each memory holds [`MEM_DEPTH`] words (a 1 KiB window per lane, so at most 4 lanes).

/// Register access as seen from the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read only: writes answer SLVERR.
    Ro,
    /// Read and write; writes while a GEMM runs answer SLVERR (the value is held while busy).
    Rw,
    /// Write only (reads return 0): a command.
    Wo,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Wo => "WO",
        }
    }
}

/// One control/status register.
#[derive(Clone, Copy, Debug)]
pub struct Reg {
    pub name: &'static str,
    /// Byte offset in the AXI4-Lite window.
    pub offset: u16,
    pub access: Access,
    /// Value after reset ("" when it depends on the configuration or runs).
    pub reset: &'static str,
    /// Fields and meaning.
    pub doc: &'static str,
}

/// Words per operand/result memory.
pub const MEM_DEPTH: usize = 256;
/// Address bits of a memory word index.
pub const MEM_AW: usize = 8;
/// Base of the A, B and C memory windows and the stride between lanes.
pub const A_BASE: u16 = 0x1000;
pub const B_BASE: u16 = 0x2000;
pub const C_BASE: u16 = 0x3000;
pub const LANE_STRIDE: u16 = 0x400;
/// Value of the ID register: "TES" and protocol/map version 1.
pub const ID_VALUE: u32 = 0x5445_5301;

/// Error codes in STATUS[15:8] (set when a start is refused).
pub const ERR_M: u32 = 1;
pub const ERR_N: u32 = 2;
pub const ERR_K: u32 = 3;
pub const ERR_FMT: u32 = 4;
pub const ERR_OPERANDS_FIT: u32 = 5;
pub const ERR_RESULTS_FIT: u32 = 6;

/// The register map. Order is documentation order; offsets are what the RTL decodes.
pub const REGS: &[Reg] = &[
    Reg { name: "ID", offset: 0x00, access: Access::Ro, reset: "0x54455301",
        doc: "identification: \"TES\" and map version 1" },
    Reg { name: "INFO", offset: 0x04, access: Access::Ro, reset: "",
        doc: "[7:0] array rows R, [15:8] array columns C, [23:16] block size k, [31:24] log2 of the words per memory" },
    Reg { name: "CTRL", offset: 0x08, access: Access::Wo, reset: "0",
        doc: "doorbell: writing bit 0 = 1 starts a GEMM (ignored while busy); reads 0" },
    Reg { name: "STATUS", offset: 0x0C, access: Access::Ro, reset: "0",
        doc: "[0] busy, [1] done (last GEMM finished), [2] error (last start refused), [15:8] error code: 1 M, 2 N, 3 K, 4 format, 5 operands do not fit, 6 results do not fit" },
    Reg { name: "FMT", offset: 0x10, access: Access::Rw, reset: "0",
        doc: "[2:0] A element format, [10:8] B element format: e4m3 0, e5m2 1, e2m3 2, e3m2 3, e2m1 4, int8 5" },
    Reg { name: "M", offset: 0x14, access: Access::Rw, reset: "0",
        doc: "[15:0] rows of A and C: a nonzero multiple of R" },
    Reg { name: "N", offset: 0x18, access: Access::Rw, reset: "0",
        doc: "[15:0] rows of B (columns of C): a nonzero multiple of C" },
    Reg { name: "K", offset: 0x1C, access: Access::Rw, reset: "0",
        doc: "[15:0] reduction length: a nonzero multiple of k, at most ttu.max_k" },
    Reg { name: "CYCLES", offset: 0x20, access: Access::Ro, reset: "0",
        doc: "clock cycles from the doorbell to done of the last GEMM" },
    Reg { name: "MACS", offset: 0x24, access: Access::Ro, reset: "0",
        doc: "element MACs the array did in the last GEMM (exact: a GEMM that fits the memories is at most 2^16 beats)" },
    Reg { name: "STARVED", offset: 0x28, access: Access::Ro, reset: "0",
        doc: "cycles the array waited for operands in the last GEMM" },
    Reg { name: "STALLED", offset: 0x2C, access: Access::Ro, reset: "0",
        doc: "cycles a result waited for the result memory in the last GEMM" },
    Reg { name: "FORMATS", offset: 0x30, access: Access::Ro, reset: "",
        doc: "bit f set: element format f (FMT encoding) is configured" },
];

/// The register called `name`; panics on a name not in [`REGS`] (a programming error).
pub fn reg(name: &str) -> &'static Reg {
    REGS.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no register named {name} in the board register map"))
}

/// Byte offset of register `name`.
pub fn offset(name: &str) -> u16 {
    reg(name).offset
}

/// Byte address of word `index` of the A (row `lane`), B or C (column `lane`) memory.
pub fn mem_addr(base: u16, lane: usize, index: usize) -> u16 {
    assert!(
        lane < 4 && index < MEM_DEPTH,
        "lane {lane} / word {index} outside the memory windows"
    );
    base + lane as u16 * LANE_STRIDE + 4 * index as u16
}

/// The register table of docs/fpga.md, generated from [`REGS`].
pub fn markdown_table() -> String {
    let mut s =
        String::from("| offset | name | access | reset | fields |\n|---|---|---|---|---|\n");
    for r in REGS {
        s += &format!(
            "| `0x{:04X}` | `{}` | {} | {} | {} |\n",
            r.offset,
            r.name,
            r.access.name(),
            if r.reset.is_empty() {
                "config"
            } else {
                r.reset
            },
            r.doc
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_unique_aligned_and_inside_the_register_window() {
        for (i, a) in REGS.iter().enumerate() {
            assert_eq!(a.offset % 4, 0, "{} is not word aligned", a.name);
            assert!(
                a.offset < 0x100,
                "{} is outside the register window",
                a.name
            );
            for b in &REGS[i + 1..] {
                assert_ne!(
                    a.offset, b.offset,
                    "{} and {} share an offset",
                    a.name, b.name
                );
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(mem_addr(B_BASE, 3, 255), 0x2FFC);
    }

    /// docs/fpga.md carries the table generated from REGS; TESSERA_BLESS=1 rewrites it.
    #[test]
    fn docs_register_table_is_generated_from_regs() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/fpga.md");
        let text = std::fs::read_to_string(path).expect("docs/fpga.md");
        let (begin, end) = (
            "<!-- register table: generated, do not edit -->\n",
            "<!-- end of register table -->",
        );
        let i = text.find(begin).expect("begin marker in docs/fpga.md") + begin.len();
        let j = text.find(end).expect("end marker in docs/fpga.md");
        let want = markdown_table();
        if text[i..j] != want {
            if std::env::var("TESSERA_BLESS").as_deref() == Ok("1") {
                std::fs::write(path, format!("{}{}{}", &text[..i], want, &text[j..])).unwrap();
            } else {
                panic!("docs/fpga.md's register table is stale: rerun with TESSERA_BLESS=1");
            }
        }
    }
}
