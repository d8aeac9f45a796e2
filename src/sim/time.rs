//! The virtual clock. Time moves only when no thread can move without it,
//! and then straight to the nearest deadline a thread waits for; timers due
//! at once fire in every order. Each running timer is a word holding its
//! deadline relative to now (see `Layout::timer_base`), so a state does not
//! record what time it is, and states reached at different times merge.

use super::state::{Alternative, SimState, TIMED};
use super::step::Sim;
use crate::model::{ChanId, Op};
use crate::results::{Choice, alternative_of, thread_of};

impl Sim<'_> {
    /// Whether `c` is a timer's channel.
    #[inline]
    pub(super) fn is_timer(&self, c: ChanId) -> bool {
        self.sc.names.channels[c.index()].timer
    }

    /// The word of thread `t`'s `Sleep` timer.
    pub(super) fn thread_timer(&self, t: usize) -> usize {
        self.sc
            .layout
            .timer_base
            .expect("a sleeping thread has a timer word")
            + t
    }

    /// Fires the timer in word `timer`: the clock moves on to its
    /// deadline, which brings every running timer that much closer, and
    /// the timer stops.
    pub(super) fn fire(&self, w: &mut [i64], timer: usize) {
        let ticks = w[timer] - 1;
        if ticks > 0 {
            for &k in &self.sc.layout.timers {
                if w[k] > 1 {
                    w[k] = (w[k] - ticks).max(1);
                }
            }
        }
        w[timer] = 0;
    }

    /// How far choice `c` moves the clock, in ticks.
    pub(crate) fn ticks_of(&self, st: &SimState, c: Choice) -> i64 {
        let t = thread_of(c);
        let timer = match st.pending[t] {
            Op::Select(_) => {
                let mut alts = Vec::new();
                self.select_alternatives(st, t, &mut alts);
                match alts.get(alternative_of(c)) {
                    Some(&Alternative::Case {
                        case,
                        partner: None,
                    }) => {
                        let (cases, _) = self.cases_of(st, t);
                        let chan = cases[usize::from(case)].chan;
                        self.is_timer(chan).then(|| self.chan(chan).0)
                    }
                    _ => None,
                }
            }
            _ => self.awaited_timer(st, t),
        };
        timer.map_or(0, |k| (st.words[k] - 1).max(0))
    }

    /// The timer word thread `t`'s pending `Sleep` or receive waits for.
    pub(crate) fn awaited_timer(&self, st: &SimState, t: usize) -> Option<usize> {
        match st.pending[t] {
            Op::Sleep(_) => Some(self.thread_timer(t)),
            Op::Recv(c) if self.is_timer(c) => Some(self.chan(c).0),
            _ => None,
        }
    }

    /// Whether thread `t`, at a `Sleep` or a receive on a timer's channel,
    /// can move: its timer is due, or it is the nearest deadline and no
    /// thread can move without the clock.
    pub(super) fn timer_enabled(&self, st: &SimState, t: usize) -> bool {
        let Some(timer) = self.awaited_timer(st, t) else {
            return false;
        };
        match st.words[timer] {
            0 => false,
            1 => true,
            due => self.next_deadline(st) == Some(due),
        }
    }

    /// The timer word of the nearest deadline some thread waits for, when
    /// no thread can move without the clock; `None` when one can, or
    /// nobody waits for a running timer.
    pub(super) fn next_deadline(&self, st: &SimState) -> Option<i64> {
        let mut next: Option<i64> = None;
        let mut consider = |word: i64| {
            if word > 1 {
                next = Some(next.map_or(word, |n| n.min(word)));
            }
        };
        let mut alts = Vec::new();
        for u in 0..st.pending.len() {
            if st.gates[u] == TIMED {
                match self.awaited_timer(st, u).map(|k| st.words[k]) {
                    Some(1) => return None,
                    Some(word) => consider(word),
                    None => {}
                }
            } else if let Op::Select(_) = st.pending[u] {
                self.select_ways(st, u, &mut alts, false);
                if !alts.is_empty() {
                    return None;
                }
                let (cases, _) = self.cases_of(st, u);
                for case in cases.iter().filter(|k| k.send.is_none()) {
                    if self.is_timer(case.chan) {
                        consider(st.words[self.chan(case.chan).0]);
                    }
                }
            } else if self.enabled(st, u) {
                return None;
            }
        }
        next
    }

    /// Adds the receive cases on timer channels of thread `t`'s select
    /// that fire at the next deadline, when no thread (this select
    /// included) can move without the clock.
    pub(super) fn timer_cases(
        &self,
        st: &SimState,
        cases: &[crate::model::SelectCase],
        out: &mut Vec<Alternative>,
    ) {
        let waits = |k: &crate::model::SelectCase| {
            k.send.is_none() && self.is_timer(k.chan) && st.words[self.chan(k.chan).0] > 1
        };
        if !cases.iter().any(waits) {
            return;
        }
        let Some(due) = self.next_deadline(st) else {
            return;
        };
        for (i, case) in cases.iter().enumerate() {
            if waits(case) && st.words[self.chan(case.chan).0] == due {
                out.push(Alternative::Case {
                    case: i as u16,
                    partner: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProgramBuilder, ScenarioBuilder};

    /// Two sleepers of 3 and 5 ticks, and a timer channel armed for 4.
    fn clocked() -> crate::model::Scenario {
        let mut s = ScenarioBuilder::new("clock");
        let t = s.timer("t");
        for ticks in [3, 5] {
            let mut p = ProgramBuilder::new(format!("sleeps {ticks}"));
            p.sleep(ticks);
            s.thread(p.build());
        }
        let mut p = ProgramBuilder::new("waits");
        p.after(t, 4).recv_discard(t);
        s.thread(p.build());
        s.build().unwrap()
    }

    #[test]
    fn firing_moves_every_running_timer_closer_and_stops_its_own() {
        let sc = clocked();
        let sim = Sim::new(&sc);
        let mut st = sim.initial().unwrap();
        let timers = sc.layout.timers.clone();
        // Thread timers hold ticks + 1; the channel's is not running yet.
        assert_eq!(
            timers.iter().map(|&k| st.words[k]).collect::<Vec<_>>(),
            [4, 6, 0, 0]
        );
        // Only `waits` can move without the clock: its `After`.
        let mut enabled = Vec::new();
        sim.enabled_threads(&st, &mut enabled);
        assert_eq!(enabled, [2]);
        sim.step(&mut st, 2).unwrap();
        assert_eq!(st.words[timers[3]], 5, "armed for 4");
        // Now nobody can move without the clock: the nearest deadline, 3.
        sim.enabled_threads(&st, &mut enabled);
        assert_eq!(enabled, [0]);
        assert_eq!(sim.ticks_of(&st, 0), 3);
        sim.step(&mut st, 0).unwrap();
        assert_eq!(
            timers.iter().map(|&k| st.words[k]).collect::<Vec<_>>(),
            [0, 3, 0, 2]
        );
        // Then the channel's timer (1 tick on), then the last sleeper.
        sim.enabled_threads(&st, &mut enabled);
        assert_eq!(enabled, [2]);
        assert_eq!(sim.ticks_of(&st, 2), 1);
    }

    #[test]
    fn a_due_timer_stays_due_however_far_the_clock_moves() {
        let sc = clocked();
        let sim = Sim::new(&sc);
        let mut w = vec![0; sc.layout.width];
        let timers = &sc.layout.timers;
        w[timers[0]] = 1; // due
        w[timers[1]] = 10;
        w[timers[3]] = 3;
        sim.fire(&mut w, timers[1]);
        assert_eq!([w[timers[0]], w[timers[1]], w[timers[3]]], [1, 0, 1]);
    }
}
