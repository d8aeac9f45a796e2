//! Deadlocks: locks taken in opposite orders, and the dining philosophers.
//!
//! ```go
//! // each philosopher, naive:
//! forks[left].Lock()
//! forks[right].Lock()    // everyone holds a left fork: nobody gets a right one
//! ```
//!
//! 1. `deadlock/lock-order`: two transfers lock two accounts' mutexes in
//!    opposite orders; in two steps each holds one and waits for the other.
//! 2. `philosophers/naive`: five philosophers each take their left fork;
//!    in five steps all wait forever. The report names each blocked
//!    philosopher and who holds the fork it waits for.
//! 3. `philosophers/ordered`: each takes the lower-numbered fork first, a
//!    global lock order, and the explorer proves no interleaving deadlocks.
//!
//! Run it with `cargo run --example philosophers`.

mod common;

use interleave::Completion;

fn main() {
    let transfers = common::lesson("deadlock/lock-order", &[]);
    assert_eq!(
        transfers
            .exploration
            .violations()
            .next()
            .unwrap()
            .steps
            .len(),
        2
    );
    let naive = common::lesson("philosophers/naive", &[]);
    assert_eq!(
        naive.exploration.violations().next().unwrap().steps.len(),
        5
    );
    let ordered = common::lesson("philosophers/ordered", &[]);
    assert_eq!(ordered.exploration.completion, Completion::Exhaustive);
}
