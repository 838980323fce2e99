//! One member of the consumer group: the network side of
//! [`super::partition`].
//!
//! The loop polls the input topic and buffers each owned partition's records;
//! a partition's buffer is processed when it holds `batch` records or its
//! oldest record has waited `linger`. Actions go to the output topic keyed
//! by account with their deduplication key in the `clausec-key` header; dead
//! letters go to the dead-letter topic with the reason.
//!
//! A partition is checkpointed every `checkpoint_every` records or
//! `checkpoint_interval`, on revocation and on shutdown, always in this
//! order: flush the producer and check every record was acknowledged, then
//! write the checkpoint, then commit the offset to the group (for lag
//! monitoring only: a new owner starts from the checkpoint's offset, never
//! from the committed one). So the output up to a checkpoint is in the
//! output topic before the checkpoint says it was processed; a crash after
//! that re-emits, from the checkpoint on, the same actions with the same
//! keys.
//!
//! Rebalancing: the assignment callback loads each new partition's
//! checkpoint (refusing one from another agreement, topic or reading) and
//! assigns the partition at the checkpoint's offset; the revocation callback
//! checkpoints and drops the partition, unless the assignment was lost
//! (another member may own it already; its state is not ours to write).

use super::checkpoint::{self, Identity, StateDir};
use super::partition::{clock_record, Emitted, Partition, Record};
use crate::eval::Program;
use crate::stream::catalog::Catalog;
use crate::stream::Options;
use crate::vocab::Reading;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where progress and problems are reported (the command line prints them).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// How a member runs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub brokers: String,
    pub group: String,
    pub input: String,
    pub output: String,
    pub dead_letter: String,
    pub state_dir: PathBuf,
    pub max_lateness: i64,
    pub reading: Reading,
    /// Records per processed batch (per partition).
    pub batch: usize,
    /// Longest wait before a partial batch is processed.
    pub linger: Duration,
    pub checkpoint_every: u64,
    pub checkpoint_interval: Duration,
    /// Write a clock record at wall-clock time into an owned partition that
    /// has had no record for this long.
    pub idle_clock: Option<Duration>,
    /// Leave the group once no record has arrived for this long (counted
    /// from the last record or rebalance, once the member has joined).
    pub exit_when_idle: Option<Duration>,
    pub session_timeout_ms: u32,
    /// Extra librdkafka properties for both the consumer and the producer.
    pub properties: Vec<(String, String)>,
}

/// Counts over a member's life.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub records: u64,
    pub actions: u64,
    pub dead_letters: u64,
    pub clock_records: u64,
    pub checkpoints: u64,
    /// Seconds from the first record to the last processed batch.
    pub busy_secs: f64,
}

/// The header carrying an action's deduplication key.
pub const KEY_HEADER: &str = "clausec-key";

/// A consumed record: offset, key, value.
type Buffered = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

struct Slot {
    part: Partition,
    buffered: Vec<Buffered>,
    oldest: Option<Instant>,
    /// The next offset to buffer.
    expected: i64,
    last_input: Instant,
    last_tick: Option<Instant>,
    since_checkpoint: u64,
    last_checkpoint: Instant,
    assigned_at: Instant,
    resumed: bool,
}

#[derive(Default)]
struct Shared {
    owned: BTreeMap<i32, Slot>,
    /// When the last assignment or revocation happened.
    rebalanced: Option<Instant>,
    fatal: Option<String>,
    summary: Summary,
    first_record: Option<Instant>,
    last_batch: Option<Instant>,
}

struct Delivery {
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
    log: Log,
}

fn forward_log(log: &Log, level: RDKafkaLogLevel, fac: &str, message: &str) {
    use RDKafkaLogLevel::{Alert, Critical, Emerg, Error, Warning};
    if matches!(level, Emerg | Alert | Critical | Error | Warning) {
        log(&format!("librdkafka {fac}: {message}"));
    }
}

impl ClientContext for Delivery {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        forward_log(&self.log, level, fac, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        (self.log)(&format!("producer: {error}: {reason}"));
    }
}

impl ProducerContext for Delivery {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.failed.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

struct Ctx {
    settings: Settings,
    program: Program,
    agreement: u64,
    state: StateDir,
    producer: BaseProducer<Delivery>,
    shared: Mutex<Shared>,
    log: Log,
}

impl ClientContext for Ctx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        forward_log(&self.log, level, fac, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        (self.log)(&format!("consumer: {error}: {reason}"));
    }
}

