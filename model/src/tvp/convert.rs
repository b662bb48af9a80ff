//! Conversions the TVP performs: float32 <-> bfloat16 and float32 <-> MX.
//!
//! The arithmetic is the model's one definition (`crate::mx`): bfloat16 rounding in
//! [`crate::mx::mac::f32_to_bf16`], the quantizer of ARCHITECTURE.md section 2.2 in
//! [`crate::mx::quant::quantize_block_bits`]. The TVP adds only the streaming shape: a block of k
//! values is taken from consecutive elements of the stream, across lanes and then across beats
//! (k/L beats when k >= L), so the block's amax is the maximum over lanes and cycles.

//!
//! ## The TVP's lane operations (what the RTL computes)
//!
//! * `tobf16`: lane = bfloat16 code in bits 15..0 (bits 31..16 zero); `frombf16`: bits 15..0 of
//!   the lane are a bfloat16 code, the result is its exact float32.
//! * `mxdec`: `a` = element code (bits 7..0), `b` = E8M0 scale code (bits 7..0), scalar = the
//!   format index ([`ElemFormat::ALL`] order) in bits 2..0; result [`dequantize_elem`].
//! * Quantizing is two passes over a block, so the lanes need no block buffer:
//!   1. the reduction `scale` ([`super::reduce::Red::Scale`]) streams the block (k/L beats, k
//!      values across lanes and cycles) and returns one word, [`block_scale`]: the format in
//!      bits 2..0 (copied from the scalar), the E8M0 scale code in bits 15..8 and, in bit 16,
//!      "the block is all zero" (amax == 0, ARCHITECTURE.md 2.2 step 2);
//!   2. `mxenc` streams the block again with that word as its scalar: each lane gives
//!      [`mx_encode_lane`], the element code in bits 7..0.
//!
//!   `block_scale` + `mxenc` equal [`quantize_block_bits`] on every block (tested against the
//!   shared vectors below and in the Verilator tests).

use crate::config::ElemFormat;
use crate::mx::format::{encode_exact, info};
use crate::mx::mac::{bf16_to_f32, f32_to_bf16};
use crate::mx::quant::{dequantize_elem, quantize_block_bits, ScaleRule};

/// The format whose index ([`ElemFormat::ALL`]) is in bits 2..0 of a TVP scalar (6 and 7 read
/// as INT8, as in the RTL's decoder).
pub fn format_of(s: u32) -> ElemFormat {
    ElemFormat::ALL[((s & 7) as usize).min(5)]
}

/// Index of a format in [`ElemFormat::ALL`] (bits 2..0 of the scalar).
pub fn format_index(f: ElemFormat) -> u32 {
    ElemFormat::ALL.iter().position(|&g| g == f).unwrap() as u32
}

/// Lane op `tobf16`.
pub fn to_bf16_lane(a: u32) -> u32 {
    f32_to_bf16(a) as u32
}

/// Lane op `frombf16`.
pub fn from_bf16_lane(a: u32) -> u32 {
    bf16_to_f32(a as u16)
}

/// Lane op `mxdec`: element code `a[7:0]` with scale code `b[7:0]` in format `s[2:0]`.
pub fn mx_decode_lane(a: u32, b: u32, s: u32) -> u32 {
    dequantize_elem(format_of(s), b as u8, a as u8)
}

/// The reduction `scale` over one block: (format, scale code, all-zero flag) as one word (see
/// the module header). `s[2:0]` is the format, `s[3]` selects the `rceil` rule.
pub fn block_scale(x: &[u32], s: u32) -> u32 {
    let rule = if s & 8 != 0 {
        ScaleRule::Rceil
    } else {
        ScaleRule::Floor
    };
    let mut codes = vec![0u8; x.len()];
    let scale = quantize_block_bits(format_of(s), rule, x, &mut codes) as u32;
    let zero = x.iter().all(|&b| b & 0x7FFF_FFFF == 0) as u32;
    (s & 7) | scale << 8 | zero << 16
}

