//! Interest: atomicity is not order. Incomes and a weekly interest payment
//! all update one balance, each under the mutex:
//!
//! ```go
//! balance.Lock()
//! b := bankBalance
//! b += b * rate / 100      // the interest goroutine
//! bankBalance = b
//! balance.Unlock()
//! ```
//!
//! `interest/mutex`: no data race and no lost update, yet more than one
//! final balance is reachable, because interest paid before an income
//! arrives earns less than interest paid after it. The explorer reports the
//! two interleavings that end differently. A mutex cannot fix this.
//!
//! `interest/ordered`: a channel hand-off each week (incomes first, then
//! interest) fixes the order, and the explorer proves there is exactly one
//! final balance.
//!
//! Run it with `cargo run --example interest_order`.

mod common;

use interleave::Property;

fn main() {
    let sets = ["incomes=500+10", "weeks=2"];
    let unordered = common::lesson("interest/mutex", &sets);
    assert!(
        unordered
            .exploration
            .violations()
            .any(|c| c.property == Property::Deterministic)
    );
    assert!(unordered.exploration.outcomes.len() >= 2);

    let ordered = common::lesson("interest/ordered", &sets);
    assert_eq!(ordered.exploration.outcomes.len(), 1);
}
