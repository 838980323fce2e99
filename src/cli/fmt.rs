use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Clause files or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Do not write; exit 1 if any file is not formatted.
    #[arg(long)]
    check: bool,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let files = match crate::load::find_clause_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (map, load_diags) = match crate::load::load_files(&files) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if map.is_empty() {
        eprintln!("error[E0004]: no clause files found");
        return ExitCode::from(1);
    }
    let (files, parse_diags) = crate::frontend::parse_loaded(&map, &load_diags);
    let mut diags = load_diags;
    diags.extend(parse_diags);
    let mut unformatted = 0usize;
    let mut changed = 0usize;
    for parsed in &files {
        let Some(f) = map.get(parsed.id) else {
            continue;
        };
        let formatted = crate::fmt::format_file(parsed, &f.text);
        if formatted != f.text {
            if args.check {
                unformatted += 1;
                println!("{}: not formatted", f.name);
            } else if let Some(path) = &f.path {
                if let Err(e) = std::fs::write(path, &formatted) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    return ExitCode::from(2);
                }
                changed += 1;
            }
        }
    }
    super::print_diagnostics(&map, &diags);
    if !args.check {
        eprintln!("formatted {} file(s), {} changed", map.len(), changed);
    }
    if !diags.is_empty() || unformatted > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
