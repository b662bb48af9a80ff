//! DMA descriptor format, status codes and the reference model of a copy (issue 7; ARCHITECTURE.md
//! section 3, "DMA descriptor").
//!
//! The descriptor is one 288-bit word (nine 32-bit words), packed here once and unpacked by the RTL
//! (`hdl/src/dma`):
//!
//! | bits | field | meaning |
//! |---|---|---|
//! | 31:0 | `src` | source byte address |
//! | 63:32 | `dst` | destination byte address (the first destination window) |
//! | 95:64 | `src_stride` | bytes between row starts at the source |
//! | 127:96 | `dst_stride` | bytes between row starts at the destination |
//! | 159:128 | `src_plane_stride` | bytes between plane starts at the source |
//! | 191:160 | `dst_plane_stride` | bytes between plane starts at the destination |
//! | 207:192 | `row_bytes` | bytes per row |
//! | 223:208 | `rows` | rows per plane |
//! | 239:224 | `planes` | planes (1 for a 2D copy) |
//! | 247:240 | `id` | completion id, echoed in the status |
//! | 248 | `store` | 1: SRAM -> AXI memory (store) |
//! | 249 | `copy` | 1: SRAM -> SRAM (copy); `store` and `copy` both 0: AXI memory -> SRAM (load) |
//! | 253:250 | `mc_extra` | multicast: destination windows beyond the first (0..=15); loads and copies only |
//! | 255:254 | - | reserved, zero |
//! | 287:256 | `mc_stride` | multicast: bytes between destination windows (window k starts at `dst + k*mc_stride`) |
//!
//! Rules (checked in this order; the first failing one is the status code, nothing is moved):
//! 0. the reserved bits 255:254 are zero, `store` and `copy` are not both set, and a store has no
//!    multicast (`mc_extra == 0`) ([`Status::Reserved`]; [`check_word`]);
//! 1. `row_bytes`, `rows` and `planes` are non-zero ([`Status::ZeroLength`]);
//! 2. `src`, `dst`, `row_bytes`, the four strides and `mc_stride` are multiples of the AXI beat
//!    (data width / 8 bytes) ([`Status::Misaligned`]);
//! 3. the last byte touched on each side, `base + (planes-1)*plane_stride + (rows-1)*stride + row_bytes - 1`
//!    (plus `mc_extra*mc_stride` at the destination), lies inside that side's memory: `2^axi_addr_width`
//!    bytes for AXI, the CSRAM's `banks*depth*width/8` bytes for SRAM ([`Status::OutOfRange`]);
//! 4. the destination windows do not overlap each other (`mc_extra == 0` or `mc_stride >=` one window's
//!    extent), and a copy's source extent `[src, src_end)` does not overlap the union of its destination
//!    windows `[dst, dst_end + mc_extra*mc_stride)` ([`Status::Overlap`]). Extents are bounding intervals:
//!    interleaved strided regions that never share a byte are still rejected when their intervals meet.
//!
//! Strides are unsigned; rows and planes of one window may overlap (the copy order is then plane, row,
//! byte ascending). Rule 4 makes the order between windows and between a copy's reads and writes
//! irrelevant, so every destination window receives exactly the source bytes.
//! Descriptors take effect in queue order: the engine overlaps unicast loads with unicast loads and unicast
//! stores with stores, and drains before any other descriptor (direction change, copy, multicast), so a
//! store or a copy sees the SRAM an earlier descriptor wrote.
use crate::config::Config;

/// Completion status codes (the `code` field of a status word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// The copy finished without error.
    Ok = 0,
    /// `row_bytes`, `rows` or `planes` is zero: rejected, nothing moved.
    ZeroLength = 1,
    /// An address, length or stride is not a multiple of the AXI beat: rejected, nothing moved.
    Misaligned = 2,
    /// The copy would touch memory outside the AXI address space or the SRAM: rejected, nothing moved.
    OutOfRange = 3,
    /// An AXI response was SLVERR: the descriptor aborted (no later byte of it is written).
    AxiSlvErr = 4,
    /// An AXI response was DECERR: the descriptor aborted.
    AxiDecErr = 5,
    /// The SRAM answered `error`, reported with the first failing word's byte address. A store sends no
    /// later beat of the descriptor (`wstrb = 0`); a load's other words are still written (the SRAM port
    /// cannot cancel a write, and its answer comes after the write was issued).
    SramError = 6,
    /// A reserved descriptor bit (255:254) is set, `store` and `copy` are both set, or a store asks for
    /// multicast: rejected, nothing moved.
    Reserved = 7,
    /// Destination windows overlap each other, or a copy's source overlaps its destinations: rejected,
    /// nothing moved.
    Overlap = 8,
}

