//! The summary for pages and programs: `clausec summary --format markdown`
//! (and `docs/agreements.md`) in sentences rather than the terminal's
//! shorthand, and `--format json` with the same facts as data.
//!
//! Why sentences: a reviewer reads `7 × 24 hours after `suspended``, not
//! `+7d from suspended`, and a list per rule, not a table cell holding a
//! whole timeline. The words for durations are [`crate::describe`]'s.

use super::{
    conditions, money_line, section_key, sorted, source_name, step_actions, step_tail, target,
    Names,
};
use crate::ast::Modality;
use crate::describe::duration_words;
use crate::model::{Agreement, Anchor, CureM, ResumeM, RuleM, StepM, TimingKindM, TimingM};
use serde::Serialize;
use std::fmt::Write;

/// A rule's trigger or step, as a reader names it.
fn anchor(rule: &RuleM, a: Anchor) -> String {
    match a {
        Anchor::Trigger => format!("`{}`", rule.trigger),
        Anchor::Step(j) => match rule.steps.get(j).and_then(|s| s.label.as_ref()) {
            Some(l) => format!("step {} (`{l}`)", j + 1),
            None => format!("step {}", j + 1),
        },
        Anchor::Event(k) => match rule.anchor_events.get(usize::from(k)) {
            Some(e) => format!("the latest `{e}`"),
            None => "another rule's event".to_string(),
        },
    }
}

/// When a step happens, in words: `24 hours after `arrears``.
fn when(rule: &RuleM, t: &TimingM) -> String {
    let from = anchor(rule, t.anchor);
    let d = duration_words(t.duration);
    match t.kind {
        TimingKindM::At if t.anchor == Anchor::Trigger => format!("at once, on {from}"),
        TimingKindM::At => format!("together with {from}"),
        TimingKindM::After => format!("{d} after {from}"),
        TimingKindM::Within => format!("within {d} after {from}"),
        TimingKindM::Before => format!("{d} before {from}"),
        TimingKindM::OnDay => format!("on calendar day {} after {from}", t.duration.count),
        TimingKindM::OnHour => format!("in hour {} after {from}", t.duration.count),
    }
}

fn who(m: Modality) -> &'static str {
    match m {
        Modality::Will => "",
        Modality::May => "the provider may ",
        Modality::CustomerMay => "the customer may ",
        Modality::CustomerMust => "the customer must ",
    }
}

fn step_when(rule: &RuleM, s: &StepM) -> String {
    match &s.alternative {
        Some(alt) => format!(
            "{}, or by the other reading {}",
            when(rule, &s.timing),
            when(rule, alt)
        ),
        None => when(rule, &s.timing),
    }
}

fn resumed(c: &CureM, names: &Names) -> Vec<String> {
    match &c.resume {
        ResumeM::Nothing => Vec::new(),
        ResumeM::All => vec!["all".to_string()],
        ResumeM::Listed(caps) => caps
            .iter()
            .map(|&i| target(names, &crate::model::Target::Capability(i)))
            .collect(),
    }
}

/// The cure's alternatives in the clause's own words, for the JSON form
/// (single events, then each conjunction: `renewal and settled`).
fn cure_as_written(c: &CureM) -> Vec<String> {
    let mut out = c.events.clone();
    for conj in &c.conjunctions {
        let mut parts = conj.events.clone();
        if conj.settled {
            parts.push("settled".to_string());
        }
        out.push(parts.join(" and "));
    }
    out
}