impl ConsumerContext for Ctx {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let topic = self.settings.input.clone();
        let partitions: Vec<i32> = tpl
            .elements_for_topic(&topic)
            .iter()
            .map(|e| e.partition())
            .collect();
        let mut shared = self.lock();
        shared.rebalanced = Some(Instant::now());
        let result = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                for p in partitions {
                    match self.load(p) {
                        Ok(slot) => {
                            let at = match slot.part.next_offset {
                                0 => Offset::Beginning,
                                n => Offset::Offset(n),
                            };
                            if let Err(e) = tpl.set_partition_offset(&topic, p, at) {
                                shared.fatal = Some(format!("partition {p}: {e}"));
                            }
                            shared.owned.insert(p, slot);
                        }
                        Err(m) => shared.fatal = Some(format!("partition {p}: {m}")),
                    }
                }
                if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let lost = consumer.assignment_lost();
                for p in partitions {
                    let Some(slot) = shared.owned.remove(&p) else {
                        continue;
                    };
                    if lost {
                        (self.log)(&format!(
                            "partition {p}: assignment lost, not checkpointed (at offset {})",
                            slot.part.next_offset
                        ));
                    } else if let Err(m) = self.checkpoint(consumer, p, &slot) {
                        shared.fatal = Some(m);
                    } else {
                        shared.summary.checkpoints += 1;
                        (self.log)(&format!(
                            "partition {p}: revoked, checkpointed at offset {}",
                            slot.part.next_offset
                        ));
                    }
                }
                if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                }
            }
            other => {
                (self.log)(&format!("rebalance error: {other:?}"));
                shared.owned.clear();
                consumer.unassign()
            }
        };
        if let Err(e) = result {
            shared.fatal = Some(format!("cannot change the assignment: {e}"));
        }
    }
}

impl Ctx {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn identity(&self, partition: i32) -> Identity {
        Identity {
            topic: self.settings.input.clone(),
            partition,
            agreement: self.agreement,
        }
    }

    fn options(&self) -> Options {
        Options {
            max_lateness: self.settings.max_lateness,
            until: None,
            shards: 1,
            ..Options::default()
        }
    }

    /// A newly assigned partition: its checkpoint, or a fresh engine.
    fn load(&self, p: i32) -> Result<Slot, String> {
        let catalog = Catalog::new(self.program.clone(), self.settings.reading);
        let part = match self.state.read(&self.settings.input, p)? {
            Some(bytes) => {
                let part = checkpoint::decode(&bytes, &self.identity(p), catalog, self.options())
                    .map_err(|m| {
                    format!(
                        "{}: {m}",
                        self.state.path(&self.settings.input, p).display()
                    )
                })?;
                (self.log)(&format!(
                    "partition {p}: assigned, resuming from the checkpoint at offset {} ({} accounts)",
                    part.next_offset,
                    part.runner.accounts()
                ));
                part
            }
            None => {
                (self.log)(&format!(
                    "partition {p}: assigned, no checkpoint: from the beginning"
                ));
                Partition::new(catalog, self.options())
            }
        };
        let now = Instant::now();
        Ok(Slot {
            expected: part.next_offset,
            part,
            buffered: Vec::new(),
            oldest: None,
            last_input: now,
            last_tick: None,
            since_checkpoint: 0,
            last_checkpoint: now,
            assigned_at: now,
            resumed: false,
        })
    }

    /// Makes the output so far durable, then the state, then commits.
    fn checkpoint(&self, consumer: &BaseConsumer<Self>, p: i32, slot: &Slot) -> Result<(), String> {
        self.producer
            .flush(Duration::from_secs(60))
            .map_err(|e| format!("cannot deliver the output: {e}"))?;
        let failed = self.producer.context().failed.load(Ordering::SeqCst);
        if failed > 0 {
            let first = self
                .producer
                .context()
                .first_error
                .lock()
                .ok()
                .and_then(|f| f.clone())
                .unwrap_or_default();
            return Err(format!(
                "{failed} output record(s) were not delivered ({first}); not checkpointing past them"
            ));
        }
        let bytes = checkpoint::encode(&self.identity(p), &slot.part);
        self.state.write(&self.settings.input, p, &bytes)?;
        let mut tpl = TopicPartitionList::new();
        let commit = tpl
            .add_partition_offset(
                &self.settings.input,
                p,
                Offset::Offset(slot.part.next_offset),
            )
            .and_then(|()| consumer.commit(&tpl, CommitMode::Async));
        if let Err(e) = commit {
            (self.log)(&format!(
                "partition {p}: offset commit failed (the checkpoint holds): {e}"
            ));
        }
        Ok(())
    }