impl Status {
    /// The status for a code read from the hardware.
    pub fn from_code(code: u8) -> Option<Status> {
        use Status::*;
        [
            Ok, ZeroLength, Misaligned, OutOfRange, AxiSlvErr, AxiDecErr, SramError, Reserved,
            Overlap,
        ]
        .into_iter()
        .find(|s| *s as u8 == code)
    }
}

/// Width of the packed descriptor in bits.
pub const DESC_BITS: usize = 288;
/// The packed descriptor as little-endian 32-bit words.
pub const DESC_WORDS: usize = DESC_BITS / 32;
/// Width of the packed status word: `[7:0]` id, `[15:8]` code, `[47:16]` fault address.
pub const STATUS_BITS: usize = 48;

/// One DMA descriptor (see the module header for the packed layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Descriptor {
    pub src: u32,
    pub dst: u32,
    pub src_stride: u32,
    pub dst_stride: u32,
    pub src_plane_stride: u32,
    pub dst_plane_stride: u32,
    pub row_bytes: u16,
    pub rows: u16,
    pub planes: u16,
    pub id: u8,
    /// SRAM -> AXI (else AXI -> SRAM, unless `copy`).
    pub store: bool,
    /// SRAM -> SRAM.
    pub copy: bool,
    /// Multicast: destination windows beyond the first (0..=15).
    pub mc_extra: u8,
    /// Multicast: bytes between destination windows.
    pub mc_stride: u32,
}

/// A completion reported by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub id: u8,
    pub status: Status,
    /// The faulting address for AXI/SRAM errors (AXI: the burst's or beat's byte address; SRAM: the word's
    /// byte address), else 0.
    pub fault: u32,
}

impl Completion {
    /// Unpacks a 48-bit status word.
    pub fn unpack(word: u64) -> Option<Completion> {
        Some(Completion {
            id: word as u8,
            status: Status::from_code((word >> 8) as u8)?,
            fault: (word >> 16) as u32,
        })
    }
}

/// The sizes the checks need, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaGeometry {
    /// AXI beat in bytes (data width / 8).
    pub beat_bytes: u32,
    /// AXI address space in bytes (2^axi_addr_width).
    pub axi_bytes: u64,
    /// SRAM size in bytes.
    pub sram_bytes: u64,
    /// SRAM word in bytes.
    pub word_bytes: u32,
}

impl DmaGeometry {
    /// The geometry of a configuration's DMA and CSRAM.
    pub fn of(cfg: &Config) -> DmaGeometry {
        DmaGeometry {
            beat_bytes: cfg.dma.axi_data_width / 8,
            axi_bytes: 1u64 << cfg.dma.axi_addr_width,
            sram_bytes: cfg.csram.banks as u64 * cfg.csram.depth as u64 * cfg.csram.width as u64
                / 8,
            word_bytes: cfg.csram.width / 8,
        }
    }
}

impl Descriptor {
    /// A 2D copy (one plane).
    pub fn copy_2d(
        store: bool,
        src: u32,
        dst: u32,
        row_bytes: u16,
        rows: u16,
        id: u8,
    ) -> Descriptor {
        Descriptor {
            src,
            dst,
            src_stride: row_bytes as u32,
            dst_stride: row_bytes as u32,
            row_bytes,
            rows,
            planes: 1,
            id,
            store,
            ..Default::default()
        }
    }

    /// A 2D SRAM -> SRAM copy (one plane).
    pub fn sram_copy_2d(src: u32, dst: u32, row_bytes: u16, rows: u16, id: u8) -> Descriptor {
        Descriptor {
            copy: true,
            ..Descriptor::copy_2d(false, src, dst, row_bytes, rows, id)
        }
    }

