//! The Verilog emitter: turns a rust-hdl block into a Verilog product.
//!
//! [`emit_verilog`] runs rust-hdl's connection checks, takes rust-hdl's raw Verilog and post-processes it:
//!
//! 1. **One definition per distinct block.** rust-hdl emits one module per *instance*; modules whose text is
//!    equal apart from their name (after their children were merged) share one definition, repeated
//!    bottom-up to a fixpoint (see [`modules`]).
//! 2. **Readable, unique, deterministic names.** The root module is called `top_name`; every other module is
//!    `<top_name>_<role>`, the role being the common tail of its instances' paths with Vec indices dropped
//!    (`<top>_pe` for `pe[0]..pe[63]`), or `dff_w<W>` for rust-hdl's `DFF` of width `W`. When two distinct
//!    blocks want the same role the full path is used, then a `_v2`, `_v3`... suffix in emission order.
//! 3. **No `$`.** rust-hdl joins path steps with `$`; they become `_`. If two identifiers of one module would
//!    collide (`a$b` and a field `a_b`), emission fails and names both.
//! 4. **Unread child outputs are left unconnected** (`.full()`) instead of feeding a net nothing reads
//!    (see [`unused`]).
//! 5. **Sized literals.** 32-bit literals from untyped Rust integers are resized where that provably keeps
//!    the value, and rust-hdl's casts `((e) & MASK)` become part-selects (see [`widths`]).
//! 6. **Layout**: trailing spaces and repeated blank lines are removed.
//!
//! The output has no timestamps or machine paths: the same block always gives the same bytes. The file
//! header (generator version, configuration) is added by [`file_text`].

pub mod check;
mod lexer;
mod modules;
mod unused;
mod widths;

use anyhow::{anyhow, bail, Result};
use rust_hdl::core::check_error::CheckError;
use rust_hdl::prelude::*;

pub use check::{check_all, check_file, check_product, check_yosys, lint_verilator, waiver_file};

/// The generator's version (the workspace version), as written into every file header.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The rust-hdl version the blocks are written against (pinned in the workspace).
pub const RUST_HDL_VERSION: &str = "0.46.0";

/// Is `s` a plain Verilog identifier (letters, digits, `_`, not starting with a digit)?
fn plain_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn describe(e: CheckError) -> String {
    let list = |v: &[rust_hdl::core::check_error::PathedName]| {
        let mut names: Vec<String> = v.iter().map(|p| format!("{}.{}", p.path, p.name)).collect();
        names.sort();
        names.join(", ")
    };
    match e {
        CheckError::OpenSignal(map) => {
            let v: Vec<_> = map.into_values().collect();
            format!("signals never driven (unconnected): {}", list(&v))
        }
        CheckError::LogicLoops(v) => format!("combinational loops through: {}", list(&v)),
        CheckError::WritesToInputs(v) => format!("blocks write their own inputs: {}", list(&v)),
    }
}

/// Connect, check and emit `block` as Verilog whose top module is `top_name`.
///
/// Fails (never panics) when rust-hdl's checks find an open signal, a combinational loop or a write to an
/// input, or when post-processing cannot keep its promises (an identifier collision).
pub fn emit_verilog(top_name: &str, block: &mut impl Block) -> Result<String> {
    if !plain_identifier(top_name) {
        bail!("top module name '{top_name}' must be a plain Verilog identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    block.connect_all();
    rust_hdl::core::check_error::check_all(block)
        .map_err(|e| anyhow!("{top_name}: rust-hdl check failed: {}", describe(e)))?;
    postprocess(top_name, &generate_verilog_unchecked(block))
}

/// The post-processing steps on rust-hdl's raw output (public for tests of the rules).
pub fn postprocess(top_name: &str, raw: &str) -> Result<String> {
    let design = modules::split(raw)?;
    if !design.modules.iter().any(|m| m.name == "top") {
        bail!("rust-hdl output has no `top` module");
    }
    if !design.outside.trim().is_empty() {
        bail!(
            "rust-hdl output has text outside modules (blackbox or wrapper cores are not supported yet): {}",
            design.outside.trim().chars().take(80).collect::<String>()
        );
    }
    let classes = modules::merge(&design);
    let names = modules::name_classes(&design, &classes, top_name)?;
    let rendered = modules::render(&design, &classes, &names)?;
    let mut out = String::new();
    for (name, mut body) in rendered {
        unused::drop_unused_outputs(&mut body);
        widths::fix_literals(&mut body);
        out.push_str(&format!("module {name}"));
        out.push_str(lexer::concat(&body).trim_end());
        out.push_str(&format!("\nendmodule // {name}\n\n"));
    }
    Ok(tidy(&out))
}

/// Layout only: no trailing spaces, at most one blank line in a row, one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

/// The header every generated file starts with.
pub fn header(config_name: &str, unit: &str) -> String {
    format!(
        "// Generated by tessera {GENERATOR_VERSION} (rust-hdl {RUST_HDL_VERSION}) from configuration '{config_name}', unit '{unit}'.\n\
         // Do not edit: change the Rust source and run `tessera generate`.\n\n"
    )
}

/// A complete generated file: [`header`] followed by the emitted Verilog.
pub fn file_text(config_name: &str, unit: &str, verilog: &str) -> String {
    format!("{}{}", header(config_name, unit), verilog)
}

/// Names of the modules defined in emitted Verilog, in order.
pub fn module_names(verilog: &str) -> Result<Vec<String>> {
    Ok(modules::split(verilog)?
        .modules
        .into_iter()
        .map(|m| m.name)
        .collect())
}

#[cfg(test)]
mod tests;
