//! The property-aware reduction: when every property judged is decided by
//! how the executions that end normally end (final-state invariants, the
//! outcome set, deadlocks), a stored state's successors are those of one
//! thread alone whenever that thread's next step is *persistent*: no step
//! the other threads can take without it touches what it touches. A
//! selective search with persistent sets reaches every state in which no
//! thread can move, so it keeps every end the full search reaches; each
//! path it takes there is a reordering of one the full search takes.
//!
//! Two refinements make it strong on the lessons:
//! - A *hidden* mutex has its critical sections run as one step, since no
//!   other thread can observe their inside: every section is simple, and
//!   each variable touched inside is touched elsewhere only *after all of
//!   them*, past a `wg.Wait()` that returns only once every thread has made
//!   all its `Done` calls, each of which follows that thread's sections.
//!   Sections that only add a constant to a variable count as adds, and
//!   adds of one sign commute (`model/program/footprint.rs`). A reordered
//!   path makes the same adds between the same other writes, so it
//!   overflows only if the original does.
//! - A thread blocked in `wg.Wait()` that cannot pass before the chosen
//!   thread calls `Done` (the counter exceeds every other `Done` that can
//!   still come) touches nothing but the counter while the chosen thread
//!   waits.
//!
//! Panics are not among the properties it keeps (an overflow's values, and
//! which thread fails first, depend on the order), nor is anything judged
//! in every state. Scenarios with a clock or a hand-written machine are not
//! reduced this way.

use crate::model::footprint::{Access, Context, Footprints, Kind, Res, conflict};
use crate::model::{Op, Program, Scenario, Scope, WaitGroupId};
use crate::results::{Property, thread_of};
use crate::sim::SimState;

/// The reduction for one scenario and one set of judged properties.
pub(crate) struct Por {
    /// Per thread, its footprints.
    threads: Vec<Footprints>,
    /// Per mutex, whether its sections run as one step.
    hidden: Vec<bool>,
}

/// Why `property` is not decided by how the executions that end normally
/// end, if it is not: the condition for the reduction.
fn not_about_ends(sc: &Scenario, property: &Property) -> Option<&'static str> {
    match property {
        Property::Invariant(name) => sc
            .invariants
            .iter()
            .any(|i| &i.name == name && i.scope != Scope::AtEnd)
            .then_some("is judged in every state"),
        Property::Deterministic | Property::NoDeadlock => None,
        Property::NoPanic | Property::Assertions => {
            Some("is judged, and a reordering can make a different step fail")
        }
        Property::Terminates => Some("is judged over whole executions"),
        _ => Some("is judged in every state"),
    }
}

/// Why the reduction cannot run on a search that asked for it.
pub(crate) type Off = String;

impl Por {
    /// The reduction `config` asks for on `sc`: `Ok` when it applies,
    /// `Err(None)` when not asked for (every property judged), and
    /// `Err(Some(why))` when asked for but not sound or not possible.
    pub fn for_config(sc: &Scenario, config: &crate::ExploreConfig) -> Result<Por, Option<Off>> {
        let judged = config.properties.as_ref().ok_or(None)?;
        if !config.reduction {
            return Err(Some("the reduction is off".into()));
        }
        Por::new(sc, judged).map_err(Some)
    }

