//! `clausec run` at scale: the stream engine agrees with one-shot evaluation
//! account by account, its output does not depend on threads or batching,
//! lateness and bad lines are reported by line, and a run killed with
//! SIGKILL and restarted from its checkpoint emits every action exactly once.

use clausec::eval::{Event, Machine, Program};
use clausec::stream::catalog::Catalog;
use clausec::stream::workload::{format_event, profiles, Generator, DEFAULT_START};
use clausec::stream::{Options, Runner};
use clausec::vocab::Reading;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn agreement() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024")
}

fn program() -> Program {
    let (map, diags) = clausec::load::load_all(&[agreement()]).expect("loads");
    let checked = clausec::frontend::front_end(&map, diags);
    Program::from_checked(checked).expect("aliyun-2024 checks")
}

fn workload(program: &Program, accounts: u64, days: u32, seed: u64) -> Vec<String> {
    let ps = profiles(program);
    Generator::new(ps.clone(), accounts, days, seed, DEFAULT_START)
        .map(|e| format_event(&ps[e.profile as usize], &e))
        .collect()
}

fn run_lines(
    program: &Program,
    lines: &[String],
    shards: usize,
    batch: usize,
    until: i64,
) -> String {
    let options = Options {
        max_lateness: 60,
        until: Some(until),
        shards,
        ..Options::default()
    };
    let mut r = Runner::new(
        Catalog::new(program.clone(), Reading::CustomerSafe),
        options,
    );
    let mut out = String::new();
    for chunk in lines.chunks(batch) {
        let b = r.push(chunk, false);
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        out.push_str(&b.output);
    }
    let b = r.finish();
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    out.push_str(&b.output);
    out
}

const DAYS: u32 = 90;

fn until() -> i64 {
    DEFAULT_START + i64::from(DAYS) * 86_400
}

#[test]
fn every_account_gets_what_one_shot_evaluation_gives() {
    let program = program();
    let lines = workload(&program, 400, DAYS, 7);
    assert!(lines.len() > 1000, "only {} events", lines.len());
    let out = run_lines(&program, &lines, 2, 512, until());
    // The same accounts, one at a time, through Machine::evaluate.
    let mut timelines: BTreeMap<(String, String, String), Vec<Event>> = BTreeMap::new();
    let mut machines: BTreeMap<(String, String), Machine> = BTreeMap::new();
    for l in &lines {
        let r = clausec::stream::record::parse_line(l).expect("generated lines parse");
        let billing = r.billing.expect("generated lines name the billing");
        let key = (r.product.to_string(), billing.name().to_string());
        let m = machines.entry(key.clone()).or_insert_with(|| {
            program
                .select(&r.product, Some(billing), Reading::CustomerSafe)
                .expect("selects")
        });
        let mut e = m.event(&r.event, r.at).expect("known event");
        e.amount = r.amount;
        e.until = r.until;
        timelines
            .entry((r.account.to_string(), key.0, key.1))
            .or_default()
            .push(e);
    }
    let mut expected: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for ((account, product, billing), events) in &timelines {
        let m = &machines[&(product.clone(), billing.clone())];
        let ev = m.evaluate(events, until()).expect("evaluates");
        let format = clausec::stream::record::OutputFormat::new(m);
        let mut text = String::new();
        for f in &ev.actions {
            format.write(m, account, f, &mut text);
        }
        let mut got: Vec<String> = text.lines().map(str::to_string).collect();
        got.sort();
        if !got.is_empty() {
            expected.insert((account.clone(), product.clone(), billing.clone()), got);
        }
    }
    let mut actual: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("output is JSON");
        let key = (
            v["account"].as_str().unwrap_or_default().to_string(),
            v["product"].as_str().unwrap_or_default().to_string(),
            v["billing"].as_str().unwrap_or_default().to_string(),
        );
        actual.entry(key).or_default().push(l.to_string());
    }
    for v in actual.values_mut() {
        v.sort();
    }
    assert!(
        expected.len() > 50,
        "only {} accounts acted on",
        expected.len()
    );
    assert_eq!(actual, expected);
}

