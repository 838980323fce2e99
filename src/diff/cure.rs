//! Cure probes: the trigger, then one cure event a minute before each
//! instant either version acts. Compared on the ground both versions share
//! (see [`super::compare`]): whether pending acts both have are cancelled,
//! the state after the cure of capabilities that were alike before it, and
//! what the cure event itself starts.

use super::compare::{self, cancellations, started_by_cure};
use super::probe::{self, act_text, Act, ProbeEvent, Run};
use super::rules::{cite, rule_cite, serde_name, trigger_order, Pb, R};
use super::scenario::Focus;
use super::{Change, ChangeKind, Side};
use crate::eval::Machine;
use std::collections::BTreeSet;

/// The cure alternatives of the rules on `trigger`, each as the probe
/// events that make it: one event (`until renewal`), or every event part of
/// a conjunctive cure in the order the rule lists them, with `payment` for
/// `settled` (a payment without an amount leaves the account settled:
/// docs/semantics.md, “The arrears balance”). `until settled` alone is
/// `[payment]`.
fn cures_of(m: &Machine, trigger: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (ri, r) in m.ir.rules.iter().enumerate() {
        if m.ir.event_name(r.trigger) != trigger {
            continue;
        }
        out.extend(
            m.ir.cures(ri)
                .iter()
                .map(|c| vec![m.ir.event_name(*c).to_string()]),
        );
        let events = m.ir.conj_events.get(r.conj_events.range()).unwrap_or(&[]);
        for c in m.ir.conjunctions.get(r.conjunctions.range()).unwrap_or(&[]) {
            let mut parts: Vec<String> = events
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    u32::try_from(*i).is_ok_and(|i| i < 64 && c.events & (1 << i) != 0)
                })
                .map(|(_, e)| m.ir.event_name(*e).to_string())
                .collect();
            if c.settled && !parts.iter().any(|p| p == "payment") {
                parts.push("payment".to_string());
            }
            out.push(parts);
        }
    }
    out
}

