//! Reference model of the cluster SRAM (CSRAM, issue 6): the SECDED code and a word memory.
//!
//! * [`Secded`] is the Hsiao (1970) odd-weight-column SECDED code the RTL implements. The RTL
//!   builds its parity networks from the same matrix, so this module is the single source of
//!   truth for which data bits feed which check bit.
//! * [`CsramModel`] is the memory a testbench compares against: requests are applied in the
//!   order the hardware accepted them (arbitration order), and each returns the response the RTL
//!   must give (`rdata`, `error`), ECC faults included.
//! * [`expected_throughput`] is the analytic accesses-per-cycle figure the benchmark compares with.
//!
//! Reference: M. Y. Hsiao, "A Class of Optimal Minimum Odd-weight-column SEC-DED Codes",
//! IBM J. Res. Dev. 14(4), 1970. Data columns are distinct odd-weight (3, 5, ...) columns, check
//! columns are the unit vectors; every syndrome of a single error is odd, every syndrome of a
//! double error is even and non-zero.

use crate::config::CsramConfig;

/// Address width of the request port, in bits (word address; higher addresses are errors).
pub const ADDR_BITS: u32 = 32;

/// A Hsiao SECDED code for `data_bits` data bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secded {
    /// Data bits per word (W).
    pub data_bits: usize,
    /// Check bits per word (K): the smallest K with 2^(K-1) >= W + K.
    pub check_bits: usize,
    /// Column of the parity-check matrix H for each data bit: bit j set means data bit i feeds
    /// check bit j. Check bit j's own column is `1 << j`.
    pub columns: Vec<u32>,
}

impl Secded {
    /// Build the code. Columns are chosen greedily: all weight-3 columns first, then weight 5,
    /// ...; among columns of the current weight the one that loads the lightest rows is taken, so
    /// the XOR trees of the check bits stay balanced (Hsiao's second criterion).
    pub fn new(data_bits: usize) -> Secded {
        assert!(data_bits > 0 && data_bits <= 1024, "data_bits {data_bits}");
        let mut k = 2;
        while (1usize << (k - 1)) < data_bits + k {
            k += 1;
        }
        let mut columns = Vec::with_capacity(data_bits);
        let mut row_weight = vec![0usize; k];
        let mut weight = 3;
        while columns.len() < data_bits {
            let mut candidates: Vec<u32> = (0u32..(1u32 << k))
                .filter(|c| c.count_ones() as usize == weight)
                .collect();
            while columns.len() < data_bits && !candidates.is_empty() {
                // Lightest load first; ties broken by the smaller column value (deterministic).
                let (best, _) = candidates
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, c)| {
                        let load: usize = (0..k)
                            .filter(|j| (*c >> j) & 1 == 1)
                            .map(|j| row_weight[j])
                            .sum();
                        (load, **c)
                    })
                    .unwrap();
                let c = candidates.remove(best);
                for (j, w) in row_weight.iter_mut().enumerate() {
                    if (c >> j) & 1 == 1 {
                        *w += 1;
                    }
                }
                columns.push(c);
            }
            weight += 2;
        }
        Secded {
            data_bits,
            check_bits: k,
            columns,
        }
    }

    /// Stored word width W + K (data in bits W-1..0, check bits above).
    pub fn stored_bits(&self) -> usize {
        self.data_bits + self.check_bits
    }

    /// Column of H for stored bit `i` (data bits first, then the check bits).
    pub fn column(&self, i: usize) -> u32 {
        if i < self.data_bits {
            self.columns[i]
        } else {
            1 << (i - self.data_bits)
        }
    }

    /// Mask over data bits of check bit `j` (bit i set: data bit i feeds check bit j).
    pub fn row_mask(&self, j: usize) -> Vec<bool> {
        (0..self.data_bits)
            .map(|i| (self.columns[i] >> j) & 1 == 1)
            .collect()
    }

    /// Check bits of a data word (little-endian bool vectors keep any width).
    pub fn encode(&self, data: &[bool]) -> Vec<bool> {
        assert_eq!(data.len(), self.data_bits);
        (0..self.check_bits)
            .map(|j| {
                data.iter()
                    .enumerate()
                    .filter(|(i, _)| (self.columns[*i] >> j) & 1 == 1)
                    .fold(false, |acc, (_, b)| acc ^ *b)
            })
            .collect()
    }

    /// Decode a stored word (data then check bits). Returns (corrected data, corrected one bit,
    /// uncorrectable). An odd syndrome that matches no column is reported as uncorrectable.
    pub fn decode(&self, stored: &[bool]) -> (Vec<bool>, bool, bool) {
        assert_eq!(stored.len(), self.stored_bits());
        let mut syndrome = 0u32;
        for (i, b) in stored.iter().enumerate() {
            if *b {
                syndrome ^= self.column(i);
            }
        }
        let mut data = stored[..self.data_bits].to_vec();
        if syndrome == 0 {
            return (data, false, false);
        }
        let hit = (0..self.stored_bits()).find(|i| self.column(*i) == syndrome);
        match hit {
            Some(i) if syndrome.count_ones() % 2 == 1 => {
                if i < self.data_bits {
                    data[i] = !data[i];
                }
                (data, true, false)
            }
            _ => (data, false, true),
        }
    }
}

