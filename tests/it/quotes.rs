//! Quote verification and the agreement-text index it stands on.
//!
//! The fixtures of `tests/ui/with_text/` are checked against the small fake
//! agreement `tests/ui/with_text/quotes_agreement.txt` (hard-wrapped, with
//! `**` and escaped brackets, general terms and a product reusing the same
//! article numbers), each as `clausec check FILE` does: with the rest of
//! its directory (the header) as context. E0029's fixture, whose header
//! names a text that does not exist, is alone in `tests/ui/unreadable_source/`.
//! Each snapshot holds the clause file and the rendered diagnostics of that
//! file. The index is also checked on the shipped texts.

use clausec::check::quotes::verify_quotes;
use clausec::sourcetext::{normalise, Region, Scope, SourceText};
use proptest::prelude::*;
use std::path::PathBuf;

fn verify_fixture(name: &str) -> String {
    let path = PathBuf::from("tests/ui").join(name);
    let shown = path.display().to_string();
    let (map, load_diags) =
        clausec::load::load_all(std::slice::from_ref(&path)).expect("fixture exists");
    assert!(load_diags.is_empty(), "{name} failed to load");
    let (files, parse_diags) = clausec::frontend::parse_all(&map);
    assert!(
        parse_diags.is_empty(),
        "{}",
        clausec::render::to_string(&map, &parse_diags)
    );
    let diags: Vec<_> = verify_quotes(&map, &files)
        .into_iter()
        .filter(|d| {
            d.primary
                .as_ref()
                .is_some_and(|p| map.name(p.span.file) == shown)
        })
        .collect();
    let source = std::fs::read_to_string(&path).expect("fixture readable");
    format!(
        "{source}\n--- diagnostics\n{}",
        clausec::render::to_string(&map, &diags)
    )
}

#[test]
fn e0028_quote_not_found() {
    insta::assert_snapshot!(
        "E0028_quote_not_found",
        verify_fixture("with_text/E0028_quote_not_found.clause")
    );
}

#[test]
fn w0006_quote_outside_cited_section() {
    insta::assert_snapshot!(
        "W0006_quote_outside_cited_section",
        verify_fixture("with_text/W0006_quote_outside_cited_section.clause")
    );
}

#[test]
fn e0029_source_unreadable() {
    insta::assert_snapshot!(
        "E0029_source_unreadable",
        verify_fixture("unreadable_source/E0029_source_unreadable.clause")
    );
}

/// A fixture through the whole front end, as `clausec check FILE` runs it:
/// the file's own diagnostics, its folder being its agreement.
fn check_fixture(name: &str) -> String {
    let path = PathBuf::from("tests/ui").join(name);
    let (map, load_diags) =
        clausec::load::load_all(std::slice::from_ref(&path)).expect("fixture exists");
    let checked = clausec::frontend::front_end(&map, load_diags);
    let (own, _) = clausec::frontend::split_context(&map, checked.diagnostics);
    let source = std::fs::read_to_string(&path).expect("fixture readable");
    format!(
        "{source}\n--- diagnostics\n{}",
        clausec::render::to_string(&map, &own)
    )
}

#[test]
fn e0037_cited_article_not_in_text() {
    insta::assert_snapshot!(
        "E0037_cited_article_not_in_text",
        check_fixture("with_text/E0037_cited_article_not_in_text.clause")
    );
}

#[test]
fn e0038_citation_outside_block() {
    insta::assert_snapshot!(
        "E0038_citation_outside_block",
        check_fixture("with_text/E0038_citation_outside_block.clause")
    );
}

#[test]
fn e0039_product_section_of_another_product() {
    insta::assert_snapshot!(
        "E0039_product_section_of_another_product",
        check_fixture("with_text/E0039_product_section_of_another_product.clause")
    );
}

#[test]
fn normalising_drops_emphasis_escapes_and_every_line_break() {
    assert_eq!(
        normalise("**1.2、自阿里云暂停\n\n  服务\\[含控制台\\]之时起**"),
        "1.2、自阿里云暂停服务[含控制台]之时起"
    );
}

fn shipped(name: &str) -> SourceText {
    let text = std::fs::read_to_string(PathBuf::from("clauses/sources").join(name))
        .expect("shipped agreement text");
    SourceText::new(&text)
}

