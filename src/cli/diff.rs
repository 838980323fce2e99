//! `clausec diff OLD NEW`: what changes for customers between two versions
//! of an agreement, as behaviour (see docs/diff.md). Exit codes like
//! diff(1): 0 the versions behave the same, 1 they differ, 2 trouble.

use crate::diff::{self, Options};
use crate::eval::Program;
use crate::model::Agreement;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DiffArgs {
    /// Directory of the old version's clause files.
    old: PathBuf,
    /// Directory of the new version's clause files.
    new: PathBuf,
    /// Compare this product only.
    #[arg(long)]
    product: Option<String>,
    /// `text` for a terminal, `markdown` for docs (docs/changes-2018-2024.md), `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write one `<product>.diff.clause` file of distinguishing scenarios per product here.
    #[arg(long, value_name = "DIR")]
    emit_scenarios: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// Loads and checks one directory; it must hold exactly one agreement.
fn load(dir: &Path) -> Result<Agreement, ExitCode> {
    let (map, load_diags) = crate::load::load_all(&[dir.to_path_buf()]).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let checked = crate::frontend::front_end(&map, load_diags);
    let program = Program::from_checked(checked).map_err(|diags| {
        super::print_diagnostics(&map, &diags);
        eprintln!(
            "error: `{}` does not check; fix it before comparing",
            dir.display()
        );
        ExitCode::from(2)
    })?;
    let mut agreements = program.agreements;
    match agreements.len() {
        1 => Ok(agreements.remove(0)),
        n => {
            eprintln!(
                "error: `{}` holds {n} agreements; name the directory of exactly one",
                dir.display()
            );
            Err(ExitCode::from(2))
        }
    }
}

pub fn run(a: DiffArgs) -> ExitCode {
    let (old, new) = match (load(&a.old), load(&a.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let opts = Options { product: a.product };
    let report = match diff::diff(&old, &new, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match a.format {
        Format::Text => print!("{}", diff::text(&report)),
        Format::Markdown => print!("{}", diff::markdown(&report)),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    }
    if let Some(dir) = &a.emit_scenarios {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create `{}`: {e}", dir.display());
            return ExitCode::from(2);
        }
        for f in diff::scenario_files(&report, &new) {
            let path = dir.join(&f.file_name);
            if let Err(e) = std::fs::write(&path, &f.text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if report.changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
