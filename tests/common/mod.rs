//! What the property-test files share.

use proptest::prelude::ProptestConfig;

/// `cases` cases (PROPTEST_CASES overrides it, for a longer run), failures
/// saved to `file` under `proptest-regressions/` (replayed first on every
/// run; commit the file).
pub fn proptest_config(file: &'static str, cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(file),
        )),
        ..ProptestConfig::default()
    }
}
