//! Control-flow facts about a program, computed once when it is built: which
//! registers are live where, which instructions run no local statement after
//! them, and how often a wait group can still be signalled.

use super::instr::{Instr, RegDecl};
use crate::model::ids::{MutexId, WaitGroupId};

/// A budget without a bound: a loop may call `Done` again and again, or an
/// `Add` (whose delta may be anything) is still reachable.
pub(super) const UNBOUNDED: u32 = u32::MAX;

/// Where control can go after instruction `pc`; `instrs.len()` is the exit.
pub(super) fn successors(instrs: &[Instr], pc: usize, out: &mut Vec<usize>) {
    out.clear();
    match &instrs[pc] {
        Instr::Jump(t) => out.push(*t),
        Instr::JumpUnless { target, .. } => out.extend([pc + 1, *target]),
        Instr::Select { cases, default } => {
            out.extend(cases.iter().map(|c| c.target));
            out.extend(*default);
        }
        _ => out.push(pc + 1),
    }
}

/// Registers live at each instruction (plus one entry for the exit), as bit
/// masks; ghosts are live everywhere.
pub(super) fn liveness(instrs: &[Instr], regs: &[RegDecl]) -> Vec<u64> {
    let ghosts = regs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.ghost)
        .fold(0u64, |m, (i, _)| m | 1 << i);
    let n = instrs.len();
    let mut live = vec![ghosts; n + 1];
    let mut reads = Vec::new();
    loop {
        let mut changed = false;
        for pc in (0..n).rev() {
            let out = match &instrs[pc] {
                Instr::Jump(t) => live[*t],
                Instr::JumpUnless { target, .. } => live[pc + 1] | live[*target],
                // Each case writes its own registers, then runs its body.
                Instr::Select { cases, default } => {
                    let mut out = default.map_or(0, |d| live[d]);
                    for case in cases {
                        let mut m = live[case.target];
                        for w in case.writes().into_iter().flatten() {
                            m &= !(1 << w.index());
                        }
                        out |= m;
                    }
                    out
                }
                _ => live[pc + 1],
            };
            let mut mask = out;
            for w in instrs[pc].writes().into_iter().flatten() {
                mask &= !(1 << w.index());
            }
            reads.clear();
            instrs[pc].reads(&mut reads);
            for r in &reads {
                mask |= 1 << r.index();
            }
            mask |= ghosts;
            if mask != live[pc] {
                live[pc] = mask;
                changed = true;
            }
        }
        if !changed {
            return live;
        }
    }
}

/// Per instruction: whether, once it has run, the thread rests at its next
/// shared instruction (or its end) without running a local statement, which
/// could write a register or fail.
pub(super) fn quiet_after(instrs: &[Instr]) -> Vec<bool> {
    (0..instrs.len())
        .map(|pc| {
            let mut next = pc + 1;
            // At most one visit per instruction: more is a loop of jumps.
            for _ in 0..=instrs.len() {
                match instrs.get(next) {
                    Some(Instr::Jump(t)) => next = *t,
                    Some(instr) => return instr.is_shared(),
                    None => return true,
                }
            }
            false
        })
        .collect()
}

/// Per instruction (plus the exit): whether a shared instruction (this one
/// included) can still run from there.
pub(super) fn shared_ahead(instrs: &[Instr]) -> Vec<bool> {
    let n = instrs.len();
    let mut ahead = vec![false; n + 1];
    let mut next = Vec::new();
    loop {
        let mut changed = false;
        for pc in (0..n).rev() {
            successors(instrs, pc, &mut next);
            let a = instrs[pc].is_shared() || next.iter().any(|&s| ahead[s]);
            if a && !ahead[pc] {
                ahead[pc] = true;
                changed = true;
            }
        }
        if !changed {
            return ahead;
        }
    }
}

/// Whether the thread does nothing shared once it can call `Done` on the
/// wait group no more: wherever its `budget` is 0, no shared instruction
/// is ahead, so once it has made its last call it only exits.
pub(super) fn exits_after_last_done(budget: &[u32], ahead: &[bool]) -> bool {
    budget.iter().zip(ahead).all(|(&b, &a)| b != 0 || !a)
}

