//! Module-level rewrites of rust-hdl's Verilog: split into modules, merge structurally identical ones,
//! name the survivors after their role and remove `$` from every identifier.
//!
//! rust-hdl names every module after its instance path (`top$tiles$3$pe$12`) and emits one definition per
//! instance. Two definitions are *structurally identical* when their text after the module name (ports,
//! declarations, instances, code) is equal once every instantiated child is replaced by the class that child
//! belongs to. Merging is repeated bottom-up until nothing changes: once the 64 PEs' registers are merged,
//! the 64 PEs become identical, then the rows that hold them, and so on.

use super::lexer::{concat, tokenize, Kind, Token};
use anyhow::{anyhow, bail, Result};
use std::collections::{BTreeMap, HashMap};

/// One `module ... endmodule` of rust-hdl's output.
#[derive(Clone, Debug)]
pub struct Module {
    /// rust-hdl's name: the instance path joined by `$` (`top` for the root).
    pub name: String,
    /// Tokens after the module name up to, not including, `endmodule`.
    pub body: Vec<Token>,
}

/// rust-hdl's output split into modules and the text between them (kept verbatim).
#[derive(Debug)]
pub struct Design {
    pub modules: Vec<Module>,
    /// Text that is not inside a module (blank lines; wrapper cores would be modules too).
    pub outside: String,
}

/// Split Verilog text into its modules.
pub fn split(src: &str) -> Result<Design> {
    let toks = tokenize(src);
    let mut modules = Vec::new();
    let mut outside = String::new();
    let mut i = 0;
    while i < toks.len() {
        if !toks[i].is(Kind::Ident, "module") {
            if toks[i].kind != Kind::Space {
                outside.push_str(&toks[i].text);
            }
            i += 1;
            continue;
        }
        i += 1;
        while i < toks.len() && toks[i].kind == Kind::Space {
            i += 1;
        }
        let name = toks
            .get(i)
            .filter(|t| t.kind == Kind::Ident)
            .ok_or_else(|| anyhow!("rust-hdl output: `module` without a name"))?
            .text
            .clone();
        i += 1;
        let start = i;
        while i < toks.len() && !toks[i].is(Kind::Ident, "endmodule") {
            i += 1;
        }
        if i == toks.len() {
            bail!("rust-hdl output: module {name} has no endmodule");
        }
        let body = toks[start..i].to_vec();
        i += 1;
        // rust-hdl closes with `endmodule // <name>`; the emitter writes its own closing comment.
        let mut j = i;
        while j < toks.len() && toks[j].kind == Kind::Space && !toks[j].text.contains('\n') {
            j += 1;
        }
        if j < toks.len()
            && toks[j].kind == Kind::Comment
            && toks[j].text.trim() == format!("// {name}")
        {
            i = j + 1;
        }
        modules.push(Module { name, body });
    }
    Ok(Design { modules, outside })
}

/// Indices of tokens in `body` that name an instantiated module: `KIND INST (`.
fn instance_kinds(body: &[Token], is_module: &dyn Fn(&str) -> bool) -> Vec<usize> {
    let mut out = Vec::new();
    let significant: Vec<usize> = (0..body.len())
        .filter(|&k| !matches!(body[k].kind, Kind::Space | Kind::Comment))
        .collect();
    for w in significant.windows(3) {
        let (a, b, c) = (&body[w[0]], &body[w[1]], &body[w[2]]);
        if a.kind == Kind::Ident
            && is_module(&a.text)
            && b.kind == Kind::Ident
            && (c.is(Kind::Punct, "(") || c.is(Kind::Punct, "#"))
        {
            out.push(w[0]);
        }
    }
    out
}

/// The result of merging: for every rust-hdl module, the index of its class representative.
pub struct Classes {
    /// `rep[i]` = index (into `Design::modules`) of the representative of module `i`'s class.
    pub rep: Vec<usize>,
    /// Representatives in output order (the order rust-hdl emitted them).
    pub reps: Vec<usize>,
    /// For each representative, every member's rust-hdl name.
    pub members: BTreeMap<usize, Vec<String>>,
}

/// Merge structurally identical modules until a fixpoint.
pub fn merge(design: &Design) -> Classes {
    let index: HashMap<&str, usize> = design
        .modules
        .iter()
        .enumerate()
        .map(|(k, m)| (m.name.as_str(), k))
        .collect();
    let is_module = |s: &str| index.contains_key(s);
    let kinds: Vec<Vec<usize>> = design
        .modules
        .iter()
        .map(|m| instance_kinds(&m.body, &is_module))
        .collect();
    let n = design.modules.len();
    let mut rep: Vec<usize> = (0..n).collect();
    loop {
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut next = vec![0; n];
        for (k, m) in design.modules.iter().enumerate() {
            let mut body = m.body.clone();
            for &t in &kinds[k] {
                // `\u{1}` cannot occur in Verilog text, so a class id never matches real source.
                body[t].text = format!("\u{1}{}", rep[index[body[t].text.as_str()]]);
            }
            let key = concat(&body);
            next[k] = *by_key.entry(key).or_insert(k);
        }
        if next == rep {
            break;
        }
        rep = next;
    }
    let mut reps = Vec::new();
    let mut members: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (k, m) in design.modules.iter().enumerate() {
        if rep[k] == k {
            reps.push(k);
        }
        members.entry(rep[k]).or_default().push(m.name.clone());
    }
    Classes { rep, reps, members }
}

