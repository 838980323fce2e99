//! The checked agreement: what `check` produces from the AST once names are
//! resolved and literals validated. Every value here is typed and known to be
//! in range; `compile` and the reference interpreter consume it and never
//! re-validate.

use crate::ast::{Modality, Span};
use crate::calendar::WorkCalendar;
use crate::vocab::{Billing, Reading, Verb};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

/// A checked agreement (all files of one directory).
#[derive(Clone, Debug)]
pub struct Agreement {
    pub id: String,
    pub title: String,
    pub version: String,
    /// The stated effective date; 2000-01-01 when the text states none.
    pub effective: NaiveDate,
    /// Whether the header gives `effective` (some texts state no date).
    pub effective_stated: bool,
    pub zone: Tz,
    /// Name of the working-day calendar (`cn_mainland`), or the path of
    /// the calendar file the header (or `--calendar`) names.
    pub calendar: String,
    /// The working days themselves (the shipped calendar, or a file's).
    pub workdays: &'static WorkCalendar,
    /// Agreement text, when the header names one and it could be read.
    pub source_path: Option<String>,
    pub general: Option<Terms>,
    pub products: Vec<Product>,
    pub ignores: Vec<IgnoreM>,
}

impl Agreement {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The agreement counting workdays and rest days on another calendar
    /// (`--calendar FILE`): `name` says where it came from.
    pub fn with_calendar(mut self, name: &str, workdays: &'static WorkCalendar) -> Agreement {
        self.calendar = name.to_string();
        self.workdays = workdays;
        self
    }

    /// Every variant dimension an account of `product` has: the general
    /// terms' first, then the product's own (values are unique across them).
    pub fn variant_dimensions<'a>(
        &'a self,
        product: &'a Product,
    ) -> impl Iterator<Item = &'a VariantDim> + 'a {
        self.general
            .iter()
            .flat_map(|g| g.variants.iter())
            .chain(&product.variants)
    }

    /// Every event an account of `product` can receive: the built-in ones,
    /// the general terms' and the product's own declared events.
    pub fn events_of<'a>(&'a self, product: &'a Product) -> impl Iterator<Item = &'a str> + 'a {
        crate::vocab::BUILTIN_EVENTS
            .iter()
            .copied()
            .chain(
                self.general
                    .iter()
                    .flat_map(|g| g.events.iter().map(String::as_str)),
            )
            .chain(product.events.iter().map(String::as_str))
    }
}

/// One dimension of the kinds of account a text distinguishes
/// (`variants term: monthly, yearly`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantDim {
    pub name: String,
    pub values: Vec<String>,
}

/// A filter on one variant dimension: the account's value must be one of
/// `values` (values of one dimension are alternatives).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantReq {
    pub dimension: String,
    pub values: Vec<String>,
}

/// A condition on the account's state at an instant. Capability and
/// resource indices are those of the block the condition is written in
/// (like [`Target`]s: a general rule's index its terms' lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConditionM {
    /// `in arrears`: an amount is outstanding, or an arrears of unknown
    /// amount is unpaid.
    InArrears,
    /// `settled`: not in arrears.
    Settled,
    Capability(u16, CapabilityState),
    Resource(u16, ResourceState),
}

/// How a rule stands to the general terms' rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub enum PrecedenceM {
    /// Nothing written: a general and a product rule on one trigger both apply.
    #[default]
    Both,
    /// `yields` (general rules): gives way to any product rule on its
    /// trigger for the same account.
    Yields,
    /// `replaces §X, …` (product rules): removes the general rules on the
    /// same trigger whose steps cite one of these sections or a sub-article.
    Replaces(Vec<String>),
}

/// `while in arrears forbid new_instances`: a restriction applied when the
/// account enters the state and lifted when it leaves it.
#[derive(Clone, Debug)]
pub struct RestrictionM {
    /// Stable name for output: `<product or general>.while#<n>`.
    pub name: String,
    /// The state it lasts for (today only [`ConditionM::InArrears`]).
    pub state: ConditionM,
    pub billing: Vec<Billing>,
    pub variants: Vec<VariantReq>,
    pub modality: Modality,
    /// Restricting actions (suspend, freeze, forbid, stop, read_only).
    pub actions: Vec<ActionM>,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub note: Option<String>,
    /// From the general terms.
    pub general: bool,
    pub origin: Origin,
}

