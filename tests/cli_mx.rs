//! `tessera quantize`, `dequantize` and `gemm` end to end: .npy files in and out, results equal
//! to the reference model's, and bad inputs rejected with exit code 2 and no output file.
//!
//! `tests/fixtures/mx/*.npy` were written by numpy 2.x:
//! `x = (np.arange(64, dtype=np.float32).reshape(2, 32) - np.float32(15.5)) * np.float32(0.375)`,
//! saved as `x_2x32_f32.npy` and, with `np.asfortranarray(x)`, as `x_2x32_f32_fortran.npy`.

use npyz::WriterBuilder;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use tessera_model::mx::{self, ElemFormat, MxTensor, ScaleRule};

fn tessera(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tessera")
}

/// A fresh scratch folder per test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "tessera-cli-mx-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mx")
        .join(name)
}

fn write_npy<T: npyz::AutoSerialize + Copy>(path: &Path, shape: &[u64], data: &[T]) {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    std::fs::write(path, buf).unwrap();
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec().unwrap())
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "tessera failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn numpy_x() -> Vec<f32> {
    (0..64).map(|i| (i as f32 - 15.5) * 0.375).collect()
}

#[test]
fn quantize_dequantize_numpy_fixture() {
    let d = scratch("quant");
    let (shape, x) = read_npy::<f32>(&fixture("x_2x32_f32.npy"));
    assert_eq!((shape, &x), (vec![2, 32], &numpy_x()), "fixture content");
    for (fmt, block, rule) in [
        ("e4m3", 32, "floor"),
        ("e2m1", 16, "rceil"),
        ("int8", 8, "floor"),
    ] {
        let out = tessera(
            &[
                "quantize",
                "--format",
                fmt,
                "--block",
                &block.to_string(),
                "--scale-rule",
                rule,
                fixture("x_2x32_f32.npy").to_str().unwrap(),
                "--codes",
                "c.npy",
                "--scales",
                "s.npy",
            ],
            &d,
        );
        let text = ok(&out);
        assert!(
            text.contains("SQNR") && text.contains("max abs error"),
            "{text}"
        );
        let f = ElemFormat::parse(fmt).unwrap();
        let want =
            MxTensor::quantize(f, block, ScaleRule::parse(rule).unwrap(), 2, 32, &x).unwrap();
        let (cs, codes) = read_npy::<u8>(&d.join("c.npy"));
        let (ss, scales) = read_npy::<u8>(&d.join("s.npy"));
        assert_eq!((cs, ss), (vec![2, 32], vec![2, 32 / block as u64]));
        assert_eq!((&codes, &scales), (&want.codes, &want.scales), "{fmt}");

        let out = tessera(
            &[
                "dequantize",
                "--format",
                fmt,
                "--block",
                &block.to_string(),
                "--codes",
                "c.npy",
                "--scales",
                "s.npy",
                "--out",
                "y.npy",
            ],
            &d,
        );
        ok(&out);
        let (ys, y) = read_npy::<f32>(&d.join("y.npy"));
        assert_eq!(ys, vec![2, 32]);
        let want_y: Vec<u32> = want.dequantize_bits();
        assert_eq!(
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want_y,
            "{fmt}"
        );
    }
}

#[test]
fn fortran_order_input_is_read_as_its_logical_matrix() {
    let d = scratch("fortran");
    for (name, codes) in [
        ("x_2x32_f32.npy", "c.npy"),
        ("x_2x32_f32_fortran.npy", "cf.npy"),
    ] {
        let f = fixture(name);
        ok(&tessera(
            &[
                "quantize",
                "--format",
                "e4m3",
                f.to_str().unwrap(),
                "--codes",
                codes,
                "--scales",
                "s.npy",
            ],
            &d,
        ));
    }
    assert_eq!(
        read_npy::<u8>(&d.join("c.npy")).1,
        read_npy::<u8>(&d.join("cf.npy")).1
    );
}

#[test]
fn gemm_matches_the_model() {
    let d = scratch("gemm");
    let (m, n, k) = (3usize, 5usize, 64usize);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
        .collect();
    let b: Vec<f32> = (0..n * k)
        .map(|i| ((i * 53 % 97) as f32 - 48.0) / 5.0)
        .collect();
    let c0: Vec<f32> = (0..m * n).map(|i| i as f32 * 0.25 - 1.0).collect();
    write_npy(&d.join("a.npy"), &[m as u64, k as u64], &a);
    write_npy(&d.join("b.npy"), &[n as u64, k as u64], &b);
    write_npy(&d.join("c0.npy"), &[m as u64, n as u64], &c0);
    for (fa, fb, block, with_c0) in [
        ("e2m1", "e4m3", 32, true),
        ("int8", "e5m2", 16, false),
        ("e4m3", "e4m3", 32, false),
    ] {
        let mut args = vec![
            "gemm",
            "--a",
            "a.npy",
            "--b",
            "b.npy",
            "--format-a",
            fa,
            "--format-b",
            fb,
            "--out",
            "c.npy",
            "--engine",
            "model",
        ];
        let bs = block.to_string();
        if block != 32 {
            args.extend(["--block", &bs]);
        }
        if with_c0 {
            args.extend(["--c0", "c0.npy"]);
        }
        ok(&tessera(&args, &d));
        let qa = MxTensor::quantize(
            ElemFormat::parse(fa).unwrap(),
            block,
            ScaleRule::Floor,
            m,
            k,
            &a,
        )
        .unwrap();
        let qb = MxTensor::quantize(
            ElemFormat::parse(fb).unwrap(),
            block,
            ScaleRule::Floor,
            n,
            k,
            &b,
        )
        .unwrap();
        let c0b: Vec<u32> = c0.iter().map(|v| v.to_bits()).collect();
        let want = mx::gemm_reference(&qa, &qb, with_c0.then_some(&c0b[..])).unwrap();
        let (cs, c) = read_npy::<f32>(&d.join("c.npy"));
        assert_eq!(cs, vec![m as u64, n as u64]);
        assert_eq!(
            c.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want,
            "{fa} x {fb}"
        );
    }
}

