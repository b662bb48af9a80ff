//! TVP: the tile vector processor, L float32 lanes on valid/ready streams, with reductions
//! (`TvpReduce`) and conversions (bfloat16, MX) beside the elementwise operations.
pub mod approx;
pub mod fadd;
pub mod fmul;
pub mod lane;
pub mod mul16;
pub mod mxdec;
pub mod mxenc;
pub mod node;
pub mod reduce;
pub mod round;
pub mod top;

pub use approx::ApproxFront;
pub use fadd::FpAddFront;
pub use fmul::FpMulFront;
pub use lane::TvpLane;
pub use mul16::Mul16;
pub use mxdec::MxDecFront;
pub use mxenc::MxEncLane;
pub use node::RedNode;
pub use reduce::TvpReduce;
pub use round::FpRound;
pub use top::{emit_unit, Tvp};
