//! Two shifters of the float32 accumulate path (combinational, no state).
//!
//! * [`Normalize`]: leading-zero normalizer. `y = x << lz` with the most significant one of `x`
//!   moved to bit N-1, and `lz` the shift used. Built as the classic logarithmic normalizer: for
//!   s = 64, 32, ..., 1 (only stages with s < N), if the top s bits are zero shift left by s. When
//!   `x` is 0, `y` is 0 and `lz` is meaningless (callers test `x` for zero themselves). A pipeline
//!   splits it in two with [`Normalize::with_stages`]: the first part does the large shifts, the
//!   second the small ones, and the caller adds the two `lz` counts (the result is the same as one
//!   normalizer: the large stages leave fewer than the smallest of them leading zeros only when
//!   the small stages can finish the job).
//! * [`ShiftSticky`]: `y = x >> amt` and `sticky` = OR of the bits shifted out, computed as
//!   `x & ~(ones << amt)` reduced by OR: the mask is a thermometer decode of `amt` that runs in
//!   parallel with the shifter instead of after it; any `amt` >= N gives y = 0 and
//!   sticky = (x != 0).
use rust_hdl::prelude::*;

/// Stages of [`Normalize`]: shifts by 64, 32, 16, 8, 4, 2, 1 (N <= 128).
const STAGES: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// Leading-zero normalizer for an N-bit unsigned value (N <= 128).
#[derive(LogicBlock)]
pub struct Normalize<const N: usize> {
    /// Value to normalize.
    pub x: Signal<In, Bits<N>>,
    /// `x` shifted left so that its top one is at bit N-1.
    pub y: Signal<Out, Bits<N>>,
    /// Number of leading zeros of `x` (when `x` != 0).
    pub lz: Signal<Out, Bits<8>>,
    /// Stage shift amounts (0 for a stage not used at this width).
    stage_amt: Vec<Constant<Bits<8>>>,
    /// Right shift that isolates a stage's top bits (N - s).
    stage_chk: Vec<Constant<Bits<8>>>,
    /// The stage exists at this width (s < N).
    stage_en: Vec<Constant<Bit>>,
    zero8: Constant<Bits<8>>,
    /// Working value and count, rewritten stage by stage.
    t: Signal<Local, Bits<N>>,
    n: Signal<Local, Bits<8>>,
}

impl<const N: usize> Default for Normalize<N> {
    fn default() -> Self {
        Self::with_stages(&STAGES)
    }
}

impl<const N: usize> Normalize<N> {
    /// A normalizer that only has the listed stages (of 64, 32, ..., 1; those >= N are dropped).
    pub fn with_stages(stages: &[usize]) -> Self {
        assert!(N >= 2 && N <= 128, "Normalize supports 2..=128 bits");
        let used = |s: usize| s < N && stages.contains(&s);
        Normalize {
            x: Default::default(),
            y: Default::default(),
            lz: Default::default(),
            stage_amt: STAGES
                .iter()
                .map(|&s| Constant::new((if used(s) { s as u64 } else { 0 }).to_bits()))
                .collect(),
            stage_chk: STAGES
                .iter()
                .map(|&s| Constant::new((if used(s) { (N - s) as u64 } else { 0 }).to_bits()))
                .collect(),
            stage_en: STAGES.iter().map(|&s| Constant::new(used(s))).collect(),
            zero8: Constant::new(0u64.to_bits()),
            t: Default::default(),
            n: Default::default(),
        }
    }
}

impl<const N: usize> Logic for Normalize<N> {
    #[hdl_gen]
    fn update(&mut self) {
        self.t.next = self.x.val();
        self.n.next = self.zero8.val();
        for j in 0..7 {
            if self.stage_en[j].val() & !(self.t.val() >> self.stage_chk[j].val()).any() {
                self.t.next = self.t.val() << self.stage_amt[j].val();
                self.n.next = self.n.val() + self.stage_amt[j].val();
            }
        }
        self.y.next = self.t.val();
        self.lz.next = self.n.val();
    }
}

/// Right shift with a sticky bit for an N-bit unsigned value.
#[derive(LogicBlock)]
pub struct ShiftSticky<const N: usize> {
    /// Value to shift.
    pub x: Signal<In, Bits<N>>,
    /// Shift amount (any value; >= N shifts everything out).
    pub amt: Signal<In, Bits<12>>,
    /// `x >> amt`.
    pub y: Signal<Out, Bits<N>>,
    /// Some one bit of `x` was shifted out.
    pub sticky: Signal<Out, Bit>,
    shifted: Signal<Local, Bits<N>>,
    /// All ones; `!(ones << amt)` marks the bits that leave.
    ones: Constant<Bits<N>>,
}

impl<const N: usize> Default for ShiftSticky<N> {
    fn default() -> Self {
        ShiftSticky {
            x: Default::default(),
            amt: Default::default(),
            y: Default::default(),
            sticky: Default::default(),
            shifted: Default::default(),
            ones: Constant::new(Bits::<N>::mask()),
        }
    }
}

impl<const N: usize> Logic for ShiftSticky<N> {
    #[hdl_gen]
    fn update(&mut self) {
        self.shifted.next = self.x.val() >> self.amt.val();
        self.y.next = self.shifted.val();
        self.sticky.next = (self.x.val() & !(self.ones.val() << self.amt.val())).any();
    }
}
