//! `clausec eval`: what has happened and what is in force for one account.
//! Also holds the input handling `explain` shares.

use crate::eval::{Evaluation, Machine, TimelineEvent};
use crate::vocab::{Billing, Reading};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The inputs `eval` and `explain` share.
#[derive(clap::Args)]
pub struct Inputs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    /// Product id.
    #[arg(long)]
    pub product: String,
    /// Billing mode (default: the product's first declared mode).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Billing::NAMES))]
    pub billing: Option<String>,
    /// Events file: a JSON array or NDJSON of {"at", "event", "amount"?, "note"?, "until"?}.
    #[arg(long)]
    pub events: PathBuf,
    /// Instant to evaluate at (RFC 3339 with offset).
    #[arg(long)]
    pub at: String,
    #[arg(long, default_value = "customer-safe", value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Reading::NAMES))]
    pub reading: String,
    /// Working-day calendar file (format of data/cn_mainland_workdays.txt) instead of the agreement's.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

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
    let billing = billing.and_then(Billing::from_name);
    let reading = Reading::from_name(reading).unwrap_or_default();
    let machine = program.select(product, billing, reading).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
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
    let evaluation = machine.evaluate(&timeline, at.timestamp()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
    Ok(Loaded {
        machine,
        events: parsed,
        evaluation,
    })
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
