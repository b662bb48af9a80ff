//! Figures for the Verilator binding: cold build (runtime + model), cold model build with the runtime
//! cached, cached build in a fresh process and in the same process, and simulation speed.
//!
//! `cargo bench -p tessera-testbench --bench binding` (uses a fresh cache under the system temp dir, so
//! the cold figures are really cold; the C++ compiler's own caches, if any, are not cleared).

use std::time::Instant;
use tessera_testbench::SimBuilder;

const COUNTER: &str = r#"
module counter (
    input  wire        clk,
    input  wire        rst,
    input  wire        en,
    output reg  [31:0] count
);
    always @(posedge clk) begin
        if (rst)     count <= 32'd0;
        else if (en) count <= count + 32'd1;
    end
endmodule
"#;

/// A 64-bit 4-tap multiply-accumulate pipeline: a small but not trivial datapath.
const MAC: &str = r#"
module mac (
    input  wire        clk,
    input  wire        rst,
    input  wire [15:0] x,
    output reg  [63:0] acc
);
    reg [15:0] d1, d2, d3;
    always @(posedge clk) begin
        if (rst) begin
            d1 <= 16'd0; d2 <= 16'd0; d3 <= 16'd0; acc <= 64'd0;
        end else begin
            d1 <= x; d2 <= d1; d3 <= d2;
            acc <= acc + {32'd0, x * 16'd3} + {32'd0, d1 * 16'd5} + {32'd0, d2 * 16'd7} + {32'd0, d3 * 16'd11};
        end
    end
endmodule
"#;

fn main() {
    let cache = std::env::var_os("BINDING_BENCH_CACHE").map(std::path::PathBuf::from);
    if let Some(cache) = cache {
        // Child: a fresh process that finds the model on disk.
        let t = Instant::now();
        let m = SimBuilder::new("counter")
            .source("counter.v", COUNTER)
            .cache_dir(&cache)
            .build_model()
            .unwrap();
        assert!(m.build_info().cache_hit);
        println!("CHILD_MS={:.1}", t.elapsed().as_secs_f64() * 1e3);
        return;
    }
    let cache = std::env::temp_dir().join(format!("tessera-binding-bench-{}", std::process::id()));
    std::fs::remove_dir_all(&cache).ok();
    let counter = SimBuilder::new("counter")
        .source("counter.v", COUNTER)
        .cache_dir(&cache);
    let mac = SimBuilder::new("mac")
        .source("mac.v", MAC)
        .cache_dir(&cache);

    let t = Instant::now();
    let m = counter.build_model().unwrap();
    assert!(!m.build_info().cache_hit);
    println!(
        "cold build, runtime + model (counter): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let m2 = mac.build_model().unwrap();
    assert!(!m2.build_info().cache_hit);
    println!(
        "cold build, model only (mac):          {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("BINDING_BENCH_CACHE", &cache)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let ms = text
        .lines()
        .find_map(|l| l.strip_prefix("CHILD_MS="))
        .expect("child result");
    println!("cached build, fresh process (counter): {ms} ms");

    let t = Instant::now();
    let m3 = counter.build_model().unwrap();
    assert!(m3.build_info().cache_hit);
    println!(
        "cached build, same process (counter):  {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    for (name, model) in [("counter", &m), ("mac", &m2)] {
        let mut sim = model.instantiate(None).unwrap();
        let rst = sim.port("rst");
        sim.reset(rst, 1);
        if name == "counter" {
            sim.poke("en", 1);
        }
        let x = sim.try_port("x");
        let n = 2_000_000u64;
        let t = Instant::now();
        for i in 0..n {
            if let Some(x) = x {
                sim.set(x, i & 0xffff);
            }
            sim.step();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name}: {:.2} M cycles/s (step() with one input write per cycle; {n} cycles)",
            n as f64 / s / 1e6
        );
    }
    std::fs::remove_dir_all(&cache).ok();
}
