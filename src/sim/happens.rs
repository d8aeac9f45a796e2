//! Which earlier steps of one execution happen before each step through
//! synchronisation, as Go's memory model orders them: what a timeline
//! draws as arrows. Program order is left out (it is the thread's own
//! lane), and so is an edge from a thread to itself.
//!
//! - an `Unlock` (or a condition variable's `Wait`, which unlocks) before
//!   the next `Lock` of the mutex; a read-write mutex's `Unlock` before
//!   every later `RLock` and `Lock`, and each `RUnlock` before the next
//!   `Lock`;
//! - a send before the receive that takes its value, a `close` before a
//!   receive that finds the channel closed, and on an unbuffered channel
//!   the receive before the sender's next step (its send completes there);
//! - every `Done` before the `Wait` that returns;
//! - a `Signal` or `Broadcast` before the woken thread's relock;
//! - the return of a `sync.Once`'s function before every later `Do`;
//! - an atomic write before every later atomic access of the variable.

use super::state::{Alternative, SimState};
use super::step::Sim;
use crate::model::{ChanId, Op, SelectCase};
use crate::results::{Choice, alternative_of, thread_of};

/// A step number (from 1) and its thread.
type Step = (usize, usize);

/// The synchronising steps so far of one execution.
pub(crate) struct HappensBefore {
    mutex_released: Vec<Option<Step>>,
    rw_written: Vec<Option<Step>>,
    rw_read: Vec<Vec<Step>>,
    dones: Vec<Vec<Step>>,
    once_done: Vec<Option<Step>>,
    atomic_written: Vec<Option<Step>>,
    /// Per channel, the sends whose values are still in it (or offered).
    sent: Vec<std::collections::VecDeque<Step>>,
    closed: Vec<Option<Step>>,
    /// Per thread, a step its next step synchronises with: where its
    /// unbuffered send completed, or where a `Signal` woke it.
    completes: Vec<Vec<Step>>,
}

impl HappensBefore {
    pub fn new(sim: &Sim<'_>) -> Self {
        let names = &sim.sc.names;
        HappensBefore {
            mutex_released: vec![None; names.mutexes.len()],
            rw_written: vec![None; names.rw_mutexes.len()],
            rw_read: vec![Vec::new(); names.rw_mutexes.len()],
            dones: vec![Vec::new(); names.wait_groups.len()],
            once_done: vec![None; names.onces.len()],
            atomic_written: vec![None; names.vars.len()],
            sent: vec![Default::default(); names.channels.len()],
            closed: vec![None; names.channels.len()],
            completes: vec![Vec::new(); sim.sc.thread_count()],
        }
    }

    /// The earlier steps that step number `step` (choice `c` from `st`)
    /// synchronises with, in step order; and notes what it releases.
    pub fn step(&mut self, sim: &Sim<'_>, st: &SimState, c: Choice, step: usize) -> Vec<usize> {
        let t = thread_of(c);
        let me = (step, t);
        let mut from: Vec<Step> = std::mem::take(&mut self.completes[t]);
        match st.pending[t] {
            Op::Unlock(m) => self.mutex_released[m.index()] = Some(me),
            Op::Lock(m) => from.extend(self.mutex_released[m.index()]),
            Op::CondWait(cv) => {
                self.mutex_released[sim.sc.names.conds[cv.index()].mutex.index()] = Some(me);
            }
            Op::CondRelock(cv) => {
                from.extend(self.mutex_released[sim.sc.names.conds[cv.index()].mutex.index()]);
            }
            Op::Signal(_) => {
                let mut alts = Vec::new();
                sim.alternatives(st, t, &mut alts);
                if let Some(&Alternative::Wake(u)) = alts.get(alternative_of(c)) {
                    self.completes[usize::from(u)].push(me);
                }
            }
            Op::Broadcast(cv) => {
                let layout = &sim.sc.layout;
                for u in 0..st.pending.len() {
                    if st.words[layout.cond_waiter(cv.index(), u)] != 0 {
                        self.completes[u].push(me);
                    }
                }
            }
            Op::RwUnlock(m) => {
                self.rw_written[m.index()] = Some(me);
                self.rw_read[m.index()].clear();
            }
            Op::RUnlock(m) => self.rw_read[m.index()].push(me),
            Op::RLock(m) => from.extend(self.rw_written[m.index()]),
            Op::RwLock(m) => {
                from.extend(self.rw_written[m.index()]);
                from.extend(self.rw_read[m.index()].iter().copied());
            }
            Op::WgDone(wg) => self.dones[wg.index()].push(me),
            Op::WgWait(wg) => from.extend(self.dones[wg.index()].iter().copied()),
            Op::OnceDone(o) => self.once_done[o.index()] = Some(me),
            Op::OnceDo(o) => from.extend(self.once_done[o.index()]),
            Op::Atomic(v, a) => {
                from.extend(self.atomic_written[v.index()]);
                if a.writes() {
                    self.atomic_written[v.index()] = Some(me);
                }
            }
            Op::Send(chan, _) if !sim.is_timer(chan) => self.sent[chan.index()].push_back(me),
            Op::Recv(chan) if !sim.is_timer(chan) => self.receive(sim, st, chan, me, &mut from),
            Op::Close(chan) => self.closed[chan.index()] = Some(me),
            Op::Select(_) => {
                let mut alts = Vec::new();
                sim.select_alternatives(st, t, &mut alts);
                if let Some(&Alternative::Case { case, partner }) = alts.get(alternative_of(c)) {
                    let (cases, _) = sim.cases_of(st, t);
                    let SelectCase { chan, send } = cases[usize::from(case)];
                    match (send, partner) {
                        _ if sim.is_timer(chan) => {}
                        // The value passes in this step, to or from a
                        // thread that waits: its next step completes here.
                        (_, Some(u)) => self.completes[usize::from(u)].push(me),
                        (Some(_), None) => self.sent[chan.index()].push_back(me),
                        (None, None) => self.receive(sim, st, chan, me, &mut from),
                    }
                }
            }
            _ => {}
        }
        from.retain(|&(_, u)| u != t);
        let mut steps: Vec<usize> = from.into_iter().map(|(s, _)| s).collect();
        steps.sort_unstable();
        steps.dedup();
        steps
    }

