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
