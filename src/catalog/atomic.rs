//! `sync/atomic`: the bank's incomes added with `atomic.AddInt64` (no
//! mutex, no race, no lost update); the same with an atomic load and an
//! atomic store (no race, yet updates are lost); and Peterson's lock, whose
//! atomics give mutual exclusion unless the two writes of its entry
//! protocol are swapped.
//!
//! ```go
//! atomic.AddInt64(&bankBalance, income.Amount)      // atomic/bank
//!
//! temp := atomic.LoadInt64(&bankBalance)            // atomic/load-store
//! atomic.StoreInt64(&bankBalance, temp+income.Amount)
//!
//! atomic.StoreInt64(&flag[me], 1)                   // spin/peterson
//! atomic.StoreInt64(&turn, other)                   // (swapped in spin/peterson-swapped)
//! for atomic.LoadInt64(&flag[other]) == 1 && atomic.LoadInt64(&turn) == other {}
//! counter++                                         // the critical section
//! atomic.StoreInt64(&flag[me], 0)
//! ```

use super::bank::{self, Bank, FINAL_BALANCE, LOST_UPDATE};
use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) fn params() -> Vec<ParamSpec> {
    bank::incomes_param(100_000, 52)
}

/// How an earner adds its income.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deposit {
    /// `atomic.AddInt64(&bankBalance, amount)`.
    Add,
    /// `temp := atomic.LoadInt64(&bankBalance)`, then
    /// `atomic.StoreInt64(&bankBalance, temp + amount)`.
    LoadStore,
}

fn build_bank(name: &str, p: &Params, deposit: Deposit) -> Result<Scenario, Error> {
    let total = bank::total(p)?;
    let mut s = ScenarioBuilder::new(name);
    let balance = s.var("bankBalance", 0);
    let incomes = p.list("incomes");
    let wg = s.wait_group("wg", incomes.len() as i64);
    let mut earners = Vec::new();
    for (i, &amount) in incomes.iter().enumerate() {
        let (program, deposits) = bank::earner_with(i, p.int("weeks"), wg, |e, temp, deposits| {
            match deposit {
                Deposit::Add => {
                    e.atomic_add(None, balance, amount);
                }
                Deposit::LoadStore => {
                    e.atomic_load(temp, balance);
                    e.set(temp, temp + amount);
                    e.atomic_store(balance, temp)
                        .code("atomic.StoreInt64(&bankBalance, temp+income.Amount)");
                }
            }
            e.set(deposits, deposits + 1);
        });
        earners.push((s.thread(program), deposits, amount));
    }
    let bank = Bank {
        balance,
        wg,
        earners,
    };
    let mut main = ProgramBuilder::new("main");
    let seen = main.local("final");
    main.wait(wg).atomic_load(seen, balance);
    s.thread(main.build());
    bank::no_lost_update(&mut s, &bank);
    bank::final_balance(&mut s, &bank, total);
    s.build()
}

pub(crate) fn build_add(p: &Params) -> Result<Scenario, Error> {
    build_bank("atomic/bank", p, Deposit::Add)
}

pub(crate) fn build_load_store(p: &Params) -> Result<Scenario, Error> {
    build_bank("atomic/load-store", p, Deposit::LoadStore)
}

pub(crate) fn expect_add(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}

pub(crate) fn expect_load_store(p: &Params) -> Expectation {
    let incomes = p.list("incomes");
    if incomes.len() < 2 || incomes.iter().all(|&a| a == 0) {
        return Expectation::holds().outcomes(Outcomes::Exactly(1));
    }
    // No data race: every access is atomic. Still wrong.
    Expectation::violates([
        Property::Invariant(LOST_UPDATE.to_string()),
        Property::Invariant(FINAL_BALANCE.to_string()),
    ])
}

pub(crate) const MUTUAL_EXCLUSION: &str = "at most one goroutine in the critical section";
pub(crate) const COUNTS_EVERY_ENTRY: &str = "counter counts every entry";

pub(crate) fn peterson_params() -> Vec<ParamSpec> {
    vec![ParamSpec::int(
        "rounds",
        "times each of the two goroutines enters the critical section",
        1,
        1,
        4,
    )]
}

fn build_peterson(name: &str, p: &Params, swapped: bool) -> Result<Scenario, Error> {
    let rounds = p.int("rounds");
    let mut s = ScenarioBuilder::new(name);
    let flags = [s.var("flag[0]", 0), s.var("flag[1]", 0)];
    let turn = s.var("turn", 0);
    let counter = s.var("counter", 0);
    let mut inside = Vec::new();
    for me in 0..2usize {
        let other = 1 - me;
        let mut g = ProgramBuilder::new(format!("g{me}"));
        let f = g.local("f");
        let t = g.local("t");
        let waiting = g.local("waiting");
        let c = g.local("c");
        let in_cs = g.ghost("inCS");
        g.repeat("round", rounds, |g, _| {
            if swapped {
                g.atomic_store(turn, other as i64);
                g.atomic_store(flags[me], 1);
            } else {
                g.atomic_store(flags[me], 1);
                g.atomic_store(turn, other as i64);
            }
            g.set(waiting, 1);
            g.while_(Expr::from(waiting).equals(1), |g| {
                g.atomic_load(f, flags[other]);
                g.atomic_load(t, turn);
                g.set(
                    waiting,
                    Expr::from(f)
                        .equals(1)
                        .and(Expr::from(t).equals(other as i64)),
                )
                .code(format!("for flag[{other}] == 1 && turn == {other} {{}}"));
            });
            g.set(in_cs, 1).code("// enter the critical section");
            g.load(c, counter);
            g.set(c, c + 1);
            g.store(counter, c).code("counter++");
            g.set(in_cs, 0).code("// leave the critical section");
            g.atomic_store(flags[me], 0);
        });
        inside.push((s.thread(g.build()), in_cs));
    }
    s.always(MUTUAL_EXCLUSION, move |v| {
        let n: i64 = inside.iter().map(|&(t, r)| v.reg(t, r)).sum();
        if n <= 1 {
            Ok(())
        } else {
            Err(format!(
                "{n} goroutines are in the critical section at once"
            ))
        }
    });
    let total = 2 * rounds;
    s.at_end(COUNTS_EVERY_ENTRY, move |v| {
        let actual = v.var(counter);
        if actual == total {
            Ok(())
        } else {
            Err(format!("counter is {actual}, expected {total}"))
        }
    });
    s.build()
}

pub(crate) fn build_peterson_ok(p: &Params) -> Result<Scenario, Error> {
    build_peterson("spin/peterson", p, false)
}

pub(crate) fn build_peterson_swapped(p: &Params) -> Result<Scenario, Error> {
    build_peterson("spin/peterson-swapped", p, true)
}

pub(crate) fn expect_peterson_ok(_: &Params) -> Expectation {
    // `turn` ends as whoever wrote it last: two outcomes.
    Expectation::holds().outcomes(Outcomes::Exactly(2))
}

pub(crate) fn expect_peterson_swapped(_: &Params) -> Expectation {
    Expectation::violates([
        Property::Invariant(MUTUAL_EXCLUSION.to_string()),
        Property::Invariant(COUNTS_EVERY_ENTRY.to_string()),
        Property::NoDataRace,
    ])
}
