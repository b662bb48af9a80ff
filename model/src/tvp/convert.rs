//! Conversions the TVP performs: float32 <-> bfloat16 and float32 <-> MX.
//!
//! The arithmetic is the model's one definition (`crate::mx`): bfloat16 rounding in
//! [`crate::mx::mac::f32_to_bf16`], the quantizer of ARCHITECTURE.md section 2.2 in
//! [`crate::mx::quant::quantize_block_bits`]. The TVP adds only the streaming shape: a block of k
//! values is taken from consecutive elements of the stream, across lanes and then across beats
//! (k/L beats when k >= L), so the block's amax is the maximum over lanes and cycles.

use crate::config::ElemFormat;
use crate::mx::mac::{bf16_to_f32, f32_to_bf16};
use crate::mx::quant::{dequantize_elem, quantize_block_bits, ScaleRule};

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
