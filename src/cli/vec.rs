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
use tessera_model::tvp::composite::{measure, random_vector, Composite, ModelExec, TvpExec};
use tessera_model::tvp::reduce::{self, Red};
use tessera_model::tvp::Op;
use tessera_testbench::{bits, Sim, SimBuilder};

#[derive(Args)]
pub struct VecArgs {
    /// Operation: add sub mul min max relu cmplt cmple cmpeq select muls exp2 recip rsqrt,
    /// a reduction over each row: sum rmax (output [rows, 1]),
    /// or a composite on each row: softmax rmsnorm layernorm gelu silu.
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
    let rows = |cols: usize| xb.chunks(cols.max(1)).collect::<Vec<_>>();
    let mut model = ModelExec { lanes };
    let mut rtl = if a.engine == "rtl" {
        Some(RtlExec::new(cfg.tvp.lanes)?)
    } else {
        None
    };
    let (result, out_cols): (Vec<u32>, usize) = if let Some(c) = Composite::parse(op_name) {
        let mut r = Vec::with_capacity(xb.len());
        for row in rows(x.cols) {
            match rtl.as_mut() {
                Some(e) => r.extend(c.run_on(e, row)?),
                None => r.extend(c.run_on(&mut model, row).unwrap()),
            }
        }
        (r, x.cols)
    } else if let Some(red) = Red::parse(op_name).filter(|r| *r != Red::Scale) {
        let mut r = Vec::with_capacity(x.rows);
        for row in rows(x.cols) {
            r.push(match rtl.as_mut() {
                Some(e) => e.reduce(red, row, 0)?,
                None => model.reduce(red, row, 0).unwrap(),
            });
        }
        (r, 1)
    } else if let Some(op) = Op::parse(op_name).filter(|o| o.code() < Op::ToBf16.code()) {
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
        let r = match rtl.as_mut() {
            Some(e) => e.op(op, &xb, &b, &c, s)?,
            None => model.op(op, &xb, &b, &c, s).unwrap(),
        };
        (r, x.cols)
    } else {
        return usage(format!(
            "unknown --op '{op_name}'; allowed: {}, sum, rmax, softmax, rmsnorm, layernorm, gelu, silu \
             (bfloat16/MX conversions are tested on the RTL but not on the command line yet)",
            Op::ALL[..Op::ToBf16.code() as usize]
                .iter()
                .map(|o| o.name())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if let Some(e) = &rtl {
        eprintln!(
            "rtl: {} beats in {} cycles on the {lanes}-lane TVP",
            e.beats, e.cycles
        );
    }
    let values: Vec<f32> = result.iter().map(|&b| f32::from_bits(b)).collect();
    write_outputs(&[(out.as_path(), npy_bytes(x.rows, out_cols, &values)?)])?;
    println!(
        "vec: {op_name} on [{}, {}] ({} engine) -> {} [{}, {out_cols}]",
        x.rows,
        x.cols,
        a.engine,
        out.display(),
        x.rows
    );
    Ok(())
}

/// The TVP's Verilog under Verilator as a [`TvpExec`]: vectors stream through the L lanes in
/// beats (a short last beat padded), results are collected in order.
pub struct RtlExec {
    sim: Sim,
    lanes: usize,
    /// Beats sent and cycles run, for the summary line.
    pub beats: u64,
    pub cycles: u64,
}

impl RtlExec {
    /// Emit the TVP for `lanes`, build it with Verilator (cached) and reset it.
    pub fn new(lanes: u32) -> anyhow::Result<Self> {
        let verilog = tessera_hdl::tvp::top::emit_named("tvp", lanes)?;
        let model = SimBuilder::new("tvp")
            .source("tvp.v", verilog)
            .build_model()?;
        let mut sim: Sim = model.instantiate(None)?;
        let rst = sim.port("reset");
        sim.reset(rst, 2);
        Ok(RtlExec {
            sim,
            lanes: lanes as usize,
            beats: 0,
            cycles: 0,
        })
    }

    /// Stream `n` beats (`lane_words(j)` gives beat j's a, b, c; `last` marks the final beat of
    /// a reduction) with opcode `code` and scalar `s`; returns the result beats' lanes.
    fn stream(
        &mut self,
        code: u8,
        reduction: bool,
        n: usize,
        s: u32,
        words: impl Fn(usize) -> [Vec<u32>; 3],
    ) -> anyhow::Result<Vec<Vec<u32>>> {
        let sim = &mut self.sim;
        let p = |sim: &Sim, n: &str| sim.port(n);
        let (in_valid, in_ready, out_valid, out_ready) = (
            p(sim, "in_valid"),
            p(sim, "in_ready"),
            p(sim, "out_valid"),
            p(sim, "out_ready"),
        );
        let (in_op, in_last, in_a, in_b, in_c, in_s, out_z) = (
            p(sim, "in_op"),
            p(sim, "in_last"),
            p(sim, "in_a"),
            p(sim, "in_b"),
            p(sim, "in_c"),
            p(sim, "in_s"),
            p(sim, "out_z"),
        );
        let expect = if reduction { 1 } else { n };
        let mut out = Vec::with_capacity(expect);
        let mut sent = 0;
        sim.set(out_ready, 1);
        sim.set(in_op, code as u64);
        sim.set(in_s, s as u64);
        let mut guard = 0u64;
        while out.len() < expect {
            if sent < n {
                let [a, b, c] = words(sent);
                sim.set(in_valid, 1);
                sim.set(in_last, (reduction && sent + 1 == n) as u64);
                sim.set_wide(in_a, &a);
                sim.set_wide(in_b, &b);
                sim.set_wide(in_c, &c);
            } else {
                sim.set(in_valid, 0);
            }
            sim.eval();
            let fire_in = sent < n && sim.get(in_ready) == 1;
            if sim.get(out_valid) == 1 {
                out.push(bits::truncate(&sim.get_wide(out_z), 32 * self.lanes as u32));
            }
            sim.step();
            if fire_in {
                sent += 1;
            }
            guard += 1;
            anyhow::ensure!(
                guard < 4 * n as u64 + 100,
                "the TVP stopped producing results ({} of {expect} after {guard} cycles)",
                out.len()
            );
        }
        self.beats += n as u64;
        self.cycles += guard;
        Ok(out)
    }
}

impl TvpExec for RtlExec {
    type Error = anyhow::Error;

    fn op(&mut self, op: Op, a: &[u32], b: &[u32], c: &[u32], s: u32) -> anyhow::Result<Vec<u32>> {
        let l = self.lanes;
        let lane_words = move |v: &[u32], j: usize| -> Vec<u32> {
            (0..l)
                .map(|i| v.get(j * l + i).copied().unwrap_or(0))
                .collect()
        };
        let beats = a.len().div_ceil(l);
        let res = self.stream(op.code(), false, beats, s, |j| {
            [lane_words(a, j), lane_words(b, j), lane_words(c, j)]
        })?;
        let mut out: Vec<u32> = res.into_iter().flatten().collect();
        out.truncate(a.len());
        Ok(out)
    }

    fn reduce(&mut self, red: Red, x: &[u32], s: u32) -> anyhow::Result<u32> {
        let beats = reduce::beats(x, self.lanes, red.pad());
        if beats.is_empty() {
            return Ok(red.run(x, self.lanes, s));
        }
        let zero = vec![0u32; self.lanes];
        let res = self.stream(red.code(), true, beats.len(), s, |j| {
            [beats[j].clone(), zero.clone(), zero.clone()]
        })?;
        Ok(res[0][0])
    }
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