    /// The reduction for `sc` judging `judged`, or why it does not apply.
    pub fn new(sc: &Scenario, judged: &[Property]) -> Result<Por, Off> {
        if let Some((p, why)) = judged
            .iter()
            .find_map(|p| not_about_ends(sc, p).map(|why| (p, why)))
        {
            return Err(format!("`{p}` {why}"));
        }
        if sc.layout.timer_base.is_some() {
            return Err("the scenario has a clock".into());
        }
        let programs: Vec<&Program> = sc
            .threads
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.program.as_deref().ok_or_else(|| {
                    format!(
                        "thread `{}` is a hand-written machine, whose steps cannot be read ahead",
                        sc.names.thread(crate::model::ThreadId(i as u32))
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let cond_mutex: Vec<_> = sc.names.conds.iter().map(|c| c.mutex).collect();
        let hidden: Vec<bool> = (0..sc.names.mutexes.len())
            .map(|m| !cond_mutex.iter().any(|c| c.index() == m) && hidden(sc, &programs, m))
            .collect();
        let ctx = Context {
            hidden: &hidden,
            cond_mutex: &cond_mutex,
        };
        let threads = programs.iter().map(|p| p.footprints(&ctx)).collect();
        Ok(Por { threads, hidden })
    }

    /// A thread inside a section of a hidden mutex: it goes on at once.
    pub fn inside(&self, sc: &Scenario, st: &SimState) -> Option<usize> {
        self.hidden
            .iter()
            .enumerate()
            .filter(|(_, h)| **h)
            .find_map(|(m, _)| match st.words[sc.layout.mutex_base + m] {
                0 => None,
                holder => Some(holder as usize - 1),
            })
    }

    /// The thread whose moves alone need be explored from `st`, if one
    /// among those with a choice in `choices` (grouped by thread) is
    /// persistent.
    pub fn persistent(&self, sc: &Scenario, st: &SimState, choices: &[u16]) -> Option<usize> {
        let (first, last) = (thread_of(*choices.first()?), thread_of(*choices.last()?));
        if first == last {
            return None;
        }
        let pc = |t: usize| st.words[sc.layout.thread_base[t]].max(0) as usize;
        // The most `Done` calls thread `v` can still make on `g`, as the
        // early `wg.Done()` counts them (unbounded: more than any counter).
        let budget = |v: usize, g: WaitGroupId| -> u64 {
            sc.threads[v]
                .behaviour
                .done_budget(&st.words[sc.layout.slot(v)], g)
                .map_or(u64::from(u32::MAX), u64::from)
        };
        // Each thread blocked in `wg.Wait()`: its wait group, the counter,
        // and the most `Done` calls all the others can still make.
        let waiting: Vec<(usize, WaitGroupId, i64, u64)> = (0..self.threads.len())
            .filter_map(|u| match st.pending[u] {
                Op::WgWait(g) => {
                    let others = (0..self.threads.len())
                        .filter(|&v| v != u)
                        .map(|v| budget(v, g))
                        .fold(0u64, u64::saturating_add);
                    Some((u, g, st.words[sc.layout.wg_base + g.index()], others))
                }
                _ => None,
            })
            .collect();
        let mut previous = None;
        let mut movers = choices
            .iter()
            .map(|&c| thread_of(c))
            .filter(|&t| previous.replace(t) != Some(t));
        movers.find(|&t| {
            let own = &self.threads[t].step[pc(t).min(self.threads[t].step.len() - 1)];
            (0..self.threads.len()).filter(|&u| u != t).all(|u| {
                // Blocked in `wg.Wait()` until `t` moves (the counter exceeds
                // every `Done` the others but `t` can make): all it touches
                // meanwhile is the counter.
                let blocked =
                    waiting
                        .iter()
                        .find(|w| w.0 == u)
                        .and_then(|&(_, g, counter, others)| {
                            let without_t = others.saturating_sub(budget(t, g));
                            (counter > 0 && counter as u64 > without_t)
                                .then_some((Res::Wg(g.index() as u32), Kind::Read))
                        });
                let ahead = &self.threads[u].ahead;
                let theirs: &[Access] = match &blocked {
                    Some(access) => std::slice::from_ref(access),
                    None => &ahead[pc(u).min(ahead.len() - 1)],
                };
                !own.iter().any(|&a| theirs.iter().any(|&b| conflict(a, b)))
            })
        })
    }
}

/// Whether mutex `m`'s sections can run as one step: each is simple, and
/// each variable touched in one is touched outside them only after all of
/// them (see the module's text).
fn hidden(sc: &Scenario, programs: &[&Program], m: usize) -> bool {
    let mut held = Vec::with_capacity(programs.len());
    for p in programs {
        match p.held(m) {
            Some(h) => held.push(h),
            None => return false,
        }
    }
    // Each access inside the sections (thread, instruction), the variables
    // they touch, and each access outside them to one of those.
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    let mut touched: Vec<bool> = Vec::new();
    for (t, p) in programs.iter().enumerate() {
        for (pc, vars, atomic) in p.var_uses() {
            if held[t][pc] && !atomic {
                if touched.len() < vars.end as usize {
                    touched.resize(vars.end as usize, false);
                }
                touched[vars.start as usize..vars.end as usize].fill(true);
                inside.push((t, pc));
            } else {
                outside.push((t, pc, vars));
            }
        }
    }
    outside.retain(|(_, _, vars)| {
        vars.clone()
            .any(|v| touched.get(v as usize).copied().unwrap_or(false))
    });
    if outside.is_empty() {
        return true;
    }
    // The wait groups whose `Wait` returns only after every section: no
    // `Add` anywhere, the counter starts at the sum of the most `Done`
    // calls each thread can make (so it reaches 0 only once each thread
    // made all of them), and each section access has a `Done` still ahead.
    let after_all: u64 = (0..sc.wg_init.len().min(64))
        .filter(|&g| {
            let wg = crate::model::WaitGroupId::tagged(g, 0);
            let budgets: Option<u64> = programs
                .iter()
                .map(|p| p.done_budget_at(wg, 0).map(u64::from))
                .sum();
            budgets == u64::try_from(sc.wg_init[g]).ok()
                && inside
                    .iter()
                    .all(|&(t, pc)| programs[t].done_budget_at(wg, pc) != Some(0))
        })
        .fold(0, |mask, g| mask | 1 << g);
    let waited: Vec<Vec<u64>> = programs.iter().map(|p| p.waited()).collect();
    outside
        .iter()
        .all(|&(t, pc, _)| waited[t][pc] & after_all != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Expr, MutexId, ProgramBuilder, ScenarioBuilder, VarId, WaitGroupId};
    use crate::{ExploreConfig, Stop, explore};

    /// `x += k` under `m`.
    fn add(p: &mut ProgramBuilder, m: MutexId, x: VarId, k: i64) {
        let r = p.local("r");
        p.lock(m).load(r, x).set(r, r + k).store(x, r).unlock(m);
    }

    /// Workers built by `worker` on `x` under `m`, each given `wg`; a
    /// `main` that waits on `wg` (counter `count`) and stores 5 in `x`.
    fn scenario(
        workers: usize,
        count: i64,
        worker: impl Fn(&mut ProgramBuilder, MutexId, VarId, WaitGroupId),
    ) -> Scenario {
        scenario_with_main(workers, count, worker, |main, x, wg| {
            main.wait(wg).store(x, 5);
        })
    }

    fn scenario_with_main(
        workers: usize,
        count: i64,
        worker: impl Fn(&mut ProgramBuilder, MutexId, VarId, WaitGroupId),
        body: impl Fn(&mut ProgramBuilder, VarId, WaitGroupId),
    ) -> Scenario {
        let mut s = ScenarioBuilder::new("t");
        let x = s.var("x", 0);
        let m = s.mutex("m");
        let wg = s.wait_group("wg", count);
        for w in 0..workers {
            let mut p = ProgramBuilder::new(format!("w{w}"));
            worker(&mut p, m, x, wg);
            s.thread(p.build());
        }
        let mut main = ProgramBuilder::new("main");
        body(&mut main, x, wg);
        s.thread(main.build());
        s.at_end("x is not 3", move |v| match v.var(x) {
            3 => Err("x is 3".into()),
            _ => Ok(()),
        });
        s.build().unwrap()
    }

    fn hides(sc: &Scenario) -> bool {
        let programs: Vec<&Program> = sc
            .threads
            .iter()
            .map(|t| t.program.as_deref().unwrap())
            .collect();
        hidden(sc, &programs, 0)
    }

    /// The final values the search reaches, judging the final invariant
    /// (so with the property-aware reduction when it applies) or with no
    /// reduction at all.
    fn finals(sc: &Scenario, reduced: bool) -> Vec<String> {
        let config = ExploreConfig::default()
            .stop(Stop::Exhaust)
            .reduction(reduced)
            .properties(vec![Property::Invariant("x is not 3".into())]);
        let e = explore(sc, &config);
        assert_eq!(e.stats.property_reduction, reduced);
        e.final_outcomes().map(|o| o.outcome.to_string()).collect()
    }

    #[test]
    fn sections_that_all_come_before_the_waited_done_are_hidden() {
        let sc = scenario(2, 2, |p, m, x, wg| {
            add(p, m, x, 1);
            p.done(wg);
        });
        assert!(hides(&sc));
        assert_eq!(finals(&sc, true), finals(&sc, false));
    }

    #[test]
    fn an_access_not_past_the_wait_on_every_path_is_not_hidden() {
        let worker = |p: &mut ProgramBuilder, m, x, wg| {
            add(p, m, x, 1);
            p.done(wg);
        };
        let sc = scenario_with_main(1, 1, worker, |main, x, wg| {
            let r = main.local("r");
            main.load(r, x);
            main.if_(Expr::from(r).equals(0), |p| {
                p.wait(wg);
            });
            main.store(x, 5);
        });
        assert!(!hides(&sc));
        assert_eq!(finals(&sc, true), finals(&sc, false));
    }

    #[test]
    fn a_section_after_the_last_done_is_not_hidden() {
        // main's store can fall between the load and the store of w0's
        // section: x ends at 1 only then.
        let sc = scenario(1, 1, |p, m, x, wg| {
            p.done(wg);
            add(p, m, x, 1);
        });
        assert!(!hides(&sc));
        assert!(finals(&sc, false).contains(&"x=1".to_string()));
        assert_eq!(finals(&sc, true), finals(&sc, false));
    }

    #[test]
    fn a_wait_that_can_return_before_every_done_hides_nothing() {
        // w0 calls `Done` only when it read 0; the counter (1) is below
        // the most calls (2), so main can pass while w0 is in its section.
        let sc = scenario(2, 1, |p, m, x, wg| {
            let r = p.local("seen");
            p.lock(m).load(r, x).set(r, r + 1).store(x, r).unlock(m);
            p.if_(Expr::from(r).equals(1), |p| {
                p.done(wg);
            });
        });
        assert!(!hides(&sc));
        assert_eq!(finals(&sc, true), finals(&sc, false));
    }

    #[test]
    fn an_add_anywhere_hides_nothing() {
        // The counter starts at 0: main can pass before w0's `Add`.
        let sc = scenario(1, 0, |p, m, x, wg| {
            p.add(wg, 1);
            add(p, m, x, 1);
            p.done(wg);
        });
        assert!(!hides(&sc));
        assert_eq!(finals(&sc, true), finals(&sc, false));
    }
}
