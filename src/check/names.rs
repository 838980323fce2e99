//! Declarations of a block (billing modes, capabilities, resources, events),
//! their duplicates, and name resolution against them with “did you mean”.
//!
//! A [`Scope`] is what a rule or a scenario can name. Capability index 0 is
//! always the implicit `service`, so `suspend` with no target and
//! `suspend service` resolve to the same [`Target::Capability(0)`].

use super::Sink;
use crate::ast::{BodyItem, Ident, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Target, VariantDim};
use crate::vocab::{Billing, DefaultTargets, TargetKind, Verb, BILLING_MODES, BUILTIN_EVENTS};

/// The implicit capability every product has.
pub const SERVICE: &str = "service";

/// What a block declares.
pub struct Scope {
    /// The product id or `general`, for rule names.
    pub id: String,
    /// How diagnostics name the block: ``product `x` `` or `the general terms`.
    pub owner: String,
    pub billing: Vec<Billing>,
    /// `false` when the block has no `billing` declaration.
    pub billing_declared: bool,
    /// The `billing` declaration, for secondary labels.
    pub billing_span: Option<Span>,
    /// Whether the `billing` declaration names a mode that does not exist
    /// (reported once there; filters and scenarios naming a mode it left
    /// out are then not reported again).
    pub billing_broken: bool,
    pub capabilities: Vec<String>,
    pub resources: Vec<String>,
    pub events: Vec<String>,
    /// The block's own variant dimensions (`variants term: monthly, yearly`).
    pub variants: Vec<VariantDim>,
}

impl Scope {
    /// Reads a block's declarations, reporting duplicates (E0035) and
    /// unknown billing modes (E0014).
    pub fn declare(sink: &mut Sink, id: Option<&str>, items: &[BodyItem]) -> Scope {
        let mut scope = Scope {
            id: id.unwrap_or("general").to_string(),
            owner: id.map_or_else(
                || "the general terms".to_string(),
                |p| format!("product `{p}`"),
            ),
            billing: Vec::new(),
            billing_declared: false,
            billing_span: None,
            billing_broken: false,
            capabilities: vec![SERVICE.to_string()],
            resources: Vec::new(),
            events: Vec::new(),
            variants: Vec::new(),
        };
        // name → where it was declared, across capabilities/resources/events
        let mut seen: Vec<(String, Span)> = Vec::new();
        let mut billing_seen: Vec<(Billing, Span)> = Vec::new();
        for item in items {
            match item {
                BodyItem::Billing(modes, span) => {
                    if let Some(first) = scope.billing_span {
                        sink.push(
                            Diagnostic::new(Code::E0035, "`billing` is declared twice")
                                .at(*span, "declared again here")
                                .also(first, "first declared here")
                                .help("list every mode in one `billing` declaration"),
                        );
                        continue;
                    }
                    scope.billing_declared = true;
                    // from `billing` to the last mode (the item's own span
                    // runs on over the whitespace after it)
                    scope.billing_span = Some(modes.last().map_or(*span, |m| {
                        Span::new(span.file, span.start as usize, m.span.end as usize)
                    }));
                    for m in modes {
                        let Some(b) = billing_mode(sink, m) else {
                            scope.billing_broken = true;
                            continue;
                        };
                        if let Some((_, first)) = billing_seen.iter().find(|(x, _)| *x == b) {
                            sink.push(duplicate(&m.name, m.span, *first, "billing mode"));
                        } else {
                            billing_seen.push((b, m.span));
                            scope.billing.push(b);
                        }
                    }
                }
                BodyItem::Capabilities(names, _)
                | BodyItem::Resources(names, _)
                | BodyItem::Events(names, _) => {
                    for n in names {
                        if n.name == SERVICE {
                            sink.push(
                                Diagnostic::new(Code::E0035, "`service` is declared implicitly")
                                    .at(n.span, "already a capability of every product")
                                    .help("remove it from the list"),
                            );
                            continue;
                        }
                        if let BodyItem::Events(..) = item {
                            if BUILTIN_EVENTS.contains(&n.name.as_str()) {
                                sink.push(
                                    Diagnostic::new(
                                        Code::E0035,
                                        format!("`{}` is a built-in event", n.name),
                                    )
                                    .at(n.span, "no need to declare it")
                                    .help("`events` declares only events beyond the built-in ones"),
                                );
                                continue;
                            }
                        }
                        if let Some((_, first)) = seen.iter().find(|(x, _)| *x == n.name) {
                            sink.push(duplicate(&n.name, n.span, *first, "name"));
                            continue;
                        }
                        seen.push((n.name.clone(), n.span));
                        match item {
                            BodyItem::Capabilities(..) => scope.capabilities.push(n.name.clone()),
                            BodyItem::Resources(..) => scope.resources.push(n.name.clone()),
                            _ => scope.events.push(n.name.clone()),
                        }
                    }
                }
                BodyItem::Variants(v) => scope.declare_variants(sink, v, &mut seen),
                _ => {}
            }
        }
        scope
    }

