//! Rendering an evaluation for people: `clausec explain` (a timeline with
//! citations) and the text form of `clausec eval`. Builds strings only.

use super::report::{PendingReport, Report};
use super::{Evaluation, Machine, TimelineEvent};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Text,
    Markdown,
}

struct Line {
    at: i64,
    /// 0 = event, 1 = action: events first at the same instant only when
    /// they came first; kept stable by insertion order.
    what: String,
    place: String,
    cite: String,
    quote: String,
}

fn quoted(q: &Option<String>) -> String {
    q.as_ref().map(|q| format!("「{q}」")).unwrap_or_default()
}

/// A timeline: the events, then every action at its instant, then what is
/// pending; each line with the clause file:line, § cite and quoted words.
pub fn explain(m: &Machine, events: &[TimelineEvent], e: &Evaluation, style: Style) -> String {
    let mut lines: Vec<Line> = Vec::new();
    for ev in events.iter().filter(|x| x.at.timestamp() <= e.at) {
        let mut what = format!("event `{}`", ev.event);
        if let Some(a) = ev.amount {
            let _ = write!(what, " {a}");
        }
        if let Some(u) = ev.until {
            let _ = write!(what, " (paid until {})", m.format_instant(u.timestamp()));
        }
        if let Some(n) = &ev.note {
            let _ = write!(what, " — {n}");
        }
        lines.push(Line {
            at: ev.at.timestamp(),
            what,
            place: String::new(),
            cite: String::new(),
            quote: String::new(),
        });
    }
    for f in &e.actions {
        for a in m.action_reports(f) {
            let mut what = match a.modality.as_str() {
                "will" => format!("{} {}", a.action, a.targets.join(", ")),
                "may" => format!("provider may {} {}", a.action, a.targets.join(", ")),
                "customer_may" => format!("customer may {}", a.action),
                _ => format!("customer must {}", a.action),
            };
            what = what.trim_end().to_string();
            if let Some([s1, s2]) = &a.readings {
                let _ = write!(what, " (readings {s1} / {s2}, {} chosen)", e.reading.name());
            }
            if let Some([w1, w2]) = &a.window {
                let _ = write!(what, " (window {w1} .. {w2})");
            }
            lines.push(Line {
                at: f.at,
                what,
                place: format!("{}:{}", m.ir.text(f.step).file, m.ir.text(f.step).line),
                cite: a.cite.clone().map(|c| format!("§{c}")).unwrap_or_default(),
                quote: quoted(&a.quote),
            });
        }
    }
    lines.sort_by_key(|l| l.at);
    let report = m.report(e);
    let mut out = String::new();
    let title = format!(
        "{} / {} ({}) at {}, reading {}",
        report.agreement,
        report.product,
        account_kind(&report),
        report.at,
        report.reading
    );
    match style {
        Style::Text => {
            let _ = writeln!(out, "{title}");
            for l in &lines {
                let _ = writeln!(out, "{}  {}", m.format_instant(l.at), l.what);
                if !l.place.is_empty() {
                    let _ = writeln!(out, "    {} {} {}", l.place, l.cite, l.quote);
                }
            }
            for p in &report.pending {
                let _ = writeln!(
                    out,
                    "{}  pending: {}{}",
                    p.due,
                    pending_what(p),
                    cure_note(p)
                );
            }
            out.push_str(&summary(&report));
        }
        Style::Markdown => {
            let _ = writeln!(out, "### {title}\n");
            let _ = writeln!(out, "| instant | what | clause | § | words |");
            let _ = writeln!(out, "|---|---|---|---|---|");
            for l in &lines {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    m.format_instant(l.at),
                    l.what.replace('|', "\\|"),
                    l.place,
                    l.cite,
                    l.quote.replace('|', "\\|")
                );
            }
            for p in &report.pending {
                let _ = writeln!(
                    out,
                    "| {} | pending: {}{} | | {} | |",
                    p.due,
                    pending_what(p),
                    cure_note(p).replace('|', "\\|"),
                    p.cite
                        .as_deref()
                        .map(|c| format!("§{c}"))
                        .unwrap_or_default()
                );
            }
            // A list, so that the state lines stay lines once rendered.
            let _ = writeln!(out, "\n#### State at {}\n", report.at);
            for line in summary(&report).lines() {
                let _ = writeln!(out, "- {}", markdown_inline(line));
            }
        }
    }
    out
}

