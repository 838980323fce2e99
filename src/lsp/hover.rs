//! Hover: what the words under the cursor mean, from the agreement's text,
//! the checked model, [`crate::describe`] and the action table.

use super::analysis::Snapshot;
use super::locate::{self, Context, Node};
use crate::ast::{self, FileId, Span};
use crate::check::quotes::block_scope;
use crate::describe;
use crate::model::{Anchor, RuleM, StepM, TimingKindM};
use crate::sourcetext::normalise;
use crate::vocab::{DefaultTargets, TargetKind, Verb};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

/// Longest article shown, in lines of the text.
const MAX_LINES: usize = 30;

pub fn hover(snap: &Snapshot, file: FileId, pos: Position) -> Option<Hover> {
    let text = snap.text_of(file);
    let offset = snap.lines(file)?.offset(text, pos);
    let ast = snap.ast(file)?;
    let (node, ctx) = locate::at(ast, offset)?;
    let (value, span) = match node {
        Node::Section(s) => (section(snap, &ctx, s), s.span),
        Node::Quote(q) => (quote(snap, q), q.span),
        Node::Timing {
            timing,
            alternative,
        } => (self::timing(snap, &ctx, timing, alternative)?, timing.span),
        Node::Duration(d) => (money_duration(d)?, d.span),
        Node::Verb(v) => (verb(&ctx, v)?, v.span),
        _ => return None,
    };
    let range = snap.location(span).map(|l| l.range);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    })
}

/// The article a citation names, quoted from the agreement's text.
fn section(snap: &Snapshot, ctx: &Context, s: &ast::Section) -> String {
    let Some(text) = snap.agreement_text() else {
        return format!(
            "`§{}`: no agreement text is loaded (the header's `source` names it)",
            s.number
        );
    };
    let scope = block_scope(ctx.block);
    let (found, inside) = text.index.resolve(scope, &s.number);
    let mut seen = Vec::new();
    let mut out = String::new();
    if found.is_empty() {
        return format!(
            "`§{}`: the agreement text `{}` has no article with this number",
            s.number,
            text.path.display()
        );
    }
    if !inside {
        out.push_str(&format!(
            "`§{}` is not in this block's section (`§{}`); the text's articles with this number elsewhere:\n\n",
            s.number, ctx.block.section.number
        ));
    }
    for i in found {
        let i = text.index.original(i);
        if seen.contains(&i) {
            continue;
        }
        seen.push(i);
        let Some(article) = text.index.articles.get(i) else {
            continue;
        };
        // The article's own words run to the next heading: show those raw lines.
        let last = text.index.line_of(article.own.end).max(article.line + 1) - 1;
        let lines: Vec<&str> = text
            .raw
            .lines()
            .skip(article.line - 1)
            .take((last + 1 - article.line).min(MAX_LINES))
            .collect();
        let body = lines.join("\n");
        out.push_str(&format!(
            "**§{}** — line {} of `{}`\n\n{}\n\n",
            article.number,
            article.line,
            text.path.display(),
            blockquote(body.trim_end())
        ));
    }
    out.trim_end().to_string()
}

