//! `tessera vec` end to end: single operations, reductions and composite functions on .npy
//! files, on the reference model and on the TVP's Verilog under Verilator (tiny preset, 2 lanes);
//! the two engines must agree bit for bit, and the model engine must equal the library's model.

use npyz::WriterBuilder;
use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_model::tvp::composite::Composite;
use tessera_model::tvp::reduce::Red;
use tessera_model::tvp::{apply_vec, Op};

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("tessera-cli-vec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_npy(path: &Path, rows: u64, cols: u64, data: &[f32]) {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows, cols])
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    std::fs::write(path, buf).unwrap();
}

fn read_bits(path: &Path) -> (Vec<u64>, Vec<u32>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    let v: Vec<f32> = npy.into_vec().unwrap();
    (shape, v.iter().map(|x| x.to_bits()).collect())
}

fn vec_cli(dir: &Path, op: &str, engine: &str, extra: &[&str]) -> (Vec<u64>, Vec<u32>) {
    let out = format!("z_{op}_{engine}.npy");
    let mut args = vec![
        "vec", "--preset", "tiny", "--op", op, "--in", "x.npy", "--out", &out, "--engine", engine,
    ];
    args.extend_from_slice(extra);
    let r = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("run tessera");
    assert!(
        r.status.success(),
        "tessera {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&r.stderr)
    );
    read_bits(&dir.join(out))
}

#[test]
fn vec_model_and_rtl_agree_on_ops_reductions_and_composites() {
    let dir = scratch();
    let (rows, cols) = (3usize, 37usize);
    // Values in [-6, 6) with a few exact corners (-0, ties for the sums).
    let mut s = 12345u64;
    let mut x: Vec<f32> = (0..rows * cols)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 12.0
        })
        .collect();
    x[0] = -0.0;
    x[1] = 1e-40;
    let y: Vec<f32> = x.iter().map(|v| v * 0.75 - 1.0).collect();
    write_npy(&dir.join("x.npy"), rows as u64, cols as u64, &x);
    write_npy(&dir.join("y.npy"), rows as u64, cols as u64, &y);
    let xb: Vec<u32> = x.iter().map(|v| v.to_bits()).collect();
    let yb: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();

    // One elementwise op with two operands, one approximation.
    for (op, extra) in [(Op::Add, &["--in2", "y.npy"][..]), (Op::Exp2, &[][..])] {
        let m = vec_cli(&dir, op.name(), "model", extra);
        let r = vec_cli(&dir, op.name(), "rtl", extra);
        assert_eq!(m.0, vec![rows as u64, cols as u64]);
        let want = apply_vec(op, &xb, if extra.is_empty() { &[] } else { &yb }, &[], 0);
        assert_eq!(m.1, want, "{}: model engine vs library", op.name());
        assert_eq!(r.1, m.1, "{}: rtl vs model", op.name());
    }
    // Reductions: one scalar per row.
    for red in [Red::Sum, Red::Max] {
        let m = vec_cli(&dir, red.name(), "model", &[]);
        let r = vec_cli(&dir, red.name(), "rtl", &[]);
        assert_eq!(m.0, vec![rows as u64, 1]);
        let want: Vec<u32> = xb.chunks(cols).map(|row| red.run(row, 2, 0)).collect();
        assert_eq!(m.1, want, "{}: model engine vs library", red.name());
        assert_eq!(r.1, m.1, "{}: rtl vs model", red.name());
    }
    // Composites: every step on the chosen engine.
    for c in Composite::ALL {
        let m = vec_cli(&dir, c.name(), "model", &[]);
        let r = vec_cli(&dir, c.name(), "rtl", &[]);
        let want: Vec<u32> = xb.chunks(cols).flat_map(|row| c.run(row, 2)).collect();
        assert_eq!(m.1, want, "{}: model engine vs library", c.name());
        assert_eq!(r.1, m.1, "{}: rtl vs model", c.name());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
