//! `clausec report`: a static site for the people who review and approve
//! clause files — lawyers, legal-ops staff, product and billing managers —
//! built in memory as pages of bytes; only the CLI writes them to disk.
//!
//! Per agreement an index of its products with coverage; per product a page
//! that leads with pictures of what happens when (the canonical scenarios of
//! [`canon`], one set per billing mode), then the product's part of the
//! agreement text beside its clause file, each cited article marked and
//! linked to the lines that cite it, the file's reading decisions, and each
//! scenario of the file drawn the same way and checked by the scenario
//! runner `clausec test` uses. Two versions of one agreement (same title)
//! get a diff page. Pages are plain HTML with one stylesheet and SVG written
//! by [`svg`]: no script, no server, no external font; they open from
//! `file://`.
//!
//! Templates: askama, chosen over minijinja because its templates are
//! compiled with the crate and checked against the Rust types that fill
//! them — a misspelt field is a build error, not a blank on a page a lawyer
//! reads — and it escapes HTML by default. It sits behind the `site`
//! feature (part of the default `cli`), so an embedding crate does not
//! build it.

pub mod canon;
mod diffpage;
pub mod lane;
mod pages;
pub mod svg;
pub mod text;

use crate::eval::{EvalError, Event, Machine, Program, SelectError};
use crate::model::{Agreement, Product};
use crate::source::{AgreementText, SourceMap};
use crate::sourcetext::{Scope, SourceText};
use crate::vocab::{Billing, Reading};
use lane::{ExpectMark, Lane, Mark};
use std::collections::BTreeMap;
use std::path::Path;
use text::{ArticleView, Citer};

pub use pages::explain_page;

/// One file of the site: a path relative to the site's root (`/`
/// separated) and its bytes.
#[derive(Clone, Debug)]
pub struct Page {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Why the site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("product `{product}` ({billing}): {source}")]
    Select {
        product: String,
        billing: String,
        #[source]
        source: Box<SelectError>,
    },
    #[error("product `{product}` ({billing}): {source}")]
    Eval {
        product: String,
        billing: String,
        #[source]
        source: EvalError,
    },
    #[error(transparent)]
    Diff(#[from] crate::diff::DiffError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// The agreement text of an agreement, when its header names a readable one.
fn source_text(map: &SourceMap, a: &Agreement) -> Option<(String, SourceText)> {
    let path = a.source_path.as_deref()?;
    match map.agreement_text(Path::new(path))? {
        AgreementText::Loaded(raw) => Some((raw.clone(), SourceText::new(raw))),
        AgreementText::Unreadable(_) => None,
    }
}

/// The file name of a path (pages never show directories).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Everything the pages of one agreement need, computed once.
struct Ctx<'a> {
    map: &'a SourceMap,
    agreement: &'a Agreement,
    program: Program,
    text: Option<(String, SourceText)>,
    /// Lines of time- or money-bearing articles ([`crate::coverage`]).
    bearing: Vec<usize>,
    general_file: Option<String>,
}

/// The trigger instant of every canonical timeline (the one `clausec diff`
/// probes with, so both show the same dates).
fn t0() -> i64 {
    crate::diff::trigger_instant()
}

