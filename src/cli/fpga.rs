//! `tessera fpga build`: a bitstream and its report for a board, from the generated Verilog.
//!
//! `--unit board` (the default) builds the board top of hdl/src/board (UART, UART-to-AXI4-Lite
//! bridge, registers, block RAM, GEMM sequencer and TTU) un-harnessed, with the board's own pin
//! names, clocked by the board oscillator at 115200 baud (docs/fpga.md).
//!
//! `--unit NAME` builds one unit of the configuration alone, wrapped in the out-of-context harness
//! of src/fpga/harness.rs (three pins: clock, serial in, serial out), which measures the unit's own
//! resources and internal Fmax.

use crate::fpga::{self, Board};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use tessera_hdl::{board, units};

#[derive(Subcommand)]
pub enum FpgaCmd {
    /// Synthesize, place and route, and pack a bitstream; write report.json and report.md.
    Build(BuildArgs),
}

#[derive(Args)]
pub struct BuildArgs {
    /// Target board.
    #[arg(long, value_enum)]
    pub board: Board,
    /// Preset (default: the board's own: small for ulx3s, tiny for icebreaker).
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<String>,
    /// A TOML configuration file instead of a preset.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// `board`: the board top (UART host interface, BRAM, TTU) with the board's pins; or a unit of
    /// the configuration to build alone in the harness (see `tessera generate`'s files).
    #[arg(long, default_value = "board")]
    pub unit: String,
    /// Output folder (default: target/fpga/<board>-<configuration>-<unit>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Target clock in MHz (default: the oscillator, 25 / 12 MHz, for the board top; 60 on ulx3s,
    /// 20 on icebreaker for a unit).
    #[arg(long)]
    pub freq: Option<f64>,
    /// Placement seed of nextpnr.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
}

pub fn run(cmd: FpgaCmd) -> anyhow::Result<()> {
    match cmd {
        FpgaCmd::Build(args) => build(args),
    }
}

fn build(args: BuildArgs) -> anyhow::Result<()> {
    let info = args.board.info();
    let preset = args.preset.as_deref().or(if args.config.is_none() {
        Some(info.preset)
    } else {
        None
    });
    let cfg = super::load_config(preset, args.config.as_deref())?;
    if args.unit == BOARD_UNIT {
        return build_board(&args, &cfg);
    }
    let present = units::units_of(&cfg);
    let Some(unit) = present.iter().find(|u| u.name == args.unit) else {
        let mut names: Vec<&str> = present.iter().map(|u| u.name).collect();
        names.insert(0, BOARD_UNIT);
        return super::usage(format!(
            "configuration '{}' has no unit '{}'; units: {}",
            cfg.name,
            args.unit,
            names.join(", ")
        ));
    };
    let freq = args.freq.unwrap_or(match args.board {
        Board::Ulx3s => 60.0,
        Board::Icebreaker => 20.0,
    });
    if !(1.0..=500.0).contains(&freq) {
        return super::usage(format!("--freq must be in 1..=500 MHz, got {freq}"));
    }
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("target/fpga").join(format!("{}-{}-{}", info.name, cfg.name, unit.name))
    });
    eprintln!(
        "[fpga] building unit '{}' of configuration '{}' on {} ({}), target {freq} MHz, into {}",
        unit.name,
        cfg.name,
        info.name,
        info.device,
        out.display()
    );
    let verilog = units::render(&cfg, unit)?;
    let rep = fpga::build(&fpga::BuildRequest {
        board: args.board,
        config_name: cfg.name.clone(),
        top: unit.name.to_string(),
        verilog,
        clock_port: "clock".to_string(),
        harnessed: true,
        target_mhz: freq,
        seed: args.seed,
        out: out.clone(),
        unit: unit.name.to_string(),
    })?;
    println!(
        "{}: {} LUT4, {} FF, {} DSP, {} BRAM, Fmax {:.1} MHz (target {freq} MHz: {})",
        unit.name,
        rep.luts,
        rep.flip_flops,
        rep.dsps,
        rep.block_rams,
        rep.fmax_mhz,
        if rep.timing_met { "met" } else { "NOT met" }
    );
    println!(
        "bitstream {}, reports {} and {}",
        out.join(&rep.meta.bitstream).display(),
        out.join("report.json").display(),
        out.join("report.md").display()
    );
    Ok(())
}

/// The `--unit` value of the board top.
const BOARD_UNIT: &str = "board";

/// Build the board top: UART at [`board::BAUD`] on the oscillator clock, the board's pin names.
fn build_board(args: &BuildArgs, cfg: &tessera_model::config::Config) -> anyhow::Result<()> {
    let info = args.board.info();
    let pins = match args.board {
        Board::Ulx3s => board::BoardPins::Ulx3s,
        Board::Icebreaker => board::BoardPins::Icebreaker,
    };
    // The top runs on the oscillator (no PLL): the UART divisor and the timing target follow it.
    let osc_mhz = oscillator_mhz(args.board);
    let freq = args.freq.unwrap_or(osc_mhz);
    if (freq - osc_mhz).abs() > 1e-9 {
        return super::usage(format!(
            "the board top runs on the {} MHz oscillator of {} (no PLL); --freq must be {} or left out, got {freq}",
            osc_mhz, info.name, osc_mhz
        ));
    }
    let top = format!("board_{}", info.name);
    let divisor = board::divisor((osc_mhz * 1e6).round() as u32, board::BAUD);
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("target/fpga").join(format!("{}-{}-board", info.name, cfg.name))
    });
    eprintln!(
        "[fpga] building the board top of configuration '{}' on {} ({}): {freq} MHz, {} baud (divisor {divisor}), into {}",
        cfg.name,
        info.name,
        info.device,
        board::BAUD,
        out.display()
    );
    let verilog = board::emit_board(cfg, pins, divisor, &top)?;
    let verilog = tessera_hdl::emit::file_text(&cfg.name, &top, &verilog);
    let rep = fpga::build(&fpga::BuildRequest {
        board: args.board,
        config_name: cfg.name.clone(),
        top: top.clone(),
        verilog,
        clock_port: pins.clock().to_string(),
        harnessed: false,
        target_mhz: freq,
        seed: args.seed,
        out: out.clone(),
        unit: BOARD_UNIT.to_string(),
    })?;
    println!(
        "{top}: {} LUT4, {} FF, {} DSP, {} BRAM, Fmax {:.1} MHz (target {freq} MHz: {})",
        rep.luts,
        rep.flip_flops,
        rep.dsps,
        rep.block_rams,
        rep.fmax_mhz,
        if rep.timing_met { "met" } else { "NOT met" }
    );
    println!(
        "bitstream {}, reports {} and {}",
        out.join(&rep.meta.bitstream).display(),
        out.join("report.json").display(),
        out.join("report.md").display()
    );
    Ok(())
}

/// The board oscillator the board top runs on (constraint files: `FREQUENCY PORT "clk_25mhz" 25
/// MHZ`; iCEBreaker's 12 MHz crystal on `CLK`).
fn oscillator_mhz(board: Board) -> f64 {
    match board {
        Board::Ulx3s => 25.0,
        Board::Icebreaker => 12.0,
    }
}
