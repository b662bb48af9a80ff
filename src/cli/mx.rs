//! `tessera quantize`, `tessera dequantize` and `tessera gemm`: the MX reference model on `.npy`
//! files (ARCHITECTURE.md sections 2.2, 2.3 and 2.5).
//!
//! Every input is read and checked (dtype, rank, shapes, block size, formats, code ranges) and
//! every output is serialized in memory before the first file is written, so a bad input exits
//! with code 2, a one-line message on stderr, and no output file.
//!
//! The GEMM driver [`run_gemm`] is shared by all engines: it reads and quantizes A and B, hands the
//! MX tensors to a [`GemmEngine`], and writes C. Today the only engine is the reference model;
//! an RTL engine (the TTU under Verilator) implements the same trait.

use anyhow::Context;
use clap::{Args, ValueEnum};
use npyz::WriterBuilder;
use std::path::{Path, PathBuf};
use tessera_model::mx::{self, ElemFormat, MxTensor, ScaleRule};

use super::usage;

/// Arguments of `tessera quantize`.
#[derive(Args, Debug)]
pub struct QuantizeArgs {
    /// Element format: e4m3, e5m2, e2m3, e3m2, e2m1 or int8.
    #[arg(long)]
    pub format: String,
    /// MX block size k (elements sharing one scale along a row).
    #[arg(long, default_value_t = 32)]
    pub block: usize,
    /// Scale rule: floor (OCP) or rceil (round the scale up so nothing saturates).
    #[arg(long, default_value = "floor")]
    pub scale_rule: String,
    /// Input: float32 .npy, shape [rows][cols], cols a multiple of the block size.
    pub input: PathBuf,
    /// Output: element codes, uint8 .npy [rows][cols] (unpacked, one code per byte).
    #[arg(long)]
    pub codes: PathBuf,
    /// Output: E8M0 scale codes, uint8 .npy [rows][cols / block].
    #[arg(long)]
    pub scales: PathBuf,
}

/// Arguments of `tessera dequantize`.
#[derive(Args, Debug)]
pub struct DequantizeArgs {
    /// Element format of the codes.
    #[arg(long)]
    pub format: String,
    /// MX block size k.
    #[arg(long, default_value_t = 32)]
    pub block: usize,
    /// Element codes: uint8 .npy [rows][cols].
    #[arg(long)]
    pub codes: PathBuf,
    /// Scale codes: uint8 .npy [rows][cols / block].
    #[arg(long)]
    pub scales: PathBuf,
    /// Output: float32 .npy [rows][cols] (exact dequantization).
    #[arg(long)]
    pub out: PathBuf,
}

/// Which implementation computes the GEMM.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The bit-exact reference model (tessera_model::mx::gemm), all threads.
    Model,
    /// The TTU's generated Verilog under Verilator (configuration from --preset/--config).
    Rtl,
}

