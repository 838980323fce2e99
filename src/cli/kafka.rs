//! `clausec kafka consume|produce`: the stream engine as a member of a Kafka
//! consumer group, and a producer that feeds an NDJSON file into the input
//! topic keyed by account (src/kafka, docs/scaling.md).

use crate::kafka::member::{self, Log, Settings};
use crate::vocab::Reading;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct KafkaArgs {
    #[command(subcommand)]
    command: KafkaCommand,
}

#[derive(clap::Subcommand)]
enum KafkaCommand {
    /// Join a consumer group on the input topic and emit every action to the output topic.
    Consume(Box<ConsumeArgs>),
    /// Send NDJSON events to the input topic, keyed by account.
    Produce(ProduceArgs),
}

#[derive(clap::Args)]
struct ConsumeArgs {
    /// Directory of the agreement's clause files.
    agreement: PathBuf,
    /// Bootstrap brokers, `host:port[,host:port…]`.
    #[arg(long)]
    brokers: String,
    /// Consumer group id (one group per agreement).
    #[arg(long, default_value = "clausec")]
    group: String,
    /// Input topic: NDJSON events keyed by account, and clock records.
    #[arg(long, default_value = "billing-events")]
    input: String,
    /// Output topic: one NDJSON action per record, keyed by account.
    #[arg(long, default_value = "contract-actions")]
    output: String,
    /// Dead-letter topic: records and deadlines that could not be applied, with the reason.
    #[arg(long, default_value = "billing-events-dead")]
    dead_letter: String,
    /// Directory of the per-partition checkpoints (shared by the group's members).
    #[arg(long)]
    state_dir: PathBuf,
    /// How much earlier than the partition's latest instant an event may be: `90`, `60s`, `5m`, `2h`, `1d`.
    #[arg(long, default_value = "60s")]
    max_lateness: String,
    #[arg(long, default_value = "customer-safe", value_parser = ["customer-safe", "earliest"])]
    reading: String,
    /// Records per processed batch of a partition.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Longest wait, in milliseconds, before a partial batch is processed.
    #[arg(long, default_value_t = 50)]
    linger_ms: u64,
    /// Checkpoint a partition after this many records…
    #[arg(long, default_value_t = 100_000)]
    checkpoint_every: u64,
    /// …or after this long (`10s`, `1m`), whichever comes first.
    #[arg(long, default_value = "10s")]
    checkpoint_interval: String,
    /// Write a clock record at wall-clock time into an owned partition idle this long (`30s`, `5m`); off by default.
    #[arg(long)]
    idle_clock: Option<String>,
    /// Leave the group once no record has arrived for this long (`30s`); default: run until SIGTERM or SIGINT.
    #[arg(long)]
    exit_when_idle: Option<String>,
    /// The group's session timeout in milliseconds (how long a crashed member holds its partitions).
    #[arg(long, default_value_t = 10_000)]
    session_timeout_ms: u32,
    /// A librdkafka property for both clients, `key=value` (repeatable), e.g. `security.protocol=ssl`.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    properties: Vec<String>,
    /// Print counts and throughput on stderr at the end.
    #[arg(long)]
    stats: bool,
}

#[derive(clap::Args)]
struct ProduceArgs {
    /// Bootstrap brokers, `host:port[,host:port…]`.
    #[arg(long)]
    brokers: String,
    #[arg(long, default_value = "billing-events")]
    topic: String,
    /// NDJSON events, one per line; `-` for stdin.
    #[arg(long)]
    events: PathBuf,
    /// After the events, send a clock record at this instant (RFC 3339) to every partition.
    #[arg(long)]
    clock: Option<String>,
    /// A librdkafka property, `key=value` (repeatable).
    #[arg(long = "property", value_name = "KEY=VALUE")]
    properties: Vec<String>,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn properties(list: &[String]) -> Result<Vec<(String, String)>, String> {
    list.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("--property `{p}` is not KEY=VALUE"))
        })
        .collect()
}

fn duration(flag: &str, s: &str) -> Result<Duration, String> {
    match super::run::parse_seconds(s) {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n.unsigned_abs())),
        Ok(_) => Err(format!("{flag} must be positive")),
        Err(m) => Err(format!("{flag}: {m}")),
    }
}

/// Progress lines on stderr, stamped with the wall-clock time (milliseconds)
/// so rebalance-to-resume times can be read off them.
fn stderr_log() -> Log {
    Arc::new(|line: &str| {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        eprintln!("{now} {line}");
    })
}

