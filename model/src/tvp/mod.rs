//! TVP reference model: the tile vector processor's float32 operations, bit for bit.
//!
//! Contract: ARCHITECTURE.md section 2.4. Every function here works on float32 *bit patterns*
//! (`u32`) so that NaN payloads and the sign of zero are never lost on the way.
//!
//! * `add`, `sub`, `mul`: IEEE 754 binary32, round to nearest even, subnormals kept (Rust's `f32`
//!   arithmetic is IEEE without flush-to-zero), any NaN result emitted as [`F32_NAN`].
//! * `min`, `max`: IEEE 754-2019 `minimum`/`maximum`: a NaN operand gives NaN, -0 < +0.
//! * `relu(x) = maximum(x, +0)`; `muls(x, s) = mul(x, s)` with one scalar for every lane.
//! * Comparisons `cmplt`, `cmple`, `cmpeq` give 1.0 (0x3F800000) or +0; NaN compares unordered.
//! * `select(c, a, b)` gives `a` where `c` is not +-0, else `b` (a NaN condition counts as true).
//! * `exp2`, `recip`, `rsqrt`: table + quadratic in fixed point, see [`approx`]; the RTL matches
//!   that algorithm bit for bit.
//!
//! * `tobf16`, `frombf16`, `mxdec`, `mxenc`: conversions lane by lane, see [`convert`].
//!
//! Reductions ([`reduce`]), conversions ([`convert`]) and the composite functions built from
//! these operations ([`composite`]) live in submodules.

pub mod approx;
pub mod composite;
pub mod convert;
pub mod reduce;

/// The canonical NaN every TVP result uses.
pub const F32_NAN: u32 = 0x7FC0_0000;
/// 1.0 as float32 bits (true result of a comparison).
pub const F32_ONE: u32 = 0x3F80_0000;

/// An elementwise TVP operation. The discriminant is the 4-bit opcode the RTL decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Min = 3,
    Max = 4,
    Relu = 5,
    CmpLt = 6,
    CmpLe = 7,
    CmpEq = 8,
    Select = 9,
    MulScalar = 10,
    Exp2 = 11,
    Recip = 12,
    Rsqrt = 13,
    ToBf16 = 14,
    FromBf16 = 15,
    MxDecode = 16,
    MxEncode = 17,
}

impl Op {
    /// Every operation, in opcode order.
    pub const ALL: [Op; 18] = [
        Op::Add,
        Op::Sub,
        Op::Mul,
        Op::Min,
        Op::Max,
        Op::Relu,
        Op::CmpLt,
        Op::CmpLe,
        Op::CmpEq,
        Op::Select,
        Op::MulScalar,
        Op::Exp2,
        Op::Recip,
        Op::Rsqrt,
        Op::ToBf16,
        Op::FromBf16,
        Op::MxDecode,
        Op::MxEncode,
    ];

    /// The opcode (5-bit `in_op`; reductions use [`reduce::Red`]'s codes).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Min => "min",
            Op::Max => "max",
            Op::Relu => "relu",
            Op::CmpLt => "cmplt",
            Op::CmpLe => "cmple",
            Op::CmpEq => "cmpeq",
            Op::Select => "select",
            Op::MulScalar => "muls",
            Op::Exp2 => "exp2",
            Op::Recip => "recip",
            Op::Rsqrt => "rsqrt",
            Op::ToBf16 => "tobf16",
            Op::FromBf16 => "frombf16",
            Op::MxDecode => "mxdec",
            Op::MxEncode => "mxenc",
        }
    }

    /// Parse a command-line name.
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|o| o.name() == s)
    }

    /// Operands read: 1 (`a`), 2 (`a`, `b`) or 3 (`c`, `a`, `b` for select). `muls` and
    /// `mxenc` read `a` and the scalar; `mxdec` reads codes in `a`, scale codes in `b` and the
    /// format in the scalar.
    pub fn arity(self) -> usize {
        match self {
            Op::Relu
            | Op::Exp2
            | Op::Recip
            | Op::Rsqrt
            | Op::MulScalar
            | Op::ToBf16
            | Op::FromBf16
            | Op::MxEncode => 1,
            Op::Select => 3,
            _ => 2,
        }
    }
}

/// True for any NaN bit pattern.
pub fn is_nan(x: u32) -> bool {
    x & 0x7FFF_FFFF > 0x7F80_0000
}

fn canon(x: f32) -> u32 {
    if x.is_nan() {
        F32_NAN
    } else {
        x.to_bits()
    }
}

/// IEEE binary32 addition, RNE, NaN canonical.
pub fn add(a: u32, b: u32) -> u32 {
    canon(f32::from_bits(a) + f32::from_bits(b))
}

/// IEEE binary32 subtraction, RNE, NaN canonical.
pub fn sub(a: u32, b: u32) -> u32 {
    canon(f32::from_bits(a) - f32::from_bits(b))
}

/// IEEE binary32 multiplication, RNE, NaN canonical.
pub fn mul(a: u32, b: u32) -> u32 {
    canon(f32::from_bits(a) * f32::from_bits(b))
}

