//! Random agreements for the generated differential test
//! (`differential_gen.rs`): a plain description drawn by proptest
//! ([`spec`]), turned into a syntax tree ([`to_ast`]) that the formatter
//! prints, so every generated agreement reaches the evaluator and the
//! reference interpreter through the real front end.
//!
//! The description is raw numbers; [`to_ast`] reads them in the context of
//! the block (its billing modes, capabilities, resources, events), so every
//! drawn description is a program the checker accepts. What it avoids, and
//! why:
//!
//! * the account-state forms of issue #12, held to the reference by the
//!   feature files and `lang.rs` instead (guards, `replaces` /
//!   `yields`, anchors on another rule's event, `even if cured`, amounts on
//!   steps, conjunctive cures, restrictions,
//!   filtered money terms, `no_refund`, refund causes, `unless`);
//! * E0024: the rules of one block have distinct triggers (the product
//!   declares as many events as it needs);
//! * E0020: a step counts from the previous step (by default or `from` its
//!   label); only the first step counts `from` the trigger, and a `before`
//!   step is only ever the first;
//! * E0021: `resume`, `keep_billing` and `stop_billing` are never at a fixed
//!   instant another step shares (their step is a `within` window, and the
//!   step after it is not `at once`);
//! * the 64 bits of rule states: rules lose steps from the end until the
//!   automaton fits (a rule without steps takes one bit), so products with
//!   more than 32 rules are drawn too.

use clausec::ast::*;
use clausec::vocab::BUILTIN_EVENTS as BUILTIN;
use proptest::prelude::*;

const BILLING: [&str; 3] = ["prepaid", "postpaid", "package"];
const CAPS: [&str; 4] = ["compute", "download", "console", "writes"];
const RESOURCES: [&str; 3] = ["data", "instance", "disk"];
const PROVIDER_VERBS: [&str; 14] = [
    "notify",
    "suspend",
    "resume",
    "forbid",
    "freeze",
    "stop",
    "read_only",
    "release",
    "purge",
    "terminate",
    "downgrade",
    "void",
    "keep_billing",
    "stop_billing",
];
const CUSTOMER_VERBS: [&str; 5] = ["pay", "renew", "claim", "terminate", "notify"];
const CAP_VERBS: [&str; 6] = ["suspend", "resume", "forbid", "freeze", "stop", "read_only"];
const RES_VERBS: [&str; 2] = ["release", "purge"];
/// Verbs that contradict another at one instant (E0021).
const CLASHING: [&str; 3] = ["resume", "keep_billing", "stop_billing"];
const UNITS: [&str; 7] = [
    "min",
    "h",
    "d",
    "calendar days",
    "workdays",
    "months",
    "calendar months",
];

#[derive(Clone, Debug)]
pub struct TimingSpec {
    /// 0 at once, 1 after, 2 within, 3 before, 4 on calendar day, 5 on hour
    kind: u8,
    count: u32,
    unit: u8,
    /// 0 the default anchor, 1 `from <trigger>`, 2 `from <previous step>`
    from: u8,
}

#[derive(Clone, Debug)]
pub struct StepSpec {
    timing: TimingSpec,
    alternative: Option<TimingSpec>,
    /// 0..=3 will, 4 may, 5 customer may, 6 customer must
    modality: u8,
    /// (verb, targets mask; 0 = none written)
    actions: Vec<(u8, u8)>,
    /// labelled even when no step counts from it
    label: bool,
}

#[derive(Clone, Debug)]
pub struct CureSpec {
    events: Vec<u8>,
    /// 0 none, 1 all, otherwise a mask of capabilities
    resume: u8,
}

#[derive(Clone, Debug)]
pub struct RuleSpec {
    filter: Option<u8>,
    steps: Vec<StepSpec>,
    cure: Option<CureSpec>,
    inline: bool,
}

