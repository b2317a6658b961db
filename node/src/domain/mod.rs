//! Pure rules: parsing and validating input, no I/O.

pub mod dose;
pub mod dose_row;
pub mod dose_rules;
pub mod resident_row;
pub mod text;