    /// Sends one record, waiting while the producer's queue is full.
    fn send(&self, record: BaseRecord<'_, [u8], [u8]>) -> Result<(), String> {
        let mut record = record;
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    self.producer.poll(Duration::from_millis(50));
                    record = r;
                }
                Err((e, r)) => return Err(format!("cannot send to `{}`: {e}", r.topic)),
            }
        }
    }

    fn emit(&self, p: i32, emitted: &Emitted, summary: &mut Summary) -> Result<(), String> {
        for a in &emitted.actions {
            let headers = OwnedHeaders::new().insert(Header {
                key: KEY_HEADER,
                value: Some(a.key.as_bytes()),
            });
            self.send(
                BaseRecord::to(&self.settings.output)
                    .key(a.account.as_bytes())
                    .payload(a.value.as_bytes())
                    .headers(headers),
            )?;
        }
        for d in &emitted.dead {
            let record = d.value.as_deref().map(|v| match std::str::from_utf8(v) {
                Ok(s) => serde_json::Value::String(s.to_string()),
                Err(_) => serde_json::json!({ "hex": hex(v) }),
            });
            let value = serde_json::json!({
                "reason": d.reason,
                "topic": self.settings.input,
                "partition": p,
                "offset": d.offset,
                "record": record,
            })
            .to_string();
            let headers = OwnedHeaders::new().insert(Header {
                key: "clausec-reason",
                value: Some(d.reason.as_bytes()),
            });
            let mut r = BaseRecord::to(&self.settings.dead_letter)
                .payload(value.as_bytes())
                .headers(headers);
            if let Some(k) = &d.key {
                r = r.key(k.as_slice());
            }
            self.send(r)?;
        }
        summary.actions += emitted.actions.len() as u64;
        summary.dead_letters += emitted.dead.len() as u64;
        Ok(())
    }

    /// Processes the buffers that are due, checkpoints and ticks idle
    /// partitions.
    fn work(&self, consumer: &BaseConsumer<Self>, force: bool) -> Result<(), String> {
        let now = Instant::now();
        let mut shared = self.lock();
        let shared = &mut *shared;
        for (&p, slot) in shared.owned.iter_mut() {
            let full = slot.buffered.len() >= self.settings.batch;
            let waited = slot
                .oldest
                .is_some_and(|t| now.duration_since(t) >= self.settings.linger);
            if !slot.buffered.is_empty() && (full || waited || force) {
                let records: Vec<Record<'_>> = slot
                    .buffered
                    .iter()
                    .map(|(offset, key, value)| Record {
                        offset: *offset,
                        key: key.as_deref(),
                        value: value.as_deref(),
                    })
                    .collect();
                let mut emitted = Emitted::default();
                slot.part.process(&records, &mut emitted);
                let n = records.len() as u64;
                drop(records);
                slot.buffered.clear();
                slot.oldest = None;
                self.emit(p, &emitted, &mut shared.summary)?;
                shared.summary.records += n;
                slot.since_checkpoint += n;
                shared.last_batch = Some(now);
                if !slot.resumed {
                    slot.resumed = true;
                    (self.log)(&format!(
                        "partition {p}: resumed at offset {}, {} ms after the assignment",
                        slot.part.next_offset - n as i64,
                        now.duration_since(slot.assigned_at).as_millis()
                    ));
                }
            }
            let every = slot.since_checkpoint >= self.settings.checkpoint_every;
            let stale =
                now.duration_since(slot.last_checkpoint) >= self.settings.checkpoint_interval;
            if slot.since_checkpoint > 0 && (every || stale || force) {
                self.checkpoint(consumer, p, slot)?;
                shared.summary.checkpoints += 1;
                slot.since_checkpoint = 0;
                slot.last_checkpoint = now;
                (self.log)(&format!(
                    "partition {p}: checkpointed at offset {}",
                    slot.part.next_offset
                ));
            }
            if let Some(idle) = self.settings.idle_clock {
                let quiet = now.duration_since(slot.last_input) >= idle;
                let due = slot.last_tick.is_none_or(|t| now.duration_since(t) >= idle);
                if slot.buffered.is_empty() && quiet && due && !force {
                    let value = clock_record(chrono::Utc::now().timestamp());
                    self.send(
                        BaseRecord::<[u8], [u8]>::to(&self.settings.input)
                            .partition(p)
                            .payload(value.as_bytes()),
                    )?;
                    slot.last_tick = Some(now);
                    shared.summary.clock_records += 1;
                }
            }
        }
        Ok(())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn client_config(s: &Settings) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &s.brokers);
    for (k, v) in &s.properties {
        c.set(k, v);
    }
    c
}

