//! The one Tessera configuration (ARCHITECTURE.md section 4).
//!
//! The generator, the reference model, the testbenches, the FPGA flow and the docs all read this
//! structure. On disk it is TOML; unknown fields are rejected, and [`Config::validate`] explains
//! every problem with the field's path, the value seen and what is allowed.
//!
//! Presets, smallest first: `tiny` (iCE40 UP5K), `small` (ECP5-85F), `base` (simulation, the
//! default) and `large` (simulation stress).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// An MX element format (ARCHITECTURE.md section 2.1). Names match the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElemFormat {
    E4m3,
    E5m2,
    E2m3,
    E3m2,
    E2m1,
    Int8,
}

impl ElemFormat {
    /// Every format, in the order used for tables and loops.
    pub const ALL: [ElemFormat; 6] = [
        ElemFormat::E4m3,
        ElemFormat::E5m2,
        ElemFormat::E2m3,
        ElemFormat::E3m2,
        ElemFormat::E2m1,
        ElemFormat::Int8,
    ];

    /// Lower-case name, as on the command line and in TOML.
    pub fn name(self) -> &'static str {
        match self {
            ElemFormat::E4m3 => "e4m3",
            ElemFormat::E5m2 => "e5m2",
            ElemFormat::E2m3 => "e2m3",
            ElemFormat::E3m2 => "e3m2",
            ElemFormat::E2m1 => "e2m1",
            ElemFormat::Int8 => "int8",
        }
    }

    /// Parse a command-line name; the error lists what is allowed.
    pub fn parse(s: &str) -> Result<Self, String> {
        ElemFormat::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown format '{s}'; allowed: {}",
                    ElemFormat::ALL.map(|f| f.name()).join(", ")
                )
            })
    }
}

impl fmt::Display for ElemFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Chip level: a mesh of clusters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipConfig {
    /// Clusters along X (mesh columns).
    pub mesh_x: u32,
    /// Clusters along Y (mesh rows).
    pub mesh_y: u32,
}

/// Cluster level: tiles sharing one CSRAM and one DMA engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Tiles per cluster (each tile = TTU + TVP + tile buffers).
    pub tiles: u32,
}

/// Tensor unit (systolic MX array).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TtuConfig {
    /// Array rows (R): output rows computed at once.
    pub rows: u32,
    /// Array columns (C): output columns computed at once.
    pub cols: u32,
    /// MX block size k (8, 16 or 32).
    pub block: u32,
    /// Element formats the hardware supports (e4m3, e2m1 and int8 are required).
    pub formats: Vec<ElemFormat>,
    /// Largest K (reduction length) one pass supports; a multiple of `block`.
    pub max_k: u32,
}

/// Vector processor (float32 SIMD lanes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TvpConfig {
    /// float32 lanes (L).
    pub lanes: u32,
}

/// Cluster SRAM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsramConfig {
    /// Banks (B), a power of two; words are interleaved across banks.
    pub banks: u32,
    /// Word width in bits (W): 32, 64 or 128.
    pub width: u32,
    /// Words per bank (D), a power of two.
    pub depth: u32,
    /// Requestor ports (P).
    pub ports: u32,
    /// SECDED ECC per word.
    pub ecc: bool,
}

/// DMA engine and its AXI4 memory port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmaConfig {
    /// AXI4 data width in bits: 64 or 128.
    pub axi_data_width: u32,
    /// AXI4 address width in bits (16..=48).
    pub axi_addr_width: u32,
    /// AXI4 ID width in bits (1..=8).
    pub axi_id_width: u32,
    /// Read bursts in flight at once (>= 8, at most 2^axi_id_width x 16).
    pub outstanding: u32,
    /// Descriptor queue depth, a power of two.
    pub queue_depth: u32,
}

/// Network on chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NocConfig {
    /// Flit payload width in bits (32..=256, a multiple of 32).
    pub flit_width: u32,
    /// Input buffer depth per virtual channel, in flits (>= 2).
    pub buffer_depth: u32,
    /// Local (injection/ejection) ports per router (1..=4).
    pub local_ports: u32,
    /// Largest packet length in flits (>= 1).
    pub max_packet: u32,
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Configuration name (a preset name, or a user's own).
    pub name: String,
    pub chip: ChipConfig,
    pub cluster: ClusterConfig,
    pub ttu: TtuConfig,
    pub tvp: TvpConfig,
    pub csram: CsramConfig,
    pub dma: DmaConfig,
    pub noc: NocConfig,
}

/// The named presets, smallest first.
pub const PRESETS: [&str; 4] = ["tiny", "small", "base", "large"];

/// A configuration problem: the field's dotted path, the value seen and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {allowed}, got {value}")]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub allowed: String,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {source}")]
    Invalid { path: String, source: ConfigError },
    #[error("unknown preset '{0}'; allowed: tiny, small, base, large")]
    UnknownPreset(String),
}

