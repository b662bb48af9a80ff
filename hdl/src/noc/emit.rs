//! Emitting the mesh for a configuration: picks the const-generic payload width from `noc.flit_width`.
use super::mesh::Mesh;
use crate::emit::emit_verilog;
use anyhow::{bail, Result};
use tessera_model::config::Config;

/// Top-module name of the mesh in the emitted Verilog.
pub const MESH_TOP: &str = "noc_mesh";

/// Verilog for an `nx` x `ny` mesh with `width`-bit flit payloads and `depth`-flit VC buffers.
pub fn mesh_verilog_with(
    top: &str,
    nx: usize,
    ny: usize,
    width: u32,
    depth: usize,
) -> Result<String> {
    macro_rules! go {
        ($($w:literal),*) => {
            match width {
                $($w => emit_verilog(top, &mut Mesh::<$w>::new(nx, ny, depth)),)*
                other => bail!("noc.flit_width must be a multiple of 32 in 32..=256, got {other}"),
            }
        };
    }
    go!(32, 64, 96, 128, 160, 192, 224, 256)
}

/// Verilog for the configuration's `chip.mesh_x` x `chip.mesh_y` mesh.
pub fn mesh_verilog(cfg: &Config) -> Result<String> {
    if cfg.noc.local_ports != 1 {
        bail!(
            "noc.local_ports = {}: this router generation has exactly 1 local port per router; set noc.local_ports = 1",
            cfg.noc.local_ports
        );
    }
    mesh_verilog_with(
        MESH_TOP,
        cfg.chip.mesh_x as usize,
        cfg.chip.mesh_y as usize,
        cfg.noc.flit_width,
        cfg.noc.buffer_depth as usize,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::check_all;

    #[test]
    fn mesh_2x2_is_lint_and_yosys_clean() {
        let v = mesh_verilog_with("noc_mesh_2x2", 2, 2, 64, 4).unwrap();
        check_all(&v, "noc_mesh_2x2").unwrap();
    }

    /// The registered unit (`rtl-out/<preset>/noc_mesh.v`) for every preset: Verilator `-Wall`, yosys and
    /// the emitter's product rules.
    #[test]
    fn every_preset_mesh_is_lint_and_yosys_clean() {
        for p in tessera_model::config::PRESETS {
            let cfg = Config::preset(p).unwrap();
            let v = mesh_verilog(&cfg).unwrap_or_else(|e| panic!("{p}: {e:#}"));
            check_all(&v, MESH_TOP).unwrap_or_else(|e| panic!("{p}: {e:#}"));
        }
    }
}
