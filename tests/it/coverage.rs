//! `clausec coverage` on a small fixture (tests/fixtures/coverage/): which
//! time- and money-bearing articles are cited, and what counts as one.

use clausec::coverage::{coverage, render, term_phrases};
use std::path::PathBuf;

#[test]
fn coverage_of_the_fixture_agreement() {
    let dir = PathBuf::from("tests/fixtures/coverage");
    let (map, load_diags) = clausec::load::load_all(&[dir]).expect("fixture exists");
    assert!(load_diags.is_empty());
    let (files, parse_diags) = clausec::frontend::parse_all(&map);
    assert!(
        parse_diags.is_empty(),
        "{}",
        clausec::render::to_string(&map, &parse_diags)
    );
    let (reports, diags) = coverage(&map, &files);
    assert!(diags.is_empty());
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    // general 1.1 (7天) and 1.2 (万分之五, 次日); product 1.1, 1.2 (once,
    // though printed twice) and 1.3. Not: the dates, the front matter.
    assert_eq!(report.articles.len(), 5);
    assert_eq!(report.covered(), 3);
    insta::assert_snapshot!("coverage_fixture", render(report, false));
    insta::assert_snapshot!("coverage_fixture_missing", render(report, true));
}

#[test]
fn phrases_are_durations_and_amounts_not_dates() {
    assert_eq!(
        term_phrases("版本生效日期：2024年5月15日，自欠费之日起15日（360个小时）内"),
        ["15日", "360个小时"]
    );
    assert_eq!(
        term_phrases("按日承担万分之五的违约金，自欠费次日起；5个工作日；十个自然日；3个月；3月；99.9%；100元"),
        ["万分之五", "次日", "5个工作日", "十个自然日", "3个月", "99.9%", "100元"]
    );
    assert!(term_phrases("每小时生成一个账单，按日计费").is_empty());
}
