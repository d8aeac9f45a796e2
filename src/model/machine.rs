//! The thread state-machine trait, and the crate-private form every thread
//! takes inside the engines.

use std::any::Any;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, Once};

use super::ids::{ChanId, WaitGroupId};
use super::names::Names;
use super::op::{Op, OpResult};

/// A thread written by hand as a state machine.
///
/// Most scenarios are written with [`ProgramBuilder`](crate::ProgramBuilder),
/// which compiles Go-like code into a state machine; implement this trait when
/// a thread is easier to say directly. The state is plain data: the explorer
/// hashes and compares it to recognise states it has seen.
///
/// A step is: the harness asks [`next_op`](ThreadMachine::next_op) for the
/// operation the thread wants, runs it when the scheduler picks the thread, and
/// hands its result to [`resume`](ThreadMachine::resume), which does any local
/// computation up to the next operation. A panic in any of these methods is
/// reported as a failure of the scenario, with its trace.
///
/// ```
/// use interleave::{Op, OpResult, ScenarioBuilder, ThreadMachine, VarId};
///
/// /// Reads a counter and writes it back plus one: the lost-update pattern.
/// struct Incrementer { counter: VarId }
///
/// #[derive(Clone, Debug, Hash, PartialEq, Eq)]
/// enum Step { Read, Write(i64), Done }
///
/// impl ThreadMachine for Incrementer {
///     type State = Step;
///     fn start(&self) -> Step { Step::Read }
///     fn next_op(&self, state: &Step) -> Op {
///         match state {
///             Step::Read => Op::Load(self.counter),
///             Step::Write(v) => Op::Store(self.counter, v + 1),
///             Step::Done => Op::Exit,
///         }
///     }
///     fn resume(&self, state: &mut Step, result: OpResult) {
///         *state = match (&*state, result) {
///             (Step::Read, OpResult::Value(v)) => Step::Write(v),
///             _ => Step::Done,
///         };
///     }
/// }
///
/// let mut s = ScenarioBuilder::new("counter/unsync");
/// let counter = s.var("counter", 0);
/// s.machine("a", Incrementer { counter });
/// s.machine("b", Incrementer { counter });
/// s.at_end("both increments count", move |v| {
///     if v.var(counter) == 2 { Ok(()) } else { Err(format!("counter is {}", v.var(counter))) }
/// });
/// let scenario = s.build().unwrap();
/// let result = interleave::explore(&scenario, &interleave::ExploreConfig::default());
/// assert!(result.is_violated());
/// ```
pub trait ThreadMachine: Send + Sync + 'static {
    /// The thread's local state.
    type State: Clone + Hash + Eq + Debug + Send + Sync + 'static;

    /// The state before the first operation.
    fn start(&self) -> Self::State;

    /// The operation the thread performs next; [`Op::Exit`] once it is done.
    fn next_op(&self, state: &Self::State) -> Op;

    /// Takes the result of the operation just performed and advances the state.
    fn resume(&self, state: &mut Self::State, result: OpResult);
}

/// Why a thread stopped in the middle of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// A runtime panic: Rust panic in the scenario's code, an arithmetic
    /// overflow, or a Go runtime error such as a negative wait-group counter.
    Panic,
    /// A failed `assert` of a program.
    Assertion,
}

impl Fault {
    pub fn panic(message: impl Into<String>) -> Self {
        Fault {
            kind: FaultKind::Panic,
            message: message.into(),
        }
    }
}