/// Arguments of `tessera gemm`.
#[derive(Args, Debug)]
pub struct GemmArgs {
    /// A: float32 .npy [M][K].
    #[arg(long)]
    pub a: PathBuf,
    /// B: float32 .npy [N][K] (B transposed: K-major like A).
    #[arg(long)]
    pub b: PathBuf,
    /// Element format A is quantized to.
    #[arg(long)]
    pub format_a: String,
    /// Element format B is quantized to.
    #[arg(long)]
    pub format_b: String,
    /// MX block size k (K must be a multiple of it).
    #[arg(long, default_value_t = 32)]
    pub block: usize,
    /// Scale rule used to quantize A and B: floor or rceil.
    #[arg(long, default_value = "floor")]
    pub scale_rule: String,
    /// Optional initial accumulator C0: float32 .npy [M][N] (default +0).
    #[arg(long)]
    pub c0: Option<PathBuf>,
    /// Output: C = C0 + A x B^T, float32 .npy [M][N].
    #[arg(long)]
    pub out: PathBuf,
    /// Engine computing the MX GEMM.
    #[arg(long, value_enum, default_value_t = Engine::Model)]
    pub engine: Engine,
    /// Configuration preset of the TTU for `--engine rtl`: tiny, small, base, large (default base).
    #[arg(long)]
    pub preset: Option<String>,
    /// Configuration TOML file of the TTU for `--engine rtl` (instead of --preset).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// A GEMM implementation: C = C0 + A x B^T on MX tensors, float32 bits [M][N] row-major.
/// The driver has already checked that A and B share K and the block size, and C0's length.
pub trait GemmEngine {
    /// Short name for messages.
    fn name(&self) -> &'static str;
    /// Compute C.
    fn gemm(&self, a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> anyhow::Result<Vec<u32>>;
}

/// The reference model as an engine.
pub struct ModelEngine;

impl GemmEngine for ModelEngine {
    fn name(&self) -> &'static str {
        "model"
    }
    fn gemm(&self, a: &MxTensor, b: &MxTensor, c0: Option<&[u32]>) -> anyhow::Result<Vec<u32>> {
        Ok(mx::gemm(a, b, c0)?)
    }
}

/// A row-major matrix read from a .npy file.
pub struct Matrix<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

pub(crate) fn parse_format(s: &str, flag: &str) -> anyhow::Result<ElemFormat> {
    ElemFormat::parse(s).or_else(|e| usage(format!("{flag}: {e}")))
}

pub(crate) fn parse_rule(s: &str) -> anyhow::Result<ScaleRule> {
    ScaleRule::parse(s).or_else(|e| usage(format!("--scale-rule: {e}")))
}

fn check_block(block: usize) -> anyhow::Result<()> {
    if !(1..=1024).contains(&block) {
        return usage(format!(
            "--block must be between 1 and 1024 (the hardware uses 8, 16 or 32), got {block}"
        ));
    }
    Ok(())
}

/// Read a 2-D .npy file of element type `T`, named `what` in messages. `dtype_ok` says whether
/// the file's type string fits, `want` describes it ("float32").
fn read_matrix<T: npyz::Deserialize + Copy>(
    path: &Path,
    what: &str,
    want: &str,
    dtype_ok: impl Fn(&npyz::TypeStr) -> bool,
) -> anyhow::Result<Matrix<T>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return usage(format!("cannot read {what} '{}': {e}", path.display())),
    };
    let npy = match npyz::NpyFile::new(&bytes[..]) {
        Ok(n) => n,
        Err(e) => {
            return usage(format!(
                "{what} '{}' is not a valid .npy file: {e}",
                path.display()
            ))
        }
    };
    let dtype = npy.dtype();
    let type_ok = matches!(&dtype, npyz::DType::Plain(ts) if dtype_ok(ts));
    if !type_ok {
        return usage(format!(
            "{what} '{}' has dtype {}, expected {want}",
            path.display(),
            dtype.descr().trim()
        ));
    }
    let shape = npy.shape().to_vec();
    if shape.len() != 2 {
        return usage(format!(
            "{what} '{}' has rank {} (shape {shape:?}), expected a 2-D array",
            path.display(),
            shape.len()
        ));
    }
    let (rows, cols) = (shape[0] as usize, shape[1] as usize);
    let fortran = npy.order() == npyz::Order::Fortran;
    let raw: Vec<T> = match npy.into_vec::<T>() {
        Ok(v) => v,
        Err(e) => {
            return usage(format!(
                "cannot read the data of {what} '{}': {e}",
                path.display()
            ))
        }
    };
    let data = if fortran {
        // Column-major on disk: transpose to row-major.
        let mut d = Vec::with_capacity(raw.len());
        for r in 0..rows {
            for c in 0..cols {
                d.push(raw[c * rows + r]);
            }
        }
        d
    } else {
        raw
    };
    Ok(Matrix { rows, cols, data })
}

fn is_f32(ts: &npyz::TypeStr) -> bool {
    ts.type_char() == npyz::TypeChar::Float && ts.size_field() == 4
}

fn is_u8(ts: &npyz::TypeStr) -> bool {
    ts.type_char() == npyz::TypeChar::Uint && ts.size_field() == 1
}

fn is_u16(ts: &npyz::TypeStr) -> bool {
    ts.type_char() == npyz::TypeChar::Uint && ts.size_field() == 2
}