#[derive(Clone, Debug)]
pub struct BlockSpec {
    billing: u8,
    caps: u8,
    resources: u8,
    /// events the product declares beyond the ones its rules need
    extra_events: u8,
    /// where in the trigger list the rules start
    trigger_offset: u8,
    rules: Vec<RuleSpec>,
    late_fee: Option<(u8, bool)>,
    liability_cap: Option<u8>,
    refund: bool,
    refund_window: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct AgreementSpec {
    general: Option<BlockSpec>,
    product: BlockSpec,
}

fn timing() -> impl Strategy<Value = TimingSpec> {
    (0u8..6, 0u32..50, 0u8..7, 0u8..3).prop_map(|(kind, count, unit, from)| TimingSpec {
        kind,
        count,
        unit,
        from,
    })
}

fn step() -> impl Strategy<Value = StepSpec> {
    (
        timing(),
        prop::option::weighted(0.2, timing()),
        0u8..7,
        prop::collection::vec((any::<u8>(), any::<u8>()), 1..3),
        any::<bool>(),
    )
        .prop_map(|(timing, alternative, modality, actions, label)| StepSpec {
            timing,
            alternative,
            modality,
            actions,
            label,
        })
}

fn rule() -> impl Strategy<Value = RuleSpec> {
    (
        prop::option::weighted(0.3, 1u8..8),
        prop::collection::vec(step(), 0..5),
        prop::option::weighted(
            0.5,
            (prop::collection::vec(any::<u8>(), 1..3), 0u8..32)
                .prop_map(|(events, resume)| CureSpec { events, resume }),
        ),
        any::<bool>(),
    )
        .prop_map(|(filter, steps, cure, inline)| RuleSpec {
            filter,
            steps,
            cure,
            inline,
        })
}

fn block(rules: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = BlockSpec> {
    (
        (1u8..8, 0u8..16, 0u8..8, 0u8..4, any::<u8>()),
        prop::collection::vec(rule(), rules),
        (
            prop::option::weighted(0.3, (0u8..4, any::<bool>())),
            prop::option::weighted(0.3, 0u8..3),
            prop::option::weighted(0.2, Just(())),
            prop::option::weighted(0.3, 0u8..20),
        ),
    )
        .prop_map(
            |(
                (billing, caps, resources, extra_events, trigger_offset),
                rules,
                (late_fee, liability_cap, refund, refund_window),
            )| BlockSpec {
                billing,
                caps,
                resources,
                extra_events,
                trigger_offset,
                rules,
                late_fee,
                liability_cap,
                refund: refund.is_some(),
                refund_window,
            },
        )
}

/// Bits of the packed account state a rule with `steps` steps takes
/// (`steps + 2` local states, as `compile::layout` counts them).
fn state_bits(steps: usize) -> u32 {
    let states = steps as u32 + 2;
    32 - (states - 1).leading_zeros()
}

/// An agreement: optional general terms with up to 6 rules, one product
/// with 1–40, trimmed to the automaton's 64 bits of rule states.
pub fn spec() -> impl Strategy<Value = AgreementSpec> {
    (
        prop::option::weighted(0.6, block(0..=6)),
        // half the products are large, so that many exceed 32 rules
        prop_oneof![block(1..=12), block(28..=40)],
    )
        .prop_map(|(mut general, mut product)| {
            let mut left = 64u32;
            let rules = general
                .iter_mut()
                .flat_map(|g| g.rules.iter_mut())
                .chain(product.rules.iter_mut());
            let all: Vec<&mut RuleSpec> = rules.collect();
            let n = all.len() as u32;
            for (i, r) in all.into_iter().enumerate() {
                // keep one bit for every rule after this one
                let reserve = n - i as u32 - 1;
                while state_bits(r.steps.len()) + reserve > left {
                    r.steps.pop();
                }
                left -= state_bits(r.steps.len());
            }
            AgreementSpec { general, product }
        })
}

// ------------------------------------------------------------------ to AST

fn sp() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn ident(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: sp(),
    }
}

fn string(value: &str) -> Str {
    Str {
        value: value.to_string(),
        span: sp(),
    }
}

fn section(n: &str) -> Section {
    Section {
        number: n.to_string(),
        span: sp(),
    }
}

fn picked<'a>(pool: &[&'a str], mask: u8) -> Vec<&'a str> {
    pool.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// What a block declares, which its rules are read against.
