//! Scenarios: resources declared up front, one state machine per thread, and
//! the properties to check.

use std::fmt;
use std::sync::Arc;

use super::ids::{
    ChanId, CondId, Declared, MAX_RESOURCES, MutexId, OnceId, Reg, RwMutexId, ThreadId, VarArray,
    VarId, WaitGroupId, next_tag,
};
use super::machine::{Behaviour, Fault, MachineThread, ThreadMachine, guarded};
use super::names::{ChanDecl, CondDecl, Names, VarDecl};
use super::program::Program;
use crate::error::{Error, ErrorKind};

mod layout;
mod outcome;
mod thread;
mod validate;

pub use outcome::{Outcome, OutcomeValue};

pub(crate) use layout::Layout;
pub(crate) use thread::ThreadDecl;

pub(crate) use validate::MAX_ALTERNATIVES;
use validate::{Declarations, LOCAL_READ, MAX_STATE_WORDS, Observed, ghost_needed};

type Check = Arc<dyn Fn(&StateView<'_>) -> Result<(), String> + Send + Sync>;

/// What a coverage goal's check says when its state is reached (anything
/// else it says is its predicate's panic).
pub(crate) const GOAL_REACHED: &str = "reached";

/// When an invariant is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// In every reachable state, so a violation is caught the moment it happens.
    Always,
    /// In every final state (all threads exited).
    AtEnd,
    /// A coverage goal: some reachable state should satisfy it (see
    /// [`ScenarioBuilder::sometimes`]).
    Sometimes,
}

/// A named predicate over scenario states.
#[derive(Clone)]
pub struct Invariant {
    pub(crate) name: String,
    pub(crate) scope: Scope,
    pub(crate) check: Check,
}

impl fmt::Debug for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invariant")
            .field("name", &self.name)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// What a final outcome is made of.
#[derive(Clone, Debug)]
enum Observe {
    Var(VarId),
    Reg {
        thread: ThreadId,
        reg: Reg,
        name: String,
    },
}

