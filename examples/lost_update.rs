//! The lost update, and the mutex that fixes it in every interleaving.
//!
//! Two goroutines add their income to one balance, Go style:
//!
//! ```go
//! temp := bankBalance   // read
//! temp += amount        // local
//! bankBalance = temp    // write
//! ```
//!
//! Without a mutex the explorer finds, in four steps, the interleaving where
//! both read 0, the first writes 500, the second writes 10 over it: the
//! 500 is lost. With `balance.Lock()` / `balance.Unlock()` around the three
//! lines, it visits every interleaving and the balance is always 510. The
//! fix is one line away: `with_mutex = true`.
//!
//! Run it with `cargo run --example lost_update`.

use interleave::report::trace_table;
use interleave::{ExploreConfig, ProgramBuilder, Scenario, ScenarioBuilder, Stop, explore};

fn bank(with_mutex: bool) -> Scenario {
    let mut s = ScenarioBuilder::new(if with_mutex {
        "bank/mutex"
    } else {
        "bank/unsync"
    });
    let balance = s.var("bankBalance", 0);
    let mutex = s.mutex("balance");
    let mut earners = Vec::new();
    for (name, amount) in [("Main Job", 500), ("Gifts", 10)] {
        let mut p = ProgramBuilder::new(name);
        let temp = p.local("temp");
        let deposits = p.ghost("deposits");
        if with_mutex {
            p.lock(mutex);
        }
        p.load(temp, balance);
        p.set(temp, temp + amount);
        p.store(balance, temp);
        p.set(deposits, deposits + 1);
        if with_mutex {
            p.unlock(mutex);
        }
        earners.push((s.thread(p.build()), deposits, amount));
    }
    // Checked in every state, so the loss is caught the moment it happens.
    s.always("no lost update", move |v| {
        let expected: i64 = earners.iter().map(|&(t, d, a)| a * v.reg(t, d)).sum();
        match v.var(balance) {
            b if b == expected => Ok(()),
            b => Err(format!("bankBalance is {b}, deposits add up to {expected}")),
        }
    });
    s.build().expect("a well-formed scenario")
}

fn main() {
    for with_mutex in [false, true] {
        let scenario = bank(with_mutex);
        let result = explore(&scenario, &ExploreConfig::default().stop(Stop::Exhaust));
        println!("{}: {} states stored", scenario.name(), result.stats.states);
        match result.violations().next() {
            Some(c) => {
                println!("  {}: {}", c.property, c.message);
                print!(
                    "{}",
                    trace_table(scenario.names(), &c.steps, &c.pending, true, "  ")
                );
                println!(
                    "  replay with interleave::replay(&scenario, &\"{}\".parse()?)",
                    c.schedule
                );
            }
            None => println!("  holds in every interleaving (exhaustive)"),
        }
        for o in &result.outcomes {
            println!("  outcome {}", o.outcome);
        }
    }
}
