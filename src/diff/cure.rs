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

fn cures_of(m: &Machine, trigger: &str) -> Vec<String> {
    m.ir.rules
        .iter()
        .enumerate()
        .filter(|(_, r)| m.ir.event_name(r.trigger) == trigger)
        .flat_map(|(ri, _)| {
            m.ir.cures(ri)
                .iter()
                .map(|c| m.ir.event_name(*c).to_string())
        })
        .collect()
}

impl Pb<'_> {
    pub(super) fn cure_changes(
        &self,
        t: &str,
        ro: &Run,
        rn: &Run,
        instants: &[i64],
    ) -> R<Vec<Change>> {
        let mut cures = cures_of(self.old, t);
        cures.extend(cures_of(self.new, t));
        cures.sort_by_key(|c| trigger_order(c));
        cures.dedup();
        let mut out: Vec<Change> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let trig = ProbeEvent {
            at: self.ctx.t0,
            event: t.to_string(),
            amount: None,
        };
        for c in &cures {
            for &inst in instants {
                let cure_at = inst - 60;
                if cure_at <= self.ctx.t0 {
                    continue;
                }
                let events = vec![
                    trig.clone(),
                    ProbeEvent {
                        at: cure_at,
                        event: c.clone(),
                        amount: None,
                    },
                ];
                let co = probe::run(self.old, &events, self.horizon())?;
                let cn = probe::run(self.new, &events, self.horizon())?;
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
                found.extend(self.resumption(t, &trig, &events, cure_at)?);
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
        trig: &ProbeEvent,
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
        let before_o = status(self.old, std::slice::from_ref(trig))?;
        let before_n = status(self.new, std::slice::from_ref(trig))?;
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
