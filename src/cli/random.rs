//! `tessera random`: a seeded float32 test matrix as .npy (for demos and quick experiments).
//!
//! Values are normal(0, 1) by Box-Muller from a seeded ChaCha generator, times `--scale`; with
//! `--outliers P`, a fraction P of the values is multiplied by 64 — the heavy-tailed activations
//! that make per-block (MX) scaling worth having.

use super::usage;
use clap::Args;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

#[derive(Args)]
pub struct RandomArgs {
    /// Rows of the matrix.
    #[arg(long)]
    pub rows: usize,
    /// Columns of the matrix.
    #[arg(long)]
    pub cols: usize,
    /// Seed of the generator; the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Standard deviation of the values.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// Fraction of values (0..1) made 64x larger.
    #[arg(long, default_value_t = 0.0)]
    pub outliers: f64,
    /// The .npy file to write (float32 [rows][cols]).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: RandomArgs) -> anyhow::Result<()> {
    if args.rows == 0 || args.cols == 0 || args.rows * args.cols > 1 << 26 {
        return usage(format!(
            "--rows and --cols must be positive with at most 2^26 elements, got {} x {}",
            args.rows, args.cols
        ));
    }
    if !args.scale.is_finite() || !(0.0..=1.0).contains(&args.outliers) {
        return usage(format!(
            "--scale must be finite and --outliers in 0..=1, got {} and {}",
            args.scale, args.outliers
        ));
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let n = args.rows * args.cols;
    let mut data = Vec::with_capacity(n);
    while data.len() < n {
        // Box-Muller: two independent normals from two uniforms in (0, 1].
        let u1: f64 = 1.0 - rng.gen::<f64>();
        let u2: f64 = rng.gen::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        for z in [
            r * (std::f64::consts::TAU * u2).cos(),
            r * (std::f64::consts::TAU * u2).sin(),
        ] {
            if data.len() < n {
                let big = rng.gen::<f64>() < args.outliers;
                data.push((z * args.scale as f64 * if big { 64.0 } else { 1.0 }) as f32);
            }
        }
    }
    let bytes = super::mx::npy_bytes(args.rows, args.cols, &data)?;
    super::mx::write_outputs(&[(args.out.as_path(), bytes)])?;
    println!(
        "wrote {} (float32 [{}][{}], seed {})",
        args.out.display(),
        args.rows,
        args.cols,
        args.seed
    );
    Ok(())
}
