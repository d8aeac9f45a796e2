//! Producer/consumer: the pizzeria. A producer makes N orders (every third
//! fails), sends each over a channel and closes it; the consumer ranges
//! over the channel.
//!
//! ```go
//! for i := 1; i <= NumberOfPizzas; i++ {
//!     pizzaJob.data <- makePizza(i)
//! }
//! close(pizzaJob.data)
//!
//! for order := range pizzaJob.data { ... }
//! ```
//!
//! 1. Over a buffered and an unbuffered channel alike, every order arrives
//!    exactly once and in order, made + failed == N, and the consumer ends:
//!    proved in every interleaving.
//! 2. Two consumers sharing the channel: still exactly once, but who gets
//!    which order varies (N + 1 outcomes for N orders).
//! 3. Forget `close`, and the consumer's `range` waits forever: the
//!    explorer reports the deadlock, naming the consumer and what it waits
//!    for.
//!
//! Run it with `cargo run --example pizzeria`.

mod common;

use interleave::{Property, Status};

fn main() {
    let _ = common::lesson("pizzeria/buffered", &["orders=5"]);
    let _ = common::lesson("pizzeria/unbuffered", &["orders=5"]);
    let shared = common::lesson("pizzeria/two-consumers", &["orders=3"]);
    assert_eq!(shared.exploration.outcomes.len(), 4);
    let stuck = common::lesson("pizzeria/no-close", &["orders=3"]);
    let Some(Status::Violated(c)) = stuck.exploration.status(&Property::NoDeadlock) else {
        panic!("the deadlock is found");
    };
    assert_eq!(c.pending[0].code, "for order := range pizzaJob.data");
}
