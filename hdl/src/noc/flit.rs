//! Flit and head-flit layout of the Tessera NoC (ARCHITECTURE.md section 3), described once.
//!
//! A flit on a link is `{vc, head, tail, data[W]}` plus two credit wires running the other way (one per
//! virtual channel). The virtual channel *is* the traffic class: VC 0 carries class 0 (latency-sensitive,
//! priority), VC 1 carries class 1 (bulk). A packet never changes VC, so a router never reallocates VCs.
//!
//! The head flit's low 32 data bits are the routing header (the rest of a wider flit is free for the
//! endpoint, e.g. an address). Only bits 23:0 are read by the routers.
//!
//! ```text
//!  31      26 25 24  23     22     21   19 18   16 15   12 11    8 7     4 3     0
//! +----------+-----+-------+------+-------+-------+-------+-------+-------+-------+
//! | len - 1  | op  | mcast | class| src_y | src_x | hi_y  | hi_x  | dst_y | dst_x |
//! +----------+-----+-------+------+-------+-------+-------+-------+-------+-------+
//! ```
//!
//! * Unicast (`mcast` = 0): the packet goes to node (`dst_x`, `dst_y`); `hi_x`/`hi_y` are ignored.
//! * Multicast (`mcast` = 1): the packet goes to every node of the rectangle
//!   `dst_x..=hi_x` x `dst_y..=hi_y`, replicated along an XY tree.
//! * Destination coordinates are 4 bits wide although a mesh is at most 8 x 8, so that "outside the mesh"
//!   is representable: a packet whose destination (or rectangle) leaves the mesh, or whose rectangle is
//!   empty (lo > hi), is consumed by the first router that sees it and counted in its `drops` counter.
//!   So is a multicast longer than the routers' buffer depth (multicasts travel cut-through).
//! * `len - 1` (6 bits) is informational for endpoints (1..=64 flits); routers use the `tail` bit.
//! * `op` is a 2-bit opcode for the endpoints; the network does not interpret it.
//!
//! Coordinates: x grows to the East, y grows to the South; node (0, 0) is the north-west corner and
//! router n of a mesh sits at (n % mesh_x, n / mesh_x).

/// Header bit positions (see the module diagram).
pub const DST_X_LSB: usize = 0;
pub const DST_Y_LSB: usize = 4;
pub const HI_X_LSB: usize = 8;
pub const HI_Y_LSB: usize = 12;
pub const SRC_X_LSB: usize = 16;
pub const SRC_Y_LSB: usize = 19;
pub const CLASS_BIT: usize = 22;
pub const MCAST_BIT: usize = 23;
pub const OP_LSB: usize = 24;
pub const LEN_LSB: usize = 26;
/// Largest packet length the header's length field can state.
pub const MAX_HEADER_LEN: u32 = 64;

/// A decoded head-flit header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Destination (unicast) or the low corner of the multicast rectangle; 0..=15.
    pub dst_x: u8,
    pub dst_y: u8,
    /// High corner of the multicast rectangle (inclusive); ignored for unicast; 0..=15.
    pub hi_x: u8,
    pub hi_y: u8,
    /// Source node; 0..=7.
    pub src_x: u8,
    pub src_y: u8,
    /// Traffic class (= virtual channel): 0 priority, 1 bulk.
    pub class: u8,
    pub mcast: bool,
    /// Endpoint opcode, 0..=3.
    pub opcode: u8,
    /// Packet length in flits, 1..=64.
    pub len: u32,
}

impl Header {
    /// A unicast header.
    pub fn unicast(src: (u8, u8), dst: (u8, u8), class: u8, len: u32) -> Self {
        Header {
            dst_x: dst.0,
            dst_y: dst.1,
            hi_x: dst.0,
            hi_y: dst.1,
            src_x: src.0,
            src_y: src.1,
            class,
            mcast: false,
            opcode: 0,
            len,
        }
    }

    /// A multicast header to the rectangle `lo..=hi`.
    pub fn multicast(src: (u8, u8), lo: (u8, u8), hi: (u8, u8), class: u8, len: u32) -> Self {
        Header {
            dst_x: lo.0,
            dst_y: lo.1,
            hi_x: hi.0,
            hi_y: hi.1,
            src_x: src.0,
            src_y: src.1,
            class,
            mcast: true,
            opcode: 0,
            len,
        }
    }

