//! SECDED encoder and decoder for one CSRAM word: the Hsiao code of [`tessera_model::csram::Secded`].
//!
//! ```text
//!  encoder:  data[W] ──┬──────────────────────────────▶ stored[W-1:0]
//!                      └─ K parity trees (row j of H) ─▶ stored[W+K-1:W]
//!
//!  decoder:  stored[S] ─ K parity trees ─▶ syndrome[K] ─┬─ == column i ? ─▶ flip data bit i ─▶ data[W]
//!                                                       ├─ matches a column ───────────────▶ corrected
//!                                                       └─ non-zero, no match ─────────────▶ uncorrectable
//! ```
//!
//! Both are combinational (no clock, no reset). The matrix comes from the reference model, so the
//! RTL and the model cannot disagree on it. Hsiao's columns all have odd weight: a single error
//! gives an odd syndrome equal to that bit's column (corrected); a double error gives an even,
//! non-zero syndrome (matches no column, reported uncorrectable). With `check_bits = 0` (ECC off)
//! both blocks are wires: stored = data, no flags.
//!
//! Const generics: `W` data bits, `S` stored bits (`W + K`). The syndrome is held in 16 bits
//! (K <= 9 for W <= 128); its unused top bits are constant zero.
use crate::common::ZeroExtend;
use rust_hdl::prelude::*;
use tessera_model::csram::Secded;

/// Syndrome register width (K <= 16).
const SYN_BITS: usize = 16;

fn mask_of<const N: usize>(bits: impl Iterator<Item = bool>) -> Constant<Bits<N>> {
    let mut v = Bits::<N>::default();
    for (i, b) in bits.enumerate() {
        if b {
            v = v.replace_bit(i, true);
        }
    }
    Constant::new(v)
}

/// `stored = {check(data), data}`.
#[derive(LogicBlock)]
pub struct SecdedEncode<const W: usize, const S: usize> {
    /// Data word.
    pub data: Signal<In, Bits<W>>,
    /// Data with the check bits on top.
    pub stored: Signal<Out, Bits<S>>,
    widen: ZeroExtend<W, S>,
    /// Row j of H over the data bits.
    row: Vec<Constant<Bits<W>>>,
    /// Stored bit W + j alone.
    check_bit: Vec<Constant<Bits<S>>>,
    _check: usize,
}

impl<const W: usize, const S: usize> SecdedEncode<W, S> {
    /// The encoder of `code`, or a pass-through when `code` is `None` (then `S` must equal `W`).
    pub fn new(code: Option<&Secded>) -> Self {
        let k = code.map_or(0, |c| c.check_bits);
        assert_eq!(S, W + k, "SecdedEncode<{W}, {S}> with {k} check bits");
        Self {
            data: Default::default(),
            stored: Default::default(),
            widen: Default::default(),
            row: (0..k)
                .map(|j| mask_of(code.unwrap().row_mask(j).into_iter()))
                .collect(),
            check_bit: (0..k)
                .map(|j| mask_of((0..S).map(|i| i == W + j)))
                .collect(),
            _check: k,
        }
    }
}

impl<const W: usize, const S: usize> Logic for SecdedEncode<W, S> {
    #[hdl_gen]
    fn update(&mut self) {
        self.widen.narrow.next = self.data.val();
        self.stored.next = self.widen.wide.val();
        for j in 0..self._check {
            if (self.data.val() & self.row[j].val()).xor() {
                self.stored.next = self.stored.val() | self.check_bit[j].val();
            }
        }
    }
}

/// Corrects one flipped bit, flags two.
#[derive(LogicBlock)]
pub struct SecdedDecode<const W: usize, const S: usize> {
    /// Stored word (data, then check bits).
    pub stored: Signal<In, Bits<S>>,
    /// Data with a single-bit error corrected.
    pub data: Signal<Out, Bits<W>>,
    /// A single-bit error was found (and corrected, if in the data).
    pub corrected: Signal<Out, Bit>,
    /// A double (or undecodable) error was found; `data` is not trustworthy.
    pub uncorrectable: Signal<Out, Bit>,
    syndrome: Signal<Local, Bits<SYN_BITS>>,
    matched: Signal<Local, Bit>,
    /// Row j of H over the stored bits (check bit j included).
    row: Vec<Constant<Bits<S>>>,
    /// Column i of H, for every stored bit.
    column: Vec<Constant<Bits<SYN_BITS>>>,
    /// Syndrome bit j alone.
    syn_bit: Vec<Constant<Bits<SYN_BITS>>>,
    /// Data bit i alone.
    data_bit: Vec<Constant<Bits<W>>>,
    syn_zero: Constant<Bits<SYN_BITS>>,
    _check: usize,
    _data_cols: usize,
}

impl<const W: usize, const S: usize> SecdedDecode<W, S> {
    /// The decoder of `code`, or a pass-through when `code` is `None` (then `S` must equal `W`).
    pub fn new(code: Option<&Secded>) -> Self {
        let k = code.map_or(0, |c| c.check_bits);
        assert_eq!(S, W + k, "SecdedDecode<{W}, {S}> with {k} check bits");
        let (row, column) = match code {
            None => (vec![], vec![]),
            Some(c) => (
                (0..k)
                    .map(|j| mask_of((0..S).map(|i| (c.column(i) >> j) & 1 == 1)))
                    .collect(),
                (0..S)
                    .map(|i| mask_of((0..SYN_BITS).map(|j| (c.column(i) >> j) & 1 == 1)))
                    .collect(),
            ),
        };
        Self {
            stored: Default::default(),
            data: Default::default(),
            corrected: Default::default(),
            uncorrectable: Default::default(),
            syndrome: Default::default(),
            matched: Default::default(),
            row,
            column,
            syn_bit: (0..k)
                .map(|j| mask_of((0..SYN_BITS).map(|i| i == j)))
                .collect(),
            data_bit: (0..if k > 0 { W } else { 0 })
                .map(|b| mask_of((0..W).map(|i| i == b)))
                .collect(),
            syn_zero: Constant::new(Bits::default()),
            _check: k,
            _data_cols: if k > 0 { W } else { 0 },
        }
    }
}

impl<const W: usize, const S: usize> Logic for SecdedDecode<W, S> {
    #[hdl_gen]
    fn update(&mut self) {
        self.syndrome.next = self.syn_zero.val();
        self.matched.next = false;
        self.data.next = self.stored.val().get_bits::<W>(0);
        for j in 0..self._check {
            if (self.stored.val() & self.row[j].val()).xor() {
                self.syndrome.next = self.syndrome.val() | self.syn_bit[j].val();
            }
        }
        // Data columns: flip the bit whose column equals the syndrome.
        for i in 0..self._data_cols {
            if self.syndrome.val() == self.column[i].val() {
                self.data.next = self.data.val() ^ self.data_bit[i].val();
                self.matched.next = true;
            }
        }
        // Check-bit columns: the data is already right; the error still counts as corrected.
        for w0 in W..(W + 1) {
            for j in 0..self._check {
                if self.syndrome.val() == self.column[w0 + j].val() {
                    self.matched.next = true;
                }
            }
        }
        self.corrected.next = self.matched.val();
        self.uncorrectable.next = self.syndrome.val().any() & !self.matched.val();
    }
}
