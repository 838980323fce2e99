//! `clausec run`: the compiled agreements over an NDJSON stream of account
//! events, emitting every action as it falls due.
//!
//! Exactly-once with `--checkpoint`: output goes to `--output FILE`; at each
//! checkpoint the output is flushed and synced first, then the checkpoint
//! (state, deadline queue, pending events, input line count and hash, output
//! byte length, each machine's fingerprint, a checksum) is written to
//! `FILE.tmp` beside it, synced and renamed over the old one. A restart
//! truncates the output to the recorded length and skips the recorded
//! number of input lines, so whatever was written after the last checkpoint
//! is written again exactly once. A checkpoint that does not fit this run
//! (other options, reading or agreement, or a changed byte) is refused with
//! what differs; `--fresh` starts over instead, `--migrate` keeps the output
//! and replays the consumed input under the agreement as it is now.

use crate::stream::catalog::Catalog;
use crate::stream::checkpoint::{self, OutputMark};
use crate::stream::runner::DEFAULT_MAX_LINE_BYTES;
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
    /// NDJSON events, one {"account","product","billing","variants"?,"at","event","amount"?} per line (`"variants":["yearly"]`: the account's variant values); `-` for stdin.
    #[arg(long)]
    pub events: PathBuf,
    /// Write actions here instead of stdout (required with --checkpoint).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// At the end of the input, fire deadlines up to this instant (RFC 3339); later events are errors.
    #[arg(long)]
    pub until: Option<String>,
    /// What a bad input line does: reported and left out (`skip`), or reported and the run stops (`stop`).
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub on_error: OnError,
    /// How much earlier than the latest instant seen an event may be: `90`, `60s`, `5m`, `2h`, `1d`.
    #[arg(long, default_value = "60s")]
    pub max_lateness: String,
    /// Working-day calendar file (format of data/cn_mainland_workdays.txt) instead of the agreement's.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Longest input line, in bytes; a longer line is reported and left out (raise it for very long account names).
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Save state here periodically; resume from it if it exists.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Input lines between checkpoints.
    #[arg(long, default_value_t = 1_000_000)]
    pub checkpoint_every: u64,
    /// Ignore an existing checkpoint: start from the first line, rewriting the output.
    #[arg(long, conflicts_with = "migrate")]
    pub fresh: bool,
    /// Resume from a checkpoint taken under another agreement or reading: keep the output written so far, replay the input it consumed under the agreement as it is now (writing nothing), then go on.
    #[arg(long)]
    pub migrate: bool,
    /// Worker threads and shards (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Input lines per batch.
    #[arg(long, default_value_t = 65_536, hide = true)]
    pub batch: usize,
    /// Which reading of a step with two readings counts: the one safer for the customer, or the earliest.
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

/// Writing the output failed: a reader that closed the pipe (`run … |
/// head`) ends the run quietly, as every command does; anything else is an
/// IO error (exit code 2).
fn output_failed(e: OutputError) -> ExitCode {
    match e {
        OutputError::Closed => ExitCode::SUCCESS,
        OutputError::Failed(m) => fail(m),
    }
}

/// Why the output could not be written.
enum OutputError {
    /// The reader closed the pipe.
    Closed,
    Failed(String),
}

/// Appends the next line, without its terminator, to `buf` (a batch's
/// lines live end to end in one buffer: no allocation per line) and returns
/// where it sits; `None` at the end. At most `max + 1` bytes of a line are
/// kept, so memory does not grow with the longest line: the rest of a
/// longer one is read and dropped, and the runner reports the line as too
/// long. Bytes that are not UTF-8 are kept as they are (the runner reports
/// the line).
fn read_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<std::ops::Range<usize>>> {
    let start = buf.len();
    let mut any = false;
    loop {
        let avail = input.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        any = true;
        let (line, used, end) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = (max + 1).saturating_sub(buf.len() - start);
        buf.extend_from_slice(&line[..line.len().min(room)]);
        input.consume(used);
        if end {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.len() > start && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(start..buf.len()))
}

/// Where actions go, named in every write error.
struct Sink {
    out: BufWriter<Box<dyn Write>>,
    file: Option<File>,
    name: String,
    written: u64,
}

impl Sink {
    fn failed(&self, e: std::io::Error) -> OutputError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            OutputError::Closed
        } else {
            OutputError::Failed(format!("cannot write {}: {e}", self.name))
        }
    }
    fn write(&mut self, s: &str) -> Result<(), OutputError> {
        if let Err(e) = self.out.write_all(s.as_bytes()) {
            return Err(self.failed(e));
        }
        self.written += s.len() as u64;
        Ok(())
    }
    fn sync(&mut self) -> Result<(), OutputError> {
        self.out
            .flush()
            .and_then(|()| self.file.as_ref().map_or(Ok(()), File::sync_data))
            .map_err(|e| self.failed(e))
    }
}

