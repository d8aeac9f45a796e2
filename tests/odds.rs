//! The exact odds of a uniformly random scheduler (`ExploreConfig::odds`)
//! against the rate that many random executions show. Each execution picks
//! every move as a random byte modulo the moves that can be taken: exactly
//! uniform among two, and off by at most 1/768 among three (the scenarios
//! here have no more threads, and no select), far below the tolerance.

use interleave::{ExploreConfig, Odds, Sampler, Stop, catalog, explore, run_choices};

/// A small, seeded generator, so the test is the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
fn computed_odds_match_the_rate_of_random_executions() {
    const RUNS: u32 = 20_000;
    let mut rng = SplitMix(7);
    let mut checked = 0;
    for (name, sets) in [
        ("message/test", vec![]),
        ("bank/unsync", vec!["incomes=500+10", "weeks=2"]),
        ("atomic/load-store", vec!["incomes=500+10", "weeks=3"]),
        ("deadlock/lock-order", vec![]),
        ("once/unsafe", vec![]),
    ] {
        let entry = catalog::find(name).unwrap();
        let scenario = entry.build(&entry.params_from(&sets).unwrap()).unwrap();
        assert!(scenario.thread_count() <= 3, "{name}");
        let e = explore(
            &scenario,
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .odds(true)
                .pct_depth(0),
        );
        assert!(!e.odds.is_empty(), "{name}: {:?}", e.notes);
        let mut hits = vec![0u32; e.odds.len()];
        for _ in 0..RUNS {
            let choices: Vec<u8> = (0..400).map(|_| rng.next() as u8).collect();
            let run = run_choices(&scenario, &choices, 10_000).unwrap().run;
            for (k, o) in e.odds.iter().enumerate() {
                hits[k] += u32::from(run.findings.iter().any(|f| f.property == o.property));
            }
        }
        for (o, &hit) in e.odds.iter().zip(&hits) {
            let p = o.probability;
            let seen = f64::from(hit) / f64::from(RUNS);
            // Four standard deviations of the binomial rate.
            let slack = 4.0 * (p * (1.0 - p) / f64::from(RUNS)).sqrt() + 1e-9;
            assert!(
                (seen - p).abs() <= slack,
                "{name}: `{}` computed {p:.4}, seen {seen:.4} in {RUNS} runs",
                o.property
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn runs_for_a_confidence_follow_from_the_probability() {
    let entry = catalog::find("deadlock/lock-order").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let e = explore(
        &scenario,
        &ExploreConfig::default().stop(Stop::Exhaust).odds(true),
    );
    let odds = |p: f64| {
        let mut o: Odds = e.odds[0].clone();
        o.probability = p;
        o
    };
    assert_eq!(odds(0.5).runs_for(0.95), Some(5)); // 1 - 0.5^5 = 0.97
    assert_eq!(odds(0.5).runs_for(0.5), Some(1));
    assert_eq!(odds(1.0 / 23.0).runs_for(0.95), Some(68));
    assert_eq!(odds(0.0).runs_for(0.95), None);
    assert_eq!(odds(1.0).runs_for(0.99), Some(1));
}

#[test]
fn a_scenario_that_can_spin_gets_no_odds_and_says_why() {
    let entry = catalog::find("spin/peterson-swapped").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let e = explore(
        &scenario,
        &ExploreConfig::default().stop(Stop::Exhaust).odds(true),
    );
    assert!(e.is_violated());
    assert!(e.odds.is_empty());
    assert!(
        e.notes.iter().any(|n| n.contains("no odds")),
        "{:?}",
        e.notes
    );
}

/// How often each of the properties was broken in a shuttle run, from its
/// notes ("`P` broken in K of N executions").
fn broken_in(e: &interleave::Exploration, property: &interleave::Property) -> u64 {
    let prefix = format!("`{property}` broken in ");
    e.notes
        .iter()
        .find_map(|n| n.strip_prefix(&prefix))
        .and_then(|rest| rest.split(' ').next())
        .map_or(0, |k| k.parse().unwrap())
}

/// Runs each lesson `RUNS` times under shuttle with `scheduler` and checks
/// that each violated property's hit rate lies within 4 standard
/// deviations of the odds computed for that scheduler; the number checked.
fn shuttle_matches_the_odds(
    scheduler: interleave::backend::ShuttleScheduler,
    lessons: &[(&str, Vec<&str>)],
) -> usize {
    use interleave::backend::ShuttleConfig;
    use interleave::check::{self, BackendKind, Backends};
    const RUNS: usize = 3_000;
    let mut checked = 0;
    for (name, sets) in lessons {
        let entry = catalog::find(name).unwrap();
        let scenario = entry.build(&entry.params_from(sets).unwrap()).unwrap();
        let depth = match scheduler {
            interleave::backend::ShuttleScheduler::Pct { depth } => depth,
            _ => 0,
        };
        let e = explore(
            &scenario,
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .odds(true)
                .pct_depth(depth.max(1)),
        );
        let mut b = Backends::default();
        b.shuttle = ShuttleConfig::default()
            .scheduler(scheduler)
            .iterations(RUNS);
        b.shuttle.stop = Stop::Exhaust;
        let run = check::run(BackendKind::Shuttle, &scenario, &b).unwrap();
        assert_eq!(run.stats.executions, RUNS as u64, "{name}");
        let odds = e.odds.iter().filter(|o| match o.sampler {
            Sampler::Random => depth == 0,
            Sampler::Pct { depth: d, .. } => d == depth,
            _ => false,
        });
        for o in odds {
            assert!(o.exact, "{name}: {o:?}");
            let p = o.probability;
            let seen = broken_in(&run, &o.property) as f64 / RUNS as f64;
            let slack = 4.0 * (p * (1.0 - p) / RUNS as f64).sqrt() + 1e-9;
            assert!(
                (seen - p).abs() <= slack,
                "{name}: `{}` under {}: computed {p:.4}, shuttle {seen:.4} in {RUNS} runs",
                o.property,
                o.sampler
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn shuttles_random_scheduler_hits_each_bug_as_often_as_the_odds_say() {
    let checked = shuttle_matches_the_odds(
        interleave::backend::ShuttleScheduler::Random,
        &[
            ("bank/unsync", vec!["incomes=500+10+50", "weeks=1"]),
            ("deadlock/lock-order", vec![]),
            ("once/unsafe", vec![]),
            ("cond/queue-if", vec![]),
            ("philosophers/naive", vec![]),
        ],
    );
    assert!(checked >= 7, "{checked}");
}

#[test]
fn shuttles_pct_scheduler_hits_each_bug_as_often_as_the_odds_say() {
    for depth in [1, 2, 3] {
        let checked = shuttle_matches_the_odds(
            interleave::backend::ShuttleScheduler::Pct { depth },
            &[
                ("message/test", vec![]),
                ("bank/unsync", vec!["incomes=500+10+50", "weeks=1"]),
                ("deadlock/lock-order", vec![]),
                ("once/unsafe", vec![]),
                ("cond/queue-if", vec![]),
                ("cond/queue-signal", vec![]),
                ("philosophers/naive", vec![]),
                ("rwmutex/write-under-rlock", vec![]),
                ("timeout/leak", vec![]),
            ],
        );
        assert!(checked >= 12, "depth {depth}: {checked}");
    }
}

#[test]
fn pct_odds_too_many_to_count_fall_back_to_pcts_guarantee() {
    let entry = catalog::find("waitgroup/missing-wait").unwrap();
    let scenario = entry.build(&entry.default_params()).unwrap();
    let odds_at = |depth| {
        explore(
            &scenario,
            &ExploreConfig::default()
                .stop(Stop::Exhaust)
                .odds(true)
                .pct_depth(depth),
        )
        .odds
        .into_iter()
        .filter(|o| matches!(o.sampler, Sampler::Pct { .. }))
        .collect::<Vec<_>>()
    };
    // Depth 2 is counted exactly, and beats its guarantee.
    let counted = odds_at(2);
    assert!(!counted.is_empty());
    for o in &counted {
        let Sampler::Pct {
            decisions, threads, ..
        } = o.sampler
        else {
            unreachable!()
        };
        assert!(o.exact);
        assert!(o.probability >= 1.0 / (threads * decisions) as f64, "{o:?}");
    }
    // Depth 6 has 24 priority orders x 36*35*34*33*32 point sequences.
    let bounded = odds_at(6);
    assert_eq!(bounded.len(), counted.len());
    for o in &bounded {
        let Sampler::Pct {
            depth,
            decisions,
            threads,
        } = o.sampler
        else {
            unreachable!()
        };
        assert!(!o.exact);
        assert_eq!((depth, threads), (6, scenario.thread_count()));
        let guarantee = 1.0 / (threads as f64 * (decisions as f64).powi(5));
        assert!(
            (o.probability - guarantee).abs() <= guarantee * 1e-12,
            "{o:?}"
        );
    }
}
