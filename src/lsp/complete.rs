//! Completion: the grammar says what may come at the cursor
//! ([`crate::syntax::expected`]); this module fills each kind of slot with
//! the names that fit — actions from the action table, the product's
//! capabilities, resources, events, billing modes and variant values, units, labels of the
//! rule, section numbers of the product's part of the agreement text — and
//! offers the keywords the grammar expects as they are.

use super::analysis::Snapshot;
use super::locate;
use crate::ast::{self, BlockKind, BodyItem};
use crate::sourcetext::Scope;
use crate::syntax::expected;
use crate::vocab::{TargetKind, Verb, ACTIONS, BILLING_MODES, BUILTIN_EVENTS};
use lsp_types::{CompletionItem, CompletionItemKind, CompletionResponse, Documentation, Position};

/// Characters after which the editor asks for completion by itself.
pub const TRIGGER_CHARACTERS: &[char] = &['§'];

/// A kind of name a place takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Verb,
    /// Targets of the action written before (capabilities or resources).
    Target,
    /// Capabilities only (`then resume …`).
    Capability,
    /// What an expectation's state is about (`expect at … compute suspended`).
    Subject,
    Event,
    /// After `from`: a label of the rule or an event.
    Anchor,
    Unit,
    Billing,
    Product,
    Section,
}

/// Completion items at `pos` of a document holding `text`.
/// `last_parsed` is the document's most recent syntax tree that parsed
/// (while typing, the text itself seldom parses).
pub fn complete(
    snap: &Snapshot,
    text: &str,
    pos: Position,
    last_parsed: Option<&ast::File>,
) -> CompletionResponse {
    let offset = super::position::LineIndex::new(text).offset(text, pos);
    let start = word_start(text, offset);
    let before = text.get(..start).unwrap_or("");
    let Some(exp) = expected::at(before) else {
        return CompletionResponse::Array(Vec::new());
    };
    let names = Names::around(snap, before, last_parsed);
    let mut items: Vec<CompletionItem> = Vec::new();
    for slot in slots(&exp, before) {
        fill(slot, snap, &names, before, &mut items);
    }
    for w in &exp.words {
        items.push(item(w, CompletionItemKind::KEYWORD, None));
    }
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|i| seen.insert(i.label.clone()));
    CompletionResponse::Array(items)
}

/// Which names fit: the grammar says whether a verb, a name, a number or
/// section digits may come; the words before the cursor say which names.
fn slots(exp: &expected::Expected, before: &str) -> Vec<Slot> {
    let mut out = Vec::new();
    if exp.verb {
        out.push(Slot::Verb);
    }
    if exp.section {
        out.push(Slot::Section);
    }
    if exp.name && !exp.verb {
        let words = words_back(before);
        let prev = words.first().map(String::as_str).unwrap_or("");
        let slot = match prev {
            "on" | "until" => Some(Slot::Event),
            "from" => Some(Slot::Anchor),
            "for" => Some(Slot::Product),
            "resume" => Some(Slot::Capability),
            "[" => Some(Slot::Billing),
            p if p.starts_with(|c: char| c.is_ascii_digit()) && p.contains('T') => {
                // An instant: `expect at T` asks for a subject, a scenario line for an event.
                if words.get(1).map(String::as_str) == Some("at") {
                    Some(Slot::Subject)
                } else {
                    Some(Slot::Event)
                }
            }
            p if p.chars().all(|c| c.is_ascii_digit() || c == '.') && !p.is_empty() => {
                Some(Slot::Unit)
            }
            p if Verb::from_name(p).is_some() => Some(Slot::Target),
            _ => None,
        };
        out.extend(slot);
    }
    out
}

