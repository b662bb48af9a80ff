//! One running simulation of a [`Model`]: port access, evaluation, clocking and VCD dumps.
//!
//! Clocking convention of [`Sim::tick`] (period 10 time units, as seen in the VCD):
//!
//! ```text
//! time     10c        10c+5       10(c+1)
//! clk  ____|‾‾‾‾‾‾‾‾‾‾‾|__________|‾‾‾
//!          ^ inputs set since the last tick settle and are dumped here (clock low)
//!                      ^ rising edge: registers update, dumped
//!                                 ^ falling edge, dumped with the next tick's inputs
//! ```
//!
//! Outputs read between ticks are those after the rising edge, recomputed from any inputs changed since
//! (reads evaluate the model first when an input was written).

use crate::model::Model;
use crate::shim::{Dir, PortDecl, Storage};
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A handle to one top-level port, valid for every instance of the design it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Port {
    index: u32,
    width: u32,
    dir: Dir,
    design: u64,
}

impl Port {
    /// Width in bits.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Direction.
    pub fn dir(&self) -> Dir {
        self.dir
    }
    /// Number of 32-bit words that hold its value.
    pub fn words(&self) -> usize {
        self.width.div_ceil(32) as usize
    }
}

/// A simulation instance. Owns its Verilator context; several may run in one process (even of one design).
pub struct Sim {
    model: Arc<Model>,
    handle: *mut c_void,
    ptrs: Vec<*mut c_void>,
    time: u64,
    cycle: u64,
    dirty: bool,
    vcd: Option<PathBuf>,
    clock: Option<Port>,
}

// A `Sim` is used from one thread at a time (`&mut self` everywhere); the Verilator model it owns has no
// affinity to the thread that created it.
unsafe impl Send for Sim {}

impl Sim {
    pub(crate) fn new(model: Arc<Model>, handle: *mut c_void, vcd: Option<PathBuf>) -> Sim {
        let ptrs = (0..model.ports().len() as u32)
            .map(|i| unsafe { (model.api.port_ptr)(handle, i) })
            .collect::<Vec<_>>();
        assert!(
            ptrs.iter().all(|p| !p.is_null()),
            "shim returned a null port address"
        );
        let mut sim = Sim {
            model,
            handle,
            ptrs,
            time: 0,
            cycle: 0,
            dirty: true,
            vcd,
            clock: None,
        };
        sim.clock = ["clock", "clk"].iter().find_map(|n| sim.try_port(n));
        sim
    }

    /// The model this simulation runs.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// All ports in declaration order.
    pub fn ports(&self) -> &[PortDecl] {
        self.model.ports()
    }

    /// The VCD file being written, if tracing.
    pub fn vcd_path(&self) -> Option<&Path> {
        self.vcd.as_deref()
    }

    /// Rising edges applied so far by [`Sim::tick`].
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Simulation time (10 units per cycle).
    pub fn time(&self) -> u64 {
        self.time
    }

    /// Looks a port up by its Verilog name (a `$` in rust-hdl names may be given as is); `None` if absent.
    pub fn try_port(&self, name: &str) -> Option<Port> {
        let mangled = name.replace('$', "__024");
        let i = self
            .ports()
            .iter()
            .position(|p| p.name == name || p.name == mangled)?;
        let d = &self.ports()[i];
        Some(Port {
            index: i as u32,
            width: d.width,
            dir: d.dir,
            design: self.model.design_id,
        })
    }

    /// The Verilator name of a port.
    pub fn port_name(&self, port: Port) -> &str {
        &self.ports()[port.index as usize].name
    }

    /// Looks a port up by name; panics listing the ports when there is none.
    pub fn port(&self, name: &str) -> Port {
        self.try_port(name).unwrap_or_else(|| {
            let list: Vec<String> = self
                .ports()
                .iter()
                .map(|p| format!("{} {:?}[{}]", p.name, p.dir, p.width))
                .collect();
            panic!(
                "model `{}` has no port `{name}`; its ports are: {}",
                self.model.top(),
                list.join(", ")
            )
        })
    }

    fn check(&self, port: Port, write: bool) -> &PortDecl {
        assert_eq!(
            port.design,
            self.model.design_id,
            "port handle belongs to another design than `{}`",
            self.model.top()
        );
        let d = &self.ports()[port.index as usize];
        if write && d.dir == Dir::Out {
            panic!(
                "port `{}` of `{}` is an output and cannot be set",
                d.name,
                self.model.top()
            );
        }
        d
    }

    /// Drives an input port with a value of at most 64 bits (wider ports: the upper words become 0).
    /// Panics on an output port or a value that does not fit the port's width.
    pub fn set(&mut self, port: Port, value: u64) {
        let d = self.check(port, true);
        if d.width < 64 && value >> d.width != 0 {
            panic!(
                "value {value:#x} does not fit in port `{}` of `{}` ({} bits)",
                d.name,
                self.model.top(),
                d.width
            );
        }
        let p = self.ptrs[port.index as usize];
        unsafe {
            match d.storage {
                Storage::U8 => *(p as *mut u8) = value as u8,
                Storage::U16 => *(p as *mut u16) = value as u16,
                Storage::U32 => *(p as *mut u32) = value as u32,
                Storage::U64 => *(p as *mut u64) = value,
                Storage::Wide(n) => {
                    let w = std::slice::from_raw_parts_mut(p as *mut u32, n as usize);
                    w.fill(0);
                    w[0] = value as u32;
                    w[1] = (value >> 32) as u32;
                }
            }
        }
        self.dirty = true;
    }

