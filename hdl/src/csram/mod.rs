//! CSRAM: the cluster's multi-banked SRAM (issue 6; ARCHITECTURE.md section 3, "SRAM ports").
//!
//! | block | file | what |
//! |---|---|---|
//! | [`Csram`] | `top.rs` | P ports, B word-interleaved banks, round robin per bank, in-order responses, counters |
//! | [`BankRam`] | `bank_ram.rs` | one bank: single-port RAM with lane enables, the yosys block-RAM template |
//! | [`SecdedEncode`] / [`SecdedDecode`] | `secded.rs` | Hsiao SECDED (matrix from `tessera_model::csram`) |
//!
//! The word width and the ECC switch change port widths, which rust-hdl expresses as const
//! generics; [`with_csram!`](crate::with_csram) picks the instantiation for a configuration, and
//! [`verilog`] emits it. Theory of operation, timing and measurements: `docs/csram.md`.
pub mod bank_ram;
pub mod secded;
pub mod top;

pub use bank_ram::BankRam;
pub use secded::{SecdedDecode, SecdedEncode};
pub use top::{Csram, CsramReq, CsramRsp, RSP_DEPTH};

use tessera_model::config::CsramConfig;

/// Latency in cycles from the accepting edge to the response being valid, without conflicts.
pub const LATENCY: u32 = 2;

/// Run `$body` with `$block` bound to a connected `Csram<..>` built for `$cfg` (a
/// `&CsramConfig`); every supported (width, ecc) pair has its own instantiation.
#[macro_export]
macro_rules! with_csram {
    ($cfg:expr, |$block:ident| $body:expr) => {{
        let cfg: &tessera_model::config::CsramConfig = $cfg;
        match (cfg.width, cfg.ecc) {
            (32, false) => {
                let mut $block = $crate::csram::Csram::<32, 4, 32, 4, 33>::new(cfg);
                $body
            }
            (32, true) => {
                let mut $block = $crate::csram::Csram::<32, 4, 39, 1, 33>::new(cfg);
                $body
            }
            (64, false) => {
                let mut $block = $crate::csram::Csram::<64, 8, 64, 8, 65>::new(cfg);
                $body
            }
            (64, true) => {
                let mut $block = $crate::csram::Csram::<64, 8, 72, 1, 65>::new(cfg);
                $body
            }
            (128, false) => {
                let mut $block = $crate::csram::Csram::<128, 16, 128, 16, 129>::new(cfg);
                $body
            }
            (128, true) => {
                let mut $block = $crate::csram::Csram::<128, 16, 137, 1, 129>::new(cfg);
                $body
            }
            (w, _) => panic!("csram.width must be 32, 64 or 128, got {w}"),
        }
    }};
}

/// Top module name of the unit.
pub const TOP: &str = "csram";

/// Verilog of the CSRAM for `cfg` through Tessera's emitter (top module [`TOP`]); rust-hdl's
/// checks and the emitter's rules apply.
pub fn verilog(cfg: &CsramConfig) -> anyhow::Result<String> {
    with_csram!(cfg, |block| crate::emit::emit_verilog(TOP, &mut block))
}

/// The unit-registry entry point (`hdl/src/units.rs`).
pub fn emit_unit(cfg: &tessera_model::config::Config) -> anyhow::Result<String> {
    verilog(&cfg.csram)
}

/// Stored word width: W, or W + K check bits with ECC.
pub fn stored_bits(cfg: &CsramConfig) -> u32 {
    if cfg.ecc {
        tessera_model::csram::Secded::new(cfg.width as usize).stored_bits() as u32
    } else {
        cfg.width
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_model::config::Config;

    /// The tiny preset's CSRAM with ECC switched on (the preset itself has none).
    fn tiny_ecc() -> CsramConfig {
        CsramConfig {
            ecc: true,
            ..Config::preset("tiny").unwrap().csram
        }
    }

    /// Verilator `-Wall` lint, yosys `check -assert` and the emitter's product rules.
    #[test]
    fn lint_and_yosys_clean() {
        let small = Config::preset("small").unwrap().csram;
        let tiny = Config::preset("tiny").unwrap().csram;
        for (name, cfg) in [("tiny", tiny), ("tiny+ecc", tiny_ecc()), ("small", small)] {
            let v = verilog(&cfg).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            if let Ok(dir) = std::env::var("CSRAM_DUMP") {
                std::fs::write(format!("{dir}/csram-{name}.v"), &v).unwrap();
            }
            crate::emit::check_all(&v, TOP).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn emits_for_every_preset() {
        for p in tessera_model::config::PRESETS {
            let cfg = tessera_model::config::Config::preset(p).unwrap().csram;
            let v = verilog(&cfg).unwrap_or_else(|e| panic!("{p}: {e:#}"));
            assert!(v.contains("module csram("), "{p}");
        }
    }
}
