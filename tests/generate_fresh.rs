//! The committed `rtl-out/<preset>/` is exactly what the generator produces now, and it passes the checks
//! every emitted unit must pass (Verilator lint, yosys, no `$`, one module per distinct block).
//!
//! Needs verilator and yosys on PATH (`scripts/setup.sh`); a missing tool fails with that message.

use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_model::config::PRESETS;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tessera-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// File names in a directory, sorted (hidden files excluded).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn committed_rtl_is_fresh() {
    let tmp = scratch("fresh");
    let mut stale = Vec::new();
    for preset in PRESETS {
        let out = tmp.join(preset);
        let status = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["generate", "--preset", preset, "--out"])
            .arg(&out)
            .status()
            .expect("run tessera");
        assert!(
            status.success(),
            "tessera generate --preset {preset} failed"
        );
        let committed = root().join("rtl-out").join(preset);
        let fix = format!("run `cargo run --release -- generate --preset {preset}` to refresh");
        if !committed.is_dir() {
            stale.push(format!("rtl-out/{preset}/ is missing; {fix}"));
            continue;
        }
        let (new, old) = (listing(&out), listing(&committed));
        for name in new.iter().chain(old.iter()) {
            let (a, b) = (out.join(name), committed.join(name));
            match (std::fs::read(&a).ok(), std::fs::read(&b).ok()) {
                (Some(x), Some(y)) if x == y => {}
                (Some(_), Some(_)) => stale.push(format!("rtl-out/{preset}/{name} differs; {fix}")),
                (Some(_), None) => stale.push(format!("rtl-out/{preset}/{name} is missing; {fix}")),
                (None, Some(_)) => stale.push(format!(
                    "rtl-out/{preset}/{name} is no longer generated; {fix}"
                )),
                (None, None) => {}
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    stale.dedup();
    assert!(
        stale.is_empty(),
        "stale generated Verilog:\n{}",
        stale.join("\n")
    );
}

#[test]
fn committed_rtl_passes_lint_yosys_and_product_checks() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for preset in PRESETS {
        let dir = root().join("rtl-out").join(preset);
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("manifest.json"))
                .unwrap_or_else(|e| panic!("rtl-out/{preset}/manifest.json: {e}")),
        )
        .expect("manifest is JSON");
        assert_eq!(manifest["configuration"]["name"], *preset);
        for f in manifest["files"].as_array().expect("files array") {
            let name = f["name"].as_str().unwrap();
            let top = f["top"].as_str().unwrap();
            let path = dir.join(name);
            // The manifest's module list is the file's, one per distinct block.
            let text = std::fs::read_to_string(&path).unwrap();
            let modules = tessera_hdl::emit::module_names(&text).unwrap();
            assert_eq!(
                f["modules"].as_array().unwrap().len(),
                modules.len(),
                "rtl-out/{preset}/{name}: manifest module list"
            );
            if let Err(e) = tessera_hdl::emit::check_file(&path, top) {
                failures.push(format!("rtl-out/{preset}/{name}: {e:#}"));
            }
            checked += 1;
        }
    }
    assert!(checked >= PRESETS.len(), "no files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
