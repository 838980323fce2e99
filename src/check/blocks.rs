//! One agreement: its general terms and products, their rules, money terms
//! and restrictions, duplicate products and rules, the checks over every
//! rule an account is subject to (`account`), then the scenarios (which may
//! name any product of the agreement, so they come last).

use super::account::{self, BlockView};
use super::header::HeaderM;
use super::names::Scope;
use super::steps::{self, RuleCtx};
use super::{filters, money, properties, restrictions, scenarios, Sink};
use crate::ast::{self, BlockKind, BodyItem, Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Agreement, IgnoreM, MoneyM, Product, RestrictionM, RuleM, Terms, Unit, VariantDim,
};
use crate::vocab::Billing;

/// A product as checked so far, with what scenarios resolve names against.
pub struct ProductScope {
    pub scope: Scope,
    pub span: Span,
    /// Longest reach of a `workdays` duration in the rules that apply to the
    /// product, in minutes (scenarios must stay inside the calendar).
    pub workday_reach: Option<i64>,
    /// Variant dimensions of the product's accounts (general, then own).
    pub dims: Vec<VariantDim>,
    /// (billing mode, dimension) pairs some applicable filter names: a
    /// scenario in that mode must give the dimension a value.
    pub filtered: Vec<(Billing, String)>,
}

pub fn check_agreement(
    sink: &mut Sink,
    group: &[&ast::File],
    header: HeaderM,
) -> Option<Agreement> {
    let blocks: Vec<&ast::Block> = group
        .iter()
        .flat_map(|f| f.items.iter())
        .filter_map(|i| match i {
            Item::Block(b) => Some(b),
            Item::Agreement(_) => None,
        })
        .collect();
    let mut ignores = Vec::new();
    for b in &blocks {
        for item in &b.items {
            if let BodyItem::Ignore(i) = item {
                ignores.push(IgnoreM {
                    section: i.section.number.clone(),
                    reason: i.reason.value.clone(),
                    origin: sink.origin(i.span),
                });
            }
        }
    }

    let (general, general_scope, general_ast) = general_terms(sink, &blocks);
    let general_events = general_scope
        .as_ref()
        .map_or(Vec::new(), |s| s.events.clone());
    let general_dims = general.as_ref().map_or(Vec::new(), |g| g.variants.clone());
    let general_reach = general.as_ref().and_then(|g| workday_reach(&g.rules));

    let mut products: Vec<Product> = Vec::new();
    let mut product_ast: Vec<BlockAst> = Vec::new();
    let mut scopes: Vec<ProductScope> = Vec::new();
    let mut first_span: Vec<(String, Span)> = Vec::new();
    for b in &blocks {
        let BlockKind::Product { id, name } = &b.kind else {
            continue;
        };
        let scope = Scope::declare(sink, Some(&id.name), &b.items);
        own_dimensions(sink, &general_dims, b);
        let dims: Vec<VariantDim> = general_dims
            .iter()
            .chain(&scope.variants)
            .cloned()
            .collect();
        let items = block_items(sink, &scope, &general_events, &dims, b, false);
        if !items.rules.is_empty() && !scope.billing_declared {
            sink.push(
                Diagnostic::new(
                    Code::E0014,
                    format!("product `{}` has rules but no billing modes", id.name),
                )
                .at(id.span, "no `billing` declaration")
                .help("declare the modes the product is sold in, e.g. `billing prepaid, postpaid`"),
            );
        }
        if let Some((_, first)) = first_span.iter().find(|(n, _)| *n == id.name) {
            sink.push(
                Diagnostic::new(Code::E0022, format!("duplicate product `{}`", id.name))
                    .at(id.span, "declared again here")
                    .also(*first, "first declared here")
                    .help("a product is declared once per agreement; merge the two blocks"),
            );
            continue;
        }
        first_span.push((id.name.clone(), id.span));
        let reach = [workday_reach(&items.rules), general_reach]
            .into_iter()
            .flatten()
            .max();
        products.push(Product {
            id: id.name.clone(),
            name: name.value.clone(),
            section: b.section.number.clone(),
            billing: scope.billing.clone(),
            capabilities: scope.capabilities.clone(),
            resources: scope.resources.clone(),
            events: scope.events.clone(),
            variants: scope.variants.clone(),
            rules: items.rules,
            money: items.money,
            restrictions: items.restrictions,
            scenarios: Vec::new(),
            properties: Vec::new(),
            span: b.span,
        });
        product_ast.push(items.ast);
        scopes.push(ProductScope {
            scope,
            span: id.span,
            workday_reach: reach,
            dims,
            filtered: Vec::new(),
        });
    }

    // checks over every rule an account is subject to
    {
        let general_view = general
            .as_ref()
            .map(|g| BlockView::of_general(g, &general_ast.rules, &general_ast.restrictions));
        let views: Vec<BlockView> = products
            .iter()
            .zip(&product_ast)
            .map(|(p, a)| BlockView::of_product(p, &a.rules, &a.restrictions))
            .collect();
        account::check(sink, general_view.as_ref(), &views);
    }
    for h in &header.zoneless {
        // the group's header covers every block; a second one its own file's
        let own = header.span == Some(*h);
        let mine: Vec<&ast::Block> = blocks
            .iter()
            .copied()
            .filter(|b| own || b.span.file == h.file)
            .collect();
        header_without_zone(sink, &mine, *h);
    }
    for (p, ps) in products.iter().zip(scopes.iter_mut()) {
        ps.filtered = filtered_dimensions(general.as_ref(), p);
    }

    let env = scenarios::Env {
        products: &products.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        scopes: &scopes,
        general_events: &general_events,
        zone: header.zone,
        calendar: header.workdays.range(),
    };
    let mut found = Vec::new();
    for b in &blocks {
        for item in &b.items {
            if let BodyItem::Scenario(s) = item {
                if let Some((i, m)) = scenarios::check_scenario(sink, &env, s) {
                    found.push((i, m));
                }
            }
        }
    }
    for (i, m) in found {
        if let Some(p) = products.get_mut(i) {
            p.scenarios.push(m);
        }
    }
    for b in &blocks {
        let index = match &b.kind {
            BlockKind::Product { id, .. } => products.iter().position(|p| p.id == id.name),
            _ => None,
        };
        for item in &b.items {
            let BodyItem::Verify(v) = item else { continue };
            if matches!(b.kind, BlockKind::General) {
                properties::general_bounds(
                    sink,
                    general.as_ref(),
                    general_scope.as_ref(),
                    &general_events,
                    &mut products,
                    v,
                );
                continue;
            }
            let Some(i) = index else {
                if !matches!(b.kind, BlockKind::Product { .. }) {
                    properties::misplaced(sink, v);
                }
                continue;
            };
            let (Some(ps), Some(p)) = (scopes.get(i), products.get_mut(i)) else {
                continue;
            };
            // billing modes only: a property is searched per billing mode
            let billing = filters::resolve(sink, &ps.scope, &[], v.billing.as_deref()).billing;
            for prop in &v.properties {
                if let Some(mut m) = properties::check(sink, &ps.scope, &general_events, prop) {
                    m.billing = billing.clone();
                    let terms: Vec<&MoneyM> = p
                        .money
                        .iter()
                        .chain(general.iter().flat_map(|g| &g.money))
                        .collect();
                    if properties::bound_without_term(sink, &m, &terms) {
                        p.properties.push(m);
                    }
                }
            }
        }
    }

    if !header.usable {
        return None;
    }
    Some(Agreement {
        id: header.id,
        title: header.title,
        version: header.version,
        effective: header.effective,
        effective_stated: header.effective_stated,
        zone: header.zone,
        calendar: header.calendar,
        workdays: header.workdays,
        source_path: header.source_path,
        general,
        products,
        ignores,
    })
}

