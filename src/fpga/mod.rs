//! The open FPGA flow: yosys -> nextpnr -> bitstream packer, with a JSON and Markdown report.
//!
//! Tools come from PyPI's YoWASP builds, pinned in `fpga/requirements.txt` and installed into the
//! project's `.venv/` by `scripts/setup.sh --fpga`; for iCE40, Debian's `yosys`, `nextpnr-ice40` and
//! `icepack` are a fallback. YoWASP tools run in a WebAssembly sandbox that sees the working
//! directory but a private /tmp, so every tool runs inside the build folder with relative paths,
//! and the compiled WebAssembly is cached in `.cache/yowasp/` (the first call takes 30-60 s).

pub mod harness;
pub mod report;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A supported board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Board {
    /// Radiona ULX3S, Lattice ECP5 LFE5U-85F (CABGA381), 25 MHz oscillator.
    Ulx3s,
    /// 1BitSquared iCEBreaker, Lattice iCE40 UP5K (SG48), 12 MHz oscillator.
    Icebreaker,
}

/// Facts about a board the flow needs.
pub struct BoardInfo {
    pub name: &'static str,
    pub family: &'static str,
    pub device: &'static str,
    /// Constraint file, relative to the project root.
    pub constraints: &'static str,
    /// The preset this board targets.
    pub preset: &'static str,
    /// Pins of the out-of-context harness: clock, serial in, serial out.
    pub harness_pins: (&'static str, &'static str, &'static str),
}

impl Board {
    pub fn info(self) -> BoardInfo {
        match self {
            Board::Ulx3s => BoardInfo {
                name: "ulx3s",
                family: "ecp5",
                device: "LFE5U-85F-6BG381C",
                constraints: "fpga/boards/ulx3s/ulx3s.lpf",
                preset: "small",
                harness_pins: ("clk_25mhz", "ftdi_txd", "ftdi_rxd"),
            },
            Board::Icebreaker => BoardInfo {
                name: "icebreaker",
                family: "ice40",
                device: "iCE40UP5K-SG48",
                constraints: "fpga/boards/icebreaker/icebreaker.pcf",
                preset: "tiny",
                harness_pins: ("CLK", "RX", "TX"),
            },
        }
    }
}

/// Where a tool comes from.
#[derive(Clone, Debug)]
pub struct Tool {
    pub program: PathBuf,
    pub version: String,
}

/// The project root: the directory holding `fpga/requirements.txt`, searched upwards from the
/// current directory, else the source tree this binary was built from.
pub fn project_root() -> PathBuf {
    let mut dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    loop {
        if dir.join("fpga/requirements.txt").is_file() {
            return dir;
        }
        if !dir.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        }
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Resolve a tool: `.venv/bin/yowasp-<name>`, then `yowasp-<name>` on PATH, then (when allowed)
/// the native `<name>` on PATH.
pub fn resolve_tool(root: &Path, name: &str, native_ok: bool) -> Result<Tool> {
    let yowasp = format!("yowasp-{name}");
    let candidates = [
        Some(root.join(".venv/bin").join(&yowasp)).filter(|p| p.is_file()),
        find_on_path(&yowasp),
        if native_ok { find_on_path(name) } else { None },
    ];
    let program = candidates.into_iter().flatten().next().with_context(|| {
        format!(
            "{name} not found (looked for .venv/bin/{yowasp}, {yowasp} on PATH{}): run scripts/setup.sh --fpga",
            if native_ok { format!(", {name} on PATH") } else { String::new() }
        )
    })?;
    let version = tool_version(root, &program);
    Ok(Tool { program, version })
}

fn tool_version(root: &Path, program: &Path) -> String {
    for flag in ["--version", "-V"] {
        let out = Command::new(program)
            .arg(flag)
            .env("YOWASP_CACHE_DIR", root.join(".cache/yowasp"))
            .output();
        if let Ok(out) = out {
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            if let Some(line) = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with("Preparing"))
            {
                if out.status.success() {
                    return line.to_string();
                }
            }
        }
    }
    "unknown".to_string()
}

/// Run one step of the flow inside `dir`, logging to `dir/<log>`; on failure show the log's tail.
pub fn run_step(
    root: &Path,
    dir: &Path,
    label: &str,
    tool: &Tool,
    args: &[String],
    log: &str,
) -> Result<f64> {
    let started = Instant::now();
    eprintln!(
        "[fpga] {label}: {} {}",
        tool.program
            .file_name()
            .unwrap_or_default()
            .to_string_lossy(),
        args.join(" ")
    );
    let log_path = dir.join(log);
    let log_file = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let status = Command::new(&tool.program)
        .args(args)
        .current_dir(dir)
        .env("YOWASP_CACHE_DIR", root.join(".cache/yowasp"))
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .status()
        .with_context(|| format!("cannot start {}", tool.program.display()))?;
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(25).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "{label} failed ({status}) after {secs:.1} s; last lines of {}:\n{}",
            log_path.display(),
            tail.join("\n")
        );
    }
    eprintln!("[fpga] {label}: done in {secs:.1} s (log: {log})");
    Ok(secs)
}

