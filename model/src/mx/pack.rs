//! Packed memory layout of MX element codes (ARCHITECTURE.md section 2.5), little end first:
//! FP8/INT8 one code per byte; FP4 two per byte (element 2j in bits 3:0, 2j+1 in bits 7:4); FP6
//! four per three bytes (element 4j in bits 5:0 of the 24-bit little-endian group, 4j+1 in 11:6,
//! 4j+2 in 17:12, 4j+3 in 23:18). A trailing partial group is padded with zero codes.

use super::format::{info, ElemFormat};

/// Bytes needed to pack `n` codes of `fmt`.
pub fn packed_len(fmt: ElemFormat, n: usize) -> usize {
    match info(fmt).bits {
        8 => n,
        6 => n.div_ceil(4) * 3,
        4 => n.div_ceil(2),
        b => unreachable!("no {b}-bit format"),
    }
}

/// Pack unpacked codes (one per byte; only the low `bits` bits are used).
pub fn pack(fmt: ElemFormat, codes: &[u8]) -> Vec<u8> {
    match info(fmt).bits {
        8 => codes.to_vec(),
        4 => codes
            .chunks(2)
            .map(|p| (p[0] & 0xF) | (p.get(1).copied().unwrap_or(0) & 0xF) << 4)
            .collect(),
        6 => {
            let mut out = Vec::with_capacity(packed_len(fmt, codes.len()));
            for g in codes.chunks(4) {
                let w = g
                    .iter()
                    .enumerate()
                    .fold(0u32, |w, (i, &c)| w | ((c as u32 & 0x3F) << (6 * i)));
                out.extend_from_slice(&w.to_le_bytes()[..3]);
            }
            out
        }
        b => unreachable!("no {b}-bit format"),
    }
}

/// Unpack `n` codes from packed bytes. Panics if `bytes` is shorter than [`packed_len`].
pub fn unpack(fmt: ElemFormat, bytes: &[u8], n: usize) -> Vec<u8> {
    assert!(
        bytes.len() >= packed_len(fmt, n),
        "unpack: {} bytes hold fewer than {n} {fmt} codes",
        bytes.len()
    );
    (0..n)
        .map(|i| match info(fmt).bits {
            8 => bytes[i],
            4 => (bytes[i / 2] >> (4 * (i % 2))) & 0xF,
            6 => {
                let g = &bytes[3 * (i / 4)..3 * (i / 4) + 3];
                let w = g[0] as u32 | (g[1] as u32) << 8 | (g[2] as u32) << 16;
                ((w >> (6 * (i % 4))) & 0x3F) as u8
            }
            b => unreachable!("no {b}-bit format"),
        })
        .collect()
}
