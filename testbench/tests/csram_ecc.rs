//! CSRAM SECDED under Verilator (issue 6): every injected single-bit error is corrected and
//! counted, every double-bit error is reported on the response and counted, and partial writes
//! (read-modify-write) repair single errors and refuse to write over double errors.
//!
//! Faults enter through `fault_flip`, which XORs the stored word (data and check bits) of every
//! write; the model applies the same mask, so data, error flags and counters are all compared.
mod csram_support;

use csram_support::{Bench, Dut};
use rand::{Rng, SeedableRng};
use tessera_model::config::{Config, CsramConfig};
use tessera_model::csram::{Request, Response};
use tessera_testbench::seed_for;

fn full(cfg: &CsramConfig) -> u32 {
    ((1u64 << (cfg.width / 8)) - 1) as u32
}

fn wr(addr: u32, wdata: u128, wmask: u32) -> Request {
    Request {
        addr,
        write: true,
        wdata,
        wmask,
    }
}

fn rd(addr: u32) -> Request {
    Request {
        addr,
        write: false,
        wdata: 0,
        wmask: 0,
    }
}

fn data_mask(cfg: &CsramConfig) -> u128 {
    if cfg.width == 128 {
        u128::MAX
    } else {
        (1u128 << cfg.width) - 1
    }
}

/// Every single-bit and every double-bit fault of the stored word, on words spread over banks.
fn exhaustive(name: &str, cfg: &CsramConfig) {
    let seed = seed_for(name);
    println!("[tessera] {name}: seed {seed}");
    let mut rng = tessera_testbench::TestRng::seed_from_u64(seed);
    let s = tessera_hdl::csram::stored_bits(cfg) as usize;
    let words = cfg.banks * cfg.depth;
    let mut dut = Dut::new(cfg);
    let mut bench = Bench::new(&mut dut);
    let (mut singles, mut doubles) = (0u64, 0u64);
    for i in 0..s {
        for j in (i + 1)..s {
            let addr = rng.gen_range(0..words);
            let data = rng.gen::<u128>() & data_mask(cfg);
            let flip = (1u128 << i) | (1u128 << j);
            let port = rng.gen_range(0..cfg.ports as usize);
            let w = bench.run_one(port, wr(addr, data, full(cfg)), flip);
            assert_eq!(w, Response::default(), "write");
            let r = bench.run_one(port, rd(addr), 0);
            assert!(r.error, "bits {i},{j}: double error not reported");
            doubles += 1;
        }
        // The single-bit fault i.
        let addr = rng.gen_range(0..words);
        let data = rng.gen::<u128>() & data_mask(cfg);
        let port = rng.gen_range(0..cfg.ports as usize);
        bench.run_one(port, wr(addr, data, full(cfg)), 1u128 << i);
        let r = bench.run_one(port, rd(addr), 0);
        assert_eq!(
            r,
            Response {
                rdata: data,
                error: false
            },
            "bit {i}: not corrected"
        );
        singles += 1;
    }
    bench.check_counters();
    assert_eq!(bench.model.ecc.corrected, singles);
    assert_eq!(bench.model.ecc.uncorrected, doubles);
    println!("[tessera] {name}: {singles} single-bit faults corrected, {doubles} double-bit faults reported");
}

#[test]
fn csram_ecc_exhaustive_tiny() {
    let cfg = CsramConfig {
        ecc: true,
        ..Config::preset("tiny").unwrap().csram
    };
    exhaustive("csram_ecc_exhaustive_tiny", &cfg);
}

#[test]
fn csram_ecc_exhaustive_small() {
    exhaustive(
        "csram_ecc_exhaustive_small",
        &Config::preset("small").unwrap().csram,
    );
}

/// Partial writes read, correct, merge and re-encode: a single fault under a partial write is
/// repaired; a double fault makes the write fail with `error` and leaves the word as it was.
#[test]
fn csram_ecc_read_modify_write() {
    let cfg = CsramConfig {
        ecc: true,
        ..Config::preset("tiny").unwrap().csram
    };
    let mut dut = Dut::new(&cfg);
    let mut bench = Bench::new(&mut dut);
    bench.run_one(0, wr(5, 0x1122_3344, 0xF), 1 << 3);
    let w = bench.run_one(1, wr(5, 0xAA00_00BB, 0b1001), 0);
    assert!(!w.error);
    let r = bench.run_one(0, rd(5), 0);
    assert_eq!(
        r,
        Response {
            rdata: 0xAA22_33BB,
            error: false
        }
    );
    bench.run_one(0, wr(6, 0x5555_AAAA, 0xF), 0b11 << 10);
    let w = bench.run_one(1, wr(6, 0xFF, 0b0001), 0);
    assert!(w.error, "RMW over a double error must fail");
    let r = bench.run_one(0, rd(6), 0);
    assert!(r.error, "the word is still bad (not silently rewritten)");
    // Back-to-back partial writes and reads on one bank from both ports.
    for k in 0..20u32 {
        let p = (k % 2) as usize;
        bench.run_one(p, wr(8, (k as u128) << (8 * (k % 4)), 1 << (k % 4)), 0);
    }
    bench.run_one(0, rd(8), 0);
    bench.drain(100);
    bench.check_counters();
}
