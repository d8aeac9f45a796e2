//! Every engine reports its progress to a hook: the explorer its states,
//! the threaded engines their executions of the planned number.

use std::sync::{Arc, Mutex};

use interleave::check::{self, BackendKind, Backends};
use interleave::{Progress, ProgressHook};

#[test]
fn every_engine_reports_progress_and_a_last_report_when_done() {
    let entry = interleave::catalog::find("bank/mutex").unwrap();
    let scenario = entry
        .build(&entry.params_from(&["weeks=2", "incomes=1+2"]).unwrap())
        .unwrap();
    for kind in BackendKind::ALL {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let log = seen.clone();
        let hook = ProgressHook::new(move |p| log.lock().unwrap().push(*p));
        let mut b = Backends::default();
        b.explore.progress = Some(hook.clone());
        b.shuttle.progress = Some(hook.clone());
        b.shuttle.iterations = 200;
        b.loom.progress = Some(hook.clone());
        b.threads.progress = Some(hook);
        b.threads.runs = 50;
        let e = check::run(kind, &scenario, &b).unwrap();
        let seen = seen.lock().unwrap();
        let last = seen.last().unwrap_or_else(|| panic!("{kind}: no report"));
        assert!(last.done, "{kind}: the last report says it is done");
        match kind {
            BackendKind::Explore => assert_eq!(last.states, e.stats.states, "{kind}"),
            BackendKind::Shuttle => assert_eq!((last.executions, last.planned), (200, Some(200))),
            BackendKind::Threads => assert_eq!((last.executions, last.planned), (50, Some(50))),
            _ => {
                assert_eq!(last.executions, e.stats.executions, "{kind}");
                assert_eq!(last.planned, None, "loom cannot know how many");
            }
        }
    }
}
