//! A rust-hdl block simulated through Tessera's emitter with `SimBuilder::from_block`.

use rust_hdl::prelude::*;
use tessera_testbench::SimBuilder;

/// An 8-bit counter with synchronous reset and enable.
#[derive(LogicBlock, Default)]
struct Count8 {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub enable: Signal<In, Bit>,
    pub count: Signal<Out, Bits<8>>,
    count_q: DFF<Bits<8>>,
}

impl Logic for Count8 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, count_q);
        self.count.next = self.count_q.q.val();
        if self.reset.val() {
            self.count_q.d.next = bits::<8>(0);
        } else if self.enable.val() {
            self.count_q.d.next = self.count_q.q.val() + bits::<8>(1);
        }
    }
}

#[test]
fn emitted_block_counts_and_wraps() {
    let mut block = Count8::default();
    let mut sim = SimBuilder::from_block("count8", &mut block)
        .unwrap()
        .build()
        .unwrap();
    let (reset, enable) = (sim.port("reset"), sim.port("enable"));
    assert_eq!(sim.port("count").width(), 8);
    sim.reset(reset, 1);
    sim.set(enable, 1);
    sim.step_n(300);
    assert_eq!(sim.peek("count"), 300 % 256);
    sim.set(enable, 0);
    sim.step_n(5);
    assert_eq!(sim.peek("count"), 300 % 256, "holds without enable");
}
