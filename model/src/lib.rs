//! Tessera reference model. No rust-hdl dependency.
pub mod config;