struct Context {
    billing: Vec<&'static str>,
    caps: Vec<&'static str>,
    resources: Vec<&'static str>,
    /// triggers of the rules, in order; then the other events
    events: Vec<String>,
    declared: Vec<String>,
}

impl Context {
    fn of(b: &BlockSpec, product: bool) -> Context {
        let mut events: Vec<String> = BUILTIN.iter().map(|e| e.to_string()).collect();
        let mut declared = Vec::new();
        if product {
            let needed = b.rules.len().saturating_sub(BUILTIN.len());
            for i in 0..needed + usize::from(b.extra_events) {
                declared.push(format!("ev{i}"));
            }
            events.extend(declared.iter().cloned());
        }
        let start = usize::from(b.trigger_offset) % events.len();
        events.rotate_left(start);
        Context {
            billing: picked(&BILLING, b.billing),
            caps: picked(&CAPS, b.caps),
            resources: picked(&RESOURCES, b.resources),
            events,
            declared,
        }
    }
}

fn duration(t: &TimingSpec) -> DurationLit {
    let unit = UNITS[usize::from(t.unit) % UNITS.len()];
    // months and workdays stay short, minutes long
    let count = match unit {
        "months" | "calendar months" => t.count % 14,
        "workdays" => t.count % 25,
        "min" => t.count * 37,
        _ => t.count,
    };
    DurationLit {
        count: count.to_string(),
        unit: unit.to_string(),
        unit_span: sp(),
        span: sp(),
    }
}

/// The `i`-th step's timing; `first` says whether it may count from the
/// trigger or be a `before` step.
fn timing_ast(
    t: &TimingSpec,
    i: usize,
    trigger: &str,
    clashing: bool,
    after_clash: bool,
) -> Timing {
    let mut kind = match t.kind {
        0 => TimingKind::AtOnce,
        1 => TimingKind::After,
        2 => TimingKind::Within,
        3 if i == 0 => TimingKind::Before,
        3 => TimingKind::After,
        4 => TimingKind::OnDay,
        _ => TimingKind::OnHour,
    };
    if clashing {
        kind = TimingKind::Within;
    } else if after_clash && kind == TimingKind::AtOnce {
        kind = TimingKind::After;
    }
    let from = match t.from {
        1 if i == 0 => Some(ident(trigger)),
        2 if i > 0 && kind != TimingKind::Before => Some(ident(&format!("s{}", i - 1))),
        _ => None,
    };
    let (duration, day) = match kind {
        TimingKind::AtOnce => (None, None),
        TimingKind::OnDay => (None, Some(ident(&(t.count % 20).to_string()))),
        TimingKind::OnHour => (None, Some(ident(&(t.count % 60 + 1).to_string()))),
        _ => (Some(duration(t)), None),
    };
    Timing {
        kind,
        duration,
        day,
        from,
        span: sp(),
    }
}

fn action(verb: &str, mask: u8, ctx: &Context) -> Action {
    let mut targets = Vec::new();
    if mask != 0 {
        if CAP_VERBS.contains(&verb) {
            let mut pool: Vec<&str> = vec!["service"];
            pool.extend(&ctx.caps);
            targets = picked(&pool, mask);
        } else if RES_VERBS.contains(&verb) {
            targets = picked(&ctx.resources, mask);
        }
    }
    Action {
        verb: ident(verb),
        targets: targets.into_iter().map(ident).collect(),
        amount: None,
        span: sp(),
    }
}