/// Total-order key of a non-NaN float32: unsigned comparison of keys orders the values with
/// -0 < +0.
pub fn order_key(x: u32) -> u32 {
    if x & 0x8000_0000 != 0 {
        !x
    } else {
        x | 0x8000_0000
    }
}

/// IEEE 754-2019 `minimum`.
pub fn min(a: u32, b: u32) -> u32 {
    if is_nan(a) || is_nan(b) {
        F32_NAN
    } else if order_key(a) <= order_key(b) {
        a
    } else {
        b
    }
}

/// IEEE 754-2019 `maximum`.
pub fn max(a: u32, b: u32) -> u32 {
    if is_nan(a) || is_nan(b) {
        F32_NAN
    } else if order_key(a) >= order_key(b) {
        a
    } else {
        b
    }
}

/// `maximum(x, +0)`.
pub fn relu(x: u32) -> u32 {
    max(x, 0)
}

fn flag(b: bool) -> u32 {
    if b {
        F32_ONE
    } else {
        0
    }
}

/// a < b (IEEE, NaN unordered) as 1.0 / +0.
pub fn cmplt(a: u32, b: u32) -> u32 {
    flag(f32::from_bits(a) < f32::from_bits(b))
}

/// a <= b as 1.0 / +0.
pub fn cmple(a: u32, b: u32) -> u32 {
    flag(f32::from_bits(a) <= f32::from_bits(b))
}

/// a == b (so -0 == +0, NaN != NaN) as 1.0 / +0.
pub fn cmpeq(a: u32, b: u32) -> u32 {
    flag(f32::from_bits(a) == f32::from_bits(b))
}

/// `c` not +-0 ? `a` : `b`. The chosen operand passes unchanged (NaN payload included).
pub fn select(c: u32, a: u32, b: u32) -> u32 {
    if c & 0x7FFF_FFFF != 0 {
        a
    } else {
        b
    }
}

/// One lane of one elementwise operation. `c` is the select condition, `s` the scalar of `muls`;
/// operands an operation does not read are ignored.
pub fn apply(op: Op, a: u32, b: u32, c: u32, s: u32) -> u32 {
    match op {
        Op::Add => add(a, b),
        Op::Sub => sub(a, b),
        Op::Mul => mul(a, b),
        Op::Min => min(a, b),
        Op::Max => max(a, b),
        Op::Relu => relu(a),
        Op::CmpLt => cmplt(a, b),
        Op::CmpLe => cmple(a, b),
        Op::CmpEq => cmpeq(a, b),
        Op::Select => select(c, a, b),
        Op::MulScalar => mul(a, s),
        Op::Exp2 => approx::exp2(a),
        Op::Recip => approx::recip(a),
        Op::Rsqrt => approx::rsqrt(a),
        Op::ToBf16 => convert::to_bf16_lane(a),
        Op::FromBf16 => convert::from_bf16_lane(a),
        Op::MxDecode => convert::mx_decode_lane(a, b, s),
        Op::MxEncode => convert::mx_encode_lane(a, s),
    }
}

/// Apply `op` elementwise to whole vectors (`b`/`c` may be empty when the op does not read them).
pub fn apply_vec(op: Op, a: &[u32], b: &[u32], c: &[u32], s: u32) -> Vec<u32> {
    (0..a.len())
        .map(|i| {
            apply(
                op,
                a[i],
                b.get(i).copied().unwrap_or(0),
                c.get(i).copied().unwrap_or(0),
                s,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_maximum_corners() {
        let (pz, nz) = (0u32, 0x8000_0000u32);
        assert_eq!(min(pz, nz), nz);
        assert_eq!(min(nz, pz), nz);
        assert_eq!(max(pz, nz), pz);
        assert_eq!(max(nz, pz), pz);
        assert_eq!(min(0x7FC0_0001, F32_ONE), F32_NAN);
        assert_eq!(max(F32_ONE, 0xFF80_0001), F32_NAN);
        assert_eq!(relu(0xBF80_0000), 0);
        assert_eq!(relu(nz), pz);
        assert_eq!(min(0xFF80_0000, 0x7F80_0000), 0xFF80_0000);
    }

    #[test]
    fn arithmetic_keeps_subnormals_and_canonical_nan() {
        // 2^-149 + 2^-149 = 2^-148, no flush to zero.
        assert_eq!(add(1, 1), 2);
        assert_eq!(mul(0x3F00_0000, 3), 2); // 0.5 * 3 x 2^-149 = 1.5 x 2^-149 -> ties to 2
        assert_eq!(sub(0x7F80_0000, 0x7F80_0000), F32_NAN);
        assert_eq!(mul(0xFF80_0000, 0), F32_NAN);
        assert_eq!(add(0x8000_0000, 0x8000_0000), 0x8000_0000);
        assert_eq!(sub(F32_ONE, F32_ONE), 0);
    }

    #[test]
    fn comparisons_are_ieee() {
        assert_eq!(cmpeq(0, 0x8000_0000), F32_ONE);
        assert_eq!(cmplt(F32_NAN, F32_ONE), 0);
        assert_eq!(cmple(F32_ONE, F32_ONE), F32_ONE);
        assert_eq!(select(0x8000_0000, 1, 2), 2);
        assert_eq!(select(F32_NAN, 1, 2), 1);
    }
}
