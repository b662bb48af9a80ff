//! Give rust-hdl's untyped literals the width of their context, where that provably changes nothing.
//!
//! rust-hdl prints a Rust integer literal (`x + 1`, `count == 0`) as a 32-bit Verilog literal (`32'h1`).
//! Verilator then reports WIDTHEXPAND/WIDTHTRUNC for every such use although the design is right. The
//! preferred fix is a typed constant in the block (`Bits::<5>::from(1)`); this pass repairs the two common
//! patterns when it can prove the result is bit-for-bit the same (IEEE 1364-2005 section 5.4, expression
//! bit lengths):
//!
//! 1. **Modular assignment** `x = e;` where `e` uses only unsigned identifiers of known width, sized
//!    literals, parentheses and the operators `+ - * & | ^ ~ << (`(e) & mask`)`. Every bit of such an
//!    expression depends only on the same or lower bits of its operands, so evaluating it at any width
//!    `>= width(x)` and keeping the low `width(x)` bits gives the same value. A 32-bit literal is rewritten
//!    to `W = max(width(x), widths of the identifiers in e)` bits when its value fits in `W` bits; the
//!    expression is then evaluated at `W >= width(x)` bits instead of 32. (`<<` is allowed only when its
//!    right operand is a literal, since a shift amount is self-determined.)
//! 2. **Comparison with a bare identifier** `x OP lit` or `lit OP x` (`== != < <= > >=`) where `x` is an
//!    unsigned identifier of width `w` standing alone as the operand (checked against operator precedence
//!    on both sides) and the literal's value fits in `w` bits: both operands are zero-extended to the same
//!    width either way, so the comparison is unchanged.
//!
//! Anything else is left as rust-hdl wrote it; Verilator's lint then names the block to fix.

use super::lexer::{sized_literal, Kind, Token};
use std::collections::HashMap;

/// A declared signal: width, signedness and, for a `localparam`, its value.
#[derive(Clone, Copy, Debug)]
struct Decl {
    width: usize,
    signed: bool,
    value: Option<u128>,
}

fn significant(body: &[Token]) -> Vec<usize> {
    (0..body.len())
        .filter(|&k| !matches!(body[k].kind, Kind::Space | Kind::Comment))
        .collect()
}

/// Declarations of the form `input wire [7:0] a;`, `output reg a;`, `reg signed [3:0] a;`, `wire a;`,
/// `localparam a = 5'b1;`.
fn declarations(body: &[Token], sig: &[usize]) -> HashMap<String, Decl> {
    let mut decls = HashMap::new();
    let t = |k: usize| -> &str { sig.get(k).map(|&i| body[i].text.as_str()).unwrap_or("") };
    let mut k = 0;
    while k < sig.len() {
        let kw = t(k);
        if matches!(kw, "input" | "output" | "reg" | "wire") {
            let mut j = k + 1;
            if matches!(t(j), "wire" | "reg") {
                j += 1;
            }
            let mut signed = false;
            if t(j) == "signed" {
                signed = true;
                j += 1;
            }
            let mut width = 1;
            if t(j) == "[" {
                match (t(j + 1).parse::<usize>(), t(j + 2), t(j + 3), t(j + 4)) {
                    (Ok(msb), ":", "0", "]") => width = msb + 1,
                    _ => {
                        k += 1;
                        continue;
                    }
                }
                j += 5;
            }
            let name = t(j);
            // Memories (`reg [7:0] mem[15:0]`) are not plain signals.
            if body[sig[j.min(sig.len() - 1)]].kind == Kind::Ident && matches!(t(j + 1), ";" | ",")
            {
                decls.insert(
                    name.to_string(),
                    Decl {
                        width,
                        signed,
                        value: None,
                    },
                );
            }
            k = j + 1;
        } else if kw == "localparam" {
            let mut j = k + 1;
            let mut signed = false;
            if t(j) == "signed" {
                signed = true;
                j += 1;
            }
            if t(j + 1) == "=" && t(j + 3) == ";" {
                if let Some((width, value)) = sized_literal(t(j + 2)) {
                    decls.insert(
                        t(j).to_string(),
                        Decl {
                            width,
                            signed,
                            value: Some(value),
                        },
                    );
                }
            }
            k = j + 1;
        } else {
            k += 1;
        }
    }
    decls
}