/// Read a float32 [rows][cols] .npy file.
pub fn read_f32(path: &Path, what: &str) -> anyhow::Result<Matrix<f32>> {
    read_matrix(path, what, "float32 (<f4)", is_f32)
}

/// Read a uint8 [rows][cols] .npy file.
pub fn read_u8(path: &Path, what: &str) -> anyhow::Result<Matrix<u8>> {
    read_matrix(path, what, "uint8 (|u1)", is_u8)
}

/// Read a uint16 [rows][cols] .npy file (bfloat16 codes).
pub fn read_u16(path: &Path, what: &str) -> anyhow::Result<Matrix<u16>> {
    read_matrix(path, what, "uint16 (<u2)", is_u16)
}

/// Serialize a 2-D array to .npy bytes (C order, little-endian).
pub(crate) fn npy_bytes<T: npyz::AutoSerialize + Copy>(
    rows: usize,
    cols: usize,
    data: &[T],
) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(&mut buf)
        .begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()?;
    Ok(buf)
}

/// Check every output can be created (its folder exists), then write them all.
pub(crate) fn write_outputs(outputs: &[(&Path, Vec<u8>)]) -> anyhow::Result<()> {
    for (path, _) in outputs {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return usage(format!(
                    "cannot write '{}': folder '{}' does not exist",
                    path.display(),
                    dir.display()
                ));
            }
        }
    }
    for (path, bytes) in outputs {
        std::fs::write(path, bytes).with_context(|| format!("writing '{}'", path.display()))?;
    }
    Ok(())
}

pub(crate) fn check_multiple(cols: usize, block: usize, what: &str) -> anyhow::Result<()> {
    if !cols.is_multiple_of(block) {
        return usage(format!(
            "{what} has {cols} columns, not a multiple of the block size {block} (pick --block that divides it)"
        ));
    }
    Ok(())
}

/// Round-trip error statistics over the elements whose input and dequantized value are finite.
struct Stats {
    sqnr_db: f64,
    max_abs_err: f64,
    nonfinite: usize,
}

fn stats(x: &[f32], y: &[f32]) -> Stats {
    let (mut sig, mut noise, mut max_abs_err, mut nonfinite) = (0f64, 0f64, 0f64, 0usize);
    for (&a, &b) in x.iter().zip(y) {
        if !a.is_finite() || !b.is_finite() {
            nonfinite += 1;
            continue;
        }
        let (a, b) = (a as f64, b as f64);
        sig += a * a;
        noise += (a - b) * (a - b);
        max_abs_err = max_abs_err.max((a - b).abs());
    }
    let sqnr_db = if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (sig / noise).log10()
    };
    Stats {
        sqnr_db,
        max_abs_err,
        nonfinite,
    }
}

