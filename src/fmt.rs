//! `clausec fmt`: one canonical layout for clause files.
//!
//! The printer walks the AST and writes every construct in one fixed shape
//! (two-space indent, one declaration per line, a step's `quote` and `note`
//! on their own continuation lines). Comments are not in the tree: they are
//! re-attached by position — a comment is printed before the first node that
//! starts after it, or at the end of the previous line when it trailed code
//! in the original. Printing is idempotent: formatting formatted text gives
//! the same text.

use crate::ast::*;
use crate::syntax::escape;

/// Formats a parsed file. `text` is the source it was parsed from (used to
/// tell trailing comments from leading ones).
pub fn format_file(file: &File, text: &str) -> String {
    let mut p = Printer {
        out: String::new(),
        comments: file.comments.iter().collect(),
        next_comment: 0,
        text,
    };
    for (i, item) in file.items.iter().enumerate() {
        let start = item_span(item).start;
        p.comments_before(start, 0);
        if i > 0 {
            p.blank_line();
        }
        match item {
            Item::Agreement(h) => p.agreement(h),
            Item::Block(b) => p.block(b),
        }
    }
    p.comments_before(u32::MAX, 0);
    let mut out = p.out.trim_end().to_string();
    out.push('\n');
    out
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Agreement(h) => h.span,
        Item::Block(b) => b.span,
    }
}

struct Printer<'a> {
    out: String,
    comments: Vec<&'a Comment>,
    next_comment: usize,
    text: &'a str,
}