/// Operators that bind more loosely than every relational operator, plus expression delimiters.
fn loose_left(s: &str) -> bool {
    matches!(
        s,
        "(" | "=" | "<=" | "&" | "|" | "^" | "&&" | "||" | "?" | ":" | "," | "begin"
    )
}

/// Same on the right side of an operand.
fn loose_right(s: &str) -> bool {
    matches!(
        s,
        ")" | ";" | "&" | "|" | "^" | "&&" | "||" | "?" | ":" | ","
    )
}

fn resize(tok: &mut Token, width: usize, value: u128) {
    tok.text = if width % 4 == 0 {
        format!("{width}'h{value:x}")
    } else {
        format!("{width}'b{value:b}")
    };
}

fn fits(value: u128, width: usize) -> bool {
    width >= 128 || value < (1u128 << width)
}

fn literal(width: usize, value: u128) -> Token {
    let mut t = Token {
        kind: Kind::Number,
        text: String::new(),
    };
    resize(&mut t, width, value);
    t
}

fn truncate(value: u128, width: usize) -> u128 {
    if width >= 128 {
        value
    } else {
        value & ((1u128 << width) - 1)
    }
}

/// Rule 0, casts: rust-hdl writes a cast to `W` bits as `((e) & W'hMASK)`, which Verilator reports twice
/// (a `W`-bit mask against a wider `e`, and the wider result). When `e` is modular (identifiers, literals,
/// `+ - * & | ^ ~`, parentheses), truncation distributes over it: `((e) & MASK)` equals `(e')` where every
/// identifier wider than `W` is part-selected `x[W-1:0]`, every `localparam` is replaced by its value, and
/// every literal is made exactly `W` bits (value mod 2^W). The rewrite is kept only when some operand of
/// `e'` is exactly `W` bits wide, so `e'` has width `W` even where it is self-determined (in a concatenation).
/// When `e` is a single unsigned primary (an identifier or a constant part-select `x[(N)+:(M)]`) narrower
/// than `W`, the cast is a zero-extension and becomes `{k'b0, x}`; a wider part-select keeps its low `W` bits
/// (`x[N+:W]`).
fn fix_casts(body: &mut Vec<Token>) -> usize {
    let mut changed = 0;
    let mut from = 0;
    'scan: loop {
        let sig = significant(body);
        let decls = declarations(body, &sig);
        let t = |k: usize| -> &str { sig.get(k).map(|&i| body[i].text.as_str()).unwrap_or("") };
        for p in from.max(2)..sig.len().saturating_sub(2) {
            if t(p) != "&" || t(p - 1) != ")" || t(p + 2) != ")" {
                continue;
            }
            let Some((w, mask)) = sized_literal(t(p + 1)) else {
                continue;
            };
            // Masks up to 128 bits (u128); a 128-bit mask is all ones.
            let full = if w == 128 {
                u128::MAX
            } else {
                (1u128 << w.min(127)) - 1
            };
            if w == 0 || w > 128 || mask != full {
                continue;
            }
            // Find the `(` matching the `)` before `&`, and require a second `(` right before it.
            let mut depth = 0;
            let mut q = p - 1;
            loop {
                match t(q) {
                    ")" => depth += 1,
                    "(" => depth -= 1,
                    _ => {}
                }
                if depth == 0 || q == 0 {
                    break;
                }
                q -= 1;
            }
            if depth != 0 || q == 0 || t(q - 1) != "(" {
                continue;
            }
            // A single primary: a bare unsigned identifier or a constant part-select `x[(N)+:(M)]`. Widening
            // is zero-extension `{k'h0, x}` (the primary is unsigned), narrowing keeps the low bits.
            let span: Vec<usize> = (q + 1..=p - 2).collect();
            let ident_width = |k: usize| -> Option<usize> {
                let tok = &body[sig[k]];
                decls
                    .get(tok.text.as_str())
                    .filter(|d| tok.kind == Kind::Ident && !d.signed && d.value.is_none())
                    .map(|d| d.width)
            };
            let primary: Option<(usize, Vec<Token>)> = if span.len() == 1 {
                ident_width(span[0]).map(|wd| (wd, vec![body[sig[span[0]]].clone()]))
            } else if span.len() == 10
                && ident_width(span[0]).is_some()
                && [1, 2, 4, 5, 6, 8, 9].map(|i| t(span[i])) == ["[", "(", ")", "+:", "(", ")", "]"]
                && body[sig[span[3]]].kind == Kind::Number
            {
                let m = t(span[7]).parse::<usize>().ok();
                let n = sized_literal(t(span[3]))
                    .map(|(_, v)| v)
                    .or_else(|| t(span[3]).parse::<u128>().ok());
                match (m, n) {
                    (Some(m), Some(n)) if m > w => Some((
                        w,
                        vec![Token {
                            kind: Kind::Ident,
                            text: format!("{}[{}+:{}]", t(span[0]), n, w),
                        }],
                    )),
                    (Some(m), Some(n)) => Some((
                        m,
                        vec![Token {
                            kind: Kind::Ident,
                            text: format!("{}[{}+:{}]", t(span[0]), n, m),
                        }],
                    )),
                    _ => None,
                }
            } else {
                None
            };
            if let Some((pw, mut toks)) = primary {
                if pw <= w {
                    let mut replacement = vec![Token {
                        kind: Kind::Punct,
                        text: if pw < w { "{".into() } else { "(".into() },
                    }];
                    if pw < w {
                        replacement.push(literal(w - pw, 0));
                        replacement.push(Token {
                            kind: Kind::Punct,
                            text: ", ".into(),
                        });
                    }
                    replacement.append(&mut toks);
                    replacement.push(Token {
                        kind: Kind::Punct,
                        text: if pw < w { "}".into() } else { ")".into() },
                    });
                    if pw < w || span.len() > 1 {
                        let start = sig[q - 1];
                        from = q - 1;
                        body.splice(start..=sig[p + 2], replacement);
                        changed += 1;
                        continue 'scan;
                    }
                }
            }
            // Rewrite the operands of e = tokens sig[q+1] ..= sig[p-2].
            let mut inner: Vec<Token> = Vec::new();
            let mut max_width = 0;
            let mut ok = true;
            for tok in &body[sig[q + 1]..=sig[p - 2]] {
                match tok.kind {
                    Kind::Space | Kind::Comment => inner.push(tok.clone()),
                    Kind::Ident => match decls.get(tok.text.as_str()) {
                        Some(d) if !d.signed => {
                            if let Some(v) = d.value {
                                inner.push(literal(w, truncate(v, w)));
                                max_width = w;
                            } else if d.width > w {
                                let sel = if w == 1 {
                                    "[0]".to_string()
                                } else {
                                    format!("[{}:0]", w - 1)
                                };
                                inner.push(Token {
                                    kind: Kind::Ident,
                                    text: tok.text.clone(),
                                });
                                inner.push(Token {
                                    kind: Kind::Punct,
                                    text: sel,
                                });
                                max_width = w;
                            } else {
                                max_width = max_width.max(d.width);
                                inner.push(tok.clone());
                            }
                        }
                        _ => ok = false,
                    },
                    Kind::Number => match sized_literal(&tok.text) {
                        Some((_, v)) => {
                            inner.push(literal(w, truncate(v, w)));
                            max_width = w;
                        }
                        None => ok = false,
                    },
                    Kind::Punct
                        if matches!(
                            tok.text.as_str(),
                            "+" | "-" | "*" | "&" | "|" | "^" | "~" | "(" | ")"
                        ) =>
                    {
                        inner.push(tok.clone())
                    }
                    _ => ok = false,
                }
            }
            if !ok || max_width != w {
                continue;
            }
            let mut replacement = vec![Token {
                kind: Kind::Punct,
                text: "(".into(),
            }];
            replacement.extend(inner);
            replacement.push(Token {
                kind: Kind::Punct,
                text: ")".into(),
            });
            let start = sig[q - 1];
            from = q - 1;
            body.splice(start..=sig[p + 2], replacement);
            changed += 1;
            continue 'scan;
        }
        return changed;
    }
}

