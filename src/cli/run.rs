//! `clausec run`: the compiled agreements over an NDJSON stream of account
//! events, emitting every action as it falls due.
//!
//! Exactly-once with `--checkpoint`: output goes to `--output FILE`; at each
//! checkpoint the output is flushed and synced first, then the checkpoint
//! (state, deadline queue, pending events, input line count and hash, output
//! byte length) is written to a temporary file, synced and renamed over the
//! old one. A restart truncates the output to the recorded length and skips
//! the recorded number of input lines, so whatever was written after the
//! last checkpoint is written again exactly once.

use crate::stream::catalog::Catalog;
use crate::stream::checkpoint::{self, OutputMark};
use crate::stream::{Batch, Options, Runner};
use crate::vocab::Reading;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Report the line, leave it out and go on.
    Skip,
    /// Report the line and stop (exit 1).
    Stop,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    /// NDJSON events, one {"account","product","billing","at","event","amount"?} per line; `-` for stdin.
    #[arg(long)]
    pub events: PathBuf,
    /// Write actions here instead of stdout (required with --checkpoint).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// At the end of the input, fire deadlines up to this instant (RFC 3339); later events are errors.
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub on_error: OnError,
    /// How much earlier than the latest instant seen an event may be: `90`, `60s`, `5m`, `2h`, `1d`.
    #[arg(long, default_value = "60s")]
    pub max_lateness: String,
    /// Working-day calendar file (format of data/cn_mainland_workdays.txt) instead of the agreement's.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Save state here periodically; resume from it if it exists.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Input lines between checkpoints.
    #[arg(long, default_value_t = 1_000_000)]
    pub checkpoint_every: u64,
    /// Worker threads and shards (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Input lines per batch.
    #[arg(long, default_value_t = 65_536, hide = true)]
    pub batch: usize,
    #[arg(long, default_value = "customer-safe", value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Reading::NAMES))]
    pub reading: String,
    /// Print accounts, state bytes and throughput on stderr at the end.
    #[arg(long)]
    pub stats: bool,
}

