//! `clausec verify`'s built-in checks (V0001–V0005) on the examples of
//! `tests/verify/<code>/`: each `fires.clause` gets its code, and exit 1;
//! each `holds.clause` gets no finding, and exit 0. A finding's timeline,
//! pasted into its product, makes `clausec test` show the same action; an
//! `allow` acknowledges a finding.

use std::path::Path;

use crate::support::{clausec, root, text, verify_json};

const CODES: [&str; 5] = ["V0001", "V0002", "V0003", "V0004", "V0005"];

fn rows<'v>(v: &'v serde_json::Value, result: &str) -> Vec<&'v serde_json::Value> {
    v["builtin"]
        .as_array()
        .expect("builtin")
        .iter()
        .filter(|r| r["result"] == result)
        .collect()
}

/// The line of `file` holding `needle` (1-based).
fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(root().join(file)).expect("read");
    1 + text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} in {file}"))
}

#[test]
fn every_check_fires_on_its_example_and_not_on_the_fix() {
    // where each finding points: the step, the cure, the product rule
    let at = [
        ("V0001", "purge data if settled"),
        ("V0002", "    until renewal"),
        ("V0003", "then resume compute"),
        ("V0004", "after 3d release instance"),
        ("V0005", "on arrears after 72h"),
    ];
    for (code, needle) in at {
        let file = format!("tests/verify/{code}/fires.clause");
        let (status, v) = verify_json(Path::new(&file));
        assert_eq!(status, Some(1), "{code}: {v:#}");
        let found = rows(&v, "finding");
        assert!(!found.is_empty(), "{code}: {v:#}");
        assert!(found.iter().all(|r| r["code"] == code), "{code}: {v:#}");
        assert_eq!(v["findings"], found.len(), "{v:#}");
        // both readings find it
        for reading in ["customer-safe", "earliest"] {
            assert!(
                found.iter().any(|r| r["reading"] == reading),
                "{code}: {v:#}"
            );
        }
        let line = line_of(&file, needle);
        assert!(
            found
                .iter()
                .any(|r| r["file"] == file.as_str() && r["line"] == line),
            "{code} at {file}:{line}: {v:#}"
        );
        let fixed = format!("tests/verify/{code}/holds.clause");
        let (status, v) = verify_json(Path::new(&fixed));
        assert_eq!(status, Some(0), "{code} fixed: {v:#}");
        assert!(
            v["builtin"].as_array().expect("builtin").is_empty(),
            "{v:#}"
        );
        assert!(v["states"].as_u64().is_some_and(|s| s > 0), "{v:#}");
    }
}

#[test]
fn text_output_names_the_code_the_clause_and_the_timeline() {
    let out = clausec(&["verify", "tests/verify/V0004/fires.clause"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FOUND        V0004 `release instance` of rule v0004_fires."),
        "{stdout}"
    );
    assert!(
        stdout.contains("(tests/verify/V0004/fires.clause:13)"),
        "{stdout}"
    );
    assert!(stdout.contains("scenario \"verify: V0004 "), "{stdout}");
    assert!(
        stdout.contains("built-in checks: 4 found, 0 allowed, 0 not checked"),
        "{stdout}"
    );
}

/// The timeline of each V0004/V0005 finding, pasted into a copy of its
/// product, makes `clausec test` fail on the action the finding is about.
#[test]
fn timelines_show_the_finding_in_clausec_test() {
    for (code, action) in [("V0004", "release"), ("V0005", "suspend")] {
        let dir = tempfile::tempdir().expect("tempdir");
        for e in std::fs::read_dir(root().join("tests/verify").join(code)).expect("dir") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
        }
        let file = dir.path().join("fires.clause");
        let (_, v) = verify_json(&file);
        let found = rows(&v, "finding");
        assert!(!found.is_empty(), "{code}: {v:#}");
        for r in found {
            let scenario = r["scenario"].as_str().expect("a timeline");
            assert!(
                scenario.contains(&format!("expect no {action}")),
                "{scenario}"
            );
            let old = std::fs::read_to_string(&file).expect("read");
            let at = old.rfind('}').expect("the product's end");
            let indented: String = scenario.lines().map(|l| format!("  {l}\n")).collect();
            std::fs::write(&file, format!("{}{indented}{}", &old[..at], &old[at..]))
                .expect("write");
            let out = clausec(&["test", "--filter", "verify: V", &file.display().to_string()]);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{code}: {stdout}");
            assert!(
                stdout.contains(&format!("actual:   `{action}")),
                "{code}: {stdout}"
            );
            std::fs::write(&file, old).expect("restore");
        }
    }
}

/// `allow V0001 "reason"` on the step acknowledges the finding: verify
/// lists it as allowed and exits 0; `clausec check` accepts the code.
#[test]
fn an_allow_acknowledges_a_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(root().join("tests/verify/V0001")).expect("dir") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
    }
    let file = dir.path().join("fires.clause");
    let old = std::fs::read_to_string(&file).expect("read");
    let new = old.replace(
        "quote \"删除数据\"",
        "quote \"删除数据\" allow V0001 \"the text states the step; it never applies\"",
    );
    assert_ne!(old, new);
    std::fs::write(&file, new).expect("write");
    let check = clausec(&["check", &file.display().to_string()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(
        !text(&check.stdout).contains("W0007"),
        "{}",
        text(&check.stdout)
    );
    let (status, v) = verify_json(&file);
    assert_eq!(status, Some(0), "{v:#}");
    assert_eq!(v["findings"], 0, "{v:#}");
    let allowed = rows(&v, "allowed");
    assert_eq!(allowed.len(), 2, "{v:#}");
    assert_eq!(
        allowed[0]["reason"],
        "the text states the step; it never applies"
    );
    // an allow of a code verify does not have is still refused
    std::fs::write(
        &file,
        old.replace("quote \"删除数据\"", "quote \"删除数据\" allow V0009 \"x\""),
    )
    .expect("write");
    let check = clausec(&["check", &file.display().to_string()]);
    assert_ne!(check.status.code(), Some(0));
    assert!(text(&check.stdout).contains("E0036") || text(&check.stderr).contains("E0036"));
}

#[test]
fn explain_code_prints_each_findings_entry() {
    for code in CODES {
        let out = clausec(&["explain-code", code]);
        let entry = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{code}");
        assert!(entry.starts_with(&format!("## {code}\n")), "{entry}");
        let path = format!("tests/verify/{code}/fires.clause");
        assert!(
            entry.contains(&format!("Failing example (`{path}`)")),
            "{entry}"
        );
        let file = std::fs::read_to_string(root().join(&path)).expect("example");
        assert!(
            entry.contains(file.trim_end()),
            "{path} and its docs entry differ"
        );
        assert!(entry.contains("\nFix: "), "{entry}");
    }
}
