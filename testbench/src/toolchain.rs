//! Finding Verilator and the C++ compiler, and compiling/linking with them.
//!
//! The C++ compiler is found with `cc::Build` (so `CXX`, `CXXFLAGS` and the usual cc-rs conventions apply),
//! configured explicitly with target, host, opt level and out dir because we run outside a build script.
//! The commands are then run directly so that a model's files compile in parallel and link into one shared
//! object.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The message every entry point gives when Verilator is missing.
pub const MISSING_VERILATOR: &str = "run scripts/setup.sh or apt-get install verilator";

/// A located Verilator installation.
#[derive(Clone, Debug)]
pub struct Verilator {
    /// The executable.
    pub bin: PathBuf,
    /// First line of `verilator --version`, e.g. `Verilator 5.006 2023-01-22 rev (Debian 5.006-3)`.
    pub version: String,
    /// `VERILATOR_ROOT` (holds `include/verilated.cpp` and friends).
    pub root: PathBuf,
}

/// Resolves the Verilator executable: an explicit override (builder option or `TESSERA_VERILATOR`) must
/// exist; otherwise `verilator` is looked up on `path` (the value of `PATH`).
pub fn resolve_verilator_bin(explicit: Option<&Path>, path: Option<OsString>) -> Result<PathBuf> {
    if let Some(bin) = explicit {
        if bin.is_file() {
            return Ok(bin.to_path_buf());
        }
        bail!(
            "verilator not found at {} (set by TESSERA_VERILATOR or SimBuilder::verilator): {MISSING_VERILATOR}",
            bin.display()
        );
    }
    if let Some(path) = path {
        for dir in std::env::split_paths(&path) {
            let cand = dir.join("verilator");
            if cand.is_file() {
                return Ok(cand);
            }
        }
    }
    bail!("verilator not found on PATH: {MISSING_VERILATOR}")
}

/// Locates Verilator (see [`resolve_verilator_bin`]) and asks it for its version and root; memoised.
pub fn verilator(explicit: Option<&Path>) -> Result<Verilator> {
    let env_override = std::env::var_os("TESSERA_VERILATOR").map(PathBuf::from);
    let explicit = explicit.map(Path::to_path_buf).or(env_override);
    let bin = resolve_verilator_bin(explicit.as_deref(), std::env::var_os("PATH"))?;
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Verilator>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(v) = seen.lock().unwrap().get(&bin) {
        return Ok(v.clone());
    }
    let version = run_capture(Command::new(&bin).arg("--version"))
        .with_context(|| format!("running {} --version ({MISSING_VERILATOR})", bin.display()))?;
    let version = version.lines().next().unwrap_or("").trim().to_string();
    if !version.starts_with("Verilator 5") {
        bail!(
            "{} reports `{version}`; Tessera's binding needs Verilator 5.x",
            bin.display()
        );
    }
    let root = run_capture(Command::new(&bin).args(["--getenv", "VERILATOR_ROOT"]))?;
    let root = PathBuf::from(root.trim());
    if !root.join("include/verilated.cpp").is_file() {
        bail!(
            "VERILATOR_ROOT {} has no include/verilated.cpp; is the Verilator installation complete?",
            root.display()
        );
    }
    let v = Verilator {
        bin: bin.clone(),
        version,
        root,
    };
    seen.lock().unwrap().insert(bin, v.clone());
    Ok(v)
}

/// The C++ compiler and the flags cc-rs chose for it.
#[derive(Clone, Debug)]
pub struct Cxx {
    pub path: PathBuf,
    pub args: Vec<OsString>,
    /// First line of `--version`: part of every cache key.
    pub version: String,
}

