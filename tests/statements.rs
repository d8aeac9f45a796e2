//! The program builder's statements beyond single operations: arrays
//! indexed by expressions, `break`, `continue` and `return`, and
//! expressions wherever a value is stored or sent.

use interleave::{
    ExploreConfig, Expr, ProgramBuilder, Property, Scenario, ScenarioBuilder, Stop, explore, replay,
};

fn exhaust() -> ExploreConfig {
    ExploreConfig::default().stop(Stop::Exhaust)
}

/// A ring buffer of `slots` under a mutex: the producer puts `0..items`
/// (waiting while it is full by spinning on the lock), the consumer takes
/// them and checks they come out in order.
fn ring(slots: usize, items: i64, off_by_one: bool) -> Scenario {
    let mut s = ScenarioBuilder::new("ring");
    let buf = s.array("buf", slots, -1);
    let head = s.var("head", 0);
    let count = s.var("count", 0);
    let mu = s.mutex("mu");
    let n = slots as i64;
    let mut producer = ProgramBuilder::new("producer");
    let (h, c, i) = (
        producer.local("h"),
        producer.local("c"),
        producer.local("i"),
    );
    producer.set(i, 0);
    producer.while_(i.less_than(items), |p| {
        p.lock(mu).load(c, count);
        p.if_(c.less_than(n), |p| {
            p.load(h, head);
            let slot = if off_by_one {
                (h + c + 1) % n
            } else {
                (h + c) % n
            };
            p.store_at(buf, slot, i).store(count, c + 1).set(i, i + 1);
        });
        p.unlock(mu);
    });
    s.thread(producer.build());
    let mut consumer = ProgramBuilder::new("consumer");
    let (h, c, v, got) = (
        consumer.local("h"),
        consumer.local("c"),
        consumer.local("v"),
        consumer.local("got"),
    );
    consumer.set(got, 0);
    consumer.while_(got.less_than(items), |p| {
        p.lock(mu).load(c, count);
        p.if_(c.greater_than(0), |p| {
            p.load(h, head).load_at(v, buf, h);
            p.assert(v.equals(got), "items come out in order");
            p.store(head, (h + 1) % n)
                .store(count, c - 1)
                .set(got, got + 1);
        });
        p.unlock(mu);
    });
    s.thread(consumer.build());
    s.build().unwrap()
}

#[test]
fn a_ring_buffer_indexed_by_expressions_keeps_the_order() {
    let e = explore(&ring(2, 3, false), &exhaust());
    // The spins on a full or an empty ring can always be left: it holds.
    e.assert_holds();
    let bad = explore(&ring(2, 3, true), &exhaust());
    let cx = bad.assert_violated(&Property::Assertions);
    let run = replay(&ring(2, 3, true), &cx.schedule).unwrap();
    assert!(
        run.steps.iter().any(|s| s.code.contains("buf[")),
        "{:?}",
        run.steps
    );
}

#[test]
fn an_index_out_of_range_is_a_runtime_panic_not_a_crash() {
    let mut s = ScenarioBuilder::new("bounds");
    let buf = s.array("buf", 3, 0);
    let mut p = ProgramBuilder::new("p");
    let i = p.local("i");
    p.set(i, 2).store_at(buf, i + 1, 7);
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    let cx = e.assert_violated(&Property::NoPanic);
    assert!(
        cx.message.contains("index out of range [3] with length 3"),
        "{}",
        cx.message
    );
    let mut s = ScenarioBuilder::new("negative");
    let buf = s.array("buf", 3, 0);
    let mut p = ProgramBuilder::new("p");
    let v = p.local("v");
    p.load_at(v, buf, -1);
    s.thread(p.build());
    let cx_message = explore(&s.build().unwrap(), &exhaust())
        .assert_violated(&Property::NoPanic)
        .message
        .clone();
    assert!(
        cx_message.contains("index out of range [-1]"),
        "{cx_message}"
    );
}

