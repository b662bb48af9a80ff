//! Tessera reference model. No rust-hdl dependency.
pub mod config;
pub mod csram;
pub mod dma;
pub mod mx;
pub mod tvp;