fn cure_sentence(rule: &RuleM, c: &CureM, names: &Names) -> String {
    // every alternative: one event, or parts that must all have happened
    // (`settled`: a payment that leaves the account settled)
    let events: Vec<String> = c
        .events
        .iter()
        .map(|e| format!("`{e}`"))
        .chain(c.conjunctions.iter().map(|k| {
            let parts: Vec<String> = k
                .events
                .iter()
                .map(|e| format!("`{e}`"))
                .chain(k.settled.then(|| "settling the arrears".to_string()))
                .collect();
            parts.join(" and ")
        }))
        .collect();
    let then = match &c.resume {
        ResumeM::Nothing => String::new(),
        ResumeM::All => "; everything that can be restored is restored".to_string(),
        ResumeM::Listed(_) => format!("; then {} are restored", resumed(c, names).join(", ")),
    };
    // `even if cured` steps: kept once what they count from has happened
    // (a step they count from that the cure cancels never comes)
    let kept: Vec<String> = rule
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.even_if_cured)
        .map(|(i, _)| format!("step {}", i + 1))
        .collect();
    let except = match kept.as_slice() {
        [] => String::new(),
        [one] => format!(", except {one}, which is kept once what it counts from has happened"),
        more => format!(
            ", except {}, which are kept once what they count from has happened",
            more.join(" and ")
        ),
    };
    format!(
        "Pending steps are cancelled by {}{except}{then}.",
        events.join(" or ")
    )
}

fn rule_markdown(out: &mut String, rule: &RuleM, names: &Names) {
    let billing: Vec<&str> = rule.billing.iter().map(|b| b.name()).collect();
    let guard = if rule.guard.is_empty() {
        String::new()
    } else {
        format!(", if {}", conditions(&rule.guard, names))
    };
    let _ = writeln!(
        out,
        "**On `{}`** ({}){guard}:\n",
        rule.trigger,
        billing.join(", ")
    );
    for (i, s) in rule.steps.iter().enumerate() {
        let cite = s
            .cite
            .as_ref()
            .map_or(String::new(), |c| format!(" (§{c})"));
        let _ = writeln!(
            out,
            "{}. {}: {}{}{}{cite}",
            i + 1,
            step_when(rule, s),
            who(s.modality),
            step_actions(s, names).join(" and "),
            step_tail(s, names)
        );
    }
    if let Some(c) = &rule.cure {
        let _ = writeln!(out, "\n{}", cure_sentence(rule, c, names));
    }
    out.push('\n');
}

/// The agreements as Markdown: per agreement, the general terms and each
/// product with its rules as numbered steps and its money terms.
pub fn markdown(agreements: &[Agreement]) -> String {
    let mut out = String::from(
        "# Agreement timelines\n\n<!-- Generated by `clausec summary clauses --format markdown` \
         (`.ci/gen-docs`); do not edit. A test fails when this file is stale. -->\n\n\
         Each rule lists its steps in order: when the step happens (counted from the event or \
         from an earlier step), what is done, and the article that says so. `× 24 hours` is an \
         exact count of hours; calendar days end at 24:00 of the last day (docs/semantics.md).\n\n",
    );
    for a in sorted(agreements) {
        let _ = writeln!(out, "## `{}` {} ({})\n", a.id, a.title, a.version);
        let effective = if a.effective_stated {
            a.effective.to_string()
        } else {
            "not stated".into()
        };
        let _ = writeln!(
            out,
            "Text `{}`; effective {effective}; days counted in {}.\n",
            source_name(a),
            a.zone.name()
        );
        let mut quiet = Vec::new();
        for part in parts(a) {
            if part.rules.is_empty() && part.money.is_empty() {
                quiet.push(format!("{} (§{})", part.title, part.section));
                continue;
            }
            let _ = writeln!(out, "### {} (§{})\n", part.title, part.section);
            for r in &part.rules {
                rule_markdown(&mut out, r, &part.names);
            }
            if !part.money.is_empty() {
                out.push_str("Money:\n\n");
                for m in part.money {
                    let _ = writeln!(out, "- {}", money_line(m));
                }
                out.push('\n');
            }
        }
        if !quiet.is_empty() {
            let _ = writeln!(
                out,
                "No time or money terms of their own: {}.\n",
                quiet.join(", ")
            );
        }
    }
    out.trim_end().to_string() + "\n"
}

/// The general terms or one product of an agreement.
struct Part<'a> {
    /// `general terms`, or ``` `id` name ```.
    title: String,
    id: Option<&'a str>,
    name: Option<&'a str>,
    section: &'a str,
    rules: Vec<&'a RuleM>,
    money: &'a [crate::model::MoneyM],
    names: Names<'a>,
}

