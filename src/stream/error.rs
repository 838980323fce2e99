//! Why a line of `clausec run`'s input was left out, or a checkpoint
//! refused: typed, each variant saying when it is returned; the command
//! line renders them (`line N: …`).

use super::table::TableError;
use crate::eval::{EvalError, InstantError, SelectError};
use rust_decimal::Decimal;

/// An instant in a message: RFC 3339 in `zone` (UTC for `Display`, the
/// agreement's zone for [`LineError::in_zone`], as the input writes it).
fn instant(t: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |d| {
            d.with_timezone(&zone)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        },
    )
}

fn late(at: i64, max_lateness: i64, watermark: i64, zone: chrono_tz::Tz) -> String {
    format!(
        "event at {} is more than {max_lateness}s earlier than the latest instant seen ({}); raise --max-lateness or sort the input",
        instant(at, zone),
        instant(watermark, zone)
    )
}

fn after_until(at: i64, zone: chrono_tz::Tz) -> String {
    format!("event at {} is after --until", instant(at, zone))
}

fn deadline(account: &str, at: i64, error: &EvalError, zone: chrono_tz::Tz) -> String {
    format!(
        "account `{account}`: deadline at {}: {error}",
        instant(at, zone)
    )
}

/// Why one line does not parse as an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Returned when the line is not one JSON object of the known fields
    /// (serde_json's own words follow).
    #[error("bad event: {0}")]
    Json(String),
    /// Returned when `at` or `until` is not an accepted instant.
    #[error("`{field}`: {error}")]
    Instant {
        field: &'static str,
        error: InstantError,
    },
    #[error("unknown billing mode `{0}`; expected prepaid, postpaid or package")]
    Billing(String),
    #[error("`account` is empty")]
    EmptyAccount,
    #[error("amount `{0}` is not a decimal number")]
    Amount(String),
    /// Returned for an amount below zero (a refund is its own event).
    #[error("amount `{0}` is negative; amounts of money are never negative")]
    NegativeAmount(Decimal),
}

/// What is wrong with one line (or, for a deadline, with its account).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineErrorKind {
    /// Returned for a line with bytes that are not UTF-8 (never replaced:
    /// two different accounts would merge into one).
    #[error("line is not UTF-8 (invalid byte at byte {offset}); nothing of it was read")]
    NotUtf8 { offset: usize },
    /// Returned for a line longer than `--max-line-bytes`.
    #[error("line is longer than {max} bytes (--max-line-bytes); nothing of it was read")]
    TooLong { max: usize },
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Returned for an event earlier than the watermark allows.
    #[error("{}", late(*.at, *.max_lateness, *.watermark, chrono_tz::UTC))]
    Late {
        at: i64,
        max_lateness: i64,
        watermark: i64,
    },
    #[error("{}", after_until(*.at, chrono_tz::UTC))]
    AfterUntil { at: i64 },
    /// Returned when the product (or its billing mode) cannot be selected.
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error("more than 65535 product × billing machines")]
    TooManyMachines,
    #[error("unknown event `{event}` for `{product}`; known events: {}", .known.join(", "))]
    UnknownEvent {
        event: String,
        product: String,
        known: Vec<String>,
    },
    #[error(transparent)]
    Table(#[from] TableError),
    /// Returned when the machine refuses the event (a placement outside the
    /// calendar, an instant out of range, …).
    #[error(transparent)]
    Apply(EvalError),
    /// Returned when a deadline of an account cannot be processed.
    #[error("{}", deadline(.account, *.at, .error, chrono_tz::UTC))]
    Deadline {
        account: String,
        at: i64,
        error: EvalError,
    },
}

/// A problem with one line (`line: None`: with a deadline).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", .line.map_or(String::new(), |l| format!("line {l}: ")))]
pub struct LineError {
    pub line: Option<u64>,
    pub kind: LineErrorKind,
}

impl LineError {
    /// The error as `Display` says it, with its instants in `zone` (the
    /// agreement's, as the input writes them: `2024-06-01T10:00:00+08:00`)
    /// rather than UTC.
    pub fn in_zone(&self, zone: chrono_tz::Tz) -> String {
        let kind = match &self.kind {
            LineErrorKind::Late {
                at,
                max_lateness,
                watermark,
            } => late(*at, *max_lateness, *watermark, zone),
            LineErrorKind::AfterUntil { at } => after_until(*at, zone),
            LineErrorKind::Deadline { account, at, error } => deadline(account, *at, error, zone),
            other => other.to_string(),
        };
        match self.line {
            Some(l) => format!("line {l}: {kind}"),
            None => kind,
        }
    }
}
