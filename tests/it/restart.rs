//! `clausec run` restarted from its checkpoint: after a clean finish, after
//! a kill right after the end-of-input checkpoint and during a checkpoint
//! write, the output is the uninterrupted run's, byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn agreement() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024")
}

fn event(account: &str, product: &str, at: &str, event: &str) -> String {
    format!(
        r#"{{"account":"{account}","product":"{product}","billing":"postpaid","at":"{at}","event":"{event}"}}"#
    )
}

/// One `clausec run` over `events` writing to `out`, with `args` and, when
/// given, a crash point (`CLAUSEC_CRASH`, see src/cli/run.rs).
fn run(events: &Path, out: &Path, args: &[&str], crash: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clausec"));
    c.arg("run")
        .arg(agreement())
        .arg("--events")
        .arg(events)
        .arg("--output")
        .arg(out)
        .args(args);
    match crash {
        Some(at) => c.env("CLAUSEC_CRASH", at),
        None => c.env_remove("CLAUSEC_CRASH"),
    };
    c.output().expect("runs")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The output of an uninterrupted run without checkpoints.
fn uninterrupted(dir: &Path, events: &Path, args: &[&str]) -> Vec<u8> {
    let out = dir.join("whole.ndjson");
    ok(&run(events, &out, args, None));
    std::fs::read(out).expect("output")
}

/// The review's reproducers of C1: the checkpoint holds a deadline or a
/// pending event of a machine that no line after it names, and the restart
/// indexed that machine's scratch state, which a restored shard lacked.
#[test]
fn a_finished_run_started_again_from_its_checkpoint_gives_the_same_output() {
    let cases: [(&[String], &[&str]); 2] = [
        (
            &[event(
                "a",
                "log_service",
                "2024-06-01T10:00:00+08:00",
                "arrears",
            )],
            &["--checkpoint-every", "1"],
        ),
        (
            &[
                event("a", "log_service", "2024-06-01T10:00:00+08:00", "arrears"),
                event("b", "maxcompute", "2024-06-01T10:00:00+08:00", "arrears"),
                event("c", "log_service", "2024-06-01T11:00:00+08:00", "arrears"),
            ],
            &["--threads", "1", "--checkpoint-every", "2"],
        ),
    ];
    for (lines, args) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let events = dir.path().join("events.ndjson");
        std::fs::write(&events, lines.join("\n") + "\n").expect("write");
        let until = ["--until", "2024-08-01T00:00:00+08:00"];
        let expected = uninterrupted(dir.path(), &events, &until);
        assert!(!expected.is_empty());
        let out = dir.path().join("out.ndjson");
        let cp = dir.path().join("run.checkpoint");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(until);
        all.extend(["--checkpoint", cp.to_str().expect("utf-8 path")]);
        for attempt in 0..2 {
            ok(&run(&events, &out, &all, None));
            let got = std::fs::read(&out).expect("output");
            assert!(got == expected, "{args:?}, run {attempt}");
        }
    }
}

