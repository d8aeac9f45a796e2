//! The missing wait: `main` prints the balance without `wg.Wait()`.
//!
//! ```go
//! for _, income := range incomes {
//!     go func(income Income) { defer wg.Done(); ... }(income)
//! }
//! // wg.Wait()   <- forgotten
//! fmt.Printf("Final bank balance: $%d.00", bankBalance)
//! ```
//!
//! The earners lock their updates, so nothing is lost, but `main` can print
//! before they finish: the explorer finds the interleaving where it prints
//! a partial balance (even $0.00), and the data race between main's read
//! and the earners' writes.
//!
//! Run it with `cargo run --example missing_wait`.

mod common;

use interleave::Property;

fn main() {
    let report = common::lesson("waitgroup/missing-wait", &["incomes=500+10", "weeks=1"]);
    let broken: Vec<Property> = report
        .exploration
        .violations()
        .map(|c| c.property.clone())
        .collect();
    assert!(broken.contains(&Property::NoDataRace));
    assert!(broken.contains(&Property::Invariant(
        "main prints the final balance".to_string()
    )));
}