/// Run a command that must fail with exit code 2, a one-line "error:" message mentioning
/// `needle`, and without creating any of `outputs`.
fn rejects(d: &Path, args: &[&str], needle: &str, outputs: &[&str]) {
    let out = tessera(args, d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: want exit 2, stderr: {err}"
    );
    assert!(
        err.starts_with("error:") && err.trim_end().lines().count() == 1,
        "{args:?}: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: message lacks '{needle}': {err}"
    );
    for o in outputs {
        assert!(
            !d.join(o).exists(),
            "{args:?}: {o} was written despite the error"
        );
    }
}

#[test]
fn bad_inputs_exit_2_and_write_nothing() {
    let d = scratch("errors");
    write_npy(&d.join("f64.npy"), &[2, 32], &[1.0f64; 64]);
    write_npy(&d.join("r3.npy"), &[2, 2, 32], &[1.0f32; 128]);
    write_npy(&d.join("r1.npy"), &[32], &[1.0f32; 32]);
    write_npy(&d.join("x.npy"), &[2, 48], &[1.0f32; 96]);
    write_npy(&d.join("a.npy"), &[2, 64], &[1.0f32; 128]);
    write_npy(&d.join("b.npy"), &[3, 32], &[1.0f32; 96]);
    write_npy(&d.join("codes.npy"), &[2, 32], &[0x1Fu8; 64]);
    write_npy(&d.join("scales.npy"), &[2, 1], &[127u8, 127]);
    write_npy(&d.join("scales_bad.npy"), &[2, 2], &[127u8; 4]);
    std::fs::write(d.join("junk.npy"), b"not an npy file").unwrap();
    let q = |input: &'static str, fmt: &'static str, block: &'static str| {
        vec![
            "quantize", "--format", fmt, "--block", block, input, "--codes", "oc.npy", "--scales",
            "os.npy",
        ]
    };
    let outs = ["oc.npy", "os.npy"];
    rejects(&d, &q("f64.npy", "e4m3", "32"), "dtype", &outs);
    rejects(&d, &q("r3.npy", "e4m3", "32"), "rank 3", &outs);
    rejects(&d, &q("r1.npy", "e4m3", "32"), "rank 1", &outs);
    rejects(
        &d,
        &q("x.npy", "e4m3", "32"),
        "multiple of the block size 32",
        &outs,
    );
    rejects(
        &d,
        &q("x.npy", "e9m9", "16"),
        "unknown format 'e9m9'",
        &outs,
    );
    rejects(&d, &q("missing.npy", "e4m3", "16"), "cannot read", &outs);
    rejects(&d, &q("junk.npy", "e4m3", "16"), "not a valid .npy", &outs);
    rejects(&d, &q("x.npy", "e4m3", "0"), "--block", &outs);
    rejects(
        &d,
        &[
            "quantize",
            "--format",
            "e4m3",
            "--scale-rule",
            "ceil",
            "x.npy",
            "--codes",
            "oc.npy",
            "--scales",
            "os.npy",
        ],
        "scale rule",
        &outs,
    );
    // An output folder that does not exist: nothing at all is written.
    rejects(
        &d,
        &[
            "quantize",
            "--format",
            "e4m3",
            "--block",
            "16",
            "x.npy",
            "--codes",
            "oc.npy",
            "--scales",
            "no/such/os.npy",
        ],
        "does not exist",
        &outs,
    );

    let dq = |codes: &'static str, scales: &'static str, fmt: &'static str| {
        vec![
            "dequantize",
            "--format",
            fmt,
            "--codes",
            codes,
            "--scales",
            scales,
            "--out",
            "oy.npy",
        ]
    };
    rejects(
        &d,
        &dq("codes.npy", "scales.npy", "e2m1"),
        "does not fit format e2m1",
        &["oy.npy"],
    );
    rejects(
        &d,
        &dq("codes.npy", "scales_bad.npy", "e4m3"),
        "scales has shape",
        &["oy.npy"],
    );
    rejects(
        &d,
        &dq("x.npy", "scales.npy", "e4m3"),
        "expected uint8",
        &["oy.npy"],
    );
    rejects(
        &d,
        &dq("codes.npy", "scales.npy", "fp4"),
        "unknown format",
        &["oy.npy"],
    );

    let g = |a: &'static str, b: &'static str, fa: &'static str| {
        vec![
            "gemm",
            "--a",
            a,
            "--b",
            b,
            "--format-a",
            fa,
            "--format-b",
            "e4m3",
            "--out",
            "oc.npy",
        ]
    };
    rejects(
        &d,
        &g("a.npy", "b.npy", "e4m3"),
        "both must have K columns",
        &["oc.npy"],
    );
    rejects(
        &d,
        &g("x.npy", "x.npy", "e4m3"),
        "multiple of the block size",
        &["oc.npy"],
    );
    rejects(&d, &g("f64.npy", "a.npy", "e4m3"), "dtype", &["oc.npy"]);
    rejects(&d, &g("r3.npy", "a.npy", "e4m3"), "rank 3", &["oc.npy"]);
    rejects(
        &d,
        &g("a.npy", "a.npy", "fp8"),
        "unknown format 'fp8'",
        &["oc.npy"],
    );
    let mut with_c0 = g("a.npy", "a.npy", "e4m3");
    with_c0.extend(["--c0", "b.npy"]);
    rejects(&d, &with_c0, "C0 has shape", &["oc.npy"]);
}
