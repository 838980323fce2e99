//! Quote verification: every `quote` must be words of the agreement.
//!
//! Why: a step is only as trustworthy as the sentence it claims to encode.
//! Each quote of a step or money term is normalised like the text (see
//! [`crate::sourcetext`]: no `**`, no backslash escapes, no whitespace, so
//! hard-wrapped lines and emphasis do not matter) and looked up in the
//! agreement's text:
//!
//! * not found anywhere → E0028, with the longest passage of the text that
//!   matches the start or the end of the quote as help;
//! * found, but the cited `§` can be located and the quote is in none of the
//!   articles it can mean → W0006. A citation is resolved in the block it is
//!   written in (a product block: that product's section; the general block:
//!   the general part), falling back to the whole text for a
//!   cross-reference; an article includes its sub-articles;
//! * the header's `source` cannot be read → E0029 (once per agreement).
//!
//! A text the loader never loaded (clause files held in memory) is not
//! checked: there is nothing to check against.

use crate::ast::{self, BlockKind, BodyItem, HeaderField, Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{AgreementText, SourceMap};
use crate::sourcetext::{normalise, Scope, SourceText};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Checks the quotes of `files` against their agreements' texts.
///
/// Files with the same parent directory form one agreement (files held in
/// memory form one group); the group's `agreement` header names the text
/// (`source`, resolved with [`SourceMap::resolve_source_path`] and read from
/// [`SourceMap::agreement_text`]). A group without a header or `source` is
/// skipped (the checker reports the missing header). Diagnostics come in
/// file order, then source order.
pub fn verify_quotes(map: &SourceMap, files: &[ast::File]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for group in group_by_directory(map, files) {
        // Every header's `source` is read (a group with two headers is an
        // E0027 error, but an unreadable text is still worth its own
        // report); quotes are verified against the first text that loads.
        let mut loaded = None;
        for (header_file, source) in group.iter().filter_map(|f| source_field(f)) {
            let path = map.resolve_source_path(header_file, &source.value);
            match map.agreement_text(&path) {
                None => {}
                Some(AgreementText::Unreadable(reason)) => diags.push(
                    Diagnostic::new(
                        Code::E0029,
                        format!("cannot read the agreement text `{}`: {reason}", path.display()),
                    )
                    .at(source.span, "named here")
                    .help("`source` is a path relative to this clause file; quotes cannot be verified without the text"),
                ),
                Some(AgreementText::Loaded(t)) if loaded.is_none() => {
                    loaded = Some((path, SourceText::new(t)));
                }
                Some(AgreementText::Loaded(_)) => {}
            }
        }
        let Some((path, text)) = loaded else {
            continue;
        };
        let shown = path.display().to_string();
        for file in &group {
            for item in &file.items {
                if let Item::Block(block) = item {
                    check_block(&text, &shown, block, &mut diags);
                }
            }
        }
    }
    diags
}

/// Files grouped by the directory they were loaded from, in file order.
pub fn group_by_directory<'a>(map: &SourceMap, files: &'a [ast::File]) -> Vec<Vec<&'a ast::File>> {
    let mut groups: BTreeMap<Option<PathBuf>, Vec<&ast::File>> = BTreeMap::new();
    for f in files {
        let dir = map
            .get(f.id)
            .and_then(|s| s.path.as_ref())
            .and_then(|p| p.parent())
            .map(|p| p.to_path_buf());
        groups.entry(dir).or_default().push(f);
    }
    groups.into_values().collect()
}

/// The `source` field of a file's agreement header, if it has one.
pub fn source_field(file: &ast::File) -> Option<(ast::FileId, &ast::Str)> {
    file.items.iter().find_map(|item| match item {
        Item::Agreement(h) => h.fields.iter().find_map(|f| match f {
            HeaderField::Source(s) => Some((file.id, s)),
            _ => None,
        }),
        Item::Block(_) => None,
    })
}

/// The scope citations of a block are resolved in.
pub fn block_scope(block: &ast::Block) -> Scope<'_> {
    match &block.kind {
        BlockKind::General => Scope::General,
        BlockKind::Product { .. } => Scope::Product(&block.section.number),
    }
}

