//! The registry: every catalog entry with its lesson, parameters, builder
//! and expectation, found by name (with a did-you-mean) or from a replay
//! token.

use super::params::{ParamSpec, Params, edit_distance};
use super::token::{ReplayToken, TokenSchedule};
use super::{
    atomic, bank, barber, cond, deadlock, interest, message, once, pizzeria, rwmutex, spin,
    timeout, waitgroup,
};
use crate::check::{self, BackendKind, Backends};
use crate::check::{Expectation, Report};
use crate::error::{Error, ErrorKind};
use crate::explore::ExploreConfig;
use crate::model::Scenario;
use crate::results::{Coverage, Status, Stop};

/// A catalog scenario: how to build it from parameters, and what it should show.
#[derive(Clone, Copy)]
pub struct Entry {
    /// Its name, such as `bank/mutex`.
    pub name: &'static str,
    /// The lesson, in one line.
    pub summary: &'static str,
    params: fn() -> Vec<ParamSpec>,
    build: fn(&Params) -> Result<Scenario, Error>,
    expect: fn(&Params) -> Expectation,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const ENTRIES: &[Entry] = &[
    Entry {
        name: "message/unsync",
        summary: "two goroutines set one message with no mutex: a data race, two outcomes",
        params: message::params,
        build: message::build_unsync,
        expect: message::expect_unsync,
    },
    Entry {
        name: "message/mutex",
        summary: "the same under a mutex: no race, yet still two outcomes (a mutex does not pick the order)",
        params: message::params,
        build: message::build_mutex,
        expect: message::expect_mutex,
    },
    Entry {
        name: "message/test",
        summary: "the course's test asserts the second writer wins: it fails in some interleaving (a flaky test)",
        params: message::params,
        build: message::build_test,
        expect: message::expect_test,
    },
    Entry {
        name: "bank/unsync",
        summary: "incomes added to one balance with temp := balance; temp += amount; balance = temp: updates are lost (a WaitGroup does not help)",
        params: bank::params,
        build: bank::build_unsync,
        expect: bank::expect_unsync,
    },
    Entry {
        name: "bank/mutex",
        summary: "the same under a mutex: the final balance is 52 x 660 = 34320 in every interleaving",
        params: bank::params,
        build: bank::build_mutex,
        expect: bank::expect_mutex,
    },
    Entry {
        name: "atomic/bank",
        summary: "the same with atomic.AddInt64 and no mutex: no race, no lost update, 34320 in every interleaving",
        params: atomic::params,
        build: atomic::build_add,
        expect: atomic::expect_add,
    },
    Entry {
        name: "atomic/load-store",
        summary: "an atomic load, then an atomic store: no data race, yet updates are still lost",
        params: atomic::params,
        build: atomic::build_load_store,
        expect: atomic::expect_load_store,
    },
    Entry {
        name: "interest/mutex",
        summary: "incomes and weekly interest, each under the mutex: no race, no lost update, yet more than one final balance",
        params: interest::params,
        build: interest::build_mutex,
        expect: interest::expect_mutex,
    },
    Entry {
        name: "interest/ordered",
        summary: "the same with a channel hand-off ordering each week: exactly one final balance",
        params: interest::params,
        build: interest::build_ordered,
        expect: interest::expect_ordered,
    },
    Entry {
        name: "waitgroup/missing-wait",
        summary: "main prints the balance without wg.Wait(): it can print a partial balance",
        params: waitgroup::params,
        build: waitgroup::build,
        expect: waitgroup::expect,
    },
    Entry {
        name: "pizzeria/buffered",
        summary: "producer/consumer over a buffered channel, closed when done: every order arrives once, in order, and the consumer ends",
        params: pizzeria::params_buffered,
        build: pizzeria::build_buffered,
        expect: pizzeria::expect_holds,
    },
    Entry {
        name: "pizzeria/unbuffered",
        summary: "the same over an unbuffered channel (each send waits for the receive): it holds too",
        params: pizzeria::params,
        build: pizzeria::build_unbuffered,
        expect: pizzeria::expect_holds,
    },
    Entry {
        name: "pizzeria/no-close",
        summary: "the producer forgets close(): the consumer's range waits forever (deadlock)",
        params: pizzeria::params,
        build: pizzeria::build_no_close,
        expect: pizzeria::expect_no_close,
    },
    Entry {
        name: "pizzeria/two-consumers",
        summary: "two consumers share the channel: each order still arrives exactly once, but who gets which varies",
        params: pizzeria::params,
        build: pizzeria::build_two_consumers,
        expect: pizzeria::expect_two_consumers,
    },
    Entry {
        name: "deadlock/lock-order",
        summary: "two transfers lock the same two mutexes in opposite orders: each holds one and waits for the other",
        params: deadlock::params_lock_order,
        build: deadlock::build_lock_order,
        expect: deadlock::expect_deadlock,
    },
    Entry {
        name: "philosophers/naive",
        summary: "five philosophers each take the left fork, then the right: all can hold one and wait forever",
        params: deadlock::params_philosophers,
        build: deadlock::build_naive,
        expect: deadlock::expect_deadlock,
    },
    Entry {
        name: "philosophers/ordered",
        summary: "each takes the lower-numbered fork first (a global lock order): no deadlock in any interleaving",
        params: deadlock::params_philosophers,
        build: deadlock::build_ordered,
        expect: deadlock::expect_ordered,
    },
    Entry {
        name: "rwmutex/cache",
        summary: "readers take RLock and share it, the writer takes Lock and is alone: no race in any interleaving",
        params: rwmutex::params,
        build: rwmutex::build_cache_ok,
        expect: rwmutex::expect_cache_ok,
    },
    Entry {
        name: "rwmutex/write-under-rlock",
        summary: "the writer takes only RLock: it writes while readers read (a data race)",
        params: rwmutex::params,
        build: rwmutex::build_write_under_rlock,
        expect: rwmutex::expect_write_under_rlock,
    },
    Entry {
        name: "rwmutex/recursive-rlock",
        summary: "a reader takes RLock twice: a writer waiting in between keeps the second out (deadlock)",
        params: rwmutex::recursive_params,
        build: rwmutex::build_recursive,
        expect: rwmutex::expect_recursive,
    },
    Entry {
        name: "once/unsafe",
        summary: "lazy initialisation behind `if config == 0`: two goroutines can both initialise (and race)",
        params: once::params,
        build: once::build_unsafe,
        expect: once::expect_unsafe,
    },
    Entry {
        name: "once/config",
        summary: "the same with once.Do: initialised exactly once, and every goroutine sees it",
        params: once::params,
        build: once::build_once,
        expect: once::expect_once,
    },
    Entry {
        name: "cond/queue",
        summary: "a bounded queue on sync.Cond: wait in a `for` loop, wake with Broadcast; stays in bounds and never hangs",
        params: cond::params,
        build: cond::build_queue,
        expect: cond::expect_queue,
    },
    Entry {
        name: "cond/queue-if",
        summary: "`if` instead of `for` around Wait: a woken consumer takes from a queue another consumer emptied",
        params: cond::params,
        build: cond::build_if,
        expect: cond::expect_if,
    },
    Entry {
        name: "cond/queue-signal",
        summary: "Signal instead of Broadcast on one condition for both sides: a consumer wakes a consumer, and all sleep",
        params: cond::params,
        build: cond::build_signal,
        expect: cond::expect_signal,
    },
    Entry {
        name: "timeout/leak",
        summary: "a select with time.After gives up on a worker, which then blocks for ever on its unbuffered answer (a goroutine leak)",
        params: timeout::params,
        build: timeout::build_leak,
        expect: timeout::expect_leak,
    },
    Entry {
        name: "timeout/buffered",
        summary: "the same with a buffer of one for the answer: the worker always leaves, whoever wins",
        params: timeout::params,
        build: timeout::build_buffered,
        expect: timeout::expect_buffered,
    },
    Entry {
        name: "barber/sleeping",
        summary: "the sleeping barber over channels and time.After: every customer is served, turned away or gives up",
        params: barber::params,
        build: barber::build_sleeping,
        expect: barber::expect_sleeping,
    },
    Entry {
        name: "barber/lost",
        summary: "the barber hands the haircut over with a plain send: a customer who gave up leaves him blocked for ever",
        params: barber::params,
        build: barber::build_lost,
        expect: barber::expect_lost,
    },
    Entry {
        name: "spin/never-set",
        summary: "a goroutine spins on a flag nobody sets: it cannot finish, though it never deadlocks",
        params: spin::params,
        build: spin::build_never_set,
        expect: spin::expect_never_set,
    },
    Entry {
        name: "spin/set-later",
        summary: "the same spin with main setting the flag: every execution can finish",
        params: spin::params,
        build: spin::build_set_later,
        expect: spin::expect_set_later,
    },
    Entry {
        name: "spin/peterson",
        summary: "Peterson's lock with atomics: mutual exclusion and a race-free counter in every interleaving",
        params: atomic::peterson_params,
        build: atomic::build_peterson_ok,
        expect: atomic::expect_peterson_ok,
    },
    Entry {
        name: "spin/peterson-swapped",
        summary: "the same with turn written before the flag: both goroutines can enter the critical section",
        params: atomic::peterson_params,
        build: atomic::build_peterson_swapped,
        expect: atomic::expect_peterson_swapped,
    },
];

/// Every catalog scenario, in teaching order.
pub fn entries() -> &'static [Entry] {
    ENTRIES
}

