//! Parsing: text → [`crate::ast::File`].
//!
//! The pest grammar lives in `grammar/clause.pest`. This module is the only
//! place that sees pest's `Pair` and `Rule`; it lowers the concrete tree into
//! clausec's own AST (as dhall-rust and Cedar do) and turns pest's errors into
//! messages phrased in the language's words.

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/clause.pest"]
struct ClauseParser;

pub mod expected;

/// Largest clause file accepted (agreements are tens of kilobytes).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

mod errors;

pub use errors::MAX_SYNTAX_ERRORS;

/// Parses one file. On a syntax error returns the first diagnostic; the
/// checker then carries on with the other files. [`parse_file`] reports
/// every syntax error of the file.
// A diagnostic is a few hundred bytes and a parse error is the cold path:
// boxing it would only add noise at every call site.
#[allow(clippy::result_large_err)]
pub fn parse(file: FileId, text: &str) -> Result<File, Diagnostic> {
    parse_file(file, text).map_err(|all| {
        all.into_iter()
            .next()
            .unwrap_or_else(|| Diagnostic::new(Code::E0001, "syntax error"))
    })
}

/// Parses one file; on syntax errors returns all of them (recovering at
/// the next item, at most [`MAX_SYNTAX_ERRORS`]), never an empty list.
pub fn parse_file(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    if text.len() > MAX_FILE_BYTES {
        return Err(vec![Diagnostic::new(
            Code::E0003,
            format!(
                "file too large: {} bytes, the limit is {} bytes",
                text.len(),
                MAX_FILE_BYTES
            ),
        )
        .at(Span::new(file, 0, 0), "this file")
        .help("split the agreement into one file per product")]);
    }
    let mut pairs =
        ClauseParser::parse(Rule::file, text).map_err(|e| errors::all_errors(file, text, e))?;
    let lower = Lower { file };
    let root = pairs.next();
    let mut items = Vec::new();
    if let Some(root) = root {
        for p in root.into_inner() {
            match p.as_rule() {
                Rule::agreement => items.push(Item::Agreement(lower.agreement(p))),
                Rule::general | Rule::product => items.push(Item::Block(lower.block(p))),
                _ => {}
            }
        }
    }
    // Empty means no item: whitespace of any kind (a BOM, U+3000) and
    // comments alone do not make a clause file.
    if items.is_empty() {
        return Err(vec![Diagnostic::new(Code::E0005, "empty clause file")
            .at(
                Span::new(file, 0, text.len().min(1)),
                "nothing to compile here",
            )
            .help(
                "a clause file holds an `agreement` header, `general` terms or a `product`",
            )]);
    }
    Ok(File {
        id: file,
        items,
        comments: comments(file, text),
    })
}

