//! The registry of top-level units: what `tessera generate` writes, one Verilog file per unit.
//!
//! Each entry names a unit, says whether the configuration has it, and builds and emits it for that
//! configuration (the file is `<name>.v`, its top module is `<name>`). To add a unit, add one line to
//! [`UNITS`] (see hdl/README.md, "How to add a unit").
//!
//! Configuration values are run-time numbers while rust-hdl widths are const generics; the `dispatch!`
//! macro below turns one run-time value into a const generic by matching it against the values the
//! configuration's validation allows.

use crate::common::{RoundRobinArbiter, SkidBuffer, SyncFifo};
use crate::emit::{emit_verilog, file_text};
use anyhow::{bail, Result};
use tessera_model::config::Config;

/// One top-level unit of a configuration.
pub struct Unit {
    /// File stem and top module name (a plain Verilog identifier).
    pub name: &'static str,
    /// One line: what the unit is, for the manifest and `--help`.
    pub about: &'static str,
    /// Does this configuration have the unit?
    pub present: fn(&Config) -> bool,
    /// Build the unit for the configuration and emit it (without the file header).
    pub emit: fn(&Config) -> Result<String>,
}

fn always(_: &Config) -> bool {
    true
}

/// Every unit, in file order. Unit owners add their line here.
pub const UNITS: &[Unit] = &[
    Unit {
        name: "skid_flit",
        about: "common cell: skid buffer (register slice) of NoC flit payload width",
        present: always,
        emit: skid_flit,
    },
    Unit {
        name: "fifo_flit",
        about: "common cell: synchronous FIFO of NoC flit payload width, noc.buffer_depth entries (rounded up to a power of two)",
        present: always,
        emit: fifo_flit,
    },
    Unit {
        name: "rr_arbiter_csram",
        about: "common cell: round-robin arbiter over csram.ports requesters",
        present: |c| c.csram.ports >= 2,
        emit: rr_arbiter_csram,
    },
    Unit {
        name: "ttu",
        about: "tensor unit: R x C output-stationary MX array, exact block sums, one float32 RNE per block",
        present: always,
        emit: crate::ttu::emit_unit,
    },
    Unit {
        name: "tvp",
        about: "vector processor: tvp.lanes float32 lanes (IEEE add/mul/min/max/compare, exp2/recip/rsqrt), tree reductions, bfloat16 and MX conversions",
        present: always,
        emit: crate::tvp::emit_unit,
    },
    Unit {
        name: "dma",
        about: "DMA engine: descriptor queue, 3D strided copies AXI4 <-> SRAM, legal bursts, outstanding reads, status, counters",
        present: always,
        emit: crate::dma::emit_unit,
    },
    Unit {
        name: "csram",
        about: "cluster SRAM: csram.ports ports, csram.banks word-interleaved banks, round robin per bank, in-order responses, SECDED + fault injection, counters",
        present: always,
        emit: crate::csram::emit_unit,
    },
    Unit {
        name: "noc_mesh",
        about: "NoC: chip.mesh_x x chip.mesh_y wormhole routers, 2 VCs (classes), credits, XY routing, cut-through XY-tree multicast",
        present: always,
        emit: crate::noc::emit::mesh_verilog,
    },
];

/// The units this configuration has, in file order.
pub fn units_of(cfg: &Config) -> Vec<&'static Unit> {
    UNITS.iter().filter(|u| (u.present)(cfg)).collect()
}

/// A unit's complete file: header (generator version, configuration) and its emitted Verilog.
pub fn render(cfg: &Config, unit: &Unit) -> Result<String> {
    let verilog = (unit.emit)(cfg).map_err(|e| e.context(format!("unit '{}'", unit.name)))?;
    Ok(file_text(&cfg.name, unit.name, &verilog))
}

