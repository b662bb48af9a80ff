//! The FPGA build report: resources from yosys (`stat -json`), Fmax and utilization from nextpnr
//! (`--report`), tool versions and seed. Written as `report.json` and `report.md`.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Facts the flow knows before reading the tools' outputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    pub board: String,
    pub device: String,
    pub family: String,
    pub configuration: String,
    /// What the configuration is, when it is not a preset as is (empty otherwise).
    #[serde(default)]
    pub config_note: String,
    /// The command line that reproduces this build.
    #[serde(default)]
    pub command: String,
    pub unit: String,
    pub top: String,
    /// Flip-flops added by the out-of-context harness (0 for a board top).
    pub harness_flops: u32,
    pub target_mhz: f64,
    pub seed: u32,
    /// nextpnr's router (reports older than the option used nextpnr's default, router1).
    #[serde(default = "router1")]
    pub router: String,
    pub bitstream: String,
    pub tools: Vec<(String, String)>,
    pub step_seconds: Vec<(String, f64)>,
}

/// Resources and timing of one build.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// Worst achieved Fmax over the clock domains, MHz (0 when the design was not placed).
    pub fmax_mhz: f64,
    pub timing_met: bool,
    /// The design fits the device (false: place and route stopped, see `utilization`).
    #[serde(default = "yes")]
    pub fits: bool,
    /// Resources per block from a synthesis with the hierarchy kept (`--breakdown`), else empty.
    #[serde(default)]
    pub breakdown: Vec<BlockRow>,
}

fn router1() -> String {
    "router1".to_string()
}

fn yes() -> bool {
    true
}

/// What to build instead when a board top does not fit its board.
fn fit_advice(board: &str) -> Option<&'static str> {
    match board {
        "icebreaker" => Some(
            "The largest configuration whose board top fits the UP5K is `tiny-1x1` (tiny with a \
             1 x 1 TTU: one float32 accumulate unit instead of two): `tessera fpga build --board \
             icebreaker --config fpga/boards/icebreaker/tiny-1x1.toml`; see docs/fpga.md.",
        ),
        _ => None,
    }
}

/// Resources of one block of the design (all its instances together, submodules included),
/// from yosys `stat` on a synthesis that keeps the hierarchy.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlockRow {
    /// Instance path from the top, module names without the top's prefix ("core/engine/ttu").
    pub path: String,
    /// Instances of the block in the design.
    pub instances: u64,
    pub luts: u64,
    pub carries: u64,
    pub flip_flops: u64,
    pub dsps: u64,
    pub block_rams: u64,
}

/// Cell types counted as carries (iCE40 `SB_CARRY`, ECP5 `CCU2C`: two bits per cell).
fn is_carry(ty: &str) -> bool {
    ty == "SB_CARRY" || ty == "CCU2C"
}

/// Per-block resources from yosys `stat -json` of a `-noflatten` synthesis of `top`, down to
/// `depth` levels; flip-flop-only modules (the emitter's `dff_w*`) are folded into their parent.
pub fn breakdown(stat_path: &Path, top: &str, depth: usize) -> Result<Vec<BlockRow>> {
    let text = std::fs::read_to_string(stat_path)
        .with_context(|| format!("cannot read {}", stat_path.display()))?;
    let start = text.find('{').unwrap_or(0);
    let stat: Value = serde_json::from_str(&text[start..])
        .with_context(|| format!("{} is not yosys stat JSON", stat_path.display()))?;
    let mut mods: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    if let Some(m) = stat.get("modules").and_then(Value::as_object) {
        for (name, v) in m {
            let mut cells = BTreeMap::new();
            if let Some(by) = v.get("num_cells_by_type").and_then(Value::as_object) {
                for (ty, n) in by {
                    cells.insert(
                        ty.trim_start_matches('\\').to_string(),
                        n.as_u64().unwrap_or(0),
                    );
                }
            }
            mods.insert(name.trim_start_matches('\\').to_string(), cells);
        }
    }
    if !mods.contains_key(top) {
        bail!("{}: no module {top}", stat_path.display());
    }
    fn totals(
        m: &str,
        mods: &BTreeMap<String, BTreeMap<String, u64>>,
        memo: &mut BTreeMap<String, BlockRow>,
    ) -> BlockRow {
        if let Some(r) = memo.get(m) {
            return r.clone();
        }
        let mut r = BlockRow::default();
        for (ty, n) in mods.get(m).into_iter().flatten() {
            if mods.contains_key(ty) {
                let sub = totals(ty, mods, memo);
                r.luts += n * sub.luts;
                r.carries += n * sub.carries;
                r.flip_flops += n * sub.flip_flops;
                r.dsps += n * sub.dsps;
                r.block_rams += n * sub.block_rams;
            } else if is_carry(ty) {
                r.carries += n;
            } else {
                let one: BTreeMap<String, u64> = [(ty.clone(), *n)].into();
                let (l, f, d, b) = family_counts(&one);
                r.luts += l;
                r.flip_flops += f;
                r.dsps += d;
                r.block_rams += b;
            }
        }
        memo.insert(m.to_string(), r.clone());
        r
    }
    let mut memo = BTreeMap::new();
    let prefix = format!("{top}_");
    let short = |m: &str| m.strip_prefix(&prefix).unwrap_or(m).to_string();
    let mut rows = Vec::new();
    let mut t = totals(top, &mods, &mut memo);
    t.path = short(top);
    t.instances = 1;
    rows.push(t);
    // Depth-first walk: (module, path, instances).
    let mut stack = vec![(top.to_string(), String::new(), 1u64, 0usize)];
    while let Some((m, path, inst, level)) = stack.pop() {
        if level >= depth {
            continue;
        }
        let mut children: Vec<(String, u64)> = mods
            .get(&m)
            .into_iter()
            .flatten()
            .filter(|(ty, _)| mods.contains_key(*ty))
            .map(|(ty, n)| (ty.clone(), *n))
            .collect();
        children.reverse();
        let mut pending = Vec::new();
        for (child, n) in children {
            let sub = totals(&child, &mods, &mut memo);
            if sub.luts + sub.carries + sub.dsps + sub.block_rams == 0 {
                continue; // flip-flops only: counted in the parent's total
            }
            let p = if path.is_empty() {
                short(&child)
            } else {
                format!("{path}/{}", short(&child))
            };
            let k = inst * n;
            pending.push((child.clone(), p.clone(), k, level + 1));
            rows.push(BlockRow {
                path: p,
                instances: k,
                luts: k * sub.luts,
                carries: k * sub.carries,
                flip_flops: k * sub.flip_flops,
                dsps: k * sub.dsps,
                block_rams: k * sub.block_rams,
            });
        }
        // Rows so far are in reverse child order; keep a stable, readable order by path below.
        stack.extend(pending);
    }
    rows[1..].sort_by(|a, b| a.path.cmp(&b.path));
    Ok(rows)
}