#[test]
fn arrays_of_no_elements_or_too_many_or_from_another_builder_are_refused() {
    let mut s = ScenarioBuilder::new("empty");
    s.array("buf", 0, 0);
    s.thread(ProgramBuilder::new("p").build());
    assert!(s.build().unwrap_err().to_string().contains("length 0"));
    let mut s = ScenarioBuilder::new("huge");
    s.array("buf", 1 << 40, 0);
    s.thread(ProgramBuilder::new("p").build());
    assert!(
        s.build()
            .unwrap_err()
            .to_string()
            .contains("make it shorter")
    );
    let mut other = ScenarioBuilder::new("other");
    let foreign = other.array("buf", 2, 0);
    let mut s = ScenarioBuilder::new("s");
    s.array("mine", 2, 0);
    let mut p = ProgramBuilder::new("p");
    p.store_at(foreign, 0, 1);
    s.thread(p.build());
    assert!(
        s.build()
            .unwrap_err()
            .to_string()
            .contains("does not declare")
    );
}

#[test]
fn break_continue_and_return_leave_loops_as_in_go() {
    let mut s = ScenarioBuilder::new("control");
    let x = s.var("x", 0);
    let y = s.var("y", 0);
    let z = s.var("z", 0);
    let mut p = ProgramBuilder::new("p");
    let (sum, evens) = (p.local("sum"), p.local("evens"));
    // for i := 0; i < 10; i++ { if i == 5 { break }; if i % 2 == 1 { continue }; evens++; sum += i }
    p.repeat("i", 10, |p, i| {
        p.if_(i.equals(5), |p| {
            p.break_();
        });
        p.if_((i % 2).equals(1), |p| {
            p.continue_();
        });
        p.set(evens, evens + 1).set(sum, sum + i);
    });
    p.store(x, sum * 10 + evens);
    // A break inside a select ends the select, not the loop around it.
    let ch = s.channel("ch", 1);
    let rounds = p.local("rounds");
    p.repeat("k", 3, |p, _| {
        p.select(|c| {
            c.default(|p| {
                p.break_();
            });
        });
        p.set(rounds, rounds + 1);
    });
    p.store(y, rounds);
    p.send(ch, 1);
    p.return_();
    p.store(z, 1);
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    e.assert_holds();
    // 0 + 2 + 4 = 6 over 3 evens; 3 rounds; nothing after the return.
    assert_eq!(e.outcomes[0].outcome.to_string(), "x=63, y=3, z=0");
}

#[test]
fn break_or_continue_outside_a_loop_is_refused() {
    for which in ["break", "continue"] {
        let mut s = ScenarioBuilder::new("stray");
        let mut p = ProgramBuilder::new("p");
        if which == "break" {
            p.break_();
        } else {
            p.continue_();
        }
        s.thread(p.build());
        let err = s.build().unwrap_err().to_string();
        assert!(err.contains(&format!("`{which}` outside a loop")), "{err}");
    }
    // `continue` inside a select but outside any loop is still stray.
    let mut s = ScenarioBuilder::new("stray");
    let mut p = ProgramBuilder::new("p");
    p.select(|c| {
        c.default(|p| {
            p.continue_();
        });
    });
    s.thread(p.build());
    assert!(s.build().is_err());
}

#[test]
fn expressions_are_stored_and_sent_as_written() {
    let mut s = ScenarioBuilder::new("expressions");
    let x = s.var("x", 0);
    let got = s.var("got", 0);
    let ch = s.channel("ch", 1);
    let mut p = ProgramBuilder::new("p");
    let n = p.local("n");
    p.set(n, 4).store(x, n * n + 1).send(ch, n - 1);
    s.thread(p.build());
    let mut q = ProgramBuilder::new("q");
    let v = q.local("v");
    q.recv(ch, v).store(got, Expr::from(v) * 100);
    s.thread(q.build());
    let scenario = s.build().unwrap();
    let e = explore(&scenario, &exhaust());
    assert_eq!(e.outcomes[0].outcome.to_string(), "x=17, got=300");
    // Traces show the expression, not a hidden register.
    let run = replay(&scenario, &"0*2.1*2".parse().unwrap()).unwrap();
    let codes: Vec<&str> = run.steps.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "x = (n * n) + 1",
            "ch <- n - 1",
            "v := <-ch",
            "got = v * 100"
        ]
    );
}

