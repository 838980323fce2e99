//! What the Kafka tests need around them: a broker (Tansu, in memory) on a
//! free port of 127.0.0.1, started and stopped by the test; members as
//! `clausec kafka consume` processes; a reader of a whole topic.

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests share two cores: one at a time, so timings mean something.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The broker binary: `CLAUSEC_TANSU`, or `tansu` on the `PATH`.
fn tansu() -> PathBuf {
    if let Some(p) = std::env::var_os("CLAUSEC_TANSU") {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("tansu"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("no Kafka broker: set CLAUSEC_TANSU to a tansu binary or put `tansu` on the PATH (.ci/run installs one)")
    })
}

pub struct Broker {
    child: Child,
    pub port: u16,
}

impl Broker {
    /// Starts a broker on a free port of 127.0.0.1 and waits until it accepts connections.
    pub fn start() -> Broker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker starts");
        let broker = Broker { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the broker did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        broker
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn create_topic(&self, name: &str, partitions: u32) {
        let status = Command::new(tansu())
            .args([
                "topic",
                "create",
                "--broker",
                &format!("tcp://127.0.0.1:{}", self.port),
            ])
            .args(["--partitions", &partitions.to_string(), name])
            .stdout(Stdio::null())
            .status()
            .expect("tansu topic create runs");
        assert!(status.success(), "cannot create topic {name}");
    }

    /// The topics of one run: input (4 partitions), output, dead letters.
    pub fn topics(&self) {
        self.create_topic("billing-events", 4);
        self.create_topic("contract-actions", 4);
        self.create_topic("billing-events-dead", 1);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn clausec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clausec"))
}

pub fn agreement() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024")
}

/// `clausec kafka produce` of a file of events, with an optional clock
/// record to every partition at the end.
pub fn produce(broker: &Broker, events: &Path, clock: Option<&str>) {
    let mut c = clausec();
    c.args([
        "kafka",
        "produce",
        "--brokers",
        &broker.address(),
        "--events",
    ])
    .arg(events);
    if let Some(at) = clock {
        c.args(["--clock", at]);
    }
    let out = c.output().expect("clausec kafka produce runs");
    assert!(
        out.status.success(),
        "produce failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One `clausec kafka consume` process; its stderr goes to a log file.
pub struct Member {
    child: Option<Child>,
    pub log: PathBuf,
    pub name: String,
}

impl Member {
    pub fn start(broker: &Broker, state: &Path, name: &str, extra: &[&str]) -> Member {
        let log = state.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = clausec()
            .args(["kafka", "consume"])
            .arg(agreement())
            .args(["--brokers", &broker.address(), "--group", "clausec-test"])
            .arg("--state-dir")
            .arg(state.join("state"))
            .args(["--session-timeout-ms", "6000", "--linger-ms", "20"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("the member starts");
        Member {
            child: Some(child),
            log,
            name: name.to_string(),
        }
    }

    /// SIGKILL: no checkpoint, no leaving the group.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM: checkpoint, leave the group; waits for the exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let status = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success());
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Ok(Some(s)) = c.try_wait() {
                    assert!(
                        s.success(),
                        "{} exited with {s}: {}",
                        self.name,
                        self.text()
                    );
                    break;
                }
                assert!(Instant::now() < deadline, "{} did not stop", self.name);
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has a line containing `needle`; returns it.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.text().lines().find(|l| l.contains(needle)) {
                return l.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "{} never logged `{needle}`:\n{}",
                self.name,
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One record of an output topic.
#[derive(Clone, Debug)]
pub struct Out {
    pub key: Option<String>,
    pub header: Option<String>,
    pub value: String,
}

/// Reads a whole topic from the beginning, again and again, until `done`
/// holds or `timeout` passes; returns the last read.
pub fn read_topic(
    broker: &Broker,
    topic: &str,
    partitions: i32,
    timeout: Duration,
    done: impl Fn(&[Out]) -> bool,
) -> Vec<Out> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.address())
        .set("group.id", "clausec-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("a reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .expect("partition");
    }
    consumer.assign(&tpl).expect("assign");
    let deadline = Instant::now() + timeout;
    let mut got: Vec<Out> = Vec::new();
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                let header = m.headers().and_then(|h| {
                    h.iter()
                        .find(|h| h.key == "clausec-key")
                        .and_then(|h| h.value)
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                });
                got.push(Out {
                    key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    header,
                    value: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                });
                continue;
            }
            Some(Err(e)) => panic!("reading {topic}: {e}"),
            None => {}
        }
        if done(&got) || Instant::now() >= deadline {
            return got;
        }
    }
}

/// The output deduplicated by key: key → value; a key seen with two
/// different values is a failure.
pub fn dedup(outs: &[Out]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for o in outs {
        let key = o.header.clone().expect("every action has a key header");
        if let Some(old) = m.insert(key.clone(), o.value.clone()) {
            assert_eq!(old, o.value, "two actions under one key {key}");
        }
    }
    m
}

/// Sorted values, to compare as multisets.
pub fn sorted<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = values.cloned().collect();
    v.sort();
    v
}

/// `clausec run` over the same events, flushed to `until`: the reference.
pub fn run_reference(events: &Path, until: &str) -> Vec<String> {
    let out = clausec()
        .arg("run")
        .arg(agreement())
        .arg("--events")
        .arg(events)
        .args(["--until", until, "--max-lateness", "60s", "--threads", "1"])
        .output()
        .expect("clausec run runs");
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut v: Vec<String> = text.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// Milliseconds since the epoch of a log line's leading RFC 3339 stamp.
pub fn stamp(line: &str) -> i64 {
    let t = line.split(' ').next().unwrap_or("");
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|_| panic!("no time stamp on `{line}`"))
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
