//! `clausec verify` on a copy of a shipped agreement: properties the text
//! promises are proved; a step made an hour earlier or a cure removed is
//! refuted with a counterexample scenario that `clausec test` fails on for
//! the same reason.

use std::path::{Path, PathBuf};

use crate::support::{clausec, copy_agreement, root, text, verify_json};

/// A copy of the 2024 agreement (with its texts) whose log-service file
/// gets `edit` applied; returns the temp dir and the file's path.
fn copy_2024(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let (dir, agreement) = copy_agreement("aliyun-2024");
    let file = agreement.join("log_service.clause");
    let old = without_shipped_properties(&std::fs::read_to_string(&file).expect("read"));
    std::fs::write(&file, edit(old)).expect("write");
    (dir, file)
}

/// The file without the `verify` blocks it ships with (these tests state
/// their own properties).
fn without_shipped_properties(old: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in old.lines() {
        if line.starts_with("  // What the text promises") {
            skipping = true;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
        if skipping && line == "  }" {
            skipping = false;
        }
    }
    assert!(!skipping && out.len() < old.len(), "the shipped block");
    out
}

/// Puts `block` into the log-service product, before its scenarios.
fn insert(old: &str, block: &str) -> String {
    let at = old
        .find("  // ---- scenarios ----")
        .expect("the scenarios' heading");
    format!("{}{block}\n{}", &old[..at], &old[at..])
}

const PROPS: &str = "  verify {
    no purge before 8d from arrears unless settled
    every purge preceded by suspend
    after settled no purge until arrears
    eventually purge follows arrears unless settled
  }
";

