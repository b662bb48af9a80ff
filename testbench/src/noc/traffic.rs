//! BookSim-style synthetic traffic patterns (Dally & Towles 2004, ch. 3; BookSim 2
//! `traffic.cpp`): the destination a source sends to.
use rand::Rng;

/// A traffic pattern on an `nx` x `ny` mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Every node equally likely (the source itself included, as in BookSim).
    Uniform,
    /// (x, y) -> (y, x); on a non-square mesh (y mod nx, x mod ny).
    Transpose,
    /// (x, y) -> (nx-1-x, ny-1-y): every packet crosses the bisection.
    BitComplement,
    /// A quarter of the packets go to the centre node (nx/2, ny/2), the rest uniformly.
    Hotspot,
    /// (x, y) -> (x+1 mod nx, y+1 mod ny).
    Neighbour,
}

impl Pattern {
    /// Every pattern, for sweeps and tests.
    pub const ALL: [Pattern; 5] = [
        Pattern::Uniform,
        Pattern::Transpose,
        Pattern::BitComplement,
        Pattern::Hotspot,
        Pattern::Neighbour,
    ];

    /// The pattern's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Uniform => "uniform",
            Pattern::Transpose => "transpose",
            Pattern::BitComplement => "bitcomp",
            Pattern::Hotspot => "hotspot",
            Pattern::Neighbour => "neighbour",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Pattern> {
        Pattern::ALL
            .into_iter()
            .find(|p| p.name() == s || (s == "neighbor" && *p == Pattern::Neighbour))
    }

    /// The destination of a packet from `(x, y)`.
    pub fn dest(self, (x, y): (u8, u8), nx: u8, ny: u8, rng: &mut impl Rng) -> (u8, u8) {
        let uniform = |rng: &mut dyn rand::RngCore| (rng.gen_range(0..nx), rng.gen_range(0..ny));
        match self {
            Pattern::Uniform => uniform(rng),
            Pattern::Transpose => (y % nx, x % ny),
            Pattern::BitComplement => (nx - 1 - x, ny - 1 - y),
            Pattern::Hotspot => {
                if rng.gen_bool(0.25) {
                    (nx / 2, ny / 2)
                } else {
                    uniform(rng)
                }
            }
            Pattern::Neighbour => ((x + 1) % nx, (y + 1) % ny),
        }
    }
}
