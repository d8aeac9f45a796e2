//! Resource and thread names: what every trace, message and report says
//! instead of an index.

use super::ids::{ChanId, CondId, MutexId, OnceId, RwMutexId, ThreadId, VarId, WaitGroupId};
use super::op::Op;

#[derive(Clone, Debug)]
pub(crate) struct VarDecl {
    pub name: String,
    pub init: i64,
    pub labels: Vec<(i64, String)>,
}

#[derive(Clone, Debug)]
pub(crate) struct ChanDecl {
    pub name: String,
    pub capacity: usize,
    /// A timer's channel (see `ScenarioBuilder::timer`).
    pub timer: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct CondDecl {
    pub name: String,
    /// Its `L`.
    pub mutex: MutexId,
}

/// Resource and thread names, for rendering operations and values.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub(crate) vars: Vec<VarDecl>,
    pub(crate) mutexes: Vec<String>,
    pub(crate) rw_mutexes: Vec<String>,
    pub(crate) onces: Vec<String>,
    pub(crate) conds: Vec<CondDecl>,
    pub(crate) wait_groups: Vec<String>,
    pub(crate) channels: Vec<ChanDecl>,
    pub(crate) threads: Vec<String>,
}

impl Names {
    /// A variable's name.
    pub fn var(&self, v: VarId) -> &str {
        &self.vars[v.index()].name
    }
    /// A mutex's name.
    pub fn mutex(&self, m: MutexId) -> &str {
        &self.mutexes[m.index()]
    }
    /// A read-write mutex's name.
    pub fn rw_mutex(&self, m: RwMutexId) -> &str {
        &self.rw_mutexes[m.index()]
    }
    /// A `sync.Once`'s name.
    pub fn once(&self, o: OnceId) -> &str {
        &self.onces[o.index()]
    }
    /// A condition variable's name.
    pub fn cond(&self, c: CondId) -> &str {
        &self.conds[c.index()].name
    }
    /// The mutex a condition variable waits with (its `L`).
    pub fn cond_mutex(&self, c: CondId) -> MutexId {
        self.conds[c.index()].mutex
    }
    /// A wait group's name.
    pub fn wait_group(&self, w: WaitGroupId) -> &str {
        &self.wait_groups[w.index()]
    }
    /// A channel's name.
    pub fn channel(&self, c: ChanId) -> &str {
        &self.channels[c.index()].name
    }
    /// A thread's name.
    pub fn thread(&self, t: ThreadId) -> &str {
        &self.threads[t.index()]
    }

    /// A value of a variable, by its label where it has one.
    pub fn value(&self, v: VarId, value: i64) -> String {
        match self.vars[v.index()]
            .labels
            .iter()
            .find(|(x, _)| *x == value)
        {
            Some((_, label)) => format!("{label:?}"),
            None => value.to_string(),
        }
    }

    /// Go-like text of an operation, for threads that are not programs.
    pub fn render_op(&self, op: &Op) -> String {
        match *op {
            Op::Load(v) => format!("load {}", self.var(v)),
            Op::Store(v, x) => format!("{} = {}", self.var(v), self.value(v, x)),
            Op::Atomic(v, a) => a.render(self.var(v)),
            Op::Lock(m) => format!("{}.Lock()", self.mutex(m)),
            Op::Unlock(m) => format!("{}.Unlock()", self.mutex(m)),
            Op::RwLock(m) => format!("{}.Lock()", self.rw_mutex(m)),
            Op::RwUnlock(m) => format!("{}.Unlock()", self.rw_mutex(m)),
            Op::RLock(m) => format!("{}.RLock()", self.rw_mutex(m)),
            Op::RUnlock(m) => format!("{}.RUnlock()", self.rw_mutex(m)),
            Op::OnceDo(o) => format!("{}.Do(f)", self.once(o)),
            Op::OnceDone(o) => format!("{}.Do: f returns", self.once(o)),
            Op::CondWait(c) => format!("{}.Wait()", self.cond(c)),
            Op::CondRelock(c) => format!(
                "{}.Wait() // wake, {}.Lock()",
                self.cond(c),
                self.mutex(self.cond_mutex(c))
            ),
            Op::Signal(c) => format!("{}.Signal()", self.cond(c)),
            Op::Broadcast(c) => format!("{}.Broadcast()", self.cond(c)),
            Op::Sleep(d) => format!("time.Sleep({d})"),
            Op::After(c, d) => format!("{} = time.After({d})", self.channel(c)),
            Op::WgAdd(w, n) => format!("{}.Add({n})", self.wait_group(w)),
            Op::WgDone(w) => format!("{}.Done()", self.wait_group(w)),
            Op::WgWait(w) => format!("{}.Wait()", self.wait_group(w)),
            Op::Send(c, x) => format!("{} <- {x}", self.channel(c)),
            Op::Recv(c) => format!("<-{}", self.channel(c)),
            Op::Close(c) => format!("close({})", self.channel(c)),
            Op::Select(_) => "select".to_string(),
            Op::Exit => "return".to_string(),
        }
    }
}