/// Rewrite rust-hdl's literals in one module body (identifiers already renamed). Returns how many changed.
pub fn fix_literals(body: &mut Vec<Token>) -> usize {
    let mut changed = fix_casts(body);
    let sig = significant(body);
    let decls = declarations(body, &sig);
    let text = |body: &[Token], k: usize| -> String {
        sig.get(k)
            .map(|&i| body[i].text.clone())
            .unwrap_or_default()
    };
    let unsigned_width = |name: &str| decls.get(name).filter(|d| !d.signed).map(|d| d.width);

    // Rule 1: modular assignments `x = e ;` (blocking, inside always blocks).
    let mut k = 0;
    while k + 1 < sig.len() {
        let lhs = text(body, k);
        let prev = if k == 0 {
            String::new()
        } else {
            text(body, k - 1)
        };
        let starts_statement = matches!(prev.as_str(), ";" | "begin" | ")" | "else");
        if body[sig[k]].kind == Kind::Ident && text(body, k + 1) == "=" && starts_statement {
            if let Some(lw) = unsigned_width(&lhs) {
                let mut end = k + 2;
                let mut ok = true;
                let mut w = lw;
                let mut lits = Vec::new();
                while end < sig.len() && text(body, end) != ";" {
                    let tok = &body[sig[end]];
                    match tok.kind {
                        Kind::Ident => match unsigned_width(&tok.text) {
                            Some(iw) => w = w.max(iw),
                            None => ok = false,
                        },
                        Kind::Number => match sized_literal(&tok.text) {
                            Some((32, _)) => lits.push(end),
                            Some(_) => {}
                            None => ok = false,
                        },
                        Kind::Punct => {
                            let p = tok.text.as_str();
                            if p == "<<" {
                                // Only a literal shift amount.
                                if body[sig[end + 1]].kind != Kind::Number {
                                    ok = false;
                                }
                            } else if !matches!(
                                p,
                                "+" | "-" | "*" | "&" | "|" | "^" | "~" | "(" | ")"
                            ) {
                                ok = false;
                            }
                        }
                        _ => ok = false,
                    }
                    end += 1;
                }
                if ok && end < sig.len() {
                    for &l in &lits {
                        // A shift amount keeps its own width (it is self-determined).
                        if text(body, l - 1) == "<<" {
                            continue;
                        }
                        let (_, v) = sized_literal(&body[sig[l]].text).expect("checked above");
                        if w < 32 && fits(v, w) {
                            resize(&mut body[sig[l]], w, v);
                            changed += 1;
                        }
                    }
                }
                k = end;
                continue;
            }
        }
        k += 1;
    }

    // Rule 2: `x OP lit` / `lit OP x` with x a bare unsigned identifier.
    for k in 1..sig.len().saturating_sub(2) {
        let op = text(body, k + 1);
        if !matches!(op.as_str(), "==" | "!=" | "<" | "<=" | ">" | ">=") {
            continue;
        }
        let equality = matches!(op.as_str(), "==" | "!=");
        let left_ok = |s: &str| loose_left(s) || (!equality && matches!(s, "==" | "!="));
        let right_ok = |s: &str| loose_right(s) || (!equality && matches!(s, "==" | "!="));
        // `<=` is also the non-blocking assignment; only `(`-delimited tests are touched for it.
        if op == "<=" && text(body, k - 1) != "(" {
            continue;
        }
        let (a, b) = (k, k + 2);
        for (ident, lit) in [(a, b), (b, a)] {
            if body[sig[ident]].kind != Kind::Ident || body[sig[lit]].kind != Kind::Number {
                continue;
            }
            let (Some(w), Some((32, v))) = (
                unsigned_width(&text(body, ident)),
                sized_literal(&text(body, lit)),
            ) else {
                continue;
            };
            if left_ok(&text(body, a - 1)) && right_ok(&text(body, b + 1)) && w < 32 && fits(v, w) {
                resize(&mut body[sig[lit]], w, v);
                changed += 1;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::lexer::{concat, tokenize};

    fn fix(src: &str) -> String {
        let mut t: Vec<Token> = tokenize(src);
        fix_literals(&mut t);
        concat(&t)
    }

    #[test]
    fn modular_assignment() {
        let src = "reg [4:0] a; wire [4:0] q; reg f; always @(*) begin a = q + 32'h1; a = (q + 32'h1) & 4'hf; f = q > 32'h1; a = q >> 32'h1; end";
        let out = fix(src);
        assert!(out.contains("a = q + 5'b1;"), "{out}");
        assert!(out.contains("a = (q + 5'b1) & 4'hf;"), "{out}");
        // a comparison result is not modular: only rule 2 applies (bare identifier), keeping the value
        assert!(out.contains("f = q > 5'b1;"), "{out}");
        // right shift is not modular and has no identifier-vs-literal comparison: untouched
        assert!(out.contains("a = q >> 32'h1;"), "{out}");
    }

    #[test]
    fn comparisons_respect_precedence_and_value() {
        let src = "wire [3:0] a; wire [3:0] b; reg f; always @(*) begin f = (a == 32'h3); f = a + b == 32'h3; f = (a == 32'h10); end";
        let out = fix(src);
        assert!(out.contains("f = (a == 4'h3);"), "{out}");
        assert!(out.contains("f = a + b == 32'h3;"), "precedence: {out}");
        assert!(
            out.contains("f = (a == 32'h10);"),
            "value does not fit: {out}"
        );
    }

    #[test]
    fn casts_become_part_selects() {
        let src = "reg [3:0] o; wire [4:0] q; localparam m = 5'b1111; reg [4:0] n; always @(*) begin o = ((q & m) & 4'hf); o = (((q + 5'b1) & m) & 4'hf); o = ((n >> 32'h1) & 4'hf); end";
        let out = fix(src);
        assert!(out.contains("o = (q[3:0] & 4'hf);"), "{out}");
        assert!(out.contains("o = ((q[3:0] + 4'h1) & 4'hf);"), "{out}");
        assert!(
            out.contains("o = ((n >> 32'h1) & 4'hf);"),
            "shift is not modular: {out}"
        );
        // narrower operands of an expression: the rewrite would change the self-determined width (a carry)
        let out =
            fix("reg [7:0] o; wire [2:0] a; always @(*) begin o = {((a + a) & 4'hf), 4'h0}; end");
        assert!(out.contains("((a + a) & 4'hf)"), "{out}");
        // a single narrower identifier is zero-extended; part-selects keep their offset
        let out = fix("reg [7:0] o; wire [2:0] a; wire [31:0] x; always @(*) begin o = ((a) & 8'hff); o = ((x[(32'h17)+:(8)]) & 8'hff); o = ((x[(32'h0)+:(23)]) & 8'hff); o = ((x[(32'h4)+:(3)]) & 8'hff); end");
        assert!(out.contains("o = {5'b0, a};"), "{out}");
        assert!(out.contains("o = (x[23+:8]);"), "{out}");
        assert!(out.contains("o = (x[0+:8]);"), "{out}");
        assert!(out.contains("o = {5'b0, x[4+:3]};"), "{out}");
    }

    #[test]
    fn casts_to_128_bits_zero_extend() {
        // rust-hdl's `bit_cast::<128, 64>(x)` (the DMA's `large` packer): a 128-bit all-ones mask.
        let out = fix("reg [127:0] o; wire [63:0] x; always @(*) begin o = ((x) & 128'hffffffffffffffffffffffffffffffff) << 32'h40; end");
        assert!(out.contains("o = {64'h0, x} << 32'h40;"), "{out}");
        // a mask that is not all ones is left alone
        let out = fix("reg [127:0] o; wire [63:0] x; always @(*) begin o = ((x) & 128'hfffffffffffffffffffffffffffffff0); end");
        assert!(
            out.contains("128'hfffffffffffffffffffffffffffffff0"),
            "{out}"
        );
    }

    #[test]
    fn signed_is_left_alone() {
        let out = fix("reg signed [7:0] s; always @(*) begin s = s + 32'h1; end");
        assert!(out.contains("32'h1"), "{out}");
    }
}