/// The form every thread takes inside the engines: its state is a fixed-width
/// slot of words in the global state vector, so global states hash and store
/// compactly whatever the thread is.
pub(crate) trait Behaviour: Send + Sync {
    fn width(&self) -> usize;
    /// Fills the slot with the state before the first operation.
    fn start(&self, slot: &mut [i64]) -> Result<(), Fault>;
    fn pending(&self, slot: &[i64]) -> Op;
    fn resume(&self, slot: &mut [i64], result: OpResult) -> Result<(), Fault>;
    /// The line of code the pending operation executes.
    fn code_line(&self, slot: &[i64], names: &Names) -> String;
    /// The cases of the pending [`Op::Select`], in declaration order, and
    /// whether it has a `default` branch. Only programs make selects.
    fn select_cases(&self, _slot: &[i64], out: &mut Vec<SelectCase>) -> bool {
        out.clear();
        false
    }
    /// Whether the thread has a `select` anywhere.
    /// Whether it may call `time.Sleep` (only programs can: the clock
    /// keeps each sleeper's deadline in a word of its own).
    fn sleeps(&self) -> bool {
        false
    }
    fn has_select(&self) -> bool {
        false
    }
    /// The source text of case `case` of the pending select.
    fn case_line(&self, slot: &[i64], _case: Option<u16>, names: &Names) -> String {
        self.code_line(slot, names)
    }
    /// The wait group whose `Done` the pending operation is, when nothing
    /// local runs after it (no register changes, nothing can fail); such a
    /// step is invisible to invariants, which the explorer exploits.
    fn quiet_done(&self, _slot: &[i64]) -> Option<WaitGroupId> {
        None
    }
    /// The most `Done` calls on `wg` the thread can still make, or `None`
    /// when that is unbounded or unknown (hand-written machines).
    fn done_budget(&self, _slot: &[i64], _wg: WaitGroupId) -> Option<u32> {
        None
    }
    /// Whether every critical section of mutex `m` in the thread is simple
    /// (see `program::flow::simple_critical_sections`); false when unknown.
    fn simple_critical_sections(&self, _m: super::ids::MutexId) -> bool {
        false
    }
    /// Whether the thread does nothing shared after its last `Done` on
    /// `wg` (it only exits); false when unknown.
    fn exits_after_last_done(&self, _wg: WaitGroupId) -> bool {
        false
    }
    /// The largest value the slot's first word takes, when known (a
    /// program's counter): the explorer sizes its packing by it.
    fn first_word_bound(&self) -> Option<i64> {
        None
    }
    fn as_any(&self) -> &dyn Any;
}

/// One case of a `select`: a send of `send`'s value, or a receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SelectCase {
    pub chan: ChanId,
    pub send: Option<i64>,
}

thread_local! {
    static IN_SCENARIO_CODE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs scenario code, turning a panic into a [`Fault`] without printing it.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, Fault> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_SCENARIO_CODE.with(|c| c.get()) {
                previous(info);
            }
        }));
    });
    let was = IN_SCENARIO_CODE.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_SCENARIO_CODE.with(|c| c.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_string());
        Fault::panic(message)
    })
}

struct Interner<S> {
    states: Vec<(S, Op)>,
    index: HashMap<S, u32>,
}

/// A [`ThreadMachine`] in the engines' form: each distinct state is interned
/// once, and the slot holds its number.
pub(crate) struct MachineThread<M: ThreadMachine> {
    machine: M,
    interner: Mutex<Interner<M::State>>,
}

impl<M: ThreadMachine> MachineThread<M> {
    pub fn new(machine: M) -> Self {
        MachineThread {
            machine,
            interner: Mutex::new(Interner {
                states: Vec::new(),
                index: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Interner<M::State>> {
        // A panic while the lock is held can only come from our own code;
        // the interner is append-only, so a poisoned one is still consistent.
        self.interner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn intern(&self, state: M::State) -> Result<i64, Fault> {
        if let Some(&id) = self.lock().index.get(&state) {
            return Ok(i64::from(id));
        }
        let op = guarded(|| self.machine.next_op(&state))?;
        let mut interner = self.lock();
        let id = interner.states.len() as u32;
        interner.index.insert(state.clone(), id);
        interner.states.push((state, op));
        Ok(i64::from(id))
    }

    /// The machine's own state behind a slot.
    pub fn state(&self, slot: &[i64]) -> M::State {
        self.lock().states[slot[0] as usize].0.clone()
    }
}

impl<M: ThreadMachine> Behaviour for MachineThread<M> {
    fn width(&self) -> usize {
        1
    }

    fn start(&self, slot: &mut [i64]) -> Result<(), Fault> {
        let state = guarded(|| self.machine.start())?;
        slot[0] = self.intern(state)?;
        Ok(())
    }

    fn pending(&self, slot: &[i64]) -> Op {
        self.lock().states[slot[0] as usize].1
    }

    fn resume(&self, slot: &mut [i64], result: OpResult) -> Result<(), Fault> {
        let mut state = self.state(slot);
        guarded(|| self.machine.resume(&mut state, result))?;
        slot[0] = self.intern(state)?;
        Ok(())
    }

    fn code_line(&self, slot: &[i64], names: &Names) -> String {
        names.render_op(&self.pending(slot))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_turns_a_panic_into_a_fault() {
        let fault = guarded(|| -> i32 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(fault, Fault::panic("boom 7"));
        assert_eq!(guarded(|| 3), Ok(3));
    }
}
