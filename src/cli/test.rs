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
    let named: Vec<&str> = map
        .files()
        .filter(|(_, f)| !f.context)
        .map(|(_, f)| f.name.as_str())
        .collect();
    let outcomes: Vec<_> = crate::scenario::run_all(&program)
        .into_iter()
        .filter(|o| named.contains(&o.file.as_str()))
        .collect();
    let mut passed = 0usize;
    let mut failed = 0usize;
    for o in &outcomes {
        if o.passed() {
            passed += 1;
            if args.verbose {
                println!("ok   {}:{} {} · {}", o.file, o.line, o.product, o.name);
            }
        } else {
            failed += 1;
            println!("FAIL {}:{} {} · {}", o.file, o.line, o.product, o.name);
            for f in &o.failures {
                println!("  {}:{}", f.file, f.line);
                println!("    expected: {}", f.expected);
                println!("    actual:   {}", f.actual);
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
