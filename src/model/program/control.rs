//! Control flow of the program builder: conditions, loops, `select`, and
//! `break`, `continue` and `return` inside them.

use crate::model::expr::{Compiled, Expr, Operand};
use crate::model::ids::{ChanId, Reg};

use super::builder::{Frame, FrameKind, ProgramBuilder};
use super::instr::{Case, CaseKind, Instr};

type Body<'a> = Box<dyn FnOnce(&mut ProgramBuilder) + 'a>;

/// The cases of a [`ProgramBuilder::select`], each with the code it runs.
#[must_use]
pub struct SelectBuilder<'a> {
    cases: Vec<(ChanId, CaseKind, Body<'a>)>,
    /// The values of the send cases, by case.
    sends: Vec<(usize, Expr)>,
    default: Option<Body<'a>>,
}

impl<'a> SelectBuilder<'a> {
    /// `case ch <- src: body` (`src` is computed before the select waits).
    pub fn send(
        &mut self,
        chan: ChanId,
        src: impl Into<Expr>,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        self.sends.push((self.cases.len(), src.into()));
        let placeholder = CaseKind::Send(Operand::Const(0));
        self.cases.push((chan, placeholder, Box::new(body)));
        self
    }

    /// `case dst := <-ch: body`
    pub fn recv(
        &mut self,
        chan: ChanId,
        dst: Reg,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: Some(dst),
            ok: None,
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `case dst, ok := <-ch: body` (`ok` is 0 once the channel is closed
    /// and drained).
    pub fn recv_ok(
        &mut self,
        chan: ChanId,
        dst: Reg,
        ok: Reg,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: Some(dst),
            ok: Some(ok),
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `case <-ch: body`
    pub fn recv_discard(
        &mut self,
        chan: ChanId,
        body: impl FnOnce(&mut ProgramBuilder) + 'a,
    ) -> &mut Self {
        let kind = CaseKind::Recv {
            dst: None,
            ok: None,
        };
        self.cases.push((chan, kind, Box::new(body)));
        self
    }

    /// `default: body`: runs when no case is ready, so the select never
    /// waits. A second `default` replaces the first.
    pub fn default(&mut self, body: impl FnOnce(&mut ProgramBuilder) + 'a) -> &mut Self {
        self.default = Some(Box::new(body));
        self
    }
}

impl ProgramBuilder {
    fn jump_unless(&mut self, cond: Expr) -> usize {
        let at = self.instrs.len();
        let fast = Compiled::new(&cond);
        self.push(Instr::JumpUnless {
            cond,
            fast,
            target: usize::MAX,
        });
        at
    }

    /// `for dst := range ch { body }`: receives until the channel is closed
    /// and drained.
    pub fn range(&mut self, chan: ChanId, dst: Reg, body: impl FnOnce(&mut Self)) -> &mut Self {
        let ok = self.local(&format!("{}_ok", self.regs[dst.index()].name));
        let head = self.instrs.len();
        self.push(Instr::Recv {
            chan,
            dst: Some(dst),
            ok: Some(ok),
            range: true,
        });
        let exit = self.jump_unless(Expr::from(ok));
        self.open_loop();
        body(self);
        self.unbounded = true;
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(exit, end);
        self.close_frame(end, head);
        self
    }

    /// Go's `select`: waits until one of its cases can run and runs it
    /// (choosing among several ready ones, as Go does at random, so the
    /// explorer tries each); with a `default` branch it never waits.
    ///
    /// ```
    /// use interleave::{ProgramBuilder, ScenarioBuilder};
    ///
    /// let mut s = ScenarioBuilder::new("try-send");
    /// let ch = s.channel("ch", 0);
    /// let sent = s.var("sent", 0);
    /// let mut p = ProgramBuilder::new("producer");
    /// p.select(|s| {
    ///     s.send(ch, 1, |p| {
    ///         p.store(sent, 1);
    ///     })
    ///     .default(|p| {
    ///         p.store(sent, -1);
    ///     });
    /// });
    /// s.thread(p.build());
    /// let result = interleave::explore(&s.build().unwrap(), &Default::default());
    /// // Nobody ever receives, so the send is never ready: default runs.
    /// assert_eq!(result.outcomes.len(), 1);
    /// assert_eq!(result.outcomes[0].outcome.to_string(), "sent=-1");
    /// ```
    pub fn select<'a>(&mut self, cases: impl FnOnce(&mut SelectBuilder<'a>)) -> &mut Self {
        let mut builder = SelectBuilder {
            cases: Vec::new(),
            sends: Vec::new(),
            default: None,
        };
        cases(&mut builder);
        for (case, value) in std::mem::take(&mut builder.sends) {
            builder.cases[case].1 = CaseKind::Send(self.operand(value));
        }
        self.frames.push(Frame {
            kind: FrameKind::Select,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let at = self.instrs.len();
        self.push(Instr::Select {
            cases: Vec::new(),
            default: None,
        });
        let mut compiled = Vec::new();
        let mut ends = Vec::new();
        for (chan, kind, body) in builder.cases {
            compiled.push(Case {
                chan,
                kind,
                target: self.instrs.len(),
            });
            body(self);
            ends.push(self.instrs.len());
            self.push(Instr::Jump(usize::MAX));
        }
        let default = builder.default.map(|body| {
            let target = self.instrs.len();
            body(self);
            target
        });
        let end = self.instrs.len();
        for e in ends {
            self.instrs[e] = Instr::Jump(end);
        }
        self.instrs[at] = Instr::Select {
            cases: compiled,
            default,
        };
        self.close_frame(end, end);
        self
    }

    /// `for counter := 0; counter < times; counter++ { body }`
    ///
    /// The counter is a local the body may read; `times` is a constant or a
    /// register read when the loop starts.
    pub fn repeat(
        &mut self,
        counter: &str,
        times: impl Into<Expr>,
        body: impl FnOnce(&mut Self, Reg),
    ) -> &mut Self {
        let bound = match times.into() {
            Expr::Const(c) => Operand::Const(c),
            Expr::Reg(r) => Operand::Reg(r),
            // Computed once, into a register no other statement writes.
            e => {
                let text = e.render(&self.register_names());
                let r = self.local(&format!("({text})"));
                self.set(r, e);
                Operand::Reg(r)
            }
        };
        let i = self.local(counter);
        self.set(i, 0);
        let c = self.regs[i.index()].name.clone();
        self.code(format!("{c} := 0"));
        let head = self.jump_unless(Expr::from(i).less_than(bound));
        self.open_loop();
        body(self, i);
        // Bounded only while the body leaves the counter and the bound alone.
        let mut written = Vec::new();
        for instr in &self.instrs[head + 1..] {
            written.extend(instr.writes().into_iter().flatten());
            if let Instr::Select { cases, .. } = instr {
                written.extend(cases.iter().flat_map(|c| c.writes()).flatten());
            }
        }
        let bound_reg = match bound {
            Operand::Reg(r) => Some(r),
            _ => None,
        };
        if written.iter().any(|&w| w == i || Some(w) == bound_reg) {
            self.unbounded = true;
        }
        let next = self.instrs.len();
        self.set(i, i + 1);
        self.code(format!("{c}++"));
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(head, end);
        self.close_frame(end, next);
        self
    }

    /// `for cond { body }`
    pub fn while_(&mut self, cond: impl Into<Expr>, body: impl FnOnce(&mut Self)) -> &mut Self {
        self.unbounded = true;
        let head = self.jump_unless(cond.into());
        self.open_loop();
        body(self);
        self.push(Instr::Jump(head));
        let end = self.instrs.len();
        self.patch(head, end);
        self.close_frame(end, head);
        self
    }

    /// `break`: leaves the innermost loop, or the innermost `select` (as
    /// in Go, where `break` inside a select case ends the select).
    pub fn break_(&mut self) -> &mut Self {
        let at = self.instrs.len();
        match self.frames.last_mut() {
            Some(frame) if frame.kind != FrameKind::Func => frame.breaks.push(at),
            _ => self.note_mistake("`break` outside a loop or select"),
        }
        self.push(Instr::Jump(usize::MAX)).code("break")
    }

    /// `continue`: starts the next round of the innermost loop (a
    /// `repeat` counts this round first).
    pub fn continue_(&mut self) -> &mut Self {
        let at = self.instrs.len();
        let inner = self
            .frames
            .iter_mut()
            .rev()
            .find(|f| f.kind != FrameKind::Select);
        match inner {
            Some(frame) if frame.kind == FrameKind::Loop => frame.continues.push(at),
            _ => self.note_mistake("`continue` outside a loop"),
        }
        self.push(Instr::Jump(usize::MAX)).code("continue")
    }

    /// `return`: the thread ends here; inside the function of a
    /// [`once_do`](Self::once_do), that function ends (and `Do` returns).
    pub fn return_(&mut self) -> &mut Self {
        let at = self.instrs.len();
        match self
            .frames
            .iter_mut()
            .rev()
            .find(|f| f.kind == FrameKind::Func)
        {
            Some(func) => func.breaks.push(at),
            None => self.returns.push(at),
        }
        self.push(Instr::Jump(usize::MAX)).code("return")
    }

    fn open_loop(&mut self) {
        self.frames.push(Frame {
            kind: FrameKind::Loop,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
    }

    /// Ends the innermost frame: its `break`s go to `end`, its
    /// `continue`s to `next`.
    pub(super) fn close_frame(&mut self, end: usize, next: usize) {
        let frame = self.frames.pop().expect("a frame was opened");
        for at in frame.breaks {
            self.instrs[at] = Instr::Jump(end);
        }
        for at in frame.continues {
            self.instrs[at] = Instr::Jump(next);
        }
    }

    /// `if cond { then }`
    pub fn if_(&mut self, cond: impl Into<Expr>, then: impl FnOnce(&mut Self)) -> &mut Self {
        self.if_else(cond, then, |_| {})
    }

    /// `if cond { then } else { otherwise }`
    pub fn if_else(
        &mut self,
        cond: impl Into<Expr>,
        then: impl FnOnce(&mut Self),
        otherwise: impl FnOnce(&mut Self),
    ) -> &mut Self {
        let branch = self.jump_unless(cond.into());
        then(self);
        let jump = self.instrs.len();
        self.push(Instr::Jump(usize::MAX));
        self.patch(branch, self.instrs.len());
        otherwise(self);
        let end = self.instrs.len();
        self.instrs[jump] = Instr::Jump(end);
        self
    }

    fn patch(&mut self, at: usize, to: usize) {
        if let Instr::JumpUnless { target, .. } = &mut self.instrs[at] {
            *target = to;
        }
    }
}