/// The words before the cursor, nearest first, with a list (`a, b, `)
/// skipped back to the word that opened it (`suspend`, `until`, `[`).
fn words_back(before: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in before.chars().rev().take(400) {
        if c.is_whitespace() || c == ',' || c == '[' {
            if !cur.is_empty() {
                tokens.push(cur.chars().rev().collect());
                cur.clear();
            }
            if c == ',' || c == '[' {
                tokens.push(c.to_string());
            }
        } else {
            cur.push(c);
        }
        if tokens.len() > 24 {
            break;
        }
    }
    if !cur.is_empty() {
        tokens.push(cur.chars().rev().collect());
    }
    // `x, y, |` → skip back over the list to what opened it
    let mut i = 0;
    while tokens.get(i).map(String::as_str) == Some(",") {
        i += 2;
    }
    tokens.split_off(i.min(tokens.len()))
}

fn fill(slot: Slot, snap: &Snapshot, names: &Names, before: &str, items: &mut Vec<CompletionItem>) {
    match slot {
        Slot::Verb => {
            for a in ACTIONS {
                items.push(item(a.name, CompletionItemKind::FUNCTION, Some(a.meaning)));
            }
        }
        Slot::Target | Slot::Capability => {
            let wanted = previous_verb(before).map(|v| v.info().targets);
            let caps = slot == Slot::Capability || !matches!(wanted, Some(TargetKind::Resources));
            let res = slot == Slot::Target && !matches!(wanted, Some(TargetKind::Capabilities));
            if caps {
                for c in &names.capabilities {
                    items.push(item(c, CompletionItemKind::FIELD, Some("capability")));
                }
            }
            if res {
                for r in &names.resources {
                    items.push(item(r, CompletionItemKind::VALUE, Some("resource")));
                }
            }
        }
        Slot::Subject => {
            for c in names.capabilities.iter().chain(&names.resources) {
                items.push(item(c, CompletionItemKind::FIELD, None));
            }
        }
        Slot::Event => {
            for e in &names.events {
                items.push(item(e, CompletionItemKind::EVENT, Some("event")));
            }
        }
        Slot::Anchor => {
            for l in rule_labels(before) {
                items.push(item(&l, CompletionItemKind::REFERENCE, Some("step label")));
            }
            for e in &names.events {
                items.push(item(e, CompletionItemKind::EVENT, Some("event")));
            }
        }
        Slot::Unit => {
            for u in crate::check::UNIT_NAMES {
                items.push(item(u, CompletionItemKind::UNIT, Some("unit of time")));
            }
        }
        Slot::Billing => {
            for b in &names.billing {
                items.push(item(
                    b,
                    CompletionItemKind::ENUM_MEMBER,
                    Some("billing mode"),
                ));
            }
            for v in &names.variants {
                items.push(item(v, CompletionItemKind::ENUM_MEMBER, Some("variant")));
            }
        }
        Slot::Product => {
            for p in snap.blocks().filter_map(|b| match &b.kind {
                BlockKind::Product { id, .. } => Some(id.name.as_str()),
                BlockKind::General => None,
            }) {
                items.push(item(p, CompletionItemKind::MODULE, Some("product")));
            }
        }
        Slot::Section => sections(snap, names, items),
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: detail.map(str::to_string),
        ..CompletionItem::default()
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '§'
}

/// Start of the word the cursor is in (a name, a number, or a `§1.2`).
/// A number being followed by its unit (`24h`) keeps its digits before the
/// word, so the grammar sees the number and asks for a unit.
fn word_start(text: &str, offset: usize) -> usize {
    let head = text.get(..offset).unwrap_or("");
    let start = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(offset, |(i, _)| i);
    let word = &head[start..];
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && digits < word.len() {
        start + digits
    } else {
        start
    }
}

/// The action just before the targets being written (`suspend a, |`).
fn previous_verb(before: &str) -> Option<Verb> {
    before
        .split(|c: char| c.is_whitespace() || c == ',')
        .rev()
        .filter(|w| !w.is_empty())
        .take(16)
        .find_map(Verb::from_name)
}

/// Labels (`name:`) written since the last `on` that starts a rule.
fn rule_labels(before: &str) -> Vec<String> {
    let rule_start = before
        .match_indices("on ")
        .filter(|(i, _)| {
            before[..*i]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
        })
        .map(|(i, _)| i)
        .last()
        .unwrap_or(0);
    let mut out = Vec::new();
    for line in before[rule_start..].lines() {
        let line = line.trim_start();
        if let Some((name, _)) = line.split_once(':') {
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The names a completion can offer around the cursor.
#[derive(Default)]
struct Names {
    capabilities: Vec<String>,
    resources: Vec<String>,
    events: Vec<String>,
    billing: Vec<String>,
    /// Variant values the enclosing product declares (`variants term:
    /// monthly, yearly`), offered beside the billing modes in a filter.
    variants: Vec<String>,
    /// The enclosing block's section, and whether it is a product's.
    section: Option<(String, bool)>,
}

impl Names {
    fn around(snap: &Snapshot, before: &str, last_parsed: Option<&ast::File>) -> Names {
        let mut n = Names {
            capabilities: vec!["service".to_string()],
            events: BUILTIN_EVENTS.iter().map(|e| e.to_string()).collect(),
            ..Names::default()
        };
        // The enclosing block: by position in the last tree that parsed,
        // else by the name of the last `product` written before the cursor.
        let block = last_parsed.and_then(|f| {
            locate::block_at(f, before.len()).or_else(|| {
                let id = last_product_name(before)?;
                f.items.iter().find_map(|i| match i {
                    ast::Item::Block(b) if matches!(&b.kind, BlockKind::Product { id: p, .. } if p.name == id) => Some(b),
                    _ => None,
                })
            })
        });
        if let Some(b) = block {
            n.add_declarations(b);
            n.section = Some((
                b.section.number.clone(),
                matches!(b.kind, BlockKind::Product { .. }),
            ));
        }
        for g in snap
            .blocks()
            .filter(|b| matches!(b.kind, BlockKind::General))
        {
            n.add_declarations(g);
        }
        if n.billing.is_empty() {
            n.billing = BILLING_MODES.iter().map(|b| b.to_string()).collect();
        }
        n
    }

    fn add_declarations(&mut self, b: &ast::Block) {
        for item in &b.items {
            let (list, names) = match item {
                BodyItem::Capabilities(names, _) => (&mut self.capabilities, names),
                BodyItem::Resources(names, _) => (&mut self.resources, names),
                BodyItem::Events(names, _) => (&mut self.events, names),
                BodyItem::Billing(names, _) => (&mut self.billing, names),
                BodyItem::Variants(v) => (&mut self.variants, &v.values),
                _ => continue,
            };
            for name in names {
                if !list.contains(&name.name) {
                    list.push(name.name.clone());
                }
            }
        }
    }
}

/// The name of the last `product NAME` written in `before`.
fn last_product_name(before: &str) -> Option<String> {
    let at = before.rfind("product ")?;
    let name: String = before[at + "product ".len()..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Article numbers of the block's part of the agreement text.
fn sections(snap: &Snapshot, names: &Names, items: &mut Vec<CompletionItem>) {
    let Some(text) = snap.agreement_text() else {
        return;
    };
    let scope = match &names.section {
        Some((number, true)) => Scope::Product(number),
        _ => Scope::General,
    };
    let mut seen = std::collections::BTreeSet::new();
    for a in &text.index.articles {
        if a.duplicate_of.is_some() || !seen.insert(a.number.as_str()) {
            continue;
        }
        let (found, inside) = text.index.resolve(scope, &a.number);
        if !inside || found.is_empty() {
            continue;
        }
        let heading = text.raw.lines().nth(a.line - 1).unwrap_or("").trim();
        let heading: String = heading.chars().take(60).collect();
        let mut it = item(
            &format!("§{}", a.number),
            CompletionItemKind::REFERENCE,
            None,
        );
        it.documentation = Some(Documentation::String(heading.clone()));
        it.detail = Some(heading);
        items.push(it);
    }
}