/// Terms of a block: the general terms or one product.
#[derive(Clone, Debug, Default)]
pub struct Terms {
    pub section: String,
    pub billing: Vec<Billing>,
    /// Capabilities the general rules name; index 0 is `service`. General
    /// rules' `Target::Capability(i)` index this list (map by name to a
    /// product's own list).
    pub capabilities: Vec<String>,
    /// Resources the general rules name (`Target::Resource(i)` index this).
    pub resources: Vec<String>,
    /// Events declared in the general terms (visible to every product).
    pub events: Vec<String>,
    /// Variant dimensions every product's accounts have.
    pub variants: Vec<VariantDim>,
    pub rules: Vec<RuleM>,
    pub money: Vec<MoneyM>,
    pub restrictions: Vec<RestrictionM>,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub section: String,
    pub billing: Vec<Billing>,
    /// Declared capabilities; index 0 is always the implicit `service`.
    pub capabilities: Vec<String>,
    pub resources: Vec<String>,
    pub events: Vec<String>,
    /// The product's own variant dimensions (see
    /// [`Agreement::variant_dimensions`] for the general terms' too).
    pub variants: Vec<VariantDim>,
    pub rules: Vec<RuleM>,
    pub money: Vec<MoneyM>,
    pub restrictions: Vec<RestrictionM>,
    pub scenarios: Vec<ScenarioM>,
    /// The `verify { … }` properties, in the order written.
    pub properties: Vec<PropertyM>,
    pub span: Span,
}

impl Product {
    pub fn capability_index(&self, name: &str) -> Option<usize> {
        self.capabilities.iter().position(|c| c == name)
    }
    pub fn resource_index(&self, name: &str) -> Option<usize> {
        self.resources.iter().position(|c| c == name)
    }
}

/// Where a clause came from, for citations in output.
#[derive(Clone, Debug, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RuleM {
    /// Stable name for output: `<product>.<trigger>[.<billing>]#<n>`.
    pub name: String,
    pub trigger: String,
    /// Billing modes the rule applies to (never empty).
    pub billing: Vec<Billing>,
    /// Variant filters (all must match); empty = every account.
    pub variants: Vec<VariantReq>,
    /// `if …`: the trigger starts the rule only when all of these hold.
    pub guard: Vec<ConditionM>,
    pub precedence: PrecedenceM,
    /// Events other than the trigger that steps count from
    /// ([`Anchor::Event`] indexes this list).
    pub anchor_events: Vec<String>,
    pub steps: Vec<StepM>,
    pub cure: Option<CureM>,
    /// From the general terms (applies to every product).
    pub general: bool,
    pub origin: Origin,
}

impl RuleM {
    /// The verbs this rule's steps perform.
    pub fn verbs(&self) -> impl Iterator<Item = Verb> + '_ {
        self.steps
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| a.verb))
    }

    /// Whether this product rule takes precedence over the general-terms
    /// rule `general` for an account both apply to. “如遇不一致之处，以专用条款为准”
    /// is written, not guessed: on the same trigger, `general` `yields`, or
    /// this rule `replaces §X` and a step of `general` cites §X or a
    /// sub-article of it. Which rules apply to the account (billing mode,
    /// variants) is the caller's to decide.
    pub fn replaces(&self, general: &RuleM) -> bool {
        self.trigger == general.trigger
            && match (&general.precedence, &self.precedence) {
                (PrecedenceM::Yields, _) => true,
                (_, PrecedenceM::Replaces(sections)) => sections.iter().any(|x| {
                    general
                        .steps
                        .iter()
                        .any(|s| s.cite.as_deref().is_some_and(|c| cites(c, x)))
                }),
                _ => false,
            }
    }

    /// Whether this general-terms rule stays in force beside `own`, the
    /// product rules that apply to the account: unless one of them
    /// [`replaces`](RuleM::replaces) it, both apply.
    pub fn general_applies<'a>(&self, mut own: impl Iterator<Item = &'a RuleM>) -> bool {
        !own.any(|o| o.replaces(self))
    }
}

/// Whether the citation `cite` is `section` or one of its sub-articles
/// (`3.4.1.2` is within `3.4.1`, `3.4.10` is not).
pub fn cites(cite: &str, section: &str) -> bool {
    cite == section
        || cite
            .strip_prefix(section)
            .is_some_and(|rest| rest.starts_with('.'))
}