/// Fault injection for the crash tests (tests/it/restart.rs), read from
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

/// The temporary file a checkpoint is written to before it is renamed over
/// `path`: `path` with `.tmp` appended, so checkpoints `x.a` and `x.b`
/// never share one.
fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes checkpoint number `n` of this run (1-based).
fn write_checkpoint(path: &Path, bytes: &[u8], n: u64, crash: Crash) -> std::io::Result<()> {
    let tmp = temp_name(path);
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

/// Prints a batch's line errors, their instants in the agreement's zone
/// (as the input writes them), not UTC.
fn report(batch: &Batch, zone: chrono_tz::Tz) {
    for e in &batch.errors {
        eprintln!("error: {}", e.in_zone(zone));
    }
}

/// A path as the file system resolves it (for a file that does not exist
/// yet, its directory resolved and its name), to tell whether two
/// arguments name one file.
fn resolved(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (dir.canonicalize(), p.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => p.to_path_buf(),
    }
}

/// Refuses `--output` naming the checkpoint or the events, and the
/// checkpoint naming the events: each would overwrite the other.
fn distinct_files(a: &RunArgs) -> Result<(), String> {
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if a.events.as_os_str() != "-" {
        named.push(("--events", &a.events));
    }
    if let Some(o) = &a.output {
        named.push(("--output", o));
    }
    if let Some(c) = &a.checkpoint {
        named.push(("--checkpoint", c));
    }
    for (i, (x, px)) in named.iter().enumerate() {
        for (y, py) in &named[i + 1..] {
            if resolved(px) == resolved(py) {
                return Err(format!(
                    "{x} and {y} name the same file `{}`; the run would overwrite it",
                    px.display()
                ));
            }
        }
    }
    Ok(())
}

/// How the run starts: with a fresh runner, or from a checkpoint.
enum Start {
    /// From the first line.
    Fresh,
    /// Where the checkpoint left off.
    Resume(OutputMark),
    /// Replaying the `lines` the checkpoint consumed (hash `input_hash`)
    /// under the current agreement, keeping the output up to the mark.
    Migrate {
        lines: u64,
        input_hash: u64,
        mark: OutputMark,
    },
}

fn start(a: &RunArgs, catalog: Catalog, options: Options) -> Result<(Runner, Start), String> {
    let Some(cp) = a.checkpoint.as_ref().filter(|p| p.exists() && !a.fresh) else {
        return Ok((Runner::new(catalog, options), Start::Fresh));
    };
    let bytes = std::fs::read(cp).map_err(|e| format!("cannot read `{}`: {e}", cp.display()))?;
    let name = cp.display();
    if a.migrate {
        let h = checkpoint::header(&bytes).map_err(|e| format!("checkpoint `{name}`: {e}"))?;
        let start = Start::Migrate {
            lines: h.lines,
            input_hash: h.input_hash,
            mark: h.output,
        };
        return Ok((Runner::new(catalog, options), start));
    }
    match checkpoint::decode(&bytes, catalog, options) {
        Ok(r) => Ok((r.runner, Start::Resume(r.output))),
        Err(e) => {
            use checkpoint::CheckpointError as E;
            let hint = match e {
                E::Agreement { .. } | E::Reading { .. } | E::Product { .. } | E::Option { .. } => {
                    "; run with --migrate to go on under this run's agreement and options (the output so far stays), or --fresh to start over"
                }
                _ => "; run with --fresh to start over",
            };
            Err(format!("checkpoint `{name}`: {e}{hint}"))
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
    if a.max_line_bytes == 0 {
        return fail("--max-line-bytes must be at least 1");
    }
    if let Err(m) = distinct_files(&a) {
        return fail(m);
    }
    let program = match super::program_or_exit(&a.agreement)
        .and_then(|p| super::with_calendar(p, a.calendar.as_deref()))
    {
        Ok(p) => p,
        Err(code) => return code,
    };
    let reading = Reading::from_name(&a.reading).unwrap_or_default();
    // The zone error messages show instants in (one agreement per run).
    let zone = program
        .agreements
        .first()
        .map_or(chrono_tz::UTC, |ag| ag.zone);
    let catalog = Catalog::new(program, reading);
    let options = Options {
        max_lateness,
        until,
        shards: threads,
        max_line_bytes: a.max_line_bytes,
    };
    let started = Instant::now();
    if let Some(cp) = &a.checkpoint {
        let tmp = temp_name(cp);
        if tmp.exists() {
            match std::fs::remove_file(&tmp) {
                Ok(()) => eprintln!(
                    "note: removed `{}`, left by a checkpoint write that did not finish",
                    tmp.display()
                ),
                Err(e) => return fail(format!("cannot remove `{}`: {e}", tmp.display())),
            }
        }
    }
    let (mut runner, how) = match start(&a, catalog, options) {
        Ok(x) => x,
        Err(m) => return fail(m),
    };
    let mark = match &how {
        Start::Fresh => None,
        Start::Resume(m) | Start::Migrate { mark: m, .. } => Some(*m),
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
    let max = a.max_line_bytes;
    let stop = a.on_error == OnError::Stop;
    match how {
        Start::Fresh => {}
        // Skip what the checkpoint already consumed, checking it is the same input.
        Start::Resume(_) => {
            let mut h = 0u64;
            for _ in 0..runner.lines {
                buf.clear();
                match read_line(&mut input, &mut buf, max) {
                    Ok(Some(l)) => {
                        h = Runner::hash_line(h, crate::stream::hash_bytes(&buf[l]));
                    }
                    Ok(None) => {
                        return fail(
                            "the input is shorter than the checkpoint says; is it the same input?",
                        )
                    }
                    Err(e) => return fail(format!("cannot read `{}`: {e}", a.events.display())),
                }
            }
            if h != runner.input_hash {
                return fail("the input differs from the one the checkpoint was taken on");
            }
        }
        // Replay what the checkpoint consumed, writing nothing: the output
        // up to the mark stays as the old agreement wrote it.
        Start::Migrate {
            lines, input_hash, ..
        } => {
            while runner.lines < lines {
                buf.clear();
                let mut spans = Vec::new();
                let room = (lines - runner.lines).min(a.batch.max(1) as u64) as usize;
                while spans.len() < room {
                    match read_line(&mut input, &mut buf, max) {
                        Ok(Some(l)) => spans.push(l),
                        Ok(None) => return fail(
                            "the input is shorter than the checkpoint says; is it the same input?",
                        ),
                        Err(e) => {
                            return fail(format!("cannot read `{}`: {e}", a.events.display()))
                        }
                    }
                }
                let batch: Vec<&[u8]> = spans.iter().map(|r| &buf[r.clone()]).collect();
                report(&runner.push(&batch, false), zone);
            }
            if runner.input_hash != input_hash {
                return fail("the input differs from the one the checkpoint was taken on");
            }
            eprintln!(
                "note: replayed {lines} line(s) under the agreement as it is now; output continues after byte {}",
                sink.written
            );
        }
    }
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
            match read_line(&mut input, &mut buf, max) {
                Ok(Some(l)) => spans.push(l),
                Ok(None) => {
                    eof = true;
                    break;
                }
                Err(e) => return fail(format!("cannot read `{}`: {e}", a.events.display())),
            }
        }
        let lines: Vec<&[u8]> = spans.iter().map(|r| &buf[r.clone()]).collect();
        let batch = runner.push(&lines, stop);
        report(&batch, zone);
        if let Err(e) = sink.write(&batch.output) {
            return output_failed(e);
        }
        if stop && !batch.errors.is_empty() {
            let _ = sink.sync();
            return ExitCode::from(1);
        }
        if let Some(cp) = &a.checkpoint {
            if runner.lines % every == 0 && !lines.is_empty() {
                if let Err(e) = sink.sync() {
                    return output_failed(e);
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
    report(&batch, zone);
    if let Err(e) = sink.write(&batch.output).and_then(|()| sink.sync()) {
        return output_failed(e);
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
            name: "to stdout".into(),
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
        name: format!("`{}`", path.display()),
        written,
    })
}
