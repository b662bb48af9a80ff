//! `tessera vec`: one TVP operation or composite function on .npy files, on the reference model
//! or on the TVP's Verilog under Verilator; `tessera vec --report` measures the approximate
//! functions exhaustively and the composites on random data.
//!
//! Inputs are 2-D float32 arrays; elementwise operations need equal shapes; composite functions
//! (softmax, rmsnorm, layernorm, gelu, silu) work on each row. Bad input exits with code 2 and
//! writes nothing.

use super::mx::{npy_bytes, read_f32, write_outputs, Matrix};
use super::usage;
use clap::Args;
use std::path::PathBuf;
use tessera_model::tvp::approx::{worst_error, Func};
use tessera_model::tvp::composite::{measure, random_vector, Composite};
use tessera_model::tvp::{apply_vec, Op};
use tessera_testbench::{bits, Sim, SimBuilder};

#[derive(Args)]
pub struct VecArgs {
    /// Operation: add sub mul min max relu cmplt cmple cmpeq select muls exp2 recip rsqrt,
    /// or a composite: softmax rmsnorm layernorm gelu silu.
    #[arg(long)]
    op: Option<String>,
    /// First operand (float32 .npy, 2-D).
    #[arg(long = "in")]
    input: Option<PathBuf>,
    /// Second operand for two-operand operations (same shape).
    #[arg(long = "in2")]
    input2: Option<PathBuf>,
    /// Condition for `select` (same shape): picks --in where not +-0, else --in2.
    #[arg(long)]
    cond: Option<PathBuf>,
    /// Scalar for `muls`.
    #[arg(long)]
    scalar: Option<f32>,
    /// Output file (float32 .npy).
    #[arg(long)]
    out: Option<PathBuf>,
    /// `model` (reference model) or `rtl` (the TVP's Verilog under Verilator).
    #[arg(long, default_value = "model")]
    engine: String,
    /// Configuration preset (sets the lane count L and the reduction order).
    #[arg(long)]
    preset: Option<String>,
    /// Configuration file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Instead of running an operation: worst-case error of exp2/recip/rsqrt over all 2^32
    /// inputs, and of the composites on random data.
    #[arg(long)]
    report: bool,
    /// Threads for --report (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(a: VecArgs) -> anyhow::Result<()> {
    let cfg = super::load_config(a.preset.as_deref(), a.config.as_deref())?;
    let lanes = cfg.tvp.lanes as usize;
    if a.report {
        return report(lanes, a.threads);
    }
    let Some(op_name) = a.op.as_deref() else {
        return usage("--op is required (or --report)");
    };
    let (Some(inp), Some(out)) = (a.input.as_ref(), a.out.as_ref()) else {
        return usage("--in X.npy and --out Z.npy are required");
    };
    if a.engine != "model" && a.engine != "rtl" {
        return usage(format!(
            "--engine must be 'model' or 'rtl', got '{}'",
            a.engine
        ));
    }
    let x = read_f32(inp, "--in")?;
    let xb: Vec<u32> = x.data.iter().map(|v| v.to_bits()).collect();
    let result: Vec<u32> = if let Some(c) = Composite::parse(op_name) {
        if a.engine == "rtl" {
            return usage(format!(
                "composite '{op_name}' runs on --engine model only: the RTL has no reduction unit yet"
            ));
        }
        xb.chunks(x.cols.max(1))
            .flat_map(|row| c.run(row, lanes))
            .collect()
    } else if let Some(op) = Op::parse(op_name) {
        let same = |m: &Matrix<f32>, flag: &str| -> anyhow::Result<Vec<u32>> {
            if (m.rows, m.cols) != (x.rows, x.cols) {
                return usage(format!(
                    "{flag} has shape [{}, {}] but --in has [{}, {}]; they must match",
                    m.rows, m.cols, x.rows, x.cols
                ));
            }
            Ok(m.data.iter().map(|v| v.to_bits()).collect())
        };
        let needs_b = op.arity() >= 2;
        let b = match (&a.input2, needs_b) {
            (Some(p), true) => same(&read_f32(p, "--in2")?, "--in2")?,
            (None, true) => return usage(format!("--op {op_name} needs --in2")),
            _ => Vec::new(),
        };
        let c = match (&a.cond, op == Op::Select) {
            (Some(p), true) => same(&read_f32(p, "--cond")?, "--cond")?,
            (None, true) => return usage("--op select needs --cond"),
            _ => Vec::new(),
        };
        let s = match (a.scalar, op == Op::MulScalar) {
            (Some(v), true) => v.to_bits(),
            (None, true) => return usage("--op muls needs --scalar"),
            _ => 0,
        };
        if a.engine == "model" {
            apply_vec(op, &xb, &b, &c, s)
        } else {
            run_rtl(&cfg.tvp.lanes, op, &xb, &b, &c, s)?
        }
    } else {
        return usage(format!(
            "unknown --op '{op_name}'; allowed: {}, softmax, rmsnorm, layernorm, gelu, silu",
            Op::ALL.map(|o| o.name()).join(", ")
        ));
    };
    let values: Vec<f32> = result.iter().map(|&b| f32::from_bits(b)).collect();
    write_outputs(&[(out.as_path(), npy_bytes(x.rows, x.cols, &values)?)])?;
    println!(
        "vec: {op_name} on [{}, {}] ({} engine) -> {}",
        x.rows,
        x.cols,
        a.engine,
        out.display()
    );
    Ok(())
}

