//! One-line timelines of checked agreements, for people: `clausec summary`
//! and the generated `docs/agreements.md`.
//!
//! Why: a reviewer comparing the 2018 and 2024 texts wants to see, per
//! product, what happens when and under which article, without reading the
//! clause files. Everything is derived from the checked [`model`](crate::model)
//! so the summary cannot drift from what the compiler executes. A rule reads
//!
//! `arrears·postpaid: +24h suspend compute, download (§16.1.2) → +15d from
//! arrears or +360h from suspended: terminate and purge data (§16.1.3);
//! until payment → resume compute, download`
//!
//! `+D` counts from the previous step (the trigger for the first step);
//! `from X` names any other anchor; `or` joins the two readings of a step.

use crate::ast::Modality;
use crate::model::{
    Agreement, Anchor, ConditionM, CureM, DurationM, LateFeeStart, MoneyKindM, MoneyM, RatePeriod,
    ResumeM, RuleM, StepM, Target, TimingKindM, TimingM,
};
use std::fmt::Write;

mod readable;

pub use readable::{json, markdown, AgreementJson};

/// Names that targets of a rule index into.
struct Names<'a> {
    capabilities: &'a [String],
    resources: &'a [String],
}

fn duration(d: DurationM) -> String {
    crate::describe::duration(d)
}

fn anchor_name(rule: &RuleM, anchor: Anchor) -> String {
    match anchor {
        Anchor::Trigger => rule.trigger.clone(),
        Anchor::Step(j) => rule
            .steps
            .get(j)
            .and_then(|s| s.label.clone())
            .unwrap_or_else(|| format!("step {}", j + 1)),
        Anchor::Event(k) => rule
            .anchor_events
            .get(usize::from(k))
            .cloned()
            .unwrap_or_default(),
    }
}

fn timing(rule: &RuleM, index: usize, t: &TimingM, explicit: bool) -> String {
    // the anchor a reader assumes: the previous step, or the trigger first
    let implicit = !explicit
        && match t.anchor {
            Anchor::Trigger => index == 0,
            Anchor::Step(j) => j + 1 == index,
            Anchor::Event(_) => false,
        };
    let from = if implicit {
        String::new()
    } else {
        format!(" from {}", anchor_name(rule, t.anchor))
    };
    match t.kind {
        TimingKindM::At if implicit => "at once".to_string(),
        TimingKindM::At => format!("with {}", anchor_name(rule, t.anchor)),
        TimingKindM::After => format!("+{}{from}", duration(t.duration)),
        TimingKindM::Within => format!("within {}{from}", duration(t.duration)),
        TimingKindM::Before => format!(
            "{} before {}",
            duration(t.duration),
            anchor_name(rule, t.anchor)
        ),
        TimingKindM::OnDay => format!("on calendar day {}{from}", t.duration.count),
        TimingKindM::OnHour => format!("on hour {}{from}", t.duration.count),
    }
}

/// A step's actions as written: each verb with its targets by name.
fn step_actions(s: &StepM, names: &Names) -> Vec<String> {
    s.actions
        .iter()
        .map(|a| {
            let targets: Vec<String> = a.targets.iter().map(|t| target(names, t)).collect();
            if targets.is_empty() {
                a.verb.name().to_string()
            } else {
                format!("{} {}", a.verb.name(), targets.join(", "))
            }
        })
        .collect()
}

fn target(names: &Names, t: &Target) -> String {
    let (list, i) = match *t {
        Target::Capability(i) => (names.capabilities, i),
        Target::Resource(i) => (names.resources, i),
    };
    list.get(usize::from(i))
        .cloned()
        .unwrap_or_else(|| format!("#{i}"))
}

/// A guard's conditions as written (`in arrears`, `instance released`),
/// joined by `and`.
fn conditions(guard: &[ConditionM], names: &Names) -> String {
    let one = |c: &ConditionM| match c {
        ConditionM::InArrears => "in arrears".to_string(),
        ConditionM::Settled => "settled".to_string(),
        ConditionM::Capability(i, st) => format!(
            "{} {}",
            target(names, &Target::Capability(*i)),
            crate::expect::state_name(st)
        ),
        ConditionM::Resource(i, st) => format!(
            "{} {}",
            target(names, &Target::Resource(*i)),
            crate::expect::state_name(st)
        ),
    };
    guard.iter().map(one).collect::<Vec<_>>().join(" and ")
}

/// What the clause writes after a step's actions: its guard and whether
/// the cure leaves it (` if instance released even if cured`).
fn step_tail(s: &StepM, names: &Names) -> String {
    let mut out = String::new();
    if !s.guard.is_empty() {
        let _ = write!(out, " if {}", conditions(&s.guard, names));
    }
    if s.even_if_cured {
        out.push_str(" even if cured");
    }
    out
}

fn step(rule: &RuleM, index: usize, s: &StepM, names: &Names) -> String {
    let two = s.alternative.is_some();
    let mut out = timing(rule, index, &s.timing, two);
    if let Some(alt) = &s.alternative {
        // two readings: name both anchors so they can be compared
        out.push_str(" or ");
        out.push_str(&timing(rule, index, alt, true));
        out.push(':');
    }
    out.push(' ');
    match s.modality {
        Modality::Will => {}
        m => {
            out.push_str(m.keyword());
            out.push(' ');
        }
    }
    out.push_str(&step_actions(s, names).join(" and "));
    out.push_str(&step_tail(s, names));
    if let Some(c) = &s.cite {
        let _ = write!(out, " (§{c})");
    }
    out
}