    /// `variants term: monthly, yearly`: the dimension and its values are
    /// names of their own (E0035 when one is declared twice, or a value is
    /// spelt like a billing mode, which a filter could not tell apart).
    fn declare_variants(
        &mut self,
        sink: &mut Sink,
        v: &crate::ast::VariantsDecl,
        seen: &mut Vec<(String, Span)>,
    ) {
        let key = |n: &str| format!("variant {n}");
        if let Some((_, first)) = seen.iter().find(|(x, _)| *x == key(&v.dimension.name)) {
            sink.push(duplicate(
                &v.dimension.name,
                v.dimension.span,
                *first,
                "variant dimension",
            ));
            return;
        }
        seen.push((key(&v.dimension.name), v.dimension.span));
        let mut dim = VariantDim {
            name: v.dimension.name.clone(),
            values: Vec::new(),
        };
        for value in &v.values {
            if crate::vocab::Billing::from_name(&value.name).is_some() {
                sink.push(
                    Diagnostic::new(
                        Code::E0035,
                        format!("`{}` is a billing mode", value.name),
                    )
                    .at(value.span, "a variant value cannot be spelt like a billing mode")
                    .help("billing modes are declared with `billing`; give the variant another name"),
                );
                continue;
            }
            let value_key = format!("value {}", value.name);
            if let Some((_, first)) = seen.iter().find(|(x, _)| *x == value_key) {
                sink.push(duplicate(&value.name, value.span, *first, "variant value"));
                continue;
            }
            seen.push((value_key, value.span));
            dim.values.push(value.name.clone());
        }
        self.variants.push(dim);
    }

    /// Whether `name` is an event rules of this block can name.
    pub fn knows_event(&self, name: &str, extra: &[String]) -> bool {
        BUILTIN_EVENTS.contains(&name) || self.events.iter().chain(extra).any(|e| e == name)
    }

    /// Reports an unknown event (E0010); `extra` are events declared
    /// elsewhere that are visible here (the general terms' events).
    pub fn check_event(&self, sink: &mut Sink, event: &Ident, extra: &[String]) -> bool {
        if self.knows_event(&event.name, extra) {
            return true;
        }
        let candidates: Vec<&str> = BUILTIN_EVENTS
            .iter()
            .copied()
            .chain(self.events.iter().map(String::as_str))
            .chain(extra.iter().map(String::as_str))
            .collect();
        sink.push(
            Diagnostic::new(Code::E0010, format!("unknown event `{}`", event.name))
                .at(event.span, "not a built-in or declared event")
                .help(format!(
                    "declare it in {} with `events {}`",
                    self.owner, event.name
                ))
                .suggest(&event.name, candidates),
        );
        false
    }

    /// Resolves an action's targets by the verb's target kind. Targets left
    /// out are written out here from the vocabulary's defaults
    /// ([`crate::vocab::ActionInfo::default_targets`]), so no later stage
    /// reads an empty list as anything.
    pub fn targets(
        &self,
        sink: &mut Sink,
        verb: Verb,
        verb_span: Span,
        targets: &[Ident],
    ) -> Vec<Target> {
        let kind = verb.info().targets;
        if targets.is_empty() {
            return match verb.info().default_targets {
                DefaultTargets::Nothing => Vec::new(),
                DefaultTargets::Service => vec![Target::Capability(0)],
                DefaultTargets::EveryCapability => (0..self.capabilities.len())
                    .map(|i| Target::Capability(index(i)))
                    .collect(),
                DefaultTargets::EveryResource => (0..self.resources.len())
                    .map(|i| Target::Resource(index(i)))
                    .collect(),
            };
        }
        if kind == TargetKind::None {
            let first = targets[0].span;
            let last = targets[targets.len() - 1].span;
            sink.push(
                Diagnostic::new(Code::E0030, format!("`{}` takes no targets", verb.name()))
                    .at(
                        Span::new(first.file, first.start as usize, last.end as usize),
                        "unexpected targets",
                    )
                    .also(verb_span, "this action applies to the whole product")
                    .help(format!("write `{}` alone", verb.name())),
            );
            return Vec::new();
        }
        targets
            .iter()
            .filter_map(|t| self.target(sink, verb, kind, t))
            .collect()
    }

