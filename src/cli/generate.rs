//! `tessera generate`: write one Verilog file per unit of a configuration, plus `manifest.json`.
//!
//! Everything is generated in memory first; only then are the files written, each atomically (a temporary
//! file renamed over the old one), and `.v` files of units the configuration no longer has are removed.
//! The output is deterministic, so `rtl-out/<preset>/` can be committed and checked for freshness
//! (`tests/generate_fresh.rs`).

use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct GenerateArgs {
    /// Preset name: tiny, small, base (default), large.
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<String>,
    /// A TOML configuration file instead of a preset.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output directory (default: rtl-out/<configuration name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: GenerateArgs) -> Result<()> {
    let cfg = super::load_config(args.preset.as_deref(), args.config.as_deref())?;
    let out = args
        .out
        .unwrap_or_else(|| Path::new("rtl-out").join(&cfg.name));
    let files = tessera_hdl::units::generate(&cfg)?;
    write_all(&out, &files)?;
    let units = files.len() - 1;
    println!(
        "generated {units} unit(s) of configuration '{}' into {}",
        cfg.name,
        out.display()
    );
    Ok(())
}

/// Write every file atomically and remove `.v` files that are not part of this generation.
fn write_all(out: &Path, files: &[(String, String)]) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in files {
        let path = out.join(name);
        let tmp = out.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
    }
    for entry in std::fs::read_dir(out).with_context(|| format!("listing {}", out.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".v") && !files.iter().any(|(f, _)| f == name) {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing stale {}", path.display()))?;
        }
    }
    Ok(())
}
