//! The Verilator binding: building, caching, ports of every width, instances, tracing, errors.

use rand::Rng;
use std::sync::Arc;
use tessera_testbench::{bits, run_test, Dir, Sim, SimBuilder};

/// A registered 100-bit adder, a combinational 100-bit xor, and narrow ports of every storage class.
const WIDE: &str = r#"
module wide #(parameter W = 100) (
    input  wire         clk,
    input  wire         rst,
    input  wire [W-1:0] a,
    input  wire [W-1:0] b,
    output reg  [W-1:0] sum_q,
    output wire [W-1:0] x,
    input  wire [7:0]   n8,
    output wire [15:0]  n16,
    input  wire [31:0]  n32,
    output wire [33:0]  n34,
    input  wire [63:0]  n64,
    output wire [63:0]  n64_inv
);
    always @(posedge clk) begin
        if (rst) sum_q <= {W{1'b0}};
        else     sum_q <= a + b;
    end
    assign x       = a ^ b;
    assign n16     = {n8, ~n8};
    assign n34     = {2'b10, n32};
    assign n64_inv = ~n64;
endmodule
"#;

/// A counter with an enable, to tell instances apart.
const COUNTER: &str = r#"
module counter #(parameter STEP = 1) (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    output reg  [31:0] count
);
    always @(posedge clk) begin
        if (rst)     count <= 32'd0;
        else if (en) count <= count + STEP;
    end
endmodule
"#;

fn wide() -> SimBuilder {
    SimBuilder::new("wide").source("wide.v", WIDE)
}

fn counter() -> SimBuilder {
    SimBuilder::new("counter").source("counter.v", COUNTER)
}

#[test]
fn wide_ports_match_a_reference() {
    run_test("wide_ports_match_a_reference", &wide(), |sim, rng| {
        let (a, b, sum_q, x) = (
            sim.port("a"),
            sim.port("b"),
            sim.port("sum_q"),
            sim.port("x"),
        );
        assert_eq!((a.width(), a.dir(), sum_q.dir()), (100, Dir::In, Dir::Out));
        let rst = sim.port("rst");
        sim.reset(rst, 2);
        assert_eq!(sim.get_wide(sum_q), vec![0; 4]);
        let mut corners = vec![
            (bits::truncate(&[u32::MAX; 4], 100), vec![1]), // carry through every word, wraps to 0
            (vec![0, 0, 0, 0x8], vec![0, 0, 0, 0x8]),       // top bit (bit 99) overflows away
        ];
        for _ in 0..200 {
            corners.push((bits::random(rng, 100), bits::random(rng, 100)));
        }
        for (va, vb) in corners {
            sim.set_wide(a, &va);
            sim.set_wide(b, &vb);
            let want_x: Vec<u32> = (0..4)
                .map(|i| va.get(i).unwrap_or(&0) ^ vb.get(i).unwrap_or(&0))
                .collect();
            assert_eq!(
                sim.get_wide(x),
                want_x,
                "combinational xor settles without a clock"
            );
            sim.step();
            assert_eq!(
                sim.get_wide(sum_q),
                bits::add(&va, &vb, 100),
                "a={va:x?} b={vb:x?}"
            );
        }
        for _ in 0..100 {
            let (v8, v32, v64): (u8, u32, u64) = (rng.gen(), rng.gen(), rng.gen());
            sim.poke("n8", v8 as u64);
            sim.poke("n32", v32 as u64);
            sim.poke("n64", v64);
            assert_eq!(sim.peek("n16"), (v8 as u64) << 8 | (!v8) as u64);
            assert_eq!(sim.peek("n34"), 2u64 << 32 | v32 as u64);
            assert_eq!(sim.peek("n64_inv"), !v64);
            assert_eq!(sim.get_wide(sim.port("n34")), vec![v32, 2]);
        }
    });
}

#[test]
fn two_instances_of_one_design_keep_their_own_state() {
    let mut one = counter().build().unwrap();
    let mut two = counter().build().unwrap();
    assert!(
        Arc::ptr_eq(one.model(), two.model()),
        "one process loads a design once"
    );
    for sim in [&mut one, &mut two] {
        let rst = sim.port("rst");
        sim.reset(rst, 1);
        sim.poke("en", 1);
    }
    one.step_n(10);
    two.step_n(3);
    assert_eq!((one.peek("count"), two.peek("count")), (10, 3));
    one.step_n(5);
    assert_eq!((one.peek("count"), two.peek("count")), (15, 3));
    assert_eq!((one.cycle(), two.cycle()), (16, 4));
}

#[test]
fn two_designs_and_a_moved_instance_coexist() {
    let mut by1 = counter().build().unwrap();
    let mut by5 = counter().param("STEP", 5).build().unwrap();
    assert_ne!(by1.model().build_info().key, by5.model().build_info().key);
    for sim in [&mut by1, &mut by5] {
        let rst = sim.port("rst");
        sim.reset(rst, 1);
        sim.poke("en", 1);
    }
    // `Sim: Send`: run one instance on another thread while this one runs here.
    let handle = std::thread::spawn(move || {
        by5.step_n(7);
        by5.peek("count")
    });
    by1.step_n(7);
    assert_eq!(by1.peek("count"), 7);
    assert_eq!(handle.join().unwrap(), 35);
}

#[test]
#[should_panic(
    expected = "has no port `nope`; its ports are: clk In[1], rst In[1], en In[1], count Out[32]"
)]
fn bad_port_name_lists_the_ports() {
    counter().build().unwrap().port("nope");
}

#[test]
#[should_panic(expected = "port `count` of `counter` is an output and cannot be set")]
fn setting_an_output_panics() {
    counter().build().unwrap().poke("count", 1);
}

#[test]
#[should_panic(expected = "value 0x100 does not fit in port `n8` of `wide` (8 bits)")]
fn too_wide_value_panics() {
    wide().build().unwrap().poke("n8", 0x100);
}

#[test]
#[should_panic(expected = "does not fit in port `a` of `wide` (100 bits)")]
fn too_wide_word_value_panics() {
    let mut sim = wide().build().unwrap();
    let a = sim.port("a");
    sim.set_wide(a, &[0, 0, 0, 0x10]);
}

#[test]
#[should_panic(expected = "port `sum_q` is 100 bits wide: read it with get_wide")]
fn narrow_read_of_a_wide_port_panics() {
    wide().build().unwrap().peek("sum_q");
}

#[test]
fn verilog_errors_are_reported() {
    let err = SimBuilder::new("broken")
        .source(
            "broken.v",
            "module broken(input wire a, output wire y);\n  assign y = a &;\nendmodule\n",
        )
        .build()
        .err()
        .expect("a syntax error must fail the build");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("verilating `broken` failed") && msg.contains("broken.v:2"),
        "{msg}"
    );
}

#[test]
fn missing_verilator_is_a_clear_error() {
    let err = counter()
        .verilator("/nonexistent/verilator")
        .build()
        .err()
        .expect("must fail");
    let msg = err.to_string();
    assert!(
        msg.starts_with("verilator not found at /nonexistent/verilator"),
        "{msg}"
    );
    assert!(
        msg.ends_with("run scripts/setup.sh or apt-get install verilator"),
        "{msg}"
    );
}

#[test]
fn sims_are_send() {
    fn is_send<T: Send>() {}
    is_send::<Sim>();
}
