//! MX (OCP Microscaling) arithmetic, bit-exact per ARCHITECTURE.md section 2.
//!
//! * [`format`]: element formats (E4M3, E5M2, E2M3, E3M2, E2M1, INT8) and the E8M0 scale;
//! * [`pack`]: the packed memory layout (section 2.5);
//! * [`quant`]: the quantizer (section 2.2), exact dequantization, [`MxTensor`];
//! * [`mac`]: the block multiply-accumulate (section 2.3), the exact block sum, float32/bfloat16;
//! * [`gemm`]: the reference GEMM `C = C0 + A x B^T`.

pub mod format;
pub mod gemm;
pub mod mac;
pub mod pack;
pub mod quant;

pub use format::{
    decode, decode_f64, decode_scale, encode_exact, encode_f64, info, Elem, ElemFormat,
};
pub use gemm::{gemm, gemm_reference, gemm_serial, GemmError};
pub use mac::{
    add_round, bf16_to_f32, block_mac, block_sum, f32_to_bf16, product_exp, round_to_f32,
    sum_width_bits, BlockSum, F32_NAN,
};
pub use quant::{
    dequantize_elem, quantize_block, quantize_block_bits, MxError, MxTensor, ScaleRule,
};
