//! `interleave check`: runs the selected scenarios on the selected engines
//! and prints each report as it comes.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use super::options::{CheckArgs, Failure, Format, backends, config, selection};
use interleave::check::BackendKind;
use interleave::report::human::Detail;
use interleave::report::junit::JunitReport;
use interleave::report::{Timeline, human, json};
use interleave::{Error, ErrorKind};

/// A spinner on stderr for each long exploration, when stderr is a
/// terminal: a search of millions of states takes seconds, and silence
/// then looks like a hang. It never touches stdout, so piped output stays
/// clean.
#[derive(Clone, Default)]
struct Spinner(std::sync::Arc<std::sync::Mutex<Option<indicatif::ProgressBar>>>);

impl Spinner {
    /// A hook that shows a search's progress on the current spinner.
    fn hook(&self) -> interleave::ProgressHook {
        let current = self.clone();
        interleave::ProgressHook::new(move |p| {
            use indicatif::HumanCount;
            if p.done {
                return;
            }
            if let Some(bar) = &*current.slot() {
                let seconds = p.elapsed.as_secs_f64().max(1e-3);
                if p.executions > 0 || p.planned.is_some() {
                    let rate = p.executions as f64 / seconds;
                    let of = p
                        .planned
                        .map_or(String::new(), |n| format!(" of {}", HumanCount(n)));
                    let eta = match p.planned {
                        Some(n) if rate > 0.0 && n > p.executions => {
                            format!(", about {:.0} s to go", (n - p.executions) as f64 / rate)
                        }
                        _ => String::new(),
                    };
                    bar.set_message(format!(
                        "{}{of} executions ({}/s){eta}",
                        HumanCount(p.executions),
                        HumanCount(rate as u64)
                    ));
                    return;
                }
                let per_second = p.states as f64 / seconds;
                let of = match p.estimated_states {
                    Some(total) if total > p.states && per_second > 0.0 => format!(
                        " of about {}, about {:.0} s to go",
                        HumanCount(total),
                        (total - p.states) as f64 / per_second
                    ),
                    _ => String::new(),
                };
                bar.set_message(format!(
                    "{} states{of} ({}/s), {} steps, {} waiting, depth {}",
                    HumanCount(p.states),
                    HumanCount(per_second as u64),
                    HumanCount(p.steps),
                    HumanCount(p.waiting),
                    p.depth
                ));
            }
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a spinner for `name`.
    fn start(&self, name: &str) {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(name.to_string());
        *self.slot() = Some(bar);
    }

    /// Removes the spinner, before the result is printed.
    fn clear(&self) {
        if let Some(bar) = self.slot().take() {
            bar.finish_and_clear();
        }
    }
}

pub(super) fn check(args: &CheckArgs, out: &mut impl Write) -> Result<ExitCode, Failure> {
    use std::io::IsTerminal;
    let config = config(args)?;
    let (kinds, mut backends) = backends(args, config.clone())?;
    let format = args.format.unwrap_or(Format::Human);
    let spinner = (format == Format::Human && io::stderr().is_terminal()).then(Spinner::default);
    if let Some(s) = &spinner {
        backends.explore.progress = Some(s.hook());
        backends.shuttle.progress = Some(s.hook());
        backends.loom.progress = Some(s.hook());
        backends.threads.progress = Some(s.hook());
    }
    let selected = selection(args)?;
    // Created before anything runs, so that a path that cannot be written
    // fails at once rather than after the checks.
    let junit_file = match &args.junit {
        Some(path) => Some((
            path,
            std::fs::File::create(path).map_err(|e| cannot_write(path, &e))?,
        )),
        None => None,
    };
    let drawing = args.draw.open()?;
    // Every counterexample, for `--trace-out` and `--html`.
    let mut drawn: Vec<(String, interleave::Names, interleave::Counterexample)> = Vec::new();
    let started = Instant::now();
    let width = selected
        .iter()
        .map(|(e, _)| e.name.len())
        .max()
        .unwrap_or(0);
    if format == Format::Human {
        let engines: Vec<String> = kinds
            .iter()
            .map(|k| match k {
                BackendKind::Explore if config.reduction => {
                    "the explorer (breadth-first, reduction on)".to_string()
                }
                BackendKind::Explore => {
                    "the explorer (breadth-first, every state stored)".to_string()
                }
                other => other.to_string(),
            })
            .collect();
        writeln!(
            out,
            "{:>8} {} scenario{} with {}",
            "Checking",
            selected.len(),
            if selected.len() == 1 { "" } else { "s" },
            engines.join(", ")
        )?;
    }
    let mut junit = JunitReport::new("interleave check");
    let interrupt = interleave::Interrupt::new();
    backends.explore.interrupt = Some(interrupt.clone());
    backends.shuttle.interrupt = Some(interrupt.clone());
    backends.threads.interrupt = Some(interrupt.clone());
    on_interrupt(interrupt.clone());
    let (mut checked, mut failed, mut skipped) = (0, Vec::new(), 0);
    let planned = selected.len() * kinds.len();
    let mut stopped: Option<&str> = None;
    'scenarios: for (entry, params) in &selected {
        let scenario = entry.build(params)?;
        if !args.property.is_empty() {
            backends.explore.properties = Some(judged(&scenario, &args.property)?);
        }
        for &kind in &kinds {
            if interrupt.is_raised() {
                stopped = Some("interrupted");
                break 'scenarios;
            }
            if args.fail_fast && !failed.is_empty() {
                stopped = Some("stopped at the first failure (--fail-fast)");
                break 'scenarios;
            }
            if let Some(s) = &spinner {
                s.start(&format!("{} [{kind}]", entry.name));
            }
            let result = if args.exhaust || args.odds {
                entry.check_everything_on(kind, params, &backends)
            } else {
                entry.check_on(kind, params, &backends)
            };
            if let Some(s) = &spinner {
                s.clear();
            }
            let report = match result {
                Ok(report) => report,
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    skipped += 1;
                    junit.skip(entry.name, kind.name(), &e.to_string());
                    match format {
                        Format::Human => writeln!(
                            out,
                            "{:>8} [{:>8.3}s] {:<width$}  [{kind}] skipped: {e}",
                            "SKIP", 0.0, entry.name
                        )?,
                        Format::Json => writeln!(
                            out,
                            "{}",
                            json::skipped(
                                entry.name,
                                params,
                                &entry.expectation(params),
                                kind.name(),
                                e.to_string()
                            )
                        )?,
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            checked += 1;
            junit.add(&report, scenario.names());
            if args.draw.trace_out.is_some() || args.draw.html.is_some() {
                for c in report.exploration.violations() {
                    let title = format!("{} [{kind}]: {}", entry.name, c.property);
                    drawn.push((title, scenario.names().clone(), c.clone()));
                }
            }
            match format {
                Format::Human => {
                    writeln!(out, "{}", human::status_line(&report, width))?;
                    if !args.brief {
                        let detail = if args.verbose {
                            Detail::Verbose
                        } else {
                            Detail::Concise
                        };
                        writeln!(out, "{}", human::details(&report, scenario.names(), detail))?;
                    }
                }
                Format::Json => {
                    writeln!(out, "{}", json::report(&report, scenario.names()))?;
                }
            }
            out.flush()?;
            if !report.as_expected() {
                failed.push(report);
            }
        }
    }
    if format == Format::Human {
        writeln!(out, "{}", "─".repeat(12))?;
        writeln!(
            out,
            "{:>8} [{:>8.3}s] {checked} check{} run: {} as expected, {} not{}",
            "Summary",
            started.elapsed().as_secs_f64(),
            if checked == 1 { "" } else { "s" },
            checked - failed.len(),
            failed.len(),
            if skipped > 0 {
                format!(", {skipped} skipped")
            } else {
                String::new()
            }
        )?;
        if let Some(why) = stopped {
            let left = planned - checked - skipped;
            writeln!(out, "{:>8} {why}: {left} not run", "STOPPED")?;
        }
        for r in &failed {
            writeln!(
                out,
                "{:>8} {} [{}]: {}",
                "FAIL",
                r.scenario,
                r.backend,
                r.mismatches.join("; ")
            )?;
        }
    }
    let timelines: Vec<Timeline<'_>> = drawn
        .iter()
        .map(|(title, names, c)| Timeline::of_counterexample(title.as_str(), names, c))
        .collect();
    drawing.write("interleave check: counterexamples", &timelines)?;
    if let Some((path, mut file)) = junit_file {
        let xml = junit.to_xml()?;
        file.write_all(xml.as_bytes())
            .map_err(|e| cannot_write(path, &e))?;
    }
    Ok(if stopped == Some("interrupted") {
        ExitCode::from(INTERRUPTED)
    } else if !failed.is_empty() {
        ExitCode::from(1)
    } else if checked == 0 {
        if format == Format::Human {
            eprintln!(
                "error: nothing ran: every selected check was skipped (exit {NOTHING_RAN}); pick another backend or smaller parameters"
            );
        }
        ExitCode::from(NOTHING_RAN)
    } else {
        ExitCode::SUCCESS
    })
}

fn cannot_write(path: &std::path::Path, e: &io::Error) -> Failure {
    Failure::Input(Error::new(
        ErrorKind::Output,
        format!("--junit: cannot write `{}`: {e}", path.display()),
    ))
}

/// The exit code when every selected check was skipped (nextest's).
pub(super) const NOTHING_RAN: u8 = 4;
/// The exit code after Ctrl-C (128 + SIGINT, as a shell reports it).
pub(super) const INTERRUPTED: u8 = 130;

/// Raises `interrupt` on the first Ctrl-C: the check running then ends
/// early (the explorer bounded by the stop request, a sampling engine with
/// the executions it has run; loom runs to its own time limit), its report
/// and the summary are printed, and nothing more runs. A second Ctrl-C
/// ends the process at once.
fn on_interrupt(interrupt: interleave::Interrupt) {
    // Fails only when a handler is already set (a second `check` in one
    // process): then Ctrl-C keeps its default, ending the process. The
    // handler runs on one thread, so checking then raising is no race.
    let _ = ctrlc::set_handler(move || {
        if interrupt.is_raised() {
            std::process::exit(i32::from(INTERRUPTED));
        }
        interrupt.raise();
        eprintln!("interrupted: ending the current check early (Ctrl-C again to quit now)");
    });
}

/// The properties and goals of `scenario` that `names` name: every name
/// must name one.
fn judged(
    scenario: &interleave::Scenario,
    names: &[String],
) -> Result<Vec<interleave::Property>, Error> {
    use interleave::Property;
    let all = interleave::checks_of(scenario);
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|p| {
                    p.to_string() == *name || matches!(p, Property::Sometimes(g) if g == name)
                })
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<String> = all.iter().map(|p| format!("`{p}`")).collect();
                    Error::new(
                        ErrorKind::InvalidParameter,
                        format!(
                            "--property: `{}` has no property `{name}`; it has {}",
                            scenario.name(),
                            known.join(", ")
                        ),
                    )
                })
        })
        .collect()
}