/// Bits of `v` (little end first) for `n` bits.
pub fn to_bits(v: u128, n: usize) -> Vec<bool> {
    (0..n).map(|i| i < 128 && (v >> i) & 1 == 1).collect()
}

/// Inverse of [`to_bits`] (at most 128 bits).
pub fn from_bits(b: &[bool]) -> u128 {
    b.iter()
        .take(128)
        .enumerate()
        .fold(0u128, |acc, (i, x)| acc | ((*x as u128) << i))
}

/// One request as a port presents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Word address (bank = addr mod B, row = addr / B).
    pub addr: u32,
    pub write: bool,
    /// Write data (W bits used).
    pub wdata: u128,
    /// Byte write mask (W/8 bits used).
    pub wmask: u32,
}

/// One response, in request order per port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Response {
    /// Read data (0 for writes and for errors).
    pub rdata: u128,
    /// Out-of-range address, or an uncorrectable ECC error.
    pub error: bool,
}

/// ECC event counts as the RTL counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EccCounts {
    pub corrected: u64,
    pub uncorrected: u64,
}

/// The CSRAM memory model: stored words (data + check bits), as the RTL holds them.
#[derive(Clone, Debug)]
pub struct CsramModel {
    pub cfg: CsramConfig,
    pub code: Option<Secded>,
    /// Stored words, indexed by word address; each `stored_bits()` wide.
    words: Vec<Vec<bool>>,
    pub ecc: EccCounts,
}

impl CsramModel {
    /// An all-zero memory (the RTL's banks also start at zero in simulation; all-zero is a
    /// valid codeword because the code is linear).
    pub fn new(cfg: &CsramConfig) -> CsramModel {
        let code = cfg.ecc.then(|| Secded::new(cfg.width as usize));
        let sw = code
            .as_ref()
            .map_or(cfg.width as usize, |c| c.stored_bits());
        CsramModel {
            cfg: cfg.clone(),
            code,
            words: vec![vec![false; sw]; (cfg.banks * cfg.depth) as usize],
            ecc: EccCounts::default(),
        }
    }

    /// Words in the memory (B x D).
    pub fn words(&self) -> u32 {
        self.cfg.banks * self.cfg.depth
    }

    /// Stored word width (W, or W + K with ECC).
    pub fn stored_bits(&self) -> usize {
        self.words.first().map_or(0, |w| w.len())
    }

    fn read_word(&mut self, addr: usize) -> (Vec<bool>, bool) {
        let stored = self.words[addr].clone();
        match &self.code {
            None => (stored, false),
            Some(code) => {
                let (data, corr, unc) = code.decode(&stored);
                self.ecc.corrected += corr as u64;
                self.ecc.uncorrected += unc as u64;
                (data, unc)
            }
        }
    }

    fn store(&mut self, addr: usize, data: &[bool], flip: &[bool]) {
        let mut stored = data.to_vec();
        if let Some(code) = &self.code {
            stored.extend(code.encode(data));
        }
        for (s, f) in stored.iter_mut().zip(flip) {
            *s ^= *f;
        }
        self.words[addr] = stored;
    }

