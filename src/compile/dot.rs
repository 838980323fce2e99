//! The IR as Graphviz DOT for `clausec graph`: one cluster per rule, each
//! waiting state named by its step as written in the file (label, modality,
//! actions, §), deadline edges by their timing in the language's words,
//! event edges by the event (and what a cure resumes).
//!
//! Why this shape: the reader is a lawyer checking a clause, not someone
//! debugging the automaton. So no internal indices (`step 6`), no absolute
//! paths (a file is named by its file name and line), the modality always
//! said (`customer may terminate` is not `terminate`), harmful steps drawn
//! red and irreversible ones with a double border. Long labels are wrapped
//! so that dot's layout, which places edge labels as nodes of their own,
//! keeps them apart (tests/it/graph.rs renders with `dot` to check).

use super::{AnchorIr, Automaton, EdgeHot, StateId, StateKind, StepIx, TimingIr};
use crate::model::TimingKindM;
use crate::vocab::Modality;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Splits words into lines of about `width` characters (a CJK character
/// counts double), never inside a word: for DOT labels here and the
/// report's SVG labels.
pub fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in s.split(' ') {
        let w: usize = word.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        if len > 0 && len + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
    }
    lines.push(line);
    lines
}

/// A label wrapped with DOT's centred line break.
fn wrap(s: &str, width: usize) -> String {
    wrap_words(s, width)
        .iter()
        .map(|l| esc(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// A file named by its file name only (no directories, absolute or not).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// `may`, `customer may`, … as a reader says them; `will` is the plain verb.
fn modality_words(m: Modality) -> &'static str {
    match m {
        Modality::Will => "",
        Modality::May => "provider may ",
        Modality::CustomerMay => "customer may ",
        Modality::CustomerMust => "customer must ",
    }
}

/// The step as written: `partial: suspend upload, reindex and keep_billing`.
pub fn step_words(ir: &Automaton, step: StepIx) -> String {
    let actions: Vec<String> = ir
        .actions(step)
        .iter()
        .map(|a| {
            let targets: Vec<&str> = ir
                .targets(a)
                .iter()
                .map(|t| match *t {
                    crate::model::Target::Capability(i) => ir.capabilities.get(usize::from(i)),
                    crate::model::Target::Resource(i) => ir.resources.get(usize::from(i)),
                })
                .map(|n| n.map_or("?", String::as_str))
                .collect();
            if targets.is_empty() {
                a.verb.name().to_string()
            } else {
                format!("{} {}", a.verb.name(), targets.join(", "))
            }
        })
        .collect();
    let words = format!(
        "{}{}",
        modality_words(ir.step(step).modality),
        actions.join(" and ")
    );
    match &ir.text(step).label {
        Some(l) => format!("{l}: {words}"),
        None => words,
    }
}

/// What a timing counts from, named as the file names it: the trigger
/// event, a step's label, or (unlabelled) its place in the rule.
fn anchor_name(ir: &Automaton, step: StepIx, t: &TimingIr) -> Option<String> {
    let st = ir.step(step);
    let rule = ir.rules.get(usize::from(st.rule))?;
    Some(match t.anchor {
        AnchorIr::Trigger => ir.event_name(rule.trigger).to_string(),
        AnchorIr::Event { event, .. } => ir.event_name(event).to_string(),
        AnchorIr::Step(a) | AnchorIr::Fired { step: a, .. } => match &ir.text(a).label {
            Some(l) => l.clone(),
            // `after D` without `from`: the previous step, as written
            None if a.0 + 1 == step.0 => return None,
            None => format!("step {}", a.0 + 1 - rule.first_step),
        },
    })
}

fn timing(ir: &Automaton, step: StepIx, t: &TimingIr) -> String {
    match anchor_name(ir, step, t) {
        Some(anchor) => crate::describe::timing(t.kind, t.duration, &anchor),
        None if t.kind == TimingKindM::At => "at once".to_string(),
        None => crate::describe::timing(t.kind, t.duration, "the previous step")
            .replace(" from the previous step", ""),
    }
}

/// What a cure resumes: `mask` as [`crate::compile::Rule::resume`].
fn resume_words(ir: &Automaton, mask: u64) -> String {
    if mask == 0 {
        return String::new();
    }
    if mask == ir.layout.all_caps() {
        return ", resume all".into();
    }
    let names: Vec<&str> = (0..ir.capabilities.len())
        .filter(|&i| mask & super::Layout::cap_field(i) != 0)
        .map(|i| ir.capabilities[i].as_str())
        .collect();
    format!(", resume {}", names.join(", "))
}

/// The automaton as a DOT digraph.
pub fn to_dot(ir: &Automaton) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "digraph \"{}_{}\" {{\n  graph [rankdir=LR, labelloc=t, fontname=\"sans-serif\", nodesep=0.35, ranksep=0.6, \
         label=\"{} · {} {} ({})\"];\n  node [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=11];\n  \
         edge [fontname=\"sans-serif\", fontsize=10];",
        esc(&ir.product),
        ir.billing.name(),
        esc(&ir.agreement),
        esc(&ir.product),
        esc(&ir.text.product_name),
        ir.billing.name()
    );
    for (ri, r) in ir.rules.iter().enumerate() {
        // The rule is named in its idle state, not as a cluster label: a
        // cure edge running back to idle would pass through a label on top.
        let text = &ir.text.rules[ri];
        let whose = if text.general { " (general terms)" } else { "" };
        let rule_title = format!(
            "on {}{whose} · {}:{}",
            ir.event_name(r.trigger),
            file_name(&text.file),
            text.line
        );
        let _ = writeln!(
            out,
            "  subgraph cluster_{ri} {{\n    label=\"\"; style=\"rounded,dashed\"; color=\"#94a3b8\";"
        );
        for k in 0..r.state_count {
            let id = r.first_state.0 + k;
            let (name, style) = match ir.state_kind(StateId(id)) {
                StateKind::Idle => (format!("{rule_title}: idle"), String::new()),
                StateKind::Done => ("done".to_string(), String::new()),
                StateKind::Waiting(step) => {
                    let st = ir.step(step);
                    let mut name = step_words(ir, step);
                    if let Some(c) = &ir.text(step).cite {
                        let _ = write!(name, " §{c}");
                    }
                    let irreversible = st.modality == Modality::Will
                        && ir.actions(step).iter().any(|a| a.verb.is_irreversible());
                    let style = match (st.harmful, irreversible) {
                        (_, true) => ", color=\"#9b1c1c\", fontcolor=\"#9b1c1c\", peripheries=2",
                        (true, false) => ", color=\"#c2410c\", fontcolor=\"#9a3412\"",
                        _ => "",
                    };
                    (name, style.to_string())
                }
            };
            let _ = writeln!(out, "    s{id} [label=\"{}\"{style}];", wrap(&name, 34));
        }
        let _ = writeln!(out, "  }}");
        for k in 0..r.state_count {
            let id = r.first_state.0 + k;
            for e in ir.edges_from(StateId(id)) {
                let ev = ir.event_name(e.event);
                let label = if e.flags & EdgeHot::RESUMES != 0 {
                    format!("{ev}: cure{}", resume_words(ir, r.resume))
                } else {
                    ev.to_string()
                };
                let _ = writeln!(
                    out,
                    "  s{id} -> s{} [label=\"{}\"];",
                    e.target.0,
                    wrap(&label, 24)
                );
            }
            let target = ir.deadline_target(StateId(id));
            if let (Some(e), StateKind::Waiting(step)) = (target, ir.state_kind(StateId(id))) {
                let st = ir.step(step);
                let mut label = timing(ir, step, &st.timing);
                if let Some(alt) = &st.alternative {
                    let _ = write!(label, " or {}", timing(ir, step, alt));
                }
                let _ = writeln!(
                    out,
                    "  s{id} -> s{} [label=\"{}\", style=dashed];",
                    e.0,
                    wrap(&label, 24)
                );
            }
        }
    }
    out.push_str("}\n");
    out
}