/// Whether every critical section of `m` in the program is *simple*: the
/// thread locks `m` only while it does not hold it, unlocks it only while
/// it does, does nothing shared in between but loads and stores, and
/// never ends holding it. Then the thread that unlocks `m` is always the
/// one that locked it, and a holder always gets to its `Unlock`, so a
/// backend may map `m` to its own mutex, held from `Lock` to `Unlock`.
pub(super) fn simple_critical_sections(instrs: &[Instr], m: MutexId) -> bool {
    const OUT: u8 = 1;
    const IN: u8 = 2;
    let n = instrs.len();
    // Per instruction (plus the exit): whether the thread may arrive there
    // without `m` (OUT) and with it (IN).
    let mut state = vec![0u8; n + 1];
    state[0] = OUT;
    let mut next = Vec::new();
    loop {
        let mut changed = false;
        for pc in 0..n {
            let here = state[pc];
            if here == 0 {
                continue;
            }
            let after = match &instrs[pc] {
                Instr::Lock(l) if *l == m => {
                    if here & IN != 0 {
                        return false;
                    }
                    IN
                }
                Instr::Unlock(l) if *l == m => {
                    if here & OUT != 0 {
                        return false;
                    }
                    OUT
                }
                Instr::Load { .. }
                | Instr::Store { .. }
                | Instr::LoadAt { .. }
                | Instr::StoreAt { .. } => here,
                instr if instr.is_shared() && here & IN != 0 => return false,
                _ => here,
            };
            successors(instrs, pc, &mut next);
            for &s in &next {
                if state[s] | after != state[s] {
                    state[s] |= after;
                    changed = true;
                }
            }
        }
        if !changed {
            return state[n] & IN == 0;
        }
    }
}

