//! Programs: Go-like straight-line code compiled into a thread state
//! machine (a program counter and registers).
//!
//! `builder.rs` takes the statements, `instr.rs` holds what they compile
//! to, `flow.rs` computes the control-flow facts the engines' reductions
//! use, and `run.rs` runs a compiled program.

mod builder;
mod control;
mod flow;
pub(crate) mod footprint;
mod instr;
mod run;

pub use builder::{MAX_REGISTERS, ProgramBuilder};
pub use control::SelectBuilder;
pub use run::Program;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::machine::{Behaviour, FaultKind};
    use crate::model::{Expr, MutexId, Op, OpResult, VarId};

    fn run_alone(p: &Program, results: impl Fn(&Op) -> OpResult) -> (Vec<Op>, Vec<i64>) {
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        let mut ops = Vec::new();
        loop {
            let op = p.pending(&slot);
            ops.push(op);
            if op == Op::Exit {
                return (ops, slot);
            }
            p.resume(&mut slot, results(&op)).unwrap();
        }
    }

    #[test]
    fn a_loop_runs_its_body_the_given_number_of_times() {
        let mut b = ProgramBuilder::new("w");
        let temp = b.local("temp");
        b.repeat("week", 3, |b, _| {
            b.load(temp, VarId(0));
            b.set(temp, temp + 5);
            b.store(VarId(0), temp);
        });
        let p = b.build();
        let (ops, _) = run_alone(&p, |_| OpResult::Value(10));
        assert_eq!(
            ops,
            vec![
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Load(VarId(0)),
                Op::Store(VarId(0), 15),
                Op::Exit
            ]
        );
    }

    #[test]
    fn dead_registers_are_forgotten_and_ghosts_kept() {
        let mut b = ProgramBuilder::new("w");
        let temp = b.local("temp");
        let deposits = b.ghost("deposits");
        b.load(temp, VarId(0));
        b.store(VarId(0), temp);
        b.set(deposits, deposits + 1);
        b.lock(MutexId(0));
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        p.resume(&mut slot, OpResult::Value(42)).unwrap();
        assert_eq!(slot[1], 42, "temp is live before the store");
        p.resume(&mut slot, OpResult::Done).unwrap();
        assert_eq!(p.pending(&slot), Op::Lock(MutexId(0)));
        assert_eq!(slot[1], 0, "temp is dead after the store");
        assert_eq!(slot[2], 1, "the ghost is kept");
    }

    #[test]
    fn conditions_and_assertions() {
        let mut b = ProgramBuilder::new("t");
        let m = b.local("m");
        b.load(m, VarId(0));
        b.if_else(
            Expr::from(m).equals(2),
            |b| {
                b.store(VarId(1), 1);
            },
            |b| {
                b.store(VarId(1), 2);
            },
        );
        b.assert(Expr::from(m).equals(2), "message is cosmos");
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        p.resume(&mut slot, OpResult::Value(1)).unwrap();
        assert_eq!(p.pending(&slot), Op::Store(VarId(1), 2));
        let fault = p.resume(&mut slot, OpResult::Done).unwrap_err();
        assert_eq!(fault.kind, FaultKind::Assertion);
        assert_eq!(fault.message, "message is cosmos (`assert(m == 2)`)");
    }

    #[test]
    fn an_endless_local_loop_is_a_fault_not_a_hang() {
        let mut b = ProgramBuilder::new("spin");
        b.while_(1, |_| {});
        let p = b.build();
        let mut slot = vec![0; p.width()];
        let fault = p.start(&mut slot).unwrap_err();
        assert!(fault.message.contains("infinite loop"), "{}", fault.message);
    }

    #[test]
    fn overflow_is_a_panic_naming_the_statement() {
        let mut b = ProgramBuilder::new("o");
        let x = b.local("x");
        b.load(x, VarId(0));
        b.set(x, x + 1);
        b.store(VarId(0), x);
        let p = b.build();
        let mut slot = vec![0; p.width()];
        p.start(&mut slot).unwrap();
        let fault = p.resume(&mut slot, OpResult::Value(i64::MAX)).unwrap_err();
        assert_eq!(fault.kind, FaultKind::Panic);
        assert!(
            fault.message.contains("at `x = x + 1`"),
            "{}",
            fault.message
        );
    }
}
