//! What the cursor is on: the innermost syntax node at a byte offset, with
//! the block, rule and step around it.

use crate::ast::*;

/// Where a node sits.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub block: &'a Block,
    pub rule: Option<&'a Rule>,
    pub step: Option<&'a Step>,
}

/// A node under the cursor.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    /// A `§` citation (of a step, money term, ignore or the block itself).
    Section(&'a Section),
    Quote(&'a Str),
    /// A step's timing (`alternative`: the `or` reading).
    Timing {
        timing: &'a Timing,
        alternative: bool,
    },
    /// A money term's duration (`refund_window 7d …`).
    Duration(&'a DurationLit),
    /// An action's verb (in a step or an expectation).
    Verb(&'a Ident),
    /// A capability or resource named as a target or resumed.
    Target(&'a Ident),
    /// A step's label where it is defined.
    Label(&'a Ident),
    /// The name after `from`.
    Anchor(&'a Ident),
    /// A rule's trigger.
    Trigger(&'a Ident),
    /// An event named in a cure or a scenario.
    Event(&'a Ident),
    /// A name in a `capabilities`, `resources` or `events` declaration.
    Declared(&'a Ident),
    /// The product a scenario runs on.
    Product(&'a Ident),
}

fn covers(span: Span, offset: usize) -> bool {
    // The end is included so a cursor just after a word still finds it.
    (span.start as usize) <= offset && offset <= span.end as usize
}

/// The node at `offset` in `file`, with its context.
pub fn at(file: &File, offset: usize) -> Option<(Node<'_>, Context<'_>)> {
    file.items.iter().find_map(|item| match item {
        Item::Block(b) if covers(b.span, offset) => in_block(b, offset),
        _ => None,
    })
}

/// The block around `offset`.
pub fn block_at(file: &File, offset: usize) -> Option<&Block> {
    file.items.iter().find_map(|item| match item {
        Item::Block(b) if covers(b.span, offset) => Some(b),
        _ => None,
    })
}

fn in_block(block: &Block, offset: usize) -> Option<(Node<'_>, Context<'_>)> {
    let ctx = Context {
        block,
        rule: None,
        step: None,
    };
    if covers(block.section.span, offset) {
        return Some((Node::Section(&block.section), ctx));
    }
    if let BlockKind::Product { id, .. } = &block.kind {
        if covers(id.span, offset) {
            return Some((Node::Product(id), ctx));
        }
    }
    let item = block.items.iter().find(|i| covers(i.span(), offset))?;
    let node = match item {
        BodyItem::Capabilities(names, _)
        | BodyItem::Resources(names, _)
        | BodyItem::Events(names, _) => ident_at(names, offset).map(Node::Declared),
        BodyItem::Billing(..)
        | BodyItem::Allow(_)
        | BodyItem::Variants(_)
        | BodyItem::Verify(_) => None,
        BodyItem::Restriction(r) => restriction_at(r, offset),
        BodyItem::Rule(rule) => return in_rule(block, rule, offset),
        BodyItem::Money(m) => money_at(m, offset),
        BodyItem::Ignore(i) => covers(i.section.span, offset).then_some(Node::Section(&i.section)),
        BodyItem::Scenario(s) => scenario_at(s, offset),
    }?;
    Some((node, ctx))
}

fn ident_at(names: &[Ident], offset: usize) -> Option<&Ident> {
    names.iter().find(|n| covers(n.span, offset))
}

fn in_rule<'a>(block: &'a Block, rule: &'a Rule, offset: usize) -> Option<(Node<'a>, Context<'a>)> {
    let mut ctx = Context {
        block,
        rule: Some(rule),
        step: None,
    };
    if covers(rule.trigger.span, offset) {
        return Some((Node::Trigger(&rule.trigger), ctx));
    }
    if let Some(cure) = &rule.cure {
        let events = cure.alternatives.iter().flat_map(|a| &a.parts);
        for part in events {
            if let CurePart::Event(e) = part {
                if covers(e.span, offset) {
                    return Some((Node::Event(e), ctx));
                }
            }
        }
        if let Some(Resume::Listed(names)) = &cure.resume {
            if let Some(t) = ident_at(names, offset) {
                return Some((Node::Target(t), ctx));
            }
        }
    }
    let step = rule.steps.iter().find(|s| covers(s.span, offset))?;
    ctx.step = Some(step);
    Some((step_at(step, offset)?, ctx))
}

fn step_at(step: &Step, offset: usize) -> Option<Node<'_>> {
    if let Some(l) = step.label.as_ref().filter(|l| covers(l.span, offset)) {
        return Some(Node::Label(l));
    }
    for (timing, alternative) in [
        (Some(&step.timing), false),
        (step.alternative.as_ref(), true),
    ] {
        let Some(timing) = timing else { continue };
        if let Some(from) = timing.from.as_ref().filter(|f| covers(f.span, offset)) {
            return Some(Node::Anchor(from));
        }
        if covers(timing.span, offset) {
            return Some(Node::Timing {
                timing,
                alternative,
            });
        }
    }
    for a in &step.actions {
        if covers(a.verb.span, offset) {
            return Some(Node::Verb(&a.verb));
        }
        if let Some(t) = ident_at(&a.targets, offset) {
            return Some(Node::Target(t));
        }
    }
    if let Some(c) = step.cite.as_ref().filter(|c| covers(c.span, offset)) {
        return Some(Node::Section(c));
    }
    step.quote
        .as_ref()
        .filter(|q| covers(q.span, offset))
        .map(Node::Quote)
}

fn money_at(m: &MoneyTerm, offset: usize) -> Option<Node<'_>> {
    if let Some(c) = m.cite.as_ref().filter(|c| covers(c.span, offset)) {
        return Some(Node::Section(c));
    }
    if let Some(q) = m.quote.as_ref().filter(|q| covers(q.span, offset)) {
        return Some(Node::Quote(q));
    }
    match &m.kind {
        MoneyKind::RefundWindow {
            duration,
            from,
            unless,
        } => {
            if covers(duration.span, offset) {
                Some(Node::Duration(duration))
            } else if covers(from.span, offset) {
                Some(Node::Event(from))
            } else {
                unless
                    .as_ref()
                    .filter(|u| covers(u.span, offset))
                    .map(Node::Event)
            }
        }
        MoneyKind::Refund { causes, .. } | MoneyKind::NoRefund { causes } => {
            ident_at(causes, offset).map(Node::Event)
        }
        _ => None,
    }
}

/// A restriction's verbs, targets, `§` and quote (`while in arrears …`).
fn restriction_at(r: &Restriction, offset: usize) -> Option<Node<'_>> {
    for a in &r.actions {
        if covers(a.verb.span, offset) {
            return Some(Node::Verb(&a.verb));
        }
        if let Some(t) = ident_at(&a.targets, offset) {
            return Some(Node::Target(t));
        }
    }
    if let Some(c) = r.cite.as_ref().filter(|c| covers(c.span, offset)) {
        return Some(Node::Section(c));
    }
    r.quote
        .as_ref()
        .filter(|q| covers(q.span, offset))
        .map(Node::Quote)
}

fn scenario_at(s: &Scenario, offset: usize) -> Option<Node<'_>> {
    if covers(s.product.span, offset) {
        return Some(Node::Product(&s.product));
    }
    if let Some(e) = s.events.iter().find(|e| covers(e.event.span, offset)) {
        return Some(Node::Event(&e.event));
    }
    for e in s.expects.iter().filter(|e| covers(e.span, offset)) {
        let actions: &[Action] = match &e.kind {
            ExpectKind::Fired { actions, .. } => actions,
            ExpectKind::NotFired { action, .. } => std::slice::from_ref(action),
            ExpectKind::Window { verb, .. } => {
                return covers(verb.span, offset).then_some(Node::Verb(verb));
            }
            ExpectKind::State { subject, .. } => {
                return covers(subject.span, offset).then_some(Node::Target(subject));
            }
            ExpectKind::Obligation { .. } => return None,
        };
        for a in actions {
            if covers(a.verb.span, offset) {
                return Some(Node::Verb(&a.verb));
            }
            if let Some(t) = ident_at(&a.targets, offset) {
                return Some(Node::Target(t));
            }
        }
    }
    None
}
