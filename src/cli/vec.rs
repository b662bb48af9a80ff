//! `tessera vec`: one TVP operation, conversion or composite function on .npy files, on the
//! reference model or on the TVP's Verilog under Verilator; `tessera vec --report` measures the
//! approximate functions exhaustively and the composites on random data.
//!
//! Inputs are 2-D arrays; elementwise operations need equal shapes; reductions and composite
//! functions (softmax, rmsnorm, layernorm, gelu, silu) work on each row. The conversions read and
//! write the files of `tessera quantize`/`dequantize` (ARCHITECTURE.md 2.5): bfloat16 codes as
//! uint16, MX element codes as uint8 [rows][cols] (one code per byte) and E8M0 scales as uint8
//! [rows][cols / k], with k (`ttu.block`) and the formats from the configuration. Bad input exits
//! with code 2 and writes nothing.

use super::mx::{
    check_multiple, npy_bytes, parse_format, parse_rule, read_f32, read_u16, read_u8,
    write_outputs, Matrix,
};
use super::usage;
use clap::Args;
use std::path::{Path, PathBuf};
use tessera_model::config::Config;
use tessera_model::mx::{MxTensor, ScaleRule};
use tessera_model::tvp::approx::{worst_error, Func};
use tessera_model::tvp::composite::{measure, random_vector, Composite, ModelExec, TvpExec};
use tessera_model::tvp::convert::format_index;
use tessera_model::tvp::reduce::Red;
use tessera_model::tvp::Op;
use tessera_testbench::{bits, Sim, SimBuilder};

#[derive(Args)]
pub struct VecArgs {
    /// Operation: add sub mul min max relu cmplt cmple cmpeq select muls exp2 recip rsqrt,
    /// a reduction over each row: sum rmax (output [rows, 1]),
    /// a composite on each row: softmax rmsnorm layernorm gelu silu,
    /// or a conversion: tobf16 frombf16 mxenc mxdec scale.
    #[arg(long)]
    op: Option<String>,
    /// First operand (2-D .npy): float32; uint16 bfloat16 codes for frombf16; uint8 element
    /// codes for mxdec.
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
    /// Output file: float32 .npy; uint16 for tobf16; uint8 element codes for mxenc, uint8 E8M0
    /// scales [rows, cols / k] for scale.
    #[arg(long)]
    out: Option<PathBuf>,
    /// E8M0 scales, uint8 .npy [rows, cols / k]: written by mxenc, read by mxdec.
    #[arg(long)]
    scales: Option<PathBuf>,
    /// MX element format for mxenc, mxdec, scale: e4m3 e5m2 e2m3 e3m2 e2m1 int8 (one the
    /// configuration enables, `ttu.formats`).
    #[arg(long)]
    format: Option<String>,
    /// MX scale rule for mxenc and scale: floor (OCP) or rceil.
    #[arg(long, default_value = "floor")]
    scale_rule: String,
    /// MX block size k; must be the configuration's `ttu.block` (the default).
    #[arg(long)]
    block: Option<usize>,
    /// `model` (reference model) or `rtl` (the TVP's Verilog under Verilator).
    #[arg(long, default_value = "model")]
    engine: String,
    /// Configuration preset (sets the lane count L, the reduction order, k and the formats).
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

/// The conversions, by command-line name.
const CONVERSIONS: [&str; 5] = ["tobf16", "frombf16", "mxenc", "mxdec", "scale"];

/// The engine chosen with `--engine`, built only once every input has been checked.
enum Engine {
    Model(ModelExec),
    Rtl(Box<RtlExec>),
}

impl Engine {
    fn new(name: &str, lanes: u32) -> anyhow::Result<Engine> {
        Ok(if name == "rtl" {
            Engine::Rtl(Box::new(RtlExec::new(lanes)?))
        } else {
            Engine::Model(ModelExec {
                lanes: lanes as usize,
            })
        })
    }

    /// Beats and cycles on the RTL, for the summary line.
    fn report_cycles(&self) {
        if let Engine::Rtl(e) = self {
            eprintln!(
                "rtl: {} beats in {} cycles on the {}-lane TVP",
                e.beats, e.cycles, e.lanes
            );
        }
    }
}

impl TvpExec for Engine {
    type Error = anyhow::Error;

