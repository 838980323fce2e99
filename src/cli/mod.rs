//! The command line. Parses arguments, reads files through [`crate::load`],
//! runs the library and prints. One exit-code rule for every command
//! (tests/it/cli.rs holds it): 0 fine, 1 findings (problems in the clause
//! files or events, failing scenarios, versions that differ, coverage below
//! `--min`), 2 usage or IO (a bad flag or argument, an unknown product or
//! billing mode, a file that cannot be read or written). `diff` reads as
//! diff(1) does: 1 the versions differ, 2 a version that cannot be compared
//! (docs/diff.md). A reader that closes the pipe ends a command quietly
//! with 0.

mod check;
mod codegen;
mod coverage;
mod diff;
mod eval;
mod explain;
mod explain_code;
mod fmt;
mod gen_events;
mod graph;
#[cfg(feature = "kafka")]
mod kafka;
#[cfg(feature = "cli")]
mod lsp;
#[cfg(feature = "site")]
mod report;
mod run;
mod summary;
mod test;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// `--format` of the commands that write either text for people or JSON
/// for programs (one definition, so their help and values agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Parser)]
#[command(name = "clausec", version, about = "A compiler for contract clauses")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Print what a diagnostic code means, with an example and the fix (as `explain-code`).
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Check clause files and report every problem.
    Check(check::CheckArgs),
    /// List the time- and money-bearing articles of each agreement's text and whether a clause cites them.
    Coverage(coverage::CoverageArgs),
    /// Summarise each product's timeline per agreement (text or Markdown).
    Summary(summary::SummaryArgs),
    /// Compare two versions of an agreement as behaviour: what changes for customers.
    Diff(diff::DiffArgs),
    /// Rewrite clause files in the canonical layout.
    Fmt(fmt::FmtArgs),
    /// Evaluate an account's timeline: actions, pending steps, state, money.
    Eval(eval::EvalArgs),
    /// Explain an account's timeline for people, with citations.
    Explain(explain::ExplainArgs),
    /// Write a static site (HTML and SVG) of agreements: each product's timelines beside its text.
    #[cfg(feature = "site")]
    Report(report::ReportArgs),
    /// Print a product's automaton as Graphviz DOT.
    Graph(graph::GraphArgs),
    /// Print a product's automaton as a Rust module (rules and offsets as constants).
    Codegen(codegen::CodegenArgs),
    /// Print what a diagnostic code (E0028, W0001, …) means, with a failing example and the fix.
    ExplainCode(explain_code::ExplainCodeArgs),
    /// Run the scenarios of clause files; ends with `N passed, N failed`.
    Test(test::TestArgs),
    /// Prove the `verify { … }` properties over every timeline, or print a counterexample scenario.
    Verify(verify::VerifyArgs),
    /// Run the agreements over an NDJSON stream of account events, emitting every action as it falls due.
    Run(run::RunArgs),
    /// Write a deterministic synthetic event stream (NDJSON) for `run` and the benchmarks.
    GenEvents(gen_events::GenEventsArgs),
    #[cfg(feature = "cli")]
    /// Serve the Language Server Protocol on stdin/stdout, for editors (see editors/vscode).
    Lsp(lsp::LspArgs),
    /// Run as a Kafka consumer group member, or feed events to its input topic (feature `kafka`).
    #[cfg(feature = "kafka")]
    Kafka(kafka::KafkaArgs),
}

/// The command line's definition (its subcommands, flags and their help),
/// for tests and generated documentation.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

/// Runs the CLI with the process arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let command = match (cli.command, cli.explain) {
        (_, Some(code)) => return explain_code::explain(&code),
        (Some(c), None) => c,
        (None, None) => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return ExitCode::from(2);
        }
    };
    match command {
        Command::ExplainCode(a) => explain_code::run(a),
        Command::Check(a) => check::run(a),
        Command::Test(a) => test::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Coverage(a) => coverage::run(a),
        Command::Summary(a) => summary::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Graph(a) => graph::run(a),
        #[cfg(feature = "site")]
        Command::Report(a) => report::run(a),
        Command::Codegen(a) => codegen::run(a),
        Command::Run(a) => run::run(a),
        Command::GenEvents(a) => gen_events::run(a),
        #[cfg(feature = "cli")]
        Command::Lsp(a) => lsp::run(a),
        #[cfg(feature = "kafka")]
        Command::Kafka(a) => kafka::run(a),
    }
}