/// Finds the C++ compiler through `cc::Build`; memoised per opt level.
pub fn cxx(opt_level: u32) -> Result<Cxx> {
    static SEEN: OnceLock<Mutex<HashMap<u32, Cxx>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(c) = seen.lock().unwrap().get(&opt_level) {
        return Ok(c.clone());
    }
    let target = env!("TESSERA_TESTBENCH_TARGET");
    let tool = cc::Build::new()
        .cpp(true)
        .target(target)
        .host(target)
        .opt_level(opt_level)
        .out_dir(std::env::temp_dir())
        .debug(false)
        .pic(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| {
            anyhow!("no C++ compiler found by cc: {e} (install g++: apt-get install g++)")
        })?;
    let path = tool.path().to_path_buf();
    let version = run_capture(Command::new(&path).arg("--version"))
        .with_context(|| format!("running {} --version", path.display()))?;
    let c = Cxx {
        path,
        args: tool.args().to_vec(),
        version: version.lines().next().unwrap_or("").trim().to_string(),
    };
    seen.lock().unwrap().insert(opt_level, c.clone());
    Ok(c)
}

/// Flags shared by the runtime and the model objects (from Verilator's `verilated.mk`), plus
/// `-fvisibility=hidden` so each shared object exports only the shim and keeps its own copy of the runtime.
pub fn common_flags(v: &Verilator) -> Vec<OsString> {
    let inc = v.root.join("include");
    let mut f: Vec<OsString> = vec![
        "-std=gnu++17".into(),
        "-fvisibility=hidden".into(),
        "-faligned-new".into(),
        "-fcf-protection=none".into(),
        "-w".into(), // generated code; Verilator's own makefile silences these warnings too
        "-DVM_COVERAGE=0".into(),
        "-DVM_SC=0".into(),
        "-DVM_TRACE=1".into(),
        "-DVM_TRACE_FST=0".into(),
        "-DVM_TRACE_VCD=1".into(),
    ];
    f.push(format!("-I{}", inc.display()).into());
    f.push(format!("-I{}", inc.join("vltstd").display()).into());
    f
}

/// Number of compiler processes one build may run at once (`TESSERA_BUILD_JOBS`, default: CPUs).
pub fn jobs() -> usize {
    std::env::var("TESSERA_BUILD_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
}

/// Compiles each `(source, object, extra flags)` with `cxx`, at most `jobs()` at a time.
pub fn compile_all(
    cxx: &Cxx,
    common: &[OsString],
    units: &[(PathBuf, PathBuf, Vec<OsString>)],
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let workers = jobs().min(units.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((src, obj, extra)) = units.get(i) else {
                    break;
                };
                let mut cmd = Command::new(&cxx.path);
                cmd.args(&cxx.args)
                    .args(common)
                    .args(extra)
                    .arg("-c")
                    .arg(src)
                    .arg("-o")
                    .arg(obj);
                if let Err(e) = run_capture(&mut cmd) {
                    errors
                        .lock()
                        .unwrap()
                        .push(format!("compiling {}: {e:#}", src.display()));
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if !errors.is_empty() {
        bail!("C++ compilation failed:\n{}", errors.join("\n"));
    }
    Ok(())
}

/// Links objects into a shared library.
pub fn link_shared(cxx: &Cxx, objs: &[PathBuf], out: &Path) -> Result<()> {
    let mut cmd = Command::new(&cxx.path);
    cmd.args(&cxx.args)
        .arg("-shared")
        .arg("-fPIC")
        .arg("-o")
        .arg(out)
        .args(objs)
        .args(["-pthread", "-lpthread", "-latomic"]);
    run_capture(&mut cmd).with_context(|| format!("linking {}", out.display()))?;
    Ok(())
}

/// Runs a command; returns stdout+stderr on success, an error quoting them on failure.
pub fn run_capture(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("{:?} failed ({}):\n{}", cmd, out.status, text.trim_end());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_verilator_messages_are_clear() {
        let e = resolve_verilator_bin(None, Some(OsString::new()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "verilator not found on PATH: run scripts/setup.sh or apt-get install verilator"
        );
        let e = resolve_verilator_bin(Some(Path::new("/nonexistent/verilator")), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("verilator not found at /nonexistent/verilator"),
            "{e}"
        );
        assert!(e.ends_with(MISSING_VERILATOR), "{e}");
    }
}
