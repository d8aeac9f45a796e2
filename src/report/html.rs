//! Timelines as one self-contained HTML page: inline SVG and CSS, no
//! script, nothing fetched. A swimlane per thread, one row per step with
//! its Go-like code and value, arrows for what happens before what through
//! synchronisation, the shared variables each step changes, the breaking
//! step marked, and what the threads wait for at the end.

use std::fmt::Write;

use super::timeline::Timeline;

const LANE_W: usize = 250;
const ROW_H: usize = 24;
const HEADER_H: usize = 34;
/// The step-number column on the left.
const LEFT: usize = 64;
/// The shared-variables column on the right.
const SHARED_W: usize = 220;
/// Characters of a step's text that fit in its box; the rest is in its
/// tooltip.
const FITS: usize = 31;

/// The page, titled `title`, with a section per timeline.
pub fn html_page(title: &str, timelines: &[Timeline<'_>]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 1.5em; color: #1d2330; }}
h1 {{ font-size: 1.3em; }}
h2 {{ font-size: 1.1em; margin-top: 2em; }}
.message {{ background: #fdecec; border-left: 4px solid #c62828; padding: .5em .8em; }}
.legend span {{ margin-right: 1.5em; }}
.scroll {{ overflow-x: auto; }}
svg text {{ font: 12px ui-monospace, monospace; }}
svg .lane-bg {{ fill: #f5f7fa; }}
svg .lane-head rect {{ fill: #3b4a63; }}
svg .lane-head text {{ fill: #fff; font-weight: bold; }}
svg .step rect {{ fill: #dbe7fb; stroke: #7d9bd1; }}
svg .step.preempts rect {{ stroke: #e08a00; stroke-width: 2; }}
svg .step.breaking rect {{ fill: #fbd5d5; stroke: #c62828; stroke-width: 2.5; }}
svg .pending rect {{ fill: #fff; stroke: #888; stroke-dasharray: 4 3; }}
svg .hb {{ fill: none; stroke: #2e7d32; stroke-width: 1.5; opacity: .8; }}
svg .num {{ fill: #666; }}
svg .shared {{ fill: #6a1b9a; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="legend"><span>one lane per thread, one row per step, top to bottom</span><span style="color:#2e7d32">→ happens before (unlock → lock, send → receive, Done → Wait, Signal → wake)</span><span style="color:#e08a00">↷ preemption</span><span style="color:#c62828">✗ where a property breaks</span></p>
"#,
        title = escape(title)
    );
    if timelines.is_empty() {
        out.push_str("<p class=\"empty\">Nothing to draw: no counterexample was found.</p>\n");
    }
    for (i, tl) in timelines.iter().enumerate() {
        section(&mut out, i, tl);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, index: usize, tl: &Timeline<'_>) {
    let _ = writeln!(
        out,
        "<section class=\"timeline\" id=\"timeline-{index}\">\n<h2>{}</h2>",
        escape(&tl.title)
    );
    for b in &tl.breaks {
        let _ = writeln!(
            out,
            "<p class=\"message\">✗ after step {}: <b>{}</b>: {}</p>",
            b.after_step,
            escape(&b.property),
            escape(&b.message)
        );
    }
    if let Some(cmd) = &tl.replay {
        let _ = writeln!(
            out,
            "<p class=\"replay\">replay: <code>{}</code></p>",
            escape(cmd)
        );
    }
    let lanes = tl.thread_count();
    let rows = tl.steps.len() + usize::from(!tl.pending.is_empty());
    let width = LEFT + lanes * LANE_W + SHARED_W;
    let height = HEADER_H + rows * ROW_H + 8;
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    let _ = writeln!(
        out,
        "<defs><marker id=\"arrow-{index}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#2e7d32\"/></marker></defs>"
    );
    for t in 0..lanes {
        let x = LEFT + t * LANE_W;
        let name = escape(tl.thread_name(t));
        let _ = writeln!(
            out,
            "<g class=\"lane\" data-thread=\"{t}\"><rect class=\"lane-bg\" x=\"{}\" y=\"0\" width=\"{}\" height=\"{height}\"/><g class=\"lane-head\"><rect x=\"{}\" y=\"2\" width=\"{}\" height=\"{}\" rx=\"4\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{name}</text></g></g>",
            x + 2,
            LANE_W - 4,
            x + 2,
            LANE_W - 4,
            HEADER_H - 8,
            x + LANE_W / 2,
            HEADER_H / 2 + 2
        );
    }
    let shared_x = LEFT + lanes * LANE_W + 8;
    let _ = writeln!(
        out,
        "<text class=\"shared\" x=\"{shared_x}\" y=\"{}\" font-weight=\"bold\">shared variables</text>",
        HEADER_H / 2 + 2
    );
    let row_y = |k: usize| HEADER_H + (k - 1) * ROW_H;
    let box_x = |t: usize| LEFT + t * LANE_W + 8;
    for (j, s) in tl.steps.iter().enumerate() {
        let k = j + 1;
        let t = s.thread.index();
        let y = row_y(k);
        let breaking = tl.breaks_at(k).is_some();
        let class = match (breaking, s.preempts) {
            (true, _) => "step breaking",
            (false, true) => "step preempts",
            (false, false) => "step",
        };
        let text = if s.value.is_empty() {
            s.code.clone()
        } else {
            format!("{}  [{}]", s.code, s.value)
        };
        let mark = match (breaking, s.preempts) {
            (true, true) => "✗↷",
            (true, false) => "✗",
            (false, true) => "↷",
            (false, false) => "",
        };
        let time = s.time.map_or(String::new(), |t| format!(" (t = {t})"));
        let _ = writeln!(
            out,
            "<g class=\"{class}\" id=\"step-{index}-{k}\" data-step=\"{k}\" data-thread=\"{t}\"><title>step {k}{time}: {}</title><text class=\"num\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{mark} {k}</text>{}</g>",
            escape(&text),
            LEFT - 6,
            y + ROW_H / 2 + 4,
            text_box(box_x(t), y, &text)
        );
        if !s.writes.is_empty() {
            let writes: Vec<String> = s
                .writes
                .iter()
                .map(|w| format!("{} = {}", w.var, w.value))
                .collect();
            let _ = writeln!(
                out,
                "<text class=\"shared\" x=\"{shared_x}\" y=\"{}\">{}</text>",
                y + ROW_H / 2 + 4,
                escape(&writes.join(", "))
            );
        }
    }
    if !tl.pending.is_empty() {
        let y = row_y(tl.steps.len() + 1);
        for p in tl.pending {
            let t = p.thread.index();
            let text = match &p.waits_for {
                Some(why) => format!("» {}  [blocked: {why}]", p.code),
                None => format!("» {}", p.code),
            };
            let _ = writeln!(
                out,
                "<g class=\"pending\" data-thread=\"{t}\"><title>{}</title>{}</g>",
                escape(&text),
                text_box(box_x(t), y, &text)
            );
        }
    }
    for (j, s) in tl.steps.iter().enumerate() {
        let k = j + 1;
        for &from in &s.synchronizes_with {
            let Some(source) = from.checked_sub(1).and_then(|f| tl.steps.get(f)) else {
                continue;
            };
            let (a, b) = (source.thread.index(), s.thread.index());
            let (sy, ty) = (row_y(from) + ROW_H / 2, row_y(k) + ROW_H / 2);
            let (sx, tx) = if a < b {
                (box_x(a) + LANE_W - 16, box_x(b))
            } else {
                (box_x(a), box_x(b) + LANE_W - 16)
            };
            let bend = (sx as f64 + tx as f64) / 2.0;
            let _ = writeln!(
                out,
                "<path class=\"hb\" data-from=\"{from}\" data-to=\"{k}\" d=\"M {sx} {sy} C {bend} {sy}, {bend} {ty}, {tx} {ty}\" marker-end=\"url(#arrow-{index})\"/>"
            );
        }
    }
    out.push_str("</svg></div>\n</section>\n");
}

/// A row's box at `x`, `y` with `text` in it, cut to fit.
fn text_box(x: usize, y: usize, text: &str) -> String {
    format!(
        "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/><text x=\"{}\" y=\"{}\">{}</text>",
        y + 2,
        LANE_W - 16,
        ROW_H - 4,
        x + 6,
        y + ROW_H / 2 + 4,
        escape(&fit(text))
    )
}

/// `text` cut to what fits in a step's box.
fn fit(text: &str) -> String {
    if text.chars().count() <= FITS {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(FITS - 1).collect();
        format!("{cut}…")
    }
}

/// `text` safe inside HTML and SVG text and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_cut_to_fit() {
        assert_eq!(
            escape("a < b && \"c\""),
            "a &lt; b &amp;&amp; &quot;c&quot;"
        );
        assert_eq!(fit("short"), "short");
        let long = "x".repeat(FITS + 5);
        assert_eq!(fit(&long).chars().count(), FITS);
        assert!(fit(&long).ends_with('…'));
    }
}
