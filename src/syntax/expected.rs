//! What the grammar accepts at the end of a text: the language server asks
//! it for completion, so keyword completion follows the grammar as it
//! grows (there is no second list of what may follow what).
//!
//! pest records, at the furthest place a parse reached, every literal it
//! tried and the rules it was inside ([`pest::set_error_detail`]); this
//! module turns that into clausec's own terms. The detail switch is global
//! to pest, so it is on only for the duration of one call.

use super::{ClauseParser, Rule};
use pest::Parser as _;

/// What may come next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// Keywords the grammar accepts next (`after`, `from`, `customer`), in
    /// alphabetical order.
    pub words: Vec<String>,
    /// A name (identifier) may come next.
    pub name: bool,
    /// An action may come next (a step's verb).
    pub verb: bool,
    /// A number may come next.
    pub number: bool,
    /// A section reference (`§`, or its digits after `§`).
    pub section: bool,
}

/// What the grammar accepts right after `text`, or `None` when `text`
/// already goes wrong before its end (or is complete: nothing can follow).
pub fn at(text: &str) -> Option<Expected> {
    pest::set_error_detail(true);
    let result = ClauseParser::parse(Rule::file, text);
    pest::set_error_detail(false);
    let attempts = result.err()?.parse_attempts()?;
    // The parse must have reached the end of the text (trailing blanks and
    // comments aside, which the grammar skips).
    if attempts.max_position < text.trim_end().len() {
        return None;
    }
    let mut out = Expected::default();
    // pest does not export its token type: read tokens by their display
    // (a literal as written, a range as `0..9`, a built-in class such as
    // LETTER as `BUILTIN_RULE`).
    for token in attempts.expected_tokens() {
        let token = token.to_string();
        match token.as_str() {
            "_" => out.name = true,
            "0..9" => out.number = true,
            "§" => out.section = true,
            "BUILTIN_RULE" => {}
            t if t.chars().all(|c| c.is_alphabetic() || c == '_') => out.words.push(token),
            _ => {}
        }
    }
    for stack in attempts.call_stacks() {
        match stack.deepest.get_rule() {
            Some(Rule::verb) => out.verb = true,
            Some(Rule::section) => out.section = true,
            _ => {}
        }
    }
    if out.section {
        out.number = false;
    }
    Some(out)
}

/// Every word the grammar spells out (`after`, `calendar`, `fees_paid`),
/// read from `grammar/clause.pest` itself, sorted: what an editor's
/// highlighting must know as keywords.
pub fn grammar_words() -> Vec<&'static str> {
    let grammar = include_str!("../../grammar/clause.pest");
    let mut words: Vec<&'static str> = grammar
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(|l| l.split('"').skip(1).step_by(2))
        .filter(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "product p \"x\" §1 {\n  capabilities a\n  on arrears {\n    l: after 24h ";

    #[test]
    fn after_a_timing_come_modalities_anchors_and_actions() {
        let e = at(RULE).unwrap_or_default();
        assert!(e.verb, "{e:?}");
        for w in ["customer", "from", "may", "or", "will"] {
            assert!(e.words.iter().any(|x| x == w), "{w} missing from {e:?}");
        }
    }

    #[test]
    fn after_an_action_come_targets_citations_and_the_next_step() {
        let e = at(&format!("{RULE}suspend ")).unwrap_or_default();
        assert!(e.name && !e.verb && e.section, "{e:?}");
        for w in ["and", "quote", "note", "until", "after"] {
            assert!(e.words.iter().any(|x| x == w), "{w} missing from {e:?}");
        }
        let s = at(&format!("{RULE}suspend a §")).unwrap_or_default();
        assert!(s.section && !s.number && s.words.is_empty(), "{s:?}");
    }

    #[test]
    fn a_block_body_expects_its_items() {
        let e = at("product p \"x\" §1 {\n  ").unwrap_or_default();
        for w in [
            "billing",
            "capabilities",
            "on",
            "scenario",
            "late_fee",
            "ignore",
        ] {
            assert!(e.words.iter().any(|x| x == w), "{w} missing from {e:?}");
        }
    }

    #[test]
    fn grammar_words_are_the_literals_of_the_grammar() {
        let words = grammar_words();
        for w in [
            "agreement",
            "after",
            "calendar",
            "customer",
            "fees_paid",
            "until",
            "then",
        ] {
            assert!(words.contains(&w), "{w} missing from {words:?}");
        }
        // each is reserved or contextual, never an action name
        assert!(
            !words.contains(&"suspend"),
            "actions are names, not grammar words"
        );
    }

    #[test]
    fn a_text_that_goes_wrong_before_its_end_expects_nothing() {
        assert_eq!(at("product p \"x\" §1 { on arrears { after after "), None);
    }
}