/// Line comments outside string literals.
fn comments(file: FileId, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_str = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_str = false;
            }
            i += 1;
        } else if b == b'"' {
            in_str = true;
            i += 1;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            out.push(Comment {
                span: Span::new(file, i, end),
                text: text[i + 2..end].trim_end().to_string(),
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

// ------------------------------------------------------------------ errors

fn rule_words(r: &Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "end of file",
        Rule::agreement => "`agreement`",
        Rule::general => "`general`",
        Rule::product => "`product`",
        Rule::ident | Rule::ident_list | Rule::ident_raw => "a name",
        Rule::string => "a string in double quotes",
        Rule::section => "a section reference like `§3.2`",
        Rule::date => "a date like `2024-05-15`",
        Rule::instant => "an instant like `2024-06-01T10:00`",
        Rule::zone_name => "a time zone like `Asia/Shanghai`",
        Rule::version_field | Rule::effective_field | Rule::zone_field => {
            "a header field (`version`, `effective`, `zone`, `source`, `calendar`)"
        }
        Rule::source_field | Rule::calendar_field => {
            "a header field (`version`, `effective`, `zone`, `source`, `calendar`)"
        }
        Rule::billing_decl
        | Rule::capabilities_decl
        | Rule::resources_decl
        | Rule::events_decl
        | Rule::rule
        | Rule::ignore
        | Rule::scenario
        | Rule::late_fee
        | Rule::liability_cap
        | Rule::refund
        | Rule::no_refund
        | Rule::variants_decl
        | Rule::restriction
        | Rule::refund_window => "a declaration, rule (`on …`), money term, `ignore` or `scenario`",
        Rule::guard => "`if <condition>`",
        Rule::conditions | Rule::cond_in_arrears | Rule::cond_settled | Rule::cond_state => {
            "a condition (`in arrears`, `settled`, `compute suspended`)"
        }
        Rule::precedence | Rule::replaces | Rule::yields => "`replaces §…` or `yields`",
        Rule::even_if_cured => "`even if cured`",
        Rule::causes => "`on <event>`",
        Rule::refund_unless => "`unless <event>`",
        Rule::cure_alternative => "`until <event>`",
        Rule::variant_value => "a variant value",
        Rule::billing_mode => "a billing mode (`prepaid`, `postpaid`, `package`)",
        Rule::billing_filter => "a billing filter like `[postpaid]`",
        Rule::rule_block | Rule::rule_inline | Rule::step | Rule::label | Rule::timing => {
            "a step (`at once`, `after 24h`, `within 24h`, `before 7d`, `on calendar day 7`)"
        }
        Rule::at_once
        | Rule::after
        | Rule::within
        | Rule::before
        | Rule::on_day
        | Rule::on_hour => {
            "a timing (`at once`, `after 24h`, `within 24h`, `before 7d`, `on calendar day 7`, `on hour 12`)"
        }
        Rule::from => "`from <anchor>`",
        Rule::modality | Rule::will | Rule::may | Rule::customer_may | Rule::customer_must => {
            "a modality (`will`, `may`, `customer may`, `customer must`)"
        }
        Rule::actions | Rule::action | Rule::verb => "an action like `suspend compute`",
        Rule::targets | Rule::target => "a capability or resource name",
        Rule::quote => "`quote \"…\"`",
        Rule::note => "`note \"…\"`",
        Rule::allow => "`allow W0001 \"reason\"`",
        Rule::cure => "`until <event>`",
        Rule::resume | Rule::resume_all => "`then resume …`",
        Rule::duration => "a duration like `24h`, `15d`, `7 calendar days`",
        Rule::unit => "a duration unit (`min`, `h`, `d`, `calendar days`, `workdays`, `months`, `calendar months`)",
        Rule::number | Rule::integer => "a number",
        Rule::rate => "a rate like `0.05% per day`",
        Rule::amount => "an amount like `1000.00 CNY`",
        Rule::currency => "a currency code like `CNY`",
        Rule::reading | Rule::reading_name => "`reading customer-safe` or `reading earliest`",
        Rule::expect
        | Rule::expect_action
        | Rule::expect_none
        | Rule::expect_state
        | Rule::expect_obligation
        | Rule::expect_window
        | Rule::expect_subject => "an expectation",
        Rule::scenario_event => "a dated event like `2024-06-01T10:00 arrears`",
        _ => return None,
    })
}

/// Whether `word` is a reserved keyword of the language.
pub fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "agreement"
            | "general"
            | "product"
            | "billing"
            | "capabilities"
            | "resources"
            | "events"
            | "on"
            | "after"
            | "before"
            | "within"
            | "at"
            | "from"
            | "or"
            | "will"
            | "may"
            | "customer"
            | "and"
            | "until"
            | "then"
            | "quote"
            | "note"
            | "ignore"
            | "scenario"
            | "expect"
            | "late_fee"
            | "liability_cap"
            | "refund_window"
            | "refund"
            | "allow"
            | "no_refund"
            | "variants"
            | "while"
            | "if"
            | "in"
            | "settled"
            | "even"
            | "unless"
            | "replaces"
            | "yields"
            | "verify"
            | "every"
            | "preceded"
            | "follows"
            | "eventually"
            | "no"
    )
}

// ------------------------------------------------------------------ lowering

