//! `clausec summary`: per agreement, each product's timeline in one line
//! per rule (see [`crate::summary`]). `docs/agreements.md` is this command's
//! Markdown output for `clauses/` (written by `.ci/gen-docs`).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SummaryArgs {
    /// Agreement directories (or a directory of agreements, like `clauses/`).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// `text` (one line per rule, for a terminal), `markdown` (sentences, for docs/agreements.md), `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(args: SummaryArgs) -> ExitCode {
    let (_map, checked) = match super::checked_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match args.format {
        Format::Text => print!("{}", crate::summary::text(&checked.agreements)),
        Format::Markdown => print!("{}", crate::summary::markdown(&checked.agreements)),
        Format::Json => {
            match serde_json::to_string_pretty(&crate::summary::json(&checked.agreements)) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    ExitCode::SUCCESS
}
