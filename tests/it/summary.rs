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
