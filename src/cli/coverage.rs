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
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub use super::TextOrJson as Format;

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    agreement: &'a str,
    source: &'a str,
    cited: usize,
    articles_total: usize,
    percent: f64,
    articles: Vec<JsonArticle<'a>>,
}

#[derive(serde::Serialize)]
struct JsonArticle<'a> {
    number: &'a str,
    /// `general`, `product` or `annex`.
    part: &'static str,
    line: usize,
    phrases: &'a [String],
    /// `file:line` of each citing step, money term or `ignore`.
    cited_by: &'a [String],
}

fn json(report: &coverage::Report, missing_only: bool) -> JsonReport<'_> {
    JsonReport {
        agreement: &report.agreement,
        source: &report.source,
        cited: report.covered(),
        articles_total: report.articles.len(),
        percent: report.percent(),
        articles: report
            .articles
            .iter()
            .filter(|a| !missing_only || a.cited_by.is_empty())
            .map(|a| JsonArticle {
                number: &a.number,
                part: coverage::region_name(&a.region),
                line: a.line,
                phrases: &a.phrases,
                cited_by: &a.cited_by,
            })
            .collect(),
    }
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
    let below = reports
        .iter()
        .any(|r| args.min.is_some_and(|min| r.percent() < min));
    match args.format {
        Format::Text => {
            for report in &reports {
                print!("{}", coverage::render(report, args.missing));
            }
        }
        Format::Json => {
            let all: Vec<JsonReport> = reports.iter().map(|r| json(r, args.missing)).collect();
            match serde_json::to_string_pretty(&all) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    if below || problems.iter().any(|d| d.is_error()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
