//! Rendering reports: terminal text and JSON. Only this module formats;
//! the explorer and the checks return data.

pub mod human;
pub mod json;
mod pair;
mod trace;

pub use trace::{FOLD_AFTER, FOLD_KEEP, trace_table};