fn parts(a: &Agreement) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    if let Some(g) = &a.general {
        out.push(Part {
            title: "General terms".into(),
            id: None,
            name: None,
            section: &g.section,
            rules: g.rules.iter().collect(),
            money: &g.money,
            names: Names {
                capabilities: &g.capabilities,
                resources: &g.resources,
            },
        });
    }
    let mut products: Vec<_> = a.products.iter().collect();
    products.sort_by_key(|p| section_key(&p.section));
    for p in products {
        out.push(Part {
            title: format!("`{}` {}", p.id, p.name),
            id: Some(&p.id),
            name: Some(&p.name),
            section: &p.section,
            rules: p.rules.iter().filter(|r| !r.general).collect(),
            money: &p.money,
            names: Names {
                capabilities: &p.capabilities,
                resources: &p.resources,
            },
        });
    }
    out
}

#[derive(Serialize)]
pub struct AgreementJson<'a> {
    agreement: &'a str,
    title: &'a str,
    version: &'a str,
    source: String,
    zone: &'a str,
    /// `null` when the text states no date.
    effective: Option<String>,
    parts: Vec<PartJson<'a>>,
}

#[derive(Serialize)]
struct PartJson<'a> {
    /// `general` or `product`.
    part: &'static str,
    id: Option<&'a str>,
    name: Option<&'a str>,
    section: &'a str,
    rules: Vec<RuleJson<'a>>,
    money: Vec<String>,
}

#[derive(Serialize)]
struct RuleJson<'a> {
    trigger: &'a str,
    billing: Vec<&'static str>,
    /// The rule's `if` as written (`in arrears`); empty: none.
    guard: String,
    steps: Vec<StepJson<'a>>,
    /// The cure's alternatives as written (`renewal`, `renewal and settled`):
    /// any one of them cancels the pending steps.
    until: Vec<String>,
    /// Capabilities a cure restores (`["all"]` for everything).
    then_resume: Vec<String>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    label: Option<&'a str>,
    when: String,
    modality: &'static str,
    actions: Vec<String>,
    /// The step's `if` as written (`instance released`); empty: none.
    guard: String,
    /// `even if cured`: the rule's cure does not cancel it once what it
    /// counts from has happened.
    even_if_cured: bool,
    cite: Option<&'a str>,
}

/// The agreements as data (`clausec summary --format json`).
pub fn json(agreements: &[Agreement]) -> Vec<AgreementJson<'_>> {
    sorted(agreements)
        .into_iter()
        .map(|a| AgreementJson {
            agreement: &a.id,
            title: &a.title,
            version: &a.version,
            source: source_name(a),
            zone: a.zone.name(),
            effective: a.effective_stated.then(|| a.effective.to_string()),
            parts: parts(a)
                .into_iter()
                .map(|p| PartJson {
                    part: if p.id.is_some() { "product" } else { "general" },
                    id: p.id,
                    name: p.name,
                    section: p.section,
                    money: p.money.iter().map(money_line).collect(),
                    rules: p
                        .rules
                        .iter()
                        .map(|r| RuleJson {
                            trigger: &r.trigger,
                            billing: r.billing.iter().map(|b| b.name()).collect(),
                            guard: conditions(&r.guard, &p.names),
                            steps: r
                                .steps
                                .iter()
                                .map(|s| StepJson {
                                    label: s.label.as_deref(),
                                    when: step_when(r, s),
                                    modality: s.modality.keyword(),
                                    actions: step_actions(s, &p.names),
                                    guard: conditions(&s.guard, &p.names),
                                    even_if_cured: s.even_if_cured,
                                    cite: s.cite.as_deref(),
                                })
                                .collect(),
                            until: r.cure.as_ref().map_or(Vec::new(), cure_as_written),
                            then_resume: r
                                .cure
                                .as_ref()
                                .map_or(Vec::new(), |c| resumed(c, &p.names)),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}
