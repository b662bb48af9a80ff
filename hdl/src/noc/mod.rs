//! The network on chip: a 2D mesh of wormhole routers with credit flow control, two traffic classes
//! (virtual channels) and XY-tree multicast. Theory of operation: `docs/noc.md`.
//!
//! | block | file | status |
//! |---|---|---|
//! | flit and header layout (+ software pack/unpack) | `flit.rs` | done |
//! | link interface (flit + per-VC credits) | `link.rs` | done |
//! | VC input buffer | `vc_fifo.rs` | done |
//! | router (5 ports, 2 VCs) | `router.rs` | done |
//! | mesh (X x Y routers) | `mesh.rs` | done |
pub mod emit;
pub mod flit;
pub mod link;
pub mod mesh;
pub mod router;
pub mod vc_fifo;

pub use flit::Header;
pub use link::{LinkIn, LinkOut};
pub use mesh::Mesh;
pub use router::Router;
pub use vc_fifo::VcFifo;