/// rust-hdl path components of a module name, without the root and without Vec indices.
fn role_path(name: &str) -> Vec<String> {
    name.split('$')
        .skip(1)
        .filter(|c| !c.is_empty() && !c.chars().all(|ch| ch.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// Is this rust-hdl's `DFF<T>` (ports d, q, clock and one `q <= d`)? Returns the width of `q`.
fn dff_width(body: &[Token]) -> Option<usize> {
    let sig: Vec<&str> = body
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .map(|t| t.text.as_str())
        .collect();
    if !sig.starts_with(&["(", "d", ",", "q", ",", "clock", ")", ";"]) {
        return None;
    }
    let text = sig.join(" ");
    if !text.contains("always @ ( posedge clock ) begin q <= d ; end") || text.contains("if") {
        return None;
    }
    // `output reg [W-1:0] q ;` or `output reg q ;`
    let pos = sig.windows(2).position(|w| w == ["output", "reg"])?;
    match sig.get(pos + 2)? {
        &"[" => sig.get(pos + 3)?.parse::<usize>().ok().map(|msb| msb + 1),
        &"q" => Some(1),
        _ => None,
    }
}

/// Choose a readable, unique, deterministic name for every class. The root class gets `top_name`.
pub fn name_classes(
    design: &Design,
    classes: &Classes,
    top_name: &str,
) -> Result<HashMap<usize, String>> {
    let mut names: HashMap<usize, String> = HashMap::new();
    let mut wanted: Vec<(usize, String, String)> = Vec::new(); // (rep, short, long)
    for &r in &classes.reps {
        let m = &design.modules[r];
        if m.name == "top" {
            names.insert(r, top_name.to_string());
            continue;
        }
        let paths: Vec<Vec<String>> = classes.members[&r].iter().map(|n| role_path(n)).collect();
        let long = paths[0].join("_");
        let short = if let Some(w) = dff_width(&m.body) {
            format!("dff_w{w}")
        } else {
            // The role: the last step of the first instance's path (`pe` for `tiles$1$pe$12`).
            paths[0]
                .last()
                .cloned()
                .unwrap_or_else(|| "block".to_string())
        };
        wanted.push((r, short, long));
    }
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, short, _) in &wanted {
        *count.entry(short.as_str()).or_default() += 1;
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    taken.insert(top_name.to_string(), usize::MAX);
    for (r, short, long) in &wanted {
        let base = if count[short.as_str()] > 1 && !long.is_empty() && !short.starts_with("dff_w") {
            format!("{top_name}_{long}")
        } else {
            format!("{top_name}_{short}")
        };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains_key(&name) {
            name = format!("{base}_v{k}");
            k += 1;
        }
        taken.insert(name.clone(), *r);
        names.insert(*r, name);
    }
    Ok(names)
}

/// Port references `.port(` inside instance statements: (token index, index of the instantiated module).
fn port_refs(
    body: &[Token],
    kinds: &[usize],
    kind_of: &dyn Fn(&str) -> usize,
) -> HashMap<usize, usize> {
    let mut out = HashMap::new();
    for &t in kinds {
        let child = kind_of(&body[t].text);
        let mut prev_dot = false;
        for (k, tok) in body.iter().enumerate().skip(t + 1) {
            if tok.is(Kind::Punct, ";") {
                break;
            }
            match tok.kind {
                Kind::Space | Kind::Comment => continue,
                Kind::Ident if prev_dot => {
                    out.insert(k, child);
                }
                _ => {}
            }
            prev_dot = tok.is(Kind::Punct, ".");
        }
    }
    out
}

/// The new name of every identifier a module declares or uses (not its children's port names): rust-hdl's
/// `$` separator becomes `_`; where that would collide with another identifier of the module (rust-hdl's own
/// FIFO has a child port `ram$read_address` next to a field `ram_read_address`) it becomes `__`; if that
/// collides too, emission fails and names both.
fn identifier_map(
    module: &str,
    body: &[Token],
    skip: &dyn Fn(usize) -> bool,
) -> Result<HashMap<String, String>> {
    let idents: Vec<&str> = (0..body.len())
        .filter(|&k| body[k].kind == Kind::Ident && !skip(k))
        .map(|k| body[k].text.as_str())
        .collect();
    let mut map: HashMap<String, String> = HashMap::new();
    let mut owner: HashMap<String, String> = HashMap::new();
    for id in &idents {
        if !id.contains('$') {
            map.insert(id.to_string(), id.to_string());
            owner.insert(id.to_string(), id.to_string());
        }
    }
    for id in &idents {
        if map.contains_key(*id) {
            continue;
        }
        let single = id.replace('$', "_");
        let double = id.replace('$', "__");
        let chosen = if !owner.contains_key(&single) {
            single
        } else if !owner.contains_key(&double) {
            double
        } else {
            bail!(
                "identifier collision in module {module}: `{id}` cannot be renamed (`{single}` is `{}`, `{double}` is `{}`); rename a field",
                owner[&single],
                owner[&double]
            );
        };
        owner.insert(chosen.clone(), id.to_string());
        map.insert(id.to_string(), chosen);
    }
    Ok(map)
}

/// Render the merged design: one definition per class, module names replaced, `$` removed from identifiers.
pub fn render(
    design: &Design,
    classes: &Classes,
    names: &HashMap<usize, String>,
) -> Result<Vec<(String, Vec<Token>)>> {
    let index: HashMap<&str, usize> = design
        .modules
        .iter()
        .enumerate()
        .map(|(k, m)| (m.name.as_str(), k))
        .collect();
    let is_module = |s: &str| index.contains_key(s);
    let kind_of = |s: &str| classes.rep[index[s]];
    // Pass 1: every class's own identifier map (ports included), so parents can name children's ports.
    let mut maps: HashMap<usize, HashMap<String, String>> = HashMap::new();
    let mut layout = Vec::new();
    for &r in &classes.reps {
        let m = &design.modules[r];
        let kinds = instance_kinds(&m.body, &is_module);
        let ports = port_refs(&m.body, &kinds, &kind_of);
        let map = identifier_map(&names[&r], &m.body, &|k| {
            kinds.contains(&k) || ports.contains_key(&k)
        })?;
        maps.insert(r, map);
        layout.push((r, kinds, ports));
    }
    // Pass 2: rewrite.
    let mut out = Vec::new();
    for (r, kinds, ports) in layout {
        let mut body = design.modules[r].body.clone();
        for (t, tok) in body.iter_mut().enumerate() {
            if kinds.contains(&t) {
                tok.text = names[&kind_of(&tok.text)].clone();
            } else if let Some(child) = ports.get(&t) {
                tok.text = maps[child]
                    .get(&tok.text)
                    .ok_or_else(|| {
                        anyhow!(
                            "{}: port `{}` is not declared by its module",
                            names[&r],
                            tok.text
                        )
                    })?
                    .clone();
            } else if tok.kind == Kind::Ident {
                tok.text = maps[&r][&tok.text].clone();
            }
        }
        out.push((names[&r].clone(), body));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "\n\nmodule top(a);\n input wire a;\n top$x$0 x$0(\n .d(a)\n );\n top$x$1 x$1(\n .d(a)\n );\nendmodule // top\n\n\nmodule top$x$0(d);\n input wire d;\n top$x$0$r r(.d(d));\nendmodule // top$x$0\n\n\nmodule top$x$0$r(d);\n input wire d;\nendmodule // top$x$0$r\n\n\nmodule top$x$1(d);\n input wire d;\n top$x$1$r r(.d(d));\nendmodule // top$x$1\n\n\nmodule top$x$1$r(d);\n input wire d;\nendmodule // top$x$1$r\n";

    #[test]
    fn merges_bottom_up_and_names_roles() {
        let d = split(RAW).unwrap();
        assert_eq!(d.modules.len(), 5);
        let c = merge(&d);
        assert_eq!(c.reps.len(), 3, "top, x, r");
        let names = name_classes(&d, &c, "unit").unwrap();
        let mut got: Vec<&String> = names.values().collect();
        got.sort();
        assert_eq!(got, ["unit", "unit_r", "unit_x"]);
        let r = render(&d, &c, &names).unwrap();
        let top = concat(&r[0].1);
        assert!(
            top.contains("unit_x x_0(") && top.contains("unit_x x_1("),
            "{top}"
        );
    }

    #[test]
    fn collisions_fall_back_then_fail() {
        let src = "module top(a$b, a_b);\n input wire a$b;\n input wire a_b;\nendmodule\n";
        let d = split(src).unwrap();
        let c = merge(&d);
        let names = name_classes(&d, &c, "t").unwrap();
        let r = render(&d, &c, &names).unwrap();
        assert!(concat(&r[0].1).contains("input wire a__b;"));
        let src = "module top(a$b, a_b, a__b);\n input wire a$b;\n input wire a_b;\n input wire a__b;\nendmodule\n";
        let d = split(src).unwrap();
        let c = merge(&d);
        let names = name_classes(&d, &c, "t").unwrap();
        let e = render(&d, &c, &names).unwrap_err().to_string();
        assert!(e.contains("collision"), "{e}");
    }
}