/// Per instruction (plus the exit): the most `wg.Done()` calls the thread
/// can still make from there, the instruction itself included, or
/// [`UNBOUNDED`].
pub(super) fn done_budget(instrs: &[Instr], wg: WaitGroupId) -> Vec<u32> {
    let is_done = |i: &Instr| matches!(i, Instr::WgDone(g) if *g == wg);
    let dones = instrs.iter().filter(|i| is_done(i)).count() as u32;
    let n = instrs.len();
    let mut budget = vec![0u32; n + 1];
    for (pc, instr) in instrs.iter().enumerate() {
        if matches!(instr, Instr::WgAdd { wg: g, .. } if *g == wg) {
            budget[pc] = UNBOUNDED;
        }
    }
    let mut next = Vec::new();
    // The least fixed point of "own call + the most after it", found by
    // raising the counts until nothing changes; a count above the number of
    // `Done` statements means a path repeats one, so it can repeat forever.
    loop {
        let mut changed = false;
        for pc in (0..n).rev() {
            successors(instrs, pc, &mut next);
            let after = next.iter().map(|&s| budget[s]).max().unwrap_or(0);
            let mut b = after.saturating_add(u32::from(is_done(&instrs[pc])));
            if b > dones {
                b = UNBOUNDED;
            }
            if b > budget[pc] {
                budget[pc] = b;
                changed = true;
            }
        }
        if !changed {
            return budget;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::machine::Behaviour;
    use crate::model::{ProgramBuilder, VarId};

    const WG: WaitGroupId = WaitGroupId(0);

    fn budget_at_start(p: &crate::model::Program) -> Option<u32> {
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        p.done_budget(&slot, WG)
    }

    #[test]
    fn a_done_budget_counts_the_most_calls_on_any_path() {
        let mut b = ProgramBuilder::new("w");
        let r = b.local("r");
        b.load(r, VarId(0));
        b.if_else(
            r,
            |b| {
                b.done(WG).done(WG);
            },
            |b| {
                b.done(WG);
            },
        );
        b.done(WG);
        assert_eq!(budget_at_start(&b.build()), Some(3));
    }

    #[test]
    fn a_done_in_a_loop_or_a_reachable_add_has_no_budget() {
        let mut looping = ProgramBuilder::new("w");
        looping.repeat("i", 2, |b, _| {
            b.done(WG);
        });
        assert_eq!(budget_at_start(&looping.build()), None);

        let mut adding = ProgramBuilder::new("w");
        adding.done(WG).add(WG, 1);
        assert_eq!(budget_at_start(&adding.build()), None);

        // A loop without a `Done` in it is bounded.
        let mut quiet_loop = ProgramBuilder::new("w");
        quiet_loop.repeat("i", 3, |b, _| {
            b.store(VarId(0), 1);
        });
        quiet_loop.done(WG);
        assert_eq!(budget_at_start(&quiet_loop.build()), Some(1));
    }

    #[test]
    fn a_critical_section_is_simple_only_with_loads_and_stores_inside() {
        const M: MutexId = MutexId(0);
        let simple = |b: ProgramBuilder| simple_critical_sections(&b.build().instrs, M);
        let mut bank = ProgramBuilder::new("w");
        let t = bank.local("t");
        bank.repeat("week", 3, |p, _| {
            p.lock(M).load(t, VarId(0));
            p.set(t, t + 1);
            p.store(VarId(0), t).unlock(M);
        });
        assert!(simple(bank), "the bank's earner");

        let mut waits = ProgramBuilder::new("w");
        waits.lock(M).wait(WG).unlock(M);
        assert!(!simple(waits), "a wait inside");

        let mut stays = ProgramBuilder::new("w");
        stays.lock(M).store(VarId(0), 1);
        assert!(!simple(stays), "ends holding it");

        let mut foreign = ProgramBuilder::new("w");
        foreign.unlock(M);
        assert!(!simple(foreign), "unlocks what it does not hold");

        let mut twice = ProgramBuilder::new("w");
        twice.lock(M).lock(M).unlock(M).unlock(M);
        assert!(!simple(twice), "locks what it holds");

        let mut maybe = ProgramBuilder::new("w");
        let r = maybe.local("r");
        maybe.load(r, VarId(0));
        maybe.if_else(
            r,
            |b| {
                b.lock(M);
            },
            |_| {},
        );
        maybe.unlock(M);
        assert!(!simple(maybe), "unlocks on a path where it did not lock");

        let mut none = ProgramBuilder::new("w");
        none.wait(WG);
        assert!(simple(none), "never touches it");
    }

    #[test]
    fn a_thread_exits_after_its_last_done_only_if_nothing_shared_follows() {
        let facts = |b: ProgramBuilder| {
            let p = b.build();
            let ahead = shared_ahead(&p.instrs);
            exits_after_last_done(&done_budget(&p.instrs, WG), &ahead)
        };
        let mut last = ProgramBuilder::new("w");
        let g = last.ghost("g");
        last.store(VarId(0), 1).done(WG).set(g, 1);
        assert!(facts(last), "only local code after the Done");

        let mut more = ProgramBuilder::new("w");
        more.done(WG).store(VarId(0), 1);
        assert!(!facts(more), "a store after the last Done");

        let mut none = ProgramBuilder::new("w");
        none.store(VarId(0), 1);
        assert!(!facts(none), "shared code and no Done at all");

        let mut branch = ProgramBuilder::new("w");
        let r = branch.local("r");
        branch.load(r, VarId(0));
        branch.if_else(
            r,
            |b| {
                b.done(WG);
            },
            |b| {
                b.store(VarId(0), 2);
            },
        );
        assert!(
            !facts(branch),
            "a path without a Done goes on after it could have"
        );
    }

    #[test]
    fn a_done_followed_by_local_code_is_not_quiet() {
        let mut b = ProgramBuilder::new("w");
        let g = b.ghost("g");
        b.done(WG);
        b.set(g, 1);
        b.done(WG);
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        assert_eq!(p.quiet_done(&slot), None, "a ghost is written after it");
        p.resume(&mut slot, crate::model::OpResult::Done).unwrap();
        assert_eq!(p.quiet_done(&slot), Some(WG), "the last statement");
    }
}