    /// Drives an input port of any width from little-endian 32-bit words (missing upper words are 0).
    pub fn set_wide(&mut self, port: Port, words: &[u32]) {
        let d = self.check(port, true);
        let n = port.words();
        let top_mask = if d.width.is_multiple_of(32) {
            u32::MAX
        } else {
            (1u32 << (d.width % 32)) - 1
        };
        let fits = words.len() <= n
            && words.iter().skip(n).all(|&w| w == 0)
            && (words.len() < n || words[n - 1] & !top_mask == 0);
        if !fits {
            panic!(
                "value {words:x?} (little-endian words) does not fit in port `{}` of `{}` ({} bits)",
                d.name,
                self.model.top(),
                d.width
            );
        }
        let mut full = vec![0u32; n];
        full[..words.len()].copy_from_slice(words);
        match d.storage {
            Storage::Wide(_) => unsafe {
                std::slice::from_raw_parts_mut(self.ptrs[port.index as usize] as *mut u32, n)
                    .copy_from_slice(&full);
            },
            _ => {
                let v = full[0] as u64 | full.get(1).map_or(0, |&w| (w as u64) << 32);
                self.set(port, v);
            }
        }
        self.dirty = true;
    }

    /// Reads a port of at most 64 bits (evaluating first if an input changed). Panics on wider ports.
    pub fn get(&mut self, port: Port) -> u64 {
        let d = self.check(port, false);
        if d.width > 64 {
            panic!(
                "port `{}` is {} bits wide: read it with get_wide",
                d.name, d.width
            );
        }
        let storage = d.storage;
        self.settle();
        let p = self.ptrs[port.index as usize];
        unsafe {
            match storage {
                Storage::U8 => *(p as *const u8) as u64,
                Storage::U16 => *(p as *const u16) as u64,
                Storage::U32 => *(p as *const u32) as u64,
                Storage::U64 => *(p as *const u64),
                Storage::Wide(_) => unreachable!("wide storage is only used above 64 bits"),
            }
        }
    }

    /// Reads a port of any width as little-endian 32-bit words (`ceil(width/32)` of them).
    pub fn get_wide(&mut self, port: Port) -> Vec<u32> {
        let storage = self.check(port, false).storage;
        if let Storage::Wide(n) = storage {
            self.settle();
            let p = self.ptrs[port.index as usize] as *const u32;
            unsafe { std::slice::from_raw_parts(p, n as usize).to_vec() }
        } else {
            let v = self.get(port);
            let mut w = vec![v as u32];
            if port.words() > 1 {
                w.push((v >> 32) as u32);
            }
            w
        }
    }

    /// `set(port(name), value)`.
    pub fn poke(&mut self, name: &str, value: u64) {
        let p = self.port(name);
        self.set(p, value)
    }

    /// `get(port(name))`.
    pub fn peek(&mut self, name: &str) -> u64 {
        let p = self.port(name);
        self.get(p)
    }

    /// Evaluates the model (combinational settle) with the current inputs.
    pub fn eval(&mut self) {
        unsafe { (self.model.api.eval)(self.handle) };
        self.dirty = false;
    }

    fn settle(&mut self) {
        if self.dirty {
            self.eval();
        }
    }

    fn dump(&mut self) {
        unsafe { (self.model.api.dump)(self.handle, self.time) };
    }

    /// One clock cycle on `clk` (see the module header for the timing), dumping to the VCD if tracing.
    pub fn tick(&mut self, clk: Port) {
        self.set(clk, 0);
        self.eval();
        self.dump();
        self.set(clk, 1);
        self.eval();
        self.time += 5;
        self.dump();
        self.set(clk, 0);
        self.eval();
        self.time += 5;
        self.cycle += 1;
    }

    /// Chooses the clock used by [`Sim::step`] (default: a port named `clock` or `clk`).
    pub fn set_clock(&mut self, clk: Port) {
        self.clock = Some(clk);
    }

    /// One cycle of the default clock.
    pub fn step(&mut self) {
        let clk = self.clock.unwrap_or_else(|| {
            panic!(
                "model `{}` has no port `clock` or `clk`: call set_clock or tick(port)",
                self.model.top()
            )
        });
        self.tick(clk);
    }

    /// `n` cycles of the default clock.
    pub fn step_n(&mut self, n: u64) {
        for _ in 0..n {
            self.step();
        }
    }

    /// Holds the active-high synchronous reset `rst` for `cycles` cycles of the default clock, then releases
    /// it (the release settles at the start of the next cycle).
    pub fn reset(&mut self, rst: Port, cycles: u64) {
        self.set(rst, 1);
        self.step_n(cycles);
        self.set(rst, 0);
        self.eval();
    }

    /// Did the design execute `$finish`?
    pub fn finished(&self) -> bool {
        unsafe { (self.model.api.got_finish)(self.handle) != 0 }
    }

    /// Writes buffered VCD data to disk.
    pub fn flush_trace(&mut self) {
        unsafe { (self.model.api.flush)(self.handle) };
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Record the final falling edge so the last cycle is complete in the VCD, then release the model.
        if self.vcd.is_some() {
            self.eval();
            self.dump();
        }
        unsafe { (self.model.api.free)(self.handle) };
    }
}
