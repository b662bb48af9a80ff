//! Common stream cells shared by every unit.
