//! The per-product comparison: billing modes, every trigger's nobody-acts
//! and cure timelines, money terms; each difference becomes a [`Change`]
//! with both citations and, where one exists, a distinguishing scenario.

use super::compare::{pair_acts, ActChange};
use super::money;
use super::probe::{self, act_text, when_text, Act, ProbeEvent, Run, HORIZON_SECS};
use super::scenario::{distinguish, Distinction, Focus};
use super::{Change, ChangeKind, DiffError, Side, READING};
use crate::compile::Selection;
use crate::eval::{Machine, Program};
use crate::model::{Agreement, Product};
use crate::vocab::{Billing, BUILTIN_EVENTS};

pub struct Ctx<'a> {
    pub old: &'a Agreement,
    pub new: &'a Agreement,
    pub old_label: String,
    pub new_label: String,
    pub t0: i64,
    pub old_program: Program,
    pub new_program: Program,
}

pub(super) fn change(
    product: &str,
    trigger: Option<&str>,
    billing: Vec<Billing>,
    kind: ChangeKind,
) -> Change {
    Change {
        product: product.into(),
        trigger: trigger.map(str::to_string),
        billing,
        variants: Vec::new(),
        kind,
        old: None,
        new: None,
        text: String::new(),
        scenario: None,
        no_scenario: None,
        distinction: None,
    }
}

/// A product only one version defines.
pub fn product_change(ctx: &Ctx, p: &Product, added: bool) -> Change {
    let (kind, label, verb) = if added {
        (ChangeKind::ProductAdded, &ctx.new_label, "added")
    } else {
        (ChangeKind::ProductRemoved, &ctx.old_label, "removed")
    };
    let mut c = change(&p.id, None, p.billing.clone(), kind);
    let side = Side {
        what: format!("{} ({})", p.name, billing_list(&p.billing)),
        cite: format!("{label} §{}", p.section.trim_start_matches('§')),
    };
    c.text = format!("{}: product {verb}: {} ({})", p.id, side.what, side.cite);
    if added {
        c.new = Some(side);
    } else {
        c.old = Some(side);
    }
    c.no_scenario = Some("the product exists in one version only".into());
    c
}

fn billing_list(b: &[Billing]) -> String {
    if b.is_empty() {
        return "no billing modes".into();
    }
    b.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
}

/// `§2.3` whether or not the model kept the sign.
pub(super) fn section(s: &str) -> String {
    format!("§{}", s.trim_start_matches('§'))
}

pub(super) fn cite(label: &str, a: &Act) -> String {
    match &a.cite.section {
        Some(s) => format!("{label} {}", section(s)),
        None => format!("{label} {}:{}", a.cite.file, a.cite.line),
    }
}

pub(super) fn trigger_order(e: &str) -> (usize, String) {
    (
        BUILTIN_EVENTS
            .iter()
            .position(|b| *b == e)
            .unwrap_or(usize::MAX),
        e.to_string(),
    )
}

fn rule_triggers(m: &Machine) -> Vec<String> {
    m.ir.rules
        .iter()
        .map(|r| m.ir.event_name(r.trigger).to_string())
        .collect()
}

/// Whether a rule on `trigger` has a guard (it reads the account state).
fn guarded_on(m: &Machine, trigger: &str) -> bool {
    m.ir.rules
        .iter()
        .any(|r| m.ir.event_name(r.trigger) == trigger && !r.guard.range().is_empty())
}

/// Citation of the rules a trigger starts: their first steps' sections.
pub(super) fn rule_cite(m: &Machine, label: &str, trigger: &str) -> String {
    let secs: Vec<String> =
        m.ir.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| m.ir.event_name(r.trigger) == trigger)
            .filter_map(|(ri, r)| {
                let s = m.ir.text.steps.get(r.first_step as usize)?;
                let rule = m.ir.text.rules.get(ri)?;
                Some(
                    s.cite
                        .as_deref()
                        .map_or_else(|| format!("{}:{}", rule.file, rule.line), section),
                )
            })
            .collect();
    format!("{label} {}", secs.join(", "))
}