fn blockquote(s: &str) -> String {
    s.lines()
        .map(|l| format!("> {}", l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a quote's words are found in the text.
fn quote(snap: &Snapshot, q: &ast::Str) -> String {
    let Some(text) = snap.agreement_text() else {
        return "no agreement text is loaded, so quotes are not verified".to_string();
    };
    let words = normalise(&q.value);
    if words.is_empty() {
        return "an empty quote".to_string();
    }
    let places: Vec<String> = text
        .index
        .norm
        .match_indices(words.as_str())
        .map(|(at, _)| {
            let line = text.index.line_of(at);
            match text.index.article_at(at) {
                Some(a) => {
                    let a = &text.index.articles[text.index.original(a)];
                    format!(
                        "- in `§{}` (article at line {}), text line {line}",
                        a.number, a.line
                    )
                }
                None => format!("- text line {line}, outside any numbered article"),
            }
        })
        .fold(Vec::new(), |mut acc, s| {
            if !acc.contains(&s) {
                acc.push(s);
            }
            acc
        });
    if places.is_empty() {
        return format!(
            "not found in `{}` (see the diagnostic)",
            text.path.display()
        );
    }
    format!(
        "quote found in `{}`:\n\n{}",
        text.path.display(),
        places.join("\n")
    )
}

/// The checked step a syntax step became, with its rule.
pub fn model_step(snap: &Snapshot, step: Span) -> Option<(&RuleM, &StepM)> {
    snap.checked.agreements.iter().find_map(|a| {
        let general = a.general.iter().flat_map(|g| g.rules.iter());
        let products = a.products.iter().flat_map(|p| p.rules.iter());
        general.chain(products).find_map(|r| {
            r.steps
                .iter()
                .find(|s| s.origin.span == step)
                .map(|s| (r, s))
        })
    })
}

/// How a step's timing is counted: the timing with its anchor named, then
/// how its duration counts ([`describe::counting`]).
fn timing(snap: &Snapshot, ctx: &Context, t: &ast::Timing, alternative: bool) -> Option<String> {
    let step = ctx.step?;
    let Some((rule, s)) = model_step(snap, step.span) else {
        // The agreement has errors elsewhere: still say how the duration counts.
        let d = crate::check::duration_value(t.duration.as_ref()?)?;
        return Some(describe::counting(d));
    };
    let timing = if alternative {
        s.alternative.as_ref()?
    } else {
        &s.timing
    };
    let anchor = match timing.anchor {
        Anchor::Step(i) => match rule.steps.get(i).and_then(|s| s.label.as_deref()) {
            Some(l) => format!("step `{l}`"),
            None => format!("step {} of the rule", i + 1),
        },
        Anchor::Trigger => format!("`{}`", rule.trigger),
        Anchor::Event(k) => format!(
            "the latest `{}` that started a rule of this account",
            rule.anchor_events
                .get(usize::from(k))
                .map_or("", String::as_str)
        ),
    };
    let d = timing.duration;
    let said = describe::timing(timing.kind, d, &anchor);
    Some(match timing.kind {
        TimingKindM::At => said,
        TimingKindM::Before => format!("{said}\n\n{}", describe::counting_back(d)),
        TimingKindM::OnDay => format!(
            "{said}\n\nduring local calendar day {n} after the anchor's date: from 00:00 of \
             date(anchor) + {n} to 00:00 of the next day (the anchor's own day is not counted, \
             Civil Code Art. 201)",
            n = d.count
        ),
        TimingKindM::OnHour => format!(
            "{said}\n\nduring hour {n} after the anchor: from anchor + {m} h to anchor + {n} h \
             (第{n}小时)",
            n = d.count,
            m = d.count.saturating_sub(1)
        ),
        TimingKindM::After | TimingKindM::Within => {
            format!("{said}\n\n{}", describe::counting(d))
        }
    })
}

fn money_duration(d: &ast::DurationLit) -> Option<String> {
    Some(describe::counting(crate::check::duration_value(d)?))
}

/// An action's meaning, from the one action table, and the step's modality.
fn verb(ctx: &Context, v: &ast::Ident) -> Option<String> {
    let info = Verb::from_name(&v.name)?.info();
    let targets = match info.targets {
        TargetKind::None => "takes no targets",
        TargetKind::Capabilities => "targets capabilities",
        TargetKind::Resources => "targets resources",
    };
    let mut out = format!("**{}** — {}\n\n{targets}", info.name, info.meaning);
    if info.irreversible {
        out.push_str("; **irreversible**");
    }
    match info.default_targets {
        DefaultTargets::Nothing => {}
        DefaultTargets::Service => out.push_str(" (none written: the whole `service`)"),
        DefaultTargets::EveryCapability => out.push_str(" (none written: every capability)"),
        DefaultTargets::EveryResource => out.push_str(" (none written: every resource)"),
    }
    out.push_str(match (info.parties.provider, info.parties.customer) {
        (true, true) => "; by the provider or the customer",
        (false, true) => "; by the customer only (`customer may` / `customer must`)",
        _ => "; by the provider (`will` / `may`)",
    });
    if let Some(step) = ctx.step {
        let m = step.modality;
        out.push_str(&format!(
            "\n\nmodality `{}`: {}",
            m.keyword(),
            describe::modality(m)
        ));
    }
    Some(out)
}
