//! `OperandEdge`: decodes one operand stream lane (an A row or a B column) once, at the edge of
//! the array, and registers the result for the PEs of that row or column.
//!
//! ```text
//!  code ---------> ElemDecode(fmt)  --> lane0 (DFF, 17 bits) --> every PE of the row / column
//!  code >> 4 ----> ElemDecode(E2M1) --> lane1 (DFF, 17 bits) -->   (E2M1 pair lane)
//! ```
//!
//! Decoding at the edge instead of in every PE is the usual systolic-array economy (Gemmini's
//! mesh also feeds its PEs with ready operands): R + C decoder pairs instead of 2 R x C, and the
//! decode leaves the PEs' critical path. A decoded lane is packed as
//! `{inf, nan, shift[5:0], mag[7:0], sign}` (bit 0 = sign), see [`super::decode::ElemDecode`].
//!
//! Latency: one cycle; the registers load only when `go` is high (the array's pipeline advance).
//! No reset: the array's valid tags say when a lane holds a beat.
use super::decode::ElemDecode;
use rust_hdl::prelude::*;
use tessera_model::config::ElemFormat;

/// Edge decoder and pipeline register of one operand lane.
#[derive(LogicBlock)]
pub struct OperandEdge {
    pub clock: Signal<In, Clock>,
    /// Pipeline advance.
    pub go: Signal<In, Bit>,
    /// Element code (E2M1 x E2M1: two elements, the second in bits 7:4).
    pub code: Signal<In, Bits<8>>,
    /// Format select of this operand.
    pub fmt: Signal<In, Bits<3>>,
    /// Decoded element (lane 0) and upper E2M1 nibble (lane 1), registered.
    pub lane0: Signal<Out, Bits<17>>,
    pub lane1: Signal<Out, Bits<17>>,
    dec0: ElemDecode,
    dec1: ElemDecode,
    q0: DFF<Bits<17>>,
    q1: DFF<Bits<17>>,
    f_e2m1: Constant<Bits<3>>,
}

impl OperandEdge {
    /// An edge decoder for the configured `formats` (`lsb_min`: smallest lsb exponent among them).
    pub fn new(formats: &[ElemFormat], lsb_min: i32) -> Self {
        OperandEdge {
            clock: Default::default(),
            go: Default::default(),
            code: Default::default(),
            fmt: Default::default(),
            lane0: Default::default(),
            lane1: Default::default(),
            dec0: ElemDecode::new(formats, lsb_min),
            dec1: ElemDecode::new(formats, lsb_min),
            q0: Default::default(),
            q1: Default::default(),
            f_e2m1: Constant::new(super::decode::format_select(ElemFormat::E2m1).to_bits()),
        }
    }
}

impl Logic for OperandEdge {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, q0, q1);
        self.dec0.code.next = self.code.val();
        self.dec0.fmt.next = self.fmt.val();
        self.dec1.code.next = self.code.val() >> 4;
        self.dec1.fmt.next = self.f_e2m1.val();
        if self.go.val() {
            self.q0.d.next = bit_cast::<17, 1>(self.dec0.sign.val().into())
                | (bit_cast::<17, 8>(self.dec0.mag.val()) << 1)
                | (bit_cast::<17, 6>(self.dec0.shift.val()) << 9)
                | (bit_cast::<17, 1>(self.dec0.nan.val().into()) << 15)
                | (bit_cast::<17, 1>(self.dec0.inf.val().into()) << 16);
            self.q1.d.next = bit_cast::<17, 1>(self.dec1.sign.val().into())
                | (bit_cast::<17, 8>(self.dec1.mag.val()) << 1)
                | (bit_cast::<17, 6>(self.dec1.shift.val()) << 9)
                | (bit_cast::<17, 1>(self.dec1.nan.val().into()) << 15)
                | (bit_cast::<17, 1>(self.dec1.inf.val().into()) << 16);
        }
        self.lane0.next = self.q0.q.val();
        self.lane1.next = self.q1.q.val();
    }
}
