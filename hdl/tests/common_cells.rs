//! Synthesizability of the common stream cells: each cell is emitted as Verilog (several sizes, including
//! the smallest legal ones) and must pass `verilator --lint-only -Wall` and yosys
//! `hierarchy -check; proc; check -assert` (no latches, no undriven or multiply-driven nets).
//! Missing tools are a test failure with a message, never a skip.
use rust_hdl::prelude::*;
use std::path::PathBuf;
use std::process::Command;
use tessera_hdl::common::*;

/// rust-hdl's raw Verilog with `$` in identifiers turned into `_`.
// TODO(cells): switch to `tessera_hdl::emit` once the emitter's helpers land.
fn emit<U: Block>(mut uut: U) -> String {
    uut.connect_all();
    let raw = generate_verilog(&uut);
    let mut out = String::with_capacity(raw.len());
    let mut prev = ' ';
    for c in raw.chars() {
        if c == '$' && (prev.is_ascii_alphanumeric() || prev == '_') {
            out.push('_');
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("common_cells")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(tool: &str, args: &[&str], dir: &PathBuf, what: &str) {
    let out = Command::new(tool).args(args).current_dir(dir).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}): install it (scripts/setup.sh) — the synthesis checks need it")
    });
    assert!(
        out.status.success(),
        "{what} failed for {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Lint and synthesis-check one design; the Verilog is kept in the test's temporary directory.
fn check(name: &str, verilog: &str) {
    assert!(
        !verilog.contains('$'),
        "{name}: `$` left in the emitted Verilog"
    );
    let dir = scratch_dir(name);
    std::fs::write(dir.join("top.v"), verilog).unwrap();
    // rust-hdl writes every module of a design into one file; DECLFILENAME would flag each.
    run(
        "verilator",
        &[
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "--top-module",
            "top",
            "top.v",
        ],
        &dir,
        "verilator --lint-only -Wall",
    );
    run(
        "yosys",
        &[
            "-q",
            "-p",
            "read_verilog top.v; hierarchy -check -top top; proc; check -assert",
        ],
        &dir,
        "yosys hierarchy/proc/check -assert",
    );
}

#[test]
fn skid_buffer_is_synthesizable() {
    check("skid_w1", &emit(SkidBuffer::<1>::default()));
    check("skid_w37", &emit(SkidBuffer::<37>::default()));
}

#[test]
fn sync_fifo_is_synthesizable() {
    check("fifo_d2", &emit(SyncFifo::<8, 1, 2>::new()));
    check("fifo_d16_w70", &emit(SyncFifo::<70, 4, 5>::new()));
}

#[test]
fn rr_arbiter_is_synthesizable() {
    check("arb_n2", &emit(RoundRobinArbiter::<1>::new(2)));
    check("arb_n5", &emit(RoundRobinArbiter::<3>::new(5)));
    check("arb_n8", &emit(RoundRobinArbiter::<3>::new(8)));
}

#[test]
fn stream_mux_is_synthesizable() {
    check("mux_n2", &emit(StreamMux::<8, 1>::new(2)));
    check("mux_n5", &emit(StreamMux::<33, 3>::new(5)));
}

#[test]
fn stream_fork_is_synthesizable() {
    check("fork_n2", &emit(StreamFork::<8>::new(2)));
    check("fork_n4", &emit(StreamFork::<16>::new(4)));
}

#[test]
fn stream_join_is_synthesizable() {
    check("join_n2", &emit(StreamJoin::<8, 16>::new(2)));
    check("join_n3", &emit(StreamJoin::<5, 15>::new(3)));
}

#[test]
#[should_panic(expected = "C must be A + 1")]
fn sync_fifo_rejects_a_wrong_count_width() {
    let _ = SyncFifo::<8, 3, 3>::new();
}

#[test]
#[should_panic(expected = "needs 2 <= requesters")]
fn rr_arbiter_rejects_too_many_requesters() {
    let _ = RoundRobinArbiter::<2>::new(5);
}

#[test]
#[should_panic(expected = "needs WO = 24")]
fn stream_join_rejects_a_wrong_output_width() {
    let _ = StreamJoin::<8, 16>::new(3);
}
