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
