//! What a scenario's author can get wrong, found when the scenario is
//! built: every mistake the engines could not run, or would run as a
//! silently different program, is an error that says what to fix.

use crate::model::ids::Declared;
use crate::model::names::Names;
use crate::model::program::Program;
use crate::model::{Reg, ThreadId, VarId};

/// Most ways a select may go on in one state: a schedule step numbers its
/// alternative in 8 bits.
pub(crate) const MAX_ALTERNATIVES: usize = 256;

/// Most words a state may have: each encodes to at most 10 bytes, and a
/// stored state to at most 64 KiB.
pub(super) const MAX_STATE_WORDS: usize = 6_553;

thread_local! {
    /// The last read of a local register by an invariant on this thread,
    /// for the check when a scenario is built.
    pub(super) static LOCAL_READ: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The error for reading a local register where only ghosts keep their
/// values.
pub(super) fn ghost_needed(program: &Program, reg: Reg, reader: &str) -> String {
    format!(
        "{reader} reads `{}` of thread `{}`, a local: the engines forget a local's value wherever no later statement reads it, so it would see 0 there; declare it with ProgramBuilder::ghost instead of local",
        program.register_name(reg),
        program.name()
    )
}

/// A value a scenario makes part of its final outcome.
pub(crate) enum Observed<'a> {
    Var(VarId),
    Reg {
        thread: ThreadId,
        reg: Reg,
        name: &'a str,
    },
}

/// What a scenario declares, as the checks read it.
pub(crate) struct Declarations<'a> {
    pub name: &'a str,
    /// The tag of the builder, which its ids carry.
    pub tag: u32,
    /// How many resources of each kind it declares.
    pub declared: Declared,
    /// Mistakes noted while declaring.
    pub mistakes: &'a [String],
    pub names: &'a Names,
    /// Per thread, its program (`None` for a hand-written machine).
    pub programs: Vec<Option<&'a Program>>,
    pub invariants: Vec<&'a str>,
    pub observed: Vec<Observed<'a>>,
}

impl Declarations<'_> {
    /// What is wrong with the declarations, if anything: every mistake a
    /// scenario's author can make that the engines could not run, or
    /// would run as a silently different program.
    pub(crate) fn misuse(&self) -> Option<String> {
        if let Some(first) = self.mistakes.first() {
            return Some(first.clone());
        }
        let scenario = self.name;
        let kinds: [(&str, Vec<&str>); 9] = [
            (
                "threads",
                self.names.threads.iter().map(String::as_str).collect(),
            ),
            (
                "variables",
                self.names.vars.iter().map(|v| v.name.as_str()).collect(),
            ),
            (
                "mutexes",
                self.names.mutexes.iter().map(String::as_str).collect(),
            ),
            (
                "read-write mutexes",
                self.names.rw_mutexes.iter().map(String::as_str).collect(),
            ),
            (
                "onces",
                self.names.onces.iter().map(String::as_str).collect(),
            ),
            (
                "condition variables",
                self.names.conds.iter().map(|c| c.name.as_str()).collect(),
            ),
            (
                "wait groups",
                self.names.wait_groups.iter().map(String::as_str).collect(),
            ),
            (
                "channels",
                self.names
                    .channels
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect(),
            ),
            ("invariants", self.invariants.clone()),
        ];
        for (kind, names) in &kinds {
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Some(format!(
                        "scenario `{scenario}` has two {kind} named `{name}`; give each its own name, since reports and tokens tell them apart by it"
                    ));
                }
            }
        }
        let declared = self.declared;
        for program in self.programs.iter().flatten() {
            if let Some(why) = program.error() {
                return Some(why.to_string());
            }
            if let Some(why) = program.misused_timer(self.names) {
                return Some(why);
            }
            if let Some(id) = program.undeclared(declared) {
                return Some(format!(
                    "thread `{}` of scenario `{scenario}` uses {id}, which this scenario does not declare (an id from another ScenarioBuilder?); declare the resource on this builder and use the id it returns",
                    program.name()
                ));
            }
            // Each case of a select can pass its value to or from any
            // other thread: that many ways on must fit in a schedule step.
            let widest = program.widest_select() * self.programs.len() + 1;
            if widest > MAX_ALTERNATIVES {
                return Some(format!(
                    "thread `{}` of scenario `{scenario}` has a select whose {} cases, with {} threads as partners, can go on in up to {widest} ways; a schedule numbers at most {MAX_ALTERNATIVES}: use fewer cases or fewer threads",
                    program.name(),
                    program.widest_select(),
                    self.programs.len()
                ));
            }
        }
        for o in &self.observed {
            match o {
                Observed::Var(v) if v.index() >= self.names.vars.len() || v.tag() != self.tag => {
                    return Some(format!(
                        "scenario `{scenario}` observes variable #{}, which it does not declare (an id from another ScenarioBuilder?)",
                        v.index()
                    ));
                }
                Observed::Reg { thread, reg, name } => {
                    let program = self.programs.get(thread.index()).copied().flatten();
                    let Some(program) = program else {
                        return Some(format!(
                            "scenario `{scenario}` observes `{name}` in thread #{}, which is not a Program thread of this scenario",
                            thread.index()
                        ));
                    };
                    if !program.has_register(*reg) {
                        return Some(format!(
                            "scenario `{scenario}` observes `{name}` as register #{} of `{}`, which it does not declare",
                            reg.index(),
                            program.name()
                        ));
                    }
                    if !program.is_ghost(*reg) {
                        return Some(ghost_needed(program, *reg, "an outcome"));
                    }
                }
                Observed::Var(_) => {}
            }
        }
        None
    }
}