fn err(field: &str, value: impl fmt::Display, allowed: &str) -> ConfigError {
    ConfigError {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

fn check_range(field: &str, v: u32, lo: u32, hi: u32) -> Result<(), ConfigError> {
    if v < lo || v > hi {
        return Err(err(field, v, &format!("must be in {lo}..={hi}")));
    }
    Ok(())
}

fn check_pow2(field: &str, v: u32, lo: u32, hi: u32) -> Result<(), ConfigError> {
    if !v.is_power_of_two() {
        return Err(err(field, v, "must be a power of two"));
    }
    check_range(field, v, lo, hi)
}

fn check_one_of(field: &str, v: u32, allowed: &[u32]) -> Result<(), ConfigError> {
    if !allowed.contains(&v) {
        let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        return Err(err(
            field,
            v,
            &format!("must be one of {}", list.join(", ")),
        ));
    }
    Ok(())
}

impl Config {
    /// A named preset, or `None` for an unknown name.
    pub fn preset(name: &str) -> Option<Config> {
        let all = ElemFormat::ALL.to_vec();
        let fpga = vec![
            ElemFormat::E4m3,
            ElemFormat::E2m3,
            ElemFormat::E3m2,
            ElemFormat::E2m1,
            ElemFormat::Int8,
        ];
        let (mesh, tiles, ttu, block, formats, max_k, lanes, banks, depth, ecc) = match name {
            "tiny" => (
                (1, 1),
                1,
                (2, 2),
                8,
                vec![ElemFormat::E4m3, ElemFormat::E2m1, ElemFormat::Int8],
                256,
                2,
                2,
                256,
                false,
            ),
            "small" => ((1, 1), 2, (4, 4), 32, fpga, 1024, 4, 4, 1024, true),
            "base" => ((2, 2), 2, (8, 8), 32, all.clone(), 4096, 8, 8, 1024, true),
            "large" => ((4, 4), 2, (16, 16), 32, all, 8192, 16, 16, 2048, true),
            _ => return None,
        };
        Some(Config {
            name: name.to_string(),
            chip: ChipConfig {
                mesh_x: mesh.0,
                mesh_y: mesh.1,
            },
            cluster: ClusterConfig { tiles },
            ttu: TtuConfig {
                rows: ttu.0,
                cols: ttu.1,
                block,
                formats,
                max_k,
            },
            tvp: TvpConfig { lanes },
            csram: CsramConfig {
                banks,
                width: if name == "tiny" { 32 } else { 64 },
                depth,
                ports: if name == "tiny" { 2 } else { 4 },
                ecc,
            },
            dma: DmaConfig {
                axi_data_width: if name == "large" { 128 } else { 64 },
                axi_addr_width: 32,
                axi_id_width: 4,
                outstanding: if name == "tiny" { 8 } else { 16 },
                queue_depth: 4,
            },
            noc: NocConfig {
                flit_width: 64,
                buffer_depth: 4,
                local_ports: 1,
                max_packet: 16,
            },
        })
    }

    /// The default configuration (`base`).
    pub fn base() -> Config {
        Config::preset("base").expect("base preset exists")
    }

    /// Parse TOML text and validate it. `origin` names the source in messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, LoadError> {
        let cfg: Config = toml::from_str(text).map_err(|e| LoadError::Parse {
            path: origin.to_string(),
            // toml's message spans several lines (with a source excerpt); keep the one-line reason
            // first and fold the rest so the error stays on one line.
            message: e.message().trim().replace('\n', " "),
        })?;
        cfg.validate().map_err(|source| LoadError::Invalid {
            path: origin.to_string(),
            source,
        })?;
        Ok(cfg)
    }

    /// Read, parse and validate a TOML file.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: shown.clone(),
            source,
        })?;
        Config::from_toml_str(&text, &shown)
    }

    /// Resolve `--preset`/`--config` as the command line offers them (default: `base`).
    pub fn resolve(preset: Option<&str>, file: Option<&Path>) -> Result<Config, LoadError> {
        match (preset, file) {
            (_, Some(path)) => Config::load(path),
            (Some(p), None) => Config::preset(p).ok_or_else(|| LoadError::UnknownPreset(p.into())),
            (None, None) => Ok(Config::base()),
        }
    }

    /// This configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a Config always serializes")
    }

    /// Does the TTU support this element format?
    pub fn has_format(&self, f: ElemFormat) -> bool {
        self.ttu.formats.contains(&f)
    }

    /// Check every rule; the first broken one is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                "name",
                format!("'{}'", self.name),
                "must be non-empty ASCII letters, digits, '_' or '-'",
            ));
        }
        check_range("chip.mesh_x", self.chip.mesh_x, 1, 8)?;
        check_range("chip.mesh_y", self.chip.mesh_y, 1, 8)?;
        check_range("cluster.tiles", self.cluster.tiles, 1, 8)?;

        let t = &self.ttu;
        check_range("ttu.rows", t.rows, 1, 32)?;
        check_range("ttu.cols", t.cols, 1, 32)?;
        check_one_of("ttu.block", t.block, &[8, 16, 32])?;
        for required in [ElemFormat::E4m3, ElemFormat::E2m1, ElemFormat::Int8] {
            if !t.formats.contains(&required) {
                return Err(err(
                    "ttu.formats",
                    format!(
                        "{:?}",
                        t.formats.iter().map(|f| f.name()).collect::<Vec<_>>()
                    ),
                    &format!("must include e4m3, e2m1 and int8 (missing {required})"),
                ));
            }
        }
        let mut sorted = t.formats.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != t.formats.len() {
            return Err(err(
                "ttu.formats",
                format!(
                    "{:?}",
                    t.formats.iter().map(|f| f.name()).collect::<Vec<_>>()
                ),
                "must not list a format twice",
            ));
        }
        if t.max_k == 0 || t.max_k % t.block != 0 {
            return Err(err(
                "ttu.max_k",
                t.max_k,
                &format!("must be a positive multiple of ttu.block ({})", t.block),
            ));
        }
        check_range("ttu.max_k", t.max_k, t.block, 65536)?;

        check_pow2("tvp.lanes", self.tvp.lanes, 1, 64)?;

        let c = &self.csram;
        check_pow2("csram.banks", c.banks, 1, 64)?;
        check_one_of("csram.width", c.width, &[32, 64, 128])?;
        check_pow2("csram.depth", c.depth, 16, 65536)?;
        check_range("csram.ports", c.ports, 1, 16)?;

        let d = &self.dma;
        check_one_of("dma.axi_data_width", d.axi_data_width, &[64, 128])?;
        check_range("dma.axi_addr_width", d.axi_addr_width, 16, 48)?;
        check_range("dma.axi_id_width", d.axi_id_width, 1, 8)?;
        check_range(
            "dma.outstanding",
            d.outstanding,
            8,
            (1u32 << d.axi_id_width) * 16,
        )?;
        check_pow2("dma.queue_depth", d.queue_depth, 1, 64)?;

        let n = &self.noc;
        if n.flit_width % 32 != 0 {
            return Err(err(
                "noc.flit_width",
                n.flit_width,
                "must be a multiple of 32",
            ));
        }
        check_range("noc.flit_width", n.flit_width, 32, 256)?;
        check_range("noc.buffer_depth", n.buffer_depth, 2, 64)?;
        check_range("noc.local_ports", n.local_ports, 1, 4)?;
        check_range("noc.max_packet", n.max_packet, 1, 256)?;
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::base()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip() {
        for p in PRESETS {
            let cfg = Config::preset(p).unwrap();
            cfg.validate().unwrap();
            let back = Config::from_toml_str(&cfg.to_toml(), p).unwrap();
            assert_eq!(back, cfg, "{p} round-trips through TOML");
        }
        assert!(Config::preset("huge").is_none());
    }

    #[test]
    fn preset_shapes_follow_architecture_table() {
        let tiny = Config::preset("tiny").unwrap();
        assert_eq!((tiny.ttu.rows, tiny.ttu.cols, tiny.tvp.lanes), (2, 2, 2));
        assert!(!tiny.has_format(ElemFormat::E5m2));
        let small = Config::preset("small").unwrap();
        assert_eq!(
            (small.ttu.rows, small.csram.banks, small.cluster.tiles),
            (4, 4, 2)
        );
        let base = Config::base();
        assert_eq!(
            (base.chip.mesh_x, base.chip.mesh_y, base.ttu.rows),
            (2, 2, 8)
        );
        assert!(ElemFormat::ALL.iter().all(|f| base.has_format(*f)));
        let large = Config::preset("large").unwrap();
        assert_eq!((large.chip.mesh_x, large.ttu.rows), (4, 16));
    }

    fn broken(edit: impl Fn(&mut Config)) -> ConfigError {
        let mut cfg = Config::base();
        edit(&mut cfg);
        cfg.validate().unwrap_err()
    }

    #[test]
    fn messages_name_field_value_and_rule() {
        let e = broken(|c| c.csram.banks = 6);
        assert_eq!(e.to_string(), "csram.banks must be a power of two, got 6");
        let e = broken(|c| c.ttu.rows = 0);
        assert_eq!(e.to_string(), "ttu.rows must be in 1..=32, got 0");
        let e = broken(|c| c.ttu.block = 12);
        assert_eq!(e.to_string(), "ttu.block must be one of 8, 16, 32, got 12");
        let e = broken(|c| c.ttu.formats.retain(|f| *f != ElemFormat::Int8));
        assert!(e.to_string().contains("missing int8"), "{e}");
        let e = broken(|c| c.ttu.max_k = 100);
        assert!(
            e.to_string()
                .starts_with("ttu.max_k must be a positive multiple"),
            "{e}"
        );
    }

    #[test]
    fn unknown_field_is_rejected() {
        let text = Config::base()
            .to_toml()
            .replace("[tvp]\n", "[tvp]\nlanez = 3\n");
        let e = Config::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field") && e.contains("lanez"), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn format_names_parse() {
        for f in ElemFormat::ALL {
            assert_eq!(ElemFormat::parse(f.name()).unwrap(), f);
        }
        assert!(ElemFormat::parse("fp8")
            .unwrap_err()
            .contains("allowed: e4m3"));
    }
}
