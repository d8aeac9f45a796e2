//! Regressions: every counterexample in `proptest-regressions/tokens.txt`
//! still breaks its property, and every proptest seed file is well formed.

use interleave::catalog::{check_proptest_seeds, parse_regressions};

#[test]
fn every_recorded_counterexample_still_reproduces() {
    let path = "proptest-regressions/tokens.txt";
    let text = std::fs::read_to_string(path).unwrap();
    let regressions = parse_regressions(&text, path).unwrap_or_else(|e| panic!("{e}"));
    assert!(regressions.len() >= 10, "{} regressions", regressions.len());
    for r in &regressions {
        r.reproduce().unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn proptest_seed_files_are_well_formed() {
    for entry in std::fs::read_dir("proptest-regressions").unwrap() {
        let path = entry.unwrap().path();
        let name = path.display().to_string();
        if path.extension().is_some_and(|e| e == "txt") && !name.ends_with("tokens.txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            check_proptest_seeds(&text, &name).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
