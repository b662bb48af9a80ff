//! Reads the port list out of the header Verilator generates (`V<top>.h`) and writes the small `extern "C"`
//! shim that the Rust side loads with `libloading`.
//!
//! Verilator declares every top-level port as a public member of the model class with one of the macros
//! `VL_IN8/VL_IN16/VL_IN/VL_IN64/VL_INW` (and the `OUT`/`INOUT` variants) from `verilated_types.h`, e.g.
//! `VL_INW(&a,99,0,4);` is a 100-bit input stored as 4 32-bit words. The storage type follows from the
//! macro: 8/16/32/64-bit integers, or a `VlWide<words>` array of `uint32_t`, least significant word first.
//!
//! The shim exports a port table (name, direction, width, storage kind) and one function returning the
//! address of a port's storage, so Rust reads and writes ports directly in the model's memory; calls per
//! eval are limited to `tb_eval`.

use anyhow::{bail, Context, Result};

/// Bumped whenever the generated C++ or the way it is compiled changes: it is part of every cache key.
pub const SHIM_VERSION: u32 = 4;

/// Direction of a top-level port as Verilator declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// `input`: written by the testbench.
    In,
    /// `output`: read by the testbench.
    Out,
    /// `inout`: both (Verilator models it as one variable).
    InOut,
}

impl Dir {
    pub(crate) fn code(self) -> u32 {
        match self {
            Dir::In => 0,
            Dir::Out => 1,
            Dir::InOut => 2,
        }
    }
    pub(crate) fn from_code(code: u32) -> Option<Dir> {
        match code {
            0 => Some(Dir::In),
            1 => Some(Dir::Out),
            2 => Some(Dir::InOut),
            _ => None,
        }
    }
}

/// How Verilator stores a port: an integer of 8/16/32/64 bits, or an array of 32-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    U8,
    U16,
    U32,
    U64,
    /// `VlWide<words>`: `words` little-endian `u32` words.
    Wide(u32),
}

impl Storage {
    pub(crate) fn code(self) -> u32 {
        match self {
            Storage::U8 => 8,
            Storage::U16 => 16,
            Storage::U32 => 32,
            Storage::U64 => 64,
            Storage::Wide(_) => 0,
        }
    }
}

/// One top-level port as declared in `V<top>.h`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortDecl {
    /// The C++ member name (Verilator's name for the Verilog port).
    pub name: String,
    pub dir: Dir,
    /// Width in bits (`msb - lsb + 1`).
    pub width: u32,
    pub storage: Storage,
}

/// Parses the `// PORTS` declarations of a Verilator 5 model header.
pub fn parse_ports(header: &str) -> Result<Vec<PortDecl>> {
    let mut ports = Vec::new();
    for line in header.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("VL_") else {
            continue;
        };
        let Some(open) = rest.find('(') else { continue };
        let (mac, args) = rest.split_at(open);
        let (dir, kind) = if let Some(k) = mac.strip_prefix("INOUT") {
            (Dir::InOut, k)
        } else if let Some(k) = mac.strip_prefix("IN") {
            (Dir::In, k)
        } else if let Some(k) = mac.strip_prefix("OUT") {
            (Dir::Out, k)
        } else {
            continue;
        };
        let args = args
            .strip_prefix('(')
            .and_then(|a| a.strip_suffix(");"))
            .with_context(|| format!("unexpected port declaration in Verilator header: {line}"))?;
        let fields: Vec<&str> = args.split(',').map(str::trim).collect();
        let name = fields[0].trim_start_matches('&').to_string();
        let num = |i: usize| -> Result<u32> {
            fields
                .get(i)
                .with_context(|| format!("missing field {i} in {line}"))?
                .parse::<u32>()
                .with_context(|| format!("bad number in {line}"))
        };
        let (msb, lsb) = (num(1)?, num(2)?);
        if lsb > msb {
            bail!("port {name}: ascending ranges are not supported ({line})");
        }
        // Verilator stores [msb:lsb] right-aligned, so a port is always read as bits 0..width.
        let width = msb - lsb + 1;
        let storage = match kind {
            "8" => Storage::U8,
            "16" => Storage::U16,
            "" => Storage::U32,
            "64" => Storage::U64,
            "W" => Storage::Wide(num(3)?),
            _ => continue, // e.g. VL_SIG*, not a port
        };
        if let Storage::Wide(words) = storage {
            if words != width.div_ceil(32) {
                bail!("port {name}: {words} words for {width} bits ({line})");
            }
        }
        ports.push(PortDecl {
            name,
            dir,
            width,
            storage,
        });
    }
    if ports.is_empty() {
        bail!("no ports found in the Verilator header (is the top module empty?)");
    }
    Ok(ports)
}