fn step_ast(
    s: &StepSpec,
    i: usize,
    trigger: &str,
    (after_clash, label): (bool, bool),
    ctx: &Context,
) -> (Step, bool) {
    let modality = match s.modality {
        0..=3 => Modality::Will,
        4 => Modality::May,
        5 => Modality::CustomerMay,
        _ => Modality::CustomerMust,
    };
    let pool: &[&str] = if matches!(modality, Modality::Will | Modality::May) {
        &PROVIDER_VERBS
    } else {
        &CUSTOMER_VERBS
    };
    let mut verbs: Vec<(&str, u8)> = Vec::new();
    for &(v, mask) in &s.actions {
        let verb = pool[usize::from(v) % pool.len()];
        if verbs.iter().any(|(w, _)| *w == verb) {
            continue;
        }
        verbs.push((verb, mask));
    }
    // one step never holds two verbs that contradict each other
    if let Some(&(c, m)) = verbs.iter().find(|(v, _)| CLASHING.contains(v)) {
        verbs = vec![(c, m)];
    }
    let clashing = verbs.iter().any(|(v, _)| CLASHING.contains(v));
    let timing = timing_ast(&s.timing, i, trigger, clashing, after_clash);
    let alternative = match (&s.alternative, timing.kind) {
        (Some(a), k) if k != TimingKind::Before => {
            let mut alt = timing_ast(a, i, trigger, clashing, after_clash);
            if alt.kind == TimingKind::Before {
                alt.kind = TimingKind::After;
            }
            Some(alt)
        }
        _ => None,
    };
    let note = alternative.as_ref().map(|_| string("two readings"));
    let step = Step {
        label: label.then(|| ident(&format!("s{i}"))),
        timing,
        alternative,
        modality,
        modality_span: None,
        actions: verbs.iter().map(|(v, m)| action(v, *m, ctx)).collect(),
        guard: None,
        even_if_cured: None,
        cite: Some(section(&format!("9.{}", i + 1))),
        quote: None,
        note,
        allows: Vec::new(),
        span: sp(),
    };
    (step, clashing)
}

fn rule_ast(r: &RuleSpec, trigger: &str, ctx: &Context) -> Rule {
    let billing = r.filter.and_then(|f| {
        let modes: Vec<&str> = picked(&ctx.billing, f);
        (!modes.is_empty()).then(|| modes.into_iter().map(ident).collect())
    });
    let mut steps = Vec::new();
    let mut after_clash = false;
    for (i, s) in r.steps.iter().enumerate() {
        // a step is labelled when the next one counts `from` it
        let next_from = r.steps.get(i + 1).is_some_and(|n| {
            n.timing.from == 2 || n.alternative.as_ref().is_some_and(|a| a.from == 2)
        });
        let (step, clashing) = step_ast(s, i, trigger, (after_clash, s.label || next_from), ctx);
        after_clash = clashing;
        steps.push(step);
    }
    let cure = r.cure.as_ref().map(|c| {
        let pool: Vec<&str> = [
            "payment",
            "renewal",
            "order_paid",
            "outage_end",
            "termination",
        ]
        .into_iter()
        .chain(ctx.declared.iter().map(String::as_str))
        .filter(|e| *e != trigger)
        .collect();
        let mut events: Vec<&str> = Vec::new();
        for &e in &c.events {
            let e = pool[usize::from(e) % pool.len()];
            if !events.contains(&e) {
                events.push(e);
            }
        }
        let resume = match c.resume {
            0 => None,
            1 => Some(Resume::All(sp())),
            m => {
                let mut pool: Vec<&str> = vec!["service"];
                pool.extend(&ctx.caps);
                let listed = picked(&pool, m);
                (!listed.is_empty())
                    .then(|| Resume::Listed(listed.into_iter().map(ident).collect()))
            }
        };
        Cure {
            alternatives: events
                .into_iter()
                .map(|e| CureAlternative {
                    parts: vec![CurePart::Event(ident(e))],
                    span: sp(),
                })
                .collect(),
            resume,
            cite: None,
            quote: None,
            note: None,
            allows: Vec::new(),
            span: sp(),
        }
    });
    let form = if r.inline && !steps.is_empty() {
        RuleForm::Inline
    } else {
        RuleForm::Block
    };
    Rule {
        trigger: ident(trigger),
        billing,
        precedence: None,
        guard: None,
        form,
        steps,
        cure,
        span: sp(),
    }
}

