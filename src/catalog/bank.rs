//! The bank: four incomes added to one balance every week for 52 weeks, as
//! `temp := bankBalance; temp += income.Amount; bankBalance = temp`.
//!
//! ```go
//! for week := 1; week <= 52; week++ {
//!     balance.Lock()          // bank/mutex only
//!     temp := bankBalance
//!     temp += income.Amount
//!     bankBalance = temp
//!     balance.Unlock()        // bank/mutex only
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{
    MutexId, ProgramBuilder, Reg, Scenario, ScenarioBuilder, ThreadId, VarId, WaitGroupId,
};
use crate::results::Property;

/// The seed's incomes, in its order.
pub(crate) const INCOMES: [(&str, i64); 4] = [
    ("Main Job", 500),
    ("Gifts", 10),
    ("Part Time", 50),
    ("Investments", 100),
];

pub(crate) const LOST_UPDATE: &str = "no lost update";
pub(crate) const FINAL_BALANCE: &str = "final balance is the sum of all incomes";

pub(crate) fn income_name(i: usize) -> String {
    INCOMES
        .get(i)
        .map_or_else(|| format!("Income {}", i + 1), |(n, _)| n.to_string())
}

pub(crate) fn incomes_param(max_weeks: i64, default_weeks: i64) -> Vec<ParamSpec> {
    vec![
        ParamSpec::list(
            "incomes",
            "weekly amount of each earner (one goroutine each)",
            &INCOMES.map(|(_, a)| a),
            (1, 8),
            (0, 1_000_000_000),
        ),
        ParamSpec::int(
            "weeks",
            "weeks each earner works",
            default_weeks,
            1,
            max_weeks,
        ),
    ]
}

pub(crate) fn params() -> Vec<ParamSpec> {
    incomes_param(100_000, 52)
}

/// `weeks x sum(incomes)`, or an error when it overflows.
pub(crate) fn total(p: &Params) -> Result<i64, Error> {
    let sum = p
        .list("incomes")
        .iter()
        .try_fold(0i64, |acc, &a| acc.checked_add(a));
    sum.and_then(|s| s.checked_mul(p.int("weeks"))).ok_or_else(|| {
        p.invalid("weeks x sum(incomes) overflows a 64-bit balance; use smaller amounts or fewer weeks")
    })
}

/// One earner goroutine; returns its program and its ghost deposit counter.
pub(crate) fn earner(
    i: usize,
    amount: i64,
    weeks: i64,
    balance: VarId,
    mutex: Option<MutexId>,
    wg: WaitGroupId,
) -> (crate::model::Program, Reg) {
    earner_with(i, weeks, wg, |p, temp, deposits| {
        if let Some(m) = mutex {
            p.lock(m).code("balance.Lock()");
        }
        p.load(temp, balance);
        p.set(temp, temp + amount).code("temp += income.Amount");
        p.store(balance, temp);
        p.set(deposits, deposits + 1);
        if let Some(m) = mutex {
            p.unlock(m).code("balance.Unlock()");
        }
    })
}

/// Earner `i`'s goroutine: each of `weeks` weeks runs `week(p, temp,
/// deposits)`, which deposits the income (with `temp` to compute in) and
/// counts it in the ghost `deposits` in the step that writes the balance;
/// then `wg.Done()`. Returns its program and its deposit counter.
pub(crate) fn earner_with(
    i: usize,
    weeks: i64,
    wg: WaitGroupId,
    week: impl Fn(&mut ProgramBuilder, Reg, Reg),
) -> (crate::model::Program, Reg) {
    let mut p = ProgramBuilder::new(income_name(i));
    let temp = p.local("temp");
    let deposits = p.ghost("deposits");
    p.repeat("week", weeks, |p, _| week(p, temp, deposits));
    p.done(wg);
    (p.build(), deposits)
}

/// The earners, the shared balance and its invariants, without `main`.
pub(crate) struct Bank {
    pub balance: VarId,
    pub wg: WaitGroupId,
    pub earners: Vec<(ThreadId, Reg, i64)>,
}

pub(crate) fn bank(s: &mut ScenarioBuilder, p: &Params, with_mutex: bool) -> Bank {
    let balance = s.var("bankBalance", 0);
    let incomes = p.list("incomes");
    let wg = s.wait_group("wg", incomes.len() as i64);
    let mutex = with_mutex.then(|| s.mutex("balance"));
    let earners = incomes
        .iter()
        .enumerate()
        .map(|(i, &amount)| {
            let (program, deposits) = earner(i, amount, p.int("weeks"), balance, mutex, wg);
            (s.thread(program), deposits, amount)
        })
        .collect();
    Bank {
        balance,
        wg,
        earners,
    }
}

/// "The balance equals the deposits made so far", in every state.
pub(crate) fn no_lost_update(s: &mut ScenarioBuilder, bank: &Bank) {
    let earners = bank.earners.clone();
    let balance = bank.balance;
    s.always(LOST_UPDATE, move |v| {
        let mut expected = 0i64;
        for &(t, deposits, amount) in &earners {
            expected = expected.saturating_add(amount.saturating_mul(v.reg(t, deposits)));
        }
        let actual = v.var(balance);
        if actual == expected {
            Ok(())
        } else {
            Err(format!(
                "bankBalance is {actual}, but the deposits made so far add up to {expected}: an update was lost"
            ))
        }
    });
}

fn build(p: &Params, with_mutex: bool) -> Result<Scenario, Error> {
    let total = total(p)?;
    let name = if with_mutex {
        "bank/mutex"
    } else {
        "bank/unsync"
    };
    let mut s = ScenarioBuilder::new(name);
    let bank = bank(&mut s, p, with_mutex);
    let mut main = ProgramBuilder::new("main");
    let seen = main.local("final");
    main.wait(bank.wg);
    main.load(seen, bank.balance);
    s.thread(main.build());
    no_lost_update(&mut s, &bank);
    // The seed's sentence: the final balance is the sum of all incomes
    // exactly when the mutex is in use.
    final_balance(&mut s, &bank, total);
    s.build()
}

/// "The final balance is the sum of all incomes", `total`.
pub(crate) fn final_balance(s: &mut ScenarioBuilder, bank: &Bank, total: i64) {
    let balance = bank.balance;
    s.at_end(FINAL_BALANCE, move |v| {
        let actual = v.var(balance);
        if actual == total {
            Ok(())
        } else {
            Err(format!("final bankBalance is {actual}, expected {total}"))
        }
    });
}

pub(crate) fn build_unsync(p: &Params) -> Result<Scenario, Error> {
    build(p, false)
}

pub(crate) fn build_mutex(p: &Params) -> Result<Scenario, Error> {
    build(p, true)
}

pub(crate) fn expect_unsync(p: &Params) -> Expectation {
    let incomes = p.list("incomes");
    // One earner has nobody to race with; with nothing to add, a stale
    // write-back writes the same 0 and loses nothing (but still races).
    if incomes.len() < 2 {
        return Expectation::holds().outcomes(Outcomes::Exactly(1));
    }
    if incomes.iter().all(|&a| a == 0) {
        return Expectation::violates([Property::NoDataRace]);
    }
    Expectation::violates([
        Property::Invariant(LOST_UPDATE.to_string()),
        Property::Invariant(FINAL_BALANCE.to_string()),
        Property::NoDataRace,
    ])
}

pub(crate) fn expect_mutex(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}