#[test]
fn output_is_in_time_order_and_the_same_for_any_threads_and_batches() {
    let program = program();
    let lines = workload(&program, 300, 60, 3);
    let one = run_lines(&program, &lines, 1, 100_000, until());
    assert!(one.lines().count() > 100);
    assert_eq!(run_lines(&program, &lines, 2, 333, until()), one);
    assert_eq!(run_lines(&program, &lines, 5, 1, until()), one);
    // Time order: `at` never goes backwards, except for steps placed
    // `before` their trigger, which are known (and emitted) only when the
    // trigger comes.
    let mut before = std::collections::BTreeSet::new();
    for (_, product, billing, variants) in program.accounts() {
        let mut selection = clausec::Selection::default()
            .billing(billing)
            .reading(Reading::CustomerSafe);
        selection.variants = variants;
        let m = program.select_with(product, &selection).expect("selects");
        for (s, text) in m.ir.steps.iter().zip(&m.ir.text.steps) {
            if s.timing.kind == clausec::model::TimingKindM::Before {
                before.insert((product.to_string(), text.cite.clone()));
            }
        }
    }
    let mut last = i64::MIN;
    let mut checked = 0;
    for l in one.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
        let key = (
            v["product"].as_str().unwrap_or_default().to_string(),
            v["cite"].as_str().map(str::to_string),
        );
        if before.contains(&key) {
            continue;
        }
        let at = clausec::eval::parse_instant(v["at"].as_str().expect("at"))
            .expect("instant")
            .timestamp();
        assert!(at >= last, "out of time order: {l}");
        last = at;
        checked += 1;
    }
    assert!(checked > 100);
}

fn line(account: &str, at: &str, event: &str) -> String {
    format!(
        r#"{{"account":"{account}","product":"log_service","billing":"postpaid","at":"{at}","event":"{event}"}}"#
    )
}

#[test]
fn late_events_within_the_tolerance_are_reordered_and_beyond_it_are_errors() {
    let program = program();
    let options = Options {
        max_lateness: 3600,
        until: None,
        shards: 2,
        ..Options::default()
    };
    let mut r = Runner::new(Catalog::new(program, Reading::CustomerSafe), options);
    let lines = vec![
        line("a", "2024-06-01T10:00:00+08:00", "arrears"),
        line("b", "2024-06-01T10:30:00+08:00", "arrears"),
        // 30 minutes late: within the hour of tolerance, applied in time order.
        line("a", "2024-06-01T10:00:00+08:00", "payment"),
        // 2 hours late: an error, reported with its line.
        line("b", "2024-06-02T12:00:00+08:00", "payment"),
        line("b", "2024-06-02T09:00:00+08:00", "payment"),
        line("c", "2024-06-10T00:00:00+08:00", "payment"),
    ];
    let mut b = r.push(&lines, false);
    let end = r.finish();
    b.output.push_str(&end.output);
    assert_eq!(b.errors.len(), 1, "{:?}", b.errors);
    assert_eq!(b.errors[0].line, Some(5));
    assert!(b.errors[0].to_string().contains("--max-lateness"));
    // `a` paid at once: only the general terms' right to notify. `b` paid
    // late (12:00 on 06-02, after the 24h): suspended, never purged.
    let actions: Vec<(String, String)> = b
        .output
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            (v["account"].to_string(), v["action"].to_string())
        })
        .collect();
    let of = |who: &str| -> Vec<&str> {
        actions
            .iter()
            .filter(|(a, _)| a == &format!("\"{who}\""))
            .map(|(_, x)| x.as_str())
            .collect()
    };
    assert_eq!(of("a"), vec!["\"notify\""]);
    assert_eq!(
        of("b"),
        vec![
            "\"notify\"",
            "\"suspend\"",
            "\"freeze\"",
            "\"keep_billing\""
        ]
    );
    assert!(of("c").is_empty());
}