    /// The 32 header bits.
    pub fn pack(&self) -> u32 {
        assert!(self.dst_x < 16 && self.dst_y < 16 && self.hi_x < 16 && self.hi_y < 16);
        assert!(self.src_x < 8 && self.src_y < 8 && self.class < 2 && self.opcode < 4);
        assert!(
            (1..=MAX_HEADER_LEN).contains(&self.len),
            "packet length {} not in 1..=64",
            self.len
        );
        (self.dst_x as u32) << DST_X_LSB
            | (self.dst_y as u32) << DST_Y_LSB
            | (self.hi_x as u32) << HI_X_LSB
            | (self.hi_y as u32) << HI_Y_LSB
            | (self.src_x as u32) << SRC_X_LSB
            | (self.src_y as u32) << SRC_Y_LSB
            | (self.class as u32) << CLASS_BIT
            | (self.mcast as u32) << MCAST_BIT
            | (self.opcode as u32) << OP_LSB
            | (self.len - 1) << LEN_LSB
    }

    /// Decode the low 32 bits of a head flit.
    pub fn unpack(bits: u32) -> Self {
        let f = |lsb: usize, w: usize| ((bits >> lsb) & ((1 << w) - 1)) as u8;
        Header {
            dst_x: f(DST_X_LSB, 4),
            dst_y: f(DST_Y_LSB, 4),
            hi_x: f(HI_X_LSB, 4),
            hi_y: f(HI_Y_LSB, 4),
            src_x: f(SRC_X_LSB, 3),
            src_y: f(SRC_Y_LSB, 3),
            class: f(CLASS_BIT, 1),
            mcast: f(MCAST_BIT, 1) == 1,
            opcode: f(OP_LSB, 2),
            len: f(LEN_LSB, 6) as u32 + 1,
        }
    }

    /// The destination rectangle `(x0, x1, y0, y1)` (a single node for unicast).
    pub fn rect(&self) -> (u8, u8, u8, u8) {
        if self.mcast {
            (self.dst_x, self.hi_x, self.dst_y, self.hi_y)
        } else {
            (self.dst_x, self.dst_x, self.dst_y, self.dst_y)
        }
    }

    /// True when the routers will drop this packet: destination outside a `mx` x `my` mesh, an empty
    /// rectangle, or a multicast longer than the routers' `depth`-flit buffers (a multicast is carried
    /// cut-through, so it must fit in one buffer; see `router.rs`, "Multicast and deadlock").
    pub fn is_bad(&self, mx: u32, my: u32, depth: u32) -> bool {
        let (x0, x1, y0, y1) = self.rect();
        let (x0, x1, y0, y1) = (x0 as u32, x1 as u32, y0 as u32, y1 as u32);
        x0 >= mx
            || x1 >= mx
            || y0 >= my
            || y1 >= my
            || x0 > x1
            || y0 > y1
            || (self.mcast && self.len > depth)
    }

    /// The nodes that must receive this packet (empty when it is dropped), on a `mx` x `my` mesh with
    /// `depth`-flit buffers.
    pub fn destinations(&self, mx: u32, my: u32, depth: u32) -> Vec<(u8, u8)> {
        if self.is_bad(mx, my, depth) {
            return vec![];
        }
        let (x0, x1, y0, y1) = self.rect();
        let mut v = vec![];
        for y in y0..=y1 {
            for x in x0..=x1 {
                v.push((x, y));
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = Header {
            dst_x: 15,
            dst_y: 3,
            hi_x: 7,
            hi_y: 9,
            src_x: 5,
            src_y: 6,
            class: 1,
            mcast: true,
            opcode: 2,
            len: 64,
        };
        assert_eq!(Header::unpack(h.pack()), h);
        let u = Header::unicast((1, 2), (3, 0), 0, 1);
        assert_eq!(Header::unpack(u.pack()), u);
        assert_eq!(u.pack() >> LEN_LSB, 0);
    }

    #[test]
    fn bad_destinations() {
        assert!(Header::unicast((0, 0), (2, 0), 0, 1).is_bad(2, 2, 4));
        assert!(!Header::unicast((0, 0), (1, 1), 0, 9).is_bad(2, 2, 4));
        assert!(Header::multicast((0, 0), (1, 0), (0, 1), 0, 1).is_bad(4, 4, 4));
        assert!(!Header::multicast((0, 0), (0, 0), (1, 1), 0, 4).is_bad(4, 4, 4));
        assert!(Header::multicast((0, 0), (0, 0), (1, 1), 0, 5).is_bad(4, 4, 4));
        assert_eq!(
            Header::multicast((0, 0), (1, 1), (2, 3), 0, 1)
                .destinations(4, 4, 4)
                .len(),
            6
        );
    }
}