/// A run killed at an exact moment (an abort flushes nothing, like `kill
/// -9`), then restarted without the crash, ends with the uninterrupted
/// run's output: right after the checkpoint taken at the end of the input,
/// and half-way through writing a checkpoint (the previous one holds).
#[test]
fn a_run_killed_right_after_the_last_checkpoint_or_during_one_resumes_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let products = ["log_service", "maxcompute"];
    let mut lines = Vec::new();
    // every half hour from 2024-06-01, in time order
    for k in 0..400u32 {
        let (day, hour, minute) = (1 + k / 48, k % 48 / 2, k % 2 * 30);
        let account = format!("acct-{}", k % 37);
        let kind = if k % 3 == 0 { "payment" } else { "arrears" };
        let at = format!("2024-06-{day:02}T{hour:02}:{minute:02}:00+08:00");
        lines.push(event(&account, products[(k % 2) as usize], &at, kind));
    }
    std::fs::write(&events, lines.join("\n") + "\n").expect("write");
    let until = ["--until", "2024-09-01T00:00:00+08:00"];
    let expected = uninterrupted(dir.path(), &events, &until);
    assert!(expected.len() > 1000);
    // 400 lines, a checkpoint every 40: the 10th is taken at the end of
    // the input, before the deadlines up to --until are flushed.
    for crash in [
        "after-checkpoint:10",
        "mid-checkpoint:10",
        "mid-checkpoint:3",
    ] {
        let out = dir.path().join(format!("out-{crash}.ndjson"));
        let cp = dir.path().join(format!("run-{crash}.checkpoint"));
        let mut args: Vec<&str> = vec!["--checkpoint-every", "40", "--threads", "2"];
        args.extend(until);
        args.extend(["--checkpoint", cp.to_str().expect("utf-8 path")]);
        let killed = run(&events, &out, &args, Some(crash));
        assert!(!killed.status.success(), "{crash}: the run was not stopped");
        assert!(cp.exists(), "{crash}: no checkpoint was left");
        ok(&run(&events, &out, &args, None));
        let got = std::fs::read(&out).expect("output");
        assert_eq!(got.len(), expected.len(), "{crash}");
        assert!(got == expected, "{crash}: output differs");
    }
}

/// `lines` accounts' events, every half hour from 2024-06-01, in order.
fn half_hourly(lines: u32) -> Vec<String> {
    let products = ["log_service", "maxcompute"];
    (0..lines)
        .map(|k| {
            let (day, hour, minute) = (1 + k / 48, k % 48 / 2, k % 2 * 30);
            let account = format!("acct-{}", k % 23);
            let kind = if k % 4 == 0 { "payment" } else { "arrears" };
            let at = format!("2024-06-{day:02}T{hour:02}:{minute:02}:00+08:00");
            event(&account, products[(k % 2) as usize], &at, kind)
        })
        .collect()
}

/// Every checkpoint of a run, killed half-way through writing it and right
/// after it is in place, then restarted: the output is the uninterrupted
/// run's. 120 lines, a checkpoint every 20: the 6th is the end-of-input
/// checkpoint; with 130 lines the 6th is the last one and 10 lines follow
/// it, which the restart must read again.
#[test]
fn a_kill_at_every_checkpoint_resumes_exactly_once() {
    let until = ["--until", "2024-08-01T00:00:00+08:00"];
    for (count, threads, points) in [(120u32, "2", 1..=6u64), (130, "1", 5..=6)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let events = dir.path().join("events.ndjson");
        std::fs::write(&events, half_hourly(count).join("\n") + "\n").expect("write");
        let expected = uninterrupted(dir.path(), &events, &until);
        assert!(expected.len() > 1000);
        for n in points {
            for kind in ["mid-checkpoint", "after-checkpoint"] {
                let crash = format!("{kind}:{n}");
                let out = dir.path().join(format!("out-{crash}.ndjson"));
                let cp = dir.path().join(format!("run-{crash}.checkpoint"));
                let mut args: Vec<&str> = vec!["--checkpoint-every", "20", "--threads", threads];
                args.extend(until);
                args.extend(["--checkpoint", cp.to_str().expect("utf-8 path")]);
                let killed = run(&events, &out, &args, Some(&crash));
                assert!(
                    !killed.status.success(),
                    "{count} lines, {crash}: not stopped"
                );
                ok(&run(&events, &out, &args, None));
                let got = std::fs::read(&out).expect("output");
                assert!(
                    got == expected,
                    "{count} lines, {threads} threads, {crash}: output differs"
                );
            }
        }
    }
}

