//! Go's channel semantics, as the explorer models them: each test is a small
//! Go program whose set of possible results Go's specification fixes, and
//! the exhaustive search must reach exactly that set.

use interleave::{
    ExploreConfig, ProgramBuilder, Property, Scenario, ScenarioBuilder, Status, Stop, explore,
    replay,
};

fn exhaust(scenario: &Scenario) -> interleave::Exploration {
    let result = explore(scenario, &ExploreConfig::default().stop(Stop::Exhaust));
    assert!(result.is_exhaustive(), "{}", scenario.name());
    result
}

fn outcomes(result: &interleave::Exploration) -> Vec<String> {
    result
        .outcomes
        .iter()
        .map(|o| o.outcome.to_string())
        .collect()
}

fn violated_message(result: &interleave::Exploration, property: &Property) -> String {
    match result.status(property) {
        Some(Status::Violated(c)) => c.message.clone(),
        other => panic!("{property} is not violated: {other:?}"),
    }
}

/// `go func() { ch <- 1; x = 1 }()` and `seen := x; <-ch`.
///
/// Unbuffered, the store comes after the receive has begun, so the reader
/// never sees it; with a buffer of one, the send completes at once and it may.
fn handoff(capacity: usize) -> Scenario {
    let mut s = ScenarioBuilder::new(format!("handoff/{capacity}"));
    let ch = s.channel("ch", capacity);
    let x = s.var("x", 0);
    let mut a = ProgramBuilder::new("sender");
    a.send(ch, 1).store(x, 1);
    s.thread(a.build());
    let mut b = ProgramBuilder::new("receiver");
    let seen = b.ghost("seen");
    b.load(seen, x).recv_discard(ch);
    let receiver = s.thread(b.build());
    s.observe_reg(receiver, seen, "seen");
    s.build().unwrap()
}

#[test]
fn an_unbuffered_send_completes_only_when_received() {
    // The scenario races on `x` by design; what matters is what can be read.
    assert_eq!(outcomes(&exhaust(&handoff(0))), ["seen=0"]);
    assert_eq!(outcomes(&exhaust(&handoff(1))), ["seen=0", "seen=1"]);
}

#[test]
fn a_buffered_channel_keeps_order_and_blocks_when_full() {
    // Producer sends 1, 2, 3 on a channel of capacity 2 and closes it; the
    // consumer ranges over it and records the order as a number.
    let mut s = ScenarioBuilder::new("fifo");
    let ch = s.channel("ch", 2);
    let mut p = ProgramBuilder::new("producer");
    p.send(ch, 1).send(ch, 2).send(ch, 3).close(ch);
    s.thread(p.build());
    let mut c = ProgramBuilder::new("consumer");
    let v = c.local("v");
    let order = c.ghost("order");
    c.range(ch, v, |c| {
        c.set(order, order * 10 + v);
    });
    let consumer = s.thread(c.build());
    s.observe_reg(consumer, order, "order");
    let result = exhaust(&s.build().unwrap());
    assert_eq!(outcomes(&result), ["order=123"]);
    assert!(!result.is_violated(), "{:?}", result.properties);
}

#[test]
fn receiving_from_a_closed_drained_channel_gives_zero_and_not_ok() {
    let mut s = ScenarioBuilder::new("closed");
    let ch = s.channel("ch", 1);
    let mut p = ProgramBuilder::new("main");
    let (v, ok) = (p.ghost("v"), p.ghost("ok"));
    let (w, ok2) = (p.ghost("w"), p.ghost("ok2"));
    p.send(ch, 7)
        .close(ch)
        .recv_ok(ch, v, ok)
        .recv_ok(ch, w, ok2);
    let main = s.thread(p.build());
    for (reg, name) in [(v, "v"), (ok, "ok"), (w, "w"), (ok2, "ok2")] {
        s.observe_reg(main, reg, name);
    }
    // A value sent before close is still delivered, then (0, false).
    assert_eq!(
        outcomes(&exhaust(&s.build().unwrap())),
        ["v=7, ok=1, w=0, ok2=0"]
    );
}