/// Parses `90`, `60s`, `5m`, `2h`, `1d` into seconds.
pub fn parse_seconds(s: &str) -> Result<i64, String> {
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like `60s`"))?;
    let k = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{s}`: unit must be s, m, h or d")),
    };
    n.checked_mul(k).ok_or_else(|| format!("`{s}` is too long"))
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Appends the next line, without its terminator, to `buf` (a batch's
/// lines live end to end in one buffer: no allocation per line) and returns
/// where it sits; `None` at the end.
fn read_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<std::ops::Range<usize>>> {
    let start = buf.len();
    if input.read_until(b'\n', buf)? == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.len() > start && buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    // A line that is not UTF-8 becomes an invalid-JSON line (reported with its number).
    if std::str::from_utf8(&buf[start..]).is_err() {
        let lossy = String::from_utf8_lossy(&buf[start..]).into_owned();
        buf.truncate(start);
        buf.extend_from_slice(lossy.as_bytes());
    }
    Ok(Some(start..buf.len()))
}

struct Sink {
    out: BufWriter<Box<dyn Write>>,
    file: Option<File>,
    written: u64,
}

impl Sink {
    fn write(&mut self, s: &str) -> std::io::Result<()> {
        self.out.write_all(s.as_bytes())?;
        self.written += s.len() as u64;
        Ok(())
    }
    fn sync(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        if let Some(f) = &self.file {
            f.sync_data()?;
        }
        Ok(())
    }
}

/// Fault injection for the crash tests (tests/it/stream.rs), read from
/// `CLAUSEC_CRASH`: `after-checkpoint:N` aborts the process as soon as the
/// N-th checkpoint of this run is in place, `mid-checkpoint:N` half-way
/// through writing it. An abort, like `kill -9`, flushes nothing; the tests
/// use it to kill the run at exactly these moments, which a timed kill
/// reaches only by chance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Crash {
    None,
    After(u64),
    Mid(u64),
}

impl Crash {
    fn from_env() -> Crash {
        let Ok(v) = std::env::var("CLAUSEC_CRASH") else {
            return Crash::None;
        };
        let (what, n) = v.split_once(':').unwrap_or((v.as_str(), "1"));
        match (what, n.parse()) {
            ("after-checkpoint", Ok(n)) => Crash::After(n),
            ("mid-checkpoint", Ok(n)) => Crash::Mid(n),
            _ => Crash::None,
        }
    }
}

/// Writes checkpoint number `n` of this run (1-based).
fn write_checkpoint(path: &Path, bytes: &[u8], n: u64, crash: Crash) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        if crash == Crash::Mid(n) {
            f.write_all(&bytes[..bytes.len() / 2])?;
            f.sync_all()?;
            std::process::abort();
        }
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    if crash == Crash::After(n) {
        std::process::abort();
    }
    Ok(())
}

fn report(batch: &Batch) {
    for e in &batch.errors {
        match e.line {
            Some(l) => eprintln!("error: line {l}: {}", e.message),
            None => eprintln!("error: {}", e.message),
        }
    }
}

pub fn run(a: RunArgs) -> ExitCode {
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let max_lateness = match parse_seconds(&a.max_lateness) {
        Ok(s) if s >= 0 => s,
        Ok(_) => return fail("--max-lateness must not be negative"),
        Err(m) => return fail(format!("--max-lateness: {m}")),
    };
    let until = match a
        .until
        .as_deref()
        .map(crate::eval::parse_instant)
        .transpose()
    {
        Ok(u) => u.map(|t| t.timestamp()),
        Err(m) => return fail(format!("--until: {m}")),
    };
    if a.checkpoint.is_some() && a.output.is_none() {
        return fail("--checkpoint needs --output FILE: stdout cannot be rewound to the checkpoint, so actions would repeat after a restart");
    }
    let program = match super::program_or_exit(&a.agreement)
        .and_then(|p| super::with_calendar(p, a.calendar.as_deref()))
    {
        Ok(p) => p,
        Err(code) => return code,
    };
    let reading = Reading::from_name(&a.reading).unwrap_or_default();
    let catalog = Catalog::new(program, reading);
    let options = Options {
        max_lateness,
        until,
        shards: threads,
    };
    let started = Instant::now();
    // Resume or start.
    let saved = match &a.checkpoint {
        Some(p) if p.exists() => match std::fs::read(p) {
            Ok(b) => Some(b),
            Err(e) => return fail(format!("cannot read `{}`: {e}", p.display())),
        },
        _ => None,
    };
    let (mut runner, mark) = match saved {
        Some(bytes) => match checkpoint::decode(&bytes, catalog, options) {
            Ok(r) => (r.runner, Some(r.output)),
            Err(m) => return fail(format!("checkpoint: {m}")),
        },
        None => (Runner::new(catalog, options), None),
    };
    let mut sink = match open_output(a.output.as_deref(), mark) {
        Ok(s) => s,
        Err(m) => return fail(m),
    };
    let input: Box<dyn Read> = if a.events.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match File::open(&a.events) {
            Ok(f) => Box::new(f),
            Err(e) => return fail(format!("cannot read `{}`: {e}", a.events.display())),
        }
    };
    let mut input = BufReader::with_capacity(1 << 20, input);
    let mut buf = Vec::new();
    // Skip what the checkpoint already consumed, checking it is the same input.
    if mark.is_some() {
        let mut h = 0u64;
        for _ in 0..runner.lines {
            buf.clear();
            match read_line(&mut input, &mut buf) {
                Ok(Some(l)) => {
                    h = Runner::hash_line(h, crate::stream::hash_bytes(&buf[l]));
                }
                Ok(None) => {
                    return fail(
                        "the input is shorter than the checkpoint says; is it the same input?",
                    )
                }
                Err(e) => return fail(e),
            }
        }
        if h != runner.input_hash {
            return fail("the input differs from the one the checkpoint was taken on");
        }
    }
    let stop = a.on_error == OnError::Stop;
    let every = a.checkpoint_every.max(1);
    let crash = Crash::from_env();
    let mut checkpoints = 0u64;
    let mut eof = false;
    let mut spans = Vec::new();
    while !eof {
        let room = if a.checkpoint.is_some() {
            (every - runner.lines % every) as usize
        } else {
            a.batch
        };
        buf.clear();
        spans.clear();
        while spans.len() < room.min(a.batch.max(1)) {
            match read_line(&mut input, &mut buf) {
                Ok(Some(l)) => spans.push(l),
                Ok(None) => {
                    eof = true;
                    break;
                }
                Err(e) => return fail(e),
            }
        }
        // Every line was checked (or made) UTF-8, so the buffer is too.
        let Ok(text) = std::str::from_utf8(&buf) else {
            return fail("input batch is not UTF-8 after line repair");
        };
        let lines: Vec<&str> = spans
            .iter()
            .map(|r| text.get(r.clone()).unwrap_or(""))
            .collect();
        let batch = runner.push(&lines, stop);
        report(&batch);
        if let Err(e) = sink.write(&batch.output) {
            return fail(e);
        }
        if stop && !batch.errors.is_empty() {
            let _ = sink.sync();
            return ExitCode::from(1);
        }
        if let Some(cp) = &a.checkpoint {
            if runner.lines % every == 0 && !lines.is_empty() {
                if let Err(e) = sink.sync() {
                    return fail(e);
                }
                let bytes = checkpoint::encode(
                    &runner,
                    OutputMark {
                        bytes: sink.written,
                    },
                );
                checkpoints += 1;
                if let Err(e) = write_checkpoint(cp, &bytes, checkpoints, crash) {
                    return fail(format!("cannot write checkpoint `{}`: {e}", cp.display()));
                }
            }
        }
    }
    let batch = runner.finish();
    report(&batch);
    if let Err(e) = sink.write(&batch.output).and_then(|()| sink.sync()) {
        return fail(e);
    }
    let secs = started.elapsed().as_secs_f64();
    if a.stats {
        let accounts = runner.accounts();
        let bytes = runner.state_bytes();
        eprintln!(
            "stats: {} lines, {} actions, {} accounts, {} state bytes ({:.1} per account), {} queued deadlines, {:.3}s, {:.0} lines/s, {} threads",
            runner.lines,
            runner.actions_out,
            accounts,
            bytes,
            bytes as f64 / accounts.max(1) as f64,
            runner.queued(),
            secs,
            runner.lines as f64 / secs.max(1e-9),
            threads
        );
    }
    if runner.errors > 0 {
        eprintln!("{} line(s) reported above were left out", runner.errors);
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn open_output(path: Option<&Path>, mark: Option<OutputMark>) -> Result<Sink, String> {
    let Some(path) = path else {
        return Ok(Sink {
            out: BufWriter::with_capacity(1 << 20, Box::new(std::io::stdout())),
            file: None,
            written: 0,
        });
    };
    let cannot = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let mut file = match mark {
        Some(_) => OpenOptions::new().read(true).write(true).open(path),
        None => File::create(path),
    }
    .map_err(cannot)?;
    let written = mark.map_or(0, |m| m.bytes);
    if let Some(m) = mark {
        let len = file.metadata().map_err(cannot)?.len();
        if len < m.bytes {
            return Err(format!(
                "`{}` is shorter ({len} bytes) than the checkpoint recorded ({} bytes); was it replaced?",
                path.display(),
                m.bytes
            ));
        }
        file.set_len(m.bytes).map_err(cannot)?;
        file.seek(SeekFrom::Start(m.bytes)).map_err(cannot)?;
    }
    let handle = file.try_clone().map_err(cannot)?;
    Ok(Sink {
        out: BufWriter::with_capacity(1 << 20, Box::new(file)),
        file: Some(handle),
        written,
    })
}