#[derive(Clone, Debug)]
pub struct StepM {
    pub label: Option<String>,
    pub timing: TimingM,
    pub alternative: Option<TimingM>,
    pub modality: Modality,
    pub actions: Vec<ActionM>,
    /// `if …`: at its instant the step fires nothing unless all hold.
    pub guard: Vec<ConditionM>,
    /// `even if cured`: the rule's cure does not cancel this step.
    pub even_if_cured: bool,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub note: Option<String>,
    pub origin: Origin,
}

/// What a timing counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Anchor {
    /// The rule's trigger event.
    Trigger,
    /// An earlier step of the same rule (index into `RuleM::steps`).
    Step(usize),
    /// The latest instant another event started a rule of the same
    /// product × billing (index into `RuleM::anchor_events`); for
    /// `arrears`, the start of the current arrears episode.
    Event(u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TimingKindM {
    At,
    After,
    Within,
    Before,
    OnDay,
    /// `on hour N`: the window [anchor + (N−1) h, anchor + N h].
    OnHour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimingM {
    pub kind: TimingKindM,
    /// Zero for `at once`; for `on calendar day N`: `N calendar days`; for
    /// `on hour N`: `N h`.
    pub duration: DurationM,
    pub anchor: Anchor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Unit {
    Minutes,
    Hours,
    /// Exactly 24 h.
    Days,
    CalendarDays,
    Workdays,
    Months,
    /// Civil Code Art. 202: ends at 24:00 of the corresponding day of the
    /// N-th month after the anchor's date (or that month's last day).
    CalendarMonths,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DurationM {
    pub count: u32,
    pub unit: Unit,
}

impl DurationM {
    pub const ZERO: DurationM = DurationM {
        count: 0,
        unit: Unit::Hours,
    };
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionM {
    pub verb: Verb,
    /// Resolved targets: capabilities by index or resources by index.
    pub targets: Vec<Target>,
    /// `customer must pay 500000.00 CNY`.
    pub amount: Option<AmountM>,
}

/// An exact amount of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AmountM {
    pub value: Decimal,
    pub currency: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Target {
    Capability(u16),
    Resource(u16),
}

#[derive(Clone, Debug)]
pub struct CureM {
    /// Alternatives that are one event each (`until renewal, order_paid`):
    /// any of these events cures.
    pub events: Vec<String>,
    /// The other alternatives: `settled` alone, or parts that must all have
    /// happened (`until renewal and settled`).
    pub conjunctions: Vec<CureConjunction>,
    pub resume: ResumeM,
    /// The citation of the cure (`then resume all §17.1.5 quote "…"`),
    /// reported with the `resume` action.
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub note: Option<String>,
    pub origin: Origin,
}

impl CureM {
    /// Whether the cure needs more than "one of these events happened".
    pub fn has_conjunctions(&self) -> bool {
        !self.conjunctions.is_empty()
    }
}

/// `renewal and settled`: every event has happened since the rule started
/// and, with `settled`, a payment left the account settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CureConjunction {
    pub events: Vec<String>,
    pub settled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResumeM {
    Nothing,
    All,
    Listed(Vec<u16>),
}

#[derive(Clone, Debug)]
pub struct MoneyM {
    pub kind: MoneyKindM,
    /// Billing modes the term applies to (never empty: every mode of the
    /// block without a filter).
    pub billing: Vec<Billing>,
    /// Variant filters; empty = every account.
    pub variants: Vec<VariantReq>,
    pub modality: Modality,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Rounding {
    HalfUp,
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RatePeriod {
    Hour,
    Day,
    Month,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LateFeeStart {
    /// From the arrears instant, whole 24 h periods.
    Arrears,
    /// From 00:00 local of the day after the arrears (自欠费次日起).
    NextDay,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MoneyKindM {
    LateFee {
        /// Fraction per period (0.05% → 0.0005).
        rate: Decimal,
        per: RatePeriod,
        from: LateFeeStart,
        rounding: Rounding,
    },
    LiabilityCapMonths {
        months: u32,
    },
    LiabilityCapService,
    LiabilityCapAmount {
        amount: Decimal,
        currency: String,
    },
    Refund {
        by_month: bool,
        part_month_by_day: bool,
        /// The ends the term is about (`on provider_termination`); empty =
        /// any end (a `will terminate` step or a `termination` event).
        causes: Vec<String>,
    },
    /// `no_refund [on …]`: overrides the refund terms for its causes.
    NoRefund {
        causes: Vec<String>,
    },
    RefundWindow {
        duration: DurationM,
        from: String,
        /// `unless review_submitted`: the right ends when this happens.
        unless: Option<String>,
    },
}

impl MoneyKindM {
    /// Which question a term answers; terms of one family compete (the
    /// first that applies decides): 0 the late fee, 1 the liability cap,
    /// 2 what an end refunds (`refund`, `no_refund`), 3 the refund window.
    pub fn family(&self) -> usize {
        match self {
            MoneyKindM::LateFee { .. } => 0,
            MoneyKindM::LiabilityCapMonths { .. }
            | MoneyKindM::LiabilityCapService
            | MoneyKindM::LiabilityCapAmount { .. } => 1,
            MoneyKindM::Refund { .. } | MoneyKindM::NoRefund { .. } => 2,
            MoneyKindM::RefundWindow { .. } => 3,
        }
    }

    /// The keyword the term is written with.
    pub fn keyword(&self) -> &'static str {
        match self {
            MoneyKindM::LateFee { .. } => "late_fee",
            MoneyKindM::LiabilityCapMonths { .. }
            | MoneyKindM::LiabilityCapService
            | MoneyKindM::LiabilityCapAmount { .. } => "liability_cap",
            MoneyKindM::Refund { .. } => "refund",
            MoneyKindM::NoRefund { .. } => "no_refund",
            MoneyKindM::RefundWindow { .. } => "refund_window",
        }
    }
}

#[derive(Clone, Debug)]
pub struct IgnoreM {
    pub section: String,
    pub reason: String,
    pub origin: Origin,
}

// ------------------------------------------------------------------ scenarios

#[derive(Clone, Debug)]
pub struct ScenarioM {
    pub name: String,
    pub product: String,
    pub billing: Billing,
    /// The account's variant values (`prepaid yearly`), in dimension order.
    pub variants: Vec<String>,
    pub reading: Reading,
    pub events: Vec<EventM>,
    pub expects: Vec<ExpectM>,
    pub origin: Origin,
}

/// One dated event of a timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventM {
    pub at: DateTime<Utc>,
    pub event: String,
    pub amount: Option<Decimal>,
    /// End of a purchase's paid term.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct ExpectM {
    pub kind: ExpectKindM,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKindM {
    Fired {
        at: DateTime<Utc>,
        verb: Verb,
        targets: Vec<Target>,
    },
    NotFired {
        verb: Verb,
        targets: Vec<Target>,
        before: DateTime<Utc>,
    },
    Capability {
        at: DateTime<Utc>,
        capability: u16,
        state: CapabilityState,
    },
    Service {
        at: DateTime<Utc>,
        state: ServiceState,
    },
    Data {
        at: DateTime<Utc>,
        state: DataState,
    },
    Resource {
        at: DateTime<Utc>,
        resource: u16,
        state: ResourceState,
    },
    Obligation {
        at: DateTime<Utc>,
        kind: String,
        amount: Decimal,
    },
    Window {
        at: DateTime<Utc>,
        verb: Verb,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityState {
    Active,
    Suspended,
    Forbidden,
    ReadOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Active,
    Suspended,
    Stopped,
    Terminated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataState {
    Retained,
    Purged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceState {
    Retained,
    Released,
    Purged,
}

/// An action a property is about, with the targets it must touch (none:
/// any), in the product's numbering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRefM {
    pub verb: Verb,
    pub targets: Vec<Target>,
}

/// A checked property (`verify { … }`; docs/language.md, "Properties").
#[derive(Clone, Debug)]
pub struct PropertyM {
    pub kind: PropertyKindM,
    /// The billing modes it is about (its block's filter, or every mode
    /// the product declares).
    pub billing: Vec<Billing>,
    /// The property as `clausec fmt` writes it.
    pub text: String,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropertyKindM {
    NoBefore {
        action: ActionRefM,
        within: DurationM,
        from: Vec<String>,
        unless: Vec<String>,
    },
    Preceded {
        action: ActionRefM,
        by: Vec<ActionRefM>,
    },
    AfterNo {
        after: Vec<String>,
        action: ActionRefM,
        until: Vec<String>,
    },
    Follows {
        action: ActionRefM,
        after: Vec<String>,
        unless: Vec<String>,
    },
    /// `late_fee at most <rate> per day of arrears`: at every instant the
    /// late fee is at most `rate` (a fraction: 0.05% → 0.0005) of the most
    /// owed on each whole day counted (docs/semantics.md, "Money bounds").
    LateFeeAtMost { rate: Decimal },
}
