//! `clausec eval`: what has happened and what is in force for one account.
//! Also holds the input handling `explain` shares.

use crate::eval::{Evaluation, Machine, TimelineEvent};
use crate::vocab::Reading;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// `text` for people, `json` for programs (docs/api.md).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The inputs `eval` and `explain` share.
#[derive(clap::Args)]
pub struct Inputs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    /// Product id (as in `product <id> "…" §N`).
    #[arg(long)]
    pub product: String,
    /// Billing mode; required when the product is sold in several.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Billing::NAMES))]
    pub billing: Option<String>,
    /// The account's variant values, one per dimension the product declares
    /// (`--variant yearly`, or `--variant yearly,platinum`), as a scenario
    /// names them after the billing mode; required for a dimension the
    /// account's rules or money terms filter on.
    #[arg(long = "variant", value_name = "VALUE", value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Events file: a JSON array or NDJSON of {"at", "event", "amount"?, "note"?, "until"?}.
    #[arg(long)]
    pub events: PathBuf,
    /// Instant to evaluate at (RFC 3339 with offset, e.g. 2024-06-20T00:00:00+08:00).
    #[arg(long)]
    pub at: String,
    /// Which reading of a step with two readings counts: the one safer for the customer, or the earliest.
    #[arg(long, default_value = "customer-safe", value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Reading::NAMES))]
    pub reading: String,
    /// Working-day calendar file (format of data/cn_mainland_workdays.txt) instead of the agreement's.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
}

pub use super::TextOrJson as Format;

/// Everything an evaluation needs, read and checked.
pub struct Loaded {
    pub machine: Machine,
    pub events: Vec<TimelineEvent>,
    pub evaluation: Evaluation,
}

/// Loads the agreement, the events and evaluates; on failure prints the
/// problem and returns the exit code.
pub fn load_and_evaluate(i: &Inputs) -> Result<Loaded, ExitCode> {
    let (agreement, product, events, at) =
        (&i.agreement, i.product.as_str(), &i.events, i.at.as_str());
    let (billing, reading) = (i.billing.as_deref(), i.reading.as_str());
    let program = super::with_calendar(super::program_or_exit(agreement)?, i.calendar.as_deref())?;
    let reading = Reading::from_name(reading).unwrap_or_default();
    let machine = super::machine_or_exit(&program, product, billing, &i.variants, reading)?;
    let text = std::fs::read_to_string(events).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", events.display());
        ExitCode::from(2)
    })?;
    let name = events.display();
    let parsed = crate::eval::parse_events(&text).map_err(|e| {
        eprintln!("error: {name}: {e}");
        ExitCode::from(1)
    })?;
    let timeline = machine.timeline(&parsed).map_err(|e| {
        eprintln!("error: {name}: {e}");
        ExitCode::from(1)
    })?;
    let at = crate::eval::parse_instant(at).map_err(|m| {
        eprintln!("error: --at: {m}");
        ExitCode::from(2)
    })?;
    // Events after --at would be left out without a word.
    if let Some(later) = parsed.iter().find(|e| e.at > at) {
        eprintln!(
            "error: --at {} comes before the event `{}` at {} (line {} of {name}); evaluate at or after the last event, or remove the later events",
            at.to_rfc3339(),
            later.event,
            later.at.to_rfc3339(),
            later.line
        );
        return Err(ExitCode::from(2));
    }
    let evaluation = machine.evaluate(&timeline, at.timestamp()).map_err(|e| {
        eprintln!("error: {}", in_zone(&e, machine.ir.zone));
        ExitCode::from(1)
    })?;
    Ok(Loaded {
        machine,
        events: parsed,
        evaluation,
    })
}

/// An evaluation error for people: its instants in the agreement's zone
/// (`2024-06-01 10:00 (+08:00)`), not in seconds since 1970.
fn in_zone(e: &crate::eval::EvalError, zone: chrono_tz::Tz) -> String {
    use crate::eval::EvalError;
    let shown = |t: i64| format!("{} ({})", crate::describe::instant(zone, t), zone.name());
    match e {
        EvalError::OutOfOrder { at, previous } => format!(
            "event at {} comes before the previous instant {}",
            shown(*at),
            shown(*previous)
        ),
        EvalError::OutOfRange { at } => format!(
            "instant {} is outside the range a generated account holds (2000-01-01T00:00:00Z to 2136-02-07T06:28:12Z)",
            shown(*at)
        ),
        other => other.to_string(),
    }
}

pub fn run(a: EvalArgs) -> ExitCode {
    let loaded = match load_and_evaluate(&a.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let report = loaded.machine.report(&loaded.evaluation);
    match a.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        Format::Text => print!("{}", crate::eval::explain::status_text(&report)),
    }
    ExitCode::SUCCESS
}