/// Joins the group and processes until `stop` is set, `exit_when_idle`
/// passes, or an error that must not be skipped (an undeliverable output,
/// a checkpoint that cannot be written or is refused) happens.
pub fn consume(
    program: Program,
    agreement: u64,
    settings: &Settings,
    stop: &AtomicBool,
    log: Log,
) -> Result<Summary, String> {
    std::fs::create_dir_all(&settings.state_dir)
        .map_err(|e| format!("cannot create `{}`: {e}", settings.state_dir.display()))?;
    let producer: BaseProducer<Delivery> = client_config(settings)
        .set("acks", "all")
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5")
        .create_with_context(Delivery {
            failed: AtomicU64::new(0),
            first_error: Mutex::new(None),
            log: log.clone(),
        })
        .map_err(|e| format!("cannot create the producer: {e}"))?;
    let ctx = Ctx {
        settings: settings.clone(),
        program,
        agreement,
        state: StateDir {
            dir: settings.state_dir.clone(),
        },
        producer,
        shared: Mutex::new(Shared::default()),
        log: log.clone(),
    };
    let consumer: BaseConsumer<Ctx> = client_config(settings)
        .set("group.id", &settings.group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // Partitions are assigned at their checkpoint's offset (or the
        // beginning); never jump elsewhere silently.
        .set("auto.offset.reset", "error")
        .set(
            "session.timeout.ms",
            settings.session_timeout_ms.to_string(),
        )
        .set(
            "heartbeat.interval.ms",
            (settings.session_timeout_ms / 3).max(100).to_string(),
        )
        .create_with_context(ctx)
        .map_err(|e| format!("cannot create the consumer: {e}"))?;
    consumer
        .subscribe(&[&settings.input])
        .map_err(|e| format!("cannot subscribe to `{}`: {e}", settings.input))?;
    let mut last_record = Instant::now();
    let result = loop {
        if stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        if let Some(m) = consumer.context().lock().fatal.take() {
            break Err(m);
        }
        // Idle: nothing consumed since joining (or the last rebalance) or
        // since the last record, whichever is later.
        let now = Instant::now();
        let rebalanced = consumer.context().lock().rebalanced;
        let idle_since = rebalanced.map(|r| r.max(last_record));
        if let (Some(d), Some(since)) = (settings.exit_when_idle, idle_since) {
            if now.duration_since(since) >= d {
                break Ok(());
            }
        }
        match consumer.poll(Duration::from_millis(20)) {
            Some(Ok(m)) => {
                last_record = Instant::now();
                let ctx = consumer.context();
                let mut shared = ctx.lock();
                shared.first_record.get_or_insert(last_record);
                if let Some(slot) = shared.owned.get_mut(&m.partition()) {
                    if m.topic() == settings.input && m.offset() >= slot.expected {
                        slot.buffered.push((
                            m.offset(),
                            m.key().map(<[u8]>::to_vec),
                            m.payload().map(<[u8]>::to_vec),
                        ));
                        slot.expected = m.offset() + 1;
                        slot.last_input = last_record;
                        slot.oldest.get_or_insert(last_record);
                    }
                }
            }
            // The checkpoint's offset is no longer in the topic (retention
            // removed it): going on from elsewhere would lose records.
            Some(Err(e))
                if matches!(
                    e.rdkafka_error_code(),
                    Some(RDKafkaErrorCode::AutoOffsetReset | RDKafkaErrorCode::OffsetOutOfRange)
                ) =>
            {
                break Err(format!("cannot resume at the checkpoint's offset: {e}"));
            }
            Some(Err(e)) => log(&format!("consumer: {e}")),
            None => {}
        }
        if let Err(m) = consumer.context().work(&consumer, false) {
            break Err(m);
        }
        consumer.context().producer.poll(Duration::ZERO);
    };
    // Process what was consumed, checkpoint, and leave the group.
    let ctx = consumer.context();
    let result = result.and_then(|()| ctx.work(&consumer, true));
    // Whatever happened, leaving must not checkpoint again: after an error
    // the output may be incomplete.
    let released = std::mem::take(&mut ctx.lock().owned);
    if result.is_ok() {
        for (p, slot) in released {
            log(&format!(
                "partition {p}: released at offset {}",
                slot.part.next_offset
            ));
        }
    }
    let summary = {
        let shared = ctx.lock();
        let mut s = shared.summary;
        if let (Some(a), Some(b)) = (shared.first_record, shared.last_batch) {
            s.busy_secs = b.duration_since(a).as_secs_f64();
        }
        s
    };
    drop(consumer);
    result.map(|()| summary)
}

/// Sends NDJSON lines to `topic`, each keyed by its `account` (a line that
/// does not parse goes unkeyed, to show up in the dead-letter topic), then
/// a clock record at `clock` to every partition. Returns the records sent.
pub fn produce(
    brokers: &str,
    properties: &[(String, String)],
    topic: &str,
    lines: &mut dyn Iterator<Item = Result<String, String>>,
    clock: Option<i64>,
    log: Log,
) -> Result<u64, String> {
    let settings = Settings {
        brokers: brokers.to_string(),
        properties: properties.to_vec(),
        ..Settings::default_for(topic)
    };
    let producer: BaseProducer<Delivery> = client_config(&settings)
        .set("acks", "all")
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "20")
        .create_with_context(Delivery {
            failed: AtomicU64::new(0),
            first_error: Mutex::new(None),
            log,
        })
        .map_err(|e| format!("cannot create the producer: {e}"))?;
    let send = |r: BaseRecord<'_, [u8], [u8]>| -> Result<(), String> {
        let mut r = r;
        loop {
            match producer.send(r) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    producer.poll(Duration::from_millis(50));
                    r = back;
                }
                Err((e, _)) => return Err(format!("cannot send to `{topic}`: {e}")),
            }
        }
    };
    let mut sent = 0u64;
    for line in lines {
        let line = line?;
        let account = crate::stream::record::parse_line(&line)
            .ok()
            .map(|r| r.account.into_owned());
        let mut r = BaseRecord::to(topic).payload(line.as_bytes());
        if let Some(a) = &account {
            r = r.key(a.as_bytes());
        }
        send(r)?;
        sent += 1;
        producer.poll(Duration::ZERO);
    }
    if let Some(at) = clock {
        let meta = producer
            .client()
            .fetch_metadata(Some(topic), Duration::from_secs(30))
            .map_err(|e| format!("cannot read the partitions of `{topic}`: {e}"))?;
        let partitions = meta
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .map_or(0, |t| t.partitions().len());
        let value = clock_record(at);
        for p in 0..partitions {
            let p = i32::try_from(p).map_err(|_| "too many partitions".to_string())?;
            send(BaseRecord::to(topic).partition(p).payload(value.as_bytes()))?;
            sent += 1;
        }
    }
    producer
        .flush(Duration::from_secs(60))
        .map_err(|e| format!("cannot deliver to `{topic}`: {e}"))?;
    let failed = producer.context().failed.load(Ordering::SeqCst);
    if failed > 0 {
        return Err(format!(
            "{failed} record(s) were not delivered to `{topic}`"
        ));
    }
    Ok(sent)
}

impl Settings {
    /// Defaults for everything but the topics (the command line's defaults).
    pub fn default_for(input: &str) -> Settings {
        Settings {
            brokers: "127.0.0.1:9092".into(),
            group: "clausec".into(),
            input: input.into(),
            output: "contract-actions".into(),
            dead_letter: "billing-events-dead".into(),
            state_dir: PathBuf::from("clausec-state"),
            max_lateness: 60,
            reading: Reading::CustomerSafe,
            batch: 10_000,
            linger: Duration::from_millis(50),
            checkpoint_every: 100_000,
            checkpoint_interval: Duration::from_secs(10),
            idle_clock: None,
            exit_when_idle: None,
            session_timeout_ms: 10_000,
            properties: Vec::new(),
        }
    }
}
