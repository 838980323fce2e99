//! The command line as a person meets it (`../shared/review/authoring.md`,
//! “CLI and output for people”): each finding is a run of the real binary
//! with its exit code and output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `clausec ARGS` in the project directory.
fn clausec(args: &[&str]) -> Output {
    clausec_in(&root(), args)
}

fn clausec_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("clausec runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_of_one_file_checks_it_with_the_rest_of_its_agreement() {
    let out = clausec(&["check", "clauses/aliyun-2024/opensearch.clause"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("E0027"), "{stderr}");
    assert!(
        stderr.starts_with("checked 1 file(s) (with ") && stderr.contains("1 product(s)"),
        "{stderr}"
    );
}

#[test]
fn test_of_one_file_runs_its_own_scenarios_with_its_agreement() {
    let out = clausec(&["test", "-v", "clauses/aliyun-2024/opensearch.clause"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let runs: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    assert!(!runs.is_empty(), "{stdout}");
    assert!(
        runs.iter()
            .all(|l| l.contains("clauses/aliyun-2024/opensearch.clause:")),
        "{stdout}"
    );
}

/// Every failing example of docs/errors.md, checked alone as a reader
/// would: its own code, in its own file, and no false “no agreement header”
/// or quote errors from the examples beside it.
#[test]
fn every_ui_example_checked_alone_reports_its_own_problems() {
    let files = clausec::load::find_clause_files(&[root().join("tests/ui")]).expect("tests/ui");
    let mut checked = 0;
    for path in files {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let code = name.split('_').next().unwrap_or("");
        if !(code.starts_with('E') || code.starts_with('W')) {
            continue;
        }
        let relative = path.strip_prefix(root()).expect("inside the project");
        let shown = relative.display().to_string();
        let out = clausec(&["check", "--format", "json", &shown]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let diags = json.as_array().expect("array");
        assert!(
            diags.iter().any(|d| d["code"] == code),
            "{shown} does not report {code}: {json:#}"
        );
        for d in diags {
            assert_eq!(d["file"], shown.as_str(), "{shown}: {d:#}");
            for unrelated in ["E0027", "E0028", "W0006"] {
                assert!(
                    d["code"] != unrelated || code == unrelated,
                    "{shown}: {d:#}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 38, "only {checked} examples");
}

/// The entry `explain-code` prints for every code: its summary, its fix,
/// and a failing example that is the ui file it names, as committed.
#[test]
fn explain_code_prints_the_docs_entry_of_every_code() {
    for code in clausec::diagnostic::Code::ALL {
        let out = clausec(&["explain-code", code.as_str()]);
        let entry = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{code}: {}", text(&out.stderr));
        assert!(entry.starts_with(&format!("## {code}\n")), "{entry}");
        assert!(
            entry.contains(&format!("**{}.**", code.summary())),
            "{entry}"
        );
        assert!(entry.contains("\nFix: "), "{entry}");
        let Some((_, rest)) = entry.split_once("Failing example (`") else {
            // only the codes no file can show (too large, no files at all)
            assert!(matches!(code.as_str(), "E0003" | "E0004"), "{entry}");
            continue;
        };
        let (path, rest) = rest.split_once('`').expect("path");
        let example = rest
            .split_once("```clause\n")
            .and_then(|(_, r)| r.split_once("\n```"))
            .map(|(e, _)| e)
            .expect("example block");
        let Ok(file) = std::fs::read_to_string(root().join(path)) else {
            assert_eq!(code.as_str(), "E0002", "{path} unreadable");
            continue; // not UTF-8: the docs show it with a placeholder
        };
        assert_eq!(example, file.trim_end(), "{path} and its docs entry differ");
    }
    let flag = clausec(&["--explain", "w0007"]);
    assert_eq!(
        text(&flag.stdout),
        text(&clausec(&["explain-code", "W0007"]).stdout)
    );
    let unknown = clausec(&["explain-code", "E0082"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("did you mean `E0028`?"));
}

/// Every subcommand and every flag or argument says what it is for.
#[test]
fn every_flag_has_help() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let path = format!("{path} {}", cmd.get_name());
        if cmd
            .get_about()
            .is_none_or(|a| a.to_string().trim().is_empty())
            && path != " clausec"
        {
            missing.push(path.clone());
        }
        for arg in cmd.get_arguments() {
            if matches!(arg.get_id().as_str(), "help" | "version") {
                continue;
            }
            if arg
                .get_help()
                .is_none_or(|h| h.to_string().trim().is_empty())
            {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &path, missing);
        }
    }
    let mut missing = Vec::new();
    walk(&clausec::cli::command(), "", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

const EVENTS: &str = "examples/events/log_service_arrears.ndjson";
const AT: &str = "2024-06-05T12:00:00+08:00";

/// One exit-code rule across commands: 0 fine, 1 findings in the input,
/// 2 usage or IO (an unknown product is a usage error everywhere).
#[test]
fn one_exit_code_rule_across_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let put = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    };
    let failing = put(
        "failing.clause",
        "agreement t \"T\" {\n  zone Asia/Shanghai\n}\n\nproduct p \"P\" §1 {\n  billing postpaid\n  capabilities c\n\n  on arrears after 24h suspend c §1.1 quote \"x\"\n\n  scenario \"one hour late\" for p {\n    2024-06-01T10:00 arrears\n    expect 2024-06-02T11:00 suspend c\n  }\n}\n",
    );
    let unformatted = put("messy.clause", "product  p \"P\" §1 {billing postpaid}\n");
    let bad_events = put(
        "bad.ndjson",
        "{\"at\":\"yesterday\",\"event\":\"arrears\"}\n",
    );
    let line = |at: &str| {
        format!("{{\"account\":\"a\",\"product\":\"log_service\",\"billing\":\"postpaid\",\"at\":\"{at}\",\"event\":\"arrears\",\"amount\":\"1.00\"}}\n")
    };
    let stream = put("ok.ndjson", &line("2024-06-01T10:00:00+08:00"));
    let late = put(
        "late.ndjson",
        &(line("2024-06-03T10:00:00+08:00") + &line("2024-06-01T10:00:00+08:00")),
    );
    let eval = |product: &str, billing: Option<&str>| {
        let mut v = vec![
            "eval",
            "clauses/aliyun-2024",
            "--product",
            product,
            "--events",
            EVENTS,
            "--at",
            AT,
        ];
        if let Some(b) = billing {
            v.extend(["--billing", b]);
        }
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cases: Vec<(Vec<String>, i32)> = vec![
        (s(&["check", "clauses/aliyun-2024"]), 0),
        (s(&["check", "tests/ui/E0010_unknown_event.clause"]), 1),
        (s(&["check", "no/such/dir"]), 2),
        (s(&["check"]), 2),
        (s(&["test", "clauses/aliyun-2024/log_service.clause"]), 0),
        (s(&["test", &failing]), 1),
        (
            s(&[
                "test",
                "clauses/aliyun-2024/log_service.clause",
                "--filter",
                "no such scenario",
            ]),
            2,
        ),
        (s(&["coverage", "clauses/aliyun-2024"]), 0),
        (s(&["coverage", "clauses/aliyun-2024", "--min", "101"]), 1),
        (s(&["coverage", "no/such/dir"]), 2),
        (s(&["summary", "clauses/aliyun-2024"]), 0),
        (s(&["summary", "tests/ui/E0010_unknown_event.clause"]), 1),
        (s(&["summary", "no/such/dir"]), 2),
        (
            s(&["diff", "clauses/aliyun-2024", "clauses/aliyun-2024"]),
            0,
        ),
        (
            s(&[
                "diff",
                "clauses/aliyun-2018",
                "clauses/aliyun-2024",
                "--product",
                "dns",
            ]),
            1,
        ),
        (
            s(&[
                "diff",
                "clauses/aliyun-2018",
                "clauses/aliyun-2024",
                "--product",
                "no_such",
            ]),
            2,
        ),
        (s(&["fmt", "--check", "clauses/aliyun-2024"]), 0),
        (s(&["fmt", "--check", &unformatted]), 1),
        (s(&["fmt", "no/such/dir"]), 2),
        (eval("log_service", Some("postpaid")), 0),
        (eval("log_service", None), 0),
        (eval("no_such", None), 2),
        (eval("log_service", Some("prepaid")), 2),
        (eval("dataworks", None), 2),
        (
            s(&[
                "eval",
                "clauses/aliyun-2024",
                "--product",
                "log_service",
                "--events",
                &bad_events,
                "--at",
                AT,
            ]),
            1,
        ),
        (
            s(&[
                "eval",
                "clauses/aliyun-2024",
                "--product",
                "log_service",
                "--events",
                EVENTS,
                "--at",
                "tomorrow",
            ]),
            2,
        ),
        (
            s(&[
                "explain",
                "clauses/aliyun-2024",
                "--product",
                "log_service",
                "--events",
                EVENTS,
                "--at",
                AT,
            ]),
            0,
        ),
        (
            s(&[
                "explain",
                "clauses/aliyun-2024",
                "--product",
                "no_such",
                "--events",
                EVENTS,
                "--at",
                AT,
            ]),
            2,
        ),
        (
            s(&["graph", "clauses/aliyun-2024", "--product", "log_service"]),
            0,
        ),
        (
            s(&["graph", "clauses/aliyun-2024", "--product", "no_such"]),
            2,
        ),
        (
            s(&["codegen", "clauses/aliyun-2024", "--product", "log_service"]),
            0,
        ),
        (
            s(&["codegen", "clauses/aliyun-2024", "--product", "no_such"]),
            2,
        ),
        (s(&["run", "clauses/aliyun-2024", "--events", &stream]), 0),
        (s(&["run", "clauses/aliyun-2024", "--events", &late]), 1),
        (
            s(&[
                "run",
                "clauses/aliyun-2024",
                "--events",
                &stream,
                "--max-lateness",
                "soon",
            ]),
            2,
        ),
        (s(&["gen-events", "--accounts", "2", "--days", "10"]), 0),
        (s(&["gen-events", "--accounts", "2", "--days", "0"]), 2),
        (s(&["explain-code", "E0001"]), 0),
        (s(&["explain-code", "E9999"]), 2),
    ];
    let mut wrong = Vec::new();
    for (args, want) in &cases {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = clausec(&argv);
        if out.status.code() != Some(*want) {
            wrong.push(format!(
                "clausec {}: exit {:?}, want {want}\n{}",
                args.join(" "),
                out.status.code(),
                text(&out.stderr)
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn eval_without_billing_on_a_product_sold_in_several_modes_lists_them() {
    let out = clausec(&[
        "eval",
        "clauses/aliyun-2024",
        "--product",
        "dataworks",
        "--events",
        EVENTS,
        "--at",
        AT,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "sold in several billing modes (prepaid, postpaid); choose one with --billing"
        ),
        "{stderr}"
    );
}

/// A reader that stops reading (`| head`) ends every command quietly.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.ndjson");
    let generated = clausec(&["gen-events", "--accounts", "3000", "--days", "60"]);
    std::fs::write(&events, &generated.stdout).expect("write");
    let events = events.display().to_string();
    for args in [
        vec!["run", "clauses/aliyun-2024", "--events", events.as_str()],
        vec!["gen-events", "--accounts", "20000", "--days", "60"],
        vec!["summary", "clauses"],
        vec!["test", "-v", "clauses"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clausec"))
            .args(&args)
            .current_dir(root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawns");
        // Closed before the command writes anything (it reads its clause
        // files first), like `| true`; the gen-events and run outputs are
        // read a little first, like `| head -c 64`.
        let mut stdout = child.stdout.take().expect("stdout");
        if args[0] == "gen-events" || args[0] == "run" {
            let mut first = [0u8; 64];
            stdout.read_exact(&mut first).expect("some output");
        }
        drop(stdout);
        let out = child.wait_with_output().expect("ends");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn gen_events_finds_the_shipped_agreement_from_anywhere() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = clausec_in(
        elsewhere.path(),
        &["gen-events", "--accounts", "3", "--days", "2"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Every account joins inside a short stream, and says something.
    let accounts: std::collections::BTreeSet<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.split('"').nth(3).map(String::from))
        .collect();
    assert!(!accounts.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn run_reports_late_events_in_the_agreements_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = |at: &str| {
        format!("{{\"account\":\"a\",\"product\":\"log_service\",\"billing\":\"postpaid\",\"at\":\"{at}\",\"event\":\"arrears\",\"amount\":\"1.00\"}}\n")
    };
    let late = dir.path().join("late.ndjson");
    std::fs::write(
        &late,
        line("2024-06-03T10:00:00+08:00") + &line("2024-06-01T10:00:00+08:00"),
    )
    .expect("write");
    let out = clausec(&[
        "run",
        "clauses/aliyun-2024",
        "--events",
        &late.display().to_string(),
    ]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("event at 2024-06-01T10:00:00+08:00 is more than 60s earlier than the latest instant seen (2024-06-03T10:00:00+08:00)"),
        "{stderr}"
    );
}

#[test]
fn fmt_check_prints_the_diff_and_fmt_counts_files_it_could_not_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let messy = dir.path().join("messy.clause");
    let broken = dir.path().join("broken.clause");
    std::fs::write(&messy, "product p \"P\" §1 {billing postpaid}\n").expect("write");
    std::fs::write(
        &broken,
        "product q \"Q\" §1 {\n  billing postpaid\n  on arrears suspend\n}\n",
    )
    .expect("write");
    let dir_arg = dir.path().display().to_string();
    let check = clausec(&["fmt", "--check", &dir_arg]);
    assert_eq!(check.status.code(), Some(1));
    let diff = text(&check.stdout);
    assert!(
        diff.ends_with("@@ -1,1 +1,3 @@\n-product p \"P\" §1 {billing postpaid}\n+product p \"P\" §1 {\n+  billing postpaid\n+}\n"),
        "{diff}"
    );
    assert!(
        text(&check.stderr)
            .contains("checked 1 file(s): 1 not formatted, 1 could not be read or parsed"),
        "{}",
        text(&check.stderr)
    );
    let write = clausec(&["fmt", &dir_arg]);
    assert_eq!(write.status.code(), Some(1));
    assert!(
        text(&write.stderr)
            .contains("formatted 1 file(s), 1 changed, 1 could not be read or parsed"),
        "{}",
        text(&write.stderr)
    );
}

#[test]
fn test_filter_runs_the_scenarios_named_so() {
    let out = clausec(&[
        "test",
        "-v",
        "clauses/aliyun-2024",
        "--filter",
        "log service: nobody pays",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("ok   clauses/aliyun-2024/log_service.clause:42 log_service · log service: nobody pays\n1 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn test_coverage_and_summary_speak_json() {
    let json = |args: &[&str]| -> serde_json::Value {
        let out = clausec(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let t = json(&["test", "clauses/tracing-2019", "--format", "json"]);
    let scenarios = t["scenarios"].as_array().expect("scenarios");
    assert_eq!(t["passed"].as_u64(), Some(scenarios.len() as u64));
    assert_eq!(t["failed"], 0);
    assert!(scenarios.iter().all(|s| s["passed"] == true
        && s["file"]
            .as_str()
            .is_some_and(|f| f.starts_with("clauses/tracing-2019/"))));
    let c = json(&["coverage", "clauses/tracing-2019", "--format", "json"]);
    assert_eq!(c[0]["agreement"], "tracing_2019");
    assert_eq!(c[0]["cited"], c[0]["articles_total"]);
    assert!(c[0]["articles"][0]["cited_by"][0].as_str().is_some());
    let s = json(&["summary", "clauses/tracing-2019", "--format", "json"]);
    assert_eq!(s[0]["agreement"], "tracing_2019");
    let parts = s[0]["parts"].as_array().expect("parts");
    assert!(parts
        .iter()
        .any(|p| p["part"] == "product" && !p["rules"].as_array().expect("rules").is_empty()));
}

/// A change of the general terms is listed once with the products it
/// affects, not once per product (it was 14 + 16 lines for the §5.1 notice).
#[test]
fn diff_lists_a_change_the_products_share_once() {
    let out = clausec(&["diff", "clauses/aliyun-2018", "clauses/aliyun-2024"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let notice: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("may notify at once (2024 §5.1)") && !l.contains("stop interface"))
        .collect();
    assert!(!notice.is_empty() && notice.len() <= 2, "{notice:#?}");
    assert!(
        notice
            .iter()
            .all(|l| l.contains(" products · ") && l.matches(" (").count() > 10),
        "{notice:#?}"
    );
}

/// `eval --variant` chooses the kind of account (the NAT gateway's monthly
/// term is released after expiry, the yearly one is not); a missing,
/// unknown or doubled value is a usage error naming the dimension's values,
/// never a silent default.
#[test]
fn eval_and_explain_take_the_accounts_variant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("expiry.ndjson");
    std::fs::write(
        &events,
        "{\"at\":\"2024-07-01T10:00:00+08:00\",\"event\":\"expiry\"}\n",
    )
    .expect("write");
    let events = events.display().to_string();
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "tests/lang/variants",
            "--product",
            "nat_gateway",
            "--billing",
            "prepaid",
            "--events",
            &events,
            "--at",
            "2024-08-01T00:00:00+08:00",
            "--format",
            "json",
        ];
        args.extend(extra);
        clausec(&args)
    };
    let actions = |out: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| a["action"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    let monthly = eval(&["--variant", "monthly"]);
    assert_eq!(monthly.status.code(), Some(0), "{}", text(&monthly.stderr));
    assert_eq!(actions(&monthly), vec!["stop", "release"]);
    let yearly = eval(&["--variant", "yearly"]);
    assert_eq!(yearly.status.code(), Some(0), "{}", text(&yearly.stderr));
    assert_eq!(actions(&yearly), vec!["stop"]);
    let v: serde_json::Value = serde_json::from_slice(&yearly.stdout).expect("JSON");
    assert_eq!(v["variants"], serde_json::json!(["yearly"]));
    for (extra, says) in [
        (&[][..], "the account needs its `term` (monthly, yearly)"),
        (&["--variant", "weekly"][..], "`weekly` is not a variant of product `nat_gateway` (its variants: term: monthly, yearly)"),
        (&["--variant", "monthly,yearly"][..], "two values of variant `term`: `monthly` and `yearly`"),
    ] {
        let out = eval(extra);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert!(stderr.contains("--variant"), "{stderr}");
    }
    let explained = clausec(&[
        "explain",
        "tests/lang/variants",
        "--product",
        "nat_gateway",
        "--billing",
        "prepaid",
        "--variant",
        "yearly",
        "--events",
        &events,
        "--at",
        "2024-08-01T00:00:00+08:00",
    ]);
    let out = text(&explained.stdout);
    assert_eq!(
        explained.status.code(),
        Some(0),
        "{}",
        text(&explained.stderr)
    );
    assert!(out.contains("nat_gateway (prepaid yearly)"), "{out}");
    assert!(!out.contains("release"), "{out}");
}