/// Stream the vectors through the TVP's Verilog, L elements per beat, and collect the results.
fn run_rtl(
    lanes: &u32,
    op: Op,
    a: &[u32],
    b: &[u32],
    c: &[u32],
    s: u32,
) -> anyhow::Result<Vec<u32>> {
    let l = *lanes as usize;
    let verilog = tessera_hdl::tvp::top::emit_named("tvp", *lanes)?;
    let model = SimBuilder::new("tvp")
        .source("tvp.v", verilog)
        .build_model()?;
    let mut sim: Sim = model.instantiate(None)?;
    let p = |sim: &Sim, n: &str| sim.port(n);
    let (clk_rst, in_valid, in_ready, out_valid, out_ready) = (
        p(&sim, "reset"),
        p(&sim, "in_valid"),
        p(&sim, "in_ready"),
        p(&sim, "out_valid"),
        p(&sim, "out_ready"),
    );
    let (in_op, in_a, in_b, in_c, in_s, out_z) = (
        p(&sim, "in_op"),
        p(&sim, "in_a"),
        p(&sim, "in_b"),
        p(&sim, "in_c"),
        p(&sim, "in_s"),
        p(&sim, "out_z"),
    );
    sim.reset(clk_rst, 2);
    let beats = a.len().div_ceil(l);
    let lane_words = |v: &[u32], j: usize| -> Vec<u32> {
        (0..l)
            .map(|i| v.get(j * l + i).copied().unwrap_or(0))
            .collect()
    };
    let mut out = Vec::with_capacity(beats * l);
    let mut sent = 0;
    sim.set(out_ready, 1);
    sim.set(in_op, op.code() as u64);
    sim.set(in_s, s as u64);
    let mut guard = 0u64;
    while out.len() < beats * l {
        if sent < beats {
            sim.set(in_valid, 1);
            sim.set_wide(in_a, &lane_words(a, sent));
            sim.set_wide(in_b, &lane_words(b, sent));
            sim.set_wide(in_c, &lane_words(c, sent));
        } else {
            sim.set(in_valid, 0);
        }
        sim.eval();
        let fire_in = sent < beats && sim.get(in_ready) == 1;
        if sim.get(out_valid) == 1 {
            out.extend(
                bits::truncate(&sim.get_wide(out_z), 32 * l as u32)
                    .iter()
                    .take(l),
            );
        }
        sim.step();
        if fire_in {
            sent += 1;
        }
        guard += 1;
        anyhow::ensure!(
            guard < 4 * beats as u64 + 100,
            "the TVP stopped producing results"
        );
    }
    out.truncate(a.len());
    Ok(out)
}

/// The error report of `--report`.
fn report(lanes: usize, threads: Option<usize>) -> anyhow::Result<()> {
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!("approximate functions, all 2^32 float32 inputs, error in ulp against float64:");
    println!(
        "{:6} {:>14} {:>12} {:>16} {:>12}",
        "func", "worst normal", "at input", "worst subnormal", "at input"
    );
    for f in Func::ALL {
        let r = worst_error(f, threads);
        println!(
            "{:6} {:>14.4} {:>#12x} {:>16.4} {:>#12x}",
            f.name(),
            r.worst_normal,
            r.worst_normal_at,
            r.worst_subnormal,
            r.worst_subnormal_at
        );
    }
    println!("composite functions, 100 random rows of 256 values in [-8, 8), {lanes} lanes:");
    println!(
        "{:10} {:>22} {:>16}",
        "function", "max |err| / max|ref|", "max ulp"
    );
    for f in Composite::ALL {
        let (mut rel, mut ulp) = (0.0f64, 0.0f64);
        for seed in 0..100 {
            let e = measure(f, &random_vector(seed, 256, 8.0), lanes);
            rel = rel.max(e.max_rel_to_scale);
            ulp = ulp.max(e.max_ulp);
        }
        println!("{:10} {:>22.3e} {:>16.1}", f.name(), rel, ulp);
    }
    Ok(())
}
