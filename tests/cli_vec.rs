//! `tessera vec` end to end: single operations, reductions, composite functions and conversions
//! on .npy files, on the reference model and on the TVP's Verilog under Verilator (tiny preset:
//! 2 lanes, k = 8, formats e4m3, e2m1, int8); the two engines must write the same bytes, and the
//! model engine must equal an independent path (the library's model, `tessera quantize` /
//! `dequantize`, hand-computed bfloat16 codes).

use npyz::WriterBuilder;
use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_model::tvp::composite::Composite;
use tessera_model::tvp::reduce::Red;
use tessera_model::tvp::{apply_vec, Op};

/// A fresh folder for one test (tests of this binary run in parallel).
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tessera-cli-vec-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_npy<T: npyz::AutoSerialize + Copy>(path: &Path, rows: u64, cols: u64, data: &[T]) {
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
    run_ok(
        dir,
        &[&["vec", "--op", op, "--in", "x.npy", "--out", &out], extra].concat(),
        engine,
    );
    read_bits(&dir.join(out))
}

/// Run `tessera ARGS` (`vec` gets `--preset tiny --engine ENGINE`); it must succeed.
fn run_ok(dir: &Path, args: &[&str], engine: &str) {
    let mut args = args.to_vec();
    if args[0] == "vec" {
        args.extend_from_slice(&["--preset", "tiny", "--engine", engine]);
    }
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
}

#[test]
fn vec_model_and_rtl_agree_on_ops_reductions_and_composites() {
    let dir = scratch("ops");
    // 37 columns: every row ends in a short beat (the reductions' `in_pad` on the RTL).
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

fn read_u16(path: &Path) -> (Vec<u64>, Vec<u16>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec().unwrap())
}

fn bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Run `tessera vec` on both engines with `args` (which name the outputs with `{e}` for the
/// engine) and check that every output file is byte-identical; returns the model's files.
fn both_engines(dir: &Path, args: &[&str], outs: &[&str]) -> Vec<Vec<u8>> {
    for e in ["model", "rtl"] {
        let a: Vec<String> = args.iter().map(|s| s.replace("{e}", e)).collect();
        let a: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
        run_ok(dir, &a, e);
    }
    outs.iter()
        .map(|o| {
            let m = bytes(dir, &o.replace("{e}", "model"));
            let r = bytes(dir, &o.replace("{e}", "rtl"));
            assert!(
                m == r,
                "{}: rtl and model files differ ({o})",
                args.join(" ")
            );
            m
        })
        .collect()
}

fn lcg(s: &mut u64) -> u32 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*s >> 32) as u32
}