#[test]
fn send_on_closed_and_double_close_panic_like_go() {
    for (name, double_close) in [("send-after-close", false), ("double-close", true)] {
        let mut s = ScenarioBuilder::new(name);
        let ch = s.channel("ch", 1);
        let mut p = ProgramBuilder::new("main");
        p.close(ch);
        if double_close {
            p.close(ch);
        } else {
            p.send(ch, 1);
        }
        s.thread(p.build());
        let message = violated_message(&exhaust(&s.build().unwrap()), &Property::NoPanic);
        let expected = if double_close {
            "panic: close of closed channel"
        } else {
            "panic: send on closed channel"
        };
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn a_receive_nobody_serves_is_a_deadlock_naming_the_channel() {
    let mut s = ScenarioBuilder::new("forgot-to-send");
    let ch = s.channel("orders", 0);
    let mut p = ProgramBuilder::new("consumer");
    let v = p.local("v");
    p.recv(ch, v);
    s.thread(p.build());
    let message = violated_message(&exhaust(&s.build().unwrap()), &Property::NoDeadlock);
    assert!(message.contains("consumer at `v := <-orders`"), "{message}");
    assert!(
        message.contains("(nothing to receive, and not closed)"),
        "{message}"
    );
}

/// `select { case v := <-a: got = v; case v := <-b: got = v }` with both
/// channels already holding a value.
fn two_ready_cases() -> Scenario {
    let mut s = ScenarioBuilder::new("select/two-ready");
    let a = s.channel("a", 1);
    let b = s.channel("b", 1);
    let mut p = ProgramBuilder::new("main");
    let v = p.local("v");
    let got = p.ghost("got");
    p.send(a, 1).send(b, 2);
    p.select(|s| {
        s.recv(a, v, |p| {
            p.set(got, v);
        })
        .recv(b, v, |p| {
            p.set(got, v);
        });
    });
    let main = s.thread(p.build());
    s.observe_reg(main, got, "got");
    s.build().unwrap()
}

#[test]
fn select_tries_every_ready_case() {
    let scenario = two_ready_cases();
    assert_eq!(outcomes(&exhaust(&scenario)), ["got=1", "got=2"]);
    // The second alternative is written `t/1` and replays as such.
    let run = replay(&scenario, &"0.0.0/1".parse().unwrap()).unwrap();
    assert_eq!(run.steps[2].code, "select case v := <-b");
    assert_eq!(run.steps[2].value, "2");
    assert_eq!(run.outcome.unwrap().to_string(), "got=2");
    let err = replay(&scenario, &"0.0.0/2".parse().unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot take alternative 2: it stands at `select { case v := <-a; case v := <-b }` with alternatives 0 to 1"),
        "{err}"
    );
}

#[test]
fn select_default_runs_only_when_no_case_is_ready() {
    // A non-blocking send: taken when the buffer has room, default when full.
    let mut s = ScenarioBuilder::new("select/try-send");
    let ch = s.channel("ch", 1);
    let dropped = s.var("dropped", 0);
    let mut p = ProgramBuilder::new("main");
    for _ in 0..2 {
        p.select(|s| {
            s.send(ch, 1, |_| {}).default(|p| {
                p.store(dropped, 1);
            });
        });
    }
    s.thread(p.build());
    assert_eq!(
        outcomes(&exhaust(&s.build().unwrap())),
        ["dropped=1"],
        "the first send fits, the second finds the buffer full"
    );
}

#[test]
fn a_select_send_meets_a_waiting_receiver_on_an_unbuffered_channel() {
    // Go: `select { case ch <- 5: sent = 1; default: }` succeeds only if the
    // receiver is already waiting; both orders are possible.
    let mut s = ScenarioBuilder::new("select/try-handoff");
    let ch = s.channel("ch", 0);
    let quit = s.channel("quit", 1);
    let mut p = ProgramBuilder::new("sender");
    let sent = p.ghost("sent");
    p.select(|s| {
        s.send(ch, 5, |p| {
            p.set(sent, 1);
        })
        .default(|_| {});
    });
    p.send(quit, 1);
    let sender = s.thread(p.build());
    let mut r = ProgramBuilder::new("receiver");
    let got = r.ghost("got");
    r.select(|s| {
        s.recv(ch, got, |_| {}).recv_discard(quit, |_| {});
    });
    let receiver = s.thread(r.build());
    s.observe_reg(sender, sent, "sent")
        .observe_reg(receiver, got, "got");
    let result = exhaust(&s.build().unwrap());
    assert_eq!(outcomes(&result), ["sent=0, got=0", "sent=1, got=5"]);
    assert!(!result.is_violated(), "{:?}", result.properties);
}

#[test]
fn two_selects_rendezvous_and_a_select_with_nothing_ready_blocks() {
    let mut s = ScenarioBuilder::new("select/rendezvous");
    let ch = s.channel("ch", 0);
    let mut a = ProgramBuilder::new("a");
    a.select(|s| {
        s.send(ch, 9, |_| {});
    });
    s.thread(a.build());
    let mut b = ProgramBuilder::new("b");
    let got = b.ghost("got");
    b.select(|s| {
        s.recv(ch, got, |_| {});
    });
    let bt = s.thread(b.build());
    s.observe_reg(bt, got, "got");
    let result = exhaust(&s.build().unwrap());
    assert_eq!(outcomes(&result), ["got=9"]);
    assert!(!result.is_violated());

    let mut s = ScenarioBuilder::new("select/nothing-ready");
    let ch = s.channel("ch", 0);
    let mut a = ProgramBuilder::new("a");
    a.select(|s| {
        s.recv_discard(ch, |_| {});
    });
    s.thread(a.build());
    let message = violated_message(&exhaust(&s.build().unwrap()), &Property::NoDeadlock);
    assert!(message.contains("a at `select { case <-ch }`"), "{message}");
}

#[test]
fn select_on_a_closed_channel_receives_zero_and_not_ok() {
    let mut s = ScenarioBuilder::new("select/closed");
    let ch = s.channel("ch", 0);
    let mut p = ProgramBuilder::new("main");
    let (v, ok) = (p.ghost("v"), p.ghost("ok"));
    p.set(v, 5).set(ok, 5).close(ch);
    p.select(|s| {
        s.recv_ok(ch, v, ok, |_| {});
    });
    let main = s.thread(p.build());
    s.observe_reg(main, v, "v").observe_reg(main, ok, "ok");
    assert_eq!(outcomes(&exhaust(&s.build().unwrap())), ["v=0, ok=0"]);
}