    fn target(&self, sink: &mut Sink, verb: Verb, kind: TargetKind, t: &Ident) -> Option<Target> {
        let cap = self.capabilities.iter().position(|c| *c == t.name);
        let res = self.resources.iter().position(|c| *c == t.name);
        match (kind, cap, res) {
            (TargetKind::Capabilities, Some(i), _) => Some(Target::Capability(index(i))),
            (TargetKind::Resources, _, Some(i)) => Some(Target::Resource(index(i))),
            (TargetKind::Capabilities, None, Some(_)) => {
                sink.push(wrong_kind(
                    verb,
                    t,
                    "a resource",
                    "capabilities",
                    "release` or `purge",
                ));
                None
            }
            (TargetKind::Resources, Some(_), None) => {
                sink.push(wrong_kind(
                    verb,
                    t,
                    "a capability",
                    "resources",
                    "suspend` or `stop",
                ));
                None
            }
            _ => {
                let (what, list) = match kind {
                    TargetKind::Resources => ("resource", &self.resources),
                    _ => ("capability", &self.capabilities),
                };
                sink.push(
                    Diagnostic::new(Code::E0011, format!("unknown {what} `{}`", t.name))
                        .at(t.span, format!("not declared in {}", self.owner))
                        .help(format!(
                            "declare it with `{} {}`",
                            if what == "resource" {
                                "resources"
                            } else {
                                "capabilities"
                            },
                            t.name
                        ))
                        .suggest(&t.name, list.iter().map(String::as_str)),
                );
                None
            }
        }
    }

    /// Resolves a capability for `then resume` or an expectation.
    pub fn capability(&self, sink: &mut Sink, t: &Ident) -> Option<u16> {
        match self.target(sink, Verb::Resume, TargetKind::Capabilities, t)? {
            Target::Capability(i) => Some(i),
            Target::Resource(_) => None,
        }
    }

    /// Every name a state expectation may be about.
    pub fn subjects(&self) -> impl Iterator<Item = &str> {
        self.capabilities
            .iter()
            .chain(&self.resources)
            .map(String::as_str)
            .chain(std::iter::once("data"))
    }
}

fn wrong_kind(verb: Verb, t: &Ident, is: &str, takes: &str, instead: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0030,
        format!("`{}` does not apply to {is}", verb.name()),
    )
    .at(t.span, format!("`{}` is {is}", t.name))
    .help(format!(
        "`{}` takes {takes}; for `{}` use `{instead}`",
        verb.name(),
        t.name
    ))
}

/// Indices are bounded by the declarations of one block.
pub fn index(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn duplicate(name: &str, span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::E0035, format!("{what} `{name}` is declared twice"))
        .at(span, "declared again here")
        .also(first, "first declared here")
        .help("remove the second declaration")
}

/// A billing mode name → [`Billing`], E0014 with a suggestion otherwise.
pub fn billing_mode(sink: &mut Sink, m: &Ident) -> Option<Billing> {
    let b = Billing::from_name(&m.name);
    if b.is_none() {
        sink.push(
            Diagnostic::new(Code::E0014, format!("unknown billing mode `{}`", m.name))
                .at(m.span, "not a billing mode")
                .help("billing modes are `prepaid`, `postpaid`, `package`")
                .suggest(&m.name, BILLING_MODES.iter().copied()),
        );
    }
    b
}

/// An action verb → [`Verb`], E0012 with a suggestion otherwise.
pub fn verb(sink: &mut Sink, v: &Ident) -> Option<Verb> {
    let verb = Verb::from_name(&v.name);
    if verb.is_none() {
        sink.push(
            Diagnostic::new(Code::E0012, format!("unknown action `{}`", v.name))
                .at(v.span, "not an action of the vocabulary")
                .help("actions are listed in docs/language.md (`notify`, `suspend`, `resume`, `purge`, …)")
                .suggest(&v.name, crate::vocab::ACTIONS.iter().map(|a| a.name)),
        );
    }
    verb
}