/// The "Device utilisation" table of a nextpnr log: resource -> (used, available).
pub fn log_utilization(log: &str) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let Some(at) = log.find("Device utilisation:") else {
        return out;
    };
    for line in log[at..].lines().skip(1) {
        let l = line.trim_start_matches("Info:").trim();
        if l.is_empty() {
            break;
        }
        let Some((name, rest)) = l.split_once(':') else {
            break;
        };
        let Some((used, rest)) = rest.split_once('/') else {
            break;
        };
        let avail = rest.split_whitespace().next().unwrap_or("");
        match (used.trim().parse::<u64>(), avail.parse::<u64>()) {
            (Ok(u), Ok(a)) => {
                if u > 0 {
                    out.insert(name.trim().to_string(), (u, a));
                }
            }
            _ => break,
        }
    }
    out
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

/// Cells by type from `synth_stat.json` of a build folder.
fn synth_cells(dir: &Path) -> Result<BTreeMap<String, u64>> {
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
            if !ty.starts_with('$') {
                cells.insert(ty.clone(), n.as_u64().unwrap_or(0));
            }
        }
    }
    Ok(cells)
}

impl Report {
    /// A design that place and route could not fit: resources from synthesis, the device
    /// utilization nextpnr printed before it stopped.
    pub fn collect_unplaced(
        dir: &Path,
        meta: Meta,
        utilization: BTreeMap<String, (u64, u64)>,
        breakdown: Vec<BlockRow>,
    ) -> Result<Report> {
        let cells = synth_cells(dir)?;
        let (luts, flip_flops, dsps, block_rams) = family_counts(&cells);
        Ok(Report {
            meta,
            luts,
            flip_flops,
            dsps,
            block_rams,
            cells,
            utilization,
            fmax_mhz: 0.0,
            timing_met: false,
            fits: false,
            breakdown,
        })
    }