/// A pending step's action and targets (`stop service`, `terminate`).
fn pending_what(p: &PendingReport) -> String {
    format!("{} {}", p.action, p.targets.join(", "))
        .trim_end()
        .to_string()
}

/// What a cure does to a pending step, in words: ` (kept even if cured)`,
/// ` (cancelled by renewal, settled)`, or nothing for a rule without a cure.
fn cure_note(p: &PendingReport) -> String {
    if p.kept {
        " (kept even if cured)".to_string()
    } else if p.cancelled_by.is_empty() {
        String::new()
    } else {
        format!(" (cancelled by {})", p.cancelled_by.join(", "))
    }
}

/// Text that Markdown must not read as emphasis, code or a table cell.
fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '|' | '<' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The state part shared by `eval --format text` and `explain`.
pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let name = |v: &dyn erased::Name| v.name();
    let _ = writeln!(out, "service: {}", name(&r.service));
    let _ = writeln!(out, "data: {}", name(&r.data));
    for (c, s) in &r.capabilities {
        let _ = writeln!(out, "capability {c}: {}", name(s));
    }
    for (c, s) in &r.resources {
        let _ = writeln!(out, "resource {c}: {}", name(s));
    }
    if !r.irreversible.is_empty() {
        let _ = writeln!(
            out,
            "irreversible (never restored): {}",
            r.irreversible.join(", ")
        );
    }
    for w in &r.windows {
        let _ = writeln!(
            out,
            "window: {} {} from {} to {} (§{})",
            w.modality,
            w.action,
            w.start,
            w.end.as_deref().unwrap_or("open"),
            w.cite.as_deref().unwrap_or("?")
        );
    }
    for o in &r.obligations {
        let _ = writeln!(
            out,
            "obligation: {} {} {}{} (§{})",
            o.party,
            o.kind,
            o.amount.as_deref().unwrap_or("-"),
            o.until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default(),
            o.cite.as_deref().unwrap_or("?")
        );
    }
    let _ = writeln!(out, "rounding: {}", r.rounding);
    out
}

/// The billing mode and the variant values, as a scenario names them
/// (`prepaid yearly`).
fn account_kind(r: &Report) -> String {
    std::iter::once(r.billing.as_str())
        .chain(r.variants.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text form of `clausec eval`.
pub fn status_text(r: &Report) -> String {
    let mut out = format!(
        "{} / {} ({}) at {}, reading {}\n",
        r.agreement,
        r.product,
        account_kind(r),
        r.at,
        r.reading
    );
    for a in &r.actions {
        let _ = writeln!(
            out,
            "{}  {} {} [{}] {}:{} §{}",
            a.at,
            a.action,
            a.targets.join(", "),
            a.modality,
            a.file,
            a.line,
            a.cite.as_deref().unwrap_or("?")
        );
    }
    for p in &r.pending {
        let _ = writeln!(
            out,
            "pending {}  {}{}",
            p.due,
            pending_what(p),
            cure_note(p)
        );
    }
    out.push_str(&summary(r));
    out
}

mod erased {
    use crate::model::{CapabilityState, DataState, ResourceState, ServiceState};
    /// The snake_case name of a state value.
    pub trait Name {
        fn name(&self) -> String;
    }
    macro_rules! named {
        ($($t:ty),*) => {$(
            impl Name for $t {
                fn name(&self) -> String {
                    serde_json::to_value(self)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }
            }
        )*};
    }
    named!(CapabilityState, DataState, ResourceState, ServiceState);
}
