//! The syntax tree of a clause file, in clausec's own types.
//!
//! The parser (`syntax`) lowers pest's concrete tree into these types and
//! nothing of pest survives past that point. Every node carries a [`Span`] so
//! later stages can point at the exact words a diagnostic is about.
//!
//! Literal values whose validation can fail (durations, amounts, dates,
//! instants) are kept as the text the author wrote: the checker turns them
//! into typed values and reports every bad one, so lowering never fails on
//! well-formed syntax and all problems surface in one run.

use serde::Serialize;

/// Index of a file in a [`crate::source::SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name with the place it was written.
#[derive(Clone, Debug, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal, unescaped, with the place of the whole literal.
#[derive(Clone, Debug, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A `§1.2.3` reference (the text without `§`).
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub number: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, Serialize)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
    /// Line comments, kept for the formatter: (byte offset, text without `//`).
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub enum Item {
    Agreement(AgreementHeader),
    Block(Block),
}

#[derive(Clone, Debug, Serialize)]
pub struct AgreementHeader {
    pub id: Ident,
    pub title: Str,
    pub fields: Vec<HeaderField>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum HeaderField {
    Version(Str),
    /// Text of a `YYYY-MM-DD` date.
    Effective(Ident),
    /// IANA zone name.
    Zone(Ident),
    Source(Str),
    /// A working-day calendar by name (`calendar cn_mainland`).
    Calendar(Ident),
    /// A working-day calendar file, relative to the clause file
    /// (`calendar "../cal/cn_2027.txt"`).
    CalendarFile(Str),
}

#[derive(Clone, Debug, Serialize)]
pub enum BlockKind {
    General,
    Product { id: Ident, name: Str },
}

/// `general §N { … }` or `product id "name" §N { … }`.
#[derive(Clone, Debug, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    pub section: Section,
    pub items: Vec<BodyItem>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum BodyItem {
    Billing(Vec<Ident>, Span),
    Capabilities(Vec<Ident>, Span),
    Resources(Vec<Ident>, Span),
    Events(Vec<Ident>, Span),
    Rule(Rule),
    Money(MoneyTerm),
    Ignore(Ignore),
    Scenario(Scenario),
    /// A block-level `allow`.
    Allow(Allow),
    /// `variants term: monthly, yearly`.
    Variants(VariantsDecl),
    /// `while in arrears forbid new_instances …`.
    Restriction(Restriction),
    /// `verify { … }`: properties `clausec verify` proves.
    Verify(VerifyBlock),
}

impl BodyItem {
    pub fn span(&self) -> Span {
        match self {
            BodyItem::Billing(_, s)
            | BodyItem::Capabilities(_, s)
            | BodyItem::Resources(_, s)
            | BodyItem::Events(_, s) => *s,
            BodyItem::Rule(r) => r.span,
            BodyItem::Money(m) => m.span,
            BodyItem::Ignore(i) => i.span,
            BodyItem::Scenario(s) => s.span,
            BodyItem::Allow(a) => a.span,
            BodyItem::Variants(v) => v.span,
            BodyItem::Restriction(r) => r.span,
            BodyItem::Verify(v) => v.span,
        }
    }
}

/// One dimension of the kinds of account a text distinguishes:
/// `variants term: monthly, yearly`.
#[derive(Clone, Debug, Serialize)]
pub struct VariantsDecl {
    pub dimension: Ident,
    pub values: Vec<Ident>,
    pub span: Span,
}

/// A restriction that holds while a state does:
/// `while in arrears forbid new_instances §23.2 quote "…"`.
#[derive(Clone, Debug, Serialize)]
pub struct Restriction {
    pub conditions: Vec<Condition>,
    /// `[postpaid]`: billing modes and variant values, as on a rule.
    pub billing: Option<Vec<Ident>>,
    pub modality: Modality,
    pub modality_span: Option<Span>,
    pub actions: Vec<Action>,
    pub cite: Option<Section>,
    pub quote: Option<Str>,
    pub note: Option<Str>,
    /// `allow W0002 "reason"` on the restriction.
    pub allows: Vec<Allow>,
    pub span: Span,
}

/// One condition on the account's state at an instant (a guard, a
/// restriction's state); several are joined by `and`.
#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum ConditionKind {
    /// `in arrears`
    InArrears,
    /// `settled`
    Settled,
    /// `compute suspended`, `data purged`: a capability or resource state.
    State { subject: Ident, state: Ident },
}