    /// Read `synth_stat.json` and `pnr_report.json` from a finished build folder.
    pub fn collect(dir: &Path, meta: Meta) -> Result<Report> {
        let cells = synth_cells(dir)?;
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
            fits: true,
            breakdown: Vec::new(),
        })
    }

    /// The human-readable report.
    pub fn markdown(&self) -> String {
        let m = &self.meta;
        let mut s = format!(
            "# FPGA build: {} on {} ({})\n\nConfiguration `{}`, top `{}`, seed {}, {}.\n",
            m.unit, m.board, m.device, m.configuration, m.top, m.seed, m.router
        );
        s += &format!("\nCommand: `{}`.\n", m.command);
        if !m.config_note.is_empty() {
            s += &format!("\n{}\n", m.config_note);
        }
        if !self.fits {
            s += "\n**Does not fit the device**: place and route stopped with";
            let over: Vec<String> = self
                .utilization
                .iter()
                .filter(|(_, (u, a))| u > a)
                .map(|(ty, (u, a))| {
                    format!(
                        " {ty} {u} of {a} ({:.0} %)",
                        100.0 * *u as f64 / (*a).max(1) as f64
                    )
                })
                .collect();
            s += &over.join(",");
            s += ". No bitstream.\n";
            if m.unit == "board" {
                if let Some(a) = fit_advice(&m.board) {
                    s += &format!("\n{a}\n");
                }
            }
        }
        s += "\n| resource (after synthesis) | count |\n|---|---:|\n";
        s += &format!(
            "| LUT4 | {} |\n| flip-flops | {} |\n| DSP | {} |\n| block RAM | {} |\n",
            self.luts, self.flip_flops, self.dsps, self.block_rams
        );
        let carries: u64 = self
            .cells
            .iter()
            .filter(|(ty, _)| is_carry(ty))
            .map(|(_, n)| n)
            .sum();
        if carries > 0 {
            s += &format!("| carry cells | {carries} |\n");
        }
        if m.harness_flops > 0 {
            s += &format!(
                "\nThe unit is measured out of context: the harness adds {} of those flip-flops \
                 (registered unit I/O), see src/fpga/harness.rs.\n",
                m.harness_flops
            );
        }
        if self.fits {
            s += &format!(
                "\n**Fmax {:.1} MHz** against a target of {} MHz: timing {}.\n",
                self.fmax_mhz,
                m.target_mhz,
                if self.timing_met { "met" } else { "NOT met" }
            );
        }
        s += "\n| placed resource | used | available |\n|---|---:|---:|\n";
        for (ty, (used, avail)) in &self.utilization {
            s += &format!("| {ty} | {used} | {avail} |\n");
        }
        if !self.breakdown.is_empty() {
            s += "\nPer block (yosys with the hierarchy kept, so a little larger than the flattened \
                  build above; all instances of a block together, submodules included):\n\n";
            s += "| block | instances | LUT4 | carry | FF | DSP | BRAM |\n|---|---:|---:|---:|---:|---:|---:|\n";
            for b in &self.breakdown {
                s += &format!(
                    "| `{}` | {} | {} | {} | {} | {} | {} |\n",
                    b.path, b.instances, b.luts, b.carries, b.flip_flops, b.dsps, b.block_rams
                );
            }
        }
        s += "\n| tool | version |\n|---|---|\n";
        for (t, v) in &m.tools {
            s += &format!("| {t} | {v} |\n");
        }
        s += "\n| step | seconds |\n|---|---:|\n";
        for (n, secs) in &m.step_seconds {
            s += &format!("| {n} | {secs:.1} |\n");
        }
        if self.fits {
            s += &format!("\nBitstream: `{}`.\n", m.bitstream);
        }
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

    #[test]
    fn reads_the_device_utilisation_of_a_nextpnr_log() {
        let log =
            "Info: Device utilisation:\nInfo: \t         ICESTORM_LC:    9952/   5280   188%\n\
                   Info: \t        ICESTORM_RAM:       8/     30    26%\n\
                   Info: \t        ICESTORM_PLL:       0/      1     0%\n\nInfo: Placed 6 cells\n";
        let u = log_utilization(log);
        assert_eq!(u.get("ICESTORM_LC"), Some(&(9952, 5280)));
        assert_eq!(u.get("ICESTORM_RAM"), Some(&(8, 30)));
        assert!(
            !u.contains_key("ICESTORM_PLL"),
            "unused resources are left out"
        );
        assert!(log_utilization("no table here").is_empty());
    }

    #[test]
    fn breakdown_multiplies_instances_down_the_hierarchy() {
        let dir = std::env::temp_dir().join(format!("tessera-breakdown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hier_stat.json");
        std::fs::write(
            &path,
            r#"{"modules": {
                "\\top": {"num_cells_by_type": {"SB_LUT4": 3, "top_pe": 2, "top_dff_w8": 1}},
                "\\top_pe": {"num_cells_by_type": {"SB_LUT4": 10, "SB_CARRY": 4, "SB_MAC16": 1, "top_dff_w8": 1}},
                "\\top_dff_w8": {"num_cells_by_type": {"SB_DFF": 8}}
            }}"#,
        )
        .unwrap();
        let rows = breakdown(&path, "top", 3).unwrap();
        assert_eq!(rows[0].path, "top");
        assert_eq!(
            (
                rows[0].luts,
                rows[0].carries,
                rows[0].flip_flops,
                rows[0].dsps
            ),
            (23, 8, 24, 2)
        );
        assert_eq!(
            rows.len(),
            2,
            "flip-flop-only blocks fold into their parent: {rows:?}"
        );
        assert_eq!(
            (
                rows[1].path.as_str(),
                rows[1].instances,
                rows[1].luts,
                rows[1].flip_flops
            ),
            ("pe", 2, 20, 16)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn versions_lose_build_machine_paths() {
        assert_eq!(
            crate::fpga::clean_version(
                "Yosys 0.70 (git sha1 28ba3cb92, Release, Clang /a/b/clang++ 22.1.0)"
            ),
            "Yosys 0.70 (git sha1 28ba3cb92, Release, Clang 22.1.0)"
        );
    }
}
