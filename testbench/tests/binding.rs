//! The Verilator binding: building, caching, ports of every width, instances, tracing, errors.

use rand::Rng;
use std::sync::Barrier;
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
    let (i1, i2) = (one.model().build_info(), two.model().build_info());
    assert_eq!(i1.key, i2.key);
    assert!(
        i2.cache_hit,
        "the second instance reuses the loaded library"
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

/// The counter with a comment that makes its cache key unique to this run.
fn unique_counter(tag: &str) -> (SimBuilder, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let text = format!("// {tag} {} {nanos}\n{COUNTER}", std::process::id());
    (
        SimBuilder::new("counter").source("counter.v", text.clone()),
        text,
    )
}

#[test]
fn second_build_is_a_cache_hit() {
    let (builder, _) = unique_counter("second_build_is_a_cache_hit");
    let first = builder.build_model().unwrap();
    assert!(
        !first.build_info().cache_hit,
        "a never-seen design is built"
    );
    let second = builder.build_model().unwrap();
    assert!(second.build_info().cache_hit);
    assert_eq!(first.build_info().key, second.build_info().key);
    assert!(second.build_info().dir.join("libcounter.so").is_file());
    // A different parameter is a different model.
    let other = builder.clone().param("STEP", 2).build_model().unwrap();
    assert_ne!(other.build_info().key, first.build_info().key);
    for m in [&first, &other] {
        std::fs::remove_dir_all(&m.build_info().dir).unwrap();
    }
}

#[test]
fn parallel_builds_of_one_design_build_once() {
    let (builder, _) = unique_counter("parallel_builds_of_one_design_build_once");
    let barrier = Barrier::new(4);
    let results: Vec<(bool, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (builder, barrier) = (&builder, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let mut sim = builder.build().unwrap();
                    let rst = sim.port("rst");
                    sim.reset(rst, 1);
                    sim.poke("en", 1);
                    sim.step_n(i + 1);
                    (sim.model().build_info().cache_hit, sim.peek("count"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| !r.0).count(),
        1,
        "exactly one thread built: {results:?}"
    );
    assert_eq!(
        results.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    std::fs::remove_dir_all(&builder.build_model().unwrap().build_info().dir).unwrap();
}

/// Runs this test binary's `child_build` helper with `source` as the counter's text and extra environment.
fn spawn_child(source: &str, env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_build",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("BINDING_CHILD_SOURCE", source)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// The `CHILD=` line a child printed.
fn child_result(child: std::process::Child) -> String {
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| {
            l.find("CHILD=")
                .map(|i| l[i + "CHILD=".len()..].trim().to_string())
        })
        .unwrap_or_else(|| panic!("child printed no result:\n{text}"))
}

/// Helper process for the cross-process tests: builds the counter from `BINDING_CHILD_SOURCE` and prints
/// `CHILD=hit`, `CHILD=miss` or `CHILD=error: ...`.
#[test]
#[ignore = "helper process, run by the cross-process tests"]
fn child_build() {
    let source = std::env::var("BINDING_CHILD_SOURCE").expect("run by the cross-process tests");
    match SimBuilder::new("counter")
        .source("counter.v", source)
        .build()
    {
        Ok(mut sim) => {
            let rst = sim.port("rst");
            sim.reset(rst, 1);
            sim.poke("en", 1);
            sim.step_n(3);
            assert_eq!(sim.peek("count"), 3);
            println!(
                "CHILD={}",
                if sim.model().build_info().cache_hit {
                    "hit"
                } else {
                    "miss"
                }
            );
        }
        Err(e) => println!("CHILD=error: {e:#}"),
    }
}

#[test]
fn processes_share_the_cache_and_build_once() {
    let (builder, text) = unique_counter("processes_share_the_cache_and_build_once");
    let children: Vec<_> = (0..2).map(|_| spawn_child(&text, &[])).collect();
    let here = builder.build_model().unwrap().build_info().cache_hit;
    let mut outcomes: Vec<String> = children.into_iter().map(child_result).collect();
    outcomes.push(if here { "hit" } else { "miss" }.to_string());
    assert_eq!(
        outcomes.iter().filter(|o| *o == "miss").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "hit").count(),
        2,
        "{outcomes:?}"
    );
    assert_eq!(
        child_result(spawn_child(&text, &[])),
        "hit",
        "a later process reuses the build"
    );
    std::fs::remove_dir_all(&builder.build_model().unwrap().build_info().dir).unwrap();
}

#[test]
fn missing_verilator_on_path_or_in_env_is_a_clear_error() {
    let out = child_result(spawn_child(COUNTER, &[("PATH", "")]));
    assert_eq!(
        out,
        "error: verilator not found on PATH: run scripts/setup.sh or apt-get install verilator"
    );
    let out = child_result(spawn_child(
        COUNTER,
        &[("TESSERA_VERILATOR", "/nonexistent/verilator")],
    ));
    assert!(
        out.starts_with("error: verilator not found at /nonexistent/verilator"),
        "{out}"
    );
}

#[test]
fn traced_run_writes_a_vcd_with_the_signals() {
    let path = tessera_testbench::harness::vcd_dir().join("binding-traced-run.vcd");
    std::fs::remove_file(&path).ok();
    {
        let mut sim = counter().vcd_path(&path).build().unwrap();
        assert_eq!(sim.vcd_path(), Some(path.as_path()));
        let rst = sim.port("rst");
        sim.reset(rst, 1);
        sim.poke("en", 1);
        sim.step_n(4);
    }
    let vcd = std::fs::read_to_string(&path).unwrap();
    for signal in [" clk ", " rst ", " en ", " count "] {
        assert!(
            vcd.contains("$var") && vcd.contains(signal),
            "no {signal} in\n{vcd}"
        );
    }
    // Five cycles: rising edges at 5, 15, ..., 45 and the final falling edge at 50.
    for t in ["#0\n", "#5\n", "#45\n", "#50\n"] {
        assert!(vcd.contains(t), "no time {t} in the VCD");
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn failing_test_writes_a_vcd_automatically() {
    let name = "binding_failing_test_writes_a_vcd_automatically";
    let seed = tessera_testbench::seed_for(name);
    let path = tessera_testbench::harness::vcd_dir().join(format!("{name}-{seed}.vcd"));
    std::fs::remove_file(&path).ok();
    let result = std::panic::catch_unwind(|| {
        run_test(name, &counter(), |sim, _| {
            let rst = sim.port("rst");
            sim.reset(rst, 1);
            sim.poke("en", 1);
            sim.step_n(20);
            assert_eq!(sim.peek("count"), 21, "deliberate failure at cycle 21");
        })
    });
    let panic = result.expect_err("the body fails");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("deliberate failure"),
        "the original panic is resumed: {msg}"
    );
    let vcd = std::fs::read_to_string(&path).expect("the VCD of the failing run exists");
    assert!(
        vcd.contains(" count ") && vcd.contains("#205\n") && vcd.contains("#210\n"),
        "{vcd}"
    );
    std::fs::remove_file(&path).unwrap();
}