/// Generates the C++ shim for model class `V<top>` with these ports.
pub fn generate(top: &str, ports: &[PortDecl]) -> String {
    let class = format!("V{top}");
    let mut table = String::new();
    let mut cases = String::new();
    for (i, p) in ports.iter().enumerate() {
        table.push_str(&format!(
            "    {{\"{}\", {}u, {}u, {}u}},\n",
            p.name,
            p.dir.code(),
            p.width,
            p.storage.code()
        ));
        let addr = match p.storage {
            Storage::Wide(_) => format!("m->model->{}.data()", p.name),
            _ => format!("&m->model->{}", p.name),
        };
        cases.push_str(&format!("        case {i}: return (void*){addr};\n"));
    }
    format!(
        r#"// Generated by tessera-testbench (shim version {SHIM_VERSION}); do not edit.
// A C ABI over the Verilator model class {class}: lifetime, eval, VCD tracing and a port table.
#include "{class}.h"
#include "verilated.h"
#include "verilated_vcd_c.h"
#include <cstdint>

#define TB_EXPORT extern "C" __attribute__((visibility("default")))

namespace {{
struct TbModel {{
    VerilatedContext* ctx = nullptr;
    {class}* model = nullptr;
    VerilatedVcdC* vcd = nullptr;
}};
struct TbPort {{
    const char* name;
    uint32_t dir;
    uint32_t width;
    uint32_t storage;
}};
const TbPort kPorts[] = {{
{table}}};
const uint32_t kPortCount = sizeof(kPorts) / sizeof(kPorts[0]);
}}  // namespace

TB_EXPORT uint32_t tb_shim_version() {{ return {SHIM_VERSION}u; }}
TB_EXPORT uint32_t tb_port_count() {{ return kPortCount; }}
TB_EXPORT const char* tb_port_name(uint32_t i) {{ return i < kPortCount ? kPorts[i].name : nullptr; }}
TB_EXPORT uint32_t tb_port_dir(uint32_t i) {{ return i < kPortCount ? kPorts[i].dir : 99u; }}
TB_EXPORT uint32_t tb_port_width(uint32_t i) {{ return i < kPortCount ? kPorts[i].width : 0u; }}
TB_EXPORT uint32_t tb_port_storage(uint32_t i) {{ return i < kPortCount ? kPorts[i].storage : 99u; }}

// Each model gets its own VerilatedContext, so several models (of one or several designs) coexist.
TB_EXPORT void* tb_new(const char* vcd_path) {{
    TbModel* m = new TbModel();
    m->ctx = new VerilatedContext;
    m->ctx->traceEverOn(vcd_path != nullptr);
    m->model = new {class}(m->ctx, "TOP");
    if (vcd_path != nullptr) {{
        m->vcd = new VerilatedVcdC;
        m->model->trace(m->vcd, 99);
        m->vcd->open(vcd_path);
    }}
    return m;
}}

TB_EXPORT void tb_free(void* p) {{
    TbModel* m = static_cast<TbModel*>(p);
    m->model->final();
    if (m->vcd != nullptr) {{
        m->vcd->close();
        delete m->vcd;
    }}
    delete m->model;
    delete m->ctx;
    delete m;
}}

TB_EXPORT void tb_eval(void* p) {{ static_cast<TbModel*>(p)->model->eval(); }}

TB_EXPORT void tb_dump(void* p, uint64_t time) {{
    TbModel* m = static_cast<TbModel*>(p);
    m->ctx->time(time);
    if (m->vcd != nullptr) m->vcd->dump(time);
}}

TB_EXPORT void tb_flush(void* p) {{
    TbModel* m = static_cast<TbModel*>(p);
    if (m->vcd != nullptr) m->vcd->flush();
}}

TB_EXPORT uint32_t tb_got_finish(void* p) {{ return static_cast<TbModel*>(p)->ctx->gotFinish() ? 1u : 0u; }}

TB_EXPORT void* tb_port_ptr(void* p, uint32_t i) {{
    TbModel* m = static_cast<TbModel*>(p);
    switch (i) {{
{cases}        default: return nullptr;
    }}
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_verilator5_port_macros() {
        let header = "    VL_IN8(&clk,0,0);\n    VL_OUT16(&y,15,0);\n    VL_INW(&a,99,0,4);\n    \
                      VL_OUTW(&s,99,0,4);\n    VL_OUT64(&z,33,0);\n    VL_IN64(&q,63,0);\n    VL_IN(&w,31,0);\n    \
                      VL_INOUT8(&io,3,0);\n";
        let p = parse_ports(header).unwrap();
        let got: Vec<(&str, Dir, u32, Storage)> = p
            .iter()
            .map(|d| (d.name.as_str(), d.dir, d.width, d.storage))
            .collect();
        assert_eq!(
            got,
            vec![
                ("clk", Dir::In, 1, Storage::U8),
                ("y", Dir::Out, 16, Storage::U16),
                ("a", Dir::In, 100, Storage::Wide(4)),
                ("s", Dir::Out, 100, Storage::Wide(4)),
                ("z", Dir::Out, 34, Storage::U64),
                ("q", Dir::In, 64, Storage::U64),
                ("w", Dir::In, 32, Storage::U32),
                ("io", Dir::InOut, 4, Storage::U8),
            ]
        );
    }

    #[test]
    fn empty_header_is_an_error() {
        assert!(parse_ports("class Vx { };").is_err());
    }
}