    /// Apply one accepted request; `fault` is the fault-injection mask (stored bits, little end
    /// first, 0 = no fault) present on the cycle the word is written.
    ///
    /// Semantics (the RTL's): a read returns the decoded word; a write with every byte enabled
    /// stores data + check bits; with ECC, a partial write reads the old word, corrects it and
    /// merges the enabled bytes (read-modify-write); if the old word is uncorrectable the write
    /// is dropped and the response reports the error. Without ECC partial writes update only the
    /// enabled bytes. Out-of-range addresses do nothing and answer `error`.
    pub fn access(&mut self, r: &Request, fault: u128) -> Response {
        let w = self.cfg.width as usize;
        if r.addr >= self.words() {
            return Response {
                rdata: 0,
                error: true,
            };
        }
        let a = r.addr as usize;
        let flip = to_bits(fault, self.stored_bits());
        let full = (0..w / 8).all(|b| (r.wmask >> b) & 1 == 1);
        if !r.write {
            let (data, unc) = self.read_word(a);
            return Response {
                rdata: if unc { 0 } else { from_bits(&data) },
                error: unc,
            };
        }
        let new = to_bits(r.wdata, w);
        if full {
            self.store(a, &new, &flip);
            return Response::default();
        }
        let (mut old, unc) = if self.code.is_some() {
            self.read_word(a)
        } else {
            (self.words[a].clone(), false)
        };
        if unc {
            return Response {
                rdata: 0,
                error: true,
            };
        }
        for byte in 0..w / 8 {
            if (r.wmask >> byte) & 1 == 1 {
                old[byte * 8..byte * 8 + 8].copy_from_slice(&new[byte * 8..byte * 8 + 8]);
            }
        }
        self.store(a, &old, &flip);
        Response::default()
    }
}

/// Analytic accesses per cycle for `ports` requestors that each always have a request to a
/// uniformly random bank among `banks`, with the CSRAM's blocking arbitration: a port that loses
/// keeps its request (same bank) for the next cycle.
///
/// The system is a Markov chain over the occupancy vector (how many pending requests target each
/// bank); each cycle every non-empty bank serves one request and each served port draws a new
/// bank uniformly. The stationary mean of "non-empty banks" is computed exactly for small
/// P and B by iterating the chain over occupancy multisets (bank symmetry reduces the state to
/// a sorted partition of P into at most B parts). For reference, the no-queueing figure (every
/// port draws afresh every cycle) is B(1-(1-1/B)^P).
pub fn expected_throughput(ports: u32, banks: u32) -> f64 {
    use std::collections::HashMap;
    let p = ports as usize;
    let b = banks as usize;
    // States: sorted (descending) occupancy vectors of length b summing to p.
    fn parts(
        n: usize,
        maxpart: usize,
        slots: usize,
        cur: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if slots == 0 {
            if n == 0 {
                out.push(cur.clone());
            }
            return;
        }
        for k in (0..=maxpart.min(n)).rev() {
            cur.push(k);
            parts(n - k, k, slots - 1, cur, out);
            cur.pop();
        }
    }
    let mut states = vec![];
    parts(p, p, b, &mut vec![], &mut states);
    let index: HashMap<Vec<usize>, usize> = states
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), i))
        .collect();
    // Transition: each non-empty bank loses one request; the `served` requests are redrawn
    // uniformly over the b banks (multinomial), enumerated by assigning them one at a time.
    let mut trans: Vec<Vec<(usize, f64)>> = vec![];
    for s in &states {
        let served = s.iter().filter(|&&k| k > 0).count();
        let base: Vec<usize> = s.iter().map(|&k| k.saturating_sub(1)).collect();
        let mut dist: HashMap<Vec<usize>, f64> = HashMap::new();
        dist.insert(base, 1.0);
        for _ in 0..served {
            let mut next: HashMap<Vec<usize>, f64> = HashMap::new();
            for (v, pr) in &dist {
                for j in 0..b {
                    let mut w = v.clone();
                    w[j] += 1;
                    *next.entry(w).or_default() += pr / b as f64;
                }
            }
            dist = next;
        }
        let mut row: HashMap<usize, f64> = HashMap::new();
        for (mut v, pr) in dist {
            v.sort_unstable_by(|a, b| b.cmp(a));
            *row.entry(index[&v]).or_default() += pr;
        }
        trans.push(row.into_iter().collect());
    }
    let mut pi = vec![1.0 / states.len() as f64; states.len()];
    for _ in 0..10_000 {
        let mut next = vec![0.0; states.len()];
        for (i, row) in trans.iter().enumerate() {
            for (j, pr) in row {
                next[*j] += pi[i] * pr;
            }
        }
        let delta: f64 = next.iter().zip(&pi).map(|(a, b)| (a - b).abs()).sum();
        pi = next;
        if delta < 1e-13 {
            break;
        }
    }
    states
        .iter()
        .zip(&pi)
        .map(|(s, pr)| pr * s.iter().filter(|&&k| k > 0).count() as f64)
        .sum()
}