impl Printer<'_> {
    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Whether code precedes the comment on its original line.
    fn is_trailing(&self, c: &Comment) -> bool {
        let start = c.span.start as usize;
        let line_start = self.text[..start.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        self.text
            .get(line_start..start)
            .is_some_and(|s| !s.trim().is_empty())
    }

    /// Prints every comment that starts before `offset`.
    fn comments_before(&mut self, offset: u32, indent: usize) {
        while let Some(c) = self.comments.get(self.next_comment).copied() {
            if c.span.start >= offset {
                break;
            }
            self.next_comment += 1;
            let text = format!("//{}", c.text);
            if self.is_trailing(c) && self.out.ends_with('\n') && !self.out.ends_with("\n\n") {
                self.out.pop();
                self.out.push_str("  ");
                self.out.push_str(&text);
                self.out.push('\n');
            } else {
                self.line(indent, &text);
            }
        }
    }

    fn agreement(&mut self, h: &AgreementHeader) {
        self.line(
            0,
            &format!("agreement {} \"{}\" {{", h.id.name, escape(&h.title.value)),
        );
        for f in &h.fields {
            let (span, s) = match f {
                HeaderField::Version(v) => (v.span, format!("version \"{}\"", escape(&v.value))),
                HeaderField::Effective(d) => (d.span, format!("effective {}", d.name)),
                HeaderField::Zone(z) => (z.span, format!("zone {}", z.name)),
                HeaderField::Source(s) => (s.span, format!("source \"{}\"", escape(&s.value))),
                HeaderField::Calendar(c) => (c.span, format!("calendar {}", c.name)),
                HeaderField::CalendarFile(f) => {
                    (f.span, format!("calendar \"{}\"", escape(&f.value)))
                }
            };
            self.comments_before(span.start, 1);
            self.line(1, &s);
        }
        self.comments_before(h.span.end, 1);
        self.line(0, "}");
    }

    fn block(&mut self, b: &Block) {
        let head = match &b.kind {
            BlockKind::General => format!("general §{} {{", b.section.number),
            BlockKind::Product { id, name } => format!(
                "product {} \"{}\" §{} {{",
                id.name,
                escape(&name.value),
                b.section.number
            ),
        };
        self.line(0, &head);
        let mut prev: Option<(u8, u32)> = None;
        for item in &b.items {
            let kind = group_of(item);
            let start = item.span().start;
            if let Some((prev_kind, prev_end)) = prev {
                // Comments trailing the previous item stay on its line.
                self.trailing_comments_before(start);
                // A blank line between groups, around multi-line items, and
                // wherever the author left one (at most one is kept).
                if prev_kind != kind || kind >= 2 || self.blank_between(prev_end, start) {
                    self.blank_line();
                }
            }
            self.comments_before(start, 1);
            prev = Some((kind, item.span().end));
            self.body_item(item);
        }
        self.comments_before(b.span.end, 1);
        self.line(0, "}");
    }

    /// Prints the comments before `offset` that trail code on their line.
    fn trailing_comments_before(&mut self, offset: u32) {
        while let Some(c) = self.comments.get(self.next_comment).copied() {
            if c.span.start >= offset || !self.is_trailing(c) {
                break;
            }
            self.comments_before(c.span.start + 1, 1);
        }
    }

    /// Whether the original text has an empty line between two offsets.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        self.text
            .get(from as usize..to as usize)
            .is_some_and(|gap| {
                let lines: Vec<&str> = gap.split('\n').collect();
                lines.len() > 2
                    && lines[1..lines.len() - 1]
                        .iter()
                        .any(|l| l.trim().is_empty())
            })
    }

    fn body_item(&mut self, item: &BodyItem) {
        match item {
            BodyItem::Billing(ids, _) => self.line(1, &format!("billing {}", names(ids))),
            BodyItem::Capabilities(ids, _) => self.line(1, &format!("capabilities {}", names(ids))),
            BodyItem::Resources(ids, _) => self.line(1, &format!("resources {}", names(ids))),
            BodyItem::Events(ids, _) => self.line(1, &format!("events {}", names(ids))),
            BodyItem::Ignore(i) => self.line(
                1,
                &format!(
                    "ignore §{} \"{}\"",
                    i.section.number,
                    escape(&i.reason.value)
                ),
            ),
            BodyItem::Rule(r) => self.rule(r),
            BodyItem::Money(m) => self.money(m),
            BodyItem::Scenario(s) => self.scenario(s),
            BodyItem::Allow(a) => self.line(1, &allow_text(a)),
            BodyItem::Variants(v) => self.line(
                1,
                &format!("variants {}: {}", v.dimension.name, names(&v.values)),
            ),
            BodyItem::Restriction(r) => self.restriction(r),
            BodyItem::Verify(v) => {
                match &v.billing {
                    Some(b) => self.line(1, &format!("verify [{}] {{", names(b))),
                    None => self.line(1, "verify {"),
                }
                for p in &v.properties {
                    self.comments_before(p.span.start, 2);
                    self.line(2, &property_text(p));
                }
                self.comments_before(v.span.end, 2);
                self.line(1, "}");
            }
        }
    }

    fn restriction(&mut self, r: &Restriction) {
        let mut s = format!("while {}", conditions_text(&r.conditions));
        if let Some(b) = &r.billing {
            s.push_str(&format!(" [{}]", names(b)));
        }
        if r.modality != Modality::Will || r.modality_span.is_some() {
            s.push(' ');
            s.push_str(r.modality.keyword());
        }
        s.push(' ');
        s.push_str(&actions_text(&r.actions));
        self.cited_line(s, r.cite.as_ref(), r.quote.as_ref(), r.note.as_ref());
        for a in &r.allows {
            self.line(2, &allow_text(a));
        }
    }

    /// A one-line item with its `§` on the line and `quote`/`note` on
    /// continuation lines (money terms, restrictions).
    fn cited_line(
        &mut self,
        mut s: String,
        cite: Option<&Section>,
        quote: Option<&Str>,
        note: Option<&Str>,
    ) {
        if let Some(c) = cite {
            s.push_str(&format!(" §{}", c.number));
        }
        self.line(1, &s);
        if let Some(q) = quote {
            self.line(2, &format!("quote \"{}\"", escape(&q.value)));
        }
        if let Some(n) = note {
            self.line(2, &format!("note \"{}\"", escape(&n.value)));
        }
    }

    fn rule(&mut self, r: &Rule) {
        let mut head = format!("on {}", r.trigger.name);
        if let Some(b) = &r.billing {
            head.push_str(&format!(" [{}]", names(b)));
        }
        match &r.precedence {
            None => {}
            Some(Precedence::Yields(_)) => head.push_str(" yields"),
            Some(Precedence::Replaces(sections, _)) => {
                let list: Vec<String> = sections.iter().map(|s| format!("§{}", s.number)).collect();
                head.push_str(&format!(" replaces {}", list.join(", ")));
            }
        }
        if let Some(g) = &r.guard {
            head.push_str(&format!(" if {}", conditions_text(&g.conditions)));
        }
        match r.form {
            RuleForm::Inline => {
                let steps: Vec<String> = r.steps.iter().map(|s| step_text(s, true)).collect();
                let mut s = format!("{head} {}", steps.join("; "));
                if let Some(c) = &r.cure {
                    s.push(' ');
                    s.push_str(&cure_text(c, true));
                }
                self.line(1, &s);
            }
            RuleForm::Block => {
                self.line(1, &format!("{head} {{"));
                for st in &r.steps {
                    self.comments_before(st.span.start, 2);
                    self.line(2, &step_text(st, false));
                    if let Some(q) = &st.quote {
                        self.line(3, &format!("quote \"{}\"", escape(&q.value)));
                    }
                    if let Some(n) = &st.note {
                        self.line(3, &format!("note \"{}\"", escape(&n.value)));
                    }
                    for a in &st.allows {
                        self.line(3, &allow_text(a));
                    }
                }
                if let Some(c) = &r.cure {
                    self.comments_before(c.span.start, 2);
                    self.line(2, &cure_text(c, false));
                    if let Some(q) = &c.quote {
                        self.line(3, &format!("quote \"{}\"", escape(&q.value)));
                    }
                    if let Some(n) = &c.note {
                        self.line(3, &format!("note \"{}\"", escape(&n.value)));
                    }
                    for a in &c.allows {
                        self.line(3, &allow_text(a));
                    }
                }
                self.comments_before(r.span.end, 2);
                self.line(1, "}");
            }
        }
    }

    fn money(&mut self, m: &MoneyTerm) {
        let filter = m
            .billing
            .as_ref()
            .map_or(String::new(), |b| format!(" [{}]", names(b)));
        let modality = match m.modality {
            Modality::Will => filter.clone(),
            other => format!("{filter} {}", other.keyword()),
        };
        let s = match &m.kind {
            MoneyKind::LateFee {
                rate,
                from,
                rounding,
            } => {
                let mut s = format!(
                    "late_fee{modality} {} of arrears from {}",
                    rate_text(rate),
                    from.name
                );
                if let Some(r) = rounding {
                    s.push_str(&format!(" rounding {}", r.name));
                }
                s
            }
            MoneyKind::LiabilityCapMonths { months } => format!(
                "liability_cap{modality} fees_paid {} months before breach",
                months.name
            ),
            MoneyKind::LiabilityCapService => {
                format!("liability_cap{modality} fees_of_breached_service")
            }
            MoneyKind::LiabilityCapAmount(a) => {
                format!("liability_cap{modality} {}", amount_text(a))
            }
            MoneyKind::Refund {
                by,
                part_month_by,
                causes,
            } => {
                let mut s = format!("refund{modality} unused prepaid");
                if let Some(b) = by {
                    s.push_str(&format!(" prorated by {}", b.name));
                    if let Some(p) = part_month_by {
                        s.push_str(&format!(", part_month by {}", p.name));
                    }
                }
                s.push_str(&causes_text(causes));
                s
            }
            MoneyKind::NoRefund { causes } => {
                format!("no_refund{modality}{}", causes_text(causes))
            }
            MoneyKind::RefundWindow {
                duration,
                from,
                unless,
            } => {
                let mut s = format!(
                    "refund_window{modality} {} from {}",
                    duration_text(duration),
                    from.name
                );
                if let Some(u) = unless {
                    s.push_str(&format!(" unless {}", u.name));
                }
                s
            }
        };
        self.cited_line(s, m.cite.as_ref(), m.quote.as_ref(), m.note.as_ref());
        for a in &m.allows {
            self.line(2, &allow_text(a));
        }
    }

    fn scenario(&mut self, s: &Scenario) {
        let mut head = format!(
            "scenario \"{}\" for {}",
            escape(&s.name.value),
            s.product.name
        );
        for b in s.billing.iter().chain(&s.variants) {
            head.push(' ');
            head.push_str(&b.name);
        }
        self.line(1, &format!("{head} {{"));
        if let Some(r) = &s.reading {
            self.comments_before(r.span.start, 2);
            self.line(2, &format!("reading {}", r.name));
        }
        let mut events = s.events.iter();
        let mut expects = s.expects.iter();
        for is_event in &s.order {
            if *is_event {
                if let Some(e) = events.next() {
                    self.comments_before(e.span.start, 2);
                    let mut line = format!("{} {}", e.at.text, e.event.name);
                    if let Some(a) = &e.amount {
                        line.push(' ');
                        line.push_str(&amount_text(a));
                    }
                    if let Some(u) = &e.until {
                        line.push_str(&format!(" until {}", u.text));
                    }
                    if let Some(n) = &e.note {
                        line.push_str(&format!(" note \"{}\"", escape(&n.value)));
                    }
                    self.line(2, &line);
                }
            } else if let Some(x) = expects.next() {
                self.comments_before(x.span.start, 2);
                self.line(2, &expect_text(x));
            }
        }
        self.comments_before(s.span.end, 2);
        self.line(1, "}");
    }
}

