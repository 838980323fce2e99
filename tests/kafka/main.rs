//! `clausec kafka` against a running broker (feature `kafka`): each test
//! starts its own in-memory broker on 127.0.0.1 and its members as
//! processes, and compares what reaches the output topic, deduplicated by
//! the `clausec-key` header, with `clausec run` over the same events.

mod harness;

use harness::{dedup, produce, read_topic, run_reference, sorted, Broker, Member};
use std::path::{Path, PathBuf};
use std::time::Duration;

const DAYS: u32 = 60;
/// `gen-events`' default start, 2024-06-01T00:00:00+08:00, plus `DAYS`.
const UNTIL: &str = "2024-07-31T00:00:00+08:00";
/// A minute and a second after `UNTIL`: a clock record there moves every
/// partition's frontier (watermark − 60 s lateness) just past `UNTIL`, as
/// `run --until` flushes.
const CLOCK: &str = "2024-07-31T00:01:01+08:00";
const WAIT: Duration = Duration::from_secs(120);

fn events(dir: &Path, accounts: u32, seed: u32) -> PathBuf {
    let path = dir.join("events.ndjson");
    let out = harness::clausec()
        .args(["gen-events", "--accounts", &accounts.to_string()])
        .args(["--days", &DAYS.to_string(), "--seed", &seed.to_string()])
        .arg("--agreement-dir")
        .arg(harness::agreement())
        .output()
        .expect("gen-events runs");
    assert!(out.status.success());
    std::fs::write(&path, out.stdout).expect("write events");
    path
}

/// Splits an events file into `n` consecutive parts.
fn split(path: &Path, n: usize) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(path).expect("read events");
    let lines: Vec<&str> = text.lines().collect();
    let size = lines.len().div_ceil(n);
    lines
        .chunks(size)
        .enumerate()
        .map(|(i, c)| {
            let p = path.with_extension(format!("part{i}"));
            std::fs::write(&p, c.join("\n") + "\n").expect("write part");
            p
        })
        .collect()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A broker with the three topics, `accounts` accounts of generated events
/// cut into `parts` consecutive files, and `clausec run`'s actions on all of
/// them. Members are declared after it, so they stop before the broker.
struct Scenario {
    dir: tempfile::TempDir,
    broker: Broker,
    expected: Vec<String>,
    parts: Vec<PathBuf>,
}

fn scenario(accounts: u32, seed: u32, parts: usize) -> Scenario {
    let dir = tempdir();
    let events = events(dir.path(), accounts, seed);
    let expected = run_reference(&events, UNTIL);
    let parts = split(&events, parts);
    let broker = Broker::start();
    broker.topics();
    Scenario {
        dir,
        broker,
        expected,
        parts,
    }
}

/// Waits for the deduplicated output to hold as many actions as `expected`,
/// then checks it is exactly `expected`.
fn assert_output(broker: &Broker, expected: &[String]) -> Vec<harness::Out> {
    let outs = read_topic(broker, "contract-actions", 4, WAIT, |o| {
        o.len() >= expected.len() && dedup(o).len() >= expected.len()
    });
    let unique = dedup(&outs);
    let got = sorted(unique.values());
    assert_eq!(
        got.len(),
        expected.len(),
        "{} distinct actions, `clausec run` gives {}",
        got.len(),
        expected.len()
    );
    assert!(got == expected, "the actions differ from `clausec run`'s");
    for o in &outs {
        let account = serde_json::from_str::<serde_json::Value>(&o.value).expect("JSON")["account"]
            .as_str()
            .map(str::to_string);
        assert_eq!(o.key, account, "the Kafka key is the account");
    }
    outs
}

#[test]
fn one_member_over_four_partitions_emits_what_run_emits() {
    let _one = harness::serial();
    let Scenario {
        dir,
        broker,
        expected,
        parts,
    } = scenario(300, 3, 1);
    assert!(expected.len() > 300, "only {} actions", expected.len());
    produce(&broker, &parts[0], Some(CLOCK));
    let mut member = Member::start(&broker, dir.path(), "solo", &["--stats"]);
    let outs = assert_output(&broker, &expected);
    // No crash, no rebalance: every action exactly once.
    assert_eq!(outs.len(), expected.len());
    member.stop();
    let log = member.text();
    assert!(log.contains("stats: "), "{log}");
    let dead = read_topic(
        &broker,
        "billing-events-dead",
        1,
        Duration::from_secs(2),
        |_| false,
    );
    assert!(dead.is_empty(), "{:?}", dead.first());
}

