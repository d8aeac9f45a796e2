//! The visited set packs each word of a state in the bits its values have
//! needed so far, and widens a word (packing every stored state again) when
//! a value outgrows it. Values that keep growing through the search, and
//! turn negative at its end, must lose no state and no outcome: on one
//! thread, on two (where blocks expanded under an older packing are
//! repacked), and under hash compaction.

use interleave::{
    Exploration, ExploreConfig, ProgramBuilder, Scenario, ScenarioBuilder, Stop, explore,
};

/// `threads` threads, each computing `x` round by round with `next` and
/// publishing it in the shared `last` after every round, then publishing
/// `-x`. Each round's `x` differs from every other's, so the state graph is
/// the same whatever `next` is, as long as it never repeats a value.
fn publishers(threads: usize, rounds: i64, grows: bool) -> Scenario {
    let mut s = ScenarioBuilder::new(if grows { "growing" } else { "counting" });
    let last = s.var("last", 0);
    for t in 0..threads {
        let mut p = ProgramBuilder::new(format!("publisher {t}"));
        let x = p.ghost("x");
        p.set(x, 1 + t as i64);
        p.repeat("round", rounds, |p, _| {
            if grows {
                p.set(x, x * 7 + 3);
            } else {
                p.set(x, x + 10);
            }
            p.store(last, x);
        });
        p.store(last, x * -1);
        s.thread(p.build());
    }
    s.build().unwrap()
}

fn exhaust(scenario: &Scenario, config: ExploreConfig) -> Exploration {
    let result = explore(scenario, &config.stop(Stop::Exhaust));
    assert!(result.is_exhaustive());
    result
}

#[test]
fn values_that_outgrow_their_bits_lose_no_state() {
    let small = exhaust(&publishers(3, 20, false), ExploreConfig::default());
    let grown = publishers(3, 20, true);
    let alone = exhaust(&grown, ExploreConfig::default().threads(0));
    let shared = exhaust(&grown, ExploreConfig::default().threads(2).parallel_from(1));
    let compact = exhaust(&grown, ExploreConfig::default().fingerprints(true));
    assert!(small.stats.states > 10_000, "{}", small.stats.states);
    for (name, e) in [
        ("one thread", &alone),
        ("two", &shared),
        ("compact", &compact),
    ] {
        assert_eq!(e.stats.states, small.stats.states, "{name}");
        assert_eq!(e.outcomes.len(), small.outcomes.len(), "{name}");
    }
    assert_eq!(alone.outcomes, shared.outcomes);
    assert_eq!(alone.outcomes, compact.outcomes);
    // Each outcome is one publisher's last word, negative and large.
    assert!(
        alone
            .outcomes
            .iter()
            .all(|o| o.outcome.to_string().contains("last=-")),
        "{:?}",
        alone.outcomes
    );
}