/// Whether stderr/stdout should be coloured: only on a terminal, never with
/// `NO_COLOR`.
pub(crate) fn color_choice(
    stream_is_tty: bool,
) -> codespan_reporting::term::termcolor::ColorChoice {
    use codespan_reporting::term::termcolor::ColorChoice;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if stream_is_tty && !no_color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

/// Prints diagnostics to stderr for people.
pub(crate) fn print_diagnostics(
    map: &crate::source::SourceMap,
    diags: &[crate::diagnostic::Diagnostic],
) {
    use codespan_reporting::term::termcolor::StandardStream;
    use std::io::IsTerminal;
    let mut err = StandardStream::stderr(color_choice(std::io::stderr().is_terminal()));
    let _ = crate::render::emit(&mut err, map, diags);
}

/// Reads the clause files under `paths` (and their agreement texts); an IO
/// error is printed and becomes exit code 2.
pub(crate) fn load_or_exit(
    paths: &[std::path::PathBuf],
) -> Result<(crate::source::SourceMap, Vec<crate::diagnostic::Diagnostic>), ExitCode> {
    crate::load::load_all(paths).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// Loads and checks one agreement (a directory or a file) into a
/// [`crate::eval::Program`]: an IO error is printed and becomes exit code
/// 2, error diagnostics are printed and become exit code 1.
pub(crate) fn program_or_exit(path: &std::path::Path) -> Result<crate::eval::Program, ExitCode> {
    let (map, load_diags) = load_or_exit(&[path.to_path_buf()])?;
    let checked = crate::frontend::front_end(&map, load_diags);
    crate::eval::Program::from_checked(checked).map_err(|diags| {
        print_diagnostics(&map, &diags);
        ExitCode::from(1)
    })
}

/// `--calendar FILE`: every agreement of `program` counts on the calendar
/// the file holds (format of data/cn_mainland_workdays.txt) instead of the
/// one its header names. A file that cannot be read or parsed is printed
/// with its line and column and becomes exit code 2.
pub(crate) fn with_calendar(
    program: crate::eval::Program,
    file: Option<&std::path::Path>,
) -> Result<crate::eval::Program, ExitCode> {
    let Some(file) = file else {
        return Ok(program);
    };
    let calendar = crate::load::read_calendar(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let calendar = crate::calendar::intern(calendar);
    let name = file.display().to_string();
    Ok(crate::eval::Program {
        agreements: program
            .agreements
            .into_iter()
            .map(|a| a.with_calendar(&name, calendar))
            .collect(),
        ..program
    })
}

/// The clause files the command line named, not the rest of their
/// agreement directory that was loaded beside them for context (a command
/// reports on these only).
pub(crate) fn named_files(map: &crate::source::SourceMap) -> Vec<&str> {
    map.files()
        .filter(|(_, f)| !f.context)
        .map(|(_, f)| f.name.as_str())
        .collect()
}

/// Loads and checks clause files for a command that needs them free of
/// errors: prints the errors and returns exit code 1 when there are any.
pub(crate) fn checked_or_exit(
    paths: &[std::path::PathBuf],
) -> Result<(crate::source::SourceMap, crate::check::Checked), ExitCode> {
    let (map, load_diags) = load_or_exit(paths)?;
    let checked = crate::frontend::front_end(&map, load_diags);
    let errors = checked.errors();
    if !errors.is_empty() {
        print_diagnostics(&map, &errors);
        eprintln!(
            "error: the clauses have {} error(s); run `clausec check`",
            errors.len()
        );
        return Err(ExitCode::from(1));
    }
    Ok((map, checked))
}

/// The machine for `product` in `billing` with `variants` (as given on the
/// command line), the one place the commands that evaluate a product choose
/// it. A product the agreement lacks, a billing mode it is not sold in, no
/// `--billing` for a product sold in several, or a variant value that is
/// unknown, given twice or missing is a usage error (exit code 2) that
/// lists what there is — never a silent choice; a product that does not
/// compile is a problem of the input (1).
pub(crate) fn machine_or_exit(
    program: &crate::eval::Program,
    product: &str,
    billing: Option<&str>,
    variants: &[String],
    reading: crate::vocab::Reading,
) -> Result<crate::eval::Machine, ExitCode> {
    use crate::compile::CompileError;
    use crate::eval::SelectError;
    use crate::vocab::Billing;
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(2)
    };
    let Some(p) = program.agreements.iter().find_map(|a| a.product(product)) else {
        let ids: Vec<&str> = program
            .agreements
            .iter()
            .flat_map(|a| a.products.iter().map(|p| p.id.as_str()))
            .collect();
        let hint = crate::diagnostic::closest(product, ids.iter().copied())
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        return Err(usage(format!(
            "no product `{product}` in this agreement{hint}; its products are {}",
            ids.join(", ")
        )));
    };
    let modes: Vec<&str> = p.billing.iter().map(|b| b.name()).collect();
    let billing = match billing.and_then(Billing::from_name) {
        Some(b) if !p.billing.is_empty() && !p.billing.contains(&b) => {
            return Err(usage(format!(
                "product `{product}` is not sold as `{}`; its billing modes: {}",
                b.name(),
                modes.join(", ")
            )))
        }
        Some(b) => Some(b),
        None if p.billing.len() > 1 => {
            return Err(usage(format!(
            "product `{product}` is sold in several billing modes ({}); choose one with --billing",
            modes.join(", ")
        )))
        }
        None => p.billing.first().copied(),
    };
    let mut selection = crate::compile::Selection::default().reading(reading);
    selection.billing = billing;
    selection.variants = variants.to_vec();
    program
        .select_with(product, &selection)
        .map_err(|e| match e {
            SelectError::Compile(
                CompileError::UnknownVariant { .. }
                | CompileError::VariantTwice { .. }
                | CompileError::VariantMissing { .. },
            ) => usage(format!("{e}; name the account's variants with --variant")),
            other => {
                eprintln!("error: {other}");
                ExitCode::from(1)
            }
        })
}
