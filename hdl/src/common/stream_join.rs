//! Stream join: N input streams into one whose items are the N inputs' items side by side.
//!
//! The role of PULP common_cells `stream_join` (which joins handshakes only), with the payloads concatenated:
//! input 0 in the low `W` bits, input i in bits `[i*W + W - 1 : i*W]`. The output is valid when every input is
//! valid, and all inputs are consumed together on the output transfer.
//!
//! ```text
//!  upstream[0] (W) --+
//!  upstream[1] (W) --+--> downstream: data = {up[N-1].data, ..., up[0].data} (WO = N*W bits)
//!    ...             |                valid = AND_i up[i].valid
//!  upstream[N-1] ----+    upstream[i].ready = downstream.ready & AND_j up[j].valid
//! ```
//!
//! Ports: `upstream[i]: StreamIn<W>`, `downstream: StreamOut<WO>`. No clock and no state, so no reset.
//!
//! * Latency: 0 (combinational). Throughput: 1 item per cycle.
//! * `downstream.valid` depends on the inputs' `valid` only. An input's `ready` depends on the other inputs'
//!   `valid` (allowed: ready may depend on valid), so an input is never taken alone.
//!
//! Const generics: `W` payload bits per input, `WO` = N * W (checked by [`StreamJoin::new`]).
use super::stream::{StreamIn, StreamOut};
use super::zero_extend::ZeroExtend;
use rust_hdl::prelude::*;

/// N-to-1 stream join with concatenated payloads (N given to [`StreamJoin::new`]).
#[derive(LogicBlock)]
pub struct StreamJoin<const W: usize, const WO: usize> {
    /// The inputs.
    pub upstream: Vec<StreamIn<W>>,
    /// The joined stream.
    pub downstream: StreamOut<WO>,
    widen: Vec<ZeroExtend<W, WO>>,
    all_valid: Signal<Local, Bit>,
    joined: Signal<Local, Bits<WO>>,
    /// i * W, the position of input i in the output.
    offset_of: Vec<Constant<Bits<16>>>,
    joined_zero: Constant<Bits<WO>>,
    _n: usize,
}

impl<const W: usize, const WO: usize> StreamJoin<W, WO> {
    /// A join of `n` inputs. Panics (at elaboration) unless n >= 2 and WO = n * W.
    pub fn new(n: usize) -> Self {
        assert!(n >= 2, "StreamJoin needs at least 2 inputs, got {n}");
        assert_eq!(
            WO,
            n * W,
            "StreamJoin<W, WO> over {n} inputs of {W} bits needs WO = {}, got {WO}",
            n * W
        );
        Self {
            upstream: (0..n).map(|_| Default::default()).collect(),
            downstream: Default::default(),
            widen: (0..n).map(|_| Default::default()).collect(),
            all_valid: Default::default(),
            joined: Default::default(),
            offset_of: (0..n)
                .map(|i| Constant::new(bits::<16>((i * W) as u64)))
                .collect(),
            joined_zero: Constant::new(bits::<WO>(0)),
            _n: n,
        }
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self._n
    }
}

impl<const W: usize, const WO: usize> Logic for StreamJoin<W, WO> {
    #[hdl_gen]
    fn update(&mut self) {
        self.all_valid.next = true;
        self.joined.next = self.joined_zero.val();
        for i in 0..self._n {
            self.widen[i].narrow.next = self.upstream[i].data.val();
        }
        for i in 0..self._n {
            self.all_valid.next = self.all_valid.val() & self.upstream[i].valid.val();
        }
        for i in 0..self._n {
            self.joined.next =
                self.joined.val() | (self.widen[i].wide.val() << self.offset_of[i].val());
        }
        self.downstream.valid.next = self.all_valid.val();
        self.downstream.data.next = self.joined.val();
        for i in 0..self._n {
            self.upstream[i].ready.next = self.downstream.ready.val() & self.all_valid.val();
        }
    }
}
