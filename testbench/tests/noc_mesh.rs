//! The NoC mesh under Verilator: every BookSim pattern on 1x2, 2x2, 3x3 and 4x4 meshes with random
//! ejection back-pressure, mixed classes, multicast and bad destinations; scoreboards keyed by
//! (source, destination, class) must report nothing lost, duplicated, corrupted or reordered, and the
//! deadlock watchdog must stay quiet. Directed tests check the one-cycle hop and the drop rule.
//!
//! Kept lean (a few hundred cycles per pattern and mesh, fewer on the big meshes); the million-cycle soak and the 4x4 measurements live in
//! `cargo bench --bench noc` / `tessera noc-bench`.
use rand::{Rng, SeedableRng};
use tessera_hdl::noc::Header;
use tessera_testbench::noc::{MeshSpec, NocTb, Pattern, Traffic};
use tessera_testbench::{seed_for, TestRng};

fn spec(nx: u8, ny: u8) -> MeshSpec {
    MeshSpec {
        nx,
        ny,
        width: 64,
        depth: 4,
    }
}

fn tb(nx: u8, ny: u8) -> NocTb {
    NocTb::new(spec(nx, ny))
        .unwrap_or_else(|e| panic!("building the {nx}x{ny} mesh model failed: {e:#}"))
}

fn rng(name: &str) -> TestRng {
    let seed = seed_for(name);
    println!("[tessera] {name}: seed {seed} (TESSERA_SEED={seed} reproduces)");
    TestRng::seed_from_u64(seed)
}

/// Every pattern, mixed traffic, random back-pressure; drain and check after each pattern.
fn all_patterns(nx: u8, ny: u8, cycles: u64, name: &str) {
    let mut r = rng(name);
    let mut t = tb(nx, ny);
    for p in Pattern::ALL {
        let traffic = Traffic {
            pattern: p,
            rate1: 0.35,
            rate0: 0.05,
            len_min: 1,
            len_max: 6,
            len0: 1,
            mcast: 0.05,
            bad: 0.02,
            consume: r.gen_range(0.5..0.9),
        };
        t.run(&traffic, cycles, &mut r)
            .unwrap_or_else(|e| panic!("{name} {}: {e:#}", p.name()));
        t.drain(traffic.consume, &mut r)
            .unwrap_or_else(|e| panic!("{name} {} drain: {e:#}", p.name()));
        t.check()
            .unwrap_or_else(|e| panic!("{name} {}: {e:#}", p.name()));
        println!(
            "[tessera] {name} {}: {} flits in, {} flits out, {} deliveries, {} dropped",
            p.name(),
            t.flits_in,
            t.flits_out,
            t.deliveries.len(),
            t.bad_sent
        );
    }
    assert!(t.flits_out > 0, "no traffic went through");
}

#[test]
fn noc_1x2_all_patterns() {
    all_patterns(1, 2, 600, "noc_1x2_all_patterns");
}

#[test]
fn noc_2x2_all_patterns() {
    all_patterns(2, 2, 600, "noc_2x2_all_patterns");
}

#[test]
fn noc_3x3_all_patterns() {
    all_patterns(3, 3, 400, "noc_3x3_all_patterns");
}

#[test]
fn noc_4x4_all_patterns() {
    all_patterns(4, 4, 300, "noc_4x4_all_patterns");
}

/// Zero load: a packet's head leaves the destination's ejection link hops + 1 cycles after it was
/// offered on the source's injection link (one cycle per router, the header's promise).
#[test]
fn noc_zero_load_is_one_cycle_per_hop() {
    let mut r = rng("noc_zero_load_is_one_cycle_per_hop");
    let mut t = tb(3, 3);
    for src in 0..9usize {
        for dst in 0..9usize {
            let (sx, sy) = ((src % 3) as u8, (src / 3) as u8);
            let (dx, dy) = ((dst % 3) as u8, (dst / 3) as u8);
            let class = ((src + dst) % 2) as u8;
            t.send(src, Header::unicast((sx, sy), (dx, dy), class, 3));
            t.drain(1.0, &mut r).unwrap();
            let d = *t.deliveries.last().unwrap();
            let hops = (sx.abs_diff(dx) + sy.abs_diff(dy)) as u64;
            assert_eq!(
                d.head_out - d.injected,
                hops + 1,
                "({sx},{sy})->({dx},{dy}) head latency"
            );
            assert_eq!(
                d.tail_out - d.head_out,
                2,
                "({sx},{sy})->({dx},{dy}): 3 flits back to back"
            );
        }
    }
    t.check().unwrap();
}

/// Multicast to the whole mesh and to a sub-rectangle reaches exactly the rectangle, and packets to
/// destinations outside the mesh, empty rectangles and multicasts longer than the buffer depth are
/// dropped and counted without blocking the packets behind them.
#[test]
fn noc_multicast_and_bad_destinations() {
    let mut r = rng("noc_multicast_and_bad_destinations");
    let mut t = tb(3, 3);
    t.send(4, Header::multicast((0, 0), (0, 0), (2, 2), 1, 4));
    t.send(0, Header::multicast((0, 0), (1, 1), (2, 2), 0, 2));
    t.send(8, Header::multicast((0, 0), (0, 2), (1, 2), 1, 3));
    t.send(3, Header::unicast((0, 0), (3, 0), 1, 5)); // x outside
    t.send(3, Header::unicast((0, 0), (0, 9), 0, 1)); // y outside
    t.send(3, Header::multicast((0, 0), (2, 0), (1, 1), 1, 2)); // empty rectangle
    t.send(3, Header::multicast((0, 0), (0, 0), (2, 2), 1, 5)); // longer than the buffers
    t.send(3, Header::unicast((0, 0), (2, 2), 1, 4)); // behind the bad ones
    t.drain(0.7, &mut r).unwrap();
    t.check().unwrap();
    assert_eq!(t.drops(), 4);
    let to = |id: u32| t.deliveries.iter().filter(|d| d.id == id).count();
    assert_eq!((to(1), to(2), to(3), to(7), to(8)), (9, 4, 2, 0, 1));
}
