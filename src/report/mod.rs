//! Rendering reports: terminal text, JSON and JUnit XML. Only this module formats;
//! the explorer and the checks return data.

pub mod human;
pub mod json;
#[cfg(feature = "junit")]
pub mod junit;
mod pair;
mod trace;

pub use trace::{FOLD_AFTER, FOLD_KEEP, trace_table};