impl<'a> Ctx<'a> {
    fn new(map: &'a SourceMap, agreement: &'a Agreement, bearing: Vec<usize>) -> Ctx<'a> {
        let general_file = agreement.general.as_ref().and_then(|g| {
            g.rules
                .iter()
                .map(|r| r.origin.file.clone())
                .chain(g.money.iter().map(|m| m.origin.file.clone()))
                .next()
        });
        Ctx {
            map,
            agreement,
            program: Program::from_agreements(vec![agreement.clone()]),
            text: source_text(map, agreement),
            bearing,
            general_file,
        }
    }

    fn select(
        &self,
        p: &str,
        b: Billing,
        variants: &[String],
        r: Reading,
    ) -> Result<Machine, SiteError> {
        let mut selection = crate::compile::Selection::default().billing(b).reading(r);
        selection.variants = variants.to_vec();
        self.program
            .select_with(p, &selection)
            .map_err(|e| SiteError::Select {
                product: p.into(),
                billing: b.name().into(),
                source: Box::new(e),
            })
    }

    fn file_text(&self, name: &str) -> Option<&str> {
        self.map
            .files()
            .find(|(_, f)| f.name == name)
            .map(|(_, f)| f.text.as_str())
    }

    /// Where a mark links: its line in the clause file on this page, or in
    /// the general terms on the agreement's page.
    fn mark_href(&self, page_file: Option<&str>, m: &Mark) -> Option<String> {
        let id = text::line_id(m.line);
        if Some(m.file.as_str()) == page_file {
            Some(format!("#{id}"))
        } else if Some(&m.file) == self.general_file.as_ref() {
            Some(format!("index.html#{id}"))
        } else {
            None
        }
    }

    /// The citing lines of a block: steps, money terms, ignores in `file`.
    fn citers(
        &self,
        rules: &[crate::model::RuleM],
        money: &[crate::model::MoneyM],
        file: &str,
    ) -> Vec<Citer> {
        let mut out = Vec::new();
        for r in rules.iter().filter(|r| r.origin.file == file) {
            for s in &r.steps {
                if let Some(c) = &s.cite {
                    let verbs: Vec<&str> = s.actions.iter().map(|a| a.verb.name()).collect();
                    out.push(Citer {
                        section: c.clone(),
                        line: s.origin.line,
                        what: format!(
                            "{}{}",
                            s.label
                                .as_deref()
                                .map(|l| format!("{l}: "))
                                .unwrap_or_default(),
                            verbs.join(" and ")
                        ),
                        ignored: false,
                    });
                }
            }
        }
        for m in money.iter().filter(|m| m.origin.file == file) {
            if let Some(c) = &m.cite {
                out.push(Citer {
                    section: c.clone(),
                    line: m.origin.line,
                    what: "money term".into(),
                    ignored: false,
                });
            }
        }
        for i in self
            .agreement
            .ignores
            .iter()
            .filter(|i| i.origin.file == file)
        {
            out.push(Citer {
                section: i.section.trim_start_matches('§').to_string(),
                line: i.origin.line,
                what: format!("ignored: {}", i.reason),
                ignored: true,
            });
        }
        out
    }

    fn articles(&self, scope: Scope, citers: &[Citer]) -> Vec<ArticleView> {
        let Some((raw, text)) = &self.text else {
            return Vec::new();
        };
        let bearing = |_: &str, line: usize| self.bearing.contains(&line);
        text::section(text, raw, scope, citers, &bearing)
    }
}

/// One product × billing × variant values: its canonical lanes.
fn canonical(ctx: &Ctx, p: &str, b: Billing, variants: &[String]) -> Result<Vec<Lane>, SiteError> {
    let m = ctx.select(p, b, variants, Reading::CustomerSafe)?;
    canon::lanes(&m, t0()).map_err(|source| SiteError::Eval {
        product: p.into(),
        billing: b.name().into(),
        source,
    })
}

/// A scenario of the file: its lane, checked by [`crate::scenario::run_one`].
struct ScenarioRun {
    scenario: String,
    billing: Billing,
    reading: Reading,
    lane: Lane,
    passed: bool,
    machine_zone: chrono_tz::Tz,
}

