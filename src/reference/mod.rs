//! A reference interpreter: evaluates a timeline directly over the checked
//! model, without the IR, packed states or cached deadlines. Deliberately
//! simple (loops over rules, vectors of plain enums, every instant placed
//! from scratch) so the differential test can hold the automaton to it.
//!
//! It shares with the evaluator only the vocabulary table ([`crate::vocab`],
//! what each verb does) and the calendar ([`crate::calendar`], how durations
//! fall); rule selection and precedence, capability, service and balance
//! states, cures and money are written again here, so the differential test
//! cross-checks them.
//!
//! One meaning, two entry points. The compiled machine runs issue #12's
//! account-state semantics (docs/semantics.md) for every product — the
//! arrears balance, `settled` and conjunctive cures, restrictions while in
//! arrears, guards, variants, anchors on another rule's event, `even if
//! cured`, reported restorations, explicit precedence, ends and refunds by
//! cause, refund windows, the late fee on the balance and the Civil Code's
//! rest-day extension — and so does this interpreter. The entry points differ
//! only in how they are asked and answer:
//!
//! * [`evaluate`] ([`Semantics::Current`]) takes a product and billing mode
//!   as the machine is selected and answers with the evaluator's
//!   [`Evaluation`], for the differential test over the shipped agreements;
//! * [`run`] ([`Semantics::AccountState`]) takes an [`Account`] with its
//!   variant values, checks them as `eval` does (billing declared, variants
//!   known and complete) and answers by name ([`Outcome`]); the feature clause
//!   files under `tests/lang/` are checked against it.

mod engine;
mod money;
mod output;
mod place;
mod select;

pub use output::{ActionOut, ObligationOut, Outcome, PendingOut, WindowOut};

use crate::eval::{EvalError, Evaluation};
use crate::model::Agreement;
use crate::vocab::{Billing, Reading};
use engine::Engine;
use rust_decimal::Decimal;

/// One event of a timeline, by name.
#[derive(Clone, Debug)]
pub struct RefEvent {
    pub at: i64,
    pub event: String,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
}

/// How the interpreter is asked (one meaning: see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Semantics {
    /// As [`evaluate`] is asked: a selected product and billing mode, the
    /// evaluator's errors.
    Current,
    /// As [`run`] is asked: an account with its variant values, checked.
    AccountState,
}

/// One account: its product, billing mode and variant values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub product: String,
    pub billing: Billing,
    pub variants: Vec<String>,
}

/// Why an evaluation stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error("no product `{0}` in this agreement")]
    UnknownProduct(String),
    #[error("product `{product}` is not sold as `{billing}`")]
    BillingNotDeclared { product: String, billing: String },
    #[error("`{value}` is not a variant of product `{product}` (its variants: {known})")]
    UnknownVariant {
        product: String,
        value: String,
        known: String,
    },
    #[error("two values of variant `{dimension}`: `{first}` and `{second}`")]
    VariantTwice {
        dimension: String,
        first: String,
        second: String,
    },
    #[error("the account needs its `{dimension}` ({values}): rules or money terms of product `{product}` depend on it")]
    VariantMissing {
        product: String,
        dimension: String,
        values: String,
    },
    #[error("negative amount {amount} on `{event}` at {at}: amounts are what is owed or paid")]
    NegativeAmount {
        event: String,
        amount: Decimal,
        at: i64,
    },
}

fn engine<'a>(
    agreement: &'a Agreement,
    account: &'a Account,
    reading: Reading,
    timeline: &'a [RefEvent],
    at: i64,
    semantics: Semantics,
) -> Result<Engine<'a>, RefError> {
    let p = agreement
        .product(&account.product)
        .ok_or_else(|| RefError::UnknownProduct(account.product.clone()))?;
    if semantics == Semantics::AccountState {
        if !p.billing.contains(&account.billing) {
            return Err(RefError::BillingNotDeclared {
                product: p.id.clone(),
                billing: account.billing.name().to_string(),
            });
        }
        select::check_variants(agreement, p, account)?;
    }
    let accepted =
        |t: i64| (crate::compile::layout::FIRST..=crate::compile::layout::LAST).contains(&t);
    let mut e = Engine::new(agreement, p, account, timeline, reading);
    for ev in timeline.iter().filter(|e| e.at <= at) {
        if let Some(t) = [Some(ev.at), ev.until]
            .into_iter()
            .flatten()
            .find(|t| !accepted(*t))
        {
            return Err(EvalError::OutOfRange { at: t }.into());
        }
        if let Some(a) = ev.amount.filter(|a| *a < Decimal::ZERO) {
            return Err(match semantics {
                Semantics::Current => EvalError::NegativeAmount {
                    at: ev.at,
                    amount: a,
                }
                .into(),
                Semantics::AccountState => RefError::NegativeAmount {
                    event: ev.event.clone(),
                    amount: a,
                    at: ev.at,
                },
            });
        }
        e.event(ev)?;
    }
    if !accepted(at) {
        return Err(EvalError::OutOfRange { at }.into());
    }
    e.fire_until(at)?;
    Ok(e)
}