/// `if <condition> (and <condition>)*` on a rule or a step.
#[derive(Clone, Debug, Serialize)]
pub struct Guard {
    pub conditions: Vec<Condition>,
    pub span: Span,
}

/// How a rule stands to the rules of the general terms.
#[derive(Clone, Debug, Serialize)]
pub enum Precedence {
    /// `replaces §3.4.1, §3.4.2` (a product rule).
    Replaces(Vec<Section>, Span),
    /// `yields` (a general rule gives way to any product rule on its trigger).
    Yields(Span),
}

#[derive(Clone, Debug, Serialize)]
pub struct Ignore {
    pub section: Section,
    pub reason: Str,
    pub span: Span,
}

/// Which surface form a rule was written in (kept so `fmt` preserves it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RuleForm {
    Inline,
    Block,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub trigger: Ident,
    /// `[postpaid, prepaid]`; `None` means every declared mode. The filter
    /// also holds variant values (`[prepaid, monthly]`); the checker tells
    /// them apart.
    pub billing: Option<Vec<Ident>>,
    /// `replaces §X` / `yields`.
    pub precedence: Option<Precedence>,
    /// `if in arrears`: the rule starts only when this holds.
    pub guard: Option<Guard>,
    pub form: RuleForm,
    pub steps: Vec<Step>,
    pub cure: Option<Cure>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub label: Option<Ident>,
    pub timing: Timing,
    /// The second reading, `… or <timing>`.
    pub alternative: Option<Timing>,
    pub modality: Modality,
    pub modality_span: Option<Span>,
    pub actions: Vec<Action>,
    /// `if in arrears`: the step fires nothing unless this holds.
    pub guard: Option<Guard>,
    /// `even if cured`: the rule's cure does not cancel this step.
    pub even_if_cured: Option<Span>,
    pub cite: Option<Section>,
    pub quote: Option<Str>,
    pub note: Option<Str>,
    /// `allow W… "reason"` written on the step.
    pub allows: Vec<Allow>,
    pub span: Span,
}

/// `allow W0001 "reason"`: a warning the author has checked against the
/// text, with the reason (see `check::allow`).
#[derive(Clone, Debug, Serialize)]
pub struct Allow {
    pub code: Ident,
    pub reason: Str,
    pub span: Span,
}

/// How a step is said (`will`, `may`, `customer may`, `customer must`);
/// owned by the vocabulary, which the later stages read without the AST.
pub use crate::vocab::Modality;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TimingKind {
    AtOnce,
    After,
    Within,
    Before,
    /// `on calendar day N`
    OnDay,
    /// `on hour N` (第N小时)
    OnHour,
}

#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    pub kind: TimingKind,
    /// Present for `after`, `within`, `before`.
    pub duration: Option<DurationLit>,
    /// Present for `on calendar day N` and `on hour N` (text of N).
    pub day: Option<Ident>,
    pub from: Option<Ident>,
    pub span: Span,
}

