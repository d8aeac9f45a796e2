//! The missing wait: `main` prints the balance without `wg.Wait()`, so it
//! can print a partial balance (and its read races with the earners' writes).
//! The earners use the mutex: the bug is only the missing wait.

use super::bank;
use super::params::{ParamSpec, Params};
use crate::check::Expectation;
use crate::error::Error;
use crate::model::{ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) const MAIN_SEES_TOTAL: &str = "main prints the final balance";

pub(crate) fn params() -> Vec<ParamSpec> {
    bank::incomes_param(1_000, 2)
}

pub(crate) fn build(p: &Params) -> Result<Scenario, Error> {
    let total = bank::total(p)?;
    let mut s = ScenarioBuilder::new("waitgroup/missing-wait");
    let bank = bank::bank(&mut s, p, true);
    let mut main = ProgramBuilder::new("main");
    // A ghost: the outcome reads it after main has exited.
    let seen = main.ghost("printed");
    main.load(seen, bank.balance)
        .code("fmt.Printf(\"Final bank balance: $%d.00\", bankBalance)");
    let main_id = s.thread(main.build());
    bank::no_lost_update(&mut s, &bank);
    s.at_end(MAIN_SEES_TOTAL, move |v| {
        let printed = v.reg(main_id, seen);
        if printed == total {
            Ok(())
        } else {
            Err(format!(
                "main printed {printed}, but the final balance is {total}"
            ))
        }
    });
    s.observe_reg(main_id, seen, "printed")
        .observe_var(bank.balance);
    s.build()
}

pub(crate) fn expect(p: &Params) -> Expectation {
    // With nothing to add, the balance is 0 from start to end: main can
    // only print the right total (its read still races with the writes).
    if p.list("incomes").iter().all(|&a| a == 0) {
        return Expectation::violates([Property::NoDataRace]);
    }
    Expectation::violates([
        Property::Invariant(MAIN_SEES_TOTAL.to_string()),
        Property::NoDataRace,
    ])
}
