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
    /// Rewrite the README's FPGA results table (and each recorded report.md) from the
    /// report.json files recorded in fpga/results.
    Table(TableArgs),
}

#[derive(Args)]
pub struct TableArgs {
    /// Only check that README.md's table is up to date (exit code 1 when it is stale).
    #[arg(long)]
    pub check: bool,
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
    /// nextpnr's router (default: router2 on ulx3s, router1 on icebreaker).
    #[arg(long, value_parser = ["router1", "router2"])]
    pub router: Option<String>,
    /// Also synthesize with the hierarchy kept and list LUTs, carries, FFs, DSPs and BRAMs per
    /// block in the report (one more yosys run).
    #[arg(long)]
    pub breakdown: bool,
    /// Write the design files and the yosys script into the output folder; run no tool.
    #[arg(long)]
    pub emit_only: bool,
    /// Copy report.json and report.md into fpga/results/<board>-<configuration>-<unit>/ for the
    /// README table (`tessera fpga table`), also when the design does not fit.
    #[arg(long)]
    pub record: bool,
    /// Which yosys synthesizes: `pinned` (the YoWASP build pinned in fpga/requirements.txt) or
    /// `native` (the `yosys` on PATH, e.g. Debian's 0.23, several times faster than the
    /// WebAssembly build on large designs). The report records the version used.
    #[arg(long, default_value = "pinned", value_parser = ["pinned", "native"])]
    pub yosys: String,
}

pub fn run(cmd: FpgaCmd) -> anyhow::Result<()> {
    match cmd {
        FpgaCmd::Build(args) => build(args),
        FpgaCmd::Table(args) => table(args),
    }
}

fn table(args: TableArgs) -> anyhow::Result<()> {
    let root = fpga::project_root();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", readme_path.display()))?;
    if !args.check {
        let n = fpga::table::rerender(&root)?;
        if n > 0 {
            eprintln!(
                "[fpga] rewrote {n} report.md file(s) of fpga/results from their report.json"
            );
        }
    }
    let table = fpga::table::table(&root)?;
    let new = fpga::table::splice(&readme, &table)?;
    if args.check {
        if new != readme {
            anyhow::bail!("README.md's FPGA results table is stale: run `tessera fpga table`");
        }
        println!("README.md's FPGA results table is up to date");
        return Ok(());
    }
    print!("{table}");
    if new != readme {
        std::fs::write(&readme_path, new)?;
        eprintln!(
            "[fpga] rewrote the results table of {}",
            readme_path.display()
        );
    }
    Ok(())
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
    let out = args.out.clone().unwrap_or_else(|| {
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
        router: args
            .router
            .clone()
            .unwrap_or_else(|| fpga::default_router(args.board).to_string()),
        emit_only: args.emit_only,
        breakdown: args.breakdown,
        config_note: config_note(&args),
        command: command_line(&args, &cfg.name),
        out: out.clone(),
        unit: unit.name.to_string(),
        native_yosys: args.yosys == "native",
    })?;
    record(&args, &cfg.name, unit.name, &out, &rep)?;
    outcome(unit.name, freq, &out, rep)
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
    // The core runs on the oscillator divided by the board's ratio (no PLL): the UART divisor and
    // the timing target follow the core clock.
    let osc_mhz = oscillator_mhz(args.board);
    let ratio = pins.clock_div();
    let core_mhz = osc_mhz / ratio as f64;
    let freq = args.freq.unwrap_or(core_mhz);
    if (freq - core_mhz).abs() > 1e-9 {
        return super::usage(format!(
            "the board top's core runs at {core_mhz} MHz ({osc_mhz} MHz oscillator of {} / {ratio}); --freq must be {core_mhz} or left out, got {freq}",
            info.name
        ));
    }
    let top = format!("board_{}", info.name);
    let divisor = board::divisor((core_mhz * 1e6).round() as u32, board::BAUD);
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("target/fpga").join(format!("{}-{}-board", info.name, cfg.name))
    });
    eprintln!(
        "[fpga] building the board top of configuration '{}' on {} ({}): core {freq} MHz (oscillator / {ratio}), {} baud (divisor {divisor}), into {}",
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
        router: args
            .router
            .clone()
            .unwrap_or_else(|| fpga::default_router(args.board).to_string()),
        emit_only: args.emit_only,
        breakdown: args.breakdown,
        config_note: format!(
            "{}The core runs on the {osc_mhz} MHz oscillator divided by {ratio} ({core_mhz} MHz, the timing target), UART {} baud (divisor {divisor}).",
            match config_note(args) {
                n if n.is_empty() => n,
                n => n + " ",
            },
            board::BAUD
        ),
        command: command_line(args, &cfg.name),
        out: out.clone(),
        unit: BOARD_UNIT.to_string(),
        native_yosys: args.yosys == "native",
    })?;
    record(args, &cfg.name, BOARD_UNIT, &out, &rep)?;
    outcome(&top, freq, &out, rep)
}