    /// The same descriptor sending its data to `windows` destination windows `stride` bytes apart.
    pub fn multicast(self, windows: u8, stride: u32) -> Descriptor {
        Descriptor {
            mc_extra: windows.saturating_sub(1),
            mc_stride: stride,
            ..self
        }
    }

    /// Number of destination windows.
    pub fn windows(&self) -> u64 {
        self.mc_extra as u64 + 1
    }

    /// The 288-bit word as nine little-endian `u32`s.
    pub fn pack(&self) -> [u32; DESC_WORDS] {
        [
            self.src,
            self.dst,
            self.src_stride,
            self.dst_stride,
            self.src_plane_stride,
            self.dst_plane_stride,
            self.row_bytes as u32 | (self.rows as u32) << 16,
            self.planes as u32
                | (self.id as u32) << 16
                | (self.store as u32) << 24
                | (self.copy as u32) << 25
                | (self.mc_extra as u32 & 15) << 26,
            self.mc_stride,
        ]
    }

    /// The descriptor in a packed word (the reserved bits are ignored; see [`check_word`]).
    pub fn unpack(w: &[u32; DESC_WORDS]) -> Descriptor {
        Descriptor {
            src: w[0],
            dst: w[1],
            src_stride: w[2],
            dst_stride: w[3],
            src_plane_stride: w[4],
            dst_plane_stride: w[5],
            row_bytes: w[6] as u16,
            rows: (w[6] >> 16) as u16,
            planes: w[7] as u16,
            id: (w[7] >> 16) as u8,
            store: (w[7] >> 24) & 1 == 1,
            copy: (w[7] >> 25) & 1 == 1,
            mc_extra: ((w[7] >> 26) & 15) as u8,
            mc_stride: w[8],
        }
    }

    /// Bytes read from the source (each destination window receives all of them).
    pub fn bytes(&self) -> u64 {
        self.row_bytes as u64 * self.rows as u64 * self.planes as u64
    }

    /// One past the last byte touched from `base` (may exceed 2^32).
    fn extent(&self, base: u32, stride: u32, plane_stride: u32) -> u64 {
        base as u64
            + (self.planes as u64).saturating_sub(1) * plane_stride as u64
            + (self.rows as u64).saturating_sub(1) * stride as u64
            + self.row_bytes as u64
    }

    /// The descriptor checks (module header): `Ok` or the rejection code.
    pub fn check(&self, g: &DmaGeometry) -> Status {
        if (self.store && self.copy) || (self.store && self.mc_extra != 0) || self.mc_extra > 15 {
            return Status::Reserved;
        }
        if self.row_bytes == 0 || self.rows == 0 || self.planes == 0 {
            return Status::ZeroLength;
        }
        let m = g.beat_bytes - 1;
        let fields = [
            self.src,
            self.dst,
            self.row_bytes as u32,
            self.src_stride,
            self.dst_stride,
            self.src_plane_stride,
            self.dst_plane_stride,
            self.mc_stride,
        ];
        if fields.iter().any(|f| f & m != 0) {
            return Status::Misaligned;
        }
        let src_end = self.extent(self.src, self.src_stride, self.src_plane_stride);
        let dst_end = self.extent(self.dst, self.dst_stride, self.dst_plane_stride);
        // The union of the destination windows ends with the last window.
        let dst_last_end = dst_end + self.mc_extra as u64 * self.mc_stride as u64;
        let in_axi = |end: u64| end <= g.axi_bytes;
        let in_sram = |end: u64| end <= g.sram_bytes;
        let ok = if self.copy {
            in_sram(src_end) && in_sram(dst_last_end)
        } else if self.store {
            in_sram(src_end) && in_axi(dst_end)
        } else {
            in_axi(src_end) && in_sram(dst_last_end)
        };
        if !ok {
            return Status::OutOfRange;
        }
        let window = dst_end - self.dst as u64;
        if self.mc_extra != 0 && (self.mc_stride as u64) < window {
            return Status::Overlap;
        }
        if self.copy && (self.src as u64) < dst_last_end && (self.dst as u64) < src_end {
            return Status::Overlap;
        }
        Status::Ok
    }

