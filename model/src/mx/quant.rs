//! The quantizer (ARCHITECTURE.md section 2.2), exact dequantization, and MX tensors.
//!
//! A block of k float32 values becomes one E8M0 scale code and k element codes:
//! 1. any NaN or Inf input: scale 0xFF, element codes 0;
//! 2. amax = max |x_i| == 0: scale 0, element codes +0;
//! 3. e = floor(log2(amax)) from the float32 bits (subnormals included, never a float log2);
//! 4. s = clamp(e - emax_elem, -127, 127) (`floor`, OCP), or for `rceil` the smallest s with
//!    amax <= max_elem x 2^s, clamped the same way; scale code = s + 127;
//! 5. element i = RNE(x_i x 2^-s) from the exact value, saturating to +-max.

use super::format::{decode, decode_scale, encode_exact, info, Elem, ElemFormat, SCALE_NAN};
use super::mac::{f32_parts, round_to_f32, F32_NAN};

/// How the shared scale is chosen (section 2.2 step 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScaleRule {
    /// OCP rule: s = floor(log2(amax)) - emax_elem. Values above max_elem x 2^s saturate.
    #[default]
    Floor,
    /// Round the scale up so that amax <= max_elem x 2^s: nothing saturates (unless clamped).
    Rceil,
}

impl ScaleRule {
    /// Name as on the command line and in the vectors.
    pub fn name(self) -> &'static str {
        match self {
            ScaleRule::Floor => "floor",
            ScaleRule::Rceil => "rceil",
        }
    }

    /// Parse `floor` or `rceil`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "floor" => Ok(ScaleRule::Floor),
            "rceil" => Ok(ScaleRule::Rceil),
            _ => Err(format!("unknown scale rule '{s}'; allowed: floor, rceil")),
        }
    }
}

/// Quantize one block of float32 values (given as bits) into `codes` (same length); returns the
/// E8M0 scale code.
pub fn quantize_block_bits(fmt: ElemFormat, rule: ScaleRule, x: &[u32], codes: &mut [u8]) -> u8 {
    assert_eq!(
        x.len(),
        codes.len(),
        "quantize_block: output length differs from input"
    );
    if x.iter().any(|&b| b & 0x7F80_0000 == 0x7F80_0000) {
        codes.fill(0);
        return SCALE_NAN;
    }
    // |x| compares like its bit pattern for finite float32 values.
    let amax = x.iter().map(|&b| b & 0x7FFF_FFFF).max().unwrap_or(0);
    if amax == 0 {
        codes.fill(0);
        return 0;
    }
    let fi = info(fmt);
    let (_, amag, aexp) = f32_parts(amax);
    let e = aexp + (128 - amag.leading_zeros() as i32) - 1; // floor(log2(amax)), exact
    let mut s = e - fi.emax_elem;
    if rule == ScaleRule::Rceil {
        // Is amax > max_units x 2^(lsb + s)? Compare amag x 2^(aexp - lsb - s) with max_units.
        let t = aexp - fi.lsb_exp - s;
        let above = if t >= 0 {
            (amag << t) > fi.max_units as u128
        } else {
            amag > (fi.max_units as u128) << (-t)
        };
        if above {
            s += 1;
        }
    }
    let s = s.clamp(-127, 127);
    for (c, &b) in codes.iter_mut().zip(x) {
        let (neg, mag, exp) = f32_parts(b);
        *c = encode_exact(fmt, neg, mag, exp - s);
    }
    (s + 127) as u8
}

/// Quantize one block of float32 values; returns (scale code, element codes).
pub fn quantize_block(fmt: ElemFormat, rule: ScaleRule, x: &[f32]) -> (u8, Vec<u8>) {
    let bits: Vec<u32> = x.iter().map(|v| v.to_bits()).collect();
    let mut codes = vec![0u8; x.len()];
    let s = quantize_block_bits(fmt, rule, &bits, &mut codes);
    (s, codes)
}

/// Exact dequantization of one element: code x 2^(scale - 127) as float32 bits. Exact whenever
/// the product is a float32 (always, except above float32's range, which gives +-Inf); a NaN
/// scale or NaN element gives 0x7FC00000; an Inf element gives Inf; -0 stays -0.
pub fn dequantize_elem(fmt: ElemFormat, scale: u8, code: u8) -> u32 {
    let Some(s) = decode_scale(scale) else {
        return F32_NAN;
    };
    match decode(fmt, code) {
        Elem::NaN => F32_NAN,
        Elem::Inf { negative } => 0x7F80_0000 | ((negative as u32) << 31),
        Elem::Finite(u) => {
            let neg_zero =
                u == 0 && fmt != ElemFormat::Int8 && (code as u32 >> (info(fmt).bits - 1)) & 1 == 1;
            if neg_zero {
                return 0x8000_0000;
            }
            round_to_f32(
                u < 0,
                u.unsigned_abs() as u128,
                (info(fmt).lsb_exp + s) as i64,
            )
        }
    }
}

