//! The pizzeria: the producer/consumer lesson. A producer makes N orders,
//! each failing or succeeding by a rule on its number, and sends each to the
//! consumer over a channel, closing it when done; the consumer ranges over
//! the channel and tallies what it receives.
//!
//! ```go
//! for i := 1; i <= NumberOfPizzas; i++ {
//!     order := makePizza(i)         // fails when i % failEvery == 0
//!     pizzaJob.data <- order
//! }
//! close(pizzaJob.data)              // pizzeria/no-close forgets this
//!
//! for order := range pizzaJob.data { // the consumer
//!     if order.success { made++ } else { failed++ }
//! }
//! ```
//!
//! An order travels as its number, negated when it failed. Each consumer
//! asserts that numbers arrive in increasing order and none twice (keeping
//! a bit per number), and the invariants check at the end that every order
//! arrived exactly once and that made + failed == N.

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{ChanId, Expr, ProgramBuilder, Reg, Scenario, ScenarioBuilder, ThreadId};
use crate::results::Property;

/// The most orders: each takes one bit of a 64-bit "seen" set.
const MAX_ORDERS: i64 = 60;

pub(crate) const EXACTLY_ONCE: &str = "every order is received exactly once";
pub(crate) const TALLY: &str = "made + failed == orders";

fn common() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("orders", "orders the producer makes", 10, 1, MAX_ORDERS),
        ParamSpec::int(
            "fail-every",
            "order number i fails when i % fail-every == 0 (0: none fails)",
            3,
            0,
            MAX_ORDERS,
        ),
    ]
}

pub(crate) fn params() -> Vec<ParamSpec> {
    common()
}

pub(crate) fn params_buffered() -> Vec<ParamSpec> {
    let mut p = common();
    p.push(ParamSpec::int(
        "capacity",
        "buffer size of the order channel (pizzeria/unbuffered is capacity 0)",
        3,
        1,
        MAX_ORDERS,
    ));
    p
}

fn fails(p: &Params, i: i64) -> bool {
    let every = p.int("fail-every");
    every != 0 && i % every == 0
}

/// The producer: makes and sends every order, then (unless it forgets)
/// closes the channel.
fn producer(p: &Params, data: ChanId, close: bool) -> crate::model::Program {
    let mut b = ProgramBuilder::new("pizzeria");
    let order = b.local("order");
    let every = p.int("fail-every");
    b.repeat("i", p.int("orders"), |b, i| {
        let number = Expr::from(i) + 1;
        let failed = if every == 0 {
            Expr::from(0)
        } else {
            (number.clone() % every).equals(0)
        };
        b.if_else(
            failed,
            |b| {
                b.set(order, Expr::from(0) - (Expr::from(i) + 1));
            },
            |b| {
                b.set(order, Expr::from(i) + 1);
            },
        );
        b.send(data, order).code("pizzaJob.data <- order");
    });
    if close {
        b.close(data).code("close(pizzaJob.data)");
    }
    b.build()
}

/// What a consumer keeps, for the invariants.
#[derive(Clone, Copy)]
struct Tally {
    thread: ThreadId,
    made: Reg,
    failed: Reg,
    seen: Reg,
    received: Reg,
}

fn consumer(s: &mut ScenarioBuilder, name: &str, data: ChanId) -> Tally {
    let mut b = ProgramBuilder::new(name);
    let order = b.local("order");
    let number = b.local("number");
    let last = b.local("last");
    let bit = b.local("bit");
    let made = b.ghost("made");
    let failed = b.ghost("failed");
    let seen = b.ghost("seen");
    let received = b.ghost("received");
    b.range(data, order, |b| {
        b.set(received, received + 1);
        b.if_else(
            Expr::from(order).less_than(0),
            |b| {
                b.set(number, Expr::from(0) - order);
                b.set(failed, failed + 1);
            },
            |b| {
                b.set(number, order);
                b.set(made, made + 1);
            },
        );
        b.assert(
            Expr::from(number).greater_than(last),
            "orders arrive in the order they were sent",
        )
        .code("if number <= last { t.Fatal(\"out of order\") }");
        b.set(last, number);
        b.set(bit, 1);
        b.repeat("k", number, |b, _| {
            b.set(bit, bit * 2);
        });
        b.assert(
            ((Expr::from(seen) / bit) % 2).equals(0),
            "no order is received twice",
        )
        .code("if seen[number] { t.Fatal(\"received twice\") }");
        b.set(seen, seen + bit);
    });
    let thread = s.thread(b.build());
    Tally {
        thread,
        made,
        failed,
        seen,
        received,
    }
}

fn build(name: &str, p: &Params, capacity: usize, close: bool, consumers: usize) -> Scenario {
    build_with(name, p, capacity, consumers, |data| {
        producer(p, data, close)
    })
}