fn scenario_runs(ctx: &Ctx, p: &Product) -> Result<Vec<ScenarioRun>, SiteError> {
    let mut machines: BTreeMap<(Billing, Vec<String>, bool), Machine> = BTreeMap::new();
    let mut out = Vec::new();
    for s in &p.scenarios {
        let key = (
            s.billing,
            s.variants.clone(),
            s.reading == Reading::Earliest,
        );
        let m: &Machine = match machines.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(ctx.select(&p.id, s.billing, &s.variants, s.reading)?)
            }
        };
        let outcome = crate::scenario::run_one(ctx.agreement, p, s, Ok(m));
        let mut events: Vec<Event> = Vec::new();
        for e in &s.events {
            if let Ok(mut ev) = m.event(&e.event, e.at.timestamp()) {
                ev.amount = e.amount;
                events.push(ev);
            }
        }
        events.sort_by_key(|e| e.at);
        let horizon = s
            .expects
            .iter()
            .map(|x| crate::expect::Expectation::from_model(&x.kind, p).instant())
            .chain(s.events.iter().map(|e| e.at.timestamp()))
            .max()
            .unwrap_or_default();
        let eval_err = |source| SiteError::Eval {
            product: p.id.clone(),
            billing: s.billing.name().into(),
            source,
        };
        let mut lane = lane::run(m, &s.name, &events, &[], horizon).map_err(eval_err)?;
        let file = ctx.file_text(&s.origin.file).unwrap_or_default();
        let file_lines: Vec<&str> = file.lines().collect();
        lane.expects = s
            .expects
            .iter()
            .map(|x| {
                let failure = outcome
                    .failures
                    .iter()
                    .find(|f| f.file == x.origin.file && f.line == x.origin.line);
                ExpectMark {
                    at: crate::expect::Expectation::from_model(&x.kind, p).instant(),
                    text: file_lines
                        .get(x.origin.line.saturating_sub(1))
                        .map_or_else(String::new, |l| {
                            l.trim().trim_start_matches("expect ").to_string()
                        }),
                    passed: failure.is_none(),
                    actual: failure.map(|f| f.actual.clone()),
                }
            })
            .collect();
        out.push(ScenarioRun {
            scenario: s.name.clone(),
            billing: s.billing,
            reading: s.reading,
            lane,
            passed: outcome.passed(),
            machine_zone: m.ir.zone,
        });
    }
    Ok(out)
}

/// Per agreement id, the lines of its time- or money-bearing articles and
/// how many of them are cited.
struct Coverage {
    bearing: Vec<usize>,
    covered: usize,
    total: usize,
}

fn coverage(map: &SourceMap) -> BTreeMap<String, Coverage> {
    let (files, _) = crate::frontend::parse_all(map);
    let (reports, _) = crate::coverage::coverage(map, &files);
    reports
        .into_iter()
        .map(|r| {
            (
                r.agreement.clone(),
                Coverage {
                    bearing: r.articles.iter().map(|a| a.line).collect(),
                    covered: r.covered(),
                    total: r.articles.len(),
                },
            )
        })
        .collect()
}

/// The whole site for the agreements of `program` (their files in `map`).
/// Two agreements with the same title are versions of one another: each
/// consecutive pair (by effective date) gets a diff page.
pub fn build(map: &SourceMap, program: &Program) -> Result<Vec<Page>, SiteError> {
    let mut agreements: Vec<&Agreement> = program.agreements.iter().collect();
    agreements.sort_by(|a, b| a.id.cmp(&b.id));
    let cov = coverage(map);
    let mut pages = vec![Page {
        path: "style.css".into(),
        bytes: pages::CSS.as_bytes().to_vec(),
    }];
    let mut index = Vec::new();
    for a in &agreements {
        let c = cov.get(&a.id);
        let ctx = Ctx::new(map, a, c.map(|c| c.bearing.clone()).unwrap_or_default());
        let mut products = Vec::new();
        let mut sorted: Vec<&Product> = a.products.iter().collect();
        sorted.sort_by_key(|p| section_key(&p.section));
        for p in sorted {
            let (page, entry) = pages::product(&ctx, p)?;
            pages.push(page);
            products.push(entry);
        }
        let (page, entry) = pages::agreement(&ctx, products, c.map(|c| (c.covered, c.total)))?;
        pages.push(page);
        index.push(entry);
    }
    let mut diffs = Vec::new();
    for (old, new) in versions(&agreements) {
        let (page, entry) = diffpage::page(map, old, new)?;
        pages.push(page);
        diffs.push(entry);
    }
    pages.push(pages::index(index, diffs)?);
    Ok(pages)
}

/// Consecutive versions of agreements that share a title.
fn versions<'a>(agreements: &[&'a Agreement]) -> Vec<(&'a Agreement, &'a Agreement)> {
    let mut by_title: BTreeMap<&str, Vec<&'a Agreement>> = BTreeMap::new();
    for a in agreements {
        by_title.entry(a.title.as_str()).or_default().push(a);
    }
    let mut out = Vec::new();
    for list in by_title.values_mut() {
        list.sort_by(|a, b| (a.effective, &a.version).cmp(&(b.effective, &b.version)));
        for w in list.windows(2) {
            if let [old, new] = w {
                out.push((*old, *new));
            }
        }
    }
    out
}

fn section_key(s: &str) -> Vec<u32> {
    s.trim_start_matches('§')
        .split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}