/// The catalog scenario of this name, or an error that suggests the closest.
pub fn find(name: &str) -> Result<&'static Entry, Error> {
    if let Some(e) = ENTRIES.iter().find(|e| e.name == name) {
        return Ok(e);
    }
    let closest = ENTRIES
        .iter()
        .min_by_key(|e| edit_distance(e.name, name))
        .map(|e| e.name)
        .filter(|c| edit_distance(c, name) <= name.len().max(3) / 2);
    let hint = match closest {
        Some(c) => format!("did you mean `{c}`? `interleave list` shows them all"),
        None => "`interleave list` shows them all".to_string(),
    };
    Err(Error::new(
        ErrorKind::UnknownScenario,
        format!("unknown scenario `{name}`; {hint}"),
    ))
}

impl Entry {
    /// The parameters it takes.
    pub fn params(&self) -> Vec<ParamSpec> {
        (self.params)()
    }

    /// Every parameter at its default.
    pub fn default_params(&self) -> Params {
        Params::defaults(self.name, &self.params())
    }

    /// Parameters from `KEY=VALUE` overrides of the defaults; a key given
    /// twice is an error.
    pub fn params_from<S: AsRef<str>>(&self, assignments: &[S]) -> Result<Params, Error> {
        if let Some(error) = super::params::repeated_key(assignments) {
            return Err(error);
        }
        let specs = self.params();
        let mut params = Params::defaults(self.name, &specs);
        for a in assignments {
            params.set(&specs, a.as_ref())?;
        }
        Ok(params)
    }

