//! `clausec verify` on periods in calendar months (Civil Code Art. 202):
//! the aliyun certification's six months are proved against a property in
//! the same months, and a step written a month short is refuted with a
//! counterexample that `clausec test` fails on.

use std::path::{Path, PathBuf};

use crate::support::{clausec, copy_agreement, text};

fn verify_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["verify", "--format", "json"];
    all.extend(args);
    let out = clausec(&all);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code(), v)
}

fn results(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["property"].as_str().unwrap_or_default().to_string(),
                r["reading"].as_str().unwrap_or_default().to_string(),
                r["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A copy of the 2024 agreement whose certification file gets `edit`.
fn copy_2024(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let (dir, agreement) = copy_agreement("aliyun-2024");
    let file = agreement.join("aliyun_certification.clause");
    let old = std::fs::read_to_string(&file).expect("read");
    let new = edit(old.clone());
    assert_ne!(new, old, "the edit applies");
    std::fs::write(&file, new).expect("write");
    (dir, file)
}

#[test]
fn six_calendar_months_are_proved_against_six_calendar_months() {
    let (code, v) = verify_json(&["--filter", "aliyun_certification", "clauses/aliyun-2024"]);
    let rows: Vec<_> = results(&v)
        .into_iter()
        .filter(|(p, _, _)| p.contains("stop service"))
        .collect();
    // the product's two properties × two readings, none left undecided
    assert_eq!(rows.len(), 4, "{v:#}");
    assert!(rows.iter().all(|(_, _, r)| r == "proved"), "{v:#}");
    assert_eq!(v["not_verified"], 0, "{v:#}");
    assert_eq!(code, Some(0), "{v:#}");
}

/// Pastes the counterexample into the product and runs `clausec test`: the
/// stop comes before its expectation allows.
fn fails_its_test(file: &Path, property: &str, scenario: &str) {
    let old = std::fs::read_to_string(file).expect("read");
    let indented: String = scenario.lines().map(|l| format!("  {l}\n")).collect();
    let at = old.find("  scenario ").expect("a scenario");
    std::fs::write(file, format!("{}{indented}{}", &old[..at], &old[at..])).expect("write");
    let out = clausec(&[
        "test",
        "--filter",
        &format!("verify: {property}"),
        &file.display().to_string(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("expected: no `stop service` up to "),
        "{stdout}"
    );
    assert!(stdout.contains("actual:   `stop service"), "{stdout}");
    std::fs::write(file, old).expect("restore");
}

#[test]
fn a_step_a_month_short_is_refuted_with_a_scenario_that_fails() {
    let (_dir, file) = copy_2024(|old| {
        old.replace(
            "after 6 calendar months stop service",
            "after 5 calendar months stop service",
        )
    });
    let (code, v) = verify_json(&[&file.display().to_string()]);
    assert_eq!(code, Some(1), "{v:#}");
    let property = "no stop service before 6 calendar months from purchase";
    let rows = results(&v);
    for reading in ["customer-safe", "earliest"] {
        assert!(
            rows.contains(&(property.into(), reading.into(), "violated".into())),
            "{reading}: {v:#}"
        );
    }
    // the liveness property still holds: the stop comes, only too early
    assert!(
        rows.iter()
            .filter(|(p, _, _)| p.starts_with("eventually"))
            .all(|(_, _, r)| r == "proved"),
        "{v:#}"
    );
    for r in v["results"].as_array().expect("results") {
        if r["result"] != "violated" {
            continue;
        }
        let scenario = r["scenario"].as_str().expect("a scenario");
        // a purchase, then the stop five months (not six) after it
        assert!(scenario.contains(" purchase"), "{scenario}");
        assert!(
            scenario.contains("expect no stop service before "),
            "{scenario}"
        );
        fails_its_test(&file, property, scenario);
    }
}

#[test]
fn a_property_a_month_longer_than_the_step_is_refuted() {
    let (_dir, file) = copy_2024(|old| {
        old.replace(
            "no stop service before 6 calendar months from purchase",
            "no stop service before 7 calendar months from purchase",
        )
    });
    let (_, v) = verify_json(&[&file.display().to_string()]);
    let property = "no stop service before 7 calendar months from purchase";
    let rows = results(&v);
    for reading in ["customer-safe", "earliest"] {
        assert!(
            rows.contains(&(property.into(), reading.into(), "violated".into())),
            "{reading}: {v:#}"
        );
    }
    // and one a month shorter holds
    let (_dir, file) = copy_2024(|old| {
        old.replace(
            "no stop service before 6 calendar months from purchase",
            "no stop service before 5 calendar months from purchase",
        )
    });
    let (_, v) = verify_json(&[&file.display().to_string()]);
    let rows = results(&v);
    assert!(
        rows.iter()
            .filter(|(p, _, _)| p.contains("5 calendar months"))
            .all(|(_, _, r)| r == "proved"),
        "{v:#}"
    );
    assert_eq!(
        rows.iter()
            .filter(|(p, _, _)| p.contains("5 calendar months"))
            .count(),
        2,
        "{v:#}"
    );
}