/// A complete scenario: resources, threads and the properties to check.
///
/// Build one with [`ScenarioBuilder`]; check it with [`explore`](crate::explore()).
#[derive(Clone)]
#[must_use]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) names: Names,
    pub(crate) wg_init: Vec<i64>,
    pub(crate) threads: Vec<ThreadDecl>,
    /// Per thread, when it is a [`Program`]: where its registers start in
    /// the state, and which of them invariants may read.
    registers: Vec<Option<Registers>>,
    pub(crate) invariants: Vec<Invariant>,
    /// The indices of the `Always` and of the `AtEnd` invariants.
    scoped: [Vec<usize>; 3],
    pub(crate) deterministic: bool,
    observe: Vec<Observe>,
    pub(crate) layout: Layout,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("threads", &self.names.threads)
            .field("invariants", &self.invariants)
            .field("deterministic", &self.deterministic)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// The scenario's name, such as `bank/mutex`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Names of its resources and threads.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The indices of its invariants of `scope`, in declaration order.
    pub(crate) fn invariants_of(&self, scope: Scope) -> &[usize] {
        match scope {
            Scope::Always => &self.scoped[0],
            Scope::AtEnd => &self.scoped[1],
            Scope::Sometimes => &self.scoped[2],
        }
    }

    /// How many threads it runs.
    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    /// The words of the initial state: every variable and wait group at its
    /// initial value, every thread started; or the thread whose start
    /// failed, and how.
    pub(crate) fn initial_words(&self) -> Result<Vec<i64>, (u16, Fault)> {
        let layout = &self.layout;
        let mut words = vec![0; layout.width];
        for (v, decl) in self.names.vars.iter().enumerate() {
            words[layout.var_base + v] = decl.init;
        }
        for (w, &count) in self.wg_init.iter().enumerate() {
            words[layout.wg_base + w] = count;
        }
        for (t, thread) in self.threads.iter().enumerate() {
            let slot = &mut words[layout.slot(t)];
            thread.behaviour.start(slot).map_err(|f| (t as u16, f))?;
            if thread.program.is_none() {
                thread
                    .checked(thread.behaviour.pending(slot))
                    .map_err(|f| (t as u16, f))?;
            }
        }
        Ok(words)
    }

    /// An invariant that reads a local register in the initial state: the
    /// mistake `StateView::reg` reports when it happens, found here before
    /// any search (an invariant that reads one only later still fails
    /// then, with that message).
    fn local_read_at_start(&self) -> Option<String> {
        let words = self.initial_words().ok()?;
        self.invariants.iter().find_map(|invariant| {
            LOCAL_READ.with(|r| r.take());
            let view = StateView::new(self, &words);
            let _ = guarded(|| (invariant.check)(&view));
            LOCAL_READ
                .with(|r| r.take())
                .map(|why| format!("invariant `{}`: {why}", invariant.name))
        })
    }

    /// Whether its states may form a cycle: some thread is a hand-written
    /// machine, or a program with a loop that may run for ever (see
    /// [`Program::may_loop`]).
    pub(crate) fn may_cycle(&self) -> bool {
        self.threads
            .iter()
            .any(|t| t.program.as_ref().is_none_or(|p| p.may_loop()))
    }

    /// Its invariants, in declaration order.
    pub fn invariants(&self) -> &[Invariant] {
        &self.invariants
    }

    /// Whether it claims exactly one reachable final outcome.
    pub fn is_deterministic(&self) -> bool {
        self.deterministic
    }

    /// Whether some thread has a `select`.
    /// Whether some invariant must hold in every state.
    pub(crate) fn has_always_invariant(&self) -> bool {
        self.invariants.iter().any(|i| i.scope != Scope::AtEnd)
    }

    /// Its coverage goals' names, in declaration order.
    pub(crate) fn goals(&self) -> impl Iterator<Item = &str> {
        self.invariants_of(Scope::Sometimes)
            .iter()
            .map(|&i| self.invariants[i].name.as_str())
    }

    pub(crate) fn has_select(&self) -> bool {
        self.threads.iter().any(|t| t.behaviour.has_select())
    }

    /// Whether a threaded backend must put every operation on one
    /// resource: with a `select`, a condition variable or a clock, whether
    /// one thread can move depends on where the others stand (a select's
    /// partner, the threads a `Signal` can wake, the clock moving only
    /// when nobody else can).
    pub(crate) fn one_resource(&self) -> bool {
        self.has_select() || !self.names.conds.is_empty() || self.layout.timer_base.is_some()
    }

    pub(crate) fn thread_slot<'a>(&self, words: &'a [i64], t: usize) -> &'a [i64] {
        &words[self.layout.slot(t)]
    }

    /// The raw observed values of a final state, for counting outcomes.
    pub(crate) fn outcome_key(&self, words: &[i64]) -> Vec<i64> {
        let view = StateView::new(self, words);
        self.observe
            .iter()
            .map(|o| match o {
                Observe::Var(v) => view.var(*v),
                Observe::Reg { thread, reg, .. } => view.reg(*thread, *reg),
            })
            .collect()
    }

    /// The observed values of a final state.
    pub(crate) fn outcome(&self, words: &[i64]) -> Outcome {
        self.outcome_of_key(self.outcome_key(words))
    }

    /// The observed values, from [`Scenario::outcome_key`].
    pub(crate) fn outcome_of_key(&self, key: Vec<i64>) -> Outcome {
        let values = self
            .observe
            .iter()
            .zip(key)
            .map(|(o, value)| match o {
                Observe::Var(v) => OutcomeValue {
                    name: self.names.var(*v).to_string(),
                    value,
                    text: self.names.value(*v, value),
                },
                Observe::Reg { name, .. } => OutcomeValue {
                    name: name.clone(),
                    value,
                    text: value.to_string(),
                },
            })
            .collect();
        Outcome { values }
    }
}

/// Where a [`Program`] thread's registers start in the state, and which
/// of them are ghosts (bit `i` for register `i`): the ones an invariant may
/// read.
#[derive(Clone, Copy, Debug)]
struct Registers {
    base: usize,
    ghosts: u64,
}

/// A read-only view of one global state, handed to invariants.
///
/// An invariant must be a pure function of what it reads through the view:
/// the explorer reuses its last result while the words it read are unchanged.
/// The view shows data (variables, registers, hand-written machines' states,
/// mutex holders) but not where a program is or a wait group's counter, so
/// the explorer may run a final `wg.Done()` early without an invariant
/// seeing the difference.
#[derive(Clone, Copy)]
pub struct StateView<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) words: &'a [i64],
    /// Where to note the words read, so a result can be reused while they
    /// are unchanged (invariants are pure functions of what they read).
    pub(crate) reads: Option<&'a std::cell::RefCell<Vec<u32>>>,
}

