//! Pure rules: parsing and validating input, no I/O.

pub mod resident_row;
pub mod text;