pub fn run(a: KafkaArgs) -> ExitCode {
    match a.command {
        KafkaCommand::Consume(c) => consume(*c),
        KafkaCommand::Produce(p) => produce(p),
    }
}

fn consume(a: ConsumeArgs) -> ExitCode {
    let settings = match settings(&a) {
        Ok(s) => s,
        Err(m) => return fail(m),
    };
    let (map, load_diags) = match super::load_or_exit(std::slice::from_ref(&a.agreement)) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let agreement = crate::kafka::checkpoint::fingerprint(&map);
    let checked = crate::frontend::front_end(&map, load_diags);
    let program = match crate::eval::Program::from_checked(checked) {
        Ok(p) => p,
        Err(diags) => {
            super::print_diagnostics(&map, &diags);
            return ExitCode::from(1);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            return fail(format!("cannot handle signals: {e}"));
        }
    }
    let log = stderr_log();
    log(&format!(
        "member of `{}` on `{}` → `{}` (dead letters `{}`), state in `{}`",
        settings.group,
        settings.input,
        settings.output,
        settings.dead_letter,
        settings.state_dir.display()
    ));
    match member::consume(program, agreement, &settings, &stop, log.clone()) {
        Ok(s) => {
            if a.stats {
                log(&format!(
                    "stats: {} records, {} actions, {} dead letters, {} clock records written, {} checkpoints, {:.3}s busy, {:.0} records/s",
                    s.records,
                    s.actions,
                    s.dead_letters,
                    s.clock_records,
                    s.checkpoints,
                    s.busy_secs,
                    s.records as f64 / s.busy_secs.max(1e-9)
                ));
            }
            log("left the group");
            ExitCode::SUCCESS
        }
        Err(m) => fail(m),
    }
}

fn settings(a: &ConsumeArgs) -> Result<Settings, String> {
    let max_lateness = match super::run::parse_seconds(&a.max_lateness) {
        Ok(s) if s >= 0 => s,
        Ok(_) => return Err("--max-lateness must not be negative".into()),
        Err(m) => return Err(format!("--max-lateness: {m}")),
    };
    Ok(Settings {
        brokers: a.brokers.clone(),
        group: a.group.clone(),
        input: a.input.clone(),
        output: a.output.clone(),
        dead_letter: a.dead_letter.clone(),
        state_dir: a.state_dir.clone(),
        max_lateness,
        reading: Reading::from_name(&a.reading).unwrap_or_default(),
        batch: a.batch.max(1),
        linger: Duration::from_millis(a.linger_ms),
        checkpoint_every: a.checkpoint_every.max(1),
        checkpoint_interval: duration("--checkpoint-interval", &a.checkpoint_interval)?,
        idle_clock: a
            .idle_clock
            .as_deref()
            .map(|s| duration("--idle-clock", s))
            .transpose()?,
        exit_when_idle: a
            .exit_when_idle
            .as_deref()
            .map(|s| duration("--exit-when-idle", s))
            .transpose()?,
        session_timeout_ms: a.session_timeout_ms,
        properties: properties(&a.properties)?,
    })
}

fn produce(a: ProduceArgs) -> ExitCode {
    let props = match properties(&a.properties) {
        Ok(p) => p,
        Err(m) => return fail(m),
    };
    let clock = match a
        .clock
        .as_deref()
        .map(crate::eval::parse_instant)
        .transpose()
    {
        Ok(c) => c.map(|t| t.timestamp()),
        Err(m) => return fail(format!("--clock: {m}")),
    };
    let input: Box<dyn BufRead> = if a.events.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&a.events) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => return fail(format!("cannot read `{}`: {e}", a.events.display())),
        }
    };
    let name = a.events.display().to_string();
    let mut lines = input
        .lines()
        .enumerate()
        .filter(|(_, l)| l.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(i, l)| l.map_err(|e| format!("`{name}` line {}: {e}", i + 1)));
    let started = std::time::Instant::now();
    match member::produce(
        &a.brokers,
        &props,
        &a.topic,
        &mut lines,
        clock,
        stderr_log(),
    ) {
        Ok(n) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "sent {n} records to `{}` in {secs:.3}s ({:.0}/s)",
                a.topic,
                n as f64 / secs.max(1e-9)
            );
            ExitCode::SUCCESS
        }
        Err(m) => fail(m),
    }
}