impl<'a> StateView<'a> {
    pub(crate) fn new(scenario: &'a Scenario, words: &'a [i64]) -> Self {
        StateView {
            scenario,
            words,
            reads: None,
        }
    }

    #[inline]
    fn note(&self, words: std::ops::Range<usize>) {
        if let Some(reads) = self.reads {
            let mut reads = reads.borrow_mut();
            for w in words {
                reads.push(w as u32);
            }
        }
    }

    /// A shared variable's value.
    pub fn var(&self, v: VarId) -> i64 {
        let w = self.scenario.layout.var_base + v.index();
        self.note(w..w + 1);
        self.words[w]
    }

    /// A register of a [`Program`] thread. Read [ghosts](crate::ProgramBuilder::ghost):
    /// a local is 0 wherever the program no longer reads it.
    ///
    /// # Panics
    ///
    /// When the thread is not a `Program` (the panic is reported as a failure
    /// of the invariant, with its trace).
    pub fn reg(&self, thread: ThreadId, reg: Reg) -> i64 {
        let i = reg.index();
        if let Some(Some(r)) = self.scenario.registers.get(thread.index())
            && i < 64
            && r.ghosts & (1 << i) != 0
        {
            let w = r.base + i;
            self.note(w..w + 1);
            return self.words[w];
        }
        self.refuse_reg(thread, reg)
    }

    /// Why [`StateView::reg`] cannot read `reg`, as a panic.
    #[cold]
    #[inline(never)]
    fn refuse_reg(&self, thread: ThreadId, reg: Reg) -> ! {
        if self.scenario.registers[thread.index()].is_none() {
            panic!(
                "thread `{}` is not a Program; use StateView::machine_state",
                self.scenario.names.thread(thread)
            );
        }
        let program = (self.scenario.threads[thread.index()].program.as_ref())
            .expect("a thread with registers is a Program");
        if !program.has_register(reg) {
            panic!(
                "register #{} is not one of thread `{}`'s (a register of another program?)",
                reg.index(),
                program.name()
            );
        }
        let why = ghost_needed(program, reg, "it");
        LOCAL_READ.with(|r| r.replace(Some(why.clone())));
        panic!("{why}");
    }

    /// The local state of a hand-written [`ThreadMachine`] thread, or `None`
    /// when the thread is not of type `M`.
    pub fn machine_state<M: ThreadMachine>(&self, thread: ThreadId) -> Option<M::State> {
        let t = thread.index();
        let machine = self.scenario.threads[t]
            .behaviour
            .as_any()
            .downcast_ref::<MachineThread<M>>()?;
        self.note(self.scenario.layout.slot(t));
        Some(machine.state(self.scenario.thread_slot(self.words, t)))
    }

    /// The thread holding a mutex, if any.
    pub fn holder(&self, mutex: MutexId) -> Option<ThreadId> {
        let i = self.scenario.layout.mutex_base + mutex.index();
        self.note(i..i + 1);
        let w = self.words[i];
        (w > 0).then(|| ThreadId((w - 1) as u32))
    }
}

/// Declares a scenario's resources, threads and properties.
///
/// See [`ProgramBuilder`](crate::ProgramBuilder) for a complete example.
#[derive(Clone)]
#[must_use]
pub struct ScenarioBuilder {
    name: String,
    names: Names,
    wg_init: Vec<i64>,
    threads: Vec<ThreadDecl>,
    invariants: Vec<Invariant>,
    deterministic: bool,
    observe: Vec<Observe>,
    /// Marks the ids this builder hands out (see `ids.rs`).
    tag: u32,
    /// Mistakes found as declarations were made, reported by `build`.
    mistakes: Vec<String>,
}

impl ScenarioBuilder {
    /// Starts a scenario of this name (for example `bank/mutex`).
    pub fn new(name: impl Into<String>) -> Self {
        ScenarioBuilder {
            name: name.into(),
            names: Names::default(),
            wg_init: Vec::new(),
            threads: Vec::new(),
            invariants: Vec::new(),
            deterministic: false,
            observe: Vec::new(),
            tag: next_tag(),
            mistakes: Vec::new(),
        }
    }

    /// The id of the next resource of a kind that has `count` already,
    /// noting a mistake when there are more than an id can number.
    fn next_index(&mut self, count: usize, kind: &str) -> usize {
        if count >= MAX_RESOURCES {
            self.mistakes.push(format!(
                "scenario `{}` declares more than {MAX_RESOURCES} {kind}",
                self.name
            ));
        }
        count
    }