/// `--record`: keep the reports of a build (placed or not) for the README table.
fn record(
    args: &BuildArgs,
    config_name: &str,
    unit: &str,
    out: &std::path::Path,
    rep: &fpga::Outcome,
) -> anyhow::Result<()> {
    if !args.record || matches!(rep, fpga::Outcome::Emitted) {
        return Ok(());
    }
    let name = format!("{}-{config_name}-{unit}", args.board.info().name);
    let dest = fpga::table::record(&fpga::project_root(), out, &name)?;
    eprintln!("[fpga] recorded the reports in {}", dest.display());
    Ok(())
}

/// Print what a build ended with; a design that does not fit is an error (exit code 1) after
/// its report is written.
fn outcome(name: &str, freq: f64, out: &std::path::Path, rep: fpga::Outcome) -> anyhow::Result<()> {
    let reports = format!(
        "reports {} and {}",
        out.join("report.json").display(),
        out.join("report.md").display()
    );
    match rep {
        fpga::Outcome::Emitted => {
            println!(
                "wrote the design and synth.ys into {} (no tool run)",
                out.display()
            );
            Ok(())
        }
        fpga::Outcome::Built(rep) => {
            println!(
                "{name}: {} LUT4, {} FF, {} DSP, {} BRAM, Fmax {:.1} MHz (target {freq} MHz: {})",
                rep.luts,
                rep.flip_flops,
                rep.dsps,
                rep.block_rams,
                rep.fmax_mhz,
                if rep.timing_met { "met" } else { "NOT met" }
            );
            println!(
                "bitstream {}, {reports}",
                out.join(&rep.meta.bitstream).display()
            );
            Ok(())
        }
        fpga::Outcome::DoesNotFit(rep) => {
            let over: Vec<String> = rep
                .utilization
                .iter()
                .filter(|(_, (u, a))| u > a)
                .map(|(ty, (u, a))| format!("{ty} {u} of {a}"))
                .collect();
            anyhow::bail!(
                "{name} does not fit {} ({}): {} after synthesis to {} LUT4, {} FF, {} DSP, {} BRAM; no bitstream; {reports}",
                rep.meta.board,
                rep.meta.device,
                over.join(", "),
                rep.luts,
                rep.flip_flops,
                rep.dsps,
                rep.block_rams
            )
        }
    }
}

/// The `tessera fpga build` command that reproduces a build (no output folder).
fn command_line(args: &BuildArgs, config_name: &str) -> String {
    let mut c = format!("tessera fpga build --board {}", args.board.info().name);
    match (&args.config, &args.preset) {
        (Some(path), _) => c += &format!(" --config {}", path.display()),
        (None, Some(p)) => c += &format!(" --preset {p}"),
        (None, None) => {
            let _ = config_name; // the board's own preset
        }
    }
    if args.unit != BOARD_UNIT {
        c += &format!(" --unit {}", args.unit);
    }
    if let Some(f) = args.freq {
        c += &format!(" --freq {f}");
    }
    if args.seed != 1 {
        c += &format!(" --seed {}", args.seed);
    }
    if let Some(r) = &args.router {
        c += &format!(" --router {r}");
    }
    if args.breakdown {
        c += " --breakdown";
    }
    if args.yosys != "pinned" {
        c += &format!(" --yosys {}", args.yosys);
    }
    c
}

/// The report's note on the configuration: the file it came from, when not a preset.
fn config_note(args: &BuildArgs) -> String {
    match &args.config {
        Some(path) => format!("Configuration file `{}`.", path.display()),
        None => String::new(),
    }
}

/// The board oscillator the board top runs on (constraint files: `FREQUENCY PORT "clk_25mhz" 25
/// MHZ`; iCEBreaker's 12 MHz crystal on `CLK`).
fn oscillator_mhz(board: Board) -> f64 {
    match board {
        Board::Ulx3s => 25.0,
        Board::Icebreaker => 12.0,
    }
}