fn clausec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clausec"))
}

#[test]
fn bad_lines_are_reported_by_number_and_skip_or_stop_decides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let text = [
        line("a", "2024-06-01T10:00:00+08:00", "arrears"),
        "{not json".to_string(),
        line("a", "2024-06-01T11:00:00+08:00", "no_such_event"),
        line("b", "2024-06-20T10:00:00+08:00", "arrears"),
    ]
    .join("\n");
    std::fs::write(&events, text).expect("write");
    let run = |mode: &str| {
        clausec()
            .arg("run")
            .arg(agreement())
            .arg("--events")
            .arg(&events)
            .args(["--on-error", mode, "--threads", "1"])
            .output()
            .expect("runs")
    };
    let skip = run("skip");
    let stderr = String::from_utf8_lossy(&skip.stderr);
    assert_eq!(skip.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 2: bad event"), "{stderr}");
    assert!(
        stderr.contains("line 3: unknown event `no_such_event`"),
        "{stderr}"
    );
    assert!(stderr.contains("2 line(s)"), "{stderr}");
    let out = String::from_utf8_lossy(&skip.stdout);
    assert!(out.contains("\"account\":\"a\""), "{out}");
    let stop = run("stop");
    let stderr = String::from_utf8_lossy(&stop.stderr);
    assert_eq!(stop.status.code(), Some(1));
    assert!(stderr.contains("line 2: bad event"), "{stderr}");
    assert!(!stderr.contains("line 3"), "{stderr}");
}

#[test]
fn a_run_killed_with_sigkill_resumes_from_its_checkpoint_exactly_once() {
    let program = program();
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let lines = workload(&program, 20_000, 120, 11);
    std::fs::write(&events, lines.join("\n") + "\n").expect("write events");
    let until = "2024-10-01T00:00:00+08:00";
    // The uninterrupted run.
    let whole = dir.path().join("whole.ndjson");
    let status = clausec()
        .arg("run")
        .arg(agreement())
        .arg("--events")
        .arg(&events)
        .args(["--until", until, "--output"])
        .arg(&whole)
        .status()
        .expect("runs");
    assert!(status.success());
    let expected = std::fs::read(&whole).expect("output");
    assert!(expected.len() > 10_000);
    // The same run, killed mid-way again and again, then let finish.
    let out = dir.path().join("out.ndjson");
    let cp = dir.path().join("run.checkpoint");
    let start = || {
        clausec()
            .arg("run")
            .arg(agreement())
            .arg("--events")
            .arg(&events)
            .args(["--until", until, "--checkpoint-every", "2000", "--output"])
            .arg(&out)
            .arg("--checkpoint")
            .arg(&cp)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns")
    };
    let mut kills = 0;
    let mut last_size = 0u64;
    for _ in 0..4 {
        let mut child = start();
        // Wait until this run has written a new checkpoint, then kill it.
        let t0 = std::time::Instant::now();
        loop {
            let size = std::fs::metadata(&cp)
                .map(|m| m.modified().ok())
                .ok()
                .flatten();
            let grown = std::fs::metadata(&out).map_or(0, |m| m.len());
            if size.is_some() && grown > last_size {
                break;
            }
            if child.try_wait().expect("wait").is_some() || t0.elapsed().as_secs() > 60 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        last_size = std::fs::metadata(&out).map_or(0, |m| m.len());
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL"); // std's kill is SIGKILL on unix
            kills += 1;
        }
        let _ = child.wait();
    }
    let status = start().wait().expect("finishes");
    assert!(status.success());
    assert!(
        kills >= 1,
        "the run always finished before it could be killed"
    );
    let got = std::fs::read(&out).expect("output");
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "restarted output differs from the uninterrupted run"
    );
    // The checkpoint belongs to this input: a changed input is refused.
    let mut changed = lines.clone();
    changed[0] = changed[0].replace("acct-", "acct-x");
    std::fs::write(&events, changed.join("\n") + "\n").expect("write events");
    let refused = start().wait_with_output().expect("runs");
    assert_eq!(refused.status.code(), Some(2));
}