    /// Declares a shared integer variable with its initial value.
    pub fn var(&mut self, name: impl Into<String>, init: i64) -> VarId {
        self.names.vars.push(VarDecl {
            name: name.into(),
            init,
            labels: Vec::new(),
        });
        let index = self.next_index(self.names.vars.len() - 1, "variables");
        VarId::tagged(index, self.tag)
    }

    /// Declares an array of `len` shared variables, `name[0]` to
    /// `name[len-1]`, each starting at `init` (Go's `var name [len]int64`).
    pub fn array(&mut self, name: impl Into<String>, len: usize, init: i64) -> VarArray {
        let name = name.into();
        if len == 0 {
            self.mistakes.push(format!(
                "array `{name}` of scenario `{}` has length 0; give it at least one element",
                self.name
            ));
        }
        if len > MAX_STATE_WORDS {
            self.mistakes.push(format!(
                "array `{name}` of scenario `{}` has {len} elements; a stored state holds at most {MAX_STATE_WORDS} words: make it shorter",
                self.name
            ));
        }
        let len = len.clamp(1, MAX_STATE_WORDS);
        let first = self.var(format!("{name}[0]"), init);
        for i in 1..len {
            self.var(format!("{name}[{i}]"), init);
        }
        VarArray { first, len }
    }

    /// Names a value of a variable, so traces print `"Hello, cosmos!"` rather than 2.
    pub fn label(&mut self, var: VarId, value: i64, label: impl Into<String>) -> &mut Self {
        match self.names.vars.get_mut(var.index()) {
            Some(decl) if var.tag() == self.tag => decl.labels.push((value, label.into())),
            _ => self.mistakes.push(format!(
                "scenario `{}` labels variable #{}, which it does not declare (an id from another ScenarioBuilder?)",
                self.name,
                var.index()
            )),
        }
        self
    }

    /// Declares a mutex.
    pub fn mutex(&mut self, name: impl Into<String>) -> MutexId {
        self.names.mutexes.push(name.into());
        let index = self.next_index(self.names.mutexes.len() - 1, "mutexes");
        MutexId::tagged(index, self.tag)
    }

    /// Declares a read-write mutex (Go's `sync.RWMutex`): many readers
    /// (`RLock`) or one writer (`Lock`), and a writer blocked in `Lock`
    /// keeps new readers out.
    pub fn rw_mutex(&mut self, name: impl Into<String>) -> RwMutexId {
        self.names.rw_mutexes.push(name.into());
        let index = self.next_index(self.names.rw_mutexes.len() - 1, "read-write mutexes");
        RwMutexId::tagged(index, self.tag)
    }

    /// Declares a `sync.Once`: the first goroutine to call
    /// [`ProgramBuilder::once_do`](crate::ProgramBuilder::once_do) runs its
    /// function, the others wait until it has returned and then skip it.
    pub fn once(&mut self, name: impl Into<String>) -> OnceId {
        self.names.onces.push(name.into());
        let index = self.next_index(self.names.onces.len() - 1, "onces");
        OnceId::tagged(index, self.tag)
    }

    /// Declares a condition variable (Go's `sync.NewCond(&mutex)`):
    /// [`ProgramBuilder::cond_wait`](crate::ProgramBuilder::cond_wait)
    /// unlocks `mutex`, sleeps until a `Signal` or `Broadcast`, and locks
    /// it again.
    pub fn cond(&mut self, name: impl Into<String>, mutex: MutexId) -> CondId {
        let name = name.into();
        if mutex.tag() != self.tag || mutex.index() >= self.names.mutexes.len() {
            self.mistakes.push(format!(
                "condition variable `{name}` of scenario `{}` waits with mutex #{}, which this scenario does not declare (an id from another ScenarioBuilder?); declare the mutex on this builder first",
                self.name,
                mutex.index()
            ));
        }
        self.names.conds.push(CondDecl { name, mutex });
        let index = self.next_index(self.names.conds.len() - 1, "condition variables");
        CondId::tagged(index, self.tag)
    }