/// The no-queueing figure B(1-(1-1/B)^P): distinct banks hit by P fresh uniform requests.
pub fn distinct_banks(ports: u32, banks: u32) -> f64 {
    let b = banks as f64;
    b * (1.0 - (1.0 - 1.0 / b).powi(ports as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsiao_widths_and_columns() {
        for (w, k) in [(32, 7), (64, 8), (128, 9)] {
            let c = Secded::new(w);
            assert_eq!(c.check_bits, k, "W={w}");
            let mut all: Vec<u32> = (0..c.stored_bits()).map(|i| c.column(i)).collect();
            assert!(all.iter().all(|x| x.count_ones() % 2 == 1), "odd columns");
            all.sort();
            all.dedup();
            assert_eq!(all.len(), c.stored_bits(), "distinct columns");
        }
    }

    #[test]
    fn every_single_corrected_every_double_detected() {
        let c = Secded::new(32);
        let data = to_bits(0xDEAD_BEEF, 32);
        let mut stored = data.clone();
        stored.extend(c.encode(&data));
        assert_eq!(c.decode(&stored), (data.clone(), false, false));
        for i in 0..c.stored_bits() {
            let mut s = stored.clone();
            s[i] = !s[i];
            assert_eq!(c.decode(&s), (data.clone(), true, false), "bit {i}");
            for j in i + 1..c.stored_bits() {
                let mut d = s.clone();
                d[j] = !d[j];
                assert!(c.decode(&d).2, "bits {i},{j}");
            }
        }
    }

    #[test]
    fn model_partial_write_and_errors() {
        let cfg = CsramConfig {
            banks: 2,
            width: 32,
            depth: 16,
            ports: 2,
            ecc: true,
        };
        let mut m = CsramModel::new(&cfg);
        let wr = |addr, wdata, wmask| Request {
            addr,
            write: true,
            wdata,
            wmask,
        };
        let rd = |addr| Request {
            addr,
            write: false,
            wdata: 0,
            wmask: 0,
        };
        m.access(&wr(3, 0x1122_3344, 0xF), 0);
        m.access(&wr(3, 0xAA00_00BB, 0x9), 0);
        assert_eq!(m.access(&rd(3), 0).rdata, 0xAA22_33BB);
        m.access(&wr(4, 7, 0xF), 1 << 5);
        assert_eq!(
            m.access(&rd(4), 0),
            Response {
                rdata: 7,
                error: false
            }
        );
        assert_eq!(m.ecc.corrected, 1);
        m.access(&wr(5, 7, 0xF), 0b11);
        assert!(m.access(&rd(5), 0).error);
        assert!(m.access(&wr(5, 1, 0x1), 0).error, "RMW on a bad word fails");
        assert!(m.access(&rd(32), 0).error, "out of range");
    }

    #[test]
    fn throughput_limits() {
        assert!((expected_throughput(1, 4) - 1.0).abs() < 1e-9);
        assert!((expected_throughput(4, 1) - 1.0).abs() < 1e-9);
        // Two ports, two banks: states (2,0) and (1,1); from (1,1) both redraw: P(same)=1/2.
        // From (2,0): one served, redraws: 1/2 to (1,1). Stationary (2,0)=1/2 -> 1.5.
        assert!((expected_throughput(2, 2) - 1.5).abs() < 1e-9);
        assert!((distinct_banks(2, 2) - 1.5).abs() < 1e-9);
    }
}
