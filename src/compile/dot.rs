//! The IR as Graphviz DOT for `clausec graph`: one cluster per rule, states
//! named, edges labelled with events or deadlines and citations.

use super::{AnchorIr, Automaton, Effect, StateKind, TimingIr};
use crate::model::{TimingKindM, Unit};
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn duration(t: &TimingIr) -> String {
    let unit = match t.duration.unit {
        Unit::Minutes => "min",
        Unit::Hours => "h",
        Unit::Days => "d",
        Unit::CalendarDays => " calendar days",
        Unit::Workdays => " workdays",
        Unit::Months => " months",
    };
    format!("{}{unit}", t.duration.count)
}

fn timing(ir: &Automaton, t: &TimingIr) -> String {
    let from = match t.anchor {
        AnchorIr::Trigger => "trigger".to_string(),
        AnchorIr::Step(s) => {
            let st = ir.step(s);
            st.label.clone().unwrap_or_else(|| format!("step {}", s.0))
        }
    };
    match t.kind {
        TimingKindM::At => format!("at {from}"),
        TimingKindM::After => format!("after {} from {from}", duration(t)),
        TimingKindM::Before => format!("before {} from {from}", duration(t)),
        TimingKindM::Within => format!("within {} from {from}", duration(t)),
        TimingKindM::OnDay => format!("on calendar day {} from {from}", t.duration.count),
    }
}

/// The automaton as a DOT digraph.
pub fn to_dot(ir: &Automaton) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "digraph \"{}_{}\" {{\n  rankdir=LR;\n  label=\"{} / {} ({})\";\n  node [shape=box, style=rounded];",
        esc(&ir.product),
        ir.billing.name(),
        esc(&ir.agreement),
        esc(&ir.product),
        ir.billing.name()
    );
    for (ri, r) in ir.rules.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{ri} {{\n    label=\"{} ({}:{})\";",
            esc(&r.name),
            esc(&r.file),
            r.line
        );
        for k in 0..r.state_count {
            let id = r.first_state.0 + k;
            let s = &ir.states[id as usize];
            let name = match s.kind {
                StateKind::Idle => "idle".to_string(),
                StateKind::Done => "done".to_string(),
                StateKind::Waiting(step) => {
                    let st = ir.step(step);
                    let verbs: Vec<&str> = st.actions.iter().map(|a| a.verb.name()).collect();
                    format!("waiting: {}", verbs.join(" and "))
                }
            };
            let _ = writeln!(out, "    s{id} [label=\"{}\"];", esc(&name));
        }
        let _ = writeln!(out, "  }}");
        for k in 0..r.state_count {
            let id = r.first_state.0 + k;
            let s = &ir.states[id as usize];
            for e in &s.on_event {
                let ev = e.event.map(|x| ir.event_name(x)).unwrap_or("?");
                let cure = e.effects.iter().any(|f| matches!(f, Effect::Resume(_)));
                let label = if cure {
                    format!("{ev} (cure)")
                } else {
                    ev.to_string()
                };
                let _ = writeln!(
                    out,
                    "  s{id} -> s{} [label=\"{}\"];",
                    e.target.0,
                    esc(&label)
                );
            }
            if let (Some(e), StateKind::Waiting(step)) = (&s.on_deadline, s.kind) {
                let st = ir.step(step);
                let mut label = timing(ir, &st.timing);
                if let Some(alt) = &st.alternative {
                    let _ = write!(label, " or {}", timing(ir, alt));
                }
                if let Some(c) = &st.cite {
                    let _ = write!(label, " §{c}");
                }
                let _ = writeln!(
                    out,
                    "  s{id} -> s{} [label=\"{}\", style=dashed];",
                    e.target.0,
                    esc(&label)
                );
            }
        }
    }
    out.push_str("}\n");
    out
}