    /// Declares a timer's channel, for Go's `t := time.After(d)`:
    /// [`ProgramBuilder::after`](crate::ProgramBuilder::after) starts the
    /// timer, and a receive on the channel (or a select case) gets one
    /// value once `d` ticks of the virtual clock have passed. The clock
    /// moves only when no thread can move without it, straight to the
    /// next deadline. Nothing may be sent on it or close it.
    pub fn timer(&mut self, name: impl Into<String>) -> ChanId {
        self.names.channels.push(ChanDecl {
            name: name.into(),
            capacity: 1,
            timer: true,
        });
        let index = self.next_index(self.names.channels.len() - 1, "channels");
        ChanId::tagged(index, self.tag)
    }

    /// Declares a wait group whose counter starts at `count`: the `wg.Add(n)`
    /// that Go code runs before starting its goroutines.
    pub fn wait_group(&mut self, name: impl Into<String>, count: i64) -> WaitGroupId {
        self.names.wait_groups.push(name.into());
        self.wg_init.push(count);
        let index = self.next_index(self.wg_init.len() - 1, "wait groups");
        WaitGroupId::tagged(index, self.tag)
    }

    /// Declares a channel; capacity 0 is an unbuffered rendezvous.
    pub fn channel(&mut self, name: impl Into<String>, capacity: usize) -> ChanId {
        self.names.channels.push(ChanDecl {
            name: name.into(),
            capacity,
            timer: false,
        });
        let index = self.next_index(self.names.channels.len() - 1, "channels");
        ChanId::tagged(index, self.tag)
    }

    /// Adds a thread running a program; it starts with the scenario.
    pub fn thread(&mut self, program: Program) -> ThreadId {
        self.names.threads.push(program.name().to_string());
        let program = Arc::new(program);
        self.threads.push(ThreadDecl {
            behaviour: program.clone(),
            program: Some(program),
            declared: Declared::default(),
        });
        ThreadId(self.threads.len() as u32 - 1)
    }

    /// Adds a thread running a hand-written state machine.
    pub fn machine(&mut self, name: impl Into<String>, machine: impl ThreadMachine) -> ThreadId {
        self.names.threads.push(name.into());
        self.add(Arc::new(MachineThread::new(machine)))
    }

    fn add(&mut self, behaviour: Arc<dyn Behaviour>) -> ThreadId {
        self.threads.push(ThreadDecl {
            behaviour,
            program: None,
            declared: Declared::default(),
        });
        ThreadId(self.threads.len() as u32 - 1)
    }