/// The one violated result of a report, with its counterexample.
fn violated(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["result"] == "violated")
        .map(|r| {
            (
                r["property"].as_str().unwrap_or_default().to_string(),
                r["reading"].as_str().unwrap_or_default().to_string(),
                r["scenario"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_log_service_promises_are_proved_on_every_timeline() {
    let (_dir, file) = copy_2024(|old| insert(&old, PROPS));
    let (code, v) = verify_json(&file);
    assert_eq!(code, Some(0), "{v:#}");
    // four properties × one billing mode × two readings
    assert_eq!(v["proved"], 8, "{v:#}");
    assert_eq!(v["violated"], 0);
    assert!(v["states"].as_u64().is_some_and(|s| s > 8), "{v:#}");
    let out = clausec(&["verify", &file.display().to_string()]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("8 proved, 0 violated, 0 not verified;"),
        "{stdout}"
    );
    assert!(stdout.contains("states in"), "{stdout}");
}

/// Pastes each counterexample into the product and runs `clausec test` on
/// it: it must fail on the pasted expectation, because the action fires.
fn counterexamples_fail_their_test(file: &Path, found: &[(String, String, String)], action: &str) {
    assert!(!found.is_empty());
    for (property, reading, scenario) in found {
        assert!(scenario.starts_with("scenario \"verify: "), "{scenario}");
        assert!(
            scenario.contains(&format!("expect no {action} before ")),
            "{scenario}"
        );
        let old = std::fs::read_to_string(file).expect("read");
        let indented: String = scenario.lines().map(|l| format!("  {l}\n")).collect();
        std::fs::write(file, insert(&old, &indented)).expect("write");
        let out = clausec(&[
            "test",
            "--filter",
            &format!("verify: {property}"),
            &file.display().to_string(),
        ]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{reading}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("expected: no `{action}` up to ")),
            "{stdout}"
        );
        assert!(stdout.contains(&format!("actual:   `{action}")), "{stdout}");
        std::fs::write(file, old).expect("restore");
    }
}

#[test]
fn a_purge_an_hour_early_is_refuted_with_a_scenario_that_fails() {
    let (_dir, file) = copy_2024(|old| {
        insert(&old, PROPS).replace("after 7d from suspended", "after 167h from suspended")
    });
    let (code, v) = verify_json(&file);
    assert_eq!(code, Some(1), "{v:#}");
    let found = violated(&v);
    // only the minimum time breaks, under both readings
    assert_eq!(found.len(), 2, "{v:#}");
    assert!(found
        .iter()
        .all(|(p, _, _)| p == "no purge before 8d from arrears unless settled"));
    // arrears, then the purge 24 h + 167 h later: one hour short of 8 days
    let (_, _, scenario) = &found[0];
    let lines: Vec<&str> = scenario.lines().collect();
    assert_eq!(lines.len(), 4, "{scenario}");
    assert!(lines[1].contains(" arrears"), "{scenario}");
    let instant =
        |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("an instant");
    let arrears = instant(lines[1].trim().split(' ').next().unwrap_or_default());
    let purge = instant(lines[2].trim().rsplit(' ').next().unwrap_or_default());
    assert_eq!((purge - arrears).num_hours(), 191, "{scenario}");
    counterexamples_fail_their_test(&file, &found, "purge");
}

#[test]
fn a_removed_cure_is_refuted_with_a_scenario_that_fails() {
    let (_dir, file) = copy_2024(|old| {
        let cut = insert(&old, PROPS);
        let at = cut.find("    until settled\n").expect("the cure");
        format!("{}{}", &cut[..at], &cut[at + "    until settled\n".len()..])
    });
    let (code, v) = verify_json(&file);
    assert_eq!(code, Some(1), "{v:#}");
    let found = violated(&v);
    let props: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    // settling no longer saves the data
    assert!(
        props.contains(&"after settled no purge until arrears"),
        "{v:#}"
    );
    let after: Vec<_> = found
        .iter()
        .filter(|(p, _, _)| p == "after settled no purge until arrears")
        .cloned()
        .collect();
    assert!(
        after.iter().all(|(_, _, s)| s.contains(" payment")),
        "{after:?}"
    );
    counterexamples_fail_their_test(&file, &after, "purge");
}

#[test]
fn a_product_whose_forms_the_search_does_not_cover_is_not_verified_never_proved() {
    let (_dir, file) = copy_2024(|old| old);
    // a kept step counted from another rule's event runs in the machine
    // (an account-state automaton), which the search does not cover yet
    // (kept steps counted from the trigger or a step of the rule it does)
    let refused = file.with_file_name("refused.clause");
    std::fs::write(
        &refused,
        "product refused \"日志服务\" §2 {
  billing postpaid
  resources data
  events hold
  on hold at once notify
  on arrears {
    after 24h suspend service
    after 7d from hold purge data even if cured
    until payment
  }
  verify {
    every purge preceded by suspend
  }
}
",
    )
    .expect("write");
    let (code, v) = verify_json(&refused);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["proved"], 0, "{v:#}");
    let results = v["results"].as_array().expect("results");
    // one billing mode, two readings
    assert_eq!(results.len(), 2, "{v:#}");
    for r in results {
        assert_eq!(r["result"], "not_verified", "{r:#}");
        assert!(
            r["reason"]
                .as_str()
                .is_some_and(|s| s.contains("counted from another rule's event")),
            "{r:#}"
        );
    }
}

/// A rule's kept (`even if cured`) steps and a guard on a resource are
/// searched (review row 1.7, the DNS §29.3 shape): with the guard, the
/// deletion a renewal after the release keeps still comes after the
/// release; without it, a renewal before the release leaves a deletion
/// with nothing released before it, and the counterexample fails its test.
#[test]
fn kept_steps_and_resource_guards_are_searched() {
    let (_dir, file) = copy_2024(|old| old);
    let kept = file.with_file_name("kept.clause");
    for (guard, proved, violated_count) in [(" if instance released", 4, 0), ("", 2, 2)] {
        std::fs::write(
            &kept,
            format!(
                "product kept \"云解析DNS\" §29 {{
  billing prepaid
  resources instance, data
  on expiry {{
    on calendar day 7 from expiry release instance
    on calendar day 14 from expiry purge data{guard} even if cured
    until renewal
  }}
  verify {{
    every purge data preceded by release instance
    after renewal no release instance until expiry
  }}
  // ---- scenarios ----
}}
"
            ),
        )
        .expect("write");
        let (_, v) = verify_json(&kept);
        assert_eq!(v["proved"], proved, "guard `{guard}`: {v:#}");
        assert_eq!(v["violated"], violated_count, "guard `{guard}`: {v:#}");
        assert_eq!(v["not_verified"], 0, "guard `{guard}`: {v:#}");
        if violated_count > 0 {
            counterexamples_fail_their_test(&kept, &violated(&v), "purge data");
        }
    }
}

