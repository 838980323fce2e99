//! The NDJSON records `clausec run` reads and writes.
//!
//! Input, one object per line:
//! `{"account","product","billing"?,"variants"?,"at","event","amount"?,"until"?,"note"?}`
//! (`billing` defaults to the product's first declared mode; `variants` is
//! an array of the account's variant values, `["yearly"]`; `at` and
//! `until` are RFC 3339 with an offset and whole seconds; `amount` is a
//! decimal string). Output, one object per action of each fired step:
//! `{"account","product","billing","variants"?,"at","action","targets","modality","cite"}`
//! (`variants` only for an account that has some).
//! `modality` is kept because a `may` step is a right the provider gains, not
//! something it must do, and a pipeline acting on the output must know which.

use super::error::ParseError;
use crate::compile::StepIx;
use crate::eval::{Fired, Machine};
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
    #[serde(borrow, default)]
    variants: Vec<Cow<'a, str>>,
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
    /// The account's variant values as the line names them (empty: none).
    pub variants: Vec<Cow<'a, str>>,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub event: Cow<'a, str>,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
}

fn instant(s: &str, field: &'static str) -> Result<i64, ParseError> {
    let error = |error| ParseError::Instant { field, error };
    match fast_instant(s) {
        Some(t) if crate::compile::layout::accepted(t) => Ok(t),
        Some(_) => Err(error(crate::eval::InstantError::OutOfRange(s.to_string()))),
        None => crate::eval::parse_instant(s)
            .map(|t| t.timestamp())
            .map_err(error),
    }
}