fn lines(t: &SourceText, scope: Scope, number: &str) -> (Vec<usize>, bool) {
    let (found, inside) = t.resolve(scope, number);
    (found.iter().map(|&i| t.articles[i].line).collect(), inside)
}

#[test]
fn citations_resolve_in_their_block_in_the_2018_text() {
    let t = shipped("000_d4ac519055edd981.txt");
    // `**16.1.3如果…` in the MaxCompute section, not some other 16.x.
    assert_eq!(lines(&t, Scope::Product("16"), "16.1.3"), (vec![375], true));
    // 1.1 is both a general article (none in 2018: 1. has no sub-articles)
    // and 日志服务 1.1; §3.2.1 is written `3.2. 1` in the text.
    assert_eq!(lines(&t, Scope::Product("1"), "1.1"), (vec![223], true));
    assert_eq!(lines(&t, Scope::General, "3.2.1"), (vec![29], true));
    // §12 is printed twice: the second copy is a duplicate of the first.
    let (twelve, _) = t.resolve(Scope::Product("12"), "12.2");
    assert_eq!(twelve.len(), 2);
    assert_eq!(t.original(twelve[1]), twelve[0]);
    // A cross-reference from a product to the general terms falls back.
    assert_eq!(lines(&t, Scope::Product("16"), "3.4"), (vec![35], false));
}

#[test]
fn citations_resolve_in_their_block_in_the_hard_wrapped_2024_text() {
    let t = shipped("001_d4f4375b80599d2d.txt");
    let (general, inside) = t.resolve(Scope::General, "2.1");
    assert!(inside);
    assert_eq!(t.articles[general[0]].region, Region::General);
    let (log, inside) = t.resolve(Scope::Product("2"), "2.1");
    assert!(inside);
    assert_eq!(t.articles[log[0]].region, Region::Product("2".into()));
    // the sentence is wrapped across two lines in the text
    let words = normalise("阿里云将暂停提供服务、冻结您账户下日志服务的操作");
    let at = t.norm.find(&words).expect("wrapped sentence found");
    assert!(t.articles[log[0]].whole.contains(&at));
    assert_eq!(
        (1..=75)
            .filter(|n| !t
                .resolve(Scope::Product(&n.to_string()), &n.to_string())
                .0
                .is_empty())
            .count(),
        75,
        "every product section 1–75 is found"
    );
}

#[test]
fn the_tracing_text_has_a_product_part_an_annex_and_a_second_copy() {
    let t = shipped("004_afc0b04595669375.txt");
    let (found, inside) = t.resolve(Scope::Product("1"), "1.2.1");
    assert!(inside);
    assert_eq!(t.articles[found[0]].region, Region::ProductPart);
    // the general terms are printed twice; the second copy repeats the first
    let (general, _) = t.resolve(Scope::General, "3.4");
    let copies: Vec<usize> = (0..t.articles.len())
        .filter(|&i| t.articles[i].number == "3.4")
        .collect();
    assert_eq!(copies.len(), 2);
    assert_eq!(t.original(copies[1]), general[0]);
    assert!(t.articles.iter().any(|a| a.region == Region::Annex));
}

proptest! {
    /// Wherever the text is wrapped or emphasised, a quote of its words is found.
    #[test]
    fn a_quote_is_found_however_the_text_is_wrapped(
        words in "[阿里云暂停服务欠费日小时数据]{4,30}",
        breaks in proptest::collection::vec((0usize..40, prop_oneof![Just("\n\n"), Just("\n  "), Just(" "), Just("**")]), 0..6),
    ) {
        let mut raw: Vec<String> = words.chars().map(String::from).collect();
        for (at, brk) in &breaks {
            let i = at % raw.len();
            raw[i] = format!("{}{}", brk, raw[i]);
        }
        let text = SourceText::new(&format!("1. 条款\n\n1.1. 前文{}后文\n", raw.concat()));
        let q = normalise(&words);
        let at = text.norm.find(&q);
        prop_assert!(at.is_some());
        let (found, _) = text.resolve(Scope::General, "1.1");
        prop_assert!(text.articles[found[0]].whole.contains(&at.unwrap_or(0)));
    }
}
