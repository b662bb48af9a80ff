//! Little-endian 32-bit word vectors: the representation of values of any width (Verilator's `VlWide`).

/// The words of a `u64` value (two words).
pub fn from_u64(v: u64) -> Vec<u32> {
    vec![v as u32, (v >> 32) as u32]
}

/// The low 64 bits of a word vector.
pub fn to_u64(words: &[u32]) -> u64 {
    words.first().copied().unwrap_or(0) as u64 | (words.get(1).copied().unwrap_or(0) as u64) << 32
}

/// Number of words holding `width` bits.
pub fn words_for(width: u32) -> usize {
    width.div_ceil(32) as usize
}

/// Bit `i` of `words` (0 beyond the end).
pub fn bit(words: &[u32], i: u32) -> bool {
    words
        .get((i / 32) as usize)
        .is_some_and(|w| w >> (i % 32) & 1 == 1)
}

/// Bits `lo .. lo + width` of `words`, as `words_for(width)` words.
pub fn extract(words: &[u32], lo: u32, width: u32) -> Vec<u32> {
    let mut out = vec![0u32; words_for(width)];
    for i in 0..width {
        if bit(words, lo + i) {
            out[(i / 32) as usize] |= 1 << (i % 32);
        }
    }
    out
}

/// Writes `width` bits of `src` into `dst` starting at bit `lo` (growing `dst` as needed).
pub fn insert(dst: &mut Vec<u32>, lo: u32, src: &[u32], width: u32) {
    let need = words_for(lo + width);
    if dst.len() < need {
        dst.resize(need, 0);
    }
    for i in 0..width {
        let (w, b) = (((lo + i) / 32) as usize, (lo + i) % 32);
        if bit(src, i) {
            dst[w] |= 1 << b;
        } else {
            dst[w] &= !(1 << b);
        }
    }
}

/// Clears everything above bit `width` and trims to `words_for(width)` words.
pub fn truncate(words: &[u32], width: u32) -> Vec<u32> {
    extract(words, 0, width)
}

/// `a + b` over `width` bits (wrapping), a reference for wide adders in tests.
pub fn add(a: &[u32], b: &[u32], width: u32) -> Vec<u32> {
    let n = words_for(width);
    let mut out = vec![0u32; n];
    let mut carry = 0u64;
    for (i, o) in out.iter_mut().enumerate() {
        let s =
            a.get(i).copied().unwrap_or(0) as u64 + b.get(i).copied().unwrap_or(0) as u64 + carry;
        *o = s as u32;
        carry = s >> 32;
    }
    truncate(&out, width)
}

/// A uniformly random value of `width` bits.
pub fn random<R: rand::Rng + ?Sized>(rng: &mut R, width: u32) -> Vec<u32> {
    let words: Vec<u32> = (0..words_for(width)).map(|_| rng.gen()).collect();
    truncate(&words, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_extract_roundtrip_across_word_boundaries() {
        let mut v = Vec::new();
        insert(&mut v, 30, &[0b1011], 4);
        insert(&mut v, 60, &from_u64(0x1_2345_6789), 40);
        assert_eq!(extract(&v, 30, 4), vec![0b1011]);
        assert_eq!(extract(&v, 60, 40), vec![0x2345_6789, 0x1]);
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn wide_add_carries_and_wraps() {
        assert_eq!(add(&[u32::MAX, u32::MAX, 0], &[1], 100), vec![0, 0, 1, 0]);
        let max = truncate(&[u32::MAX; 4], 100);
        assert_eq!(add(&max, &[1], 100), vec![0, 0, 0, 0]);
    }
}