/// Lane op `mxenc`: the element code of `a` in the block described by `s` (a [`block_scale`]
/// word). Code 0 when the scale is NaN (0xFF), the block is all zero, or `a` itself is not finite.
pub fn mx_encode_lane(a: u32, s: u32) -> u32 {
    let scale = (s >> 8) & 0xFF;
    if scale == 0xFF || s & (1 << 16) != 0 || a & 0x7F80_0000 == 0x7F80_0000 {
        return 0;
    }
    let fmt = format_of(s);
    let negative = a >> 31 != 0;
    let ef = ((a >> 23) & 0xFF) as i32;
    let frac = (a & 0x7F_FFFF) as u128;
    let (mag, exp) = if ef == 0 {
        (frac, -149)
    } else {
        (frac | 1 << 23, ef - 150)
    };
    let code = encode_exact(fmt, negative, mag, exp - (scale as i32 - 127)) as u32;
    code & ((1 << info(fmt).bits) - 1)
}

/// float32 -> bfloat16 (RNE, NaN -> 0x7FC0), every element.
pub fn to_bf16(x: &[u32]) -> Vec<u16> {
    x.iter().map(|&b| f32_to_bf16(b)).collect()
}

/// bfloat16 -> float32 (exact), every element.
pub fn from_bf16(x: &[u16]) -> Vec<u32> {
    x.iter().map(|&h| bf16_to_f32(h)).collect()
}

/// float32 stream -> MX: one scale code per block of `k`, one element code per value.
/// `x.len()` must be a multiple of `k`.
pub fn to_mx(fmt: ElemFormat, rule: ScaleRule, k: usize, x: &[u32]) -> (Vec<u8>, Vec<u8>) {
    assert!(
        k > 0 && x.len() % k == 0,
        "to_mx: length {} is not a multiple of k = {k}",
        x.len()
    );
    let mut codes = vec![0u8; x.len()];
    let scales = x
        .chunks(k)
        .zip(codes.chunks_mut(k))
        .map(|(xb, cb)| quantize_block_bits(fmt, rule, xb, cb))
        .collect();
    (scales, codes)
}

/// MX -> float32 (exact dequantization), element i using scale i / k.
pub fn from_mx(fmt: ElemFormat, k: usize, scales: &[u8], codes: &[u8]) -> Vec<u32> {
    codes
        .iter()
        .enumerate()
        .map(|(i, &c)| dequantize_elem(fmt, scales[i / k], c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(name: &str) -> Vec<serde_json::Value> {
        let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn hex(v: &serde_json::Value) -> u32 {
        u32::from_str_radix(v.as_str().unwrap(), 16).unwrap()
    }

    /// The TVP's two passes (`scale` reduction, then `mxenc` per lane) give exactly the
    /// quantizer of ARCHITECTURE.md 2.2 on every shared vector.
    #[test]
    fn two_pass_quantizer_matches_the_shared_vectors() {
        let lines = vectors("quantize.jsonl");
        assert!(lines.len() > 10);
        for v in lines {
            let fmt = ElemFormat::parse(v["format"].as_str().unwrap()).unwrap();
            let rceil = v["scale_rule"].as_str().unwrap() == "rceil";
            let x: Vec<u32> = v["x"].as_array().unwrap().iter().map(hex).collect();
            let want: Vec<u32> = v["codes"].as_array().unwrap().iter().map(hex).collect();
            let word = block_scale(&x, format_index(fmt) | (rceil as u32) << 3);
            assert_eq!((word >> 8) & 0xFF, hex(&v["scale"]), "{v}");
            let got: Vec<u32> = x.iter().map(|&b| mx_encode_lane(b, word)).collect();
            assert_eq!(got, want, "{v}");
        }
    }

    #[test]
    fn mx_round_trip_of_representable_values() {
        let x: Vec<u32> = (0..32)
            .map(|i| ((i as f32 - 16.0) * 0.25).to_bits())
            .collect();
        let (s, c) = to_mx(ElemFormat::E4m3, ScaleRule::Floor, 32, &x);
        assert_eq!(from_mx(ElemFormat::E4m3, 32, &s, &c), x);
        assert_eq!(to_bf16(&[0x3F80_8000, 0x3F81_8000]), vec![0x3F80, 0x3F82]);
    }
}
