//! Synthesizability of the common stream cells: each cell is emitted as Verilog (several sizes, including
//! the smallest legal ones) and must pass `verilator --lint-only -Wall` and yosys
//! `hierarchy -check; proc; check -assert` (no latches, no undriven or multiply-driven nets).
//! Missing tools are a test failure with a message, never a skip (the emitter's checks report them).
use rust_hdl::prelude::*;
use tessera_hdl::common::*;
use tessera_hdl::emit::{check_all, emit_verilog};

/// The cell through Tessera's emitter (`tessera_hdl::emit`): deduplicated modules, no `$`, sized literals.
fn emit<U: Block>(mut uut: U) -> String {
    emit_verilog("top", &mut uut).unwrap_or_else(|e| panic!("emitting failed: {e:#}"))
}

/// The emitter's checks: `verilator --lint-only -Wall` (with the project's one waiver file), yosys
/// `hierarchy -check; proc; check -assert` plus no latches, and the product rules (no `$`, one module per
/// distinct block). A missing tool is an error naming it.
fn check(name: &str, verilog: &str) {
    check_all(verilog, "top").unwrap_or_else(|e| panic!("{name}: {e:#}"));
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
