//! TTU: the tile's MX tensor unit, an R x C output-stationary array (ARCHITECTURE.md 2.3, 3).
//!
//! | file         | block                | role                                                     |
//! |--------------|----------------------|----------------------------------------------------------|
//! | `mul.rs`     | [`mul::SigMul`]      | the one multiply primitive (8 x 8 significands)          |
//! | `decode.rs`  | [`decode::ElemDecode`] | element code -> sign, significand, alignment shift     |
//! | `edge.rs`    | [`edge::OperandEdge`] | decode once per row / column, registered                |
//! | `pe.rs`      | [`pe::Pe`]           | exact fixed-point block sum, NaN/Inf flags, 3 stages     |
//! | `norm.rs`    | `Normalize`, `ShiftSticky` | shifters of the accumulate path                    |
//! | `mx_acc.rs`  | [`mx_acc::MxAcc`]    | scales + float32 add with one RNE, 8 (or 4) stages      |
//! | `array.rs`   | [`array::Ttu`]       | the top: array, drain double buffer, streams, counters   |
//!
//! Widths: a PE holds the exact sum of k products on the common lsb 2^(2 lsb_min). rust-hdl needs
//! compile-time widths, so the generator picks one of two variants: W = 42 bits when E5M2 is not
//! configured (E4M3 x E4M3 with k = 32 needs exactly 42: |sum| <= 32 x (448 x 2^9)^2 < 2^41) and
//! W = 70 bits with E5M2 (32 x (57344 x 2^16)^2 < 2^69). [`TtuParams::new`] computes the exact
//! need of every enabled format pair and checks it fits. The accumulate frame is F = W + 30.
//! See docs/ttu.md for the theory of operation.
pub mod array;
pub mod decode;
pub mod driver;
pub mod edge;
pub mod mul;
pub mod mx_acc;
pub mod norm;
pub mod pe;

use rust_hdl::prelude::*;
use tessera_model::config::{Config, ElemFormat};

pub use array::Ttu;
pub use decode::{format_select, lsb_exp};

/// Block-sum width without E5M2.
pub const W_NARROW: usize = 42;
/// Block-sum width with E5M2.
pub const W_WIDE: usize = 70;

/// Largest element magnitude of a format in units of its own lsb (ARCHITECTURE.md 2.1).
fn max_units(f: ElemFormat) -> u128 {
    match f {
        ElemFormat::E4m3 => 448 << 9,
        ElemFormat::E5m2 => 57344 << 16,
        ElemFormat::E2m3 => 60,
        ElemFormat::E3m2 => 28 << 4,
        ElemFormat::E2m1 => 12,
        ElemFormat::Int8 => 128,
    }
}

/// Everything the generator derives from the configuration's `[ttu]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TtuParams {
    /// Array rows R and columns C.
    pub rows: usize,
    pub cols: usize,
    /// MX block size k.
    pub block: usize,
    /// Largest K of one pass (a multiple of k).
    pub max_k: usize,
    /// Configured element formats.
    pub formats: Vec<ElemFormat>,
    /// Smallest lsb exponent among the formats: the PEs' common lsb is 2^(2 lsb_min).
    pub lsb_min: i32,
    /// Exact block-sum width the formats need (sign included).
    pub sum_bits_needed: u32,
    /// Block-sum width built (W_NARROW or W_WIDE).
    pub sum_width: usize,
}

impl TtuParams {
    /// Derive the TTU parameters from a validated configuration.
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let t = &cfg.ttu;
        let formats = t.formats.clone();
        let lsb_min = formats
            .iter()
            .map(|f| lsb_exp(*f))
            .min()
            .ok_or("ttu.formats is empty")?;
        let mut need = 0u32;
        for &fa in &formats {
            for &fb in &formats {
                let ua = max_units(fa) << (lsb_exp(fa) - lsb_min);
                let ub = max_units(fb) << (lsb_exp(fb) - lsb_min);
                let max = ua * ub * t.block as u128;
                need = need.max(128 - max.leading_zeros() + 1);
            }
        }
        let sum_width = if need as usize <= W_NARROW {
            W_NARROW
        } else if need as usize <= W_WIDE {
            W_WIDE
        } else {
            return Err(format!(
                "ttu: the configured formats need a {need}-bit exact block sum; at most {W_WIDE} is supported"
            ));
        };
        if t.rows > 255 || t.cols > 255 {
            return Err("ttu.rows and ttu.cols must be at most 255".into());
        }
        Ok(TtuParams {
            rows: t.rows as usize,
            cols: t.cols as usize,
            block: t.block as usize,
            max_k: t.max_k as usize,
            formats,
            lsb_min,
            sum_bits_needed: need,
            sum_width,
        })
    }

    /// Fewest beats per block among the configured format pairs (k/2 when E2M1 is configured).
    pub fn min_beats_per_block(&self) -> usize {
        if self.formats.contains(&ElemFormat::E2m1) {
            self.block / 2
        } else {
            self.block
        }
    }

    /// The deep (8-stage) MxAcc when the next fold of an accumulator comes at least 8 cycles
    /// later at full rate (a block every `min_beats_per_block` cycles), else the 4-stage one.
    pub fn acc_deep(&self) -> bool {
        mx_acc::MxAcc::<W_NARROW, { W_NARROW + 30 }>::latency(true) <= self.min_beats_per_block()
    }

    /// Cycles from a fold's issue until its result can be read again (MxAcc latency L).
    pub fn acc_latency(&self) -> usize {
        mx_acc::MxAcc::<W_NARROW, { W_NARROW + 30 }>::latency(self.acc_deep())
    }

    /// Beats per block for a format pair: k, or k/2 for E2M1 x E2M1.
    pub fn beats_per_block(&self, fa: ElemFormat, fb: ElemFormat) -> usize {
        if fa == ElemFormat::E2m1 && fb == ElemFormat::E2m1 {
            self.block / 2
        } else {
            self.block
        }
    }
}