    /// Builds the scenario.
    pub fn build(&self, params: &Params) -> Result<Scenario, Error> {
        (self.build)(params)
    }

    /// What it should show with these parameters.
    pub fn expectation(&self, params: &Params) -> Expectation {
        (self.expect)(params)
    }

    /// The replay token of a schedule of this scenario.
    pub fn token(&self, params: &Params, schedule: TokenSchedule) -> ReplayToken {
        ReplayToken {
            scenario: self.name.to_string(),
            params: params.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            schedule,
        }
    }

    /// Explores it with the built-in explorer and judges the result against
    /// its expectation.
    ///
    /// The limits come from `config`; when to stop comes from the
    /// expectation (once every expected counterexample is found, unless
    /// something must be shown exhaustively).
    pub fn check(&self, params: &Params, config: &ExploreConfig) -> Result<Report, Error> {
        let backends = Backends {
            explore: config.clone(),
            ..Backends::default()
        };
        self.check_on(BackendKind::Explore, params, &backends)
    }

    /// Explores it with one backend and judges the result. A backend that
    /// cannot run the scenario answers [`ErrorKind::Unsupported`].
    pub fn check_on(
        &self,
        kind: BackendKind,
        params: &Params,
        backends: &Backends,
    ) -> Result<Report, Error> {
        let stop = self.expectation(params).stop_rule();
        self.check_until(kind, params, backends, stop)
    }

    /// [`Entry::check_on`], going on past the counterexamples the
    /// expectation needs: every reachable outcome and every property's
    /// own counterexample (as far as the engine's budget goes).
    pub fn check_everything_on(
        &self,
        kind: BackendKind,
        params: &Params,
        backends: &Backends,
    ) -> Result<Report, Error> {
        self.check_until(kind, params, backends, Stop::Exhaust)
    }

    fn check_until(
        &self,
        kind: BackendKind,
        params: &Params,
        backends: &Backends,
        stop: Stop,
    ) -> Result<Report, Error> {
        let scenario = self.build(params)?;
        let expected = self.expectation(params);
        let mut backends = backends.clone();
        backends.explore = backends.explore.stop(stop.clone());
        backends.shuttle.stop = stop.clone();
        backends.loom.stop = stop;
        let mut exploration = check::run(kind, &scenario, &backends)?;
        let witnesses = exploration
            .coverage
            .iter_mut()
            .filter_map(|g| match &mut g.coverage {
                Coverage::Covered(c) => Some(c),
                _ => None,
            });
        let counterexamples =
            exploration
                .properties
                .iter_mut()
                .filter_map(|p| match &mut p.status {
                    Status::Violated(c) => Some(c),
                    _ => None,
                });
        for c in counterexamples.chain(witnesses) {
            {
                let token = self.token(params, TokenSchedule::Threads(c.schedule.clone()));
                c.replay = Some(format!("interleave replay '{token}'"));
                c.token = Some(token.to_string());
                if let Some(own) = &c.backend_schedule {
                    let token = self.token(params, TokenSchedule::Shuttle(own.clone()));
                    c.backend_replay = Some(format!("interleave replay '{token}'"));
                }
            }
        }
        Ok(Report::judge(
            self.name,
            params.to_string(),
            kind.name(),
            expected,
            exploration,
        ))
    }
}

/// The entry, parameters, scenario and schedule a replay token names.
pub fn resolve(token: &ReplayToken) -> Result<(&'static Entry, Params, Scenario), Error> {
    let entry = find(&token.scenario)?;
    let params = entry.params_from(&token.params).map_err(|e| {
        Error::new(
            ErrorKind::TokenMismatch,
            format!("replay token for `{}`: {e}", token.scenario),
        )
    })?;
    let scenario = entry.build(&params)?;
    Ok((entry, params, scenario))
}
