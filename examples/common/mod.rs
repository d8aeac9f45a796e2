//! What every lesson example does: check a catalog scenario, print its
//! report as `interleave check` would, and insist it teaches its lesson.

use interleave::ExploreConfig;
use interleave::catalog;
use interleave::check::Report;
use interleave::report::human::{Detail, details, status_line};

/// Checks `name` with `sets` (`key=value` overrides), prints the report, and
/// panics if the verdict is not the lesson's.
pub fn lesson(name: &str, sets: &[&str]) -> Report {
    let entry = catalog::find(name).expect("a catalog scenario");
    let params = entry.params_from(sets).expect("valid parameters");
    let scenario = entry.build(&params).expect("it builds");
    let report = entry
        .check(&params, &ExploreConfig::default())
        .expect("it runs");
    println!("{}", status_line(&report, name.len()));
    print!("{}", details(&report, scenario.names(), Detail::Concise));
    assert!(report.as_expected(), "{name}: {:?}", report.mismatches);
    report
}