/// Evaluates `timeline` (sorted) at `at` for one product × billing under
/// today's semantics, as the evaluator reports it.
pub fn evaluate(
    agreement: &Agreement,
    product: &str,
    billing: Billing,
    reading: Reading,
    timeline: &[RefEvent],
    at: i64,
) -> Result<Evaluation, EvalError> {
    let account = Account {
        product: product.to_string(),
        billing,
        variants: Vec::new(),
    };
    evaluate_account(agreement, &account, reading, timeline, at)
}

/// [`evaluate`] for an account with variant values.
pub fn evaluate_account(
    agreement: &Agreement,
    account: &Account,
    reading: Reading,
    timeline: &[RefEvent],
    at: i64,
) -> Result<Evaluation, EvalError> {
    let e = engine(
        agreement,
        account,
        reading,
        timeline,
        at,
        Semantics::Current,
    )
    .map_err(|e| match e {
        RefError::Eval(e) => e,
        other => EvalError::UnknownEvent(other.to_string()),
    })?;
    output::evaluation(&e, at).map_err(|e| match e {
        RefError::Eval(e) => e,
        other => EvalError::UnknownEvent(other.to_string()),
    })
}

/// Evaluates `timeline` (sorted) at `at` for one account under the
/// account-state semantics of issue #12.
pub fn run(
    agreement: &Agreement,
    account: &Account,
    reading: Reading,
    timeline: &[RefEvent],
    at: i64,
) -> Result<Outcome, RefError> {
    let e = engine(
        agreement,
        account,
        reading,
        timeline,
        at,
        Semantics::AccountState,
    )?;
    output::outcome(&e, at)
}

/// One account's time line under the account-state semantics, as
/// scenario expectations see it ([`crate::expect::decide`]: the same
/// decision `clausec test` makes for the compiled machine).
pub struct ReferenceRun<'a> {
    pub agreement: &'a Agreement,
    pub account: Account,
    pub reading: Reading,
    /// Sorted by instant.
    pub timeline: Vec<RefEvent>,
}

impl crate::expect::Observe for ReferenceRun<'_> {
    type Error = RefError;
    fn actions(&self, horizon: i64) -> Result<Vec<crate::expect::FiredAction>, RefError> {
        let o = run(
            self.agreement,
            &self.account,
            self.reading,
            &self.timeline,
            horizon,
        )?;
        Ok(o.actions
            .into_iter()
            .map(|a| (a.at, a.verb, a.targets))
            .collect())
    }
    fn observe(&self, at: i64) -> Result<crate::expect::Observation, RefError> {
        let o = run(
            self.agreement,
            &self.account,
            self.reading,
            &self.timeline,
            at,
        )?;
        Ok(crate::expect::Observation {
            capabilities: o.capabilities,
            service: o.service,
            resources: o.resources,
            obligations: o
                .obligations
                .into_iter()
                .map(|x| (x.kind, x.amount))
                .collect(),
            windows: o
                .windows
                .into_iter()
                .map(|w| (w.verb, w.start, w.end))
                .collect(),
        })
    }
    fn format_instant(&self, at: i64) -> String {
        chrono::DateTime::from_timestamp(at, 0)
            .map(|t| {
                t.with_timezone(&self.agreement.zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .unwrap_or_else(|| at.to_string())
    }
    fn last_event(&self) -> Option<i64> {
        self.timeline.iter().map(|e| e.at).max()
    }
}

impl<'a> ReferenceRun<'a> {
    /// A scenario's account and events.
    pub fn of_scenario(agreement: &'a Agreement, s: &crate::model::ScenarioM) -> ReferenceRun<'a> {
        let mut timeline: Vec<RefEvent> = s
            .events
            .iter()
            .map(|e| RefEvent {
                at: e.at.timestamp(),
                event: e.event.clone(),
                amount: e.amount,
                until: e.until.map(|u| u.timestamp()),
            })
            .collect();
        timeline.sort_by_key(|e| e.at);
        ReferenceRun {
            agreement,
            account: Account {
                product: s.product.clone(),
                billing: s.billing,
                variants: s.variants.clone(),
            },
            reading: s.reading,
            timeline,
        }
    }
}