/// `run` keys an account's automaton by product × billing × variant values:
/// the NDJSON `variants` field chooses it (in any order), the output names
/// it, and a checkpoint keeps which automaton each machine is, so a resumed
/// run gives the uninterrupted run's bytes. A record with an unknown,
/// doubled or missing value is a bad line like any other.
#[test]
fn run_keys_accounts_by_their_variant_and_refuses_bad_ones() {
    use clausec::stream::checkpoint::{self, OutputMark};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/variants");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let line = |account: &str, billing: &str, variants: &str, at: &str| {
        format!(
            r#"{{"account":"{account}","product":"nat_gateway","billing":"{billing}"{variants},"at":"{at}","event":"expiry"}}"#
        )
    };
    let good = [
        line(
            "m",
            "prepaid",
            r#","variants":["monthly"]"#,
            "2024-07-01T10:00:00+08:00",
        ),
        line(
            "y",
            "prepaid",
            r#","variants":["yearly"]"#,
            "2024-07-01T10:00:00+08:00",
        ),
        line("p", "postpaid", "", "2024-07-01T10:00:00+08:00"),
        line(
            "m2",
            "prepaid",
            r#","variants":["monthly"]"#,
            "2024-07-02T10:00:00+08:00",
        ),
    ];
    let bad = [
        line(
            "w",
            "prepaid",
            r#","variants":["weekly"]"#,
            "2024-07-02T10:00:00+08:00",
        ),
        line(
            "two",
            "prepaid",
            r#","variants":["monthly","yearly"]"#,
            "2024-07-02T10:00:00+08:00",
        ),
        line("none", "prepaid", "", "2024-07-02T10:00:00+08:00"),
    ];
    let options = || Options {
        until: Some(1_722_441_600), // 2024-08-01T00:00:00+08:00
        shards: 2,
        ..Options::default()
    };
    let catalog = || Catalog::new(program.clone(), Reading::CustomerSafe);
    // uninterrupted
    let mut r = Runner::new(catalog(), options());
    let mut whole = r.push(&good, false).output;
    let b = r.push(&bad, false);
    let errors: Vec<String> = b.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].contains("`weekly` is not a variant of product `nat_gateway`"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("two values of variant `term`"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("needs its `term` (monthly, yearly)"),
        "{errors:?}"
    );
    whole.push_str(&b.output);
    whole.push_str(&r.finish().output);
    let acts = |out: &str, who: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains(&format!("\"account\":\"{who}\"")))
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                format!("{} {} {}", v["action"], v["at"], v["variants"])
            })
            .collect()
    };
    assert_eq!(
        acts(&whole, "m"),
        vec![
            r#""stop" "2024-07-01T10:00:00+08:00" ["monthly"]"#,
            r#""release" "2024-07-09T00:00:00+08:00" ["monthly"]"#
        ],
        "{whole}"
    );
    assert_eq!(
        acts(&whole, "y"),
        vec![r#""stop" "2024-07-01T10:00:00+08:00" ["yearly"]"#],
        "{whole}"
    );
    assert!(acts(&whole, "p").is_empty(), "{whole}");
    // a checkpoint after the first two lines, resumed in a fresh catalog
    let mut r = Runner::new(catalog(), options());
    let mut resumed = r.push(&good[..2], false).output;
    let bytes = checkpoint::encode(&r, OutputMark { bytes: 0 });
    let mut r = checkpoint::decode(&bytes, catalog(), options())
        .expect("the checkpoint decodes")
        .runner;
    resumed.push_str(&r.push(&good[2..], false).output);
    resumed.push_str(&r.push(&bad, false).output);
    resumed.push_str(&r.finish().output);
    assert_eq!(resumed, whole);
}
