//! Leave child outputs that the parent never reads unconnected (`.full()`), instead of declaring a net that
//! nothing reads.
//!
//! rust-hdl declares a net in the parent for every port of every child (`wire fifo$almost_full;`), also for
//! outputs the parent ignores; Verilator's `-Wall` then reports each as UNUSEDSIGNAL. A net is removed here
//! only when it is declared `wire` (a child output, never a `reg` the parent drives), and its name occurs
//! exactly twice in the module: the declaration and one `.port(net)` connection. The connection becomes
//! `.port()`, which Verilator reports as PINCONNECTEMPTY; that one rule is waived in `hdl/lint/tessera.vlt`
//! because the emitter writes an empty connection only in this provably unused case. Unused *inputs* and
//! unused locals are still reported: they are defects of the block.

use super::lexer::{Kind, Token};
use std::collections::HashMap;

/// Remove unused child-output nets from one module body. Returns how many were removed.
pub fn drop_unused_outputs(body: &mut Vec<Token>) -> usize {
    let sig: Vec<usize> = (0..body.len())
        .filter(|&k| !matches!(body[k].kind, Kind::Space | Kind::Comment))
        .collect();
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for &k in &sig {
        if body[k].kind == Kind::Ident {
            *uses.entry(body[k].text.as_str()).or_default() += 1;
        }
    }
    // `wire [ H : 0 ] name ;` or `wire name ;` at statement start: (first token, last token, name).
    let mut decls: Vec<(usize, usize, String)> = Vec::new();
    for (p, &k) in sig.iter().enumerate() {
        let prev = if p == 0 {
            ""
        } else {
            body[sig[p - 1]].text.as_str()
        };
        if !body[k].is(Kind::Ident, "wire") || !matches!(prev, ";" | ")") {
            continue;
        }
        let t = |q: usize| sig.get(q).map(|&i| body[i].text.as_str()).unwrap_or("");
        let name_at = if t(p + 1) == "[" && t(p + 3) == ":" && t(p + 5) == "]" {
            p + 6
        } else {
            p + 1
        };
        if sig.get(name_at).map(|&i| body[i].kind) == Some(Kind::Ident) && t(name_at + 1) == ";" {
            decls.push((k, sig[name_at + 1], t(name_at).to_string()));
        }
    }
    let mut remove: Vec<(usize, usize)> = Vec::new(); // token ranges to delete (inclusive)
    for (first, last, name) in decls {
        if uses.get(name.as_str()) != Some(&2) {
            continue;
        }
        // The one use must be `. port ( name )`.
        let Some(p) = sig
            .iter()
            .position(|&k| k > last && body[k].kind == Kind::Ident && body[k].text == name)
        else {
            continue;
        };
        let t = |q: usize| sig.get(q).map(|&i| body[i].text.as_str()).unwrap_or("");
        if p >= 3 && t(p - 1) == "(" && t(p - 3) == "." && t(p + 1) == ")" {
            remove.push((sig[p], sig[p]));
            // The whole declaration line: the line break and indentation before it, then the tokens.
            let a = if first > 0 && body[first - 1].kind == Kind::Space {
                first - 1
            } else {
                first
            };
            let b = last;
            remove.push((a, b));
        }
    }
    let n = remove.len() / 2;
    remove.sort();
    for (a, b) in remove.into_iter().rev() {
        body.drain(a..=b);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::lexer::{concat, tokenize};

    #[test]
    fn only_unread_child_outputs_go() {
        let src = "(a);\n    input wire a;\n    wire f_full;\n    wire f_empty;\n    reg f_in;\n    m f(\n        .full(f_full),\n        .empty(f_empty),\n        .in(f_in)\n    );\n    always @(*) begin\n        f_in = a & f_empty;\n    end\n";
        let mut t = tokenize(src);
        assert_eq!(drop_unused_outputs(&mut t), 1);
        let out = concat(&t);
        assert!(!out.contains("f_full"), "{out}");
        assert!(out.contains(".full()"), "{out}");
        assert!(
            out.contains("wire f_empty;") && out.contains(".empty(f_empty)"),
            "{out}"
        );
        assert!(out.contains("reg f_in;"), "{out}");
    }
}