#[test]
fn vec_conversions_model_and_rtl_agree() {
    let dir = scratch("conv");

    // float32 -> bfloat16: hand-computed RNE codes (ties to even, NaN -> 0x7FC0, -0 kept,
    // subnormals rounded like any other value, overflow of the largest finite values to Inf).
    let bf16_cases: [(u32, u16); 22] = [
        (0x3F80_0000, 0x3F80), // 1.0
        (0x3F80_8000, 0x3F80), // tie, even half stays
        (0x3F81_8000, 0x3F82), // tie, odd half rounds up
        (0x3F80_8001, 0x3F81), // just above a tie
        (0x3F80_7FFF, 0x3F80), // just below a tie
        (0xBF81_8000, 0xBF82), // negative tie, odd
        (0x7F80_0000, 0x7F80), // +Inf
        (0xFF80_0000, 0xFF80), // -Inf
        (0x7F80_0001, 0x7FC0), // signalling NaN, payload only in the low half
        (0xFFC0_0000, 0x7FC0), // negative quiet NaN
        (0x7FFF_FFFF, 0x7FC0), // NaN, all payload bits
        (0x8000_0000, 0x8000), // -0
        (0x0000_0000, 0x0000), // +0
        (0x0000_0001, 0x0000), // smallest subnormal rounds to +0
        (0x0000_8000, 0x0000), // subnormal tie, even
        (0x0001_8000, 0x0002), // subnormal tie, odd
        (0x807F_FFFF, 0x8080), // -largest subnormal rounds to -smallest normal
        (0x0080_0000, 0x0080), // smallest normal
        (0x7F7F_FFFF, 0x7F80), // largest finite overflows to +Inf
        (0x7F7F_8000, 0x7F80), // tie at the top, odd: +Inf
        (0x7F7F_7FFF, 0x7F7F), // just below it
        (0xFF7F_8000, 0xFF80), // and negative: -Inf
    ];
    let x: Vec<f32> = bf16_cases.iter().map(|c| f32::from_bits(c.0)).collect();
    write_npy(&dir.join("x.npy"), 2, 11, &x);
    both_engines(
        &dir,
        &[
            "vec",
            "--op",
            "tobf16",
            "--in",
            "x.npy",
            "--out",
            "h_{e}.npy",
        ],
        &["h_{e}.npy"],
    );
    let (shape, h) = read_u16(&dir.join("h_model.npy"));
    assert_eq!(shape, vec![2, 11]);
    for ((x, want), got) in bf16_cases.iter().zip(&h) {
        assert_eq!(*got, *want, "tobf16({x:#010x})");
    }

    // bfloat16 -> float32 on every one of the 65536 codes: exact, the code in the high half.
    let all: Vec<u16> = (0..=u16::MAX).collect();
    write_npy(&dir.join("all16.npy"), 256, 256, &all);
    both_engines(
        &dir,
        &[
            "vec",
            "--op",
            "frombf16",
            "--in",
            "all16.npy",
            "--out",
            "f_{e}.npy",
        ],
        &["f_{e}.npy"],
    );
    let (shape, f) = read_bits(&dir.join("f_model.npy"));
    assert_eq!(shape, vec![256, 256]);
    for (c, got) in all.iter().zip(&f) {
        assert_eq!(*got, (*c as u32) << 16, "frombf16({c:#06x})");
    }

    // float32 -> MX: 3 rows of 3 blocks (k = 8): random, all zero (signed zeros), a NaN, an
    // Inf, subnormals (scale clamped to 2^-127), values near f32::MAX, exact ties, wide exponent range, one
    // large value with tiny ones (underflow, sign of zero kept).
    let mut st = 99u64;
    let mut mx = Vec::new();
    for blk in 0..9 {
        for i in 0..8 {
            let r = lcg(&mut st);
            let u = (r >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            mx.push(match blk {
                0 => u * 12.0,
                1 => [0.0, -0.0][i % 2],
                2 => [u, f32::NAN][(i == 5) as usize],
                3 => [u * 100.0, f32::INFINITY][(i == 2) as usize],
                4 => u * 1e-39,
                5 => (u * 1.9) * f32::MAX,
                6 => (i as f32 - 4.0) * 0.3125,
                7 => u * (2.0f32).powi((r % 41) as i32 - 20),
                _ => [u * 1e-30, 1000.0][(i == 0) as usize],
            });
        }
    }
    write_npy(&dir.join("mx.npy"), 3, 24, &mx);
    for (fmt, rule) in [("e4m3", "floor"), ("e2m1", "rceil"), ("int8", "floor")] {
        let q = ["--format", fmt, "--scale-rule", rule];
        let got = both_engines(
            &dir,
            &[
                &[
                    "vec",
                    "--op",
                    "mxenc",
                    "--in",
                    "mx.npy",
                    "--out",
                    "c_{e}.npy",
                    "--scales",
                    "s_{e}.npy",
                ][..],
                &q,
            ]
            .concat(),
            &["c_{e}.npy", "s_{e}.npy"],
        );
        run_ok(
            &dir,
            &[
                &[
                    "quantize", "--block", "8", "mx.npy", "--codes", "qc.npy", "--scales", "qs.npy",
                ][..],
                &q,
            ]
            .concat(),
            "model",
        );
        assert!(
            got[0] == bytes(&dir, "qc.npy"),
            "mxenc {fmt} {rule}: codes differ from tessera quantize"
        );
        assert!(
            got[1] == bytes(&dir, "qs.npy"),
            "mxenc {fmt} {rule}: scales differ from tessera quantize"
        );
        if fmt == "e2m1" {
            // The block scale reduction alone gives the same scales.
            let s = both_engines(
                &dir,
                &[
                    &[
                        "vec",
                        "--op",
                        "scale",
                        "--in",
                        "mx.npy",
                        "--out",
                        "r_{e}.npy",
                    ][..],
                    &q,
                ]
                .concat(),
                &["r_{e}.npy"],
            );
            assert!(
                s[0] == got[1],
                "scale {fmt} {rule}: differs from mxenc's scales"
            );
        }
    }

    // MX -> float32: every code value against scales 0 (2^-127), 1, 100, 127, 128, 200, 254
    // and 0xFF (NaN), equal to `tessera dequantize`.
    let codes: Vec<u8> = (0..=255u8).collect();
    let codes4: Vec<u8> = codes.iter().map(|c| c & 0xF).collect();
    let scales: Vec<u8> = (0..32)
        .map(|i| [0u8, 1, 100, 127, 128, 200, 254, 255][i % 8])
        .collect();
    write_npy(&dir.join("codes.npy"), 4, 64, &codes);
    write_npy(&dir.join("codes4.npy"), 4, 64, &codes4);
    write_npy(&dir.join("scales.npy"), 4, 8, &scales);
    for (fmt, file) in [
        ("e4m3", "codes.npy"),
        ("int8", "codes.npy"),
        ("e2m1", "codes4.npy"),
    ] {
        let got = both_engines(
            &dir,
            &[
                "vec",
                "--op",
                "mxdec",
                "--in",
                file,
                "--scales",
                "scales.npy",
                "--format",
                fmt,
                "--out",
                "d_{e}.npy",
            ],
            &["d_{e}.npy"],
        );
        run_ok(
            &dir,
            &[
                "dequantize",
                "--format",
                fmt,
                "--block",
                "8",
                "--codes",
                file,
                "--scales",
                "scales.npy",
                "--out",
                "dq.npy",
            ],
            "model",
        );
        assert!(
            got[0] == bytes(&dir, "dq.npy"),
            "mxdec {fmt}: differs from tessera dequantize"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad input to the conversions: one line on stderr, exit code 2, no output file.
#[test]
fn vec_conversions_reject_bad_input() {
    let dir = scratch("bad");
    write_npy(&dir.join("x.npy"), 2, 8, &[1.0f32; 16]);
    write_npy(&dir.join("x12.npy"), 2, 12, &[1.0f32; 24]);
    write_npy(&dir.join("h.npy"), 2, 8, &[0x3F80u16; 16]);
    write_npy(&dir.join("c.npy"), 2, 8, &[0x1Fu8; 16]);
    write_npy(&dir.join("s.npy"), 2, 1, &[127u8; 2]);
    write_npy(&dir.join("s2.npy"), 2, 2, &[127u8; 4]);
    let cases: [(&[&str], &str); 10] = [
        (&["--op", "frombf16", "--in", "x.npy"], "dtype"),
        (&["--op", "tobf16", "--in", "h.npy"], "dtype"),
        (
            &[
                "--op", "mxdec", "--in", "x.npy", "--scales", "s.npy", "--format", "e4m3",
            ],
            "dtype",
        ),
        (
            &[
                "--op", "mxenc", "--in", "x.npy", "--scales", "o2.npy", "--format", "e5m2",
            ],
            "does not enable",
        ),
        (
            &["--op", "scale", "--in", "x.npy", "--format", "e3m2"],
            "does not enable",
        ),
        (
            &[
                "--op", "mxenc", "--in", "x12.npy", "--scales", "o2.npy", "--format", "e4m3",
            ],
            "multiple",
        ),
        (
            &[
                "--op", "mxenc", "--in", "x.npy", "--scales", "o2.npy", "--format", "e4m3",
                "--block", "32",
            ],
            "k = 8",
        ),
        (
            &["--op", "mxenc", "--in", "x.npy", "--format", "e4m3"],
            "--scales",
        ),
        (
            &[
                "--op", "mxdec", "--in", "c.npy", "--scales", "s2.npy", "--format", "e4m3",
            ],
            "shape",
        ),
        (
            &[
                "--op", "mxdec", "--in", "c.npy", "--scales", "s.npy", "--format", "e2m1",
            ],
            "does not fit",
        ),
    ];
    for (args, why) in cases {
        let mut a = vec![
            "vec", "--preset", "tiny", "--engine", "rtl", "--out", "o.npy",
        ];
        a.extend_from_slice(args);
        let r = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(&a)
            .current_dir(&dir)
            .output()
            .expect("run tessera");
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "tessera {}: {err}", a.join(" "));
        assert_eq!(
            err.lines().count(),
            1,
            "tessera {}: one line wanted: {err}",
            a.join(" ")
        );
        assert!(
            err.contains(why),
            "tessera {}: message should mention '{why}': {err}",
            a.join(" ")
        );
        for o in ["o.npy", "o2.npy"] {
            assert!(!dir.join(o).exists(), "tessera {}: wrote {o}", a.join(" "));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
