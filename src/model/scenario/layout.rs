//! Where each part of a scenario lives in the global state vector.

use crate::model::names::Names;

/// Where each part of a scenario lives in the global state vector.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub thread_base: Vec<usize>,
    pub thread_end: Vec<usize>,
    pub var_base: usize,
    pub mutex_base: usize,
    /// Per read-write mutex, `[writer, readers]`: the writer word is 0
    /// (none), `t + 1` (thread `t` waits in `Lock` for the readers to
    /// leave, and keeps new readers out) or `-(t + 1)` (thread `t` holds
    /// it); `readers` counts the read locks held.
    pub rw_base: usize,
    /// Per `sync.Once`, `[running, done]`: the thread + 1 that runs its
    /// function (0: none), and 1 once the function has returned.
    pub once_base: usize,
    /// Per condition variable, one word per thread: 1 while that thread
    /// waits in `Wait` and nobody has woken it.
    pub cond_base: usize,
    pub wg_base: usize,
    /// Buffered channel: `[closed, len, item...]`; unbuffered:
    /// `[closed, offering thread + 1 (0: none), offered value]`; a timer
    /// channel: one timer word (see `timer_base`).
    pub chan_base: Vec<usize>,
    /// With a clock (some thread sleeps or some channel is a timer): one
    /// timer word per thread, for its `Sleep`. A timer word is 0 when the
    /// timer is not running, and `r + 1` when it fires `r` ticks from now
    /// (1: it is due). Deadlines are kept relative to now, so states that
    /// differ only in the time they happen at are one state.
    pub timer_base: Option<usize>,
    /// Every timer word: the threads' and the timer channels'.
    pub timers: Vec<usize>,
    pub width: usize,
}

impl Layout {
    /// The layout of these declarations (each thread's slot width, and
    /// whether some thread sleeps), or the width it would need when that
    /// is more than a stored state holds.
    pub(super) fn of(
        names: &Names,
        slots: &[usize],
        sleeps: bool,
        wait_groups: usize,
    ) -> Result<Self, usize> {
        let mut layout = Layout::default();
        let mut width = 0;
        for &slot in slots {
            layout.thread_base.push(width);
            width += slot;
            layout.thread_end.push(width);
        }
        let threads = slots;
        layout.var_base = width;
        width += names.vars.len();
        layout.mutex_base = width;
        width += names.mutexes.len();
        layout.rw_base = width;
        width += 2 * names.rw_mutexes.len();
        layout.once_base = width;
        width += 2 * names.onces.len();
        layout.cond_base = width;
        width += names.conds.len() * threads.len();
        layout.wg_base = width;
        width += wait_groups;
        for c in &names.channels {
            layout.chan_base.push(width);
            width += if c.timer { 1 } else { 2 + c.capacity.max(1) };
        }
        if sleeps || names.channels.iter().any(|c| c.timer) {
            layout.timer_base = Some(width);
            layout.timers.extend(width..width + threads.len());
            width += threads.len();
            let timer_chans = names.channels.iter().zip(&layout.chan_base);
            layout
                .timers
                .extend(timer_chans.filter(|(c, _)| c.timer).map(|(_, &b)| b));
        }
        layout.width = width;
        if width > super::MAX_STATE_WORDS {
            return Err(width);
        }
        Ok(layout)
    }

    /// The words of thread `t`'s slot.
    #[inline]
    pub fn slot(&self, t: usize) -> std::ops::Range<usize> {
        self.thread_base[t]..self.thread_end[t]
    }

    /// The word saying whether thread `t` waits on condition variable `c`.
    #[inline]
    pub fn cond_waiter(&self, c: usize, t: usize) -> usize {
        self.cond_base + c * self.thread_base.len() + t
    }
}