    /// `(source offset, destination offset, length)` of every row, in copy order.
    pub fn rows_in_order(&self) -> Vec<(u64, u64, u64)> {
        let mut v = Vec::new();
        for p in 0..self.planes as u64 {
            for r in 0..self.rows as u64 {
                v.push((
                    self.src as u64 + p * self.src_plane_stride as u64 + r * self.src_stride as u64,
                    self.dst as u64 + p * self.dst_plane_stride as u64 + r * self.dst_stride as u64,
                    self.row_bytes as u64,
                ));
            }
        }
        v
    }
}

/// The checks on a packed descriptor word as the engine receives it: reserved bits first, then
/// [`Descriptor::check`].
pub fn check_word(w: &[u32; DESC_WORDS], g: &DmaGeometry) -> Status {
    if w[7] >> 30 != 0 {
        return Status::Reserved;
    }
    Descriptor::unpack(w).check(g)
}

/// Reference model of the copy: applies `d` to the two memories (AXI memory and SRAM, byte arrays) and
/// returns the status. A rejected descriptor changes nothing. (AXI/SRAM errors are a property of the
/// memories, not of the model; tests that inject them compute their expectation from the fault address.)
pub fn apply(d: &Descriptor, g: &DmaGeometry, axi: &mut [u8], sram: &mut [u8]) -> Status {
    let s = d.check(g);
    if s != Status::Ok {
        return s;
    }
    // Rule 4 (no overlap between windows, nor between a copy's source and destinations) makes the order
    // of windows irrelevant; within a window, rows are written in order.
    for k in 0..d.windows() {
        let off = k * d.mc_stride as u64;
        for (src, dst, len) in d.rows_in_order() {
            for i in 0..len {
                let (from, to) = ((src + i) as usize, (dst + off + i) as usize);
                if d.copy {
                    sram[to] = sram[from];
                } else if d.store {
                    axi[to] = sram[from];
                } else {
                    sram[to] = axi[from];
                }
            }
        }
    }
    Status::Ok
}

/// Source reads a descriptor costs: `(AXI beats, SRAM words)`. Multicast reads the source once, however many
/// windows it writes; a copy reads SRAM words only.
pub fn source_reads(d: &Descriptor, g: &DmaGeometry) -> (u64, u64) {
    if d.copy || d.store {
        (0, d.bytes() / g.word_bytes as u64)
    } else {
        (d.bytes() / g.beat_bytes as u64, 0)
    }
}

