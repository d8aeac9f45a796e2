//! Deadlocks: two mutexes taken in opposite orders, and the dining
//! philosophers, naive (each takes the left fork, then the right) and with a
//! global lock order (each takes the lower-numbered fork first).
//!
//! ```go
//! // deadlock/lock-order: a transfer each way between two accounts
//! func transfer(from, to *Account, amount int) {
//!     from.mu.Lock()
//!     to.mu.Lock()
//!     from.balance -= amount
//!     to.balance += amount
//!     to.mu.Unlock()
//!     from.mu.Unlock()
//! }
//!
//! // philosophers/naive
//! for meal := 0; meal < meals; meal++ {
//!     forks[left].Lock()
//!     forks[right].Lock()
//!     eaten++
//!     forks[right].Unlock()
//!     forks[left].Unlock()
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{MutexId, ProgramBuilder, Scenario, ScenarioBuilder, VarId};
use crate::results::Property;

pub(crate) const MONEY_KEPT: &str = "the two balances add up to what they started with";
pub(crate) const ALL_ATE: &str = "every philosopher ate every meal";

pub(crate) fn params_lock_order() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "transfers",
        "transfers each goroutine makes",
        1,
        1,
        20,
    )]
}

pub(crate) fn params_philosophers() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("philosophers", "philosophers (and forks)", 5, 2, 8),
        ParamSpec::int("meals", "meals each philosopher eats", 1, 1, 5),
    ]
}

fn transfer(
    name: &str,
    times: i64,
    (from, from_mu): (VarId, MutexId),
    (to, to_mu): (VarId, MutexId),
) -> crate::model::Program {
    let mut b = ProgramBuilder::new(name);
    let x = b.local("x");
    b.repeat("i", times, |b, _| {
        b.lock(from_mu);
        b.lock(to_mu);
        b.load(x, from);
        b.set(x, x - 10);
        b.store(from, x);
        b.load(x, to);
        b.set(x, x + 10);
        b.store(to, x);
        b.unlock(to_mu);
        b.unlock(from_mu);
    });
    b.build()
}

pub(crate) fn build_lock_order(p: &Params) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new("deadlock/lock-order");
    let checking = s.var("checking", 100);
    let savings = s.var("savings", 100);
    let checking_mu = s.mutex("checking.mu");
    let savings_mu = s.mutex("savings.mu");
    let times = p.int("transfers");
    s.thread(transfer(
        "to savings",
        times,
        (checking, checking_mu),
        (savings, savings_mu),
    ));
    s.thread(transfer(
        "to checking",
        times,
        (savings, savings_mu),
        (checking, checking_mu),
    ));
    s.at_end(MONEY_KEPT, move |v| {
        let total = v.var(checking) + v.var(savings);
        if total == 200 {
            Ok(())
        } else {
            Err(format!("checking + savings is {total}, not 200"))
        }
    });
    s.build()
}

fn build_philosophers(name: &str, p: &Params, ordered: bool) -> Result<Scenario, Error> {
    let n = p.int("philosophers") as usize;
    let meals = p.int("meals");
    let mut s = ScenarioBuilder::new(name);
    let forks: Vec<MutexId> = (0..n).map(|i| s.mutex(format!("fork{i}"))).collect();
    let mut eaters = Vec::new();
    for i in 0..n {
        let (left, right) = (i, (i + 1) % n);
        let (first, second) = if ordered && right < left {
            (right, left)
        } else {
            (left, right)
        };
        let mut b = ProgramBuilder::new(format!("philosopher {i}"));
        let eaten = b.ghost("eaten");
        b.repeat("meal", meals, |b, _| {
            b.lock(forks[first]);
            b.lock(forks[second]);
            b.set(eaten, eaten + 1);
            b.unlock(forks[second]);
            b.unlock(forks[first]);
        });
        let t = s.thread(b.build());
        s.observe_reg(t, eaten, format!("philosopher {i} ate"));
        eaters.push((t, eaten));
    }
    let who = eaters.clone();
    s.at_end(ALL_ATE, move |v| {
        match who.iter().find(|&&(t, r)| v.reg(t, r) != meals) {
            None => Ok(()),
            Some(&(t, r)) => Err(format!(
                "philosopher {} ate {} of {meals} meals",
                t.index(),
                v.reg(t, r)
            )),
        }
    });
    s.build()
}

pub(crate) fn build_naive(p: &Params) -> Result<Scenario, Error> {
    build_philosophers("philosophers/naive", p, false)
}

pub(crate) fn build_ordered(p: &Params) -> Result<Scenario, Error> {
    build_philosophers("philosophers/ordered", p, true)
}

pub(crate) fn expect_deadlock(_: &Params) -> Expectation {
    Expectation::violates([Property::NoDeadlock])
}

pub(crate) fn expect_ordered(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}