/// A duration as written: the number's text and the unit's text
/// (`24` `h`, `15` `calendar days`). The checker validates both.
#[derive(Clone, Debug, Serialize)]
pub struct DurationLit {
    pub count: String,
    pub unit: String,
    pub unit_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Action {
    pub verb: Ident,
    pub targets: Vec<Ident>,
    /// `customer must pay 500000.00 CNY`: the amount an action is about.
    pub amount: Option<AmountLit>,
    pub span: Span,
}

/// `until renewal and settled, termination then resume all §1 quote "…"`.
#[derive(Clone, Debug, Serialize)]
pub struct Cure {
    /// Any one of these cures (`,`).
    pub alternatives: Vec<CureAlternative>,
    pub resume: Option<Resume>,
    pub cite: Option<Section>,
    pub quote: Option<Str>,
    pub note: Option<Str>,
    /// `allow … "reason"` on the cure.
    pub allows: Vec<Allow>,
    pub span: Span,
}

/// Parts that must all have happened (`renewal and settled`).
#[derive(Clone, Debug, Serialize)]
pub struct CureAlternative {
    pub parts: Vec<CurePart>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum CurePart {
    /// An event happened since the rule started.
    Event(Ident),
    /// A payment left the account settled (`settled`).
    Settled(Span),
}

#[derive(Clone, Debug, Serialize)]
pub enum Resume {
    All(Span),
    Listed(Vec<Ident>),
}

/// `1000.00 CNY`.
#[derive(Clone, Debug, Serialize)]
pub struct AmountLit {
    pub value: String,
    pub currency: Ident,
    pub span: Span,
}

/// `0.05% per day`.
#[derive(Clone, Debug, Serialize)]
pub struct RateLit {
    pub percent: String,
    pub per: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct MoneyTerm {
    pub kind: MoneyKind,
    /// `[prepaid]`: billing modes and variant values the term applies to;
    /// `None` means every mode.
    pub billing: Option<Vec<Ident>>,
    pub modality: Modality,
    pub cite: Option<Section>,
    pub quote: Option<Str>,
    pub note: Option<Str>,
    /// `allow W… "reason"` written on the term.
    pub allows: Vec<Allow>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum MoneyKind {
    LateFee {
        rate: RateLit,
        /// `arrears` or `next_day`.
        from: Ident,
        rounding: Option<Ident>,
    },
    LiabilityCapMonths {
        months: Ident,
    },
    LiabilityCapService,
    LiabilityCapAmount(AmountLit),
    Refund {
        /// `prorated by <unit>[, part_month by <unit>]`
        by: Option<Ident>,
        part_month_by: Option<Ident>,
        /// `on provider_termination, …`: the ends this term is about;
        /// empty means any end.
        causes: Vec<Ident>,
    },
    /// `no_refund [on <event>, …]`: money paid is not returned.
    NoRefund {
        causes: Vec<Ident>,
    },
    RefundWindow {
        duration: DurationLit,
        from: Ident,
        /// `unless review_submitted`: the right ends when this happens.
        unless: Option<Ident>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: Str,
    pub product: Ident,
    /// The first word after the product: a billing mode, or (when the
    /// product is sold one way) a variant value; the checker decides.
    pub billing: Option<Ident>,
    /// Variant values of the account (`prepaid yearly`).
    pub variants: Vec<Ident>,
    pub reading: Option<Ident>,
    pub events: Vec<ScenarioEvent>,
    pub expects: Vec<Expect>,
    /// Order of events and expectations as written, for the formatter:
    /// `true` = next event, `false` = next expectation.
    pub order: Vec<bool>,
    pub span: Span,
}

/// An instant as written (`2024-06-01T10:00` or with an offset).
#[derive(Clone, Debug, Serialize)]
pub struct InstantLit {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioEvent {
    pub at: InstantLit,
    pub event: Ident,
    pub amount: Option<AmountLit>,
    /// `until <instant>`: the end of a purchase's paid term.
    pub until: Option<InstantLit>,
    pub note: Option<Str>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Expect {
    pub kind: ExpectKind,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum ExpectKind {
    /// `expect <instant> <action> [targets] (and …)`
    Fired {
        at: InstantLit,
        actions: Vec<Action>,
    },
    /// `expect no <action> [targets] before <instant>`
    NotFired { action: Action, before: InstantLit },
    /// `expect at <instant> <subject> <state>`
    State {
        at: InstantLit,
        subject: Ident,
        state: Ident,
    },
    /// `expect at <instant> obligation <kind> <amount>`
    Obligation {
        at: InstantLit,
        kind: Ident,
        amount: AmountLit,
    },
    /// `expect at <instant> window <action> open`
    Window { at: InstantLit, verb: Ident },
}

/// `verify { … }`: a product's properties.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyBlock {
    /// `[postpaid]`: the billing modes the properties are about (none: all).
    pub billing: Option<Vec<Ident>>,
    pub properties: Vec<Property>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Property {
    pub kind: PropertyKind,
    pub span: Span,
}

/// The forms of a property (docs/language.md, "Properties").
#[derive(Clone, Debug, Serialize)]
pub enum PropertyKind {
    /// `no <action> before <duration> from <event> unless <event>, …`
    NoBefore {
        action: Action,
        within: DurationLit,
        from: Vec<Ident>,
        unless: Vec<Ident>,
    },
    /// `every <action> preceded by <action> or <action> …`
    Preceded { action: Action, by: Vec<Action> },
    /// `after <event> no <action> until <event>, …`
    AfterNo {
        after: Vec<Ident>,
        action: Action,
        until: Vec<Ident>,
    },
    /// `eventually <action> follows <event> unless <event>, …`
    Follows {
        action: Action,
        after: Vec<Ident>,
        unless: Vec<Ident>,
    },
    /// `late_fee at most <rate> of arrears`: a money bound.
    LateFeeAtMost { rate: RateLit },
}