/// `tessera quantize`.
pub fn run_quantize(args: QuantizeArgs) -> anyhow::Result<()> {
    let fmt = parse_format(&args.format, "--format")?;
    let rule = parse_rule(&args.scale_rule)?;
    check_block(args.block)?;
    let x = read_f32(&args.input, "input")?;
    check_multiple(x.cols, args.block, "input")?;
    let t = MxTensor::quantize(fmt, args.block, rule, x.rows, x.cols, &x.data)
        .or_else(|e| usage(e.to_string()))?;
    let codes = npy_bytes(t.rows, t.cols, &t.codes)?;
    let scales = npy_bytes(t.rows, t.blocks_per_row(), &t.scales)?;
    write_outputs(&[(&args.codes, codes), (&args.scales, scales)])?;
    let s = stats(&x.data, &t.dequantize());
    let nan_blocks = t.scales.iter().filter(|&&c| c == 0xFF).count();
    println!(
        "quantized {}x{} float32 to {fmt} (k={}, {}): {} blocks ({nan_blocks} NaN), SQNR {:.2} dB, max abs error {:e}{}",
        t.rows,
        t.cols,
        t.block,
        rule.name(),
        t.scales.len(),
        s.sqnr_db,
        s.max_abs_err,
        if s.nonfinite > 0 {
            format!(" ({} non-finite elements left out)", s.nonfinite)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// `tessera dequantize`.
pub fn run_dequantize(args: DequantizeArgs) -> anyhow::Result<()> {
    let fmt = parse_format(&args.format, "--format")?;
    check_block(args.block)?;
    let codes = read_u8(&args.codes, "codes")?;
    let scales = read_u8(&args.scales, "scales")?;
    check_multiple(codes.cols, args.block, "codes")?;
    let want = (codes.rows, codes.cols / args.block);
    if (scales.rows, scales.cols) != want {
        return usage(format!(
            "scales has shape [{}][{}], expected [{}][{}] for codes [{}][{}] with block {}",
            scales.rows, scales.cols, want.0, want.1, codes.rows, codes.cols, args.block
        ));
    }
    let t = MxTensor::new(
        fmt,
        args.block,
        codes.rows,
        codes.cols,
        codes.data,
        scales.data,
    )
    .or_else(|e| usage(format!("codes: {e}")))?;
    let out = npy_bytes(t.rows, t.cols, &t.dequantize())?;
    write_outputs(&[(&args.out, out)])?;
    println!(
        "dequantized {}x{} {fmt} codes (k={}) to float32",
        t.rows, t.cols, t.block
    );
    Ok(())
}

/// `tessera gemm` with the engine chosen on the command line.
pub fn run_gemm_cmd(args: GemmArgs) -> anyhow::Result<()> {
    let rtl;
    let engine: &dyn GemmEngine = match args.engine {
        Engine::Model => &ModelEngine,
        Engine::Rtl => {
            let cfg = super::load_config(args.preset.as_deref(), args.config.as_deref())?;
            rtl = super::gemm_rtl::RtlEngine::new(cfg)?;
            &rtl
        }
    };
    run_gemm(&args, engine)
}

/// The GEMM driver shared by every engine: read and check A, B (and C0), quantize A and B, let
/// `engine` multiply, write C.
pub fn run_gemm(args: &GemmArgs, engine: &dyn GemmEngine) -> anyhow::Result<()> {
    let fa = parse_format(&args.format_a, "--format-a")?;
    let fb = parse_format(&args.format_b, "--format-b")?;
    let rule = parse_rule(&args.scale_rule)?;
    check_block(args.block)?;
    let a = read_f32(&args.a, "A")?;
    let b = read_f32(&args.b, "B")?;
    if a.cols != b.cols {
        return usage(format!(
            "A is [{}][{}] and B is [{}][{}]: both must have K columns (B is stored transposed, [N][K])",
            a.rows, a.cols, b.rows, b.cols
        ));
    }
    check_multiple(a.cols, args.block, "A (K)")?;
    let c0 = match &args.c0 {
        Some(p) => {
            let c = read_f32(p, "C0")?;
            if (c.rows, c.cols) != (a.rows, b.rows) {
                return usage(format!(
                    "C0 has shape [{}][{}], expected [M][N] = [{}][{}]",
                    c.rows, c.cols, a.rows, b.rows
                ));
            }
            Some(c.data.iter().map(|v| v.to_bits()).collect::<Vec<u32>>())
        }
        None => None,
    };
    let qa = MxTensor::quantize(fa, args.block, rule, a.rows, a.cols, &a.data)
        .or_else(|e| usage(format!("A: {e}")))?;
    let qb = MxTensor::quantize(fb, args.block, rule, b.rows, b.cols, &b.data)
        .or_else(|e| usage(format!("B: {e}")))?;
    let c = engine
        .gemm(&qa, &qb, c0.as_deref())
        .with_context(|| format!("engine '{}'", engine.name()))?;
    let cf: Vec<f32> = c.into_iter().map(f32::from_bits).collect();
    let out = npy_bytes(a.rows, b.rows, &cf)?;
    write_outputs(&[(&args.out, out)])?;
    println!(
        "C[{}][{}] = C0 + A x B^T with A {fa}, B {fb}, k={}, K={} ({} engine)",
        a.rows,
        b.rows,
        args.block,
        a.cols,
        engine.name()
    );
    Ok(())
}