/// The `ttu` unit of `tessera generate` (registered in `units.rs`): top module `ttu`.
pub fn emit_unit(cfg: &Config) -> anyhow::Result<String> {
    TtuTop::new(cfg).map_err(anyhow::Error::msg)?.emit("ttu")
}

/// The TTU top for a configuration, in the width variant it needs.
pub enum TtuTop {
    Narrow(Box<Ttu<W_NARROW, { W_NARROW + 30 }>>),
    Wide(Box<Ttu<W_WIDE, { W_WIDE + 30 }>>),
}

impl TtuTop {
    /// Build (and connect) the TTU for `cfg`.
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let p = TtuParams::new(cfg)?;
        Ok(if p.sum_width == W_NARROW {
            let mut t = Box::new(Ttu::new(&p));
            t.connect_all();
            TtuTop::Narrow(t)
        } else {
            let mut t = Box::new(Ttu::new(&p));
            t.connect_all();
            TtuTop::Wide(t)
        })
    }

    /// The block, for the emitter and simulators.
    pub fn block(&mut self) -> &mut dyn Block {
        match self {
            TtuTop::Narrow(t) => t.as_mut(),
            TtuTop::Wide(t) => t.as_mut(),
        }
    }

    /// The TTU's Verilog through Tessera's emitter (top module `top_name`, no `$`, modules shared).
    pub fn emit(&mut self, top_name: &str) -> anyhow::Result<String> {
        match self {
            TtuTop::Narrow(t) => crate::emit::emit_verilog(top_name, t.as_mut()),
            TtuTop::Wide(t) => crate::emit::emit_verilog(top_name, t.as_mut()),
        }
    }

    /// rust-hdl's own Verilog for the TTU (module `top`).
    pub fn raw_verilog(&self) -> String {
        match self {
            TtuTop::Narrow(t) => generate_verilog(t.as_ref()),
            TtuTop::Wide(t) => generate_verilog(t.as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_formats() {
        let tiny = TtuParams::new(&Config::preset("tiny").unwrap()).unwrap();
        assert_eq!((tiny.lsb_min, tiny.sum_width), (-9, W_NARROW));
        // k = 8: E4M3 x E4M3 needs 40 bits.
        assert_eq!(tiny.sum_bits_needed, 40);
        let small = TtuParams::new(&Config::preset("small").unwrap()).unwrap();
        assert_eq!(small.sum_bits_needed, 42);
        let base = TtuParams::new(&Config::base()).unwrap();
        assert_eq!(
            (base.lsb_min, base.sum_bits_needed, base.sum_width),
            (-16, 70, W_WIDE)
        );
    }

    /// Lint-clean (`verilator --lint-only -Wall` with the project's waivers), synthesizable (yosys
    /// `check -assert`), and one module per distinct block.
    #[test]
    fn emitted_ttu_passes_lint_and_yosys_and_shares_modules() {
        let mut counts = Vec::new();
        for p in ["tiny", "small"] {
            let cfg = Config::preset(p).unwrap();
            let v = emit_unit(&cfg).unwrap();
            crate::emit::check_all(&v, "ttu").unwrap_or_else(|e| panic!("{p}: {e:#}"));
            counts.push(crate::emit::module_names(&v).unwrap().len());
        }
        // 2x2 and 4x4 arrays: the module count does not grow with R x C.
        assert_eq!(counts[0], counts[1], "modules per preset: {counts:?}");
    }

    /// The pipelined blocks alone are lint-clean and synthesizable too (and, with TTU_DUMP_DIR
    /// set, written out for FPGA timing runs of one block).
    #[test]
    fn pipeline_blocks_pass_lint_and_yosys_alone() {
        let p = TtuParams::new(&Config::preset("small").unwrap()).unwrap();
        let mut deep = mx_acc::MxAcc::<W_NARROW, { W_NARROW + 30 }>::new(2 * p.lsb_min, true);
        let mut shallow = mx_acc::MxAcc::<W_NARROW, { W_NARROW + 30 }>::new(2 * p.lsb_min, false);
        let mut pe = pe::Pe::<W_NARROW>::new();
        let texts = [
            (
                "mxacc_deep",
                crate::emit::emit_verilog("mxacc_deep", &mut deep).unwrap(),
            ),
            (
                "mxacc_shallow",
                crate::emit::emit_verilog("mxacc_shallow", &mut shallow).unwrap(),
            ),
            ("pe", crate::emit::emit_verilog("pe", &mut pe).unwrap()),
        ];
        for (name, v) in &texts {
            if let Ok(dir) = std::env::var("TTU_DUMP_DIR") {
                std::fs::write(format!("{dir}/{name}.v"), v).unwrap();
            }
            crate::emit::check_all(v, name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn raw_verilog_generates_for_every_preset() {
        for p in ["tiny", "small"] {
            let cfg = Config::preset(p).unwrap();
            let v = TtuTop::new(&cfg).unwrap().raw_verilog();
            assert!(v.contains("module top"), "{p}");
            if let Ok(dir) = std::env::var("TTU_DUMP_DIR") {
                std::fs::write(format!("{dir}/ttu_{p}.v"), &v).unwrap();
            }
        }
    }
}
