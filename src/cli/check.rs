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

pub use super::TextOrJson as Format;

pub fn run(args: CheckArgs) -> ExitCode {
    let (map, load_diags) = match super::load_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let checked = crate::frontend::front_end(&map, load_diags);
    // A file named alone is checked with the rest of its agreement; only its
    // own problems are reported.
    let (diags, context) = crate::frontend::split_context(&map, checked.diagnostics.clone());
    let diags = &diags;
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    match args.format {
        Format::Json => println!("{}", crate::render::to_json(&map, diags)),
        Format::Text => {
            super::print_diagnostics(&map, diags);
            let named = map.files().filter(|(_, f)| !f.context).count();
            let with = match map.len() - named {
                0 => String::new(),
                n => format!(" (with {n} more file(s) of their agreement)"),
            };
            let products: usize = checked
                .agreements
                .iter()
                .flat_map(|a| &a.products)
                .filter(|p| !map.is_context(p.span.file))
                .count();
            let allowed = match checked
                .allowed
                .iter()
                .filter(|d| {
                    d.primary
                        .as_ref()
                        .is_none_or(|p| !map.is_context(p.span.file))
                })
                .count()
            {
                0 => String::new(),
                n => format!(" ({n} more allowed)"),
            };
            eprintln!(
                "checked {named} file(s){with}, {} agreement(s), {products} product(s): {errors} error(s), {warnings} warning(s){allowed}",
                checked.agreements.len(),
            );
            let elsewhere = context.iter().filter(|d| d.is_error()).count();
            if elsewhere > 0 {
                eprintln!(
                    "note: the rest of the agreement has {elsewhere} error(s) of its own; check its directory to see them"
                );
            }
        }
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
