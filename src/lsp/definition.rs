//! Go to definition: labels and anchors, declared events, capabilities and
//! resources, products, and the general rules a product rule replaces.

use super::analysis::Snapshot;
use super::locate::{self, Context, Node};
use crate::ast::{self, BlockKind, BodyItem, FileId, Span};
use lsp_types::{GotoDefinitionResponse, Location, Position};

pub fn definition(snap: &Snapshot, file: FileId, pos: Position) -> Option<GotoDefinitionResponse> {
    let text = snap.text_of(file);
    let offset = snap.lines(file)?.offset(text, pos);
    let (node, ctx) = locate::at(snap.ast(file)?, offset)?;
    let spans: Vec<Span> = match node {
        Node::Anchor(name) => anchor(snap, &ctx, name),
        Node::Event(name) => declared(snap, &ctx, name, Declares::Events),
        Node::Target(name) => {
            let mut s = declared(snap, &ctx, name, Declares::Capabilities);
            s.extend(declared(snap, &ctx, name, Declares::Resources));
            s
        }
        Node::Trigger(name) => {
            let mut s = replaced_general_rules(snap, &ctx);
            if s.is_empty() {
                s = declared(snap, &ctx, name, Declares::Events);
            }
            s
        }
        Node::Product(name) => products(snap, &name.name),
        Node::Label(l) => vec![l.span],
        _ => Vec::new(),
    };
    let locations: Vec<Location> = spans.into_iter().filter_map(|s| snap.location(s)).collect();
    match locations.len() {
        0 => None,
        1 => locations
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

/// `from X`: the label `X:` of the rule, or its trigger, or the event's
/// declaration.
fn anchor(snap: &Snapshot, ctx: &Context, name: &ast::Ident) -> Vec<Span> {
    let Some(rule) = ctx.rule else {
        return Vec::new();
    };
    if let Some(l) = rule
        .steps
        .iter()
        .filter_map(|s| s.label.as_ref())
        .find(|l| l.name == name.name)
    {
        return vec![l.span];
    }
    if rule.trigger.name == name.name {
        return vec![rule.trigger.span];
    }
    declared(snap, ctx, name, Declares::Events)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Declares {
    Events,
    Capabilities,
    Resources,
}

/// Where a name is declared: in the block's own declarations, else in the
/// general terms'. Built-in names (`arrears`, `service`) have no place.
fn declared(snap: &Snapshot, ctx: &Context, name: &ast::Ident, what: Declares) -> Vec<Span> {
    let find = |block: &ast::Block| -> Option<Span> {
        block.items.iter().find_map(|i| {
            let names = match (i, what) {
                (BodyItem::Events(n, _), Declares::Events)
                | (BodyItem::Capabilities(n, _), Declares::Capabilities)
                | (BodyItem::Resources(n, _), Declares::Resources) => n,
                _ => return None,
            };
            names.iter().find(|n| n.name == name.name).map(|n| n.span)
        })
    };
    // In a scenario, names belong to the product it runs on.
    let own = scenario_product(snap, ctx, name.span).unwrap_or(ctx.block);
    if let Some(s) = find(own) {
        return vec![s];
    }
    snap.blocks()
        .filter(|b| matches!(b.kind, BlockKind::General))
        .filter_map(find)
        .collect()
}

/// The product block a scenario around `at` names.
fn scenario_product<'a>(snap: &'a Snapshot, ctx: &Context, at: Span) -> Option<&'a ast::Block> {
    let scenario = ctx.block.items.iter().find_map(|i| match i {
        BodyItem::Scenario(s) if s.span.start <= at.start && at.end <= s.span.end => Some(s),
        _ => None,
    })?;
    snap.blocks().find(
        |b| matches!(&b.kind, BlockKind::Product { id, .. } if id.name == scenario.product.name),
    )
}

fn products(snap: &Snapshot, name: &str) -> Vec<Span> {
    snap.blocks()
        .filter_map(|b| match &b.kind {
            BlockKind::Product { id, .. } if id.name == name => Some(id.span),
            _ => None,
        })
        .collect()
}

/// The general rules a product rule takes precedence over, for the
/// accounts both apply to: those it `replaces §X` and those that `yields`
/// (the model decides which: [`crate::model::RuleM::replaces`]).
fn replaced_general_rules(snap: &Snapshot, ctx: &Context) -> Vec<Span> {
    let (Some(rule), BlockKind::Product { id, .. }) = (ctx.rule, &ctx.block.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in &snap.checked.agreements {
        let (Some(general), Some(product)) = (&a.general, a.product(&id.name)) else {
            continue;
        };
        let Some(own) = product.rules.iter().find(|r| r.origin.span == rule.span) else {
            continue;
        };
        for g in &general.rules {
            let shared = own.billing.iter().any(|b| g.billing.contains(b));
            if shared && own.replaces(g) && !out.contains(&g.origin.span) {
                out.push(g.origin.span);
            }
        }
    }
    out
}
