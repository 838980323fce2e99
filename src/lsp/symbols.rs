//! Document symbols (the outline: header, blocks, rules, money terms,
//! scenarios) and whole-document formatting with the `fmt` printer.

use super::analysis::Snapshot;
use crate::ast::{self, BlockKind, BodyItem, FileId, Item, Span};
use lsp_types::{DocumentSymbol, DocumentSymbolResponse, SymbolKind, TextEdit};

pub fn document_symbols(snap: &Snapshot, file: FileId) -> Option<DocumentSymbolResponse> {
    let ast = snap.ast(file)?;
    let symbols = ast
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Agreement(h) => symbol(
                snap,
                format!("agreement {}", h.id.name),
                Some(h.title.value.clone()),
                SymbolKind::NAMESPACE,
                h.span,
                h.id.span,
                Vec::new(),
            ),
            Item::Block(b) => block(snap, b),
        })
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

fn block(snap: &Snapshot, b: &ast::Block) -> Option<DocumentSymbol> {
    let children = b.items.iter().filter_map(|i| body_item(snap, i)).collect();
    let (name, detail, select) = match &b.kind {
        BlockKind::General => (
            format!("general §{}", b.section.number),
            None,
            b.section.span,
        ),
        BlockKind::Product { id, name } => (
            format!("product {}", id.name),
            Some(format!("{} §{}", name.value, b.section.number)),
            id.span,
        ),
    };
    symbol(
        snap,
        name,
        detail,
        SymbolKind::MODULE,
        b.span,
        select,
        children,
    )
}

fn body_item(snap: &Snapshot, item: &BodyItem) -> Option<DocumentSymbol> {
    match item {
        BodyItem::Rule(r) => {
            let billing = r.billing.as_ref().map(|b| {
                let names: Vec<&str> = b.iter().map(|i| i.name.as_str()).collect();
                format!(" [{}]", names.join(", "))
            });
            let steps = r
                .steps
                .iter()
                .filter_map(|s| {
                    let verbs: Vec<&str> = s.actions.iter().map(|a| a.verb.name.as_str()).collect();
                    let name = match &s.label {
                        Some(l) => format!("{}: {}", l.name, verbs.join(" and ")),
                        None => verbs.join(" and "),
                    };
                    symbol(
                        snap,
                        name,
                        s.cite.as_ref().map(|c| format!("§{}", c.number)),
                        SymbolKind::EVENT,
                        s.span,
                        s.span,
                        Vec::new(),
                    )
                })
                .collect();
            symbol(
                snap,
                format!("on {}{}", r.trigger.name, billing.unwrap_or_default()),
                None,
                SymbolKind::FUNCTION,
                r.span,
                r.trigger.span,
                steps,
            )
        }
        BodyItem::Scenario(s) => symbol(
            snap,
            format!("scenario \"{}\"", s.name.value),
            Some(format!("for {}", s.product.name)),
            SymbolKind::METHOD,
            s.span,
            s.name.span,
            Vec::new(),
        ),
        BodyItem::Money(m) => {
            let kind = match &m.kind {
                ast::MoneyKind::LateFee { .. } => "late_fee",
                ast::MoneyKind::LiabilityCapMonths { .. }
                | ast::MoneyKind::LiabilityCapService
                | ast::MoneyKind::LiabilityCapAmount(_) => "liability_cap",
                ast::MoneyKind::Refund { .. } => "refund",
                ast::MoneyKind::NoRefund { .. } => "no_refund",
                ast::MoneyKind::RefundWindow { .. } => "refund_window",
            };
            symbol(
                snap,
                kind.to_string(),
                m.cite.as_ref().map(|c| format!("§{}", c.number)),
                SymbolKind::PROPERTY,
                m.span,
                m.span,
                Vec::new(),
            )
        }
        _ => None,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given
fn symbol(
    snap: &Snapshot,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    select: Span,
    children: Vec<DocumentSymbol>,
) -> Option<DocumentSymbol> {
    let range = snap.location(span)?.range;
    let selection_range = snap.location(select)?.range;
    Some(DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: (!children.is_empty()).then_some(children),
    })
}

/// The whole document in the canonical layout, as one edit; `None` when
/// it does not parse (there is nothing safe to print) and no edits when it
/// is already formatted.
pub fn format(snap: &Snapshot, file: FileId) -> Option<Vec<TextEdit>> {
    let ast = snap.ast(file)?;
    let text = snap.text_of(file);
    let formatted = crate::fmt::format_file(ast, text);
    if formatted == text {
        return Some(Vec::new());
    }
    let range = snap.lines(file)?.range(text, 0, text.len());
    Some(vec![TextEdit::new(range, formatted)])
}
