//! The documented output shape (docs/api.md): an [`Evaluation`] with names,
//! citations, quotes and RFC 3339 instants in the agreement's zone.

use super::types::*;
use super::Machine;
use crate::compile::StepIx;
use crate::model::{DataState, ResourceState, Target};
pub use crate::vocab::modality_name;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub agreement: String,
    pub product: String,
    pub billing: String,
    /// The account's variant values (absent for a product without variants).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    pub at: String,
    pub reading: String,
    pub actions: Vec<ActionReport>,
    pub pending: Vec<PendingReport>,
    pub windows: Vec<WindowReport>,
    pub capabilities: BTreeMap<String, crate::model::CapabilityState>,
    pub service: crate::model::ServiceState,
    pub data: DataState,
    pub resources: BTreeMap<String, ResourceState>,
    /// Resources released or purged: never coming back.
    pub irreversible: Vec<String>,
    pub obligations: Vec<ObligationReport>,
    pub rounding: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionReport {
    pub at: String,
    pub action: String,
    pub targets: Vec<String>,
    pub modality: String,
    pub rule: String,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readings: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<[String; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PendingReport {
    pub due: String,
    pub action: String,
    pub targets: Vec<String>,
    pub cite: Option<String>,
    /// The rule's cures, each as written (`renewal`, `renewal and
    /// settled`): any of them coming first cancels the step. Empty for a
    /// kept step and for a rule without a cure.
    pub cancelled_by: Vec<String>,
    /// An `even if cured` step a cure coming now would not cancel
    /// ([`Pending::kept`]).
    pub kept: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct WindowReport {
    pub action: String,
    pub modality: String,
    pub start: String,
    pub end: Option<String>,
    pub rule: String,
    pub cite: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ObligationReport {
    pub party: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub cite: Option<String>,
}

/// The state `data` reads in reports and expectations: the resource `data`
/// when the product declares one; otherwise purged when every resource is
/// (and there is at least one). `expect … data` ([`crate::expect`]) reads
/// the same.
pub fn data_state(resources: &[String], states: &[ResourceState]) -> DataState {
    let purged = match resources.iter().position(|r| r == "data") {
        Some(i) => states.get(i) == Some(&ResourceState::Purged),
        None => !states.is_empty() && states.iter().all(|r| *r == ResourceState::Purged),
    };
    if purged {
        DataState::Purged
    } else {
        DataState::Retained
    }
}

impl Machine {
    /// An obligation's kind as reports and scenarios name it: `late_fee`,
    /// `refund`, `liability_cap`, or the verb of a `customer must` step.
    pub fn obligation_kind(&self, kind: ObligationKind) -> &'static str {
        match kind {
            ObligationKind::Step(s) => self
                .ir
                .actions(s)
                .first()
                .map_or("obligation", |a| a.verb.name()),
            ObligationKind::LateFee => "late_fee",
            ObligationKind::Refund(_) => "refund",
            ObligationKind::LiabilityCap => "liability_cap",
            ObligationKind::RefundWindow => "refund_window",
        }
    }

    /// An instant as RFC 3339 in the agreement's zone.
    pub fn format_instant(&self, at: i64) -> String {
        chrono::DateTime::from_timestamp(at, 0)
            .map(|t| {
                t.with_timezone(&self.ir.zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .unwrap_or_else(|| at.to_string())
    }

    /// Names of an action's targets (the checker wrote out every default,
    /// so these are the targets the action acts on).
    pub fn target_names(&self, targets: &[Target]) -> Vec<String> {
        targets
            .iter()
            .map(|t| match t {
                Target::Capability(i) => self.ir.capabilities.get(*i as usize),
                Target::Resource(i) => self.ir.resources.get(*i as usize),
            })
            .map(|n| n.cloned().unwrap_or_else(|| "?".into()))
            .collect()
    }

    /// The names of what an action of a fired step acted on: for a cure's
    /// `resume`, the capabilities it restored ([`Fired::restored`]); else
    /// the action's targets.
    pub fn fired_targets(&self, f: &Fired, a: &crate::compile::Action) -> Vec<String> {
        if f.restored == 0 {
            return self.target_names(self.ir.targets(a));
        }
        self.ir
            .capabilities
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                u32::try_from(*i)
                    .ok()
                    .and_then(|i| f.restored.checked_shr(i))
                    .is_some_and(|b| b & 1 == 1)
            })
            .map(|(_, n)| n.clone())
            .collect()
    }

    fn rule_name(&self, step: StepIx) -> String {
        let s = self.ir.step(step);
        self.ir.rule_name(usize::from(s.rule)).to_string()
    }

    /// One report entry per action of each fired step.
    pub fn action_reports(&self, f: &Fired) -> Vec<ActionReport> {
        let s = self.ir.step(f.step);
        let text = self.ir.text(f.step);
        self.ir
            .actions(f.step)
            .iter()
            .map(|a| ActionReport {
                at: self.format_instant(f.at),
                action: a.verb.name().to_string(),
                targets: self.fired_targets(f, a),
                modality: modality_name(s.modality).to_string(),
                rule: self.rule_name(f.step),
                cite: text.cite.clone(),
                quote: text.quote.clone(),
                file: text.file.clone(),
                line: text.line,
                readings: f
                    .readings
                    .map(|r| [self.format_instant(r[0]), self.format_instant(r[1])]),
                window: f
                    .window
                    .map(|r| [self.format_instant(r[0]), self.format_instant(r[1])]),
            })
            .collect()
    }

    /// The step API's report, in `eval`'s JSON shape: the steps `fired`
    /// (what [`Machine::step`] and [`Machine::advance_to`] returned) as
    /// `actions`, and what is in force for the account at `at`
    /// ([`Machine::status`]).
    pub fn report_step(
        &self,
        st: &AccountState,
        fired: &[Fired],
        at: i64,
    ) -> Result<Report, EvalError> {
        let mut actions = fired.to_vec();
        actions.sort_by_key(|f| f.at);
        Ok(self.report(&Evaluation {
            at,
            reading: self.ir.reading,
            actions,
            status: self.status(st, at)?,
        }))
    }

    /// The documented JSON shape of an evaluation.
    pub fn report(&self, e: &Evaluation) -> Report {
        let st = &e.status;
        let actions = e
            .actions
            .iter()
            .flat_map(|f| self.action_reports(f))
            .collect();
        let pending = st
            .pending
            .iter()
            .flat_map(|p| {
                let rule = usize::from(self.ir.step(p.step).rule);
                let cite = &self.ir.text(p.step).cite;
                self.ir.actions(p.step).iter().map(move |a| PendingReport {
                    due: self.format_instant(p.due),
                    action: a.verb.name().to_string(),
                    targets: self.target_names(self.ir.targets(a)),
                    cite: cite.clone(),
                    cancelled_by: if p.kept {
                        Vec::new()
                    } else {
                        self.ir.cure_texts(rule)
                    },
                    kept: p.kept,
                })
            })
            .collect();
        let windows = st
            .windows
            .iter()
            .flat_map(|w| {
                let s = self.ir.step(w.step);
                let cite = &self.ir.text(w.step).cite;
                self.ir.actions(w.step).iter().map(move |a| WindowReport {
                    action: a.verb.name().to_string(),
                    modality: modality_name(s.modality).to_string(),
                    start: self.format_instant(w.start),
                    end: w.end.map(|x| self.format_instant(x)),
                    rule: self.rule_name(w.step),
                    cite: cite.clone(),
                })
            })
            .collect();
        // Index 0 is the implicit `service`: its state is the `service`
        // field (which also knows `stopped` and `terminated`), so it is not
        // repeated here where it could only read `active` or `suspended`.
        let capabilities = self
            .ir
            .capabilities
            .iter()
            .cloned()
            .zip(st.capabilities.iter().copied())
            .skip(1)
            .collect();
        let resources: BTreeMap<String, ResourceState> = self
            .ir
            .resources
            .iter()
            .cloned()
            .zip(st.resources.iter().copied())
            .collect();
        let irreversible = resources
            .iter()
            .filter(|(_, s)| **s != ResourceState::Retained)
            .map(|(n, _)| n.clone())
            .collect();
        let data = data_state(&self.ir.resources, &st.resources);
        let obligations = st
            .obligations
            .iter()
            .map(|o| {
                let (party, cite) = match o.kind {
                    ObligationKind::Step(s) => ("customer", self.ir.text(s).cite.clone()),
                    ObligationKind::LateFee => (
                        "customer",
                        self.ir.text.late_fee.as_ref().and_then(|m| m.cite.clone()),
                    ),
                    ObligationKind::Refund(t) => (
                        "provider",
                        self.ir
                            .text
                            .refunds
                            .get(usize::from(t))
                            .and_then(|m| m.cite.clone()),
                    ),
                    ObligationKind::RefundWindow => (
                        "provider",
                        self.ir
                            .text
                            .refund_window
                            .as_ref()
                            .and_then(|m| m.cite.clone()),
                    ),
                    ObligationKind::LiabilityCap => (
                        "provider",
                        self.ir
                            .text
                            .liability_cap
                            .as_ref()
                            .and_then(|m| m.cite.clone()),
                    ),
                };
                ObligationReport {
                    party: party.into(),
                    kind: self.obligation_kind(o.kind).to_string(),
                    amount: o.amount.map(|a| a.to_string()),
                    until: o.until.map(|u| self.format_instant(u)),
                    cite,
                }
            })
            .collect();
        let rounding = self
            .ir
            .money
            .late_fee
            .as_ref()
            .map_or(crate::model::Rounding::HalfUp, |l| l.rounding);
        Report {
            agreement: self.ir.agreement.clone(),
            product: self.ir.product.clone(),
            billing: self.ir.billing.name().to_string(),
            variants: self.ir.variants.clone(),
            at: self.format_instant(e.at),
            reading: e.reading.name().to_string(),
            actions,
            pending,
            windows,
            capabilities,
            service: st.service,
            data,
            resources,
            irreversible,
            obligations,
            rounding: super::money::rounding_name(rounding).to_string(),
        }
    }
}
