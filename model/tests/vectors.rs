//! The shared MX reference vectors (model/tests/vectors/, copied from the project's shared
//! `vectors/mx/` folder; see the README there): every line must match the model.

use serde_json::Value;
use tessera_model::mx::{self, ElemFormat, ScaleRule};

fn lines(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let v: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect();
    assert!(!v.is_empty(), "{path} holds no vectors");
    v
}

fn fmt(v: &Value) -> ElemFormat {
    ElemFormat::parse(v.as_str().unwrap()).unwrap()
}

fn hex_u32(v: &Value) -> u32 {
    u32::from_str_radix(v.as_str().unwrap(), 16).unwrap()
}

fn hex_bytes(v: &Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| hex_u32(c) as u8)
        .collect()
}

/// Parse Python's `float.hex()` output (and nan/inf) exactly.
pub fn parse_hex_float(s: &str) -> f64 {
    match s {
        "nan" => return f64::NAN,
        "inf" => return f64::INFINITY,
        "-inf" => return f64::NEG_INFINITY,
        _ => {}
    }
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let rest = rest.strip_prefix("0x").expect("hex float starts with 0x");
    let (mant, exp) = rest.split_once('p').expect("hex float has an exponent");
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: u64 = u64::from_str_radix(int, 16).unwrap();
    for ch in frac.chars() {
        m = m * 16 + ch.to_digit(16).unwrap() as u64;
    }
    let e: i32 = exp.parse::<i32>().unwrap() - 4 * frac.len() as i32;
    // m < 2^53 here, so m as f64 is exact; scaling by a power of two is exact in range.
    let v = m as f64 * (e as f64).exp2();
    if neg {
        -v
    } else {
        v
    }
}

#[test]
fn decode_every_code_of_every_format() {
    let mut seen = Vec::new();
    for line in lines("decode.jsonl") {
        let f = fmt(&line["format"]);
        let vals = line["values_f64_hex"].as_array().unwrap();
        assert_eq!(vals.len(), mx::format::code_count(f), "{f}: code count");
        for (code, v) in vals.iter().enumerate() {
            let want = parse_hex_float(v.as_str().unwrap());
            let got = mx::decode_f64(f, code as u8);
            if want.is_nan() {
                assert!(got.is_nan(), "{f} code {code:#04x}: want NaN, got {got}");
                assert_eq!(mx::decode(f, code as u8), mx::Elem::NaN);
            } else {
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{f} code {code:#04x}: want {want:e}, got {got:e}"
                );
            }
        }
        seen.push(f);
    }
    seen.sort();
    let mut all = ElemFormat::ALL.to_vec();
    all.sort();
    assert_eq!(seen, all, "decode.jsonl must cover every format");
}

#[test]
fn quantize_vectors() {
    let v = lines("quantize.jsonl");
    for (i, line) in v.iter().enumerate() {
        let f = fmt(&line["format"]);
        let k = line["block"].as_u64().unwrap() as usize;
        let rule = ScaleRule::parse(line["scale_rule"].as_str().unwrap()).unwrap();
        let x: Vec<u32> = line["x"].as_array().unwrap().iter().map(hex_u32).collect();
        assert_eq!(x.len(), k);
        let mut codes = vec![0u8; k];
        let scale = mx::quantize_block_bits(f, rule, &x, &mut codes);
        let want_scale = hex_u32(&line["scale"]) as u8;
        let want_codes = hex_bytes(&line["codes"]);
        assert_eq!(
            (scale, &codes),
            (want_scale, &want_codes),
            "quantize.jsonl line {} ({f}, k={k}, {}): x = {:08x?}",
            i + 1,
            rule.name(),
            x
        );
    }
}

#[test]
fn block_mac_vectors() {
    let v = lines("block_mac.jsonl");
    for (i, line) in v.iter().enumerate() {
        let (fa, fb) = (fmt(&line["format_a"]), fmt(&line["format_b"]));
        let k = line["block"].as_u64().unwrap() as usize;
        let (ca, cb) = (hex_bytes(&line["codes_a"]), hex_bytes(&line["codes_b"]));
        assert_eq!((ca.len(), cb.len()), (k, k));
        let sa = hex_u32(&line["scale_a"]) as u8;
        let sb = hex_u32(&line["scale_b"]) as u8;
        let acc = hex_u32(&line["acc"]);
        let got = mx::block_mac(acc, fa, sa, &ca, fb, sb, &cb);
        let want = hex_u32(&line["result"]);
        if line["result_is_nan"].as_bool().unwrap() {
            assert_eq!(
                got,
                mx::F32_NAN,
                "block_mac.jsonl line {}: want NaN, got {got:08x}",
                i + 1
            );
        } else {
            assert_eq!(
                got,
                want,
                "block_mac.jsonl line {} ({fa} x {fb}, k={k}): want {want:08x}, got {got:08x}",
                i + 1
            );
        }
    }
}