fn cure(c: &CureM, names: &Names) -> String {
    // as written: alternatives by `,`, the parts of one joined by `and`
    let alternatives: Vec<String> = c
        .events
        .iter()
        .cloned()
        .chain(c.conjunctions.iter().map(|k| {
            let parts: Vec<&str> = k
                .events
                .iter()
                .map(String::as_str)
                .chain(k.settled.then_some("settled"))
                .collect();
            parts.join(" and ")
        }))
        .collect();
    let mut out = format!("until {}", alternatives.join(", "));
    match &c.resume {
        ResumeM::Nothing => {}
        ResumeM::All => out.push_str(" → resume all"),
        ResumeM::Listed(caps) => {
            let listed: Vec<String> = caps
                .iter()
                .map(|&i| target(names, &Target::Capability(i)))
                .collect();
            let _ = write!(out, " → resume {}", listed.join(", "));
        }
    }
    out
}

/// One rule as a line.
fn rule_line(rule: &RuleM, names: &Names) -> String {
    let billing: Vec<&str> = rule.billing.iter().map(|b| b.name()).collect();
    let steps: Vec<String> = rule
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| step(rule, i, s, names))
        .collect();
    let guard = if rule.guard.is_empty() {
        String::new()
    } else {
        format!(" if {}", conditions(&rule.guard, names))
    };
    let mut out = format!(
        "{}·{}{guard}: {}",
        rule.trigger,
        billing.join("/"),
        steps.join(" → ")
    );
    if let Some(c) = &rule.cure {
        let _ = write!(out, "; {}", cure(c, names));
    }
    out
}

fn percent_of(fraction: rust_decimal::Decimal) -> String {
    (fraction * rust_decimal::Decimal::ONE_HUNDRED)
        .normalize()
        .to_string()
}

/// The ends a refund term is about, as written (`on a, b`); nothing for
/// a term about any end.
fn on_causes(causes: &[String]) -> String {
    if causes.is_empty() {
        String::new()
    } else {
        format!(" on {}", causes.join(", "))
    }
}

/// One money term as a line.
fn money_line(m: &MoneyM) -> String {
    let modal = match m.modality {
        Modality::Will => String::new(),
        other => format!("{} ", other.keyword()),
    };
    let what = match &m.kind {
        MoneyKindM::LateFee {
            rate, per, from, ..
        } => {
            let per = match per {
                RatePeriod::Hour => "hour",
                RatePeriod::Day => "day",
                RatePeriod::Month => "month",
            };
            let from = match from {
                LateFeeStart::Arrears => "from arrears",
                LateFeeStart::NextDay => "from the next day",
            };
            format!("late fee {}%/{per} {from}", percent_of(*rate))
        }
        MoneyKindM::LiabilityCapMonths { months } => {
            format!("liability cap: fees paid in the last {months} months")
        }
        MoneyKindM::LiabilityCapService => "liability cap: fees of the breached service".into(),
        MoneyKindM::LiabilityCapAmount { amount, currency } => {
            format!("liability cap: {amount} {currency}")
        }
        MoneyKindM::Refund {
            by_month,
            part_month_by_day,
            causes,
        } => {
            let what = match (by_month, part_month_by_day) {
                (true, true) => "refund unused prepaid, by month, part month by day",
                (true, false) => "refund unused prepaid, by month",
                _ => "refund unused prepaid",
            };
            format!("{what}{}", on_causes(causes))
        }
        MoneyKindM::NoRefund { causes } => format!("no refund{}", on_causes(causes)),
        MoneyKindM::RefundWindow {
            duration: d, from, ..
        } => {
            format!("refund window {} from {from}", duration(*d))
        }
    };
    match &m.cite {
        Some(c) => format!("{modal}{what} (§{c})"),
        None => format!("{modal}{what}"),
    }
}

/// A product's or the general terms' summary: (who, §, rules, money).
struct Row {
    who: String,
    section: String,
    rules: Vec<String>,
    money: Vec<String>,
}

fn section_key(s: &str) -> Vec<u32> {
    s.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

fn rows(a: &Agreement) -> Vec<Row> {
    let mut out = Vec::new();
    if let Some(g) = &a.general {
        let names = Names {
            capabilities: &g.capabilities,
            resources: &g.resources,
        };
        out.push(Row {
            who: "general terms".into(),
            section: g.section.clone(),
            rules: g.rules.iter().map(|r| rule_line(r, &names)).collect(),
            money: g.money.iter().map(money_line).collect(),
        });
    }
    let mut products: Vec<_> = a.products.iter().collect();
    products.sort_by_key(|p| section_key(&p.section));
    for p in products {
        let names = Names {
            capabilities: &p.capabilities,
            resources: &p.resources,
        };
        out.push(Row {
            who: format!("`{}` {}", p.id, p.name),
            section: p.section.clone(),
            rules: p
                .rules
                .iter()
                .filter(|r| !r.general)
                .map(|r| rule_line(r, &names))
                .collect(),
            money: p.money.iter().map(money_line).collect(),
        });
    }
    out
}

fn source_name(a: &Agreement) -> String {
    a.source_path
        .as_deref()
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map_or(p.to_string(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "(no source text)".into())
}

fn sorted(agreements: &[Agreement]) -> Vec<&Agreement> {
    let mut v: Vec<&Agreement> = agreements.iter().collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

/// The agreements as plain text, one line per rule or money term.
pub fn text(agreements: &[Agreement]) -> String {
    let mut out = String::new();
    for a in sorted(agreements) {
        let _ = writeln!(
            out,
            "{} {} ({}; {})",
            a.id,
            a.title,
            a.version,
            source_name(a)
        );
        for r in rows(a) {
            let _ = writeln!(out, "  {} §{}", r.who.replace('`', ""), r.section);
            for line in r.rules.iter().chain(&r.money) {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}
