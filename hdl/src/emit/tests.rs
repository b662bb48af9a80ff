//! The emitter on a real rust-hdl design: a Vec of identical skid buffers next to rust-hdl's own FIFO.

use super::*;
use crate::common::SkidBuffer;

#[derive(LogicBlock)]
struct Pair {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub lanes: Vec<SkidBuffer<8>>,
    pub fifo: SynchronousFIFO<Bits<8>, 4, 5, 1>,
    pub o: Signal<Out, Bits<8>>,
    pub k: Constant<Bits<8>>,
}

impl Default for Pair {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            lanes: (0..3).map(|_| SkidBuffer::default()).collect(),
            fifo: Default::default(),
            o: Default::default(),
            k: Constant::new(3.into()),
        }
    }
}

impl Logic for Pair {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..3 {
            self.lanes[i].clock.next = self.clock.val();
            self.lanes[i].reset.next = self.reset.val();
            self.lanes[i].upstream.data.next = self.k.val();
            self.lanes[i].upstream.valid.next = true;
            self.lanes[i].downstream.ready.next = true;
        }
        self.fifo.clock.next = self.clock.val();
        // An untyped `1` becomes `32'h1` in rust-hdl's Verilog; the emitter sizes it.
        self.fifo.data_in.next = self.lanes[0].downstream.data.val() + 1;
        self.fifo.write.next = self.lanes[0].downstream.valid.val();
        self.fifo.read.next = !self.fifo.empty.val();
        self.o.next = self.lanes[1].downstream.data.val()
            ^ self.lanes[2].downstream.data.val()
            ^ self.fifo.data_out.val();
    }
}

#[test]
fn identical_blocks_share_one_definition() {
    let v = emit_verilog("pair", &mut Pair::default()).unwrap();
    let names = module_names(&v).unwrap();
    // 3 skid buffers -> 1 module; DFFs by width; rust-hdl's FIFO parts once each.
    assert_eq!(
        names,
        [
            "pair",
            "pair_fifo",
            "pair_ram",
            "pair_read_logic",
            "pair_dff_w1",
            "pair_dff_w5",
            "pair_write_logic",
            "pair_lanes",
            "pair_dff_w8"
        ]
    );
    assert_eq!(v.matches("pair_lanes lanes_").count(), 3, "{v}");
    assert!(!v.contains("32'h"), "untyped literals left: {v}");
    check_product(&v).unwrap();
}

#[test]
fn output_is_deterministic() {
    let a = emit_verilog("pair", &mut Pair::default()).unwrap();
    let b = emit_verilog("pair", &mut Pair::default()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn passes_verilator_and_yosys() {
    let v = emit_verilog("pair", &mut Pair::default()).unwrap();
    check_all(&v, "pair").unwrap();
}

#[derive(LogicBlock, Default)]
struct Open {
    pub a: Signal<In, Bit>,
    pub y: Signal<Out, Bit>,
    pub z: Signal<Out, Bit>,
}

impl Logic for Open {
    #[hdl_gen]
    fn update(&mut self) {
        self.y.next = self.a.val();
    }
}

#[test]
fn rust_hdl_check_failures_are_errors_not_panics() {
    let e = emit_verilog("open", &mut Open::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("never driven") && e.contains("z"), "{e}");
    let e = emit_verilog("9bad", &mut Open::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("plain Verilog identifier"), "{e}");
}

#[test]
fn lint_failures_name_the_problem() {
    // An unused input must still be reported: only the waivers in hdl/lint/tessera.vlt apply.
    let v = "module t(a, b, y);\n    input wire a;\n    input wire b;\n    output wire y;\n    assign y = a;\nendmodule\n";
    let e = check_all(v, "t").unwrap_err().to_string();
    assert!(e.contains("UNUSEDSIGNAL") && e.contains("'b'"), "{e}");
    // A latch is rejected by yosys.
    let v = "module t(a, e, y);\n    input wire a;\n    input wire e;\n    output reg y;\n    always @(*) begin\n        if (e) y = a;\n    end\nendmodule\n";
    let e = check_yosys_text(v, "t").unwrap_err().to_string();
    assert!(e.to_lowercase().contains("latch"), "{e}");
}

fn check_yosys_text(v: &str, top: &str) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("tessera-emit-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let f = dir.join("latch.v");
    std::fs::write(&f, v)?;
    let r = check_yosys(&f, top);
    let _ = std::fs::remove_dir_all(&dir);
    r
}
