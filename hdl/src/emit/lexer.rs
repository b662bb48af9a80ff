//! A small Verilog-2001 tokenizer, just enough for the emitter's rewrites.
//!
//! The emitter never parses Verilog into a tree: it rewrites identifiers, module names and literals token by
//! token and copies everything else (whitespace, comments, operators) unchanged, so the output keeps
//! rust-hdl's layout. Joining the `text` of all tokens gives the input back exactly.
//!
//! Token classes follow IEEE 1364-2005 section 3: simple identifiers `[A-Za-z_][A-Za-z0-9_$]*`, system
//! names `$name`, escaped identifiers `\name `, numbers with an optional size and base (`8'hff`, `'b1`, `12`),
//! strings, line and block comments, and single operator characters (the emitter only needs to tell
//! `==` from `=`, so multi-character operators are recognised where a rule needs them).

/// The class of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A simple identifier (may contain `$` after the first character, as rust-hdl's do).
    Ident,
    /// A system task or function name such as `$signed`.
    System,
    /// A number: `32'h1`, `4'b1010`, `7`.
    Number,
    /// Whitespace, including newlines.
    Space,
    /// A `//` or `/* */` comment, or a `(* *)` attribute.
    Comment,
    /// A string literal.
    Str,
    /// An operator or punctuation, one to three characters.
    Punct,
}

/// One token: its class and its exact source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
}

impl Token {
    pub fn is(&self, kind: Kind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }
}

/// Operators the rewrites need to see as one token, longest first.
const MULTI: [&str; 14] = [
    "<<<", ">>>", "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "+:", "-:",
];

/// Split `src` into tokens; `concat(tokens) == src` always holds.
pub fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Space
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Kind::Comment
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            Kind::Comment
        } else if c == b'(' && b.get(i + 1) == Some(&b'*') && b.get(i + 2) != Some(&b')') {
            // Attribute instance `(* blackbox *)`; `(*)` is `@(*)` and stays punctuation.
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b')')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            Kind::Comment
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            Kind::Str
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            Kind::Ident
        } else if c == b'$' {
            i += 1;
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            Kind::System
        } else if c == b'\\' {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Ident
        } else if c.is_ascii_digit() || (c == b'\'' && based_digit_follows(b, i)) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            if i < b.len() && b[i] == b'\'' && based_digit_follows(b, i) {
                i += 1;
                if matches!(b[i], b's' | b'S') {
                    i += 1;
                }
                i += 1; // base letter
                while i < b.len() && (b[i].is_ascii_hexdigit() || b"_xXzZ?".contains(&b[i])) {
                    i += 1;
                }
            }
            Kind::Number
        } else {
            let rest = &src[i..];
            let len = MULTI
                .iter()
                .find(|m| rest.starts_with(*m))
                .map(|m| m.len())
                .unwrap_or_else(|| rest.chars().next().map(char::len_utf8).unwrap_or(1));
            i += len;
            Kind::Punct
        };
        out.push(Token {
            kind,
            text: src[start..i].to_string(),
        });
    }
    out
}

/// Is `b[i]` a `'` starting a based number (`'h`, `'sb`, ...)?
fn based_digit_follows(b: &[u8], i: usize) -> bool {
    if b.get(i) != Some(&b'\'') {
        return false;
    }
    let mut j = i + 1;
    if matches!(b.get(j), Some(b's' | b'S')) {
        j += 1;
    }
    matches!(
        b.get(j),
        Some(b'b' | b'B' | b'o' | b'O' | b'd' | b'D' | b'h' | b'H')
    )
}

/// Join tokens back into text.
pub fn concat(tokens: &[Token]) -> String {
    tokens.iter().map(|t| t.text.as_str()).collect()
}

/// A sized literal `W'[bhdo]digits` split into (width, value), when it fits in a u128.
pub fn sized_literal(text: &str) -> Option<(usize, u128)> {
    let (w, rest) = text.split_once('\'')?;
    let width: usize = w.replace('_', "").parse().ok()?;
    let mut chars = rest.chars();
    let base = match chars.next()? {
        'b' | 'B' => 2,
        'o' | 'O' => 8,
        'd' | 'D' => 10,
        'h' | 'H' => 16,
        _ => return None, // signed literals ('sh) are left alone
    };
    let digits: String = chars.filter(|c| *c != '_').collect();
    let value = u128::from_str_radix(&digits, base).ok()?;
    Some((width, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_classes() {
        let src = "module top$a(x$y); // c$d\n  always @(*) q = $signed(a$b) + 32'h1f - 4'b10 + 'h3 == 7; /* $x */ (* keep *) endmodule";
        let toks = tokenize(src);
        assert_eq!(concat(&toks), src);
        let idents: Vec<&str> = toks
            .iter()
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(
            idents,
            ["module", "top$a", "x$y", "always", "q", "a$b", "endmodule"]
        );
        let nums: Vec<&str> = toks
            .iter()
            .filter(|t| t.kind == Kind::Number)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(nums, ["32'h1f", "4'b10", "'h3", "7"]);
        assert!(toks.iter().any(|t| t.is(Kind::System, "$signed")));
        assert!(toks.iter().any(|t| t.is(Kind::Punct, "==")));
        assert!(toks.iter().any(|t| t.is(Kind::Comment, "(* keep *)")));
    }

    #[test]
    fn literals() {
        assert_eq!(sized_literal("32'h1f"), Some((32, 31)));
        assert_eq!(sized_literal("5'b10000"), Some((5, 16)));
        assert_eq!(sized_literal("8'sh1"), None);
        assert_eq!(sized_literal("7"), None);
    }
}
