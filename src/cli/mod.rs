//! Subcommands of the `tessera` tool, one file each.

use std::process::ExitCode;

pub mod config;
pub mod fpga;
pub mod gemm_rtl;
pub mod generate;
pub mod mx;
pub mod noc_bench;
pub mod random;
pub mod vec;

/// An error caused by the user's input: reported on stderr with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand: fail with a usage error (exit code 2).
pub fn usage<T>(msg: impl Into<String>) -> anyhow::Result<T> {
    Err(UsageError(msg.into()).into())
}

/// Turn a command's result into the process exit code, printing the reason on stderr.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<UsageError>().is_some() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Resolve `--preset`/`--config` into a validated configuration, or a usage error.
pub fn load_config(
    preset: Option<&str>,
    file: Option<&std::path::Path>,
) -> anyhow::Result<tessera_model::config::Config> {
    tessera_model::config::Config::resolve(preset, file).or_else(|e| usage(e.to_string()))
}
