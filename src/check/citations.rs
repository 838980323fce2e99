//! Citations checked against the agreement's text.
//!
//! Why: a `§` is how a reviewer finds the sentence a step encodes. A
//! citation of an article that does not exist (`§34.2.3`), or of another
//! product's article (`§3.2` inside `nat_gateway`), sends the reviewer to the
//! wrong sentence, and a product whose `§` is another product's section
//! resolves every citation of the block in the wrong place. So, where the
//! text is loaded and its articles can be told apart:
//!
//! * a citation (of a step, a money term or an `ignore`) must name an
//!   article of the text (E0037);
//! * it must lie in the block's own part of the text: a product's section,
//!   or the general terms for a `general` block (E0038);
//! * a product's `§` must be a product section of the text whose title
//!   names the product (E0039), when the text names its products in
//!   brackets (`16.【大数据计算服务】`).
//!
//! Citations are resolved as quotes are (see `quotes`): inside the block's
//! region first; an article of that number elsewhere is what E0038 names.

use super::quotes::{block_scope, group_by_directory, source_field};
use crate::ast::{self, BlockKind, BodyItem, Item, Section, Span};
use crate::diagnostic::{fold_full_width, Code, Diagnostic};
use crate::source::{AgreementText, SourceMap};
use crate::sourcetext::{Region, Scope, SourceText};

/// Checks the citations of `files` against their agreements' texts (files
/// of a group without a readable text are left alone: E0029 says why).
/// Returns the diagnostics and the places (citations, blocks) whose W0006
/// would only repeat them (see [`is_follow_up`]).
pub fn verify_citations(map: &SourceMap, files: &[ast::File]) -> (Vec<Diagnostic>, Vec<Span>) {
    let mut diags = Vec::new();
    let mut quiet = Vec::new();
    for group in group_by_directory(map, files) {
        let text =
            group
                .iter()
                .filter_map(|f| source_field(f))
                .find_map(|(file, source)| {
                    match map.agreement_text(&map.resolve_source_path(file, &source.value))? {
                        AgreementText::Loaded(t) => Some(SourceText::new(t)),
                        AgreementText::Unreadable(_) => None,
                    }
                });
        let Some(text) = text else { continue };
        for file in &group {
            for item in &file.items {
                if let Item::Block(block) = item {
                    check_block(&text, block, &mut diags, &mut quiet);
                }
            }
        }
    }
    (diags, quiet)
}

/// Whether a diagnostic of the quote check (W0006: quote outside the cited
/// section) only repeats what a citation error says: its citation is
/// outside the block's part, or the block's own `§` is wrong.
pub fn is_follow_up(d: &Diagnostic, quiet: &[Span]) -> bool {
    d.code == Code::W0006
        && quiet.iter().any(|q| {
            d.secondary.iter().any(|s| s.span == *q)
                || d.primary.as_ref().is_some_and(|p| {
                    p.span.file == q.file && p.span.start >= q.start && p.span.end <= q.end
                })
        })
}

fn check_block(
    text: &SourceText,
    block: &ast::Block,
    diags: &mut Vec<Diagnostic>,
    quiet: &mut Vec<Span>,
) {
    if let BlockKind::Product { id, name } = &block.kind {
        if !product_section(text, block, &id.name, &name.value, diags) {
            quiet.push(block.span);
            return; // the block's citations cannot be placed
        }
    }
    let scope = block_scope(block);
    for item in &block.items {
        match item {
            BodyItem::Rule(r) => {
                for cite in r.steps.iter().filter_map(|s| s.cite.as_ref()) {
                    citation(text, block, scope, cite, diags, quiet);
                }
            }
            BodyItem::Money(m) => {
                if let Some(cite) = &m.cite {
                    citation(text, block, scope, cite, diags, quiet);
                }
            }
            BodyItem::Ignore(i) => citation(text, block, scope, &i.section, diags, quiet),
            _ => {}
        }
    }
}

/// How diagnostics name the part of the text a block speaks about.
fn part_name(text: &SourceText, block: &ast::Block) -> String {
    match &block.kind {
        BlockKind::General => "the general terms".to_string(),
        BlockKind::Product { .. } => {
            let top = top_of(&block.section.number);
            match text.product_heading(top).and_then(|h| text.title(h)) {
                Some(t) => format!("product section `§{top}` 【{t}】"),
                None => format!("product section `§{top}`"),
            }
        }
    }
}