struct Lower {
    file: FileId,
}

impl Lower {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn string(&self, p: Pair<Rule>) -> Str {
        let span = self.span(&p);
        let raw = p.into_inner().next().map_or("", |i| i.as_str());
        Str {
            value: unescape(raw),
            span,
        }
    }

    fn section(&self, p: Pair<Rule>) -> Section {
        Section {
            number: p.as_str().trim_start_matches('§').to_string(),
            span: self.span(&p),
        }
    }

    fn agreement(&self, p: Pair<Rule>) -> AgreementHeader {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let mut id = None;
        let mut title = None;
        let mut fields = Vec::new();
        for c in it.by_ref() {
            match c.as_rule() {
                Rule::ident if id.is_none() => id = Some(self.ident(c)),
                Rule::string if title.is_none() => title = Some(self.string(c)),
                Rule::version_field => {
                    if let Some(s) = c.into_inner().next() {
                        fields.push(HeaderField::Version(self.string(s)));
                    }
                }
                Rule::effective_field => {
                    if let Some(s) = c.into_inner().next() {
                        fields.push(HeaderField::Effective(self.ident(s)));
                    }
                }
                Rule::zone_field => {
                    if let Some(s) = c.into_inner().next() {
                        fields.push(HeaderField::Zone(self.ident(s)));
                    }
                }
                Rule::source_field => {
                    if let Some(s) = c.into_inner().next() {
                        fields.push(HeaderField::Source(self.string(s)));
                    }
                }
                Rule::calendar_field => {
                    if let Some(s) = c.into_inner().next() {
                        fields.push(if s.as_rule() == Rule::string {
                            HeaderField::CalendarFile(self.string(s))
                        } else {
                            HeaderField::Calendar(self.ident(s))
                        });
                    }
                }
                _ => {}
            }
        }
        AgreementHeader {
            id: id.unwrap_or_else(|| self.missing(span)),
            title: title.unwrap_or(Str {
                value: String::new(),
                span,
            }),
            fields,
            span,
        }
    }