/// The syntax of a block's rules and restrictions, parallel to the model's.
#[derive(Default)]
struct BlockAst<'a> {
    rules: Vec<&'a ast::Rule>,
    restrictions: Vec<&'a ast::Restriction>,
}

/// A block's checked rules, money terms and restrictions.
struct BlockItems<'a> {
    rules: Vec<RuleM>,
    money: Vec<MoneyM>,
    restrictions: Vec<RestrictionM>,
    ast: BlockAst<'a>,
}

/// A product's own variant dimensions must not repeat the general terms'
/// (E0035): a value names its dimension across both.
fn own_dimensions(sink: &mut Sink, general: &[VariantDim], b: &ast::Block) {
    for item in &b.items {
        let BodyItem::Variants(v) = item else {
            continue;
        };
        let names = std::iter::once(&v.dimension).chain(&v.values);
        for n in names {
            let clash = general
                .iter()
                .any(|d| d.name == n.name || d.values.contains(&n.name));
            if clash {
                sink.push(
                    Diagnostic::new(
                        Code::E0035,
                        format!("`{}` is declared by the general terms' variants", n.name),
                    )
                    .at(n.span, "declared again here")
                    .help("every product's accounts have the general terms' variants; give the product's dimension and values other names"),
                );
            }
        }
    }
}

