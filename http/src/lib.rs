#![doc = include_str!("../README.md")]

pub mod bearer;
pub mod headers;
pub mod settings;
pub mod throttle;
pub mod token;
pub mod transport;
pub mod users;

pub use bearer::{AuthFailure, Presented};
pub use settings::AuthSettings;
pub use throttle::Throttle;
pub use token::TokenState;
