use crate::diagnostic::Severity;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Clause files or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (map, load_diags) = match super::load_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let checked = crate::frontend::front_end(&map, load_diags);
    let diags = &checked.diagnostics;
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    match args.format {
        Format::Json => println!("{}", crate::render::to_json(&map, diags)),
        Format::Text => {
            super::print_diagnostics(&map, diags);
            let products: usize = checked.agreements.iter().map(|a| a.products.len()).sum();
            let allowed = match checked.allowed.len() {
                0 => String::new(),
                n => format!(" ({n} more allowed)"),
            };
            eprintln!(
                "checked {} file(s), {} agreement(s), {} product(s): {} error(s), {} warning(s){allowed}",
                map.len(),
                checked.agreements.len(),
                products,
                errors,
                warnings
            );
        }
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