fn check_block(text: &SourceText, shown: &str, block: &ast::Block, diags: &mut Vec<Diagnostic>) {
    let scope = block_scope(block);
    for item in &block.items {
        match item {
            BodyItem::Rule(rule) => {
                for step in &rule.steps {
                    if let Some(q) = &step.quote {
                        check_quote(text, shown, scope, q, step.cite.as_ref(), diags);
                    }
                }
                if let Some(cure) = &rule.cure {
                    if let Some(q) = &cure.quote {
                        check_quote(text, shown, scope, q, cure.cite.as_ref(), diags);
                    }
                }
            }
            BodyItem::Restriction(r) => {
                if let Some(q) = &r.quote {
                    check_quote(text, shown, scope, q, r.cite.as_ref(), diags);
                }
            }
            BodyItem::Money(m) => {
                if let Some(q) = &m.quote {
                    check_quote(text, shown, scope, q, m.cite.as_ref(), diags);
                }
            }
            _ => {}
        }
    }
}

fn check_quote(
    text: &SourceText,
    shown: &str,
    scope: Scope,
    quote: &ast::Str,
    cite: Option<&ast::Section>,
    diags: &mut Vec<Diagnostic>,
) {
    let q = normalise(&quote.value);
    if q.is_empty() {
        diags.push(
            Diagnostic::new(Code::E0028, "quote is empty")
                .at(quote.span, "nothing to look for")
                .help("quote the shortest exact words of the agreement that carry the step"),
        );
        return;
    }
    let found: Vec<usize> = text
        .norm
        .match_indices(q.as_str())
        .map(|(i, _)| i)
        .collect();
    if found.is_empty() {
        diags.push(not_found(text, shown, quote.span, &q));
        return;
    }
    let Some(cite) = cite else { return };
    let (candidates, _) = text.resolve(scope, &cite.number);
    if candidates.is_empty() {
        return; // the section cannot be located: nothing more to say
    }
    let inside = candidates.iter().any(|&a| {
        let range = &text.articles[a].whole;
        found
            .iter()
            .any(|&at| at >= range.start && at + q.len() <= range.end)
    });
    if inside {
        return;
    }
    let mut d = Diagnostic::new(
        Code::W0006,
        format!("quote found outside the cited section `§{}`", cite.number),
    )
    .at(quote.span, "these words are not in the cited section")
    .also(cite.span, "cited here");
    let where_found: Vec<String> = found
        .iter()
        .filter_map(|&at| text.article_at(at))
        .map(|a| text.describe(text.original(a)))
        .fold(Vec::new(), |mut acc, s| {
            if !acc.contains(&s) {
                acc.push(s);
            }
            acc
        });
    d = if where_found.is_empty() {
        d.help(format!(
            "the words occur at line {} of the text, outside any numbered article",
            text.line_of(found[0])
        ))
    } else {
        d.help(format!(
            "the words are in {}; cite that article or quote from the cited one",
            where_found.join(", ")
        ))
    };
    diags.push(d);
}

fn not_found(text: &SourceText, shown: &str, span: Span, q: &str) -> Diagnostic {
    let d = Diagnostic::new(Code::E0028, "quote not found in the agreement text")
        .at(span, format!("not in `{shown}`"));
    match closest_passage(text, q) {
        Some((line, passage)) => d.help(format!(
            "the closest passage (line {line}) reads `{passage}`; quotes must be verbatim (whitespace, `**` and line breaks are ignored)"
        )),
        None => d.help("quotes must be verbatim words of the agreement (whitespace, `**` and line breaks are ignored)"),
    }
}

/// The longest start or end of `q` that the text contains, shown with the
/// text's words up to the quote's length: where the quote goes wrong.
fn closest_passage(text: &SourceText, q: &str) -> Option<(usize, String)> {
    let chars: Vec<(usize, char)> = q.char_indices().collect();
    let n = chars.len();
    let prefix_at = |k: usize| -> Option<usize> {
        let end = chars.get(k).map_or(q.len(), |c| c.0);
        text.norm.find(&q[..end])
    };
    let suffix_at = |k: usize| -> Option<usize> {
        let start = if k == 0 { q.len() } else { chars[n - k].0 };
        text.norm.find(&q[start..])
    };
    let longest = |found: &dyn Fn(usize) -> Option<usize>| -> usize {
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if found(mid).is_some() {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    };
    let p = longest(&prefix_at);
    let s = longest(&suffix_at);
    let min = 4.min(n);
    if p.max(s) < min {
        return None;
    }
    let want = n + 6;
    let (start, line) = if p >= s {
        let at = prefix_at(p)?;
        (at, text.line_of(at))
    } else {
        // end of the quote found: show the words before it as well
        let at = suffix_at(s)?;
        let back = text.norm[..at]
            .char_indices()
            .rev()
            .nth(n.saturating_sub(s).saturating_sub(1))
            .map_or(0, |(i, _)| i);
        (back, text.line_of(at))
    };
    let passage: String = text.norm[start..].chars().take(want.min(80)).collect();
    Some((line, passage))
}
