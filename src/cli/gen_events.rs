//! `clausec gen-events`: a deterministic synthetic workload for `run` and
//! the benchmarks (see [`crate::stream::workload`]).

use crate::stream::workload::{format_event, profiles, Generator, DEFAULT_START};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GenEventsArgs {
    /// How many accounts (each on one product and billing mode of the agreement).
    #[arg(long)]
    pub accounts: u64,
    /// How many days the stream covers. Accounts join over the first week (all of it when shorter);
    /// a postpaid account's first arrears comes 2 to 40 days after it joins.
    #[arg(long)]
    pub days: u32,
    /// Seed of the generator: the same seed gives the same stream.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Agreement whose products the accounts use [default: the shipped clauses/aliyun-2024, found
    /// in the current directory or the source tree the binary was built from].
    #[arg(long)]
    pub agreement_dir: Option<PathBuf>,
    /// First instant (RFC 3339); default 2024-06-01T00:00:00+08:00.
    #[arg(long)]
    pub start: Option<String>,
}

/// The shipped 2024 agreement, where this command is likely run from.
const SHIPPED: &str = "clauses/aliyun-2024";

/// `--agreement-dir`, or the shipped agreement: in the current directory,
/// else in the source tree the binary was built from.
fn agreement_dir(given: Option<&PathBuf>) -> Result<PathBuf, ExitCode> {
    if let Some(dir) = given {
        return Ok(dir.clone());
    }
    let built_from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED);
    [PathBuf::from(SHIPPED), built_from.clone()]
        .into_iter()
        .find(|d| d.is_dir())
        .ok_or_else(|| {
            eprintln!(
                "error: the shipped agreement `{SHIPPED}` is neither in the current directory nor at `{}` (where this binary was built); name one with --agreement-dir",
                built_from.display()
            );
            ExitCode::from(2)
        })
}

pub fn run(a: GenEventsArgs) -> ExitCode {
    if a.accounts == 0 || a.days == 0 {
        eprintln!("error: --accounts and --days must be at least 1");
        return ExitCode::from(2);
    }
    let dir = match agreement_dir(a.agreement_dir.as_ref()) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let program = match super::program_or_exit(&dir) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let start = match a
        .start
        .as_deref()
        .map(crate::eval::parse_instant)
        .transpose()
    {
        Ok(s) => s.map_or(DEFAULT_START, |t| t.timestamp()),
        Err(m) => {
            eprintln!("error: --start: {m}");
            return ExitCode::from(2);
        }
    };
    let profiles = profiles(&program);
    if profiles.is_empty() {
        eprintln!(
            "error: no product of `{}` reacts to arrears or expiry",
            dir.display()
        );
        return ExitCode::from(2);
    }
    let generator = Generator::new(profiles.clone(), a.accounts, a.days, a.seed, start);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut written = 0u64;
    for e in generator {
        written += 1;
        let line = format_event(&profiles[e.profile as usize], &e);
        if let Err(err) = writeln!(out, "{line}") {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    }
    if written == 0 {
        eprintln!(
            "note: no event falls within {} day(s): postpaid accounts fall into arrears 2 to 40 days after they join; try --days 45",
            a.days
        );
    }
    match out.flush() {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    }
}
