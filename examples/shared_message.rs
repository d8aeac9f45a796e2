//! The shared message: two goroutines set one string, `main` waits for them.
//!
//! ```go
//! var msg string
//! func updateMessage(s string) { defer wg.Done(); msg = s }
//! wg.Add(2)
//! go updateMessage("Hello, universe!")
//! go updateMessage("Hello, cosmos!")
//! wg.Wait()
//! fmt.Println(msg)
//! ```
//!
//! Three lessons, one per scenario:
//!
//! 1. `message/unsync`: without a mutex the two writes race (`go run
//!    -race` would say so); the explorer shows the two writes pending at
//!    once, with nothing ordering them.
//! 2. `message/mutex`: a mutex removes the race, but *both* messages remain
//!    possible final values: a mutex gives atomicity, not order.
//! 3. `message/test`: so the course's unit test, which expects
//!    "Hello, cosmos!", is flaky; the explorer finds the interleaving where
//!    it fails, every time.
//!
//! Run it with `cargo run --example shared_message`.

mod common;

use interleave::Property;

fn main() {
    let race = common::lesson("message/unsync", &[]);
    assert!(
        race.exploration
            .violations()
            .any(|c| c.property == Property::NoDataRace)
    );

    let mutex = common::lesson("message/mutex", &[]);
    let outcomes: Vec<String> = mutex
        .exploration
        .outcomes
        .iter()
        .map(|o| o.outcome.to_string())
        .collect();
    assert_eq!(
        outcomes,
        ["msg=\"Hello, universe!\"", "msg=\"Hello, cosmos!\""]
    );

    let flaky = common::lesson("message/test", &[]);
    assert!(
        flaky
            .exploration
            .violations()
            .any(|c| c.property == Property::Assertions)
    );
}