/// Layout groups inside a block: declarations (0), ignores (1), then rules,
/// money terms and scenarios (2+), which get blank lines around them.
fn group_of(item: &BodyItem) -> u8 {
    match item {
        BodyItem::Billing(..)
        | BodyItem::Capabilities(..)
        | BodyItem::Resources(..)
        | BodyItem::Events(..)
        | BodyItem::Variants(_) => 0,
        BodyItem::Ignore(_) | BodyItem::Allow(_) | BodyItem::Restriction(_) => 1,
        BodyItem::Money(_) => 1,
        BodyItem::Rule(r) if r.form == RuleForm::Inline => 1,
        BodyItem::Rule(_) => 2,
        BodyItem::Scenario(_) | BodyItem::Verify(_) => 3,
    }
}

fn names(ids: &[Ident]) -> String {
    ids.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn duration_text(d: &DurationLit) -> String {
    if matches!(d.unit.as_str(), "min" | "h" | "d") {
        format!("{}{}", d.count, d.unit)
    } else {
        format!("{} {}", d.count, d.unit)
    }
}

fn timing_text(t: &Timing) -> String {
    let mut s = match t.kind {
        TimingKind::AtOnce => "at once".to_string(),
        TimingKind::After => format!(
            "after {}",
            t.duration.as_ref().map_or(String::new(), duration_text)
        ),
        TimingKind::Within => format!(
            "within {}",
            t.duration.as_ref().map_or(String::new(), duration_text)
        ),
        TimingKind::Before => format!(
            "before {}",
            t.duration.as_ref().map_or(String::new(), duration_text)
        ),
        TimingKind::OnDay => format!(
            "on calendar day {}",
            t.day.as_ref().map_or("", |d| d.name.as_str())
        ),
        TimingKind::OnHour => format!("on hour {}", t.day.as_ref().map_or("", |d| d.name.as_str())),
    };
    if let Some(f) = &t.from {
        s.push_str(&format!(" from {}", f.name));
    }
    s
}

fn action_text(a: &Action) -> String {
    if let Some(amount) = &a.amount {
        format!("{} {}", a.verb.name, amount_text(amount))
    } else if a.targets.is_empty() {
        a.verb.name.clone()
    } else {
        format!("{} {}", a.verb.name, names(&a.targets))
    }
}

/// A property as `clausec fmt` writes it (also its name in reports).
pub fn property_text(p: &Property) -> String {
    let unless = |kw: &str, ids: &[Ident]| {
        if ids.is_empty() {
            String::new()
        } else {
            format!(" {kw} {}", names(ids))
        }
    };
    match &p.kind {
        PropertyKind::NoBefore {
            action,
            within,
            from,
            unless: u,
        } => format!(
            "no {} before {} from {}{}",
            action_text(action),
            duration_text(within),
            names(from),
            unless("unless", u)
        ),
        PropertyKind::Preceded { action, by } => format!(
            "every {} preceded by {}",
            action_text(action),
            by.iter().map(action_text).collect::<Vec<_>>().join(" or ")
        ),
        PropertyKind::AfterNo {
            after,
            action,
            until,
        } => format!(
            "after {} no {}{}",
            names(after),
            action_text(action),
            unless("until", until)
        ),
        PropertyKind::Follows {
            action,
            after,
            unless: u,
        } => format!(
            "eventually {} follows {}{}",
            action_text(action),
            names(after),
            unless("unless", u)
        ),
        PropertyKind::LateFeeAtMost { rate } => {
            format!("late_fee at most {} of arrears", rate_text(rate))
        }
    }
}

fn conditions_text(conditions: &[Condition]) -> String {
    conditions
        .iter()
        .map(|c| match &c.kind {
            ConditionKind::InArrears => "in arrears".to_string(),
            ConditionKind::Settled => "settled".to_string(),
            ConditionKind::State { subject, state } => format!("{} {}", subject.name, state.name),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn causes_text(causes: &[Ident]) -> String {
    if causes.is_empty() {
        String::new()
    } else {
        format!(" on {}", names(causes))
    }
}

fn actions_text(actions: &[Action]) -> String {
    actions
        .iter()
        .map(action_text)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn step_text(s: &Step, inline: bool) -> String {
    let mut out = String::new();
    if let Some(l) = &s.label {
        out.push_str(&format!("{}: ", l.name));
    }
    out.push_str(&timing_text(&s.timing));
    if let Some(alt) = &s.alternative {
        out.push_str(" or ");
        out.push_str(&timing_text(alt));
    }
    if s.modality != Modality::Will || s.modality_span.is_some() {
        out.push(' ');
        out.push_str(s.modality.keyword());
    }
    out.push(' ');
    out.push_str(&actions_text(&s.actions));
    if let Some(g) = &s.guard {
        out.push_str(&format!(" if {}", conditions_text(&g.conditions)));
    }
    if s.even_if_cured.is_some() {
        out.push_str(" even if cured");
    }
    meta_text(
        &mut out,
        s.cite.as_ref(),
        inline.then_some((&s.quote, &s.note, &s.allows)),
    );
    out
}

/// ` §cite`, then (on one line) ` quote "…" note "…" allow …`.
fn meta_text(
    out: &mut String,
    cite: Option<&Section>,
    inline: Option<(&Option<Str>, &Option<Str>, &Vec<Allow>)>,
) {
    if let Some(c) = cite {
        out.push_str(&format!(" §{}", c.number));
    }
    let Some((quote, note, allows)) = inline else {
        return;
    };
    if let Some(q) = quote {
        out.push_str(&format!(" quote \"{}\"", escape(&q.value)));
    }
    if let Some(n) = note {
        out.push_str(&format!(" note \"{}\"", escape(&n.value)));
    }
    for a in allows {
        out.push(' ');
        out.push_str(&allow_text(a));
    }
}

fn allow_text(a: &Allow) -> String {
    format!("allow {} \"{}\"", a.code.name, escape(&a.reason.value))
}

/// `until …`; `inline`: with its quote and note on the same line.
fn cure_text(c: &Cure, inline: bool) -> String {
    let alternatives: Vec<String> = c
        .alternatives
        .iter()
        .map(|a| {
            a.parts
                .iter()
                .map(|p| match p {
                    CurePart::Event(e) => e.name.clone(),
                    CurePart::Settled(_) => "settled".to_string(),
                })
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    let mut s = format!("until {}", alternatives.join(", "));
    match &c.resume {
        None => {}
        Some(Resume::All(_)) => s.push_str(" then resume all"),
        Some(Resume::Listed(ids)) => s.push_str(&format!(" then resume {}", names(ids))),
    }
    meta_text(
        &mut s,
        c.cite.as_ref(),
        inline.then_some((&c.quote, &c.note, &c.allows)),
    );
    s
}

fn amount_text(a: &AmountLit) -> String {
    format!("{} {}", a.value, a.currency.name)
}

fn rate_text(r: &RateLit) -> String {
    match &r.per {
        Some(p) => format!("{}% per {}", r.percent, p.name),
        None => format!("{}%", r.percent),
    }
}

fn expect_text(x: &Expect) -> String {
    match &x.kind {
        ExpectKind::Fired { at, actions } => {
            format!("expect {} {}", at.text, actions_text(actions))
        }
        ExpectKind::NotFired { action, before } => {
            format!("expect no {} before {}", action_text(action), before.text)
        }
        ExpectKind::State { at, subject, state } => {
            format!("expect at {} {} {}", at.text, subject.name, state.name)
        }
        ExpectKind::Obligation { at, kind, amount } => format!(
            "expect at {} obligation {} {}",
            at.text,
            kind.name,
            amount_text(amount)
        ),
        ExpectKind::Window { at, verb } => {
            format!("expect at {} window {} open", at.text, verb.name)
        }
    }
}
