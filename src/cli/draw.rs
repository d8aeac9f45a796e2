//! `--trace-out` and `--html`: the counterexamples (or a replayed schedule)
//! drawn as a Chrome trace and as a page, for `check` and `replay`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use interleave::report::{Timeline, chrome_trace, html_page};
use interleave::{Error, ErrorKind};

/// Where to draw the timelines.
#[derive(Args, Debug, Default, Clone)]
pub(super) struct DrawArgs {
    /// Also writes each counterexample (for `replay`: the schedule) as
    /// Chrome Trace Event JSON to this file, for Perfetto
    /// (ui.perfetto.dev) or chrome://tracing: a track per thread, a slice
    /// per step, arrows for happens-before edges, a counter per shared
    /// variable.
    #[arg(long, value_name = "FILE")]
    pub(super) trace_out: Option<PathBuf>,
    /// Also writes the same as one self-contained HTML page (no network):
    /// a swimlane per thread, the breaking step marked, happens-before
    /// arrows.
    #[arg(long, value_name = "FILE")]
    pub(super) html: Option<PathBuf>,
}

/// The files asked for, created before anything runs, so that a path
/// that cannot be written fails at once rather than after the checks.
pub(super) struct Drawing {
    trace_out: Option<(PathBuf, std::fs::File)>,
    html: Option<(PathBuf, std::fs::File)>,
}

impl DrawArgs {
    pub(super) fn open(&self) -> Result<Drawing, Error> {
        let create = |option: &str, path: &Option<PathBuf>| -> Result<_, Error> {
            path.as_ref()
                .map(|p| {
                    std::fs::File::create(p)
                        .map(|f| (p.clone(), f))
                        .map_err(|e| cannot_write(option, p, &e))
                })
                .transpose()
        };
        Ok(Drawing {
            trace_out: create("--trace-out", &self.trace_out)?,
            html: create("--html", &self.html)?,
        })
    }
}

impl Drawing {
    /// Writes `timelines` to each file asked for.
    pub(super) fn write(self, title: &str, timelines: &[Timeline<'_>]) -> Result<(), Error> {
        if let Some((path, mut file)) = self.trace_out {
            file.write_all(chrome_trace(timelines).as_bytes())
                .map_err(|e| cannot_write("--trace-out", &path, &e))?;
        }
        if let Some((path, mut file)) = self.html {
            file.write_all(html_page(title, timelines).as_bytes())
                .map_err(|e| cannot_write("--html", &path, &e))?;
        }
        Ok(())
    }
}

fn cannot_write(option: &str, path: &std::path::Path, e: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::Output,
        format!("{option}: cannot write `{}`: {e}", path.display()),
    )
}
