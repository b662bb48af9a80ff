//! Verilator binding and verification components.
