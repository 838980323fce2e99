//! Coverage: which time- and money-bearing articles of an agreement's text
//! the clause files cite.
//!
//! Why: a clause file is trusted only if nothing that sets a deadline or an
//! amount was left out. Every numbered article of the text (see
//! [`crate::sourcetext`]) whose own words — up to its first sub-article —
//! contain a duration or money phrase must be cited by a step, a money term
//! or an `ignore` of the agreement; a citation counts for the articles it
//! resolves to in its block (the same resolution quotes use).
//!
//! A duration or money phrase ([`term_phrases`]) is a number (digits or 一…十
//! 百千两半) followed by 小时, 分钟, 自然日, 工作日, 日, 天, 周, 年, 个月 (a
//! bare 月 is a month name, not a duration), %, 元; 万分之 / 千分之 /
//! 百分之; or 次日 / 次月 (the day or month after an event). Not phrases: dates (`2018年3月16日`: a 日 right after a month, a
//! four-digit year before 年) and the article numbers themselves (headings
//! hold no phrase: the index starts an article's words after its number).
//! An article repeated word for word elsewhere in the text (a text printed
//! twice) is counted once.

use crate::ast::{self, BodyItem, Item, Span};
use crate::check::quotes::{block_scope, group_by_directory, source_field};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{AgreementText, SourceMap};
use crate::sourcetext::{Region, SourceText};

/// One time- or money-bearing article and the clauses that cite it.
#[derive(Clone, Debug)]
pub struct ArticleCoverage {
    pub number: String,
    pub region: Region,
    /// Line of the article in the agreement text.
    pub line: usize,
    /// The phrases that make it time- or money-bearing, in text order.
    pub phrases: Vec<String>,
    /// `file:line` of each citing step, money term or `ignore`.
    pub cited_by: Vec<String>,
}

/// Coverage of one agreement.
#[derive(Clone, Debug)]
pub struct Report {
    /// The agreement id of the header.
    pub agreement: String,
    /// The agreement text as named by the header, resolved.
    pub source: String,
    pub articles: Vec<ArticleCoverage>,
}

impl Report {
    pub fn covered(&self) -> usize {
        self.articles
            .iter()
            .filter(|a| !a.cited_by.is_empty())
            .count()
    }
    /// Percentage of articles cited (100 when there is none to cite).
    pub fn percent(&self) -> f64 {
        if self.articles.is_empty() {
            100.0
        } else {
            self.covered() as f64 * 100.0 / self.articles.len() as f64
        }
    }
}

const UNITS: &[&str] = &[
    "小时",
    "分钟",
    "自然日",
    "工作日",
    "日",
    "天",
    "周",
    "年",
    "%",
    "％",
    "元",
];
const RATES: &[&str] = &["万分之", "千分之", "百分之"];
/// Time words without a number: the day or month after an event.
const NEXT: &[&str] = &["次日", "次月"];

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十百千两半".contains(c)
}