    /// Placeholder for a part the grammar guarantees; never reached on
    /// parsed input, but lowering must not panic.
    fn missing(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    fn block(&self, p: Pair<Rule>) -> Block {
        let span = self.span(&p);
        let is_product = p.as_rule() == Rule::product;
        let mut id = None;
        let mut name = None;
        let mut section = None;
        let mut items = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident if id.is_none() => id = Some(self.ident(c)),
                Rule::string if name.is_none() => name = Some(self.string(c)),
                Rule::section if section.is_none() => section = Some(self.section(c)),
                _ => {
                    if let Some(item) = self.body_item(c) {
                        items.push(item);
                    }
                }
            }
        }
        let kind = if is_product {
            BlockKind::Product {
                id: id.unwrap_or_else(|| self.missing(span)),
                name: name.unwrap_or(Str {
                    value: String::new(),
                    span,
                }),
            }
        } else {
            BlockKind::General
        };
        Block {
            kind,
            section: section.unwrap_or(Section {
                number: String::new(),
                span,
            }),
            items,
            span,
        }
    }

    fn idents(&self, p: Pair<Rule>) -> Vec<Ident> {
        p.into_inner()
            .flat_map(|c| {
                if c.as_rule() == Rule::ident_list {
                    c.into_inner().map(|i| self.ident(i)).collect::<Vec<_>>()
                } else {
                    vec![self.ident(c)]
                }
            })
            .collect()
    }

    fn body_item(&self, p: Pair<Rule>) -> Option<BodyItem> {
        let span = self.span(&p);
        Some(match p.as_rule() {
            Rule::billing_decl => BodyItem::Billing(self.idents(p), span),
            Rule::capabilities_decl => BodyItem::Capabilities(self.idents(p), span),
            Rule::resources_decl => BodyItem::Resources(self.idents(p), span),
            Rule::events_decl => BodyItem::Events(self.idents(p), span),
            Rule::rule => BodyItem::Rule(self.rule(p)),
            Rule::ignore => {
                let mut it = p.into_inner();
                let section = it.next().map(|s| self.section(s))?;
                let reason = it.next().map(|s| self.string(s))?;
                BodyItem::Ignore(Ignore {
                    section,
                    reason,
                    span,
                })
            }
            Rule::scenario => BodyItem::Scenario(self.scenario(p)),
            Rule::allow => BodyItem::Allow(self.allow(p)?),
            Rule::late_fee
            | Rule::liability_cap
            | Rule::refund
            | Rule::no_refund
            | Rule::refund_window => BodyItem::Money(self.money(p)),
            Rule::variants_decl => {
                let mut it = p.into_inner();
                let dimension = it.next().map(|d| self.ident(d))?;
                let values = it
                    .next()
                    .map(|l| l.into_inner().map(|i| self.ident(i)).collect())
                    .unwrap_or_default();
                BodyItem::Variants(VariantsDecl {
                    dimension,
                    values,
                    span,
                })
            }
            Rule::restriction => BodyItem::Restriction(self.restriction(p)),
            Rule::verify_block => {
                let mut billing = None;
                let mut properties = Vec::new();
                for q in p.into_inner() {
                    if q.as_rule() == Rule::billing_filter {
                        billing = Some(q.into_inner().map(|b| self.ident(b)).collect());
                    } else if let Some(prop) = self.property(q) {
                        properties.push(prop);
                    }
                }
                BodyItem::Verify(VerifyBlock {
                    billing,
                    properties,
                    span,
                })
            }
            _ => return None,
        })
    }

    fn rule(&self, p: Pair<Rule>) -> Rule_ {
        let span = self.span(&p);
        let mut trigger = None;
        let mut billing = None;
        let mut steps = Vec::new();
        let mut cure = None;
        let mut form = RuleForm::Inline;
        let mut precedence = None;
        let mut guard = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => trigger = Some(self.ident(c)),
                Rule::billing_filter => {
                    billing = Some(c.into_inner().map(|b| self.ident(b)).collect())
                }
                Rule::precedence => precedence = self.precedence(c),
                Rule::guard => guard = Some(self.guard(c)),
                Rule::rule_block | Rule::rule_inline => {
                    if c.as_rule() == Rule::rule_block {
                        form = RuleForm::Block;
                    }
                    for s in c.into_inner() {
                        match s.as_rule() {
                            Rule::step => steps.push(self.step(s)),
                            Rule::cure => cure = Some(self.cure(s)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Rule_ {
            trigger: trigger.unwrap_or_else(|| self.missing(span)),
            billing,
            precedence,
            guard,
            form,
            steps,
            cure,
            span,
        }
    }

    fn step(&self, p: Pair<Rule>) -> Step {
        let span = self.span(&p);
        let mut label = None;
        let mut timings = Vec::new();
        let mut modality = Modality::Will;
        let mut modality_span = None;
        let mut actions = Vec::new();
        let mut cite = None;
        let mut quote = None;
        let mut note = None;
        let mut allows = Vec::new();
        let mut guard = None;
        let mut even_if_cured = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::allow => allows.extend(self.allow(c)),
                Rule::guard => guard = Some(self.guard(c)),
                Rule::even_if_cured => even_if_cured = Some(self.span(&c)),
                Rule::label => {
                    if let Some(i) = c.into_inner().next() {
                        label = Some(self.ident(i));
                    }
                }
                Rule::timing => timings.extend(c.into_inner().map(|t| self.timing(t))),
                Rule::modality => {
                    modality_span = Some(self.span(&c));
                    modality = modality_of(c);
                }
                Rule::actions => actions = self.actions(c),
                Rule::section => cite = Some(self.section(c)),
                Rule::quote => quote = c.into_inner().next().map(|s| self.string(s)),
                Rule::note => note = c.into_inner().next().map(|s| self.string(s)),
                _ => {}
            }
        }
        let mut timings = timings.into_iter();
        let timing = timings.next().unwrap_or(Timing {
            kind: TimingKind::AtOnce,
            duration: None,
            day: None,
            from: None,
            span,
        });
        Step {
            label,
            timing,
            alternative: timings.next(),
            modality,
            modality_span,
            actions,
            guard,
            even_if_cured,
            cite,
            quote,
            note,
            allows,
            span,
        }
    }

    /// `allow <code> "<reason>"`.
    fn allow(&self, p: Pair<Rule>) -> Option<Allow> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let code = self.ident(it.next()?);
        let reason = self.string(it.next()?);
        Some(Allow { code, reason, span })
    }

    fn precedence(&self, p: Pair<Rule>) -> Option<Precedence> {
        let inner = p.into_inner().next()?;
        let span = self.span(&inner);
        Some(match inner.as_rule() {
            Rule::replaces => {
                Precedence::Replaces(inner.into_inner().map(|s| self.section(s)).collect(), span)
            }
            _ => Precedence::Yields(span),
        })
    }

    fn guard(&self, p: Pair<Rule>) -> Guard {
        let span = self.span(&p);
        Guard {
            conditions: p
                .into_inner()
                .next()
                .map(|c| self.conditions(c))
                .unwrap_or_default(),
            span,
        }
    }

    fn conditions(&self, p: Pair<Rule>) -> Vec<Condition> {
        p.into_inner()
            .map(|c| {
                let span = self.span(&c);
                let kind = match c.as_rule() {
                    Rule::cond_in_arrears => ConditionKind::InArrears,
                    Rule::cond_settled => ConditionKind::Settled,
                    _ => {
                        let mut it = c.into_inner();
                        let subject = it
                            .next()
                            .map_or_else(|| self.missing(span), |i| self.ident(i));
                        let state = it
                            .next()
                            .map_or_else(|| self.missing(span), |i| self.ident(i));
                        ConditionKind::State { subject, state }
                    }
                };
                Condition { kind, span }
            })
            .collect()
    }

    fn restriction(&self, p: Pair<Rule>) -> Restriction {
        let span = self.span(&p);
        let mut r = Restriction {
            conditions: Vec::new(),
            billing: None,
            modality: Modality::Will,
            modality_span: None,
            actions: Vec::new(),
            cite: None,
            quote: None,
            note: None,
            allows: Vec::new(),
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::allow => r.allows.extend(self.allow(c)),
                Rule::conditions => r.conditions = self.conditions(c),
                Rule::billing_filter => {
                    r.billing = Some(c.into_inner().map(|b| self.ident(b)).collect())
                }
                Rule::modality => {
                    r.modality_span = Some(self.span(&c));
                    r.modality = modality_of(c);
                }
                Rule::actions => r.actions = self.actions(c),
                Rule::section => r.cite = Some(self.section(c)),
                Rule::quote => r.quote = c.into_inner().next().map(|s| self.string(s)),
                Rule::note => r.note = c.into_inner().next().map(|s| self.string(s)),
                _ => {}
            }
        }
        r
    }

    fn timing(&self, p: Pair<Rule>) -> Timing {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::after => TimingKind::After,
            Rule::within => TimingKind::Within,
            Rule::before => TimingKind::Before,
            Rule::on_day => TimingKind::OnDay,
            Rule::on_hour => TimingKind::OnHour,
            _ => TimingKind::AtOnce,
        };
        let mut duration = None;
        let mut day = None;
        let mut from = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::duration => duration = Some(self.duration(c)),
                Rule::integer => day = Some(self.ident(c)),
                Rule::from => from = c.into_inner().next().map(|i| self.ident(i)),
                _ => {}
            }
        }
        Timing {
            kind,
            duration,
            day,
            from,
            span,
        }
    }

    fn duration(&self, p: Pair<Rule>) -> DurationLit {
        let span = self.span(&p);
        let mut count = String::new();
        let mut unit = String::new();
        let mut unit_span = span;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::number => count = c.as_str().to_string(),
                Rule::unit => {
                    unit_span = self.span(&c);
                    unit = c.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                }
                _ => {}
            }
        }
        DurationLit {
            count,
            unit,
            unit_span,
            span,
        }
    }

    fn actions(&self, p: Pair<Rule>) -> Vec<Action> {
        p.into_inner().map(|a| self.action(a)).collect()
    }

    fn action(&self, p: Pair<Rule>) -> Action {
        let span = self.span(&p);
        let mut verb = None;
        let mut targets = Vec::new();
        let mut amount = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::verb => verb = Some(self.ident(c)),
                Rule::targets => targets = c.into_inner().map(|t| self.ident(t)).collect(),
                Rule::amount => amount = Some(self.amount(c)),
                _ => {}
            }
        }
        Action {
            verb: verb.unwrap_or_else(|| self.missing(span)),
            targets,
            amount,
            span,
        }
    }

    fn cure(&self, p: Pair<Rule>) -> Cure {
        let span = self.span(&p);
        let mut alternatives = Vec::new();
        let mut resume = None;
        let mut cite = None;
        let mut quote = None;
        let mut note = None;
        let mut allows = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::allow => allows.extend(self.allow(c)),
                Rule::cure_alternative => {
                    let span = self.span(&c);
                    let parts = c
                        .into_inner()
                        .map(|part| match part.as_rule() {
                            Rule::cond_settled => CurePart::Settled(self.span(&part)),
                            _ => CurePart::Event(self.ident(part)),
                        })
                        .collect();
                    alternatives.push(CureAlternative { parts, span });
                }
                Rule::section => cite = Some(self.section(c)),
                Rule::quote => quote = c.into_inner().next().map(|s| self.string(s)),
                Rule::note => note = c.into_inner().next().map(|s| self.string(s)),
                Rule::resume => {
                    for r in c.into_inner() {
                        match r.as_rule() {
                            Rule::resume_all => resume = Some(Resume::All(self.span(&r))),
                            Rule::ident_list => {
                                resume = Some(Resume::Listed(
                                    r.into_inner().map(|i| self.ident(i)).collect(),
                                ))
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Cure {
            alternatives,
            resume,
            cite,
            quote,
            note,
            allows,
            span,
        }
    }

    fn amount(&self, p: Pair<Rule>) -> AmountLit {
        let span = self.span(&p);
        let mut value = String::new();
        let mut currency = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::number => value = c.as_str().to_string(),
                Rule::currency => currency = Some(self.ident(c)),
                _ => {}
            }
        }
        AmountLit {
            value,
            currency: currency.unwrap_or_else(|| self.missing(span)),
            span,
        }
    }

    fn money(&self, p: Pair<Rule>) -> MoneyTerm {
        let span = self.span(&p);
        let kind_rule = p.as_rule();
        let mut modality = Modality::Will;
        let mut cite = None;
        let mut quote = None;
        let mut note = None;
        let mut rate = None;
        let mut idents = Vec::new();
        let mut duration = None;
        let mut amount = None;
        let mut cap = None;
        let mut rounding = None;
        let mut basis: (Option<Ident>, Option<Ident>) = (None, None);
        let mut allows = Vec::new();
        let mut billing = None;
        let mut causes = Vec::new();
        let mut unless = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::allow => allows.extend(self.allow(c)),
                Rule::billing_filter => {
                    billing = Some(c.into_inner().map(|b| self.ident(b)).collect())
                }
                Rule::causes => causes = c.into_inner().map(|i| self.ident(i)).collect(),
                Rule::refund_unless => unless = c.into_inner().next().map(|i| self.ident(i)),
                Rule::modality => modality = modality_of(c),
                Rule::section => cite = Some(self.section(c)),
                Rule::quote => quote = c.into_inner().next().map(|s| self.string(s)),
                Rule::note => note = c.into_inner().next().map(|s| self.string(s)),
                Rule::rate => rate = Some(self.rate(c)),
                Rule::ident => idents.push(self.ident(c)),
                Rule::rounding => rounding = c.into_inner().next().map(|i| self.ident(i)),
                Rule::duration => duration = Some(self.duration(c)),
                Rule::cap_months => {
                    cap = Some(MoneyKind::LiabilityCapMonths {
                        months: c
                            .into_inner()
                            .next()
                            .map_or_else(|| self.missing(span), |i| self.ident(i)),
                    })
                }
                Rule::cap_service => cap = Some(MoneyKind::LiabilityCapService),
                Rule::cap_amount => {
                    if let Some(a) = c.into_inner().next() {
                        amount = Some(self.amount(a));
                    }
                }
                Rule::refund_basis => {
                    let mut it = c.into_inner();
                    basis = (
                        it.next().map(|i| self.ident(i)),
                        it.next().map(|i| self.ident(i)),
                    );
                }
                _ => {}
            }
        }
        let first_ident = idents.into_iter().next();
        let kind = match kind_rule {
            Rule::late_fee => MoneyKind::LateFee {
                rate: rate.unwrap_or(RateLit {
                    percent: String::new(),
                    per: None,
                    span,
                }),
                from: first_ident.unwrap_or_else(|| self.missing(span)),
                rounding,
            },
            Rule::liability_cap => match (cap, amount) {
                (Some(k), _) => k,
                (None, Some(a)) => MoneyKind::LiabilityCapAmount(a),
                (None, None) => MoneyKind::LiabilityCapService,
            },
            Rule::refund => MoneyKind::Refund {
                by: basis.0,
                part_month_by: basis.1,
                causes,
            },
            Rule::no_refund => MoneyKind::NoRefund { causes },
            _ => MoneyKind::RefundWindow {
                duration: duration.unwrap_or(DurationLit {
                    count: String::new(),
                    unit: String::new(),
                    unit_span: span,
                    span,
                }),
                from: first_ident.unwrap_or_else(|| self.missing(span)),
                unless,
            },
        };
        MoneyTerm {
            kind,
            billing,
            modality,
            cite,
            quote,
            note,
            allows,
            span,
        }
    }

    fn instant(&self, p: Pair<Rule>) -> InstantLit {
        InstantLit {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn scenario(&self, p: Pair<Rule>) -> Scenario {
        let span = self.span(&p);
        let mut name = None;
        let mut product = None;
        let mut billing = None;
        let mut variants = Vec::new();
        let mut reading = None;
        let mut events = Vec::new();
        let mut expects = Vec::new();
        let mut order = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => name = Some(self.string(c)),
                Rule::ident => product = Some(self.ident(c)),
                Rule::billing_mode => billing = Some(self.ident(c)),
                Rule::variant_value => variants.push(self.ident(c)),
                Rule::reading => reading = c.into_inner().next().map(|r| self.ident(r)),
                Rule::scenario_event => {
                    events.push(self.scenario_event(c));
                    order.push(true);
                }
                Rule::expect => {
                    if let Some(e) = self.expect(c) {
                        expects.push(e);
                        order.push(false);
                    }
                }
                _ => {}
            }
        }
        Scenario {
            name: name.unwrap_or(Str {
                value: String::new(),
                span,
            }),
            product: product.unwrap_or_else(|| self.missing(span)),
            billing,
            variants,
            reading,
            events,
            expects,
            order,
            span,
        }
    }

    fn scenario_event(&self, p: Pair<Rule>) -> ScenarioEvent {
        let span = self.span(&p);
        let mut at = None;
        let mut event = None;
        let mut amount = None;
        let mut note = None;
        let mut until = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::event_until => until = c.into_inner().next().map(|i| self.instant(i)),
                Rule::instant => at = Some(self.instant(c)),
                Rule::ident => event = Some(self.ident(c)),
                Rule::amount => amount = Some(self.amount(c)),
                Rule::note => note = c.into_inner().next().map(|s| self.string(s)),
                _ => {}
            }
        }
        ScenarioEvent {
            at: at.unwrap_or(InstantLit {
                text: String::new(),
                span,
            }),
            event: event.unwrap_or_else(|| self.missing(span)),
            amount,
            until,
            note,
            span,
        }
    }

    /// `0.05% per day`.
    fn rate(&self, p: Pair<Rule>) -> RateLit {
        let span = self.span(&p);
        let mut percent = String::new();
        let mut per = None;
        for r in p.into_inner() {
            match r.as_rule() {
                Rule::number => percent = r.as_str().to_string(),
                Rule::ident => per = Some(self.ident(r)),
                _ => {}
            }
        }
        RateLit { percent, per, span }
    }

    fn property(&self, p: Pair<Rule>) -> Option<Property> {
        let span = self.span(&p);
        let form = p.into_inner().next()?;
        let form_rule = form.as_rule();
        let mut it = form.into_inner().filter(|q| q.as_rule() != Rule::kw_no);
        let list =
            |q: Option<Pair<Rule>>| -> Vec<Ident> { q.map(|q| self.idents(q)).unwrap_or_default() };
        let kind = match form_rule {
            Rule::prop_no_before => {
                let action = self.action(it.next()?);
                let within = self.duration(it.next()?);
                let from = self.idents(it.next()?);
                let unless = list(it.next().and_then(|u| u.into_inner().next()));
                PropertyKind::NoBefore {
                    action,
                    within,
                    from,
                    unless,
                }
            }
            Rule::prop_preceded => {
                let action = self.action(it.next()?);
                let by = it.map(|a| self.action(a)).collect();
                PropertyKind::Preceded { action, by }
            }
            Rule::prop_after_no => {
                let after = self.idents(it.next()?);
                let action = self.action(it.next()?);
                let until = list(it.next().and_then(|u| u.into_inner().next()));
                PropertyKind::AfterNo {
                    after,
                    action,
                    until,
                }
            }
            Rule::prop_follows => {
                let action = self.action(it.next()?);
                let after = self.idents(it.next()?);
                let unless = list(it.next().and_then(|u| u.into_inner().next()));
                PropertyKind::Follows {
                    action,
                    after,
                    unless,
                }
            }
            Rule::prop_late_fee => PropertyKind::LateFeeAtMost {
                rate: self.rate(it.next()?),
            },
            _ => return None,
        };
        Some(Property { kind, span })
    }

    fn expect(&self, p: Pair<Rule>) -> Option<Expect> {
        let span = self.span(&p);
        let inner = p.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::expect_action => {
                let mut it = inner.into_inner();
                let at = self.instant(it.next()?);
                let actions = self.actions(it.next()?);
                ExpectKind::Fired { at, actions }
            }
            Rule::expect_none => {
                let mut it = inner.into_inner();
                let action = self.action(it.next()?);
                let before = self.instant(it.next()?);
                ExpectKind::NotFired { action, before }
            }
            Rule::expect_state => {
                let mut it = inner.into_inner();
                let at = self.instant(it.next()?);
                let what = it.next()?;
                match what.as_rule() {
                    Rule::expect_obligation => {
                        let mut w = what.into_inner();
                        let kind = self.ident(w.next()?);
                        let amount = self.amount(w.next()?);
                        // (obligation kinds may be keywords such as `late_fee`)
                        ExpectKind::Obligation { at, kind, amount }
                    }
                    Rule::expect_window => {
                        let verb = self.ident(what.into_inner().next()?);
                        ExpectKind::Window { at, verb }
                    }
                    _ => {
                        let mut w = what.into_inner();
                        let subject = self.ident(w.next()?);
                        let state = self.ident(w.next()?);
                        ExpectKind::State { at, subject, state }
                    }
                }
            }
            _ => return None,
        };
        Some(Expect { kind, span })
    }
}

type Rule_ = crate::ast::Rule;

fn modality_of(p: Pair<Rule>) -> Modality {
    match p.into_inner().next().map(|m| m.as_rule()) {
        Some(Rule::may) => Modality::May,
        Some(Rule::customer_may) => Modality::CustomerMay,
        Some(Rule::customer_must) => Modality::CustomerMust,
        _ => Modality::Will,
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a string for printing back as a literal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}