#[test]
fn an_overflowing_expression_is_a_runtime_panic() {
    let mut s = ScenarioBuilder::new("overflow");
    let x = s.var("x", 0);
    let mut p = ProgramBuilder::new("p");
    let n = p.local("n");
    p.set(n, i64::MAX).store(x, n + 1);
    s.thread(p.build());
    let e = explore(&s.build().unwrap(), &exhaust());
    let cx = e.assert_violated(&Property::NoPanic);
    assert!(cx.message.contains("overflow"), "{}", cx.message);
}

#[test]
fn return_inside_once_do_ends_the_function_and_break_cannot_leave_it() {
    let mut s = ScenarioBuilder::new("early return");
    let once = s.once("once");
    let x = s.var("x", 0);
    let after = s.var("after", 0);
    for name in ["a", "b"] {
        let mut p = ProgramBuilder::new(name);
        let seen = p.local("seen");
        p.once_do(once, |p| {
            p.store(x, 1).return_().store(x, 2);
        });
        // Everyone gets past `Do`, and `f` stopped at its `return`.
        p.load(seen, after).store(after, seen + 1);
        s.thread(p.build());
    }
    let e = explore(&s.build().unwrap(), &exhaust());
    assert_eq!(
        e.status(&Property::NoDeadlock),
        Some(&interleave::Status::Holds)
    );
    assert!(
        e.final_outcomes()
            .all(|o| o.outcome.to_string().starts_with("x=1,")),
        "{:?}",
        e.outcomes
    );
    // Go does not let `break` or `continue` leave a function literal.
    for which in ["break", "continue"] {
        let mut s = ScenarioBuilder::new("stray");
        let once = s.once("once");
        let mut p = ProgramBuilder::new("p");
        p.repeat("i", 2, |p, _| {
            p.once_do(once, |p| {
                if which == "break" {
                    p.break_();
                } else {
                    p.continue_();
                }
            });
        });
        s.thread(p.build());
        let err = s.build().unwrap_err().to_string();
        assert!(err.contains(&format!("`{which}` outside a loop")), "{err}");
    }
}

#[test]
fn the_fewest_preemptions_are_found_and_marked_only_when_proved() {
    use interleave::{ExploreConfig, Stop};
    let entry = interleave::catalog::find("bank/unsync").unwrap();
    let scenario = entry
        .build(&entry.params_from(&["weeks=1", "incomes=500+10"]).unwrap())
        .unwrap();
    let lost = Property::Invariant("no lost update".into());
    let plain = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    let bfs = plain.assert_violated(&lost);
    assert_eq!((bfs.preemptions(), bfs.fewest_preemptions), (3, false));
    let config = ExploreConfig::default()
        .stop(Stop::Exhaust)
        .fewest_preemptions(100_000);
    let e = explore(&scenario, &config);
    let fewest = e.assert_violated(&lost);
    // One load, the other goroutine runs to its end, then the stale store.
    assert_eq!(fewest.preemptions(), 1);
    assert!(fewest.fewest_preemptions);
    assert_eq!(fewest.schedule.to_string(), "0.1*3.0");
    let run = replay(&scenario, &fewest.schedule).unwrap();
    assert!(run.findings.iter().any(|f| f.property == lost));
    // Too small a budget proves nothing, and the first one found stays.
    let tight = ExploreConfig::default()
        .stop(Stop::Exhaust)
        .fewest_preemptions(3);
    let e = explore(&scenario, &tight);
    let kept = e.assert_violated(&lost);
    assert_eq!((kept.preemptions(), kept.fewest_preemptions), (3, false));
}