/// What to build.
pub struct BuildRequest {
    pub board: Board,
    /// Configuration name (for the report).
    pub config_name: String,
    /// The design's top module and its Verilog.
    pub top: String,
    pub verilog: String,
    /// The unit's clock input when `harnessed` (else unused).
    pub clock_port: String,
    /// Wrap the design in the out-of-context harness (a unit alone) or use it as the board top.
    pub harnessed: bool,
    /// Target clock frequency, MHz.
    pub target_mhz: f64,
    pub seed: u32,
    pub out: PathBuf,
    /// A short name for the design in reports ("ttu", "csram", "board").
    pub unit: String,
}

/// Run the whole flow and write the bitstream and the reports into `req.out`.
pub fn build(req: &BuildRequest) -> Result<report::Report> {
    let root = project_root();
    let info = req.board.info();
    std::fs::create_dir_all(&req.out)
        .with_context(|| format!("cannot create {}", req.out.display()))?;
    let native_ok = info.family == "ice40";
    let yosys = resolve_tool(&root, "yosys", native_ok)?;
    let pnr = resolve_tool(&root, &format!("nextpnr-{}", info.family), native_ok)?;
    let pack = resolve_tool(
        &root,
        if info.family == "ecp5" {
            "ecppack"
        } else {
            "icepack"
        },
        native_ok,
    )?;

    let mut files = vec!["design.v".to_string()];
    std::fs::write(req.out.join("design.v"), &req.verilog)?;
    let (top, harness_ffs) = if req.harnessed {
        let ports = harness::module_ports(&req.verilog, &req.top)?;
        let (clock, din, dout) = info.harness_pins;
        let pins = harness::HarnessPins { clock, din, dout };
        let text = harness::harness(&ports, &req.top, &req.clock_port, &pins)?;
        std::fs::write(req.out.join("harness.v"), text)?;
        files.push("harness.v".to_string());
        (
            "fpga_harness".to_string(),
            harness::harness_flops(&ports, &req.clock_port),
        )
    } else {
        (req.top.clone(), 0)
    };
    let constraints = root.join(info.constraints);
    let cons_name = Path::new(info.constraints)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    std::fs::copy(&constraints, req.out.join(&cons_name))
        .with_context(|| format!("cannot read {}", constraints.display()))?;

    let synth = if info.family == "ecp5" {
        format!("synth_ecp5 -abc9 -top {top} -json synth.json")
    } else {
        format!("synth_ice40 -dsp -abc9 -top {top} -json synth.json")
    };
    let script = format!(
        "read_verilog {}\n{synth}\ntee -q -o synth_stat.json stat -json\n",
        files.join(" ")
    );
    std::fs::write(req.out.join("synth.ys"), script)?;
    let mut times = Vec::new();
    times.push((
        "synthesis",
        run_step(
            &root,
            &req.out,
            "synthesis (yosys)",
            &yosys,
            &["-q".into(), "synth.ys".into()],
            "yosys.log",
        )?,
    ));

    let freq = format!("{}", req.target_mhz);
    let seed = req.seed.to_string();
    let mut args: Vec<String> = vec![
        "--json".into(),
        "synth.json".into(),
        "--freq".into(),
        freq,
        "--seed".into(),
        seed,
        "--report".into(),
        "pnr_report.json".into(),
        "--timing-allow-fail".into(),
    ];
    let (bit_in, bit_out, pack_args): (&str, &str, Vec<String>) = if info.family == "ecp5" {
        args.extend(["--85k", "--package", "CABGA381", "--speed", "6", "--lpf"].map(String::from));
        args.push(cons_name.clone());
        args.extend(["--textcfg".to_string(), "design.config".to_string()]);
        (
            "design.config",
            "design.bit",
            vec![
                "--compress".into(),
                "design.config".into(),
                "design.bit".into(),
            ],
        )
    } else {
        args.extend(["--up5k", "--package", "sg48", "--pcf"].map(String::from));
        args.push(cons_name.clone());
        args.extend(["--asc".to_string(), "design.asc".to_string()]);
        (
            "design.asc",
            "design.bin",
            vec!["design.asc".into(), "design.bin".into()],
        )
    };
    times.push((
        "place and route",
        run_step(
            &root,
            &req.out,
            &format!("place and route ({})", info.family),
            &pnr,
            &args,
            "nextpnr.log",
        )?,
    ));
    let _ = bit_in;
    times.push((
        "bitstream",
        run_step(&root, &req.out, "bitstream", &pack, &pack_args, "pack.log")?,
    ));

    let rep = report::Report::collect(
        &req.out,
        report::Meta {
            board: info.name.to_string(),
            device: info.device.to_string(),
            family: info.family.to_string(),
            configuration: req.config_name.clone(),
            unit: req.unit.clone(),
            top: top.clone(),
            harness_flops: harness_ffs,
            target_mhz: req.target_mhz,
            seed: req.seed,
            bitstream: bit_out.to_string(),
            tools: vec![
                ("yosys".into(), yosys.version.clone()),
                (format!("nextpnr-{}", info.family), pnr.version.clone()),
                (
                    pack.program
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .to_string(),
                    pack.version.clone(),
                ),
            ],
            step_seconds: times.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
        },
    )?;
    std::fs::write(
        req.out.join("report.json"),
        serde_json::to_string_pretty(&rep)?,
    )?;
    std::fs::write(req.out.join("report.md"), rep.markdown())?;
    Ok(rep)
}
