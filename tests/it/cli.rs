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
        assert!(entry.contains(&format!("**{}.**", code.summary())), "{entry}");
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
    assert_eq!(text(&flag.stdout), text(&clausec(&["explain-code", "W0007"]).stdout));
    let unknown = clausec(&["explain-code", "E0082"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("did you mean `E0028`?"));
}