/// A restarted run killed again, and again: each restart resumes from the
/// checkpoint the one before left, and the output is still exactly once.
#[test]
fn a_restart_killed_again_resumes_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    std::fs::write(&events, half_hourly(200).join("\n") + "\n").expect("write");
    let until = ["--until", "2024-08-01T00:00:00+08:00"];
    let expected = uninterrupted(dir.path(), &events, &until);
    let out = dir.path().join("out.ndjson");
    let cp = dir.path().join("run.checkpoint");
    let mut args: Vec<&str> = vec!["--checkpoint-every", "20", "--threads", "2"];
    args.extend(until);
    args.extend(["--checkpoint", cp.to_str().expect("utf-8 path")]);
    // checkpoints at lines 20, 40 | 60 | 80, 100, 120 | 140 | … 200
    for crash in [
        "after-checkpoint:2",
        "mid-checkpoint:2",
        "after-checkpoint:3",
        "mid-checkpoint:1",
    ] {
        let killed = run(&events, &out, &args, Some(crash));
        assert!(!killed.status.success(), "{crash}: not stopped");
    }
    ok(&run(&events, &out, &args, None));
    let got = std::fs::read(&out).expect("output");
    assert!(got == expected, "output differs after four kills");
}

/// `kill -9` from outside at pseudo-random moments of a run with a large
/// state and a checkpoint every 500 lines (kills land during processing
/// and, by chance, during checkpoint writes, which the hook above reaches
/// exactly): after each, the checkpoint on disk is whole
/// (its checksum holds: the rename is atomic), and the run finally
/// restarted gives the uninterrupted run's output.
#[test]
fn kill_9_at_random_moments_leaves_a_whole_checkpoint_and_exactly_once_output() {
    use clausec::stream::workload::{format_event, profiles, Generator, DEFAULT_START};
    use std::process::Stdio;
    let (map, diags) = clausec::load::load_all(&[agreement()]).expect("loads");
    let program = clausec::eval::Program::from_checked(clausec::frontend::front_end(&map, diags))
        .expect("checks");
    let ps = profiles(&program);
    let lines: Vec<String> = Generator::new(ps.clone(), 8_000, 90, 5, DEFAULT_START)
        .map(|e| format_event(&ps[e.profile as usize], &e))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    std::fs::write(&events, lines.join("\n") + "\n").expect("write");
    let until = ["--until", "2024-10-01T00:00:00+08:00"];
    let expected = uninterrupted(dir.path(), &events, &until);
    assert!(expected.len() > 10_000);
    let out = dir.path().join("out.ndjson");
    let cp = dir.path().join("run.checkpoint");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_clausec"))
            .arg("run")
            .arg(agreement())
            .arg("--events")
            .arg(&events)
            .arg("--output")
            .arg(&out)
            .args(until)
            .args([
                "--checkpoint-every",
                "500",
                "--threads",
                "2",
                "--checkpoint",
            ])
            .arg(&cp)
            .env_remove("CLAUSEC_CRASH")
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns")
    };
    // How long a whole checkpointed run takes here: kills are placed at
    // 15–40% of it, so each killed run gets somewhere and several runs are
    // needed to finish.
    let t0 = std::time::Instant::now();
    ok(&start().wait_with_output().expect("finishes"));
    let whole_run = t0.elapsed();
    std::fs::remove_file(&cp).expect("checkpoint written");
    let (mut seed, mut kills, mut whole) = (0x9e37_79b9_u64, 0, 0);
    for _ in 0..8 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = whole_run.mul_f64(0.15 + ((seed >> 33) % 1000) as f64 / 1000.0 * 0.25);
        let mut child = start();
        std::thread::sleep(delay);
        if child.try_wait().expect("wait").is_some() {
            break; // finished: the kills so far are the test
        }
        child.kill().expect("SIGKILL"); // std's kill is SIGKILL on unix
        let _ = child.wait();
        kills += 1;
        if let Ok(bytes) = std::fs::read(&cp) {
            let header = clausec::stream::checkpoint::header(&bytes);
            assert!(header.is_ok(), "after a kill at {delay:?}: {header:?}");
            whole += 1;
        }
    }
    assert!(
        kills >= 2,
        "only {kills} kills (a whole run takes {whole_run:?})"
    );
    assert!(
        whole >= 1,
        "no kill came after a checkpoint (a whole run takes {whole_run:?})"
    );
    ok(&start().wait_with_output().expect("finishes"));
    let got = std::fs::read(&out).expect("output");
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "output differs after {kills} kills");
}
