//! Hash compaction (`ExploreConfig::fingerprints`) against the exact
//! search: on every catalog lesson, the same verdicts, outcomes and state
//! counts (no collision is expected among so few states), a bound on the
//! chance of a miss, and `terminates` left undecided where a cycle could
//! exist.

use interleave::{ExploreConfig, Property, Status, Stop, catalog, explore};

#[test]
fn fingerprints_agree_with_the_exact_search_on_every_lesson() {
    let mut compared = 0;
    for entry in catalog::entries() {
        let scenario = entry.build(&entry.default_params()).unwrap();
        let config = ExploreConfig::default()
            .stop(Stop::Exhaust)
            .max_states(400_000)
            .fewest_preemptions(0);
        let exact = explore(&scenario, &config);
        if !exact.is_exhaustive() || exact.stats.states > 300_000 {
            continue;
        }
        let compact = explore(&scenario, &config.clone().fingerprints(true));
        let name = entry.name;
        assert!(compact.is_exhaustive(), "{name}");
        assert_eq!(compact.stats.states, exact.stats.states, "{name}");
        assert_eq!(compact.outcomes, exact.outcomes, "{name}");
        let p = compact.collision_probability.expect("a bound");
        assert!((0.0..1e-6).contains(&p), "{name}: {p}");
        assert_eq!(exact.collision_probability, None);
        for (a, b) in exact.properties.iter().zip(&compact.properties) {
            assert_eq!(a.property, b.property);
            let decided_alike = matches!(
                (&a.status, &b.status),
                (Status::Holds, Status::Holds)
                    | (Status::Violated(_), Status::Violated(_))
                    | (Status::Undecided, Status::Undecided)
            );
            if a.property == Property::Terminates {
                // The exact search decides it; compaction cannot, unless a
                // counterexample came on the way.
                assert!(
                    decided_alike || b.status == Status::Undecided,
                    "{name}: {:?} vs {:?}",
                    a.status,
                    b.status
                );
                continue;
            }
            assert!(
                decided_alike,
                "{name}: `{}` {:?} vs {:?}",
                a.property, a.status, b.status
            );
        }
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
}

#[test]
fn a_spin_is_not_called_terminating_under_compaction() {
    let entry = catalog::find("spin/peterson").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let e = explore(
        &scenario,
        &ExploreConfig::default()
            .stop(Stop::Exhaust)
            .fingerprints(true),
    );
    let terminates = e
        .properties
        .iter()
        .find(|p| p.property == Property::Terminates)
        .unwrap();
    assert_eq!(terminates.status, Status::Undecided);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("hash compaction") && n.contains("terminates")),
        "{:?}",
        e.notes
    );
}
