//! Throughput of the reference MX GEMM (`tessera_model::mx::gemm`), in MACs per second, on one
//! thread (`gemm_serial`) and on all of rayon's threads (`gemm`).
//!
//! Run: `cargo bench -p tessera-model --bench gemm` (release profile). Optional arguments:
//! `M N K` (default 256 256 1024). A plain `main`: figures are printed, nothing is asserted.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use tessera_model::mx::{self, ElemFormat, MxTensor, ScaleRule};

fn matrix(rng: &mut StdRng, rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols)
        .map(|_| rng.gen_range(-1.0f32..1.0))
        .collect()
}

/// Best of `reps` runs, in seconds.
fn time(reps: usize, mut f: impl FnMut() -> Vec<u32>) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    // `cargo bench` passes `--bench`; keep only numeric arguments.
    let nums: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (m, n, k) = match nums[..] {
        [m, n, k] => (m, n, k),
        _ => (256, 256, 1024),
    };
    let block = 32;
    assert!(k % block == 0, "K must be a multiple of {block}");
    let mut rng = StdRng::seed_from_u64(1);
    let (a, b) = (matrix(&mut rng, m, k), matrix(&mut rng, n, k));
    let macs = (m * n * k) as f64;
    let threads = rayon::current_num_threads();
    println!("MX GEMM reference model: C[{m}][{n}] = A[{m}][{k}] x B[{n}][{k}]^T, k = {block}, {threads} rayon threads");
    println!(
        "{:<14} {:>16} {:>22}",
        "formats",
        "1 thread MAC/s",
        format!("{threads} threads MAC/s")
    );
    let pairs = [
        (ElemFormat::E4m3, ElemFormat::E4m3),
        (ElemFormat::E2m1, ElemFormat::E4m3),
        (ElemFormat::E2m1, ElemFormat::E2m1),
        (ElemFormat::Int8, ElemFormat::Int8),
        (ElemFormat::E5m2, ElemFormat::E5m2),
    ];
    for (fa, fb) in pairs {
        let qa = MxTensor::quantize(fa, block, ScaleRule::Floor, m, k, &a).unwrap();
        let qb = MxTensor::quantize(fb, block, ScaleRule::Floor, n, k, &b).unwrap();
        let serial = time(2, || mx::gemm_serial(&qa, &qb, None).unwrap());
        let par = time(3, || mx::gemm(&qa, &qb, None).unwrap());
        println!(
            "{:<14} {:>16.3e} {:>22.3e}",
            format!("{fa} x {fb}"),
            macs / serial,
            macs / par
        );
    }
}