/// The consumers and invariants around a given producer.
fn build_with(
    name: &str,
    p: &Params,
    capacity: usize,
    consumers: usize,
    producer: impl FnOnce(ChanId) -> crate::model::Program,
) -> Scenario {
    let orders = p.int("orders");
    let mut s = ScenarioBuilder::new(name);
    let data = s.channel("pizzaJob.data", capacity);
    s.thread(producer(data));
    let names: &[&str] = if consumers == 1 {
        &["consumer"]
    } else {
        &["consumer 1", "consumer 2"]
    };
    let tallies: Vec<Tally> = names.iter().map(|n| consumer(&mut s, n, data)).collect();
    let expected_failed = (1..=orders).filter(|&i| fails(p, i)).count() as i64;
    // Bits 1..=orders.
    let all: i64 = (1..=orders).map(|i| 1i64 << i).sum();
    if consumers > 1 {
        let t = tallies.clone();
        s.sometimes("both consumers get an order", move |v| {
            t.iter()
                .all(|c| v.reg(c.thread, c.made) + v.reg(c.thread, c.failed) > 0)
        });
    }
    let t = tallies.clone();
    s.at_end(EXACTLY_ONCE, move |v| {
        let got: i64 = t.iter().map(|c| v.reg(c.thread, c.seen)).sum();
        let count: i64 = t
            .iter()
            .map(|c| v.reg(c.thread, c.made) + v.reg(c.thread, c.failed))
            .sum();
        // With no number twice per consumer, equal sums and counts leave
        // no room for one received by both.
        if got == all && count == orders {
            Ok(())
        } else {
            let missing: Vec<String> = (1..=orders)
                .filter(|&i| got & (1 << i) == 0)
                .map(|i| i.to_string())
                .collect();
            Err(format!(
                "{count} of {orders} orders received; missing: [{}]",
                missing.join(", ")
            ))
        }
    });
    let t = tallies.clone();
    s.at_end(TALLY, move |v| {
        let made: i64 = t.iter().map(|c| v.reg(c.thread, c.made)).sum();
        let failed: i64 = t.iter().map(|c| v.reg(c.thread, c.failed)).sum();
        if made + failed == orders && failed == expected_failed {
            Ok(())
        } else {
            Err(format!(
                "made {made} + failed {failed} != {orders} orders (expected {expected_failed} failed)"
            ))
        }
    });
    for (name, c) in names.iter().zip(&tallies) {
        if consumers == 1 {
            s.observe_reg(c.thread, c.made, "made")
                .observe_reg(c.thread, c.failed, "failed");
        } else {
            // Who got how many: the split is what varies.
            s.observe_reg(c.thread, c.received, format!("{name} received"));
        }
    }
    s.build().expect("the pizzeria's declarations are valid")
}

pub(crate) fn build_buffered(p: &Params) -> Result<Scenario, Error> {
    let capacity = p.int("capacity") as usize;
    Ok(build("pizzeria/buffered", p, capacity, true, 1))
}

pub(crate) fn build_unbuffered(p: &Params) -> Result<Scenario, Error> {
    Ok(build("pizzeria/unbuffered", p, 0, true, 1))
}

pub(crate) fn build_no_close(p: &Params) -> Result<Scenario, Error> {
    Ok(build("pizzeria/no-close", p, 0, false, 1))
}

pub(crate) fn build_two_consumers(p: &Params) -> Result<Scenario, Error> {
    Ok(build("pizzeria/two-consumers", p, 0, true, 2))
}

pub(crate) fn expect_holds(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}

pub(crate) fn expect_no_close(_: &Params) -> Expectation {
    Expectation::violates([Property::NoDeadlock])
}

pub(crate) fn expect_two_consumers(_: &Params) -> Expectation {
    // Each split of the orders between the consumers is an outcome; with
    // one order there is still a choice of who gets it.
    Expectation::holds().outcomes(Outcomes::AtLeast(2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::{ExploreConfig, explore};
    use crate::results::Stop;

    fn params() -> Params {
        Params::defaults("pizzeria/buffered", &params_buffered())
    }

    /// A producer that sends these numbers (then closes).
    fn sending(numbers: &'static [i64]) -> impl FnOnce(ChanId) -> crate::model::Program {
        move |data| {
            let mut b = ProgramBuilder::new("faulty pizzeria");
            for &n in numbers {
                b.send(data, n);
            }
            b.close(data);
            b.build()
        }
    }

    fn violated(numbers: &'static [i64], consumers: usize) -> Vec<String> {
        let mut p = params();
        p.set(&params_buffered(), "orders=3").unwrap();
        p.set(&params_buffered(), "fail-every=0").unwrap();
        let scenario = build_with("faulty", &p, 3, consumers, sending(numbers));
        let result = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        result.violations().map(|c| c.message.clone()).collect()
    }

    #[test]
    fn the_invariants_catch_a_lost_a_repeated_and_a_reordered_order() {
        assert!(violated(&[1, 2, 3], 1).is_empty());
        let lost = violated(&[1, 3], 1);
        assert!(lost.iter().any(|m| m.contains("missing: [2]")), "{lost:?}");
        let twice = violated(&[1, 2, 2, 3], 2);
        assert!(
            twice.iter().any(|m| m.contains("4 of 3 orders received")),
            "{twice:?}"
        );
        let reordered = violated(&[2, 1, 3], 1);
        assert!(
            reordered
                .iter()
                .any(|m| m.contains("orders arrive in the order they were sent")),
            "{reordered:?}"
        );
    }
}