    fn invariant(
        &mut self,
        name: impl Into<String>,
        scope: Scope,
        check: impl Fn(&StateView<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.invariants.push(Invariant {
            name: name.into(),
            scope,
            check: Arc::new(check),
        });
        self
    }

    /// An invariant checked in every reachable state. `Err` explains the violation.
    ///
    /// `check` must be a function of what it reads through the view, and
    /// nothing else: the engines remember the words each evaluation read,
    /// with their values, and do not evaluate it again while those are
    /// unchanged. A check that also reads a captured counter, cell or clock
    /// can be skipped in a state where its answer would differ. A check
    /// that panics fails, with the state's trace.
    pub fn always(
        &mut self,
        name: impl Into<String>,
        check: impl Fn(&StateView<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.invariant(name, Scope::Always, check)
    }

    /// An invariant checked in every final state. `Err` explains the violation.
    /// Like [`always`](Self::always)'s, `check` must be a function of the view.
    pub fn at_end(
        &mut self,
        name: impl Into<String>,
        check: impl Fn(&StateView<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.invariant(name, Scope::AtEnd, check)
    }

    /// A coverage goal: some reachable state should satisfy `reached` (say,
    /// both consumers got an order). The first execution that reaches it
    /// is kept as its witness; a goal that an exhaustive search never
    /// reaches is reported as not covered, a check that fails. Like
    /// [`always`](Self::always)'s check, `reached` must be a function of
    /// the view.
    pub fn sometimes(
        &mut self,
        name: impl Into<String>,
        reached: impl Fn(&StateView<'_>) -> bool + Send + Sync + 'static,
    ) -> &mut Self {
        self.invariant(name, Scope::Sometimes, move |v| match reached(v) {
            true => Err(GOAL_REACHED.to_string()),
            false => Ok(()),
        })
    }

    /// Claims that every interleaving ends in the same outcome.
    pub fn deterministic(&mut self) -> &mut Self {
        self.deterministic = true;
        self
    }

    /// Makes a variable part of the final outcome. Without any `observe_*`
    /// call, the outcome is every shared variable.
    pub fn observe_var(&mut self, var: VarId) -> &mut Self {
        self.observe.push(Observe::Var(var));
        self
    }

    /// Makes a thread's register part of the final outcome, under a name.
    /// The register should be a [`ghost`](crate::ProgramBuilder::ghost): a
    /// local's value is forgotten once no statement reads it.
    pub fn observe_reg(
        &mut self,
        thread: ThreadId,
        reg: Reg,
        name: impl Into<String>,
    ) -> &mut Self {
        self.observe.push(Observe::Reg {
            thread,
            reg,
            name: name.into(),
        });
        self
    }

    /// How many resources of each kind it declares, and its tag.
    fn declared(&self) -> Declared {
        Declared {
            vars: self.names.vars.len(),
            mutexes: self.names.mutexes.len(),
            rw_mutexes: self.names.rw_mutexes.len(),
            onces: self.names.onces.len(),
            conds: self.names.conds.len(),
            wait_groups: self.names.wait_groups.len(),
            channels: self.names.channels.len(),
            tag: self.tag,
        }
    }

    /// What it declares, for the checks of `validate.rs`.
    fn declarations(&self) -> Declarations<'_> {
        Declarations {
            name: &self.name,
            tag: self.tag,
            declared: self.declared(),
            mistakes: &self.mistakes,
            names: &self.names,
            programs: self.threads.iter().map(|t| t.program.as_deref()).collect(),
            invariants: self.invariants.iter().map(|i| i.name.as_str()).collect(),
            observed: self
                .observe
                .iter()
                .map(|o| match o {
                    Observe::Var(v) => Observed::Var(*v),
                    Observe::Reg { thread, reg, name } => Observed::Reg {
                        thread: *thread,
                        reg: *reg,
                        name,
                    },
                })
                .collect(),
        }
    }

    /// Checks the declarations and lays out the global state.
    pub fn build(&self) -> Result<Scenario, Error> {
        let invalid = |m: String| Err(Error::new(ErrorKind::InvalidScenario, m));
        if self.threads.is_empty() {
            return invalid(format!(
                "scenario `{}` has no threads; add one with ScenarioBuilder::thread",
                self.name
            ));
        }
        if self.threads.len() > super::ids::MAX_THREADS {
            return invalid(format!(
                "scenario `{}` has {} threads; at most {} are supported",
                self.name,
                self.threads.len(),
                super::ids::MAX_THREADS
            ));
        }
        if let Some(w) = self.wg_init.iter().position(|&c| c < 0) {
            return invalid(format!(
                "wait group `{}` starts at {}; a counter cannot be negative",
                self.names.wait_groups[w], self.wg_init[w]
            ));
        }
        if let Some(why) = self.declarations().misuse() {
            return invalid(why);
        }
        let slots: Vec<usize> = self.threads.iter().map(|t| t.behaviour.width()).collect();
        let sleeps = self.threads.iter().any(|t| t.behaviour.sleeps());
        let layout = match Layout::of(&self.names, &slots, sleeps, self.wg_init.len()) {
            Ok(layout) => layout,
            Err(width) => {
                return invalid(format!(
                    "scenario `{}` needs {width} words of state (its channels' capacities count one word per slot); at most {MAX_STATE_WORDS} fit one stored state: use smaller channel capacities or fewer resources",
                    self.name
                ));
            }
        };
        let observe = if self.observe.is_empty() {
            (0..self.names.vars.len())
                .map(|v| Observe::Var(VarId(v as u64)))
                .collect()
        } else {
            self.observe.clone()
        };
        let scenario = Scenario {
            name: self.name.clone(),
            names: self.names.clone(),
            wg_init: self.wg_init.clone(),
            threads: self
                .threads
                .iter()
                .map(|t| ThreadDecl {
                    declared: self.declared(),
                    ..t.clone()
                })
                .collect(),
            registers: (self.threads.iter().enumerate())
                .map(|(t, decl)| {
                    decl.program.as_ref().map(|program| Registers {
                        base: layout.slot(t).start + 1,
                        ghosts: program.ghosts(),
                    })
                })
                .collect(),
            invariants: self.invariants.clone(),
            scoped: [Scope::Always, Scope::AtEnd, Scope::Sometimes].map(|scope| {
                (0..self.invariants.len())
                    .filter(|&i| self.invariants[i].scope == scope)
                    .collect()
            }),
            deterministic: self.deterministic,
            observe,
            layout,
        };
        if let Some(why) = scenario.local_read_at_start() {
            return invalid(format!("scenario `{}`: {why}", self.name));
        }
        Ok(scenario)
    }
}