/// The duration and money phrases of some words (see the module docs).
pub fn term_phrases(words: &str) -> Vec<String> {
    let chars: Vec<char> = words.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        if let Some(rate) = RATES.iter().find(|r| rest.starts_with(**r)) {
            let end = (i + 4).min(chars.len());
            out.push(chars[i..end].iter().collect());
            i += rate.chars().count();
            continue;
        }
        if let Some(next) = NEXT.iter().find(|n| rest.starts_with(**n)) {
            out.push((*next).to_string());
            i += 2;
            continue;
        }
        if !is_numeral(chars[i]) || (i > 0 && is_numeral(chars[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < chars.len()
            && (is_numeral(chars[j])
                || ((chars[j] == '.' || chars[j] == ',')
                    && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            j += 1;
        }
        let number: String = chars[start..j].iter().collect();
        let mut k = j;
        let counted = chars.get(k) == Some(&'个');
        if counted {
            k += 1;
        }
        let tail: String = chars[k..chars.len().min(k + 3)].iter().collect();
        let unit = if counted && tail.starts_with('月') {
            Some("月")
        } else {
            UNITS.iter().copied().find(|u| tail.starts_with(u))
        };
        let after_month = start > 0 && chars[start - 1] == '月';
        let is_date = match unit {
            Some("日") => after_month,
            Some("年") => number.len() == 4 && number.chars().all(|c| c.is_ascii_digit()),
            _ => false,
        };
        if let (Some(u), false) = (unit, is_date) {
            let end = k + u.chars().count();
            out.push(chars[start..end].iter().collect());
            i = end;
        } else {
            i = j.max(i + 1);
        }
    }
    out
}

/// Coverage of every agreement among `files` (grouped by directory like the
/// checker). A group without a header `source` is skipped; an unreadable
/// text is an E0029.
pub fn coverage(map: &SourceMap, files: &[ast::File]) -> (Vec<Report>, Vec<Diagnostic>) {
    let mut reports = Vec::new();
    let mut diags = Vec::new();
    for group in group_by_directory(map, files) {
        let Some((header_file, source)) = group.iter().find_map(|f| source_field(f)) else {
            continue;
        };
        let agreement = group
            .iter()
            .flat_map(|f| &f.items)
            .find_map(|i| match i {
                Item::Agreement(h) => Some(h.id.name.clone()),
                Item::Block(_) => None,
            })
            .unwrap_or_default();
        let path = map.resolve_source_path(header_file, &source.value);
        let text = match map.agreement_text(&path) {
            Some(AgreementText::Loaded(t)) => SourceText::new(t),
            Some(AgreementText::Unreadable(reason)) => {
                diags.push(
                    Diagnostic::new(
                        Code::E0029,
                        format!(
                            "cannot read the agreement text `{}`: {reason}",
                            path.display()
                        ),
                    )
                    .at(source.span, "named here"),
                );
                continue;
            }
            None => continue,
        };
        let mut cited_by: Vec<Vec<String>> = vec![Vec::new(); text.articles.len()];
        for file in &group {
            for item in &file.items {
                let Item::Block(block) = item else { continue };
                let scope = block_scope(block);
                for (number, span) in citations(block) {
                    let (found, _) = text.resolve(scope, &number);
                    for a in found {
                        let place = format!("{}:{}", map.name(span.file), map.line(span));
                        let list = &mut cited_by[text.original(a)];
                        if !list.contains(&place) {
                            list.push(place);
                        }
                    }
                }
            }
        }
        let articles = text
            .articles
            .iter()
            .enumerate()
            .filter(|(_, a)| a.duplicate_of.is_none())
            .filter_map(|(i, a)| {
                let phrases = term_phrases(&text.norm[a.own.clone()]);
                (!phrases.is_empty()).then(|| ArticleCoverage {
                    number: a.number.clone(),
                    region: a.region.clone(),
                    line: a.line,
                    phrases,
                    cited_by: cited_by[i].clone(),
                })
            })
            .collect();
        reports.push(Report {
            agreement,
            source: path.display().to_string(),
            articles,
        });
    }
    (reports, diags)
}

/// Every `§` of a block's steps, money terms and ignores.
fn citations(block: &ast::Block) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for item in &block.items {
        match item {
            BodyItem::Rule(rule) => out.extend(
                rule.steps
                    .iter()
                    .filter_map(|s| s.cite.as_ref())
                    .chain(rule.cure.as_ref().and_then(|c| c.cite.as_ref()))
                    .map(|c| (c.number.clone(), c.span)),
            ),
            BodyItem::Restriction(r) => {
                if let Some(c) = &r.cite {
                    out.push((c.number.clone(), c.span));
                }
            }
            BodyItem::Money(m) => {
                if let Some(c) = &m.cite {
                    out.push((c.number.clone(), c.span));
                }
            }
            BodyItem::Ignore(i) => out.push((i.section.number.clone(), i.section.span)),
            _ => {}
        }
    }
    out
}

/// The part of the text an article is in: `general`, `product`, `annex`.
pub fn region_name(r: &Region) -> &'static str {
    match r {
        Region::General => "general",
        Region::Product(_) | Region::ProductPart => "product",
        Region::Annex => "annex",
    }
}

/// The report as text: one line per article (`missing_only`: only the
/// uncited ones), then the total.
pub fn render(report: &Report, missing_only: bool) -> String {
    let mut out = format!("{} ({})\n", report.agreement, report.source);
    for a in &report.articles {
        if missing_only && !a.cited_by.is_empty() {
            continue;
        }
        let status = if a.cited_by.is_empty() {
            "MISSING"
        } else {
            "cited  "
        };
        let phrases = a.phrases.join(", ");
        let by = if a.cited_by.is_empty() {
            String::new()
        } else {
            format!("  ← {}", a.cited_by.join(", "))
        };
        out.push_str(&format!(
            "  {status} {:<7} §{:<9} line {:<5} {phrases}{by}\n",
            region_name(&a.region),
            a.number,
            a.line
        ));
    }
    out.push_str(&format!(
        "{}: {} of {} time- or money-bearing articles cited ({:.1}%)\n",
        report.agreement,
        report.covered(),
        report.articles.len(),
        // rounded down: 99.96% must not read as 100.0%
        (report.percent() * 10.0).floor() / 10.0
    ));
    out
}
