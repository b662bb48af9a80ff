//! `tessera`: the command-line front door to the generator, the reference model and the simulators.
//!
//! Exit codes: 0 success, 2 bad input (a message on stderr names what was wrong and nothing is
//! written), 1 any other failure.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cli;
mod fpga;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Tessera: an open, scaled-down MX inference accelerator generated from Rust",
    long_about = "Tessera generates synthesizable Verilog for a tile-and-cluster inference accelerator \
                  (MX systolic tensor unit, vector lanes, banked SRAM, DMA, mesh NoC) from one Rust \
                  description, and runs it under Verilator against a bit-exact reference model."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show or check a configuration (presets: tiny, small, base, large).
    #[command(subcommand)]
    Config(cli::config::ConfigCmd),
    /// Generate Verilog for every unit of a configuration, plus manifest.json (default: base into rtl-out/base).
    Generate(cli::generate::GenerateArgs),
    /// Quantize a float32 .npy matrix to MX codes and scales (reference model).
    Quantize(cli::mx::QuantizeArgs),
    /// Dequantize MX codes and scales (.npy) to float32, exactly.
    Dequantize(cli::mx::DequantizeArgs),
    /// C = C0 + A x B^T: quantize A and B to MX formats and multiply (bit-exact).
    Gemm(cli::mx::GemmArgs),
    /// Write a seeded random float32 matrix as .npy (demo and test data).
    Random(cli::random::RandomArgs),
    /// FPGA builds with the open flow (yosys, nextpnr): bitstream plus resource and timing report.
    #[command(subcommand)]
    Fpga(cli::fpga::FpgaCmd),
    /// One TVP vector operation or composite (softmax, rmsnorm, ...) on .npy files; --report for error figures.
    Vec(cli::vec::VecArgs),
    /// NoC mesh under Verilator: latency vs offered load (CSV + SVG), saturation, QoS and multicast figures.
    NocBench(cli::noc_bench::NocBenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config(cmd) => cli::config::run(cmd),
        Command::Generate(args) => cli::generate::run(args),
        Command::Quantize(args) => cli::mx::run_quantize(args),
        Command::Dequantize(args) => cli::mx::run_dequantize(args),
        Command::Gemm(args) => cli::mx::run_gemm_cmd(args),
        Command::Random(args) => cli::random::run(args),
        Command::Fpga(cmd) => cli::fpga::run(cmd),
        Command::Vec(args) => cli::vec::run(args),
        Command::NocBench(args) => cli::noc_bench::run(args),
    };
    cli::finish(result)
}
