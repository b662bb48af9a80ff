//! `tessera noc-bench`: latency against offered load on the NoC mesh under Verilator, written as a CSV
//! and an SVG plot, plus the headline figures of issue 8 (zero-load latency per hop, saturation
//! throughput against the 4/k bisection bound, class-0 p99 under bulk load, multicast completion).

use anyhow::{Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;
use tessera_testbench::noc::bench::{Bench, LoadPoint};
use tessera_testbench::noc::{MeshSpec, Pattern, Traffic};

#[derive(Args)]
pub struct NocBenchArgs {
    /// Preset whose chip.mesh_x x chip.mesh_y and noc settings are used (default: large, the 4x4 mesh).
    #[arg(long)]
    preset: Option<String>,
    /// Mesh size instead of a preset's, e.g. 4x4 (1..=8 each way).
    #[arg(long)]
    mesh: Option<String>,
    /// Traffic pattern: uniform, transpose, bitcomp, hotspot, neighbour.
    #[arg(long, default_value = "uniform")]
    pattern: String,
    /// Offered class-1 loads in flits/node/cycle, comma separated.
    #[arg(long, default_value = "0.05,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0")]
    rates: String,
    /// Packet length in flits for the sweep.
    #[arg(long, default_value_t = 1)]
    len: u32,
    /// Measurement window per load point, in cycles (after a warm-up of a quarter of it).
    #[arg(long, default_value_t = 4000)]
    window: u64,
    /// Soak cycles at saturation, checked by the scoreboards (0 = no soak).
    #[arg(long, default_value_t = 0)]
    soak: u64,
    /// Also print a cycle-by-cycle table of one packet crossing the idle mesh (docs/noc.md walk-through).
    #[arg(long)]
    walkthrough: bool,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory for noc_<pattern>.csv and noc_<pattern>.svg.
    #[arg(long, default_value = "noc-bench")]
    out: PathBuf,
}

fn parse_mesh(s: &str) -> Result<(u8, u8)> {
    let bad = || {
        super::UsageError(format!(
            "--mesh must look like 4x4 with sides 1..=8, got '{s}'"
        ))
    };
    let (a, b) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (a, b): (u8, u8) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if !(1..=8).contains(&a) || !(1..=8).contains(&b) {
        return Err(bad().into());
    }
    Ok((a, b))
}

pub fn run(a: NocBenchArgs) -> Result<()> {
    let cfg = super::load_config(Some(a.preset.as_deref().unwrap_or("large")), None)?;
    let (nx, ny) = match &a.mesh {
        Some(m) => parse_mesh(m)?,
        None => (cfg.chip.mesh_x as u8, cfg.chip.mesh_y as u8),
    };
    let pattern = Pattern::parse(&a.pattern).ok_or_else(|| {
        super::UsageError(format!(
            "--pattern must be one of uniform, transpose, bitcomp, hotspot, neighbour; got '{}'",
            a.pattern
        ))
    })?;
    let mut rates = Vec::new();
    for r in a.rates.split(',') {
        match r.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 1.0 => rates.push(v),
            _ => {
                return super::usage(format!(
                    "--rates takes loads in (0, 1] separated by commas, got '{r}'"
                ))
            }
        }
    }
    if !(1..=64).contains(&a.len) {
        return super::usage(format!("--len must be 1..=64 flits, got {}", a.len));
    }
    if a.window < 100 {
        return super::usage(format!(
            "--window must be at least 100 cycles, got {}",
            a.window
        ));
    }
    let spec = MeshSpec {
        nx,
        ny,
        width: cfg.noc.flit_width.max(64),
        depth: cfg.noc.buffer_depth,
    };
    if cfg.noc.flit_width < 64 {
        eprintln!(
            "note: the testbench needs 64-bit flits; measuring with 64 instead of {}",
            cfg.noc.flit_width
        );
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    println!(
        "NoC {nx}x{ny}, {}-bit flits, {}-flit VC buffers, pattern {}, seed {}",
        spec.width,
        spec.depth,
        pattern.name(),
        a.seed
    );
    let bench = Bench::new(spec, a.seed)?;
    if a.walkthrough {
        println!("{}", tessera_testbench::noc::bench::walkthrough(spec)?);
    }
    let warm = a.window / 4;

    let zl = bench.zero_load()?;
    let max_h = zl.len() - 1;
    let per_hop = if max_h > 0 {
        (zl[max_h] - zl[0]) / max_h as f64
    } else {
        0.0
    };
    println!("zero-load head latency: {:.2} cycles at 0 hops, {:.2} at {max_h} hops: {per_hop:.2} cycles/hop", zl[0], zl[max_h]);

    let points = bench.sweep(pattern, &rates, a.len, warm, a.window)?;
    let bound = 4.0 / nx.max(ny) as f64;
    let sat = points.iter().map(|p| p.accepted).fold(0.0, f64::max);
    println!("offered  accepted  avg-lat  p99-lat  packets");
    for p in &points {
        println!(
            "{:7.3}  {:8.3}  {:7.1}  {:7}  {:7}",
            p.offered, p.accepted, p.avg_latency, p.p99_latency, p.packets
        );
    }
    println!(
        "saturation throughput ({}): {sat:.3} flits/node/cycle = {:.2} of the 4/k bound ({bound:.2}, k = {})",
        pattern.name(),
        sat / bound.min(1.0),
        nx.max(ny)
    );

    // Class 0 under class-1 bulk at 90 % of saturation, against class 0 alone.
    let c0 = |rate1: f64| Traffic {
        rate0: 0.02,
        len0: 1,
        ..Traffic::bulk(pattern, rate1, a.len)
    };
    let alone = bench.load_point(&c0(0.0), warm, a.window, 0)?;
    let loaded = bench.load_point(&c0(0.9 * sat), warm, a.window, 0)?;
    println!(
        "class-0 latency (0.02 flits/node/cycle): alone avg {:.1} p99 {}; with class 1 at {:.3} avg {:.1} p99 {} ({:.2}x)",
        alone.avg_latency,
        alone.p99_latency,
        0.9 * sat,
        loaded.avg_latency,
        loaded.p99_latency,
        loaded.p99_latency as f64 / alone.p99_latency.max(1) as f64
    );

    // Multicasts travel cut-through, so the longest one the mesh carries is one buffer deep.
    let mlen = spec.depth.min(8);
    let n = nx as usize * ny as usize;
    let east = (ny as usize / 2) * nx as usize + nx as usize - 1;
    for (what, src) in [("corner (0,0)", 0), ("east edge", east)] {
        let (mc, uc) = bench.multicast_from(src, mlen)?;
        println!(
            "multicast to all {n} nodes ({mlen} flits) from node {src}, {what}: {mc} cycles; unicast to the node farthest from it: {uc} cycles ({:.2}x)",
            mc as f64 / uc as f64
        );
    }

    if a.soak > 0 {
        let t = Traffic {
            consume: 1.0,
            ..Traffic::bulk(pattern, 1.0, a.len)
        };
        let flits = bench.soak(&t, a.soak, 50_000)?;
        println!(
            "soak: {} cycles at offered load 1.0, {flits} flits delivered, scoreboards clean",
            a.soak
        );
    }

    let stem = format!("noc_{}_{}x{}", pattern.name(), nx, ny);
    let csv = a.out.join(format!("{stem}.csv"));
    let mut text =
        String::from("pattern,mesh,len,offered,accepted,avg_latency,p99_latency,packets\n");
    for p in &points {
        writeln!(
            text,
            "{},{nx}x{ny},{},{:.4},{:.4},{:.2},{},{}",
            pattern.name(),
            a.len,
            p.offered,
            p.accepted,
            p.avg_latency,
            p.p99_latency,
            p.packets
        )?;
    }
    std::fs::write(&csv, text).with_context(|| format!("writing {}", csv.display()))?;
    let svg = a.out.join(format!("{stem}.svg"));
    std::fs::write(
        &svg,
        plot(
            &points,
            &format!(
                "{nx}x{ny} mesh, {} traffic, {}-flit packets",
                pattern.name(),
                a.len
            ),
        ),
    )
    .with_context(|| format!("writing {}", svg.display()))?;
    println!("wrote {} and {}", csv.display(), svg.display());
    Ok(())
}

/// Latency (average and p99) against offered load as a self-contained SVG line plot.
fn plot(points: &[LoadPoint], title: &str) -> String {
    let (w, h, l, r, t, b) = (640.0, 420.0, 60.0, 20.0, 40.0, 50.0);
    let ymax = points
        .iter()
        .map(|p| p.p99_latency as f64)
        .fold(10.0, f64::max)
        .min(400.0);
    let ymax = (ymax / 10.0).ceil() * 10.0;
    let sx = |x: f64| l + x * (w - l - r);
    let sy = |y: f64| h - b - y.min(ymax) / ymax * (h - t - b);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{title}</text>\n",
        w / 2.0
    );
    for i in 0..=10 {
        let x = i as f64 / 10.0;
        let _ = writeln!(s, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{x:.1}</text>", sx(x), t, h - b, h - b + 16.0);
    }
    for i in 0..=5 {
        let y = ymax * i as f64 / 5.0;
        let _ = writeln!(s, "<line x1=\"{l}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#ddd\"/><text x=\"{2}\" y=\"{3}\" text-anchor=\"end\">{y:.0}</text>", sy(y), w - r, l - 6.0, sy(y) + 4.0);
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">offered load (flits/node/cycle)</text>",
        w / 2.0,
        h - 12.0
    );
    let _ = writeln!(s, "<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">packet latency (cycles)</text>", h / 2.0, h / 2.0);
    for (color, name, f) in [
        (
            "#1f77b4",
            "average",
            &(|p: &LoadPoint| p.avg_latency) as &dyn Fn(&LoadPoint) -> f64,
        ),
        ("#d62728", "p99", &|p: &LoadPoint| p.p99_latency as f64),
    ] {
        let pts: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", sx(p.offered), sy(f(p))))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            pts.join(" ")
        );
        for p in points {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>",
                sx(p.offered),
                sy(f(p))
            );
        }
        let ly = if name == "average" {
            t + 10.0
        } else {
            t + 26.0
        };
        let _ = writeln!(s, "<line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">{name}</text>", l + 10.0, l + 30.0, l + 36.0, ly + 4.0);
    }
    s.push_str("</svg>\n");
    s
}
