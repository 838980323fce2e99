//! `clausec gen-events`: a deterministic synthetic workload for `run` and
//! the benchmarks (see [`crate::stream::workload`]).

use crate::stream::workload::{format_event, profiles, Generator, DEFAULT_START};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GenEventsArgs {
    #[arg(long)]
    pub accounts: u64,
    #[arg(long)]
    pub days: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Agreement whose products the accounts use.
    #[arg(long, default_value = "clauses/aliyun-2024")]
    pub agreement_dir: PathBuf,
    /// First instant (RFC 3339); default 2024-06-01T00:00:00+08:00.
    #[arg(long)]
    pub start: Option<String>,
}

pub fn run(a: GenEventsArgs) -> ExitCode {
    let program = match super::program_or_exit(&a.agreement_dir) {
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
            a.agreement_dir.display()
        );
        return ExitCode::from(1);
    }
    let generator = Generator::new(profiles.clone(), a.accounts, a.days, a.seed, start);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for e in generator {
        let line = format_event(&profiles[e.profile as usize], &e);
        if let Err(err) = writeln!(out, "{line}") {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    }
    match out.flush() {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    }
}
