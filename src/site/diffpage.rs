//! The page comparing two versions of one agreement: the behavioural diff
//! of [`crate::diff`], a change that several products share (a change of the
//! general terms) listed once with the products it affects, and for every
//! product with changes of its own its canonical timelines of both versions
//! one above the other on one time scale.

use super::pages::{lane_view, DiffEntry, LaneView};
use super::svg::Axis;
use super::{canon, source_text, Page, SiteError};
use crate::diff::group::{group, Grouped};
use crate::diff::{Change, Options};
use crate::model::Agreement;
use crate::source::SourceMap;
use crate::vocab::Reading;
use askama::Template;

/// Two versions of one canonical scenario.
pub struct Pair {
    pub old: Option<LaneView>,
    pub new: Option<LaneView>,
}

pub struct ProductDiff {
    pub id: String,
    pub changes: Vec<Grouped>,
    pub modes: Vec<(String, Vec<Pair>)>,
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage<'a> {
    title: String,
    root: &'a str,
    crumbs: Vec<(String, String)>,
    old_label: String,
    new_label: String,
    old_id: String,
    new_id: String,
    trigger_at: String,
    structural: Vec<String>,
    shared: Vec<Grouped>,
    products: Vec<ProductDiff>,
    total: usize,
}

pub(super) fn page(
    map: &SourceMap,
    old: &Agreement,
    new: &Agreement,
) -> Result<(Page, DiffEntry), SiteError> {
    let report = crate::diff::diff(old, new, &Options::default())?;
    let (old_text, new_text) = (source_text(map, old), source_text(map, new));
    let structural = report
        .changes
        .iter()
        .filter(|c| c.kind.is_structural())
        .map(|c| c.text.clone())
        .collect();
    let behaviour: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| !c.kind.is_structural())
        .collect();
    let groups = group(
        &behaviour,
        old_text.as_ref().map(|t| &t.1),
        new_text.as_ref().map(|t| &t.1),
    );
    let (shared, own): (Vec<Grouped>, Vec<Grouped>) =
        groups.into_iter().partition(|g| g.products.len() > 1);
    let mut ids: Vec<String> = own.iter().flat_map(|g| g.products.clone()).collect();
    ids.sort();
    ids.dedup();
    let old_program = crate::eval::Program::from_agreements(vec![old.clone()]);
    let new_program = crate::eval::Program::from_agreements(vec![new.clone()]);
    let mut products = Vec::new();
    for id in ids {
        let changes: Vec<Grouped> = own
            .iter()
            .filter(|g| g.products.contains(&id))
            .map(|g| Grouped {
                text: g.text.clone(),
                old: g.old.clone(),
                new: g.new.clone(),
                products: g.products.clone(),
                billing: g.billing.clone(),
                general: g.general,
            })
            .collect();
        let mut modes = Vec::new();
        if let (Some(po), Some(pn)) = (old.product(&id), new.product(&id)) {
            for (b, kind) in crate::diff::kinds(old, po, new, pn) {
                let label = std::iter::once(b.name())
                    .chain(kind.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                let lanes = |program: &crate::eval::Program,
                             a: &crate::model::Agreement,
                             p: &crate::model::Product|
                 -> Result<Vec<super::lane::Lane>, SiteError> {
                    let selection =
                        crate::diff::kind_selection(a, p, b, &kind).reading(Reading::CustomerSafe);
                    let m =
                        program
                            .select_with(&id, &selection)
                            .map_err(|e| SiteError::Select {
                                product: id.clone(),
                                billing: b.name().into(),
                                source: Box::new(e),
                            })?;
                    canon::lanes(&m, super::t0()).map_err(|source| SiteError::Eval {
                        product: id.clone(),
                        billing: b.name().into(),
                        source,
                    })
                };
                let (lo, ln) = (lanes(&old_program, old, po)?, lanes(&new_program, new, pn)?);
                let axis = Axis::covering(lo.iter().chain(&ln), new.zone);
                let mut titles: Vec<&str> =
                    lo.iter().chain(&ln).map(|l| l.title.as_str()).collect();
                let mut seen = Vec::new();
                titles.retain(|t| {
                    let first = !seen.contains(t);
                    seen.push(*t);
                    first
                });
                let file_of =
                    |p: &crate::model::Product| map.get(p.span.file).map(|f| f.name.clone());
                let (old_file, new_file) = (file_of(po), file_of(pn));
                let old_href = |m: &super::lane::Mark| {
                    Some(format!(
                        "../{}/{}.html#{}",
                        old.id,
                        id,
                        super::text::line_id(m.line)
                    ))
                    .filter(|_| Some(&m.file) == old_file.as_ref())
                };
                let new_href = |m: &super::lane::Mark| {
                    Some(format!(
                        "../{}/{}.html#{}",
                        new.id,
                        id,
                        super::text::line_id(m.line)
                    ))
                    .filter(|_| Some(&m.file) == new_file.as_ref())
                };
                let pairs = titles
                    .iter()
                    .enumerate()
                    .map(|(i, t)| Pair {
                        old: lo.iter().find(|l| l.title == *t).map(|l| {
                            let mut l = l.clone();
                            l.title = format!("{}: {}", report.old.label, l.title);
                            lane_view(
                                &l,
                                &axis,
                                &format!("{id}-{}-{i}-old", label.replace(' ', "-")),
                                &old_href,
                            )
                        }),
                        new: ln.iter().find(|l| l.title == *t).map(|l| {
                            let mut l = l.clone();
                            l.title = format!("{}: {}", report.new.label, l.title);
                            lane_view(
                                &l,
                                &axis,
                                &format!("{id}-{}-{i}-new", label.replace(' ', "-")),
                                &new_href,
                            )
                        }),
                    })
                    .collect();
                modes.push((label, pairs));
            }
        }
        products.push(ProductDiff { id, changes, modes });
    }
    let href = format!("diff/{}--{}.html", old.id, new.id);
    let page = DiffPage {
        title: format!("{} → {}", report.old.id, report.new.id),
        root: "../",
        crumbs: vec![("../index.html".into(), "all agreements".into())],
        old_label: report.old.label.clone(),
        new_label: report.new.label.clone(),
        old_id: old.id.clone(),
        new_id: new.id.clone(),
        trigger_at: report.trigger_at.clone(),
        structural,
        shared,
        products,
        total: report.changes.len(),
    };
    let entry = DiffEntry {
        href: href.clone(),
        text: format!(
            "{} ({}) → {} ({}): {} behavioural changes",
            old.id,
            report.old.label,
            new.id,
            report.new.label,
            report.changes.len()
        ),
    };
    Ok((
        Page {
            path: href,
            bytes: page.render()?.into_bytes(),
        },
        entry,
    ))
}
