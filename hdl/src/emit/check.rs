//! Checks every emitted unit must pass; each unit's tests call them on their own Verilog.
//!
//! * [`lint_verilator`]: `verilator --lint-only -Wall hdl/lint/tessera.vlt FILE --top-module TOP`, failing on
//!   any warning (the only waivers are in `hdl/lint/tessera.vlt`, each justified there).
//! * [`check_yosys`]: `yosys -p "read_verilog FILE; hierarchy -check -top TOP; proc; check -assert"`:
//!   every module resolves, no undriven or multiply-driven nets, and (`select -assert-none` on latch
//!   cells after `proc`) no latches.
//! * [`check_product`]: no `$` in identifiers and one definition per distinct block.
//! * [`check_all`]: all three.
//!
//! A missing tool is an error that names the tool and `scripts/setup.sh`; nothing is ever skipped.

use super::lexer::{tokenize, Kind};
use super::modules::split;
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The one Verilator waiver file (`hdl/lint/tessera.vlt`).
pub fn waiver_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lint")
        .join("tessera.vlt")
}

/// System functions rust-hdl's blocks may legitimately use; any other `$` is a defect.
const SYSTEM_NAMES: [&str; 4] = ["$signed", "$unsigned", "$readmemh", "$readmemb"];

fn run(tool: &str, args: &[&std::ffi::OsStr]) -> Result<Output> {
    Command::new(tool).args(args).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!("`{tool}` is not installed or not on PATH; run scripts/setup.sh to install verilator, yosys and iverilog")
        } else {
            anyhow::anyhow!("cannot run `{tool}`: {e}")
        }
    })
}

/// A Verilog text written to a private temporary file (removed on drop), for checks on strings.
struct TempVerilog(PathBuf);

impl TempVerilog {
    fn new(top: &str, text: &str) -> Result<Self> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tessera-check-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{top}.v"));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(TempVerilog(path))
    }
}

impl Drop for TempVerilog {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Run Verilator's lint on a Verilog file with every warning enabled; any warning or error fails.
pub fn lint_verilator(file: &Path, top: &str) -> Result<()> {
    let vlt = waiver_file();
    let out = run(
        "verilator",
        &[
            "--lint-only".as_ref(),
            "-Wall".as_ref(),
            vlt.as_os_str(),
            file.as_os_str(),
            "--top-module".as_ref(),
            top.as_ref(),
        ],
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stderr.contains("%Warning") || stderr.contains("%Error") {
        bail!(
            "verilator --lint-only -Wall {} --top-module {top} failed:\n{}",
            file.display(),
            stderr.trim_end()
        );
    }
    Ok(())
}

/// Run yosys' structural checks: hierarchy resolves, processes convert without latches, no undriven or
/// multiply-driven nets (`check -assert`).
pub fn check_yosys(file: &Path, top: &str) -> Result<()> {
    let script = format!(
        "read_verilog {}; hierarchy -check -top {top}; proc; check -assert; \
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$sr t:$_DLATCH*",
        file.display()
    );
    let out = run("yosys", &["-q".as_ref(), "-p".as_ref(), script.as_ref()])?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // `check` does not look for latches; the `select -assert-none` on latch cells does.
    if !out.status.success() || log.to_lowercase().contains("warning") {
        bail!("yosys -p \"{script}\" failed:\n{}", log.trim_end());
    }
    Ok(())
}

/// The emitter's own promises: no `$` in identifiers (only the system functions in `SYSTEM_NAMES`), every
/// module name unique, and no two module definitions identical apart from their names.
pub fn check_product(verilog: &str) -> Result<()> {
    for t in tokenize(verilog) {
        let bad = match t.kind {
            Kind::Ident => t.text.contains('$'),
            Kind::System => !SYSTEM_NAMES.contains(&t.text.as_str()),
            _ => false,
        };
        if bad {
            bail!("identifier `{}` contains `$`", t.text);
        }
    }
    let design = split(verilog)?;
    let mut bodies: HashMap<String, &str> = HashMap::new();
    let mut names: HashMap<&str, ()> = HashMap::new();
    for m in &design.modules {
        if names.insert(m.name.as_str(), ()).is_some() {
            bail!("module `{}` is defined twice", m.name);
        }
        // Compare bodies with comments and layout removed.
        let key: String = m
            .body
            .iter()
            .filter(|t| !matches!(t.kind, Kind::Comment))
            .map(|t| {
                if t.kind == Kind::Space {
                    " "
                } else {
                    t.text.as_str()
                }
            })
            .collect();
        if let Some(other) = bodies.insert(key, m.name.as_str()) {
            bail!(
                "modules `{other}` and `{}` are identical apart from their names (module count != distinct blocks)",
                m.name
            );
        }
    }
    Ok(())
}

/// Lint, yosys and product checks on a file.
pub fn check_file(file: &Path, top: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    check_product(&text).with_context(|| format!("{}", file.display()))?;
    lint_verilator(file, top)?;
    check_yosys(file, top)
}

/// Lint, yosys and product checks on emitted Verilog held in a string (e.g. from
/// [`emit_verilog`](super::emit_verilog)).
pub fn check_all(verilog: &str, top: &str) -> Result<()> {
    let tmp = TempVerilog::new(top, verilog)?;
    check_file(&tmp.0, top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_check_finds_dollars_and_duplicates() {
        assert!(check_product("module a(x);\n input wire x;\nendmodule\n").is_ok());
        let e = check_product("module a(x$y);\n input wire x$y;\nendmodule\n").unwrap_err();
        assert!(e.to_string().contains("x$y"), "{e}");
        let e = check_product(
            "module a(x);\n input wire x;\nendmodule\nmodule b(x);\n input wire x;\nendmodule\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("identical"), "{e}");
        assert!(check_product("module a(x); always @(*) y = $signed(x); endmodule").is_ok());
        assert!(check_product("module a(x); initial $display(x); endmodule").is_err());
    }
}