/// The common spelling of an instant, `YYYY-MM-DDTHH:MM:SS` then `Z` or
/// `±HH:MM`, read by hand; `None` for anything else (lowercase `t`/`z`,
/// fractions, a leap second, `-00:00`, an impossible date), which then goes
/// through [`crate::eval::parse_instant`] and gets its result or message.
/// Public for the fuzz target and tests that hold it to chrono.
#[doc(hidden)]
pub fn fast_instant(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 && b.len() != 25 {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if y < 1 || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let offset = match (b.len(), b[19]) {
        (20, b'Z') => 0,
        (25, sign @ (b'+' | b'-')) => {
            let (oh, om) = (num(20, 22)?, num(23, 25)?);
            if b[22] != b':' || oh > 23 || om > 59 || (sign == b'-' && oh == 0 && om == 0) {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses one NDJSON line. Errors are messages without the line number (the
/// caller knows it).
pub fn parse_line(line: &str) -> Result<InputRecord<'_>, ParseError> {
    match fast_raw(line) {
        Some(raw) => resolve(raw),
        None => parse_line_serde(line),
    }
}

/// [`parse_line`] through serde_json alone (the reference the fast path is
/// tested against, and the path for every line the fast path declines).
/// Public for the fuzz target and tests that hold the fast path to it.
#[doc(hidden)]
pub fn parse_line_serde(line: &str) -> Result<InputRecord<'_>, ParseError> {
    let raw: RawLine<'_> =
        serde_json::from_str(line).map_err(|e| ParseError::Json(e.to_string()))?;
    resolve(raw)
}

const KEYS: [&str; 7] = [
    "account", "product", "billing", "at", "event", "amount", "until",
];

/// The common shape of a line, read without serde: `{"key":"value",…}` with
/// no whitespace, only the known keys, each at most once, and string values
/// without escapes or control characters. Anything else (`note`,
/// `variants`, `null`,
/// escapes, spaces, a missing field, trailing bytes) returns `None` and goes
/// through serde_json, so what is accepted and every error message are
/// exactly serde's.
fn fast_raw(line: &str) -> Option<RawLine<'_>> {
    let b = line.as_bytes();
    if b.first() != Some(&b'{') || b.last() != Some(&b'}') {
        return None;
    }
    let mut fields: [Option<&str>; 7] = [None; 7];
    let mut i = 1;
    loop {
        let (key, next) = plain_string_at(line, i)?;
        if b.get(next) != Some(&b':') {
            return None;
        }
        let (value, next) = plain_string_at(line, next + 1)?;
        let k = KEYS.iter().position(|k| *k == key)?;
        if fields[k].replace(value).is_some() {
            return None;
        }
        match b.get(next) {
            Some(b',') => i = next + 1,
            Some(b'}') if next + 1 == b.len() => break,
            _ => return None,
        }
    }
    let [account, product, billing, at, event, amount, until] = fields;
    Some(RawLine {
        account: Cow::Borrowed(account?),
        product: Cow::Borrowed(product?),
        billing: billing.map(Cow::Borrowed),
        variants: Vec::new(),
        at: Cow::Borrowed(at?),
        event: Cow::Borrowed(event?),
        amount: amount.map(Cow::Borrowed),
        until: until.map(Cow::Borrowed),
        _note: None,
    })
}

/// The JSON string starting at byte `i` if it needs no unescaping, and the
/// byte after its closing quote.
fn plain_string_at(line: &str, i: usize) -> Option<(&str, usize)> {
    let b = line.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let len = b
        .get(start..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    let end = start + len;
    if b[end] != b'"' {
        return None;
    }
    Some((line.get(start..end)?, end + 1))
}

fn resolve(raw: RawLine<'_>) -> Result<InputRecord<'_>, ParseError> {
    let billing = match raw.billing.as_deref() {
        None => None,
        Some(b) => Some(Billing::from_name(b).ok_or_else(|| ParseError::Billing(b.to_string()))?),
    };
    if raw.account.is_empty() {
        return Err(ParseError::EmptyAccount);
    }
    let amount = match raw.amount.as_deref() {
        None => None,
        Some(s) => {
            let a = Decimal::from_str(s).map_err(|_| ParseError::Amount(s.to_string()))?;
            if a.is_sign_negative() && !a.is_zero() {
                return Err(ParseError::NegativeAmount(a));
            }
            Some(a)
        }
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
        variants: raw.variants,
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
        let variants = if m.ir.variants.is_empty() {
            String::new()
        } else {
            let values: Vec<String> = m.ir.variants.iter().map(|v| json_str(v)).collect();
            format!(",\"variants\":[{}]", values.join(","))
        };
        let head = format!(
            ",\"product\":{},\"billing\":{}{variants},\"at\":\"",
            json_str(&m.ir.product),
            json_str(m.ir.billing.name())
        );
        let tails = (0..m.ir.steps.len() as u32)
            .map(StepIx)
            .map(|step| {
                let f = Fired {
                    at: 0,
                    step,
                    readings: None,
                    window: None,
                    restored: 0,
                };
                m.ir.actions(step)
                    .iter()
                    .map(|a| Self::action_tail(m, &f, a))
                    .collect()
            })
            .collect();
        OutputFormat { head, tails }
    }

    /// `","action":…,"cite":…}` of one action of the fired step `f`.
    fn action_tail(m: &Machine, f: &Fired, a: &crate::compile::Action) -> String {
        let s = m.ir.step(f.step);
        let cite = &m.ir.text(f.step).cite;
        let targets: Vec<String> = m.fired_targets(f, a).iter().map(|t| json_str(t)).collect();
        format!(
            "\",\"action\":{},\"targets\":[{}],\"modality\":{},\"cite\":{}}}",
            json_str(a.verb.name()),
            targets.join(","),
            json_str(crate::vocab::modality_name(s.modality)),
            cite.as_deref().map_or("null".into(), json_str)
        )
    }

    /// The one tail of a cure's `resume` (its targets vary with what it
    /// restored, so it is not pre-rendered).
    #[cold]
    fn tail(m: &Machine, f: &Fired) -> String {
        m.ir.actions(f.step)
            .first()
            .map(|a| Self::action_tail(m, f, a))
            .unwrap_or_default()
    }

    /// Appends one line (with `\n`) per action of the step `f` fired.
    pub fn write(&self, m: &Machine, account: &str, f: &Fired, out: &mut String) {
        let at = f.at;
        let resumed;
        let tails = if f.restored == 0 {
            match self.tails.get(f.step.0 as usize) {
                Some(t) => t,
                None => return,
            }
        } else {
            // a cure's `resume`: its targets are what it restored
            resumed = vec![Self::tail(m, f)];
            &resumed
        };
        if tails.is_empty() {
            return;
        }
        let start = out.len();
        out.push_str("{\"account\":");
        if account
            .bytes()
            .all(|b| b >= 0x20 && b != b'"' && b != b'\\')
        {
            out.push('"');
            out.push_str(account);
            out.push('"');
        } else {
            out.push_str(&json_str(account));
        }
        out.push_str(&self.head);
        write_instant(&m.ir.zone, at, out);
        let prefix_end = out.len();
        for (k, t) in tails.iter().enumerate() {
            if k > 0 {
                // Rare (a step with several actions): copy the prefix back.
                let prefix = out[start..prefix_end].to_string();
                out.push_str(&prefix);
            }
            out.push_str(t);
            out.push('\n');
        }
    }
}

/// Appends `at` as RFC 3339 in `zone`, byte for byte what
/// [`Machine::format_instant`] gives, without its allocations: the zone is
/// asked only for the offset, and the civil date is computed here. Years
/// outside 0–9999 and offsets with seconds go through chrono.
pub fn write_instant(zone: &chrono_tz::Tz, at: i64, out: &mut String) {
    use chrono::{Offset, TimeZone};
    let Some(utc) = chrono::DateTime::from_timestamp(at, 0) else {
        out.push_str(&at.to_string());
        return;
    };
    let offset = zone
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    let local = at + i64::from(offset);
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) || offset % 60 != 0 {
        out.push_str(
            &utc.with_timezone(zone)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        return;
    }
    let mut b = [0u8; 25];
    let mut put = |i: usize, v: i64, width: usize| {
        let mut v = v;
        for k in (0..width).rev() {
            b[i + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y, 4);
    put(5, mo, 2);
    put(8, d, 2);
    put(11, secs / 3600, 2);
    put(14, secs / 60 % 60, 2);
    put(17, secs % 60, 2);
    let len = if offset == 0 {
        b[19] = b'Z';
        20
    } else {
        let a = i64::from(offset.unsigned_abs());
        put(20, a / 3600, 2);
        put(23, a / 60 % 60, 2);
        b[19] = if offset < 0 { b'-' } else { b'+' };
        b[22] = b':';
        25
    };
    b[4] = b'-';
    b[7] = b'-';
    b[10] = b'T';
    b[13] = b':';
    b[16] = b':';
    // Only ASCII digits and separators were written.
    out.push_str(std::str::from_utf8(&b[..len]).unwrap_or("?"));
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic
/// Gregorian; Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (y, mo, d)
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
        assert!(e.to_string().contains("no offset"), "{e}");
        let e = parse_line(r#"{"account":"a1","product":"x","billing":"monthly","at":"2024-06-01T10:00:00Z","event":"arrears"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("`monthly`"), "{e}");
        assert!(parse_line("{not json").is_err());
    }

    #[test]
    fn fast_instants_agree_with_parse_instant() {
        let slow = |s: &str| crate::eval::parse_instant(s).map(|t| t.timestamp());
        let mut cases: Vec<String> = [
            "2024-02-29T23:59:59+08:00",
            "2023-02-29T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-06-01T24:00:00Z",
            "2024-06-01T23:60:00Z",
            "2024-06-01T23:59:60Z",
            "2024-06-01t10:00:00Z",
            "2024-06-01T10:00:00z",
            "2024-06-01T10:00:00-00:00",
            "2024-06-01T10:00:00+24:00",
            "2024-06-01T10:00:00+08:60",
            "2024-06-01T10:00:00+0800",
            "2024-06-01T10:00:00.5Z",
            "2024-06-01 10:00:00Z",
            "2024-06-01T10:00:00",
            "0000-01-01T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
            "+024-06-01T10:00:00Z",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every ~13 hours from 1899 to 2140, in several offsets.
        for k in 0..180_000i64 {
            let t = -2_240_000_000 + k * 46_789;
            let Some(utc) = chrono::DateTime::from_timestamp(t, 0) else {
                continue;
            };
            let secs = [
                0,
                8 * 3600,
                -5 * 3600,
                5 * 3600 + 1800,
                -(9 * 3600 + 30 * 60),
            ];
            let off = secs[(k % 5) as usize];
            let Some(fixed) = chrono::FixedOffset::east_opt(off) else {
                continue;
            };
            cases.push(
                utc.with_timezone(&fixed)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        }
        let mut fast = 0;
        for c in &cases {
            assert_eq!(
                instant(c, "at"),
                slow(c).map_err(|error| ParseError::Instant { field: "at", error }),
                "{c}"
            );
            fast += usize::from(fast_instant(c).is_some());
        }
        assert!(fast >= 180_000, "{fast}");
    }

    #[test]
    fn the_fast_path_agrees_with_serde_on_every_shape() {
        let ok = r#"{"account":"a1","product":"log_service","billing":"postpaid","at":"2024-06-01T10:00:00+08:00","event":"arrears","amount":"1.50"}"#;
        let lines = [
            ok,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"event":"order","at":"2024-06-01T10:00:00Z","product":"p","account":"账户二"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"deferral","until":"2024-07-01T00:00:00+08:00"}"#,
            r#"{"account":"a\"1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a\u00e9","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{ "account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"} "#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}x"#,
            r#"{"account":"a1","account":"a2","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order","colour":"red"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order","note":{"x":1}}"#,
            r#"{"account":"a1","product":"p","billing":null,"at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order","amount":1.5}"#,
            r#"{"account":"","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a1","product":"p","billing":"monthly","at":"2024-06-01T10:00:00Z","event":"order"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01","event":"order"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order","amount":"x"}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z"}"#,
            "{\"account\":\"a\t1\",\"product\":\"p\",\"at\":\"2024-06-01T10:00:00Z\",\"event\":\"order\"}",
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order",}"#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order""#,
            r#"{"account":"a1","product":"p","at":"2024-06-01T10:00:00Z","event":"order"}}"#,
            r#"{"account""a1"}"#,
            "{}",
            "{",
            "}",
            "",
        ];
        let mut fast = 0;
        for l in lines {
            assert_eq!(parse_line(l), parse_line_serde(l), "{l}");
            fast += usize::from(fast_raw(l).is_some());
        }
        // The common shapes do take the fast path.
        assert!(fast_raw(ok).is_some());
        assert!(fast >= 8, "{fast}");
        // Cut the valid line at every byte: both paths agree on each prefix.
        for n in 0..ok.len() {
            let l = &ok[..n];
            assert_eq!(parse_line(l), parse_line_serde(l), "{l}");
        }
    }

    #[test]
    fn instants_are_written_as_chrono_writes_them() {
        let zones = [
            chrono_tz::Asia::Shanghai,
            chrono_tz::UTC,
            chrono_tz::America::New_York,
            chrono_tz::Asia::Kolkata,
            chrono_tz::America::St_Johns,
            chrono_tz::Pacific::Chatham,
        ];
        // Every ~3.7 days from 1900 to 2140, plus seconds around New Year.
        let mut instants: Vec<i64> = (0..24_000).map(|k| -2_208_988_800 + k * 319_999).collect();
        instants.extend((-5..5).map(|s| 1_735_660_800 + s));
        instants.extend([i64::MIN, -62_167_219_200 - 1, 253_402_300_800, i64::MAX]);
        for zone in zones {
            for &at in &instants {
                let expected = chrono::DateTime::from_timestamp(at, 0).map_or_else(
                    || at.to_string(),
                    |t| {
                        t.with_timezone(&zone)
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    },
                );
                let mut got = String::new();
                write_instant(&zone, at, &mut got);
                assert_eq!(got, expected, "{zone} at {at}");
            }
        }
    }
}