#[test]
fn a_block_filtered_to_one_billing_mode_is_searched_in_that_mode_only() {
    let out = clausec(&["verify", "--format", "json", "clauses/tracing-2019"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut bounds = Vec::new();
    for r in results {
        assert_eq!(r["result"], "proved", "{r:#}");
        let property = r["property"].as_str().unwrap_or_default();
        // the general terms' late-fee bound has no filter: every mode
        if property.starts_with("late_fee at most") {
            bounds.push(r["billing"].as_str().unwrap_or_default().to_string());
            continue;
        }
        // the prepaid block is about expiry and renewal, the postpaid one
        // about arrears and payment
        let mode = if property.contains("expiry") {
            "prepaid"
        } else {
            "postpaid"
        };
        assert_eq!(r["billing"], mode, "{r:#}");
    }
    bounds.sort();
    bounds.dedup();
    assert_eq!(bounds, ["package", "postpaid", "prepaid"]);
    assert_eq!(v["proved"].as_u64(), Some(results.len() as u64));
}

/// Each kind of account the filters tell apart is its own automaton and is
/// searched on its own: a monthly term purges, a yearly one does not.
#[test]
fn every_kind_of_account_is_verified_on_its_own() {
    let (_dir, file) = copy_2024(|old| old);
    let kinds = file.with_file_name("kinds.clause");
    std::fs::write(
        &kinds,
        "product kinds \"日志服务\" §2 {
  billing postpaid
  variants term: monthly, yearly
  resources data
  on arrears [postpaid, monthly] { after 24h suspend service; after 7d purge data }
  on arrears [postpaid, yearly] after 24h suspend service
  verify {
    no purge before 9d from arrears
  }
}
",
    )
    .expect("write");
    let (code, v) = verify_json(&kinds);
    assert_eq!(code, Some(1), "{v:#}");
    let results = v["results"].as_array().expect("results");
    let rows: Vec<(String, String, String)> = results
        .iter()
        .map(|r| {
            (
                r["variants"].to_string(),
                r["reading"].as_str().unwrap_or("?").to_string(),
                r["result"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                r#"["monthly"]"#.into(),
                "customer-safe".into(),
                "violated".into()
            ),
            (
                r#"["monthly"]"#.into(),
                "earliest".into(),
                "violated".into()
            ),
            (
                r#"["yearly"]"#.into(),
                "customer-safe".into(),
                "proved".into()
            ),
            (r#"["yearly"]"#.into(), "earliest".into(), "proved".into()),
        ],
        "{v:#}"
    );
    // the counterexample names the kind of account, so `clausec test` runs it
    let scenario = results[0]["scenario"].as_str().unwrap_or_default();
    assert!(
        scenario.contains("for kinds postpaid monthly {"),
        "{scenario}"
    );
}

/// The arrears balance of issue #12, searched: a partial payment does not
/// settle, an arrears the credit covers does not enter arrears, and a
/// conjunctive cure needs all its parts. Each counterexample carries the
/// amounts that make it real, and `clausec test` fails on it.
#[test]
fn account_state_automata_are_searched_with_the_balance_abstracted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("arrears_balance.clause");
    let old =
        std::fs::read_to_string(root().join("tests/lang/arrears_balance/arrears_balance.clause"))
            .expect("read");
    let props = "  verify {
    no purge data before 8d from arrears unless settled
    after settled no purge data until arrears
    after payment no purge data until arrears
  }

";
    let at = old.find("  scenario ").expect("a scenario");
    std::fs::write(&file, format!("{}{props}{}", &old[..at], &old[at..])).expect("write");
    let (code, v) = verify_json(&file);
    assert_eq!(code, Some(1), "{v:#}");
    let results = v["results"].as_array().expect("results");
    let result = |p: &str| -> Vec<&str> {
        results
            .iter()
            .filter(|r| r["property"] == p)
            .map(|r| r["result"].as_str().unwrap_or_default())
            .collect()
    };
    // both readings
    assert_eq!(
        result("no purge data before 8d from arrears unless settled"),
        ["proved", "proved"],
        "{v:#}"
    );
    assert_eq!(
        result("after settled no purge data until arrears"),
        ["proved", "proved"],
        "{v:#}"
    );
    assert_eq!(
        result("after payment no purge data until arrears"),
        ["violated", "violated"],
        "{v:#}"
    );
    let found = violated(&v);
    // a payment too small to settle
    for (_, _, scenario) in &found {
        assert!(scenario.contains(" arrears 100.00 CNY\n"), "{scenario}");
        assert!(scenario.contains(" payment 1.00 CNY\n"), "{scenario}");
    }
    let old = std::fs::read_to_string(&file).expect("read");
    for (property, reading, scenario) in &found {
        let indented: String = scenario.lines().map(|l| format!("  {l}\n")).collect();
        let at = old.find("  scenario ").expect("a scenario");
        std::fs::write(&file, format!("{}{indented}{}", &old[..at], &old[at..])).expect("write");
        let out = clausec(&[
            "test",
            "--filter",
            &format!("verify: {property}"),
            &file.display().to_string(),
        ]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{reading}: {stdout}");
        assert!(stdout.contains("actual:   `purge data"), "{stdout}");
    }
}

/// Writes `text` as a product file beside the log-service one in a copy
/// of the 2024 agreement; its `verify` report.
fn verify_product(
    name: &str,
    text: &str,
) -> (tempfile::TempDir, PathBuf, Option<i32>, serde_json::Value) {
    let (dir, file) = copy_2024(|old| old);
    let path = file.with_file_name(format!("{name}.clause"));
    std::fs::write(&path, text).expect("write");
    let (code, v) = verify_json(&path);
    (dir, path, code, v)
}

fn results_of(v: &serde_json::Value, property: &str) -> Vec<String> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["property"] == property)
        .map(|r| r["result"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `even if cured` (graphics workstation §13.2): the cure keeps the
/// release the stop started, so the minimum times hold and "after settled
/// no purge" does not; the counterexample pays after the stop, and
/// `clausec test` fails on it.
#[test]
fn even_if_cured_steps_are_searched_through_the_chain_the_cure_keeps() {
    let (_dir, file, code, v) = verify_product(
        "kept",
        "product kept \"日志服务\" §2 {
  billing postpaid
  resources data
  on arrears {
    stopped: after 1h stop service
    after 7d from stopped purge data even if cured
    until settled
  }
  verify {
    no purge data before 169h from arrears
    every purge preceded by stop
    after settled no purge data until arrears
  }

  // ---- scenarios ----
}
",
    );
    assert_eq!(code, Some(1), "{v:#}");
    for p in [
        "no purge data before 169h from arrears",
        "every purge preceded by stop",
    ] {
        assert_eq!(results_of(&v, p), ["proved", "proved"], "{p}: {v:#}");
    }
    let after = "after settled no purge data until arrears";
    assert_eq!(results_of(&v, after), ["violated", "violated"], "{v:#}");
    let found = violated(&v);
    assert!(
        found.iter().all(|(_, _, s)| s.contains(" payment ")),
        "{found:?}"
    );
    counterexamples_fail_their_test(&file, &found, "purge data");
}

/// A step counted from another rule's event (MaxCompute §17.1.4): `from
/// arrears` counts from the start of the arrears episode. Under
/// `customer-safe` the purge waits for the later of its two readings (15
/// days from the suspension), so it keeps 15 days from both events but not
/// 16 from the deferral's end. Under `earliest` it takes 15 days from the
/// arrears, which may have passed when the deferral ends: the evaluator
/// reports the purge at that earlier instant, which the search does not
/// place, so those properties are not verified (never proved).
#[test]
fn a_step_counted_from_another_rules_event_is_searched_from_that_event() {
    let (_dir, file, code, v) = verify_product(
        "anchored",
        "product anchored \"日志服务\" §2 {
  billing postpaid
  resources data
  on arrears at once notify
  on deferral_end if in arrears {
    suspended: at once suspend service
    after 15d from suspended or after 15d from arrears purge data
    until settled
  }
  verify {
    no purge data before 15d from arrears unless settled
    no purge data before 15d from deferral_end unless settled
    no purge data before 16d from deferral_end unless settled
  }

  // ---- scenarios ----
}
",
    );
    assert_eq!(code, Some(1), "{v:#}");
    let result = |p: &str, reading: &str| -> (String, String) {
        let rows: Vec<&serde_json::Value> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["property"] == p && r["reading"] == reading)
            .collect();
        assert_eq!(rows.len(), 1, "{p} {reading}: {v:#}");
        (
            rows[0]["result"].as_str().unwrap_or_default().to_string(),
            rows[0]["reason"].as_str().unwrap_or_default().to_string(),
        )
    };
    for p in [
        "no purge data before 15d from arrears unless settled",
        "no purge data before 15d from deferral_end unless settled",
    ] {
        assert_eq!(result(p, "customer-safe").0, "proved", "{p}: {v:#}");
    }
    // earliest: reading B counts from the arrears, and after a deferral
    // longer than 15 days the purge is due at the deferral's end (never
    // before its rule's trigger): 15 days from the arrears hold, 15 days
    // from the deferral's end do not
    let from_arrears = "no purge data before 15d from arrears unless settled";
    assert_eq!(result(from_arrears, "earliest").0, "proved", "{v:#}");
    let from_end = "no purge data before 15d from deferral_end unless settled";
    assert_eq!(result(from_end, "earliest").0, "violated", "{v:#}");
    let late = "no purge data before 16d from deferral_end unless settled";
    assert_eq!(result(late, "customer-safe").0, "violated", "{v:#}");
    let found = violated(&v);
    assert!(found.iter().any(|(_, r, _)| r == "earliest"), "{v:#}");
    counterexamples_fail_their_test(&file, &found, "purge data");
}

/// The three small shipped agreements verify whole: every property proved,
/// no built-in finding, exit 0 (the CI runs the release binary over the
/// larger ones; `.ci/run`).
#[test]
fn the_small_shipped_agreements_verify_whole() {
    let out = clausec(&[
        "verify",
        "--format",
        "json",
        "clauses/maxcompute-2018",
        "clauses/tracing-2019",
        "clauses/support-plan-2020",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let results = v["results"].as_array().expect("results");
    assert!(results.len() >= 16, "{v:#}");
    assert!(results.iter().all(|r| r["result"] == "proved"), "{v:#}");
    for agreement in ["maxcompute_2018", "tracing_2019", "support_plan_2020"] {
        assert!(
            results.iter().any(|r| r["agreement"] == agreement),
            "{agreement}: {v:#}"
        );
    }
    assert_eq!(v["proved"], results.len(), "{v:#}");
    assert_eq!(v["violated"], 0, "{v:#}");
    assert_eq!(v["not_verified"], 0, "{v:#}");
    assert_eq!(v["findings"], 0, "{v:#}");
}
