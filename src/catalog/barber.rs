//! The sleeping barber, over channels and a virtual clock. Customers come
//! in one tick apart and take a chair in the waiting room if one is free
//! (a buffered channel), or leave; a seated customer waits for the barber
//! only so long (`time.After`). The barber takes the next customer, cuts,
//! and hands the haircut over; he goes home once nobody has come for a
//! while. Every customer is served, turned away or gives up. If the
//! barber hands the haircut over with a plain send, a customer who has
//! given up leaves him blocked for ever, and whoever still sits in the
//! room is lost with him.
//!
//! ```go
//! func customer(i int) {
//!     time.Sleep(i * gap)
//!     select {
//!     case room <- i:
//!         select {
//!         case <-cut[i]: served++
//!         case <-time.After(patience): gaveUp++
//!         }
//!     default: turnedAway++
//!     }
//! }
//! func barber() {
//!     for open {
//!         select {
//!         case i := <-room:
//!             time.Sleep(haircut)
//!             select { case cut[i] <- 1: default: }   // `cut[i] <- 1` in barber/lost
//!         case <-time.After(closeAfter): open = false
//!         }
//!     }
//! }
//! ```

use super::params::{ParamSpec, Params};
use crate::check::Expectation;
use crate::error::Error;
use crate::model::{Expr, ProgramBuilder, Scenario, ScenarioBuilder};
use crate::results::Property;

pub(crate) const EVERYONE_ACCOUNTED: &str = "every customer is served, turned away or gives up";

pub(crate) fn params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("customers", "customers who come in", 3, 1, 4),
        ParamSpec::int("chairs", "chairs in the waiting room", 1, 1, 4),
        ParamSpec::int("gap", "ticks between two customers", 1, 0, 1_000),
        ParamSpec::int("haircut", "ticks a haircut takes", 2, 0, 1_000),
        ParamSpec::int("patience", "ticks a seated customer waits", 2, 0, 1_000),
        ParamSpec::int(
            "close-after",
            "ticks without a customer before the barber goes home",
            3,
            1,
            1_000,
        ),
    ]
}

fn build(name: &str, p: &Params, blocking_handover: bool) -> Result<Scenario, Error> {
    let mut s = ScenarioBuilder::new(name);
    let served = s.var("served", 0);
    let turned_away = s.var("turned away", 0);
    let gave_up = s.var("gave up", 0);
    let customers = p.int("customers");
    let room = s.channel("room", p.int("chairs") as usize);
    let cuts: Vec<_> = (0..customers)
        .map(|i| s.channel(format!("cut[{i}]"), 0))
        .collect();
    let idle = s.timer("idle");
    for (i, &cut) in cuts.iter().enumerate() {
        let mut c = ProgramBuilder::new(format!("customer {i}"));
        let patience = s.timer(format!("patience[{i}]"));
        let patience_ticks = p.int("patience");
        c.sleep(i as i64 * p.int("gap"));
        c.select(|k| {
            k.send(room, i as i64, move |c| {
                c.after(patience, patience_ticks);
                c.select(|k| {
                    k.recv_discard(cut, move |c| {
                        c.atomic_add(None, served, 1);
                    });
                    k.recv_discard(patience, move |c| {
                        c.atomic_add(None, gave_up, 1);
                    });
                });
            });
            k.default(move |c| {
                c.atomic_add(None, turned_away, 1);
            });
        });
        s.thread(c.build());
    }
    let mut b = ProgramBuilder::new("barber");
    let open = b.local("open");
    let next = b.local("i");
    let (haircut, close_after) = (p.int("haircut"), p.int("close-after"));
    b.set(open, 1);
    b.while_(Expr::from(open).equals(1), |b| {
        b.after(idle, close_after);
        b.select(|k| {
            k.recv(room, next, move |b| {
                b.sleep(haircut);
                for (i, &cut) in cuts.iter().enumerate() {
                    b.if_(Expr::from(next).equals(i as i64), |b| {
                        if blocking_handover {
                            b.send(cut, 1);
                        } else {
                            b.select(|k| {
                                k.send(cut, 1, |_| {});
                                k.default(|_| {});
                            });
                        }
                    });
                }
            });
            k.recv_discard(idle, move |b| {
                b.set(open, 0);
            });
        });
    });
    s.thread(b.build());
    s.at_end(EVERYONE_ACCOUNTED, move |v| {
        let counted = v.var(served) + v.var(turned_away) + v.var(gave_up);
        if counted == customers {
            Ok(())
        } else {
            Err(format!("{counted} of {customers} customers accounted for"))
        }
    });
    s.build()
}

pub(crate) fn build_sleeping(p: &Params) -> Result<Scenario, Error> {
    build("barber/sleeping", p, false)
}

pub(crate) fn build_lost(p: &Params) -> Result<Scenario, Error> {
    build("barber/lost", p, true)
}

pub(crate) fn expect_sleeping(_: &Params) -> Expectation {
    Expectation::holds()
}

pub(crate) fn expect_lost(_: &Params) -> Expectation {
    Expectation::violates([Property::NoDeadlock])
}
