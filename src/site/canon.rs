//! The canonical scenarios of a product × billing mode, made from its rules:
//! for each event that starts a rule, what happens when nobody acts, and for
//! arrears also when the customer pays during the grace (before the first
//! step that harms them) and after the suspension (between the first
//! harmful step and the next one). Expiry without renewal is the `expiry`
//! trigger with nobody acting.
//!
//! The payment instants are read off the machine's own "nobody pays" run,
//! so a changed grace period moves them with it.

use super::lane::{self, Harm, Lane};
use crate::eval::{EvalError, Event, Machine};
use crate::vocab::BUILTIN_EVENTS;

/// How far after the trigger a canonical timeline is followed: a year
/// (the longest period the shipped texts set is 180 days).
pub const HORIZON: i64 = 366 * 86_400;

fn title(trigger: &str) -> String {
    match trigger {
        "arrears" => "nobody pays".into(),
        "expiry" => "expiry without renewal".into(),
        "order" => "the order is never paid".into(),
        "deferral_end" => "the deferral ends, nobody pays".into(),
        "outage_start" => "an outage nobody ends".into(),
        other => format!("{other}, then nobody acts"),
    }
}

/// Rounded down to the whole hour (the instants a person would pick).
fn hour(t: i64) -> i64 {
    t - t.rem_euclid(3_600)
}

/// Every canonical lane of a machine, triggered at `t0`.
pub fn lanes(m: &Machine, t0: i64) -> Result<Vec<Lane>, EvalError> {
    let mut triggers: Vec<&str> =
        m.ir.rules
            .iter()
            .map(|r| m.ir.event_name(r.trigger))
            .collect();
    triggers.sort_by_key(|t| {
        (
            BUILTIN_EVENTS
                .iter()
                .position(|b| b == t)
                .unwrap_or(usize::MAX),
            t.to_string(),
        )
    });
    triggers.dedup();
    let mut out = Vec::new();
    for trigger in triggers {
        let start = m.event(trigger, t0)?;
        let nobody = lane::run(
            m,
            &title(trigger),
            std::slice::from_ref(&start),
            &[],
            t0 + HORIZON,
        )?;
        let paying = if trigger == "arrears" {
            payments(m, &start, &nobody)?
        } else {
            Vec::new()
        };
        out.push(nobody);
        out.extend(paying);
    }
    Ok(out)
}

/// "pays during the grace" and "pays after suspension", where they exist.
fn payments(m: &Machine, start: &Event, nobody: &Lane) -> Result<Vec<Lane>, EvalError> {
    let Ok(pay) = m.event("payment", start.at) else {
        return Ok(Vec::new());
    };
    let harmful: Vec<i64> = nobody
        .marks
        .iter()
        .filter(|k| matches!(k.harm, Harm::Harmful | Harm::Irreversible) && !k.right)
        .map(|k| k.at)
        .collect();
    let mut out = Vec::new();
    let Some(&first) = harmful.first() else {
        return Ok(out);
    };
    let horizon = start.at + HORIZON;
    let paid = |at: i64, title: &str| -> Result<Lane, EvalError> {
        let mut p = pay.clone();
        p.at = at;
        lane::run(m, title, &[start.clone(), p], &[], horizon)
    };
    if first > start.at + 3_600 {
        let at = hour(start.at + (first - start.at) / 2).max(start.at + 3_600);
        out.push(paid(at, "pays during the grace")?);
    }
    let next = harmful.iter().copied().find(|&t| t > first);
    let at = match next {
        Some(n) if n - first > 2 * 3_600 => hour(first + (n - first) / 2),
        Some(n) => first + (n - first) / 2,
        None => first + 86_400,
    };
    if at > first {
        out.push(paid(at, "pays after suspension")?);
    }
    Ok(out)
}