impl Pb<'_> {
    /// `base`: the trigger's probe (with the arrears before it when a
    /// rule on `t` is guarded), `only`: the trigger whose rules' acts are
    /// kept, as for the runs `ro` and `rn` without a cure.
    pub(super) fn cure_changes(
        &self,
        t: &str,
        base: &[ProbeEvent],
        only: Option<&str>,
        (ro, rn): (&Run, &Run),
        instants: &[i64],
    ) -> R<Vec<Change>> {
        let mut cures = cures_of(self.old, t);
        cures.extend(cures_of(self.new, t));
        cures.sort_by_key(|c| {
            (
                c.len(),
                c.iter().map(|e| trigger_order(e)).collect::<Vec<_>>(),
            )
        });
        cures.dedup();
        let mut out: Vec<Change> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for parts in &cures {
            let c = parts.join("` and `");
            for &inst in instants {
                let cure_at = inst - 60;
                if cure_at <= self.ctx.t0 {
                    continue;
                }
                let mut events = base.to_vec();
                events.extend(parts.iter().map(|e| ProbeEvent {
                    at: cure_at,
                    event: e.clone(),
                    amount: None,
                    until: None,
                }));
                let co = probe::run_on(self.old, &events, self.horizon(), only)?;
                let cn = probe::run_on(self.new, &events, self.horizon(), only)?;
                let after = |r: &Run| -> Vec<Act> {
                    r.acts.iter().filter(|a| a.at >= cure_at).cloned().collect()
                };
                let (po, pn, ao, an) = (after(ro), after(rn), after(&co), after(&cn));
                let point = format!(
                    "`{c}` {} before {}",
                    "1min",
                    probe::offset_text(self.ctx.t0, inst, self.ctx.new.zone)
                );
                let mut found: Vec<(String, Side, Side, Focus)> = Vec::new();
                let (xo, xn) = (cancellations(&po, &ao), cancellations(&pn, &an));
                for (k, (co_n, _, a_o)) in &xo {
                    let Some((cn_n, _, a_n)) = xn.get(k) else {
                        continue;
                    };
                    if (*co_n > 0) != (*cn_n > 0) {
                        let word = |cancels: bool| {
                            if cancels {
                                "cancels"
                            } else {
                                "does not cancel"
                            }
                        };
                        let so =
                            self.side(true, format!("{} {}", word(*co_n > 0), act_text(a_o)), a_o);
                        let sn =
                            self.side(false, format!("{} {}", word(*cn_n > 0), act_text(a_n)), a_n);
                        let focus = if *cn_n > 0 {
                            Focus {
                                old_acts: vec![a_o.clone()],
                                ..Focus::default()
                            }
                        } else {
                            Focus {
                                new_acts: vec![a_n.clone()],
                                ..Focus::default()
                            }
                        };
                        found.push((format!("cancel {k:?}"), so, sn, focus));
                    }
                }
                let (so_, sn_) = (started_by_cure(&po, &ao), started_by_cure(&pn, &an));
                let rel = |v: &[Act]| -> Vec<(i64, compare::ActKey)> {
                    v.iter()
                        .map(|a| (a.at - cure_at, compare::key(a)))
                        .collect()
                };
                if rel(&so_) != rel(&sn_) {
                    let list = |v: &[Act]| {
                        if v.is_empty() {
                            "starts nothing".to_string()
                        } else {
                            format!(
                                "starts {}",
                                v.iter()
                                    .map(|a| format!(
                                        "{} {}",
                                        act_text(a),
                                        probe::offset_text(cure_at, a.at, self.ctx.new.zone)
                                    ))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        }
                    };
                    let so = Side {
                        what: list(&so_),
                        cite: so_.first().map_or_else(
                            || rule_cite(self.old, &self.ctx.old_label, t),
                            |a| cite(&self.ctx.old_label, a),
                        ),
                    };
                    let sn = Side {
                        what: list(&sn_),
                        cite: sn_.first().map_or_else(
                            || rule_cite(self.new, &self.ctx.new_label, t),
                            |a| cite(&self.ctx.new_label, a),
                        ),
                    };
                    found.push((
                        "starts".into(),
                        so,
                        sn,
                        Focus {
                            new_acts: sn_.clone(),
                            old_acts: so_.clone(),
                            instants: vec![cure_at],
                        },
                    ));
                }
                found.extend(self.resumption(t, base, &events, cure_at)?);
                for (key, so, sn, focus) in found {
                    if !seen.insert(format!("{c} {key} {} {}", so.what, sn.what)) {
                        continue;
                    }
                    let text = format!(
                        "{point}: {} ({}) → {} ({})",
                        so.what, so.cite, sn.what, sn.cite
                    );
                    let mut ch = self.mk(t, ChangeKind::Cure, Some(so), Some(sn), text);
                    self.attach(&mut ch, &events, &focus, &[cure_at, inst])?;
                    out.push(ch);
                }
            }
        }
        Ok(out)
    }

    /// Capabilities in the same state in both versions just before the
    /// cure whose state after it differs.
    fn resumption(
        &self,
        t: &str,
        base: &[ProbeEvent],
        events: &[ProbeEvent],
        cure_at: i64,
    ) -> R<Vec<(String, Side, Side, Focus)>> {
        let status = |m: &Machine, ev: &[ProbeEvent]| -> R<Vec<(String, String)>> {
            let known = probe::known_events(m, ev);
            let st = m.evaluate(&known, cure_at)?.status;
            let mut v: Vec<(String, String)> =
                m.ir.capabilities
                    .iter()
                    .cloned()
                    .zip(st.capabilities.iter().map(serde_name))
                    .collect();
            if let Some(s) = v.first_mut() {
                s.1 = serde_name(&st.service);
            }
            Ok(v)
        };
        let before_o = status(self.old, base)?;
        let before_n = status(self.new, base)?;
        let after_o = status(self.old, events)?;
        let after_n = status(self.new, events)?;
        let mut out = Vec::new();
        let common_before_equal = before_o.iter().all(|(name, bo)| {
            before_n
                .iter()
                .find(|(n, _)| n == name)
                .is_none_or(|(_, bn)| bn == bo)
        });
        if !common_before_equal {
            return Ok(out);
        }
        for (name, bo) in &before_o {
            let Some((_, bn)) = before_n.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let ao = after_o.iter().find(|(n, _)| n == name).map(|x| &x.1);
            let an = after_n.iter().find(|(n, _)| n == name).map(|x| &x.1);
            if bo == bn && ao != an {
                let so = Side {
                    what: format!("{name} {} after it", ao.cloned().unwrap_or_default()),
                    cite: rule_cite(self.old, &self.ctx.old_label, t),
                };
                let sn = Side {
                    what: format!("{name} {} after it", an.cloned().unwrap_or_default()),
                    cite: rule_cite(self.new, &self.ctx.new_label, t),
                };
                out.push((
                    format!("state {name}"),
                    so,
                    sn,
                    Focus {
                        instants: vec![cure_at],
                        ..Focus::default()
                    },
                ));
            }
        }
        Ok(out)
    }
}