/// An MX tensor [rows][cols] in memory: one element code per byte (unpacked; see
/// [`super::pack`] for the packed memory layout) and one scale per block of `block` elements
/// along each row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxTensor {
    pub format: ElemFormat,
    pub block: usize,
    pub rows: usize,
    pub cols: usize,
    /// rows x cols codes, row-major.
    pub codes: Vec<u8>,
    /// rows x (cols / block) E8M0 scale codes, row-major.
    pub scales: Vec<u8>,
}

/// Why a tensor cannot be quantized or assembled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MxError {
    #[error("block size must be at least 1, got {0}")]
    BadBlock(usize),
    #[error("the row length (K = {cols}) must be a multiple of the block size {block}")]
    NotMultiple { cols: usize, block: usize },
    #[error("{what} has {got} values, expected {expected}")]
    Length {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("code {code:#04x} at index {index} does not fit format {format} ({bits} bits)")]
    CodeRange {
        code: u8,
        index: usize,
        format: ElemFormat,
        bits: u32,
    },
}

impl MxTensor {
    /// Assemble a tensor from unpacked codes and scales, checking shapes and code ranges.
    pub fn new(
        format: ElemFormat,
        block: usize,
        rows: usize,
        cols: usize,
        codes: Vec<u8>,
        scales: Vec<u8>,
    ) -> Result<Self, MxError> {
        check_shape(block, cols)?;
        if codes.len() != rows * cols {
            return Err(MxError::Length {
                what: "codes",
                got: codes.len(),
                expected: rows * cols,
            });
        }
        if scales.len() != rows * (cols / block) {
            return Err(MxError::Length {
                what: "scales",
                got: scales.len(),
                expected: rows * (cols / block),
            });
        }
        let bits = info(format).bits;
        if let Some((index, &code)) = codes
            .iter()
            .enumerate()
            .find(|(_, &c)| bits < 8 && c >> bits != 0)
        {
            return Err(MxError::CodeRange {
                code,
                index,
                format,
                bits,
            });
        }
        Ok(MxTensor {
            format,
            block,
            rows,
            cols,
            codes,
            scales,
        })
    }

    /// Quantize a row-major float32 matrix [rows][cols] block by block along rows.
    pub fn quantize(
        format: ElemFormat,
        block: usize,
        rule: ScaleRule,
        rows: usize,
        cols: usize,
        x: &[f32],
    ) -> Result<Self, MxError> {
        check_shape(block, cols)?;
        if x.len() != rows * cols {
            return Err(MxError::Length {
                what: "input",
                got: x.len(),
                expected: rows * cols,
            });
        }
        let mut codes = vec![0u8; rows * cols];
        let mut scales = vec![0u8; rows * (cols / block)];
        let mut bits = vec![0u32; block];
        for (j, (xb, cb)) in x.chunks(block).zip(codes.chunks_mut(block)).enumerate() {
            for (d, v) in bits.iter_mut().zip(xb) {
                *d = v.to_bits();
            }
            scales[j] = quantize_block_bits(format, rule, &bits, cb);
        }
        Ok(MxTensor {
            format,
            block,
            rows,
            cols,
            codes,
            scales,
        })
    }

    /// Blocks per row.
    pub fn blocks_per_row(&self) -> usize {
        self.cols / self.block
    }

    /// Exact dequantization of every element (float32 bits, row-major).
    pub fn dequantize_bits(&self) -> Vec<u32> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, &c)| dequantize_elem(self.format, self.scales[i / self.block], c))
            .collect()
    }

    /// Exact dequantization of every element as f32 (row-major).
    pub fn dequantize(&self) -> Vec<f32> {
        self.dequantize_bits()
            .into_iter()
            .map(f32::from_bits)
            .collect()
    }
}

fn check_shape(block: usize, cols: usize) -> Result<(), MxError> {
    if block == 0 {
        return Err(MxError::BadBlock(block));
    }
    if !cols.is_multiple_of(block) {
        return Err(MxError::NotMultiple { cols, block });
    }
    Ok(())
}