/// Every difference of one product both versions define.
pub fn product_changes(ctx: &Ctx, po: &Product, pn: &Product) -> Result<Vec<Change>, DiffError> {
    let mut out = Vec::new();
    for b in &po.billing {
        if !pn.billing.contains(b) {
            let mut c = change(&po.id, None, vec![*b], ChangeKind::BillingRemoved);
            c.text = format!(
                "{} · {}: billing mode removed ({} §{})",
                po.id,
                b.name(),
                ctx.old_label,
                po.section.trim_start_matches('§')
            );
            c.no_scenario = Some("the billing mode exists in one version only".into());
            out.push(c);
        }
    }
    for b in &pn.billing {
        if !po.billing.contains(b) {
            let mut c = change(&pn.id, None, vec![*b], ChangeKind::BillingAdded);
            c.text = format!(
                "{} · {}: billing mode added ({} §{})",
                pn.id,
                b.name(),
                ctx.new_label,
                pn.section.trim_start_matches('§')
            );
            c.no_scenario = Some("the billing mode exists in one version only".into());
            out.push(c);
        }
    }
    let mut behaviour: Vec<Change> = Vec::new();
    for (b, kind) in kinds(ctx.old, po, ctx.new, pn) {
        // each side gets the values its own product declares
        let select = |p: &Program, a: &Agreement, product: &Product| {
            p.select_with(&po.id, &selection(a, product, b, &kind))
                .map_err(|source| DiffError::Select {
                    agreement: a.id.clone(),
                    product: po.id.clone(),
                    billing: b.name().into(),
                    source: Box::new(source),
                })
        };
        let b = &b;
        let mo = select(&ctx.old_program, ctx.old, po)?;
        let mn = select(&ctx.new_program, ctx.new, pn)?;
        let pb = Pb {
            ctx,
            product: &po.id,
            billing: *b,
            old: &mo,
            new: &mn,
        };
        for c in pb.all().map_err(|source| DiffError::Eval {
            product: po.id.clone(),
            billing: b.name().into(),
            source,
        })? {
            let mut c = c;
            c.variants = kind.clone();
            // the same change under another billing mode: one line for both
            match behaviour.iter_mut().find(|x| {
                x.trigger == c.trigger
                    && x.kind == c.kind
                    && x.old == c.old
                    && x.new == c.new
                    && x.variants == c.variants
            }) {
                Some(x) => {
                    if !x.billing.contains(b) {
                        x.billing.push(*b);
                        x.billing.sort();
                    }
                }
                None => behaviour.push(c),
            }
        }
    }
    for c in &mut behaviour {
        let kind = if c.variants.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.variants.join(", "))
        };
        let head = format!(
            "{} · {} · {}{kind}",
            c.product,
            c.trigger.as_deref().unwrap_or("-"),
            billing_list(&c.billing)
        );
        c.text = format!("{head}: {}", c.text);
    }
    out.extend(behaviour);
    out.extend(
        money::changes(ctx, po, pn).map_err(|source| DiffError::Eval {
            product: po.id.clone(),
            billing: "-".into(),
            source,
        })?,
    );
    Ok(out)
}

/// The billing modes both versions sell the product in, each with every
/// kind of account either version's filters tell apart (the new version's
/// kinds, or the old one's when the new one has none).
pub(crate) fn kinds(
    old: &Agreement,
    po: &Product,
    new: &Agreement,
    pn: &Product,
) -> Vec<(Billing, Vec<String>)> {
    po.billing
        .iter()
        .filter(|b| pn.billing.contains(b))
        .flat_map(|&b| {
            let in_new = crate::compile::kinds(new, pn, b);
            let kinds = if in_new.iter().all(Vec::is_empty) {
                crate::compile::kinds(old, po, b)
            } else {
                in_new
            };
            kinds.into_iter().map(move |k| (b, k))
        })
        .collect()
}

/// One version's selection of a kind of account: the values of `kind` its
/// own product declares (a version without the dimension gets none).
pub(crate) fn selection(a: &Agreement, p: &Product, b: Billing, kind: &[String]) -> Selection {
    let mut s = Selection::default().billing(b).reading(READING);
    s.variants = a
        .variant_dimensions(p)
        .filter_map(|d| kind.iter().find(|v| d.values.contains(v)).cloned())
        .collect();
    s
}

/// One product × billing mode under both versions.
pub(super) struct Pb<'a> {
    pub ctx: &'a Ctx<'a>,
    pub product: &'a str,
    pub billing: Billing,
    pub old: &'a Machine,
    pub new: &'a Machine,
}

pub(super) type R<T> = Result<T, crate::eval::EvalError>;