/// The bursts the engine issues for a descriptor: `(byte address, beats)`, each at most 256 beats and never
/// crossing a 4 KiB boundary, rows split independently. The address is the AXI side's (a load's source, a
/// store's destination); for a copy it is the SRAM source (the same legalization, one walk for all kinds).
pub fn bursts(d: &Descriptor, beat_bytes: u32) -> Vec<(u64, u32)> {
    let mut v = Vec::new();
    for (src, dst, len) in d.rows_in_order() {
        let mut a = if d.store { dst } else { src };
        let mut left = len;
        while left > 0 {
            let to_4k = 4096 - (a & 4095);
            let chunk = left.min(to_4k).min(256 * beat_bytes as u64);
            v.push((a, (chunk / beat_bytes as u64) as u32));
            a += chunk;
            left -= chunk;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo() -> DmaGeometry {
        DmaGeometry {
            beat_bytes: 8,
            axi_bytes: 1 << 32,
            sram_bytes: 1 << 16,
            word_bytes: 8,
        }
    }

    #[test]
    fn pack_layout() {
        let d = Descriptor {
            src: 1,
            dst: 2,
            src_stride: 3,
            dst_stride: 4,
            src_plane_stride: 5,
            dst_plane_stride: 6,
            row_bytes: 7,
            rows: 8,
            planes: 9,
            id: 10,
            store: true,
            copy: false,
            mc_extra: 0,
            mc_stride: 11,
        };
        assert_eq!(
            d.pack(),
            [1, 2, 3, 4, 5, 6, 7 | 8 << 16, 9 | 10 << 16 | 1 << 24, 11]
        );
        let c = Descriptor::sram_copy_2d(0, 0x100, 8, 1, 3).multicast(16, 0x40);
        assert_eq!(c.pack()[7], 1 | 3 << 16 | 1 << 25 | 15 << 26);
        assert_eq!(Descriptor::unpack(&c.pack()), c);
    }

    #[test]
    fn unpack_inverts_pack_and_reserved_bits_reject() {
        let g = geo();
        let d = Descriptor {
            src_plane_stride: 0x40,
            dst_plane_stride: 0x80,
            planes: 3,
            ..Descriptor::copy_2d(true, 0x100, 0x2000, 64, 2, 0xa5)
        };
        assert_eq!(Descriptor::unpack(&d.pack()), d);
        assert_eq!(check_word(&d.pack(), &g), Status::Ok);
        for bit in 30..32 {
            let mut w = d.pack();
            w[7] |= 1 << bit;
            assert_eq!(check_word(&w, &g), Status::Reserved, "bit {}", 224 + bit);
            // even when another rule fails too: reserved bits are checked first
            w[6] = 0;
            assert_eq!(check_word(&w, &g), Status::Reserved);
        }
        // store + copy, and a multicast store: reserved combinations.
        let mut w = d.pack();
        w[7] |= 1 << 25;
        assert_eq!(check_word(&w, &g), Status::Reserved);
        assert_eq!(d.multicast(2, 0x1000).check(&g), Status::Reserved);
        assert_eq!(Status::from_code(7), Some(Status::Reserved));
        assert_eq!(Status::from_code(8), Some(Status::Overlap));
        assert_eq!(Status::from_code(9), None);
    }

    #[test]
    fn checks_in_order() {
        let g = geo();
        let ok = Descriptor::copy_2d(false, 0x1000, 0x100, 64, 4, 1);
        assert_eq!(ok.check(&g), Status::Ok);
        assert_eq!(Descriptor { rows: 0, ..ok }.check(&g), Status::ZeroLength);
        assert_eq!(Descriptor { src: 4, ..ok }.check(&g), Status::Misaligned);
        assert_eq!(
            Descriptor {
                rows: 0,
                src: 4,
                ..ok
            }
            .check(&g),
            Status::ZeroLength
        );
        // SRAM side ends exactly at the top: allowed; one beat more: rejected.
        let top = Descriptor::copy_2d(false, 0, (1 << 16) - 64, 64, 1, 1);
        assert_eq!(top.check(&g), Status::Ok);
        assert_eq!(
            Descriptor {
                dst: (1 << 16) - 56,
                ..top
            }
            .check(&g),
            Status::OutOfRange
        );
        // The AXI side of a store: 2^32 is the limit.
        let st = Descriptor::copy_2d(true, 0, u32::MAX - 7, 8, 1, 1);
        assert_eq!(st.check(&g), Status::Ok);
        assert_eq!(
            Descriptor {
                rows: 2,
                dst_stride: 8,
                ..st
            }
            .check(&g),
            Status::OutOfRange
        );
    }

    #[test]
    fn bursts_are_legal_and_cover_the_rows() {
        let d = Descriptor {
            src: 4096 - 64,
            src_stride: 8192,
            ..Descriptor::copy_2d(false, 0, 0, 4096, 3, 0)
        };
        let b = bursts(&d, 8);
        for &(a, n) in &b {
            assert!(n >= 1 && n <= 256);
            assert_eq!(
                a / 4096,
                (a + n as u64 * 8 - 1) / 4096,
                "burst {a:#x}+{n} crosses 4 KiB"
            );
        }
        assert_eq!(b.iter().map(|x| x.1 as u64 * 8).sum::<u64>(), d.bytes());
        assert_eq!(b[0], (4096 - 64, 8));
    }

    #[test]
    fn multicast_and_copy_rules() {
        let g = geo();
        // Load to 4 windows of 0x100: each window 2 rows of 64 B at stride 0x80 = extent 0xc0.
        let d = Descriptor {
            dst_stride: 0x80,
            ..Descriptor::copy_2d(false, 0x1000, 0x400, 64, 2, 1)
        }
        .multicast(4, 0x100);
        assert_eq!(d.check(&g), Status::Ok);
        assert_eq!(d.multicast(4, 0xb8).check(&g), Status::Overlap);
        assert_eq!(d.multicast(4, 0xbc).check(&g), Status::Misaligned);
        // The last window must fit: 0x400 + 3*stride + 0xc0 <= 2^16.
        let top = (1u32 << 16) - 0xc0 - 0x400;
        assert_eq!(d.multicast(4, top / 3 / 8 * 8).check(&g), Status::Ok);
        assert_eq!(
            d.multicast(4, top / 3 / 8 * 8 + 8).check(&g),
            Status::OutOfRange
        );
        // A copy: source and the union of destinations may touch but not overlap.
        let c = Descriptor::sram_copy_2d(0x100, 0x200, 0x100, 1, 2);
        assert_eq!(c.check(&g), Status::Ok);
        assert_eq!(Descriptor { dst: 0x1f8, ..c }.check(&g), Status::Overlap);
        assert_eq!(Descriptor { src: 0x2f8, ..c }.check(&g), Status::Overlap);
        assert_eq!(Descriptor { src: 0x300, ..c }.check(&g), Status::Ok);
        // Windows at 0x200, 0x300, 0x400: a source at 0x400 meets the third, at 0x500 it only touches.
        let m = Descriptor {
            src: 0x400,
            ..c.multicast(3, 0x100)
        };
        assert_eq!(m.check(&g), Status::Overlap);
        assert_eq!(Descriptor { src: 0x500, ..m }.check(&g), Status::Ok);
        assert_eq!(
            Descriptor { src: 0x500, ..m }.multicast(3, 0x180).check(&g),
            Status::Overlap
        );
        // The copy side of the range rule is the SRAM for both ends.
        let far = Descriptor::sram_copy_2d(0x2_0000, 0, 8, 1, 0);
        assert_eq!(far.check(&g), Status::OutOfRange);
        // Model: every window gets the source; nothing else changes; reads are counted once.
        let mut axi = (0..0x2000u32).map(|i| (i * 7) as u8).collect::<Vec<_>>();
        let mut sram = vec![0u8; 1 << 16];
        assert_eq!(apply(&d, &g, &mut axi, &mut sram), Status::Ok);
        for k in 0..4 {
            let w = 0x400 + k * 0x100;
            assert_eq!(&sram[w..w + 64], &axi[0x1000..0x1040]);
            assert_eq!(&sram[w + 0x80..w + 0xc0], &axi[0x1040..0x1080]);
        }
        assert_eq!(sram.iter().filter(|&&b| b != 0).count() <= 4 * 128, true);
        assert_eq!(source_reads(&d, &g), (16, 0));
        let before = sram.clone();
        let cm = Descriptor::sram_copy_2d(0x400, 0x4000, 0x40, 1, 3).multicast(2, 0x1000);
        assert_eq!(apply(&cm, &g, &mut axi, &mut sram), Status::Ok);
        assert_eq!(&sram[0x4000..0x4040], &before[0x400..0x440]);
        assert_eq!(&sram[0x5000..0x5040], &before[0x400..0x440]);
        assert_eq!(source_reads(&cm, &g), (0, 8));
    }

    #[test]
    fn apply_copies_rows_with_strides() {
        let g = geo();
        let mut axi = (0..256u32).map(|i| i as u8).collect::<Vec<_>>();
        let mut sram = vec![0u8; 1 << 16];
        let d = Descriptor {
            src_stride: 32,
            dst_stride: 16,
            ..Descriptor::copy_2d(false, 8, 0, 16, 3, 0)
        };
        assert_eq!(apply(&d, &g, &mut axi, &mut sram), Status::Ok);
        assert_eq!(&sram[0..16], &axi[8..24]);
        assert_eq!(&sram[16..32], &axi[40..56]);
        assert_eq!(&sram[32..48], &axi[72..88]);
        assert!(sram[48..].iter().all(|&b| b == 0));
    }
}