fn money(b: &BlockSpec) -> Vec<MoneyTerm> {
    let term = |kind| MoneyTerm {
        kind,
        billing: None,
        modality: Modality::Will,
        cite: Some(section("8.1")),
        quote: None,
        note: None,
        allows: Vec::new(),
        span: sp(),
    };
    let mut out = Vec::new();
    if let Some((rate, next_day)) = b.late_fee {
        out.push(term(MoneyKind::LateFee {
            rate: RateLit {
                percent: ["0.05", "1", "0.5", "3"][usize::from(rate)].to_string(),
                per: Some(ident(["day", "day", "hour", "month"][usize::from(rate)])),
                span: sp(),
            },
            from: ident(if next_day { "next_day" } else { "arrears" }),
            rounding: None,
        }));
    }
    match b.liability_cap {
        Some(0) => out.push(term(MoneyKind::LiabilityCapMonths {
            months: ident("12"),
        })),
        Some(1) => out.push(term(MoneyKind::LiabilityCapService)),
        Some(_) => out.push(term(MoneyKind::LiabilityCapAmount(AmountLit {
            value: "1000.00".into(),
            currency: ident("CNY"),
            span: sp(),
        }))),
        None => {}
    }
    if b.refund {
        out.push(term(MoneyKind::Refund {
            by: Some(ident("month")),
            part_month_by: Some(ident("day")),
            causes: Vec::new(),
        }));
    }
    if let Some(d) = b.refund_window {
        out.push(term(MoneyKind::RefundWindow {
            duration: DurationLit {
                count: (d % 10 + 1).to_string(),
                unit: if d >= 10 { "calendar days" } else { "d" }.to_string(),
                unit_span: sp(),
                span: sp(),
            },
            from: ident("purchase"),
            unless: None,
        }));
    }
    out
}

fn block_ast(b: &BlockSpec, product: bool) -> Block {
    let ctx = Context::of(b, product);
    let mut items = vec![BodyItem::Billing(
        ctx.billing.iter().map(|m| ident(m)).collect(),
        sp(),
    )];
    if !ctx.caps.is_empty() {
        items.push(BodyItem::Capabilities(
            ctx.caps.iter().map(|c| ident(c)).collect(),
            sp(),
        ));
    }
    if !ctx.resources.is_empty() {
        items.push(BodyItem::Resources(
            ctx.resources.iter().map(|r| ident(r)).collect(),
            sp(),
        ));
    }
    if !ctx.declared.is_empty() {
        items.push(BodyItem::Events(
            ctx.declared.iter().map(|e| ident(e)).collect(),
            sp(),
        ));
    }
    items.extend(money(b).into_iter().map(BodyItem::Money));
    for (r, trigger) in b.rules.iter().zip(&ctx.events) {
        items.push(BodyItem::Rule(rule_ast(r, trigger, &ctx)));
    }
    let kind = if product {
        BlockKind::Product {
            id: ident("gen"),
            name: string("生成的产品"),
        }
    } else {
        BlockKind::General
    };
    Block {
        kind,
        section: section(if product { "9" } else { "8" }),
        items,
        span: sp(),
    }
}

/// The agreement as a file: header, general terms, the product `gen`.
pub fn to_ast(a: &AgreementSpec) -> File {
    let header = AgreementHeader {
        id: ident("generated"),
        title: string("生成的协议"),
        fields: vec![
            HeaderField::Version(string("1")),
            HeaderField::Effective(ident("2019-01-01")),
            HeaderField::Zone(ident("Asia/Shanghai")),
        ],
        span: sp(),
    };
    let mut items = vec![Item::Agreement(header)];
    items.extend(a.general.iter().map(|g| Item::Block(block_ast(g, false))));
    items.push(Item::Block(block_ast(&a.product, true)));
    File {
        id: FileId(0),
        items,
        comments: Vec::new(),
    }
}
