//! The `agreement` header of a group: exactly one per directory (E0027);
//! effective date, zone and calendar validated.

use super::{literals, Sink};
use crate::ast::{self, HeaderField, Item};
use crate::diagnostic::{Code, Diagnostic};
use chrono::NaiveDate;
use chrono_tz::Tz;

/// Id of the header synthesised for in-memory text without one.
pub const ANONYMOUS: &str = "anonymous";

/// Working-day calendars the evaluator knows, with the years they cover.
pub const CALENDARS: &[(&str, i32, i32)] = &[("cn_mainland", 2018, 2026)];

/// The checked header of one group.
pub struct HeaderM {
    pub id: String,
    pub title: String,
    pub version: String,
    pub effective: NaiveDate,
    pub effective_stated: bool,
    pub zone: Tz,
    pub calendar: String,
    pub source_path: Option<String>,
    /// `false` when the group has no header (on disk): its blocks are still
    /// checked, but no agreement is produced.
    pub usable: bool,
}

impl HeaderM {
    fn default_for(id: &str, usable: bool) -> HeaderM {
        HeaderM {
            id: id.to_string(),
            title: String::new(),
            version: String::new(),
            effective: literals::supported_range().0,
            effective_stated: false,
            zone: chrono_tz::Asia::Shanghai,
            calendar: CALENDARS[0].0.to_string(),
            source_path: None,
            usable,
        }
    }
}

/// Years a calendar covers (`None` for an unknown calendar).
pub fn calendar_years(name: &str) -> Option<(i32, i32)> {
    CALENDARS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, lo, hi)| (*lo, *hi))
}

/// Finds the group's headers, reports missing or duplicate ones, and checks
/// the fields of each (so a bad zone in a duplicate header is reported too).
pub fn check_headers(sink: &mut Sink, group: &[&ast::File], in_memory: bool) -> HeaderM {
    let headers: Vec<(&ast::File, &ast::AgreementHeader)> = group
        .iter()
        .flat_map(|f| {
            f.items.iter().filter_map(move |i| match i {
                Item::Agreement(h) => Some((*f, h)),
                Item::Block(_) => None,
            })
        })
        .collect();
    let mut checked: Vec<HeaderM> = headers.iter().map(|(f, h)| one(sink, f, h)).collect();
    if let Some(((_, first), rest)) = headers.split_first() {
        for (_, h) in rest {
            sink.push(
                Diagnostic::new(
                    Code::E0027,
                    format!("duplicate agreement header `{}`", h.id.name),
                )
                .at(h.id.span, "second header in this agreement")
                .also(first.id.span, "the agreement's header is here")
                .help("the files of one directory form one agreement with exactly one `agreement` header"),
            );
        }
        return checked.swap_remove(0);
    }
    if in_memory {
        return HeaderM::default_for(ANONYMOUS, true);
    }
    // Reported in a file the user named, not in one loaded as context.
    let named = group.iter().find(|f| !sink.map.is_context(f.id));
    if let Some(first) = named.or(group.first()) {
        let span = first
            .items
            .first()
            .map_or(ast::Span::new(first.id, 0, 0), |i| match i {
                Item::Agreement(h) => h.span,
                Item::Block(b) => b.span,
            });
        let span = ast::Span::new(span.file, span.start as usize, span.start as usize);
        let dir = sink
            .map
            .get(first.id)
            .and_then(|f| f.path.as_ref())
            .and_then(|p| p.parent())
            .map(|p| p.display().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".to_string());
        sink.push(
            Diagnostic::new(
                Code::E0027,
                format!("no agreement header in `{dir}`"),
            )
            .at(span, "these terms belong to no agreement")
            .help("add a file with `agreement <id> \"<title>\" { version … effective … zone … }` to the directory"),
        );
    }
    HeaderM::default_for(ANONYMOUS, false)
}

fn one(sink: &mut Sink, file: &ast::File, h: &ast::AgreementHeader) -> HeaderM {
    let mut m = HeaderM::default_for(&h.id.name, true);
    m.title = h.title.value.clone();
    let mut seen: Vec<(&'static str, ast::Span)> = Vec::new();
    for field in &h.fields {
        let (name, span) = match field {
            HeaderField::Version(s) => ("version", s.span),
            HeaderField::Effective(i) => ("effective", i.span),
            HeaderField::Zone(i) => ("zone", i.span),
            HeaderField::Source(s) => ("source", s.span),
            HeaderField::Calendar(i) => ("calendar", i.span),
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            sink.push(
                Diagnostic::new(Code::E0035, format!("`{name}` is given twice"))
                    .at(span, "second value")
                    .also(*first, "first value")
                    .help("keep one"),
            );
            continue;
        }
        seen.push((name, span));
        match field {
            HeaderField::Version(s) => m.version = s.value.clone(),
            HeaderField::Effective(d) => {
                if let Some(d) = literals::date(sink, &d.name, d.span) {
                    m.effective = d;
                }
            }
            HeaderField::Zone(z) => {
                if let Some(z) = literals::zone(sink, z) {
                    m.zone = z;
                }
            }
            HeaderField::Source(s) => {
                let path = sink.map.resolve_source_path(file.id, &s.value);
                m.source_path = Some(path.display().to_string());
            }
            HeaderField::Calendar(c) => {
                if calendar_years(&c.name).is_some() {
                    m.calendar = c.name.clone();
                } else {
                    sink.push(
                        Diagnostic::new(
                            Code::E0032,
                            format!("unknown working-day calendar `{}`", c.name),
                        )
                        .at(c.span, "no such calendar")
                        .help("the known calendar is `cn_mainland` (2018–2026)")
                        .suggest(&c.name, CALENDARS.iter().map(|(n, _, _)| *n)),
                    );
                }
            }
        }
    }
    // `effective` may be left out when the text states no date (fidelity
    // over invention); the zone decides every local instant, so it is due.
    m.effective_stated = seen.iter().any(|(n, _)| *n == "effective");
    if !seen.iter().any(|(n, _)| *n == "zone") {
        sink.push(
            Diagnostic::new(Code::E0027, "agreement header without `zone`")
                .at(h.id.span, "`zone` missing")
                .help("add `zone Asia/Shanghai` (the IANA zone the agreement counts days in)"),
        );
    }
    m
}
