//! The checked agreement: what `check` produces from the AST once names are
//! resolved and literals validated. Every value here is typed and known to be
//! in range; `compile` and the reference interpreter consume it and never
//! re-validate.

use crate::ast::{Modality, Span};
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
    /// Name of the working-day calendar (`cn_mainland`).
    pub calendar: String,
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
    pub rules: Vec<RuleM>,
    pub money: Vec<MoneyM>,
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
    pub rules: Vec<RuleM>,
    pub money: Vec<MoneyM>,
    pub scenarios: Vec<ScenarioM>,
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

    /// Whether this general-terms rule is in force for `product` under
    /// `billing`. The product's own terms prevail where they are
    /// inconsistent with the general ones (“如遇不一致之处，以专用条款为准”):
    /// a product rule on the same trigger and billing mode that performs any
    /// of the same actions replaces the general rule. A product rule about
    /// other actions leaves it in force, so e.g. the general renewal
    /// deadline before expiry still applies to a product whose own expiry
    /// rule only stops and releases.
    pub fn general_applies(&self, product: &Product, billing: Billing) -> bool {
        self.billing.contains(&billing)
            && !product.rules.iter().any(|own| own.replaces(self, billing))
    }

    /// Whether this product rule replaces the general-terms rule `general`
    /// under `billing` (see [`RuleM::general_applies`]; the language
    /// server's go-to-definition shows the replaced rules).
    pub fn replaces(&self, general: &RuleM, billing: Billing) -> bool {
        general.billing.contains(&billing)
            && self.trigger == general.trigger
            && self.billing.contains(&billing)
            && self.verbs().any(|v| general.verbs().any(|g| g == v))
    }
}

#[derive(Clone, Debug)]
pub struct StepM {
    pub label: Option<String>,
    pub timing: TimingM,
    pub alternative: Option<TimingM>,
    pub modality: Modality,
    pub actions: Vec<ActionM>,
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TimingKindM {
    At,
    After,
    Within,
    Before,
    OnDay,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimingM {
    pub kind: TimingKindM,
    /// Zero for `at once`; for `on calendar day N`: `N calendar days`.
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Capability(u16),
    Resource(u16),
}

#[derive(Clone, Debug)]
pub struct CureM {
    pub events: Vec<String>,
    pub resume: ResumeM,
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
    },
    RefundWindow {
        duration: DurationM,
        from: String,
    },
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
