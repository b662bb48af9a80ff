//! `tessera config show|check`.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Print a configuration as TOML (default: the `base` preset).
    Show {
        /// Preset name: tiny, small, base, large.
        #[arg(long)]
        preset: Option<String>,
    },
    /// Validate a TOML configuration file; exit code 2 with a one-line reason when it is broken.
    Check {
        /// The TOML file to check.
        file: PathBuf,
    },
}

pub fn run(cmd: ConfigCmd) -> anyhow::Result<()> {
    match cmd {
        ConfigCmd::Show { preset } => {
            let cfg = super::load_config(preset.as_deref(), None)?;
            print!("{}", cfg.to_toml());
        }
        ConfigCmd::Check { file } => {
            let cfg = super::load_config(None, Some(&file))?;
            println!("{}: ok (configuration '{}')", file.display(), cfg.name);
        }
    }
    Ok(())
}
