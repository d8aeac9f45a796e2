//! Rendering reports: terminal text, JSON, JUnit XML, and timelines (a
//! Chrome trace and an HTML page). Only this module formats;
//! the explorer and the checks return data.

mod chrome;
mod html;
pub mod human;
pub mod json;
#[cfg(feature = "junit")]
pub mod junit;
mod pair;
mod timeline;
mod trace;

pub use chrome::{STEP_US, chrome_trace};
pub use html::html_page;
pub use timeline::{Break, Timeline};
pub use trace::{FOLD_AFTER, FOLD_KEEP, trace_table};