/// `(partition, offset)` of every `partition P: <what> at offset N` line.
fn offsets(log: &str, what: &str) -> Vec<(i32, i64)> {
    log.lines()
        .filter_map(|l| {
            let rest = l.split_once(" partition ")?.1;
            let (p, rest) = rest.split_once(": ")?;
            let n = rest.strip_prefix(what)?.strip_prefix(" at offset ")?;
            let n = n.split(|c: char| !c.is_ascii_digit()).next()?;
            Some((p.parse().ok()?, n.parse().ok()?))
        })
        .collect()
}

#[test]
fn three_members_joining_and_leaving_lose_nothing() {
    let _one = harness::serial();
    let Scenario {
        dir,
        broker,
        expected,
        parts,
    } = scenario(1500, 5, 3);
    let small = ["--batch", "200", "--checkpoint-every", "500"];
    let a = Member::start(&broker, dir.path(), "a", &small);
    a.wait_for("assigned", WAIT);
    produce(&broker, &parts[0], None);
    a.wait_for("resumed at offset", WAIT);
    // Two members join mid-stream: the partitions are shared out again.
    let mut b = Member::start(&broker, dir.path(), "b", &small);
    let c = Member::start(&broker, dir.path(), "c", &small);
    b.wait_for("assigned", WAIT);
    c.wait_for("assigned", WAIT);
    produce(&broker, &parts[1], None);
    // One leaves mid-stream: it checkpoints its partitions and goes.
    b.wait_for("resumed at offset", WAIT);
    b.stop();
    let released = offsets(&b.text(), "released");
    assert!(!released.is_empty(), "{}", b.text());
    produce(&broker, &parts[2], Some(CLOCK));
    assert_output(&broker, &expected);
    // a or c took each partition b released from b's checkpoint.
    let taken = [
        offsets(&a.text(), "assigned, resuming from the checkpoint"),
        offsets(&c.text(), "assigned, resuming from the checkpoint"),
    ]
    .concat();
    for r in &released {
        assert!(
            taken.contains(r),
            "{r:?} released by b, not resumed: {taken:?}"
        );
    }
    assert!(released.iter().any(|(_, o)| *o > 0), "{released:?}");
}

#[test]
fn a_member_killed_mid_stream_is_replaced_from_its_checkpoint() {
    let _one = harness::serial();
    let Scenario {
        dir,
        broker,
        expected,
        parts,
    } = scenario(1500, 9, 2);
    // Checkpoints every 300 records and never by time: the victim dies with
    // output emitted after its last checkpoint, which its heir emits again.
    let small = [
        "--batch",
        "100",
        "--checkpoint-every",
        "300",
        "--checkpoint-interval",
        "1h",
    ];
    let mut victim = Member::start(&broker, dir.path(), "victim", &small);
    victim.wait_for("assigned", WAIT);
    let heir = Member::start(&broker, dir.path(), "heir", &small);
    heir.wait_for("assigned", WAIT);
    // The victim gave up everything when the heir joined, then got its share.
    victim.wait_for("revoked", WAIT);
    produce(&broker, &parts[0], None);
    let first = victim.wait_for(": checkpointed at offset", WAIT);
    let held = {
        let log = victim.text();
        let last_revoke = log.rfind("revoked").unwrap_or(0);
        offsets(
            &log[last_revoke..],
            "assigned, resuming from the checkpoint",
        )
    };
    assert!(!held.is_empty(), "{}", victim.text());
    // Let it get past a checkpoint on its partitions, then SIGKILL it.
    std::thread::sleep(Duration::from_millis(300));
    let killed_at = harness::now_ms();
    victim.kill();
    let checkpoints = offsets(&victim.text(), "checkpointed");
    assert!(!checkpoints.is_empty(), "{first}");
    produce(&broker, &parts[1], Some(CLOCK));
    let outs = assert_output(&broker, &expected);
    // The heir resumed each of the victim's partitions from the victim's
    // last checkpoint of it.
    let heir_log = heir.text();
    let taken = offsets(&heir_log, "assigned, resuming from the checkpoint");
    for (p, _) in &held {
        let last = checkpoints
            .iter()
            .rev()
            .find(|(q, _)| q == p)
            .map_or(0, |(_, o)| *o);
        assert!(
            taken.contains(&(*p, last)),
            "partition {p}: last checkpoint {last}, heir took {taken:?}"
        );
    }
    let resumed: Vec<i64> = heir_log
        .lines()
        .filter(|l| l.contains("ms after the assignment") && harness::stamp(l) > killed_at)
        .map(|l| harness::stamp(l) - killed_at)
        .collect();
    assert!(!resumed.is_empty(), "{heir_log}");
    eprintln!(
        "kill → first batch of a moved partition: {} ms; {} records in the output topic, {} distinct (re-emitted after the checkpoint: {})",
        resumed[0],
        outs.len(),
        expected.len(),
        outs.len() - expected.len()
    );
}