/// Bind a run-time configuration value to a const generic:
/// `dispatch!(value, "field.name", N, [1, 2, 4], { body using N })`.
/// A value outside the list is an error naming the field.
macro_rules! dispatch {
    ($value:expr, $field:literal, $name:ident, [$($v:literal),+], $body:block) => {
        match $value as usize {
            $( $v => { const $name: usize = $v; $body } )+
            other => bail!(concat!($field, " = {} is not supported by the generator (supported: ", $(stringify!($v), " "),+, ")"), other),
        }
    };
}

/// ceil(log2(n)) for n >= 1.
fn clog2(n: u32) -> u32 {
    32 - (n.max(1) - 1).leading_zeros()
}

fn skid_flit(cfg: &Config) -> Result<String> {
    dispatch!(
        cfg.noc.flit_width,
        "noc.flit_width",
        W,
        [32, 64, 96, 128, 160, 192, 224, 256],
        { emit_verilog("skid_flit", &mut SkidBuffer::<W>::default()) }
    )
}

fn fifo_flit(cfg: &Config) -> Result<String> {
    let a = clog2(cfg.noc.buffer_depth).max(1);
    dispatch!(
        cfg.noc.flit_width,
        "noc.flit_width",
        W,
        [32, 64, 96, 128, 160, 192, 224, 256],
        {
            match a {
                1 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 1, 2>::new()),
                2 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 2, 3>::new()),
                3 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 3, 4>::new()),
                4 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 4, 5>::new()),
                5 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 5, 6>::new()),
                6 => emit_verilog("fifo_flit", &mut SyncFifo::<W, 6, 7>::new()),
                _ => bail!(
                    "noc.buffer_depth = {} is not supported by the generator (2..=64)",
                    cfg.noc.buffer_depth
                ),
            }
        }
    )
}

fn rr_arbiter_csram(cfg: &Config) -> Result<String> {
    let n = cfg.csram.ports as usize;
    dispatch!(
        clog2(cfg.csram.ports),
        "bits of csram.ports",
        I,
        [1, 2, 3, 4],
        { emit_verilog("rr_arbiter_csram", &mut RoundRobinArbiter::<I>::new(n)) }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_identifiers() {
        let mut seen = std::collections::HashSet::new();
        for u in UNITS {
            assert!(seen.insert(u.name), "unit {} registered twice", u.name);
            assert!(
                u.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "unit name {} must be lower-case snake case",
                u.name
            );
        }
    }

    #[test]
    fn clog2_rounds_up() {
        assert_eq!([1, 2, 3, 4, 5, 16, 17].map(clog2), [0, 1, 2, 2, 3, 4, 5]);
    }

    #[test]
    fn every_tiny_unit_emits_and_passes_the_checks() {
        let cfg = Config::preset("tiny").unwrap();
        for u in units_of(&cfg) {
            let v = (u.emit)(&cfg).unwrap();
            crate::emit::check_all(&v, u.name).unwrap_or_else(|e| panic!("unit {}: {e:#}", u.name));
        }
    }
}

/// Everything `tessera generate` writes for one configuration, in memory: `(file name, contents)` for every
/// unit's `<name>.v`, then `manifest.json`. Nothing is written, so a failure leaves the output untouched.
pub fn generate(cfg: &Config) -> Result<Vec<(String, String)>> {
    use sha2::{Digest, Sha256};
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for unit in units_of(cfg) {
        let text = render(cfg, unit)?;
        let name = format!("{}.v", unit.name);
        let sha: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entries.push(serde_json::json!({
            "name": name,
            "top": unit.name,
            "about": unit.about,
            "sha256": sha,
            "modules": crate::emit::module_names(&text)?,
        }));
        files.push((name, text));
    }
    let manifest = serde_json::json!({
        "configuration": cfg,
        "generator": format!("tessera {}", crate::emit::GENERATOR_VERSION),
        "rust_hdl": crate::emit::RUST_HDL_VERSION,
        "files": entries,
    });
    files.push((
        "manifest.json".to_string(),
        serde_json::to_string_pretty(&manifest)? + "\n",
    ));
    Ok(files)
}
