//! Test harness: seeds, tracing switches, and [`run_test`], which re-runs a failing test with a VCD.
//!
//! Environment:
//! * `TESSERA_SEED=<u64>`: seed for every [`run_test`] (default: a fixed value derived from the test name);
//! * `TESSERA_TRACE=1`: every simulation writes a VCD (`target/vcd/`, or `TESSERA_VCD_DIR`).

use crate::model::SimBuilder;
use crate::sim::Sim;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The random generator handed to tests (ChaCha-based, reproducible for a given seed and `rand` version).
pub type TestRng = StdRng;

/// True when `TESSERA_TRACE` is set to something other than `0`/empty.
pub fn trace_from_env() -> bool {
    std::env::var("TESSERA_TRACE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Directory for VCD files: `TESSERA_VCD_DIR`, else `<workspace>/target/vcd`.
pub fn vcd_dir() -> PathBuf {
    std::env::var_os("TESSERA_VCD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::cache::workspace_target().join("vcd"))
}

/// A fresh VCD path for an ad-hoc traced simulation of `top` (unique within the process).
pub fn auto_vcd_path(top: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    vcd_dir().join(format!(
        "{top}-p{}-{}.vcd",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The seed for test `name`: `TESSERA_SEED` if set, otherwise a fixed value derived from the name (so each
/// test has its own stable seed).
pub fn seed_for(name: &str) -> u64 {
    if let Ok(s) = std::env::var("TESSERA_SEED") {
        let s = s.trim();
        let parsed = s
            .strip_prefix("0x")
            .map_or_else(|| s.parse(), |h| u64::from_str_radix(h, 16));
        return parsed.unwrap_or_else(|_| {
            panic!("TESSERA_SEED must be a u64 (decimal or 0x hex), got `{s}`")
        });
    }
    // FNV-1a: stable across Rust versions, unlike std's hasher.
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A seeded generator for test `name` (see [`seed_for`]), with the seed printed.
pub fn rng_for(name: &str) -> (u64, TestRng) {
    let seed = seed_for(name);
    println!("[tessera] {name}: seed {seed} (TESSERA_SEED={seed} reproduces)");
    (seed, TestRng::seed_from_u64(seed))
}

/// Runs `body` on a fresh simulation built by `builder` with the seed of `name` (see [`seed_for`]).
///
/// If `body` panics and the run was not traced, the same seeded test runs again on a fresh instance that
/// writes `target/vcd/<name>-<seed>.vcd`; the seed and the VCD path are printed and the original panic is
/// resumed. `body` must therefore be deterministic given the generator.
pub fn run_test<F>(name: &str, builder: &SimBuilder, body: F)
where
    F: Fn(&mut Sim, &mut TestRng),
{
    run_test_seeded(name, seed_for(name), builder, body)
}

/// [`run_test`] with an explicit seed.
pub fn run_test_seeded<F>(name: &str, seed: u64, builder: &SimBuilder, body: F)
where
    F: Fn(&mut Sim, &mut TestRng),
{
    let model = builder
        .build_model()
        .unwrap_or_else(|e| panic!("{name}: building the model failed: {e:#}"));
    let vcd = vcd_dir().join(format!("{name}-{seed}.vcd"));
    let traced = trace_from_env();
    println!("[tessera] {name}: seed {seed} (TESSERA_SEED={seed} reproduces)");
    let first = catch_unwind(AssertUnwindSafe(|| {
        let mut sim = model
            .instantiate(traced.then_some(vcd.as_path()))
            .unwrap_or_else(|e| panic!("{name}: instantiating the model failed: {e:#}"));
        let mut rng = TestRng::seed_from_u64(seed);
        body(&mut sim, &mut rng);
    }));
    let Err(payload) = first else { return };
    if !traced {
        eprintln!(
            "[tessera] {name}: FAILED with seed {seed}; re-running with tracing into {}",
            vcd.display()
        );
        let rerun = catch_unwind(AssertUnwindSafe(|| {
            let mut sim = model
                .instantiate(Some(vcd.as_path()))
                .expect("instantiating the traced re-run");
            let mut rng = TestRng::seed_from_u64(seed);
            body(&mut sim, &mut rng);
        }));
        if rerun.is_ok() {
            eprintln!("[tessera] {name}: the traced re-run PASSED: the test is not deterministic for its seed");
        }
    }
    eprintln!(
        "[tessera] {name}: FAILED with seed {seed} (reproduce with TESSERA_SEED={seed}); VCD: {}",
        vcd.display()
    );
    resume_unwind(payload)
}