#[test]
fn idle_partitions_fire_their_deadlines_through_clock_records() {
    let _one = harness::serial();
    let dir = tempdir();
    // Arrears ten days ago on 40 log-service accounts, then nothing: the
    // suspension (24 h) and the purge (7 days after it) are both past, but
    // no later event will ever move these partitions' clocks.
    let at = chrono::Utc::now() - chrono::Duration::days(10);
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let lines: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"account":"idle-{i}","product":"log_service","billing":"postpaid","at":"{at}","event":"arrears"}}"#))
        .collect();
    let events = dir.path().join("idle.ndjson");
    std::fs::write(&events, lines.join("\n") + "\n").expect("write");
    let broker = Broker::start();
    broker.topics();
    produce(&broker, &events, None);
    let mut member = Member::start(
        &broker,
        dir.path(),
        "idle",
        &["--idle-clock", "2s", "--stats"],
    );
    let outs = read_topic(&broker, "contract-actions", 4, WAIT, |o| {
        o.iter().filter(|o| o.value.contains("\"purge\"")).count() >= 40
    });
    let purged: std::collections::BTreeSet<String> = outs
        .iter()
        .filter(|o| o.value.contains("\"purge\""))
        .filter_map(|o| o.key.clone())
        .collect();
    assert_eq!(purged.len(), 40, "{} of 40 accounts purged", purged.len());
    member.stop();
    // The clock records are in the input topic, so a replay fires the same.
    let input = read_topic(&broker, "billing-events", 4, Duration::from_secs(2), |_| {
        false
    });
    let clocks = input
        .iter()
        .filter(|o| o.value.contains("\"clock\""))
        .count();
    assert!(clocks >= 4, "{clocks} clock records in the input topic");
}

#[test]
fn bad_records_go_to_the_dead_letter_topic_and_the_group_goes_on() {
    let _one = harness::serial();
    let dir = tempdir();
    let ev = |account: &str, product: &str, at: &str| {
        format!(
            r#"{{"account":"{account}","product":"{product}","billing":"postpaid","at":"{at}","event":"arrears"}}"#
        )
    };
    let lines = [
        ev("good-1", "log_service", "2024-06-01T10:00:00+08:00"),
        "{not json".to_string(),
        ev(
            "bad-product",
            "no_such_product",
            "2024-06-01T10:00:00+08:00",
        ),
        ev("good-2", "log_service", "2024-06-03T10:00:00+08:00"),
        // Same account as good-2 (so the same partition), two days late.
        ev("good-2", "log_service", "2024-06-01T10:00:00+08:00"),
        r#"{"clock":"not an instant"}"#.to_string(),
    ];
    let events = dir.path().join("mixed.ndjson");
    std::fs::write(&events, lines.join("\n") + "\n").expect("write");
    let broker = Broker::start();
    broker.topics();
    produce(&broker, &events, Some("2024-07-01T00:00:00+08:00"));
    let mut member = Member::start(&broker, dir.path(), "dlq", &[]);
    let dead = read_topic(&broker, "billing-events-dead", 1, WAIT, |o| o.len() >= 4);
    let reasons: Vec<serde_json::Value> = dead
        .iter()
        .map(|d| serde_json::from_str(&d.value).expect("dead letters are JSON"))
        .collect();
    let has = |needle: &str| {
        reasons
            .iter()
            .any(|r| r["reason"].as_str().is_some_and(|s| s.contains(needle)))
    };
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(has("bad event"), "{reasons:#?}");
    assert!(has("no_such_product"), "{reasons:#?}");
    assert!(has("earlier than the latest instant"), "{reasons:#?}");
    assert!(has("`clock`"), "{reasons:#?}");
    assert!(reasons
        .iter()
        .all(|r| r["offset"].is_i64() && r["record"].is_string()));
    // The good accounts were suspended and purged all the same.
    let outs = read_topic(&broker, "contract-actions", 4, WAIT, |o| {
        o.iter().filter(|o| o.value.contains("\"purge\"")).count() >= 2
    });
    let purged: std::collections::BTreeSet<Option<String>> = outs
        .iter()
        .filter(|o| o.value.contains("\"purge\""))
        .map(|o| o.key.clone())
        .collect();
    assert_eq!(
        purged,
        [Some("good-1".to_string()), Some("good-2".to_string())].into()
    );
    member.stop();
}
