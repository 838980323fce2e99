//! The `agreement` header of a group: exactly one per directory (E0027);
//! effective date, zone and calendar validated.

use super::{literals, Sink};
use crate::ast::{self, HeaderField, Item};
use crate::calendar::WorkCalendar;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::AgreementText;
use chrono::NaiveDate;
use chrono_tz::Tz;

/// Id of the header synthesised for in-memory text without one.
pub const ANONYMOUS: &str = "anonymous";

/// The shipped working-day calendar, used when the header names none.
pub const DEFAULT_CALENDAR: &str = "cn_mainland";

/// Working-day calendars the evaluator knows, with the years they cover.
pub const CALENDARS: &[(&str, i32, i32)] = &[(DEFAULT_CALENDAR, 2018, 2026)];

/// The checked header of one group.
pub struct HeaderM {
    pub id: String,
    pub title: String,
    pub version: String,
    pub effective: NaiveDate,
    pub effective_stated: bool,
    pub zone: Tz,
    /// Whether the header states its `zone`.
    pub zone_stated: bool,
    /// Headers without `zone` (the group's and any second one's), by
    /// their id's span: E0046 when the agreement counts on local dates,
    /// E0027 otherwise (`blocks`).
    pub zoneless: Vec<ast::Span>,
    /// The header, for pointing at it.
    pub span: Option<ast::Span>,
    pub calendar: String,
    pub workdays: &'static WorkCalendar,
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
            zone_stated: true,
            zoneless: Vec::new(),
            span: None,
            calendar: CALENDARS[0].0.to_string(),
            workdays: shipped(),
            source_path: None,
            usable,
        }
    }
}

/// The shipped calendar. Its data is part of the binary and a unit test
/// parses it; should it ever fail, an empty calendar makes every workday
/// count an error rather than a guess.
pub fn shipped() -> &'static WorkCalendar {
    crate::calendar::cn_mainland()
        .unwrap_or_else(|_| crate::calendar::intern(WorkCalendar::empty()))
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
    let zoneless: Vec<ast::Span> = headers
        .iter()
        .zip(&checked)
        .filter(|(_, m)| !m.zone_stated)
        .map(|((_, h), _)| h.id.span)
        .collect();
    if let Some(first) = checked.first_mut() {
        first.zoneless = zoneless;
    }
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
            HeaderField::CalendarFile(s) => ("calendar", s.span),
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
            HeaderField::CalendarFile(f) => {
                let path = sink.map.resolve_source_path(file.id, &f.value);
                if let Some(cal) = calendar_file(sink, f, &path) {
                    m.calendar = path.display().to_string();
                    m.workdays = cal;
                }
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
                        .help("the known calendar is `cn_mainland` (2018–2026); a calendar file is named with `calendar \"path\"`")
                        .suggest(&c.name, CALENDARS.iter().map(|(n, _, _)| *n)),
                    );
                }
            }
        }
    }
    // `effective` may be left out when the text states no date (fidelity
    // over invention); the zone decides every local instant, so it is due.
    m.effective_stated = seen.iter().any(|(n, _)| *n == "effective");
    m.span = Some(h.id.span);
    m.zone_stated = seen.iter().any(|(n, _)| *n == "zone");
    m
}

/// A calendar file named by the header, read by the loader: E0050 when it
/// is missing, unreadable or not in the calendar format (with its line and
/// column).
fn calendar_file(
    sink: &mut Sink,
    f: &ast::Str,
    path: &std::path::Path,
) -> Option<&'static WorkCalendar> {
    let problem = match sink.map.calendar_text(path) {
        Some(AgreementText::Loaded(text)) => match WorkCalendar::parse(text) {
            Ok(cal) => return Some(crate::calendar::intern(cal)),
            Err(crate::calendar::CalendarError::Data {
                line,
                column,
                message,
            }) => format!("line {line}, column {column}: {message}"),
            Err(e) => e.to_string(),
        },
        Some(AgreementText::Unreadable(why)) => format!("cannot read it: {why}"),
        None => "it was not loaded (text checked from memory names no files)".to_string(),
    };
    sink.push(
        Diagnostic::new(
            Code::E0050,
            format!("working-day calendar `{}`: {problem}", path.display()),
        )
        .at(f.span, "this calendar file")
        .help("a calendar file has the format of data/cn_mainland_workdays.txt: one `range <first>..<last>` line, then `off <date>[..<date>]` and `work <date>` lines"),
    );
    None
}