/// For each billing mode, the variant dimensions some rule, money term or
/// restriction that applies to the product filters on (a scenario must
/// give a value for each).
fn filtered_dimensions(general: Option<&Terms>, p: &Product) -> Vec<(Billing, String)> {
    let mut out: Vec<(Billing, String)> = Vec::new();
    let filters = |t_rules: &[RuleM], money: &[MoneyM], restrictions: &[RestrictionM]| {
        t_rules
            .iter()
            .map(|r| (r.billing.clone(), r.variants.clone()))
            .chain(
                money
                    .iter()
                    .map(|m| (m.billing.clone(), m.variants.clone())),
            )
            .chain(
                restrictions
                    .iter()
                    .map(|r| (r.billing.clone(), r.variants.clone())),
            )
            .collect::<Vec<_>>()
    };
    let mut all = filters(&p.rules, &p.money, &p.restrictions);
    if let Some(g) = general {
        all.extend(filters(&g.rules, &g.money, &g.restrictions));
    }
    for (billing, variants) in all {
        for b in billing.iter().filter(|b| p.billing.contains(b)) {
            for v in &variants {
                if !out.iter().any(|(x, d)| x == b && *d == v.dimension) {
                    out.push((*b, v.dimension.clone()));
                }
            }
        }
    }
    out
}

/// A header without `zone`: E0046 when the agreement counts on local dates
/// (calendar days or months, workdays, `on calendar day`), pointing at the
/// counts; E0027 (a header field missing) otherwise.
fn header_without_zone(sink: &mut Sink, blocks: &[&ast::Block], header: Span) {
    let calendar_unit = |d: &ast::DurationLit| {
        d.unit.starts_with("calendar") || matches!(d.unit.as_str(), "workday" | "workdays")
    };
    let counts: Vec<Span> = blocks
        .iter()
        .flat_map(|b| &b.items)
        .filter_map(|i| match i {
            BodyItem::Rule(r) => Some(r),
            _ => None,
        })
        .flat_map(|r| &r.steps)
        .flat_map(|s| std::iter::once(&s.timing).chain(&s.alternative))
        .filter_map(|t| match (&t.duration, t.kind) {
            (Some(d), _) if calendar_unit(d) => Some(d.span),
            (_, ast::TimingKind::OnDay) => Some(t.span),
            _ => None,
        })
        .collect();
    let Some(first) = counts.first() else {
        sink.push(
            Diagnostic::new(Code::E0027, "agreement header without `zone`")
                .at(header, "`zone` missing")
                .help("add `zone Asia/Shanghai` (the IANA zone the agreement counts days in)"),
        );
        return;
    };
    let mut d = Diagnostic::new(
        Code::E0046,
        "the agreement counts on local dates but names no time zone",
    )
    .at(*first, "counted on local dates of which zone?")
    .also(header, "this header has no `zone`");
    for c in counts.iter().skip(1).take(2) {
        d = d.also(*c, "also counted on local dates");
    }
    sink.push(d.help("add `zone Asia/Shanghai` (the IANA zone the agreement counts days in) to the agreement header"));
}

/// The general blocks merged into one [`Terms`]: each block's rules are
/// checked against its own billing declaration and the capabilities,
/// resources, events and variants of all general blocks together.
fn general_terms<'a>(
    sink: &mut Sink,
    blocks: &[&'a ast::Block],
) -> (Option<Terms>, Option<Scope>, BlockAst<'a>) {
    let general: Vec<&ast::Block> = blocks
        .iter()
        .copied()
        .filter(|b| matches!(b.kind, BlockKind::General))
        .collect();
    let mut syntax = BlockAst::default();
    let Some(first) = general.first() else {
        return (None, None, syntax);
    };
    let scopes: Vec<Scope> = general
        .iter()
        .map(|b| Scope::declare(sink, None, &b.items))
        .collect();
    let mut merged = Scope::declare(sink, None, &[]);
    for s in &scopes {
        for c in s.capabilities.iter().skip(1) {
            if !merged.capabilities.contains(c) {
                merged.capabilities.push(c.clone());
            }
        }
        for (from, to) in [
            (&s.resources, &mut merged.resources),
            (&s.events, &mut merged.events),
        ] {
            for r in from {
                if !to.contains(r) {
                    to.push(r.clone());
                }
            }
        }
        for d in &s.variants {
            if !merged.variants.iter().any(|m| m.name == d.name) {
                merged.variants.push(d.clone());
            }
        }
        for b in &s.billing {
            if !merged.billing.contains(b) {
                merged.billing.push(*b);
            }
        }
        merged.billing_declared |= s.billing_declared;
        merged.billing_broken |= s.billing_broken;
    }
    let mut terms = Terms {
        section: first.section.number.clone(),
        ..Terms::default()
    };
    let mut ordinal_base = 0;
    let mut restriction_base = 0;
    for (b, own) in general.iter().zip(scopes) {
        let scope = Scope {
            capabilities: merged.capabilities.clone(),
            resources: merged.resources.clone(),
            events: merged.events.clone(),
            variants: merged.variants.clone(),
            ..own
        };
        let mut items = block_items(sink, &scope, &[], &merged.variants, b, true);
        for r in &mut items.rules {
            // keep names unique across the merged general blocks
            if let Some((base, n)) = r.name.rsplit_once('#') {
                let n: usize = n.parse().unwrap_or(0);
                r.name = format!("{base}#{}", n + ordinal_base);
            }
        }
        for r in &mut items.restrictions {
            if let Some((base, n)) = r.name.rsplit_once('#') {
                let n: usize = n.parse().unwrap_or(0);
                r.name = format!("{base}#{}", n + restriction_base);
            }
        }
        ordinal_base += b
            .items
            .iter()
            .filter(|i| matches!(i, BodyItem::Rule(_)))
            .count();
        restriction_base += b
            .items
            .iter()
            .filter(|i| matches!(i, BodyItem::Restriction(_)))
            .count();
        terms.rules.append(&mut items.rules);
        terms.money.append(&mut items.money);
        terms.restrictions.append(&mut items.restrictions);
        syntax.rules.append(&mut items.ast.rules);
        syntax.restrictions.append(&mut items.ast.restrictions);
    }
    terms.billing = merged.billing.clone();
    terms.capabilities = merged.capabilities.clone();
    terms.resources = merged.resources.clone();
    terms.events = merged.events.clone();
    terms.variants = merged.variants.clone();
    (Some(terms), Some(merged), syntax)
}

