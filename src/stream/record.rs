//! The NDJSON records `clausec run` reads and writes.
//!
//! Input, one object per line:
//! `{"account","product","billing"?,"at","event","amount"?,"until"?,"note"?}`
//! (`billing` defaults to the product's first declared mode; `at` and
//! `until` are RFC 3339 with an offset and whole seconds; `amount` is a
//! decimal string). Output, one object per action of each fired step:
//! `{"account","product","billing","at","action","targets","modality","cite"}`.
//! `modality` is kept because a `may` step is a right the provider gains, not
//! something it must do, and a pipeline acting on the output must know which.

use crate::eval::Machine;
use crate::vocab::Billing;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::borrow::Cow;
use std::str::FromStr;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine<'a> {
    #[serde(borrow)]
    account: Cow<'a, str>,
    #[serde(borrow)]
    product: Cow<'a, str>,
    #[serde(borrow, default)]
    billing: Option<Cow<'a, str>>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow, default)]
    amount: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    until: Option<Cow<'a, str>>,
    #[serde(default, rename = "note")]
    _note: Option<serde::de::IgnoredAny>,
}

/// One input line, parsed but not yet resolved against the agreements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRecord<'a> {
    pub account: Cow<'a, str>,
    pub product: Cow<'a, str>,
    pub billing: Option<Billing>,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub event: Cow<'a, str>,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
}

fn instant(s: &str, field: &str) -> Result<i64, String> {
    crate::eval::parse_instant(s)
        .map(|t| t.timestamp())
        .map_err(|m| format!("`{field}`: {m}"))
}

/// Parses one NDJSON line. Errors are messages without the line number (the
/// caller knows it).
pub fn parse_line(line: &str) -> Result<InputRecord<'_>, String> {
    let raw: RawLine<'_> = serde_json::from_str(line).map_err(|e| format!("bad event: {e}"))?;
    let billing = match raw.billing.as_deref() {
        None => None,
        Some(b) => Some(Billing::from_name(b).ok_or_else(|| {
            format!("unknown billing mode `{b}`; expected prepaid, postpaid or package")
        })?),
    };
    if raw.account.is_empty() {
        return Err("`account` is empty".into());
    }
    let amount = match raw.amount.as_deref() {
        None => None,
        Some(s) => Some(
            Decimal::from_str(s).map_err(|_| format!("amount `{s}` is not a decimal number"))?,
        ),
    };
    Ok(InputRecord {
        at: instant(&raw.at, "at")?,
        until: raw
            .until
            .as_deref()
            .map(|u| instant(u, "until"))
            .transpose()?,
        account: raw.account,
        product: raw.product,
        billing,
        event: raw.event,
        amount,
    })
}

/// Pre-rendered JSON pieces of one machine's output lines, so formatting an
/// action is a few string copies.
#[derive(Clone, Debug)]
pub struct OutputFormat {
    /// `,"product":…,"billing":…,"at":"`
    head: String,
    /// Per step: one tail per action, `","action":…,"cite":…}`.
    tails: Vec<Vec<String>>,
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into())
}

impl OutputFormat {
    pub fn new(m: &Machine) -> OutputFormat {
        let head = format!(
            ",\"product\":{},\"billing\":{},\"at\":\"",
            json_str(&m.ir.product),
            json_str(m.ir.billing.name())
        );
        let tails =
            m.ir.steps
                .iter()
                .map(|s| {
                    s.actions
                        .iter()
                        .map(|a| {
                            let targets: Vec<String> = m
                                .target_names(a.verb, &a.targets)
                                .iter()
                                .map(|t| json_str(t))
                                .collect();
                            format!(
                                "\",\"action\":{},\"targets\":[{}],\"modality\":{},\"cite\":{}}}",
                                json_str(a.verb.name()),
                                targets.join(","),
                                json_str(crate::eval::modality_name(s.modality)),
                                s.cite.as_deref().map_or("null".into(), json_str)
                            )
                        })
                        .collect()
                })
                .collect();
        OutputFormat { head, tails }
    }

    /// Appends one line (with `\n`) per action of `step` fired at `at`.
    pub fn write(&self, m: &Machine, account: &str, step: u32, at: i64, out: &mut String) {
        let Some(tails) = self.tails.get(step as usize) else {
            return;
        };
        if tails.is_empty() {
            return;
        }
        let mut prefix = String::with_capacity(64);
        prefix.push_str("{\"account\":");
        if account
            .bytes()
            .all(|b| b >= 0x20 && b != b'"' && b != b'\\')
        {
            prefix.push('"');
            prefix.push_str(account);
            prefix.push('"');
        } else {
            prefix.push_str(&json_str(account));
        }
        prefix.push_str(&self.head);
        prefix.push_str(&m.format_instant(at));
        for t in tails {
            out.push_str(&prefix);
            out.push_str(t);
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_line_and_names_problems() {
        let r = parse_line(
            r#"{"account":"a1","product":"log_service","billing":"postpaid","at":"2024-06-01T10:00:00+08:00","event":"arrears","amount":"1.50"}"#,
        )
        .expect("valid");
        assert_eq!(r.account, "a1");
        assert_eq!(r.billing, Some(Billing::Postpaid));
        assert_eq!(r.at, 1_717_207_200);
        let e = parse_line(
            r#"{"account":"a1","product":"x","at":"2024-06-01T10:00:00","event":"arrears"}"#,
        )
        .unwrap_err();
        assert!(e.contains("no offset"), "{e}");
        let e = parse_line(r#"{"account":"a1","product":"x","billing":"monthly","at":"2024-06-01T10:00:00Z","event":"arrears"}"#)
            .unwrap_err();
        assert!(e.contains("`monthly`"), "{e}");
        assert!(parse_line("{not json").is_err());
    }
}
