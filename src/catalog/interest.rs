//! Interest: incomes plus a weekly interest step on the balance, each under
//! the mutex. No data race and no lost update, yet the final balance depends
//! on whether interest is paid before or after an income arrives: a mutex
//! gives atomicity, not order. `interest/ordered` adds the order (a channel
//! hand-off each week) and has exactly one final balance.
//!
//! ```go
//! for week := 1; week <= weeks; week++ {
//!     balance.Lock()
//!     b := bankBalance
//!     b += b * rate / 100
//!     bankBalance = b
//!     balance.Unlock()
//! }
//! ```

use super::bank::{self, LOST_UPDATE};
use super::params::{ParamSpec, Params};
use crate::check::{Expectation, Outcomes};
use crate::error::Error;
use crate::model::{
    ChanId, MutexId, ProgramBuilder, Reg, Scenario, ScenarioBuilder, ThreadId, VarId, WaitGroupId,
};
use crate::results::Property;

pub(crate) fn params() -> Vec<ParamSpec> {
    let mut p = bank::incomes_param(1_000, 2);
    p.push(ParamSpec::int(
        "rate",
        "weekly interest in percent, rounded down",
        10,
        0,
        100,
    ));
    p
}

/// Rejects parameters whose largest possible balance overflows.
fn check_growth(p: &Params) -> Result<(), Error> {
    let sum = bank::total(p)? / p.int("weeks");
    let rate = p.int("rate");
    let mut b: i64 = 0;
    for _ in 0..p.int("weeks") {
        b = b
            .checked_add(sum)
            .and_then(|b| b.checked_mul(100 + rate))
            .map(|x| x / 100)
            .ok_or_else(|| {
                p.invalid("the balance with interest overflows a 64-bit integer; use fewer weeks or a lower rate")
            })?;
    }
    Ok(())
}

fn interest_thread(
    s: &mut ScenarioBuilder,
    p: &Params,
    balance: VarId,
    mutex: MutexId,
    wg: WaitGroupId,
    handoff: Option<(&[ChanId], ChanId)>,
) -> (ThreadId, Reg) {
    let rate = p.int("rate");
    let mut t = ProgramBuilder::new("interest");
    let b = t.local("b");
    let gain = t.local("gain");
    let credited = t.ghost("credited");
    t.repeat("week", p.int("weeks"), |t, _| {
        if let Some((starts, done)) = handoff {
            for &start in starts {
                t.send(start, 1);
            }
            for _ in starts {
                t.recv_discard(done);
            }
        }
        t.lock(mutex).code("balance.Lock()");
        t.load(b, balance);
        t.set(gain, b * rate / 100);
        t.set(b, b + gain).code(format!("b += b * {rate} / 100"));
        t.store(balance, b);
        t.set(credited, credited + gain);
        t.unlock(mutex).code("balance.Unlock()");
    });
    t.done(wg);
    (s.thread(t.build()), credited)
}

fn build(p: &Params, ordered: bool) -> Result<Scenario, Error> {
    check_growth(p)?;
    let mut s = ScenarioBuilder::new(if ordered {
        "interest/ordered"
    } else {
        "interest/mutex"
    });
    let balance = s.var("bankBalance", 0);
    let incomes = p.list("incomes").to_vec();
    let wg = s.wait_group("wg", incomes.len() as i64 + 1);
    let mutex = s.mutex("balance");
    let starts: Vec<ChanId> = if ordered {
        (0..incomes.len())
            .map(|i| s.channel(format!("start{i}"), 0))
            .collect()
    } else {
        Vec::new()
    };
    let done = ordered.then(|| s.channel("deposited", 0));
    let mut earners = Vec::new();
    for (i, &amount) in incomes.iter().enumerate() {
        let (program, deposits) = bank::earner_with(i, p.int("weeks"), wg, |e, temp, deposits| {
            if ordered {
                e.recv_discard(starts[i]);
            }
            e.lock(mutex).code("balance.Lock()");
            e.load(temp, balance);
            e.set(temp, temp + amount).code("temp += income.Amount");
            e.store(balance, temp);
            e.set(deposits, deposits + 1);
            e.unlock(mutex).code("balance.Unlock()");
            if let Some(d) = done {
                e.send(d, 1);
            }
        });
        earners.push((s.thread(program), deposits, amount));
    }
    let handoff = done.map(|d| (starts.as_slice(), d));
    let (interest, credited) = interest_thread(&mut s, p, balance, mutex, wg, handoff);
    let mut main = ProgramBuilder::new("main");
    let seen = main.local("final");
    main.wait(wg);
    main.load(seen, balance);
    s.thread(main.build());
    s.always(LOST_UPDATE, move |v| {
        let mut expected = v.reg(interest, credited);
        for &(t, deposits, amount) in &earners {
            expected = expected.saturating_add(amount.saturating_mul(v.reg(t, deposits)));
        }
        let actual = v.var(balance);
        if actual == expected {
            Ok(())
        } else {
            Err(format!(
                "bankBalance is {actual}, but deposits and interest so far add up to {expected}: an update was lost"
            ))
        }
    });
    s.deterministic().observe_var(balance);
    s.build()
}

pub(crate) fn build_mutex(p: &Params) -> Result<Scenario, Error> {
    build(p, false)
}

pub(crate) fn build_ordered(p: &Params) -> Result<Scenario, Error> {
    build(p, true)
}

pub(crate) fn expect_mutex(p: &Params) -> Expectation {
    // Interest paid before any income adds nothing, so paying it first
    // gives the plain total S; paying it after every income gives more as
    // soon as S earns a whole unit of interest. Below that, interest never
    // adds anything, whatever the order: the outcome is S either way.
    let total = bank::total(p).unwrap_or(i64::MAX);
    if total.saturating_mul(p.int("rate")) < 100 {
        return Expectation::holds().outcomes(Outcomes::Exactly(1));
    }
    Expectation::violates([Property::Deterministic]).outcomes(Outcomes::AtLeast(2))
}

pub(crate) fn expect_ordered(_: &Params) -> Expectation {
    Expectation::holds().outcomes(Outcomes::Exactly(1))
}
