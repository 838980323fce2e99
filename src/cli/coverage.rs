//! `clausec coverage`: which time- and money-bearing articles of each
//! agreement's text the clause files cite (see [`crate::coverage`]).

use crate::coverage;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CoverageArgs {
    /// Agreement directories (or clause files, or a directory of agreements).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Exit 1 when an agreement's coverage is below this percentage
    /// (CI uses `--min 100`); without it the command only reports.
    #[arg(long, value_name = "PERCENT")]
    min: Option<f64>,
    /// List only the articles no clause cites.
    #[arg(long)]
    missing: bool,
}

pub fn run(args: CoverageArgs) -> ExitCode {
    let (map, load_diags) = match super::load_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (files, parse_diags) = crate::frontend::parse_all(&map);
    let (reports, text_diags) = coverage::coverage(&map, &files);
    let problems: Vec<_> = load_diags
        .into_iter()
        .chain(parse_diags)
        .chain(text_diags)
        .collect();
    super::print_diagnostics(&map, &problems);
    if reports.is_empty() {
        eprintln!("error: no agreement with a readable `source` text found");
        return ExitCode::from(1);
    }
    let mut below = false;
    for report in &reports {
        print!("{}", coverage::render(report, args.missing));
        if args.min.is_some_and(|min| report.percent() < min) {
            below = true;
        }
    }
    if below || problems.iter().any(|d| d.is_error()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
