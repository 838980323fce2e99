//! `clausec summary`: timelines from the checked model, and the generated
//! `docs/agreements.md` kept in step with `clauses/`.

use clausec::summary::{markdown, text};
use std::path::PathBuf;

fn checked(path: &str) -> Vec<clausec::model::Agreement> {
    let (map, load_diags) =
        clausec::load::load_all(&[PathBuf::from(path)]).expect("directory exists");
    let checked = clausec::frontend::front_end(&map, load_diags);
    let errors = checked.errors();
    assert!(
        errors.is_empty(),
        "{}",
        clausec::render::to_string(&map, &errors)
    );
    checked.agreements
}

#[test]
fn summary_of_the_fixture() {
    let agreements = checked("tests/fixtures/summary");
    insta::assert_snapshot!("summary_fixture_text", text(&agreements));
    insta::assert_snapshot!("summary_fixture_markdown", markdown(&agreements));
}

#[test]
fn docs_agreements_md_is_generated_from_the_clauses() {
    let generated = markdown(&checked("clauses"));
    let committed = std::fs::read_to_string("docs/agreements.md").unwrap_or_default();
    assert!(
        committed == generated,
        "docs/agreements.md is stale: run .ci/gen-docs and commit the result"
    );
}

/// A cure that needs the arrears settled says so in words and in JSON;
/// both once left it out (only single-event cures were read).
#[test]
fn settled_and_conjunctive_cures_are_written_out() {
    let agreements = checked("clauses/aliyun-2024");
    let md = markdown(&agreements);
    assert!(!md.contains("cancelled by ."), "an empty cure sentence");
    assert!(
        md.contains("Pending steps are cancelled by `renewal` and settling the arrears."),
        "CDDC §40.4.1's `until renewal and settled`"
    );
    let json = serde_json::to_value(clausec::summary::json(&agreements)).unwrap_or_default();
    let cures: Vec<String> = json[0]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"] == "cddc")
        .flat_map(|p| p["rules"].as_array().cloned().unwrap_or_default())
        .flat_map(|r| r["until"].as_array().cloned().unwrap_or_default())
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    assert_eq!(cures, ["renewal and settled"]);
}

/// A step the cure does not cancel and a step's guard are written out in
/// every form: the sentence about the cure once named every pending step as
/// cancelled (graphics workstation §13.2's release after the stop) and the
/// DNS deletion read as unconditional (its `if instance released` dropped).
#[test]
fn kept_steps_and_guards_are_written_out() {
    let agreements = checked("clauses/aliyun-2024");
    let md = markdown(&agreements);
    assert!(
        md.contains(
            "2. on calendar day 14 after `expiry`: purge data if instance released even if cured (§29.3)\n\n\
             Pending steps are cancelled by `renewal`, except step 2, which is kept once what it counts from has happened."
        ),
        "DNS §29.3"
    );
    assert!(
        md.contains(
            "release instance and purge data even if cured (§13.2)\n\n\
             Pending steps are cancelled by settling the arrears, except step 2, which is kept once what it counts from has happened."
        ),
        "graphics workstation §13.2"
    );
    assert!(md.contains("**On `deferral_end`** (postpaid), if in arrears:"));
    let line = text(&agreements);
    assert!(
        line.contains(
            "on calendar day 14 from expiry purge data if instance released even if cured (§29.3)"
        ),
        "{line}"
    );
    let json = serde_json::to_value(clausec::summary::json(&agreements)).unwrap_or_default();
    let steps: Vec<(String, bool)> = json[0]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"] == "dns")
        .flat_map(|p| p["rules"].as_array().cloned().unwrap_or_default())
        .flat_map(|r| r["steps"].as_array().cloned().unwrap_or_default())
        .map(|s| {
            (
                s["guard"].as_str().unwrap_or("?").to_string(),
                s["even_if_cured"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (String::new(), false),
            ("instance released".to_string(), true)
        ]
    );
}
