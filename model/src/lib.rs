//! Tessera reference model. No rust-hdl dependency.
pub mod config;
pub mod mx;
pub mod tvp;
pub mod csram;