    /// A receive on `chan`: the oldest value sent, or the close.
    fn receive(
        &mut self,
        sim: &Sim<'_>,
        st: &SimState,
        chan: ChanId,
        me: Step,
        from: &mut Vec<Step>,
    ) {
        let (base, capacity) = sim.chan(chan);
        let w = &st.words;
        let has_value = if capacity > 0 {
            w[base + 1] > 0
        } else {
            w[base] == 0
        };
        if has_value {
            if let Some(send) = self.sent[chan.index()].pop_front() {
                from.push(send);
                if capacity == 0 {
                    // The sender was blocked until this receive took it.
                    self.completes[send.1].push(me);
                }
            }
        } else {
            from.extend(self.closed[chan.index()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ProgramBuilder, ScenarioBuilder};
    use crate::sim::replay;

    /// The steps each step synchronises with, along `schedule`.
    fn edges(s: ScenarioBuilder, schedule: &str) -> Vec<Vec<usize>> {
        let run = replay(&s.build().unwrap(), &schedule.parse().unwrap()).unwrap();
        run.steps.into_iter().map(|s| s.synchronizes_with).collect()
    }

    #[test]
    fn an_unlock_comes_before_the_next_lock_and_done_before_wait() {
        let mut s = ScenarioBuilder::new("handoff");
        let mu = s.mutex("mu");
        let x = s.var("x", 0);
        let wg = s.wait_group("wg", 1);
        let mut a = ProgramBuilder::new("a");
        a.lock(mu).store(x, 1).unlock(mu).done(wg);
        let mut b = ProgramBuilder::new("b");
        b.lock(mu).store(x, 2).unlock(mu).wait(wg);
        s.thread(a.build());
        s.thread(b.build());
        // a: lock 1, store 2, unlock 3; b: lock 4; a: done 5; b: store 6,
        // unlock 7, wait 8.
        let e = edges(s, "0.0.0.1.0.1.1.1");
        assert_eq!(e[3], vec![3], "b's lock follows a's unlock");
        assert_eq!(e[7], vec![5], "b's wait follows a's done");
        assert!(e[0].is_empty() && e[1].is_empty() && e[2].is_empty());
    }

    #[test]
    fn a_send_comes_before_its_receive_in_order() {
        let mut s = ScenarioBuilder::new("queue");
        let ch = s.channel("ch", 2);
        let mut p = ProgramBuilder::new("producer");
        p.send(ch, 1).send(ch, 2);
        let mut c = ProgramBuilder::new("consumer");
        let v = c.local("v");
        c.recv(ch, v).recv(ch, v);
        s.thread(p.build());
        s.thread(c.build());
        let e = edges(s, "0.0.1.1");
        assert_eq!(e[2], vec![1]);
        assert_eq!(e[3], vec![2]);
    }
}
