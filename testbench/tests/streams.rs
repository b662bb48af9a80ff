//! The verification components against small hand-written DUTs: a 4-deep FIFO whose `BUG` parameter
//! loses, duplicates or reorders items, or breaks the stream rule, and a checker that proves the driver
//! keeps valid and payload stable until each transfer.

use tessera_testbench::{
    bits, cycle, run_test, Agent, Scoreboard, Sim, SimBuilder, Stream, StreamDriver, StreamSink,
    TestRng,
};

/// A 4-entry FIFO. `BUG`: 0 correct; 1 drops every 16th accepted item; 2 repeats every 16th delivered item;
/// 3 swaps every 16th accepted item with its predecessor (when that one is not at the head);
/// 4 lowers `out_valid` for a cycle every 8 cycles; 5 flips the payload's low bit on odd cycles.
const FIFO: &str = r#"
module fifo #(parameter W = 16, parameter BUG = 0) (
    input  wire         clk,
    input  wire         rst,
    input  wire         in_valid,
    output wire         in_ready,
    input  wire [W-1:0] in_data,
    output wire         out_valid,
    input  wire         out_ready,
    output wire [W-1:0] out_data
);
    reg [W-1:0] mem [0:3];
    reg [2:0]   wp, rp;
    reg [3:0]   n_in, n_out;
    reg [2:0]   cyc;
    wire [2:0]  count = wp - rp;
    wire        in_fire  = in_valid && in_ready;
    wire        out_fire = out_valid && out_ready;
    wire        drop = BUG == 1 && n_in == 4'd15;
    wire        swap = BUG == 3 && n_in == 4'd15 && count >= 3'd2;
    wire        hold = BUG == 2 && n_out == 4'd15;
    assign in_ready  = count != 3'd4;
    assign out_valid = count != 3'd0 && !(BUG == 4 && cyc == 3'd5);
    assign out_data  = mem[rp[1:0]] ^ ((BUG == 5 && cyc[0]) ? {{(W-1){1'b0}}, 1'b1} : {W{1'b0}});
    always @(posedge clk) begin
        if (rst) begin
            wp <= 3'd0; rp <= 3'd0; n_in <= 4'd0; n_out <= 4'd0; cyc <= 3'd0;
        end else begin
            cyc <= cyc + 3'd1;
            if (in_fire) begin
                n_in <= n_in + 4'd1;
                if (swap) begin
                    mem[wp[1:0]] <= mem[wp[1:0] - 2'd1];
                    mem[wp[1:0] - 2'd1] <= in_data;
                end else if (!drop) begin
                    mem[wp[1:0]] <= in_data;
                end
                if (!drop) wp <= wp + 3'd1;
            end
            if (out_fire) begin
                n_out <= n_out + 4'd1;
                if (!hold) rp <= rp + 3'd1;
            end
        end
    end
endmodule
"#;

fn fifo(width: u32, bug: u32) -> SimBuilder {
    SimBuilder::new("fifo")
        .source("fifo.v", FIFO)
        .param("W", width)
        .param("BUG", bug)
}

/// Sends `n` random items of `width` bits through the FIFO with valid gaps and back-pressure, drains it, and
/// returns the filled scoreboard (not yet checked).
fn pass_items(sim: &mut Sim, rng: &mut TestRng, width: u32, n: usize) -> Scoreboard<Vec<u32>> {
    let rst = sim.port("rst");
    sim.reset(rst, 2);
    let mut drv = StreamDriver::new(Stream::prefixed(sim, "in"), rng).valid_probability(0.6);
    let mut sink = StreamSink::new(Stream::prefixed(sim, "out"), rng).ready_probability(0.5);
    let mut board = Scoreboard::ordered("fifo");
    for _ in 0..n {
        let item = bits::random(rng, width);
        board.expect(item.clone());
        drv.push(item);
    }
    while !drv.idle() {
        assert!(
            sim.cycle() < 20 * n as u64,
            "timeout: {} of {n} items sent",
            drv.sent()
        );
        cycle(sim, &mut [&mut drv, &mut sink]);
    }
    for _ in 0..40 {
        cycle(sim, &mut [&mut drv, &mut sink]); // drain: 4 entries at ready 0.5 need far fewer cycles
    }
    assert_eq!(drv.sent(), n as u64);
    board.observe_all(sink.take());
    board
}

#[test]
fn correct_fifo_keeps_every_item_in_order() {
    run_test(
        "correct_fifo_keeps_every_item_in_order",
        &fifo(16, 0),
        |sim, rng| {
            pass_items(sim, rng, 16, 1000).check();
        },
    );
}

#[test]
fn wide_payloads_pass_through() {
    run_test("wide_payloads_pass_through", &fifo(100, 0), |sim, rng| {
        let board = pass_items(sim, rng, 100, 300);
        assert!(
            board.observed().iter().any(|w| w[3] != 0),
            "upper word exercised"
        );
        board.check();
    });
}

/// The findings for a buggy FIFO, after checking the report names them.
fn findings_of(bug: u32, kind: &str) -> tessera_testbench::Findings {
    let sim = &mut fifo(16, bug).build().unwrap();
    let (_, mut rng) = tessera_testbench::rng_for(&format!("fifo_bug_{bug}"));
    let board = pass_items(sim, &mut rng, 16, 500);
    let report = board.report().expect("the bug must be reported");
    assert!(report.contains(kind), "{report}");
    board.findings()
}

#[test]
fn scoreboard_catches_loss() {
    let f = findings_of(1, "lost:");
    // Every 16th accepted item is dropped.
    assert_eq!(f.lost.len(), 500 / 16, "{f:?}");
    assert!(
        f.duplicated.is_empty() && f.unexpected.is_empty() && f.reordered.is_empty(),
        "{f:?}"
    );
}

#[test]
fn scoreboard_catches_duplication() {
    let f = findings_of(2, "duplicated:");
    assert!(!f.duplicated.is_empty(), "{f:?}");
    assert!(
        f.lost.is_empty() && f.unexpected.is_empty() && f.reordered.is_empty(),
        "{f:?}"
    );
}

#[test]
fn scoreboard_catches_reordering() {
    let f = findings_of(3, "reordered:");
    assert!(!f.reordered.is_empty(), "{f:?}");
    assert!(
        f.lost.is_empty() && f.duplicated.is_empty() && f.unexpected.is_empty(),
        "{f:?}"
    );
}

#[test]
#[should_panic(expected = "stream rule broken")]
fn sink_catches_valid_falling_before_transfer() {
    let sim = &mut fifo(16, 4).build().unwrap();
    let (_, mut rng) = tessera_testbench::rng_for("sink_catches_valid_falling_before_transfer");
    pass_items(sim, &mut rng, 16, 500);
}

#[test]
#[should_panic(expected = "payload changed")]
fn sink_catches_payload_change_before_transfer() {
    let sim = &mut fifo(16, 5).build().unwrap();
    let (_, mut rng) = tessera_testbench::rng_for("sink_catches_payload_change_before_transfer");
    pass_items(sim, &mut rng, 16, 500);
}

/// Checks, in Verilog, that its input obeys the stream rule while it back-pressures pseudo-randomly;
/// counts stalls (valid without ready) and idle cycles (no valid).
const CHECKER: &str = r#"
module rule_checker (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    output wire        in_ready,
    input  wire [39:0] in_data,
    output reg         error,
    output reg  [15:0] stalls,
    output reg  [15:0] idles,
    output reg  [15:0] transfers
);
    reg [15:0] lfsr;
    reg        was_stalled;
    reg [39:0] held;
    assign in_ready = lfsr[0] ^ lfsr[5];
    always @(posedge clk) begin
        if (rst) begin
            lfsr <= 16'hACE1; was_stalled <= 1'b0; held <= 40'd0;
            error <= 1'b0; stalls <= 16'd0; idles <= 16'd0; transfers <= 16'd0;
        end else begin
            lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
            if (was_stalled && (!in_valid || in_data != held)) error <= 1'b1;
            was_stalled <= in_valid && !in_ready;
            held <= in_data;
            if (in_valid && !in_ready) stalls <= stalls + 16'd1;
            if (!in_valid) idles <= idles + 16'd1;
            if (in_valid && in_ready) transfers <= transfers + 16'd1;
        end
    end
endmodule
"#;

#[test]
fn driver_holds_valid_and_payload_until_the_transfer() {
    let builder = SimBuilder::new("rule_checker").source("rule_checker.v", CHECKER);
    run_test(
        "driver_holds_valid_and_payload_until_the_transfer",
        &builder,
        |sim, rng| {
            let rst = sim.port("rst");
            sim.reset(rst, 1);
            let mut drv =
                StreamDriver::new(Stream::new(sim, "in_valid", "in_ready", &["in_data"]), rng);
            for _ in 0..2000 {
                drv.push(bits::random(rng, 40));
            }
            let mut agents: [&mut dyn Agent; 1] = [&mut drv];
            while sim.peek("transfers") < 2000 {
                assert!(sim.cycle() < 20_000, "timeout");
                cycle(sim, &mut agents);
            }
            assert_eq!(drv.sent(), 2000);
            assert_eq!(sim.peek("error"), 0, "the driver broke the stream rule");
            assert!(
                sim.peek("stalls") > 100 && sim.peek("idles") > 100,
                "both stalls and gaps were exercised"
            );
        },
    );
}