fn top_of(number: &str) -> &str {
    number.split('.').next().unwrap_or(number)
}

fn citation(
    text: &SourceText,
    block: &ast::Block,
    scope: Scope,
    cite: &Section,
    diags: &mut Vec<Diagnostic>,
    quiet: &mut Vec<Span>,
) {
    let (found, inside) = text.resolve(scope, &cite.number);
    if inside {
        return;
    }
    let part = part_name(text, block);
    if found.is_empty() {
        let mut d = Diagnostic::new(
            Code::E0037,
            format!("`§{}` is not an article of the agreement text", cite.number),
        )
        .at(cite.span, "no such article");
        let near = nearby(text, scope, &cite.number);
        d = if near.is_empty() {
            d.help(format!("cite an article of {part}"))
        } else {
            d.help(format!(
                "the nearest articles of {part} are {}",
                near.join(", ")
            ))
        };
        diags.push(d);
        return;
    }
    quiet.push(cite.span);
    let wheres: Vec<String> = found.iter().map(|&i| text.describe(i)).collect();
    diags.push(
        Diagnostic::new(
            Code::E0038,
            format!("`§{}` is not in {part}", cite.number),
        )
        .at(cite.span, "another part of the text")
        .help(format!(
            "this is {}; a block cites its own part of the text (general terms go in a `general` block)",
            wheres.join(" and ")
        )),
    );
}

/// Articles of the block's part whose numbers are closest to `number`: its
/// siblings, else its parent's, else the part's top-level ones.
fn nearby(text: &SourceText, scope: Scope, number: &str) -> Vec<String> {
    let own = text.in_scope(scope);
    let mut prefix = number;
    while let Some((parent, _)) = prefix.rsplit_once('.') {
        let under: Vec<String> = own
            .iter()
            .map(|&i| &text.articles[i].number)
            .filter(|n| n.starts_with(parent) && n[parent.len()..].starts_with('.'))
            .filter(|n| n.matches('.').count() == parent.matches('.').count() + 1)
            .map(|n| format!("`§{n}`"))
            .collect();
        if !under.is_empty() {
            return under.into_iter().take(12).collect();
        }
        prefix = parent;
    }
    Vec::new()
}

/// Normalised for comparing a product's name with a section title.
fn comparable(s: &str) -> String {
    fold_full_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '【' | '】' | '[' | ']'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn names(title: &str, name: &str) -> bool {
    let (t, n) = (comparable(title), comparable(name));
    !t.is_empty() && !n.is_empty() && (t.contains(&n) || n.contains(&t))
}

/// E0037/E0039 for the product's own `§`; `false` when its citations cannot
/// be placed.
fn product_section(
    text: &SourceText,
    block: &ast::Block,
    id: &str,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if !text.names_products() {
        return true;
    }
    let top = top_of(&block.section.number);
    let titled = |want: &str| {
        (0..text.articles.len())
            .filter(|&i| {
                let a = &text.articles[i];
                a.region == Region::Product(a.number.clone())
            })
            .filter_map(|i| Some((text.articles[i].number.clone(), text.title(i)?.to_string())))
            .find(|(_, t)| names(t, want))
    };
    let Some(heading) = text.product_heading(top) else {
        let mut d = Diagnostic::new(
            Code::E0037,
            format!("`§{top}` is not a product section of the agreement text"),
        )
        .at(block.section.span, format!("no product section `§{top}`"));
        if let Some((n, t)) = titled(name) {
            d = d.help(format!("`{name}` is product section `§{n}` 【{t}】"));
        }
        diags.push(d);
        return false;
    };
    let Some(title) = text.title(heading) else {
        return true;
    };
    if names(title, name) {
        return true;
    }
    let d = Diagnostic::new(
        Code::E0039,
        format!("product section `§{top}` is 【{title}】, not `{name}`"),
    )
    .at(block.section.span, format!("the section of 【{title}】"));
    let d = match titled(name) {
        Some((n, t)) => d.suggest_at(
            block.section.span,
            &format!("§{n}"),
            false,
            format!("`{name}` is product section `§{n}` 【{t}】: write `§{n}`"),
        ),
        None => d.help(format!(
            "a product's `§` is the section whose title names it; no section of the text is titled `{name}` (product `{id}`): name the product as its section's title does"
        )),
    };
    diags.push(d);
    false
}
