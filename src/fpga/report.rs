//! The FPGA build report: resources from yosys (`stat -json`), Fmax and utilization from nextpnr
//! (`--report`), tool versions and seed. Written as `report.json` and `report.md`.

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Facts the flow knows before reading the tools' outputs.
#[derive(Clone, Debug, Serialize)]
pub struct Meta {
    pub board: String,
    pub device: String,
    pub family: String,
    pub configuration: String,
    pub unit: String,
    pub top: String,
    /// Flip-flops added by the out-of-context harness (0 for a board top).
    pub harness_flops: u32,
    pub target_mhz: f64,
    pub seed: u32,
    pub bitstream: String,
    pub tools: Vec<(String, String)>,
    pub step_seconds: Vec<(String, f64)>,
}

/// Resources and timing of one build.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub meta: Meta,
    pub luts: u64,
    pub flip_flops: u64,
    pub dsps: u64,
    pub block_rams: u64,
    /// Cells by type after synthesis.
    pub cells: BTreeMap<String, u64>,
    /// Placed resources: used / available per nextpnr resource type.
    pub utilization: BTreeMap<String, (u64, u64)>,
    /// Worst achieved Fmax over the clock domains, MHz.
    pub fmax_mhz: f64,
    pub timing_met: bool,
}

/// Cell-type families counted in the summary columns.
fn family_counts(cells: &BTreeMap<String, u64>) -> (u64, u64, u64, u64) {
    let mut luts = 0;
    let mut ffs = 0;
    let mut dsps = 0;
    let mut brams = 0;
    for (ty, n) in cells {
        match ty.as_str() {
            "LUT4" | "SB_LUT4" | "TRELLIS_COMB" => luts += n,
            t if t.starts_with("TRELLIS_FF") || t.starts_with("SB_DFF") => ffs += n,
            "MULT18X18D" | "ALU54B" | "SB_MAC16" => dsps += n,
            "DP16KD" | "PDPW16KD" | "SB_RAM40_4K" | "SB_SPRAM256KA" => brams += n,
            _ => {}
        }
    }
    (luts, ffs, dsps, brams)
}

impl Report {
    /// Read `synth_stat.json` and `pnr_report.json` from a finished build folder.
    pub fn collect(dir: &Path, meta: Meta) -> Result<Report> {
        let stat_path = dir.join("synth_stat.json");
        let stat_text = std::fs::read_to_string(&stat_path)
            .with_context(|| format!("cannot read {}", stat_path.display()))?;
        // `tee -o` may prefix the JSON with yosys' own lines; the object starts at the first '{'.
        let json_start = stat_text.find('{').unwrap_or(0);
        let stat: Value = serde_json::from_str(&stat_text[json_start..])
            .with_context(|| format!("{} is not yosys stat JSON", stat_path.display()))?;
        let mut cells = BTreeMap::new();
        if let Some(by_type) = stat
            .pointer("/design/num_cells_by_type")
            .and_then(Value::as_object)
        {
            for (ty, n) in by_type {
                cells.insert(ty.clone(), n.as_u64().unwrap_or(0));
            }
        }
        let (luts, flip_flops, dsps, block_rams) = family_counts(&cells);

        let pnr_path = dir.join("pnr_report.json");
        let pnr: Value = serde_json::from_str(
            &std::fs::read_to_string(&pnr_path)
                .with_context(|| format!("cannot read {}", pnr_path.display()))?,
        )
        .with_context(|| format!("{} is not a nextpnr report", pnr_path.display()))?;
        let mut utilization = BTreeMap::new();
        if let Some(u) = pnr.get("utilization").and_then(Value::as_object) {
            for (ty, v) in u {
                let used = v.get("used").and_then(Value::as_u64).unwrap_or(0);
                let avail = v.get("available").and_then(Value::as_u64).unwrap_or(0);
                if used > 0 {
                    utilization.insert(ty.clone(), (used, avail));
                }
            }
        }
        let mut fmax = f64::INFINITY;
        if let Some(f) = pnr.get("fmax").and_then(Value::as_object) {
            for v in f.values() {
                if let Some(a) = v.get("achieved").and_then(Value::as_f64) {
                    fmax = fmax.min(a);
                }
            }
        }
        if !fmax.is_finite() {
            fmax = 0.0;
        }
        let timing_met = fmax >= meta.target_mhz;
        Ok(Report {
            meta,
            luts,
            flip_flops,
            dsps,
            block_rams,
            cells,
            utilization,
            fmax_mhz: fmax,
            timing_met,
        })
    }

    /// The human-readable report.
    pub fn markdown(&self) -> String {
        let m = &self.meta;
        let mut s = format!(
            "# FPGA build: {} on {} ({})\n\nConfiguration `{}`, top `{}`, seed {}.\n\n",
            m.unit, m.board, m.device, m.configuration, m.top, m.seed
        );
        s += "| resource | count |\n|---|---:|\n";
        s += &format!(
            "| LUT4 | {} |\n| flip-flops | {} |\n| DSP | {} |\n| block RAM | {} |\n",
            self.luts, self.flip_flops, self.dsps, self.block_rams
        );
        if m.harness_flops > 0 {
            s += &format!(
                "\nThe unit is measured out of context: the harness adds {} of those flip-flops \
                 (registered unit I/O), see src/fpga/harness.rs.\n",
                m.harness_flops
            );
        }
        s += &format!(
            "\n**Fmax {:.1} MHz** against a target of {:.0} MHz: timing {}.\n\n",
            self.fmax_mhz,
            m.target_mhz,
            if self.timing_met { "met" } else { "NOT met" }
        );
        s += "| placed resource | used | available |\n|---|---:|---:|\n";
        for (ty, (used, avail)) in &self.utilization {
            s += &format!("| {ty} | {used} | {avail} |\n");
        }
        s += "\n| tool | version |\n|---|---|\n";
        for (t, v) in &m.tools {
            s += &format!("| {t} | {v} |\n");
        }
        s += "\n| step | seconds |\n|---|---:|\n";
        for (n, secs) in &m.step_seconds {
            s += &format!("| {n} | {secs:.1} |\n");
        }
        s += &format!("\nBitstream: `{}`.\n", m.bitstream);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cell_families() {
        let mut c = BTreeMap::new();
        c.insert("LUT4".to_string(), 10);
        c.insert("TRELLIS_FF".to_string(), 7);
        c.insert("MULT18X18D".to_string(), 2);
        c.insert("DP16KD".to_string(), 3);
        c.insert("CCU2C".to_string(), 5);
        assert_eq!(family_counts(&c), (10, 7, 2, 3));
        let mut i = BTreeMap::new();
        i.insert("SB_LUT4".to_string(), 4);
        i.insert("SB_DFFSR".to_string(), 1);
        i.insert("SB_DFFE".to_string(), 2);
        i.insert("SB_SPRAM256KA".to_string(), 1);
        assert_eq!(family_counts(&i), (4, 3, 0, 1));
    }
}