/// Rules, money terms and restrictions of a block, with duplicate rules
/// (E0024) and shadowed money terms (W0010, E0045).
fn block_items<'a>(
    sink: &mut Sink,
    scope: &Scope,
    extra_events: &[String],
    dims: &[VariantDim],
    block: &'a ast::Block,
    general: bool,
) -> BlockItems<'a> {
    let mut rules: Vec<(RuleM, &ast::Rule)> = Vec::new();
    let mut money_terms = Vec::new();
    let mut restrictions = Vec::new();
    let mut syntax = BlockAst::default();
    let mut ordinal = 0;
    let mut restriction_ordinal = 0;
    for item in &block.items {
        match item {
            BodyItem::Rule(r) => {
                ordinal += 1;
                let ctx = RuleCtx {
                    scope,
                    extra_events,
                    general,
                    ordinal,
                    dims,
                };
                let m = steps::check_rule(sink, &ctx, r);
                let dup = rules.iter().find(|(o, oa)| {
                    o.trigger == m.trigger
                        && filters::overlap((&o.billing, &o.variants), (&m.billing, &m.variants))
                        && oa.trigger.name == r.trigger.name
                });
                if let Some((o, oa)) = dup {
                    let shared: Vec<&str> = o
                        .billing
                        .iter()
                        .filter(|b| m.billing.contains(b))
                        .map(|b| b.name())
                        .collect();
                    sink.push(
                        Diagnostic::new(
                            Code::E0024,
                            format!(
                                "duplicate rule for `{}` and billing `{}`",
                                m.trigger,
                                shared.join(", ")
                            ),
                        )
                        .at(r.trigger.span, "a second rule for the same trigger and billing")
                        .also(oa.trigger.span, "first rule")
                        .help("merge the steps into one rule, or give the rules disjoint filters like `[prepaid]` and `[postpaid]` (or `[monthly]` and `[yearly]`)"),
                    );
                }
                rules.push((m, r));
            }
            BodyItem::Money(t) => {
                if let Some(m) = money::check_money(sink, scope, dims, extra_events, t) {
                    money_terms.push(m);
                }
            }
            BodyItem::Restriction(r) => {
                restriction_ordinal += 1;
                if let Some(m) =
                    restrictions::check(sink, scope, dims, general, restriction_ordinal, r)
                {
                    restrictions.push(m);
                    syntax.restrictions.push(r);
                }
            }
            _ => {}
        }
    }
    money::check_shadowing(sink, &money_terms);
    let (rules, ast_rules): (Vec<RuleM>, Vec<&ast::Rule>) = rules.into_iter().unzip();
    syntax.rules = ast_rules;
    BlockItems {
        rules,
        money: money_terms,
        restrictions,
        ast: syntax,
    }
}

/// Longest reach of a `workdays` timing in `rules`, in minutes.
fn workday_reach(rules: &[RuleM]) -> Option<i64> {
    rules
        .iter()
        .flat_map(|r| &r.steps)
        .flat_map(|s| std::iter::once(&s.timing).chain(&s.alternative))
        .filter(|t| t.duration.unit == Unit::Workdays)
        .map(|t| steps::minutes(t.duration).1)
        .max()
}
