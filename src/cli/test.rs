//! `clausec test`: the scenarios of clause files, run against the compiled
//! agreements; `--filter` picks scenarios by name, `--format json` reports
//! them for programs.

use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct TestArgs {
    /// Clause files or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print every scenario, not only failures.
    #[arg(long, short)]
    verbose: bool,
    /// Working-day calendar file (format of data/cn_mainland_workdays.txt) instead of the agreements'.
    #[arg(long)]
    calendar: Option<PathBuf>,
    /// Run only the scenarios whose name contains this text (or whose product is named so).
    #[arg(long, value_name = "NAME")]
    filter: Option<String>,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub use super::TextOrJson as Format;

#[derive(Serialize)]
struct Report<'a> {
    passed: usize,
    failed: usize,
    scenarios: Vec<Scenario<'a>>,
}

#[derive(Serialize)]
struct Scenario<'a> {
    agreement: &'a str,
    product: &'a str,
    name: &'a str,
    file: &'a str,
    line: usize,
    passed: bool,
    /// How many expectations were checked.
    checked: usize,
    failures: Vec<Failure<'a>>,
}

#[derive(Serialize)]
struct Failure<'a> {
    file: &'a str,
    line: usize,
    expected: &'a str,
    actual: &'a str,
}

pub fn run(args: TestArgs) -> ExitCode {
    let (map, checked) = match super::checked_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let program = match super::with_calendar(
        crate::eval::Program::from_agreements(checked.agreements),
        args.calendar.as_deref(),
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // The scenarios of the files named, not of the rest of their agreement.
    let named = super::named_files(&map);
    let mut outcomes: Vec<_> = crate::scenario::run_all(&program)
        .into_iter()
        .filter(|o| named.contains(&o.file.as_str()))
        .collect();
    if let Some(f) = &args.filter {
        let all: Vec<String> = outcomes.iter().map(|o| o.name.clone()).collect();
        outcomes.retain(|o| o.name.contains(f.as_str()) || o.product == *f);
        if outcomes.is_empty() {
            let hint = crate::diagnostic::closest(f, all.iter().map(String::as_str))
                .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
            eprintln!(
                "error: no scenario of these files is named like `{f}`{hint}; there are {} scenario(s)",
                all.len()
            );
            return ExitCode::from(2);
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let failed = outcomes.len() - passed;
    match args.format {
        Format::Json => {
            let report = Report {
                passed,
                failed,
                scenarios: outcomes
                    .iter()
                    .map(|o| Scenario {
                        agreement: &o.agreement,
                        product: &o.product,
                        name: &o.name,
                        file: &o.file,
                        line: o.line,
                        passed: o.passed(),
                        checked: o.checked,
                        failures: o
                            .failures
                            .iter()
                            .map(|f| Failure {
                                file: &f.file,
                                line: f.line,
                                expected: &f.expected,
                                actual: &f.actual,
                            })
                            .collect(),
                    })
                    .collect(),
            };
            match serde_json::to_string_pretty(&report) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        Format::Text => {
            for o in &outcomes {
                if o.passed() {
                    if args.verbose {
                        println!("ok   {}:{} {} · {}", o.file, o.line, o.product, o.name);
                    }
                } else {
                    println!("FAIL {}:{} {} · {}", o.file, o.line, o.product, o.name);
                    for f in &o.failures {
                        println!("  {}:{}", f.file, f.line);
                        println!("    expected: {}", f.expected);
                        println!("    actual:   {}", f.actual);
                    }
                }
            }
            println!("{passed} passed, {failed} failed");
        }
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
