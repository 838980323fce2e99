//! One test per finding of the reliability review (../shared/review/
//! reliability.md) not held elsewhere: each failed before its fix. C1 and
//! the kills are in restart.rs, m9 in instant_order.rs, the account-state
//! checks in state.rs.

use clausec::eval::Program;
use clausec::stream::catalog::Catalog;
use clausec::stream::checkpoint::{self, CheckpointError, OutputMark};
use clausec::stream::{Options, Runner};
use clausec::vocab::Reading;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn agreement() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024")
}

fn clausec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn line(account: &str, at: &str, event: &str, amount: Option<&str>) -> String {
    let amount = amount.map_or(String::new(), |a| format!(r#","amount":"{a}""#));
    format!(
        r#"{{"account":"{account}","product":"log_service","billing":"postpaid","at":"{at}","event":"{event}"{amount}}}"#
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run_lines(dir: &Path, lines: &[u8], extra: &[&str]) -> Output {
    let events = dir.join("events.ndjson");
    std::fs::write(&events, lines).expect("write");
    let agreement = agreement();
    let mut args = vec![
        "run",
        agreement.to_str().expect("utf-8"),
        "--events",
        events.to_str().expect("utf-8"),
    ];
    if !extra.contains(&"--until") {
        args.extend(["--until", "2024-08-01T00:00:00+08:00"]);
    }
    args.extend(extra);
    clausec(&args)
}

/// M3: `cust-\xff`'s arrears and `cust-\xfe`'s payment merged into one
/// account `cust-�`, and the payment cured the other account's arrears.
#[test]
fn invalid_utf8_lines_are_reported_not_repaired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = line("cust-X", "2024-06-01T10:00:00+08:00", "arrears", None).into_bytes();
    let x = bytes.iter().position(|b| *b == b'X').expect("X");
    bytes[x] = 0xff;
    bytes.push(b'\n');
    let mut pay = line("cust-X", "2024-06-01T11:00:00+08:00", "payment", None).into_bytes();
    let x = pay.iter().position(|b| *b == b'X').expect("X");
    pay[x] = 0xfe;
    bytes.extend(pay);
    let out = run_lines(dir.path(), &bytes, &["--threads", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 1: line is not UTF-8"), "{err}");
    assert!(err.contains("line 2: line is not UTF-8"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// M4: a payment of "-5" cured arrears of 100.00.
#[test]
fn negative_amounts_are_refused_by_run_and_eval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = [
        line("a", "2024-06-01T10:00:00+08:00", "arrears", Some("100.00")),
        line("a", "2024-06-01T11:00:00+08:00", "payment", Some("-5")),
    ]
    .join("\n");
    let out = run_lines(dir.path(), lines.as_bytes(), &["--threads", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 2: amount `-5` is negative"), "{err}");
    // the arrears were not cured: the suspension still comes
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"suspend\""));
    let events = dir.path().join("eval.ndjson");
    std::fs::write(
        &events,
        "{\"at\":\"2024-06-01T10:00:00+08:00\",\"event\":\"payment\",\"amount\":\"-5\"}\n",
    )
    .expect("write");
    let out = clausec(&[
        "eval",
        agreement().to_str().expect("utf-8"),
        "--product",
        "log_service",
        "--billing",
        "postpaid",
        "--events",
        events.to_str().expect("utf-8"),
        "--at",
        "2024-06-02T00:00:00+08:00",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 1: amount `-5` is negative"), "{err}");
}

/// M5 (the calendar's end is the language work's): a `bill` whose window
/// runs past the calendar is reported with its line and the date, never
/// dropped silently.
#[test]
fn an_event_past_the_calendar_is_reported_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = [
        line("a", "2026-12-29T10:00:00+08:00", "bill", None),
        line("b", "2026-12-29T10:00:00+08:00", "arrears", None),
    ]
    .join("\n");
    let out = run_lines(
        dir.path(),
        lines.as_bytes(),
        &["--until", "2027-01-15T00:00:00+08:00"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 1: cannot place step"), "{err}");
    assert!(err.contains("outside the working-day calendar"), "{err}");
    assert!(
        err.contains("1 line(s) reported above were left out"),
        "{err}"
    );
    // the other account's line is not lost
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"account\":\"b\""));
}

/// m1: `--output` equal to `--checkpoint` or `--events` overwrote it.
#[test]
fn output_naming_the_checkpoint_or_the_events_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let text = line("a", "2024-06-01T10:00:00+08:00", "arrears", None);
    std::fs::write(&events, &text).expect("write");
    let cp = dir.path().join("state");
    let same_dir_other_spelling = dir.path().join(".").join("events.ndjson");
    for (output, checkpoint) in [(&cp, Some(&cp)), (&same_dir_other_spelling, None)] {
        let mut args = vec![
            "run".to_string(),
            agreement().display().to_string(),
            "--events".into(),
            events.display().to_string(),
            "--output".into(),
            output.display().to_string(),
        ];
        if let Some(c) = checkpoint {
            args.extend(["--checkpoint".into(), c.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = clausec(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("name the same file"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&events).expect("events"), text);
}

/// m2: memory grew with the longest line; a 10 MB account name was copied
/// into every action.
#[test]
fn lines_longer_than_the_bound_are_refused_and_the_bound_can_be_raised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "x".repeat(200_000);
    let lines = [
        line(&long, "2024-06-01T10:00:00+08:00", "arrears", None),
        line("short", "2024-06-01T10:00:00+08:00", "arrears", None),
    ]
    .join("\n");
    let out = run_lines(dir.path(), lines.as_bytes(), &["--threads", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("line 1: line is longer than 65536 bytes"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"short\"") && !stdout.contains("xxx"));
    let raised = run_lines(
        dir.path(),
        lines.as_bytes(),
        &["--threads", "1", "--max-line-bytes", "300000"],
    );
    assert!(raised.status.success(), "{}", stderr(&raised));
    assert!(String::from_utf8_lossy(&raised.stdout).contains(&long));
}

/// m3: a 100 MB clause file was read whole (107 MB RSS) before it was
/// refused. Under a 160 MB address-space limit, reading 300 MB fails; the
/// loader refuses the file after 8 MiB and a byte.
#[test]
#[cfg(target_os = "linux")]
fn an_oversized_clause_file_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.clause");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(300 << 20).expect("a sparse 300 MB file");
    let script = format!(
        "ulimit -v 160000; exec '{}' check '{}'",
        env!("CARGO_BIN_EXE_clausec"),
        big.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[E0003]") && err.contains("file too large"),
        "{err}"
    );
}

/// m4: a full disk's error did not name the output file.
#[test]
#[cfg(target_os = "linux")]
fn a_full_disk_names_the_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = line("a", "2024-06-01T10:00:00+08:00", "arrears", None);
    let out = run_lines(dir.path(), lines.as_bytes(), &["--output", "/dev/full"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write `/dev/full`"), "{err}");
}

/// m4: the temporary checkpoint was `with_extension("tmp")` (`x.a` and
/// `x.b` shared `x.tmp`) and a leftover one stayed.
#[test]
fn the_temporary_checkpoint_is_the_checkpoints_own_and_a_leftover_goes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines: Vec<String> = (0..20)
        .map(|k| {
            line(
                &format!("a{k}"),
                "2024-06-01T10:00:00+08:00",
                "arrears",
                None,
            )
        })
        .collect();
    let events = dir.path().join("events.ndjson");
    std::fs::write(&events, lines.join("\n")).expect("write");
    let cp = dir.path().join("x.a");
    let run = |crash: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_clausec"));
        c.arg("run")
            .arg(agreement())
            .arg("--events")
            .arg(&events)
            .arg("--output")
            .arg(dir.path().join("out"))
            .arg("--checkpoint")
            .arg(&cp)
            .args(["--checkpoint-every", "5"]);
        if let Some(at) = crash {
            c.env("CLAUSEC_CRASH", at);
        } else {
            c.env_remove("CLAUSEC_CRASH");
        }
        c.output().expect("runs")
    };
    let killed = run(Some("mid-checkpoint:2"));
    assert!(!killed.status.success());
    let tmp = dir.path().join("x.a.tmp");
    assert!(tmp.exists(), "the write in progress is in x.a.tmp");
    assert!(!dir.path().join("x.tmp").exists());
    let resumed = run(None);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(stderr(&resumed).contains("removed"), "{}", stderr(&resumed));
    assert!(!tmp.exists(), "the leftover is gone");
}

/// m5: `eval --at` before the events ignored them silently; m6: years 1900
/// and 9999 were accepted (an LMT offset, a 124-year late fee, instants
/// that are not RFC 3339).
#[test]
fn eval_refuses_an_instant_before_its_events_or_outside_the_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let eval = |events_text: &str, at: &str| {
        std::fs::write(&events, events_text).expect("write");
        clausec(&[
            "eval",
            agreement().to_str().expect("utf-8"),
            "--product",
            "log_service",
            "--billing",
            "postpaid",
            "--events",
            events.to_str().expect("utf-8"),
            "--at",
            at,
        ])
    };
    let june = "{\"at\":\"2024-06-10T10:00:00+08:00\",\"event\":\"arrears\"}\n";
    let out = eval(june, "2024-06-01T00:00:00+08:00");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("comes before the event `arrears`"),
        "{}",
        stderr(&out)
    );
    for at in ["1900-01-01T00:00:00+08:00", "9999-12-31T00:00:00+08:00"] {
        let out = eval("", at);
        assert_eq!(out.status.code(), Some(2), "{at}");
        assert!(
            stderr(&out).contains("outside the supported range"),
            "{}",
            stderr(&out)
        );
    }
    let out = eval(
        "{\"at\":\"1900-06-10T10:00:00+08:00\",\"event\":\"arrears\"}\n",
        "2024-06-01T00:00:00+08:00",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("line 1: instant `1900-06-10T10:00:00+08:00` is outside the supported range"),
        "{}",
        stderr(&out)
    );
}

fn program() -> Program {
    let (map, diags) = clausec::load::load_all(&[agreement()]).expect("loads");
    Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks")
}

/// A small checkpoint: two accounts, a pending event and deadlines.
fn small_checkpoint(program: &Program) -> Vec<u8> {
    let mut r = Runner::new(
        Catalog::new(program.clone(), Reading::CustomerSafe),
        Options {
            shards: 2,
            ..Options::default()
        },
    );
    let lines = [
        line("a", "2024-06-01T10:00:00+08:00", "arrears", Some("12.00")),
        line("b", "2024-06-01T10:00:00+08:00", "arrears", None),
        line("a", "2024-06-01T10:05:00+08:00", "payment", None),
    ];
    let b = r.push(&lines, false);
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    checkpoint::encode(&r, OutputMark { bytes: 0 })
}

/// M1: one flipped bit moved a purge to another account (exit 0), a flip in
/// the shard count allocated 22.8 GB. Every single byte flipped is refused,
/// without a panic, and without allocating for the count it claims.
#[test]
fn every_single_byte_flipped_in_a_checkpoint_is_refused() {
    let program = program();
    let bytes = small_checkpoint(&program);
    let catalog = || Catalog::new(program.clone(), Reading::CustomerSafe);
    let options = Options {
        shards: 2,
        ..Options::default()
    };
    assert!(checkpoint::decode(&bytes, catalog(), options).is_ok());
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            let r = checkpoint::decode(&bad, catalog(), options);
            assert!(r.is_err(), "byte {i} ^ {flip:#x} was accepted");
        }
    }
    // truncated anywhere: refused too
    for n in 0..bytes.len() {
        assert!(checkpoint::decode(&bytes[..n], catalog(), options).is_err());
    }
}

/// M2: a checkpoint resumed under the other reading or a changed rule gave
/// output matching neither run; now each is refused naming what differs.
#[test]
fn a_checkpoint_is_refused_under_another_reading_or_a_changed_agreement() {
    let program = program();
    let bytes = small_checkpoint(&program);
    let options = Options {
        shards: 2,
        ..Options::default()
    };
    let other_reading = Catalog::new(program.clone(), Reading::Earliest);
    match checkpoint::decode(&bytes, other_reading, options) {
        Err(e @ CheckpointError::Reading { .. }) => {
            assert!(e.to_string().contains("--reading customer-safe"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // the log service's suspension after 48h instead of 24h
    let mut changed = program.clone();
    let product = changed.agreements[0]
        .products
        .iter_mut()
        .find(|p| p.id == "log_service")
        .expect("log service");
    let step = &mut product.rules[0].steps[0];
    step.timing.duration.count *= 2;
    match checkpoint::decode(
        &bytes,
        Catalog::new(changed, Reading::CustomerSafe),
        options,
    ) {
        Err(e @ CheckpointError::Agreement { .. }) => {
            let text = e.to_string();
            assert!(text.contains("`log_service`"), "{text}");
            assert!(text.contains("changed"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    let other_options = Options {
        max_lateness: 3600,
        ..options
    };
    assert!(matches!(
        checkpoint::decode(
            &bytes,
            Catalog::new(program, Reading::CustomerSafe),
            other_options
        ),
        Err(CheckpointError::Option {
            option: "--max-lateness",
            ..
        })
    ));
}
