//! Reading an events file (JSON array or NDJSON) into a timeline. Pure: the
//! caller supplies the text. Every problem names the line it is on.

use super::types::Event;
use super::Machine;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One event as written in an events file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at: DateTime<FixedOffset>,
    pub event: String,
    pub amount: Option<Decimal>,
    pub note: Option<String>,
    /// End of the paid term (`purchase`).
    pub until: Option<DateTime<FixedOffset>>,
    /// 1-based line of the event in its file.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TimelineError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    at: serde_json::Value,
    event: String,
    #[serde(default)]
    amount: Option<serde_json::Value>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    until: Option<serde_json::Value>,
}

fn err(line: usize, message: impl Into<String>) -> TimelineError {
    TimelineError {
        line,
        message: message.into(),
    }
}

/// Why a string is not an accepted instant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstantError {
    #[error("instant `{0}` has fractional seconds; use whole seconds")]
    Fraction(String),
    #[error("instant `{0}` has no offset; add one, e.g. `{0}+08:00`")]
    NoOffset(String),
    #[error("`{0}` is not an RFC 3339 instant")]
    NotRfc3339(String),
    /// Returned for an instant before 2000-01-01T00:00:00Z or after
    /// 2136-02-07T06:28:12Z, the range the evaluator accepts.
    #[error("instant `{0}` is outside the supported range (2000-01-01T00:00:00Z to 2136-02-07T06:28:12Z)")]
    OutOfRange(String),
}

/// An RFC 3339 instant with an explicit offset and whole seconds, inside
/// the range the evaluator accepts.
pub fn parse_instant(s: &str) -> Result<DateTime<FixedOffset>, InstantError> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) if t.nanosecond() != 0 => Err(InstantError::Fraction(s.to_string())),
        Ok(t) if !crate::compile::layout::accepted(t.timestamp()) => {
            Err(InstantError::OutOfRange(s.to_string()))
        }
        Ok(t) => Ok(t),
        Err(_) => {
            let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
                .iter()
                .any(|f| NaiveDateTime::parse_from_str(s, f).is_ok());
            if naive {
                Err(InstantError::NoOffset(s.to_string()))
            } else {
                Err(InstantError::NotRfc3339(s.to_string()))
            }
        }
    }
}

fn instant_field(
    v: &serde_json::Value,
    line: usize,
    field: &str,
) -> Result<DateTime<FixedOffset>, TimelineError> {
    match v.as_str() {
        Some(s) => parse_instant(s).map_err(|m| err(line, m.to_string())),
        None => Err(err(line, format!("`{field}` must be a string"))),
    }
}

/// Byte offsets of the top-level objects of a JSON array.
fn array_objects(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    out.push(i);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Parses an events file: a JSON array of objects or one object per line.
pub fn parse_events(text: &str) -> Result<Vec<TimelineEvent>, TimelineError> {
    let trimmed = text.trim_start();
    let mut raws: Vec<(usize, Raw)> = Vec::new();
    if trimmed.starts_with('[') {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            return Err(err(e.line(), format!("invalid JSON: {e}")));
        }
        for off in array_objects(text) {
            let line = line_of(text, off);
            let mut de = serde_json::Deserializer::from_str(&text[off..]);
            let raw =
                Raw::deserialize(&mut de).map_err(|e| err(line, format!("bad event: {e}")))?;
            raws.push((line, raw));
        }
    } else {
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            let raw: Raw =
                serde_json::from_str(l).map_err(|e| err(i + 1, format!("bad event: {e}")))?;
            raws.push((i + 1, raw));
        }
    }
    let mut out: Vec<TimelineEvent> = Vec::with_capacity(raws.len());
    for (line, raw) in raws {
        let at = instant_field(&raw.at, line, "at")?;
        let until = raw
            .until
            .as_ref()
            .map(|v| instant_field(v, line, "until"))
            .transpose()?;
        let amount = match &raw.amount {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => {
                let a = Decimal::from_str(s)
                    .map_err(|_| err(line, format!("amount `{s}` is not a decimal number")))?;
                if a.is_sign_negative() && !a.is_zero() {
                    return Err(err(
                        line,
                        format!("amount `{s}` is negative; amounts of money are never negative"),
                    ));
                }
                Some(a)
            }
            Some(v) => {
                return Err(err(
                    line,
                    format!("amount `{v}` must be a decimal string, e.g. \"120.00\""),
                ))
            }
        };
        if let Some(prev) = out.last() {
            if at < prev.at {
                return Err(err(
                    line,
                    format!(
                        "event at `{}` comes before the previous one at `{}`; sort the events",
                        at.to_rfc3339(),
                        prev.at.to_rfc3339()
                    ),
                ));
            }
        }
        out.push(TimelineEvent {
            at,
            event: raw.event,
            amount,
            note: raw.note,
            until,
            line,
        });
    }
    Ok(out)
}

impl Machine {
    /// Resolves event names for this machine; unknown names are errors.
    pub fn timeline(&self, events: &[TimelineEvent]) -> Result<Vec<Event>, TimelineError> {
        events
            .iter()
            .map(|e| {
                let id = self.ir.event_id(&e.event).ok_or_else(|| {
                    err(
                        e.line,
                        match crate::diagnostic::closest(
                            &e.event,
                            self.ir.events.iter().map(String::as_str),
                        ) {
                            Some(near) => format!(
                                "unknown event `{}`; did you mean `{near}`? known events: {}",
                                e.event,
                                self.ir.events.join(", ")
                            ),
                            None => format!(
                                "unknown event `{}`; known events: {}",
                                e.event,
                                self.ir.events.join(", ")
                            ),
                        },
                    )
                })?;
                Ok(Event {
                    at: e.at.timestamp(),
                    event: id,
                    amount: e.amount,
                    until: e.until.map(|u| u.timestamp()),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_and_ndjson_agree() {
        let arr = "[\n {\"at\": \"2024-06-01T10:00:00+08:00\", \"event\": \"arrears\", \"amount\": \"1.50\"},\n {\"at\": \"2024-06-02T10:00:00+08:00\", \"event\": \"payment\"}\n]";
        let nd = "{\"at\": \"2024-06-01T10:00:00+08:00\", \"event\": \"arrears\", \"amount\": \"1.50\"}\n{\"at\": \"2024-06-02T10:00:00+08:00\", \"event\": \"payment\"}\n";
        let a = parse_events(arr).expect("array");
        let b = parse_events(nd).expect("ndjson");
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].line, a[1].line, b[1].line), (2, 3, 2));
        assert_eq!(a[0].amount, b[0].amount);
    }

    #[test]
    fn problems_name_their_line() {
        let e =
            parse_events("{\"at\": \"2024-06-01T10:00:00\", \"event\": \"arrears\"}").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("no offset"), "{}", e.message);
        let e = parse_events("{\"at\": \"2024-06-02T10:00:00Z\", \"event\": \"a\"}\n{\"at\": \"2024-06-01T10:00:00Z\", \"event\": \"a\"}").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_events(
            "\n{\"at\": \"2024-06-02T10:00:00Z\", \"event\": \"a\", \"amount\": \"1,5\"}",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("decimal"));
    }
}
