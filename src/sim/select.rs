//! Selects: which ways a pending `select` can go (each ready case, once
//! per partner on an unbuffered channel, or `default`), and taking one.

use super::state::{Alternative, SimState};
use super::step::Sim;
use crate::model::{ChanId, Fault, Op, OpResult, SelectCase};

impl Sim<'_> {
    /// Kept out of line: selects are rare, and `enabled` is on the
    /// explorer's hottest path.
    #[cold]
    #[inline(never)]
    pub(super) fn select_enabled(&self, st: &SimState, t: usize) -> bool {
        let mut alts = self.alternatives.borrow_mut();
        self.select_alternatives(st, t, &mut alts);
        !alts.is_empty()
    }

    /// Whether thread `t` can receive on `c` now: a value (or another
    /// thread's offer) is there, or the channel is closed.
    #[inline]
    pub(super) fn can_receive(&self, w: &[i64], c: ChanId, t: usize) -> bool {
        let (base, cap) = self.chan(c);
        if self.is_timer(c) {
            w[base] == 1
        } else if cap > 0 {
            w[base + 1] > 0 || w[base] != 0
        } else {
            w[base] != 0 || (w[base + 1] != 0 && w[base + 1] != t as i64 + 1)
        }
    }

    /// The cases of thread `u`'s pending select, and whether it has a
    /// `default`; none when `u` is not at a select.
    pub(super) fn cases_of(&self, st: &SimState, u: usize) -> (Vec<SelectCase>, bool) {
        let mut cases = Vec::new();
        let slot = &st.words[self.slot_range(u)];
        let has_default = self.sc.threads[u].behaviour.select_cases(slot, &mut cases);
        (cases, has_default)
    }

    /// Whether thread `u` waits to receive on unbuffered channel `c`: at a
    /// receive (`Some(None)`), or at a select without `default` with a
    /// receive case on `c` (`Some(Some(case))`).
    pub(super) fn waits_to_receive(
        &self,
        st: &SimState,
        u: usize,
        c: ChanId,
    ) -> Option<Option<u16>> {
        match st.pending[u] {
            Op::Recv(d) if d == c => Some(None),
            Op::Select(_) => {
                let (cases, has_default) = self.cases_of(st, u);
                if has_default {
                    return None;
                }
                cases
                    .iter()
                    .position(|k| k.chan == c && k.send.is_none())
                    .map(|i| Some(i as u16))
            }
            _ => None,
        }
    }

    /// Whether thread `u` waits at a select without `default` to send on
    /// `c`: its case and the value. (A plain send waits by making an offer.)
    pub(super) fn waits_to_send(&self, st: &SimState, u: usize, c: ChanId) -> Option<(u16, i64)> {
        let Op::Select(_) = st.pending[u] else {
            return None;
        };
        let (cases, has_default) = self.cases_of(st, u);
        if has_default {
            return None;
        }
        cases.iter().enumerate().find_map(|(i, k)| match k.send {
            Some(x) if k.chan == c => Some((i as u16, x)),
            _ => None,
        })
    }

    /// The ways thread `t`'s pending select can proceed, in a fixed order:
    /// its ready cases in declaration order (an unbuffered one once per
    /// partner), then `default` if it has one and no case is sure to be
    /// ready.
    ///
    /// A partner found through its pending operation may not have reached
    /// it yet in Go (its local code can be slow), so such a case does not
    /// rule out `default`; a buffer, a close or an offer is certain.
    ///
    /// A receive case on a timer's channel is ready when the timer is due,
    /// or (without `default`) when it is the nearest deadline and no
    /// thread can move without the clock.
    pub(crate) fn select_alternatives(&self, st: &SimState, t: usize, out: &mut Vec<Alternative>) {
        self.select_ways(st, t, out, true);
    }

    /// [`Sim::select_alternatives`], leaving out the cases that need the
    /// clock to move unless `with_time`.
    pub(super) fn select_ways(
        &self,
        st: &SimState,
        t: usize,
        out: &mut Vec<Alternative>,
        with_time: bool,
    ) {
        out.clear();
        let (cases, has_default) = self.cases_of(st, t);
        let w = &st.words;
        let mut certain = false;
        let others = (0..st.pending.len()).filter(|&u| u != t);
        for (i, case) in cases.iter().enumerate() {
            let (base, cap) = self.chan(case.chan);
            let case_index = i as u16;
            let sure = Alternative::Case {
                case: case_index,
                partner: None,
            };
            let with = |u: usize| Alternative::Case {
                case: case_index,
                partner: Some(u as u16),
            };
            let before = out.len();
            match case.send {
                None if self.can_receive(w, case.chan, t) => out.push(sure),
                None if cap == 0 && has_default => {
                    // A select that waits is found by the sender's side.
                    for u in others.clone() {
                        if self.waits_to_send(st, u, case.chan).is_some() {
                            out.push(with(u));
                        }
                    }
                    continue;
                }
                None => {}
                // Sending on a closed channel is ready: it panics.
                Some(_) if w[base] != 0 => out.push(sure),
                Some(_) if cap > 0 && (w[base + 1] as usize) < cap => out.push(sure),
                Some(_) if cap > 0 => {}
                Some(_) => {
                    for u in others.clone() {
                        if self.waits_to_receive(st, u, case.chan).is_some() {
                            out.push(with(u));
                        }
                    }
                    continue;
                }
            }
            certain |= out.len() > before;
        }
        if has_default && !certain {
            out.push(Alternative::Default);
        }
        if with_time && out.is_empty() && !has_default && self.sc.layout.timer_base.is_some() {
            self.timer_cases(st, &cases, out);
        }
    }

    pub(super) fn step_select(
        &self,
        st: &mut SimState,
        t: usize,
        k: usize,
    ) -> Result<Option<usize>, (u16, Fault)> {
        let alternative = {
            let mut alts = self.alternatives.borrow_mut();
            self.select_alternatives(st, t, &mut alts);
            *alts.get(k).expect("only an offered alternative is taken")
        };
        let Alternative::Case { case, partner } = alternative else {
            let result = OpResult::Selected {
                case: None,
                value: 0,
                ok: false,
            };
            return self.resume(st, t, result).map(|()| None);
        };
        let (cases, _) = self.cases_of(st, t);
        let SelectCase { chan, send } = cases[usize::from(case)];
        let (base, cap) = self.chan(chan);
        let selected = |value, ok| OpResult::Selected {
            case: Some(case),
            value,
            ok,
        };
        match (send, partner) {
            (None, Some(u)) => {
                // Straight from a select waiting to send.
                let u = usize::from(u);
                let (its_case, value) = self
                    .waits_to_send(st, u, chan)
                    .expect("the sender was waiting when the alternative was made");
                self.resume(st, t, selected(value, true))?;
                let sent = OpResult::Selected {
                    case: Some(its_case),
                    value: 0,
                    ok: true,
                };
                self.resume(st, u, sent)?;
                Ok(Some(u))
            }
            (None, None) => {
                let (value, ok, sender) = self.take(&mut st.words, chan);
                self.resume(st, t, selected(value, ok))?;
                if let Some(sender) = sender {
                    self.resume(st, sender, OpResult::Done)?;
                }
                Ok(sender)
            }
            (Some(_), _) if st.words[base] != 0 => {
                Err((t as u16, Fault::panic("panic: send on closed channel")))
            }
            (Some(x), None) => {
                debug_assert!(cap > 0, "an unbuffered send case has a partner");
                let w = &mut st.words;
                let len = w[base + 1] as usize;
                w[base + 2 + len] = x;
                w[base + 1] += 1;
                self.resume(st, t, selected(0, true))?;
                Ok(None)
            }
            (Some(x), Some(u)) => {
                let u = usize::from(u);
                let delivered = match self.waits_to_receive(st, u, chan) {
                    Some(None) => OpResult::Received { value: x, ok: true },
                    Some(Some(its_case)) => OpResult::Selected {
                        case: Some(its_case),
                        value: x,
                        ok: true,
                    },
                    None => unreachable!("the receiver was waiting when the alternative was made"),
                };
                self.resume(st, t, selected(0, true))?;
                self.resume(st, u, delivered)?;
                Ok(Some(u))
            }
        }
    }
}