impl Pb<'_> {
    pub(super) fn horizon(&self) -> i64 {
        self.ctx.t0 + HORIZON_SECS
    }

    fn all(&self) -> R<Vec<Change>> {
        let mut triggers: Vec<String> = rule_triggers(self.old);
        triggers.extend(rule_triggers(self.new));
        triggers.sort_by_key(|t| trigger_order(t));
        triggers.dedup();
        let mut out = Vec::new();
        for t in &triggers {
            out.extend(self.trigger(t)?);
        }
        Ok(out)
    }

    pub(super) fn mk(
        &self,
        trigger: &str,
        kind: ChangeKind,
        old: Option<Side>,
        new: Option<Side>,
        text: String,
    ) -> Change {
        let mut c = change(self.product, Some(trigger), vec![self.billing], kind);
        c.old = old;
        c.new = new;
        c.text = text;
        c
    }

    pub(super) fn side(&self, old: bool, what: String, a: &Act) -> Side {
        let label = if old {
            &self.ctx.old_label
        } else {
            &self.ctx.new_label
        };
        Side {
            what,
            cite: cite(label, a),
        }
    }

    fn when(&self, a: &Act) -> String {
        when_text(self.ctx.t0, a, self.ctx.new.zone)
    }

    fn trigger(&self, t: &str) -> R<Vec<Change>> {
        // A rule guarded on the account state (`on deferral_end if in
        // arrears`) does nothing on a settled account: its probe starts in
        // arrears, and keeps only what the rules on `t` do.
        let guarded = t != "arrears" && (guarded_on(self.old, t) || guarded_on(self.new, t));
        let mut events = Vec::new();
        if guarded {
            events.push(ProbeEvent {
                at: self.ctx.t0,
                event: "arrears".to_string(),
                amount: None,
                until: None,
            });
        }
        events.push(ProbeEvent {
            at: self.ctx.t0,
            event: t.to_string(),
            amount: None,
            until: None,
        });
        let only = guarded.then_some(t);
        let ro = probe::run_on(self.old, &events, self.horizon(), only)?;
        let rn = probe::run_on(self.new, &events, self.horizon(), only)?;
        let has_o = rule_triggers(self.old).iter().any(|x| x == t);
        let has_n = rule_triggers(self.new).iter().any(|x| x == t);
        let mut instants: Vec<i64> = ro.acts.iter().chain(&rn.acts).map(|a| a.at).collect();
        instants.sort_unstable();
        instants.dedup();
        let mut out = Vec::new();
        if has_o != has_n {
            let (run, label, kind) = if has_n {
                (&rn, &self.ctx.new_label, ChangeKind::RuleAdded)
            } else {
                (&ro, &self.ctx.old_label, ChangeKind::RuleRemoved)
            };
            let m = if has_n { self.new } else { self.old };
            let acts: Vec<String> = run
                .acts
                .iter()
                .map(|a| format!("{} {}", act_text(a), self.when(a)))
                .collect();
            let what = if acts.is_empty() {
                "nothing within ten years".to_string()
            } else {
                acts.join("; ")
            };
            let side = Side {
                what: what.clone(),
                cite: rule_cite(m, label, t),
            };
            let word = if has_n { "rule added" } else { "rule removed" };
            let text = format!("{word}: {what} ({})", side.cite);
            let (o, n) = if has_n {
                (None, Some(side))
            } else {
                (Some(side), None)
            };
            let mut c = self.mk(t, kind, o, n, text);
            let focus = Focus {
                new_acts: if has_n { rn.acts.clone() } else { Vec::new() },
                old_acts: if has_o { ro.acts.clone() } else { Vec::new() },
                instants: Vec::new(),
            };
            self.attach(&mut c, &events, &focus, &instants)?;
            out.push(c);
            return Ok(out);
        }
        out.extend(self.acts_changes(t, &events, &ro, &rn, &instants)?);
        out.extend(self.cure_changes(t, &events, only, (&ro, &rn), &instants)?);
        Ok(out)
    }

    pub(super) fn attach(
        &self,
        c: &mut Change,
        events: &[ProbeEvent],
        focus: &Focus,
        instants: &[i64],
    ) -> R<()> {
        match distinguish(self.old, self.new, events, focus, instants)? {
            Some(x) => {
                c.distinction = Some(Distinction {
                    events: events.to_vec(),
                    expectation: x,
                });
            }
            None => {
                c.no_scenario = Some("no expectation of the scenario language tells the versions apart on this timeline".into());
            }
        }
        Ok(())
    }

    fn acts_text(&self, acts: &[&Act]) -> String {
        let mut names: Vec<String> = Vec::new();
        for a in acts {
            let t = act_text(a);
            if !names.contains(&t) {
                names.push(t);
            }
        }
        names.join(" and ")
    }

    fn acts_changes(
        &self,
        t: &str,
        events: &[ProbeEvent],
        ro: &Run,
        rn: &Run,
        instants: &[i64],
    ) -> R<Vec<Change>> {
        // acts of one step changed alike make one line (`terminate and purge data`)
        let mut groups: Vec<(ChangeKind, Vec<Act>, Vec<Act>)> = Vec::new();
        for ch in pair_acts(&ro.acts, &rn.acts) {
            let (kind, o, n) = match ch {
                ActChange::Timing { old, new } => (ChangeKind::Timing, Some(old), Some(new)),
                ActChange::Modality { old, new } => (ChangeKind::Modality, Some(old), Some(new)),
                ActChange::Targets { old, new } => (ChangeKind::Targets, Some(old), Some(new)),
                ActChange::Added { new } => (ChangeKind::ActionAdded, None, Some(new)),
                ActChange::Removed { old } => (ChangeKind::ActionRemoved, Some(old), None),
            };
            let alike = |x: &Option<Act>, ys: &[Act]| match (x, ys.first()) {
                (None, None) => true,
                (Some(x), Some(y)) => {
                    x.same_when(y) && x.cite.section == y.cite.section && x.cite.file == y.cite.file
                }
                _ => false,
            };
            let groupable = matches!(
                kind,
                ChangeKind::Timing | ChangeKind::ActionAdded | ChangeKind::ActionRemoved
            );
            match groups
                .iter_mut()
                .find(|(k, os, ns)| groupable && *k == kind && alike(&o, os) && alike(&n, ns))
            {
                Some((_, os, ns)) => {
                    os.extend(o);
                    ns.extend(n);
                }
                None => groups.push((kind, o.into_iter().collect(), n.into_iter().collect())),
            }
        }
        let mut out: Vec<(Change, Focus)> = Vec::new();
        for (kind, os, ns) in groups {
            let so = os.first().map(|a| {
                let refs: Vec<&Act> = os.iter().collect();
                self.side(
                    true,
                    format!("{} {}", self.acts_text(&refs), self.when(a)),
                    a,
                )
            });
            let sn = ns.first().map(|a| {
                let refs: Vec<&Act> = ns.iter().collect();
                self.side(
                    false,
                    format!("{} {}", self.acts_text(&refs), self.when(a)),
                    a,
                )
            });
            let text = match (&so, &sn) {
                (Some(so), Some(sn)) if kind == ChangeKind::Timing => {
                    let refs: Vec<&Act> = ns.iter().collect();
                    let (wo, wn) = (self.when(&os[0]), self.when(&ns[0]));
                    format!(
                        "{} {wo} ({}) → {wn} ({})",
                        self.acts_text(&refs),
                        so.cite,
                        sn.cite
                    )
                }
                (Some(so), Some(sn)) => {
                    format!("{} ({}) → {} ({})", so.what, so.cite, sn.what, sn.cite)
                }
                (None, Some(sn)) => format!("added: {} ({})", sn.what, sn.cite),
                (Some(so), None) => format!("removed: {} ({})", so.what, so.cite),
                (None, None) => continue,
            };
            let c = self.mk(t, kind, so, sn, text);
            out.push((
                c,
                Focus {
                    new_acts: ns,
                    old_acts: os,
                    instants: Vec::new(),
                },
            ));
        }
        if out.is_empty() {
            let mut diffs_o = Vec::new();
            let mut diffs_n = Vec::new();
            for (k, v) in &ro.end.capabilities {
                if let Some(w) = rn.end.capabilities.get(k).filter(|w| *w != v) {
                    diffs_o.push(format!("{k} {}", serde_name(v)));
                    diffs_n.push(format!("{k} {}", serde_name(w)));
                }
            }
            for (k, v) in &ro.end.resources {
                if let Some(w) = rn.end.resources.get(k).filter(|w| *w != v) {
                    diffs_o.push(format!("{k} {}", serde_name(v)));
                    diffs_n.push(format!("{k} {}", serde_name(w)));
                }
            }
            if ro.end.service != rn.end.service && ro.end.service.is_some() {
                diffs_o.push(format!("service {}", serde_name(&ro.end.service)));
                diffs_n.push(format!("service {}", serde_name(&rn.end.service)));
            }
            if diffs_o.is_empty() {
                return Ok(Vec::new());
            }
            let so = Side {
                what: format!("in the end {}", diffs_o.join(", ")),
                cite: rule_cite(self.old, &self.ctx.old_label, t),
            };
            let sn = Side {
                what: format!("in the end {}", diffs_n.join(", ")),
                cite: rule_cite(self.new, &self.ctx.new_label, t),
            };
            let text = format!("{} ({}) → {} ({})", so.what, so.cite, sn.what, sn.cite);
            out.push((
                self.mk(t, ChangeKind::State, Some(so), Some(sn), text),
                Focus::default(),
            ));
        }
        let mut done = Vec::new();
        for (mut c, f) in out {
            self.attach(&mut c, events, &f, instants)?;
            done.push(c);
        }
        Ok(done)
    }
}

pub(super) fn serde_name<T: serde::Serialize>(s: &T) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