    fn op(&mut self, op: Op, a: &[u32], b: &[u32], c: &[u32], s: u32) -> anyhow::Result<Vec<u32>> {
        match self {
            Engine::Model(m) => Ok(m.op(op, a, b, c, s).unwrap_or_else(|e| match e {})),
            Engine::Rtl(r) => r.op(op, a, b, c, s),
        }
    }

    fn reduce(&mut self, red: Red, x: &[u32], s: u32) -> anyhow::Result<u32> {
        match self {
            Engine::Model(m) => Ok(m.reduce(red, x, s).unwrap_or_else(|e| match e {})),
            Engine::Rtl(r) => r.reduce(red, x, s),
        }
    }
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
    if CONVERSIONS.contains(&op_name) {
        return convert(&a, &cfg, op_name, inp, out);
    }
    reject_mx_flags(&a, op_name)?;
    let x = read_f32(inp, "--in")?;
    let xb: Vec<u32> = x.data.iter().map(|v| v.to_bits()).collect();
    let rows = |cols: usize| xb.chunks(cols.max(1)).collect::<Vec<_>>();
    let (result, out_cols, eng): (Vec<u32>, usize, Engine) = if let Some(c) =
        Composite::parse(op_name)
    {
        let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
        let mut r = Vec::with_capacity(xb.len());
        for row in rows(x.cols) {
            r.extend(c.run_on(&mut eng, row)?);
        }
        (r, x.cols, eng)
    } else if let Some(red) = Red::parse(op_name).filter(|r| *r != Red::Scale) {
        let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
        let mut r = Vec::with_capacity(x.rows);
        for row in rows(x.cols) {
            r.push(eng.reduce(red, row, 0)?);
        }
        (r, 1, eng)
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
        let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
        let r = eng.op(op, &xb, &b, &c, s)?;
        (r, x.cols, eng)
    } else {
        return usage(format!(
            "unknown --op '{op_name}'; allowed: {}, sum, rmax, softmax, rmsnorm, layernorm, gelu, silu, {}",
            Op::ALL[..Op::ToBf16.code() as usize]
                .iter()
                .map(|o| o.name())
                .collect::<Vec<_>>()
                .join(", "),
            CONVERSIONS.join(", ")
        ));
    };
    eng.report_cycles();
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

/// The MX format, scale rule and block size of an MX conversion, checked against the
/// configuration.
fn mx_params(
    a: &VecArgs,
    cfg: &Config,
    op: &str,
) -> anyhow::Result<(tessera_model::config::ElemFormat, ScaleRule, usize)> {
    let Some(f) = a.format.as_deref() else {
        return usage(format!(
            "--op {op} needs --format (one of {})",
            format_list(cfg)
        ));
    };
    let fmt = parse_format(f, "--format")?;
    if !cfg.has_format(fmt) {
        return usage(format!(
            "--format {f}: the '{}' configuration does not enable {fmt} (ttu.formats: {}); \
             pick one of those or another preset",
            cfg.name,
            format_list(cfg)
        ));
    }
    let rule = parse_rule(&a.scale_rule)?;
    let k = cfg.ttu.block as usize;
    if let Some(b) = a.block.filter(|&b| b != k) {
        return usage(format!(
            "--block {b}: the '{}' configuration's MX block size is k = {k} (ttu.block); \
             leave --block out or choose a configuration with k = {b}",
            cfg.name
        ));
    }
    Ok((fmt, rule, k))
}

/// `--format`, `--scales` and `--block` belong to the MX conversions only: refuse them elsewhere.
fn reject_mx_flags(a: &VecArgs, op: &str) -> anyhow::Result<()> {
    for (given, flag) in [
        (a.format.is_some(), "--format"),
        (a.scales.is_some(), "--scales"),
        (a.block.is_some(), "--block"),
    ] {
        if given {
            return usage(format!(
                "{flag} is for the MX conversions (mxenc, mxdec, scale), not --op {op}"
            ));
        }
    }
    Ok(())
}

fn format_list(cfg: &Config) -> String {
    cfg.ttu
        .formats
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `tobf16`, `frombf16`, `mxenc`, `mxdec` and `scale`: every input is read and checked before the
/// engine is built, every output serialized before the first file is written.
fn convert(a: &VecArgs, cfg: &Config, op: &str, inp: &Path, out: &Path) -> anyhow::Result<()> {
    let is_mx = matches!(op, "mxenc" | "mxdec" | "scale");
    let mx = if is_mx {
        Some(mx_params(a, cfg, op)?)
    } else {
        reject_mx_flags(a, op)?;
        None
    };
    for (given, flag) in [
        (a.input2.is_some(), "--in2"),
        (a.cond.is_some(), "--cond"),
        (a.scalar.is_some(), "--scalar"),
    ] {
        if given {
            return usage(format!("--op {op} does not take {flag}"));
        }
    }
    let scales_path = match (op, a.scales.as_deref()) {
        ("mxenc" | "mxdec", Some(p)) => Some(p),
        ("mxenc", None) => {
            return usage("--op mxenc needs --scales S.npy (the E8M0 scales it writes)")
        }
        ("mxdec", None) => {
            return usage("--op mxdec needs --scales S.npy (the E8M0 scales of --in)")
        }
        ("scale", Some(_)) => {
            return usage(
                "--op scale writes its E8M0 scales to --out; --scales is for mxenc and mxdec",
            )
        }
        _ => None,
    };
    let u32s = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
    let (rows, cols, outputs, eng) = match (op, mx) {
        ("tobf16", _) => {
            let x = read_f32(inp, "--in")?;
            let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
            let r = eng.op(Op::ToBf16, &u32s(&x.data), &[], &[], 0)?;
            anyhow::ensure!(
                r.iter().all(|&v| v >> 16 == 0),
                "tobf16 gave a lane with bits 31..16 set"
            );
            let h: Vec<u16> = r.iter().map(|&v| v as u16).collect();
            let bytes = npy_bytes(x.rows, x.cols, &h)?;
            (x.rows, x.cols, vec![(out, bytes)], eng)
        }
        ("frombf16", _) => {
            let h = read_u16(inp, "--in")?;
            let codes: Vec<u32> = h.data.iter().map(|&c| c as u32).collect();
            let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
            let r = eng.op(Op::FromBf16, &codes, &[], &[], 0)?;
            let f: Vec<f32> = r.into_iter().map(f32::from_bits).collect();
            let bytes = npy_bytes(h.rows, h.cols, &f)?;
            (h.rows, h.cols, vec![(out, bytes)], eng)
        }
        ("mxenc" | "scale", Some((fmt, rule, k))) => {
            let x = read_f32(inp, "--in")?;
            check_multiple(x.cols, k, "--in")?;
            let xb = u32s(&x.data);
            let s = format_index(fmt) | ((rule == ScaleRule::Rceil) as u32) << 3;
            let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
            // Two passes per block (ARCHITECTURE.md 2.2 needs amax first): the `scale`
            // reduction over the block's k values, then `mxenc` with its word as the scalar.
            let mut scales = Vec::with_capacity(xb.len() / k);
            let mut codes = Vec::with_capacity(xb.len());
            for blk in xb.chunks(k) {
                let word = eng.reduce(Red::Scale, blk, s)?;
                scales.push((word >> 8) as u8);
                if op == "mxenc" {
                    let c = eng.op(Op::MxEncode, blk, &[], &[], word)?;
                    codes.extend(c.iter().map(|&v| v as u8));
                }
            }
            let sbytes = npy_bytes(x.rows, x.cols / k, &scales)?;
            let outputs = if op == "mxenc" {
                let sp = scales_path.expect("checked above");
                vec![(out, npy_bytes(x.rows, x.cols, &codes)?), (sp, sbytes)]
            } else {
                vec![(out, sbytes)]
            };
            (x.rows, x.cols, outputs, eng)
        }
        ("mxdec", Some((fmt, _, k))) => {
            let c = read_u8(inp, "--in")?;
            let sp = scales_path.expect("checked above");
            let sc = read_u8(sp, "--scales")?;
            check_multiple(c.cols, k, "--in")?;
            if (sc.rows, sc.cols) != (c.rows, c.cols / k) {
                return usage(format!(
                    "--scales has shape [{}, {}], expected [{}, {}] for codes [{}, {}] with k = {k}",
                    sc.rows,
                    sc.cols,
                    c.rows,
                    c.cols / k,
                    c.rows,
                    c.cols
                ));
            }
            // The model's tensor checks the code range of the format.
            let t = MxTensor::new(fmt, k, c.rows, c.cols, c.data, sc.data)
                .or_else(|e| usage(format!("--in: {e}")))?;
            let codes: Vec<u32> = t.codes.iter().map(|&v| v as u32).collect();
            // Each lane carries its element's scale code in `b`.
            let per_elem: Vec<u32> = (0..codes.len()).map(|i| t.scales[i / k] as u32).collect();
            let mut eng = Engine::new(&a.engine, cfg.tvp.lanes)?;
            let r = eng.op(Op::MxDecode, &codes, &per_elem, &[], format_index(fmt))?;
            let f: Vec<f32> = r.into_iter().map(f32::from_bits).collect();
            let bytes = npy_bytes(t.rows, t.cols, &f)?;
            (t.rows, t.cols, vec![(out, bytes)], eng)
        }
        _ => unreachable!("convert() is called for the conversions only"),
    };
    eng.report_cycles();
    let names: Vec<String> = outputs
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    write_outputs(&outputs)?;
    let detail = match mx {
        Some((fmt, _, k)) if op == "mxdec" => format!(", {fmt}, k = {k}"),
        Some((fmt, rule, k)) => format!(", {fmt}, k = {k}, {}", rule.name()),
        None => String::new(),
    };
    println!(
        "vec: {op} on [{rows}, {cols}] ({} engine{detail}) -> {}",
        a.engine,
        names.join(", ")
    );
    Ok(())
}

/// The TVP's Verilog under Verilator as a [`TvpExec`]: vectors stream through the L lanes in
/// beats, results are collected in order. A reduction's short last beat marks its missing lanes
/// in `in_pad` (the TVP substitutes the identity); an elementwise op's short last beat carries
/// zeros whose results are dropped.
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
    /// a reduction, which carries the lane mask `pad_last` on `in_pad`) with opcode `code` and
    /// scalar `s`; returns the result beats' lanes.
    fn stream(
        &mut self,
        code: u8,
        reduction: bool,
        n: usize,
        s: u32,
        pad_last: u64,
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
        let (in_op, in_last, in_pad, in_a, in_b, in_c, in_s, out_z) = (
            p(sim, "in_op"),
            p(sim, "in_last"),
            p(sim, "in_pad"),
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
                let last = reduction && sent + 1 == n;
                sim.set(in_last, last as u64);
                sim.set(in_pad, if last { pad_last } else { 0 });
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
        let res = self.stream(op.code(), false, beats, s, 0, |j| {
            [lane_words(a, j), lane_words(b, j), lane_words(c, j)]
        })?;
        let mut out: Vec<u32> = res.into_iter().flatten().collect();
        out.truncate(a.len());
        Ok(out)
    }

    fn reduce(&mut self, red: Red, x: &[u32], s: u32) -> anyhow::Result<u32> {
        let l = self.lanes;
        if x.is_empty() {
            // No beat to send: the identity (-0, -Inf), as the model defines it.
            return Ok(red.run(x, l, s));
        }
        let n = x.len().div_ceil(l);
        // Lanes past the end of the last beat (data 0, ignored by the TVP).
        let filled = x.len() - (n - 1) * l;
        let pad_last = ((1u128 << l) - (1u128 << filled)) as u64;
        let zero = vec![0u32; l];
        let res = self.stream(red.code(), true, n, s, pad_last, |j| {
            let a = (0..l)
                .map(|i| x.get(j * l + i).copied().unwrap_or(0))
                .collect();
            [a, zero.clone(), zero.clone()]
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
