//! The pages: what each template is given, and how it is filled.

use super::lane::{Harm, Lane, Mark};
use super::svg::{self, Axis};
use super::text::{self, ArticleView, ClauseLine};
use super::{canonical, file_name, scenario_runs, Ctx, Page, SiteError};
use crate::describe;
use crate::eval::{Evaluation, Machine, TimelineEvent};
use crate::model::Product;
use crate::sourcetext::Scope;
use askama::Template;

/// The one stylesheet (written as `style.css`, inlined by `explain --format html`).
pub const CSS: &str = include_str!("templates/style.css");

/// One row of the text version of a lane.
pub struct Row {
    pub when: String,
    pub offset: String,
    pub words: String,
    pub cite: String,
    pub href: Option<String>,
    pub class: &'static str,
    pub arithmetic: String,
}

/// A lane drawn, with its text version.
pub struct LaneView {
    pub title: String,
    pub svg: String,
    pub rows: Vec<Row>,
    pub events: String,
}

fn harm_class(h: Harm) -> &'static str {
    match h {
        Harm::Neutral => "neutral",
        Harm::Harmful => "harmful",
        Harm::Irreversible => "irreversible",
        Harm::Customer => "customer",
    }
}

/// Draws a lane on `axis`; `href` links marks to their clause lines.
pub fn lane_view(
    lane: &Lane,
    axis: &Axis,
    id: &str,
    href: &dyn Fn(&Mark) -> Option<String>,
) -> LaneView {
    let zone = axis.zone;
    LaneView {
        title: lane.title.clone(),
        svg: svg::render(lane, axis, id, href),
        rows: lane
            .marks
            .iter()
            .map(|m| Row {
                when: describe::instant(zone, m.at),
                offset: crate::diff::probe::offset_text(lane.t0, m.at, zone),
                words: m.words.clone(),
                cite: m
                    .cite
                    .as_deref()
                    .map(|c| format!("§{c}"))
                    .unwrap_or_default(),
                href: href(m),
                class: harm_class(m.harm),
                arithmetic: m.arithmetic.join("; "),
            })
            .collect(),
        events: lane
            .events
            .iter()
            .map(|e| format!("{} at {}", e.name, describe::instant(zone, e.at)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// One billing mode of a product page.
pub struct Mode {
    pub billing: String,
    pub lanes: Vec<LaneView>,
}

/// One scenario of a product page.
pub struct ScenarioView {
    pub name: String,
    pub billing: String,
    pub reading: String,
    pub passed: bool,
    pub lane: LaneView,
    pub expects: Vec<(bool, String, String)>,
}

impl ScenarioView {
    /// The lane as a one-element list (what the lane template loops over).
    pub fn lanes(&self) -> &[LaneView] {
        std::slice::from_ref(&self.lane)
    }
}

/// A product in the agreement's list and the index.
pub struct ProductEntry {
    pub href: String,
    pub id: String,
    pub name: String,
    pub section: String,
    pub billing: String,
    pub covered: usize,
    pub bearing: usize,
    pub scenarios: usize,
    pub failing: usize,
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage<'a> {
    title: String,
    root: &'a str,
    crumbs: Vec<(String, String)>,
    p: &'a Product,
    agreement_title: String,
    version: String,
    zone: String,
    billing: String,
    covered: usize,
    bearing: usize,
    modes: Vec<Mode>,
    articles: Vec<ArticleView>,
    clause_file: String,
    clause: Vec<ClauseLine>,
    decisions: Vec<String>,
    scenarios: Vec<ScenarioView>,
    passed: usize,
    t0: String,
    /// (billing, scenario, step that harms the customer) of the first picture.
    in_short: Vec<(String, String, String)>,
}

fn known_articles(articles: &[ArticleView]) -> impl Fn(&str) -> bool {
    let numbers: Vec<String> = articles.iter().map(|a| a.number.clone()).collect();
    move |n: &str| numbers.iter().any(|a| a == n)
}

pub(super) fn product(ctx: &Ctx, p: &Product) -> Result<(Page, ProductEntry), SiteError> {
    let a = ctx.agreement;
    let zone = a.zone;
    let file = ctx
        .map
        .get(p.span.file)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let source = ctx.file_text(&file).unwrap_or_default();
    let citers = ctx.citers(&p.rules, &p.money, &file);
    let articles = ctx.articles(Scope::Product(p.section.trim_start_matches('§')), &citers);
    let known = known_articles(&articles);
    let clause = text::clause_lines(source, &citers, &known);
    let decisions = text::reading_decisions(source, &known);
    let href = |m: &Mark| ctx.mark_href(Some(&file), m);
    // The billing mode in which the most harm is done comes first: that is
    // the picture a reviewer must see.
    let mut by_mode = Vec::new();
    let kinds = p.billing.iter().flat_map(|&b| {
        crate::compile::kinds(ctx.agreement, p, b)
            .into_iter()
            .map(move |k| (b, k))
    });
    for (b, variants) in kinds {
        let lanes = canonical(ctx, &p.id, b, &variants)?;
        let b = std::iter::once(b.name())
            .chain(variants.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let harm = lanes
            .iter()
            .flat_map(|l| &l.marks)
            .filter(|m| matches!(m.harm, Harm::Harmful | Harm::Irreversible) && !m.right)
            .count();
        by_mode.push((b, lanes, harm));
    }
    by_mode.sort_by_key(|(_, _, harm)| std::cmp::Reverse(*harm));
    let mut modes = Vec::new();
    let by_first_lane = by_mode
        .first()
        .and_then(|(_, lanes, _)| lanes.first().cloned());
    for (b, lanes, _) in by_mode {
        let axis = Axis::covering(&lanes, zone);
        modes.push(Mode {
            billing: b.clone(),
            lanes: lanes
                .iter()
                .enumerate()
                .map(|(i, l)| lane_view(l, &axis, &format!("{}-{i}", b.replace(' ', "-")), &href))
                .collect(),
        });
    }
    // In short: what the first picture shows that harms the customer.
    let in_short = match modes.first().zip(by_first_lane.as_ref()) {
        Some((mode, lane)) => lane
            .marks
            .iter()
            .filter(|m| matches!(m.harm, Harm::Harmful | Harm::Irreversible))
            .map(|m| {
                let offset = crate::diff::probe::offset_text(lane.t0, m.at, zone);
                let when = match (offset.strip_prefix('+'), offset.strip_prefix('-')) {
                    (Some(after), _) => format!("after {after}"),
                    (_, Some(before)) => format!("{before} before"),
                    _ => offset,
                };
                format!(
                    "{}: {when}, on {}{}",
                    m.words,
                    describe::instant(zone, m.at),
                    m.cite
                        .as_deref()
                        .map(|c| format!(" (§{c})"))
                        .unwrap_or_default()
                )
            })
            .map(|line| (mode.billing.clone(), lane.title.clone(), line))
            .collect::<Vec<_>>(),
        None => Vec::new(),
    };
    let runs = scenario_runs(ctx, p)?;
    let scenarios: Vec<ScenarioView> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let axis = Axis::covering([&r.lane], r.machine_zone);
            ScenarioView {
                name: r.scenario.clone(),
                billing: r.billing.name().into(),
                reading: r.reading.name().into(),
                passed: r.passed,
                lane: lane_view(&r.lane, &axis, &format!("scenario-{i}"), &href),
                expects: r
                    .lane
                    .expects
                    .iter()
                    .map(|x| {
                        (
                            x.passed,
                            x.text.clone(),
                            x.actual.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let bearing = articles.iter().filter(|x| x.bearing).count();
    let covered = articles.iter().filter(|x| x.bearing && x.cited()).count();
    let billing = p
        .billing
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ");
    let passed = scenarios.iter().filter(|s| s.passed).count();
    let entry = ProductEntry {
        href: format!("{}/{}.html", a.id, p.id),
        id: p.id.clone(),
        name: p.name.clone(),
        section: p.section.trim_start_matches('§').into(),
        billing: billing.clone(),
        covered,
        bearing,
        scenarios: scenarios.len(),
        failing: scenarios.len() - passed,
    };
    let page = ProductPage {
        title: format!("{} {} — {}", p.name, p.id, a.title),
        root: "../",
        crumbs: vec![
            ("../index.html".into(), "all agreements".into()),
            ("index.html".into(), format!("{} ({})", a.title, a.version)),
        ],
        p,
        agreement_title: a.title.clone(),
        version: a.version.clone(),
        zone: zone.name().into(),
        billing,
        covered,
        bearing,
        modes,
        articles,
        clause_file: file_name(&file).into(),
        clause,
        decisions,
        scenarios,
        passed,
        t0: describe::instant(zone, super::t0()),
        in_short,
    };
    Ok((
        Page {
            path: entry.href.clone(),
            bytes: page.render()?.into_bytes(),
        },
        entry,
    ))
}

/// An agreement in the index.
pub struct AgreementEntry {
    pub href: String,
    pub id: String,
    pub title: String,
    pub version: String,
    pub covered: Option<(usize, usize)>,
    pub products: Vec<ProductEntry>,
}

impl AgreementEntry {
    pub fn coverage(&self) -> String {
        match self.covered {
            Some((c, t)) if t > 0 => format!(
                "{c} of {t} time- or money-bearing articles cited ({:.1}%)",
                // rounded down: 99.96% must not read as 100.0%
                ((c as f64 * 1000.0) / t as f64).floor() / 10.0
            ),
            Some(_) => "no time- or money-bearing article".into(),
            None => "no agreement text".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage<'a> {
    title: String,
    root: &'a str,
    crumbs: Vec<(String, String)>,
    entry: &'a AgreementEntry,
    effective: String,
    zone: String,
    articles: Vec<ArticleView>,
    clause_file: String,
    clause: Vec<ClauseLine>,
    decisions: Vec<String>,
}

pub(super) fn agreement(
    ctx: &Ctx,
    products: Vec<ProductEntry>,
    covered: Option<(usize, usize)>,
) -> Result<(Page, AgreementEntry), SiteError> {
    let a = ctx.agreement;
    let entry = AgreementEntry {
        href: format!("{}/index.html", a.id),
        id: a.id.clone(),
        title: a.title.clone(),
        version: a.version.clone(),
        covered,
        products,
    };
    let (articles, clause, decisions, clause_file) = match (&a.general, &ctx.general_file) {
        (Some(g), Some(file)) => {
            let source = ctx.file_text(file).unwrap_or_default();
            let citers = ctx.citers(&g.rules, &g.money, file);
            let articles = ctx.articles(Scope::General, &citers);
            let known = known_articles(&articles);
            let clause = text::clause_lines(source, &citers, &known);
            let decisions = text::reading_decisions(source, &known);
            (articles, clause, decisions, file_name(file).to_string())
        }
        _ => (Vec::new(), Vec::new(), Vec::new(), String::new()),
    };
    let page = AgreementPage {
        title: format!("{} ({})", a.title, a.version),
        root: "../",
        crumbs: vec![("../index.html".into(), "all agreements".into())],
        entry: &entry,
        effective: if a.effective_stated {
            a.effective.to_string()
        } else {
            "not stated".into()
        },
        zone: a.zone.name().into(),
        articles,
        clause_file,
        clause,
        decisions,
    };
    let bytes = page.render()?.into_bytes();
    Ok((
        Page {
            path: entry.href.clone(),
            bytes,
        },
        entry,
    ))
}

/// A diff page in the index.
pub struct DiffEntry {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    title: String,
    root: &'a str,
    crumbs: Vec<(String, String)>,
    agreements: Vec<AgreementEntry>,
    diffs: Vec<DiffEntry>,
}

pub(super) fn index(
    agreements: Vec<AgreementEntry>,
    diffs: Vec<DiffEntry>,
) -> Result<Page, SiteError> {
    let page = IndexPage {
        title: "Agreements".into(),
        root: "",
        crumbs: Vec::new(),
        agreements,
        diffs,
    };
    Ok(Page {
        path: "index.html".into(),
        bytes: page.render()?.into_bytes(),
    })
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage<'a> {
    title: String,
    css: &'a str,
    lane: LaneView,
    explained: String,
}

/// `clausec explain --format html`: one self-contained page (the stylesheet
/// inlined) with the account's timeline drawn as in the report and the
/// text explanation below it.
pub fn explain_page(
    m: &Machine,
    events: &[TimelineEvent],
    e: &Evaluation,
) -> Result<String, SiteError> {
    let timeline = m.timeline(events).unwrap_or_default();
    let notes: Vec<Option<String>> = events.iter().map(|x| x.note.clone()).collect();
    let within: Vec<_> = timeline.iter().filter(|x| x.at <= e.at).cloned().collect();
    let mut lane = Lane {
        title: format!(
            "{} ({}) until {}",
            m.ir.product,
            m.ir.billing.name(),
            describe::instant(m.ir.zone, e.at)
        ),
        t0: within.first().map_or(e.at, |x| x.at),
        events: Vec::new(),
        marks: super::lane::marks(m, &within, &e.actions),
        expects: Vec::new(),
    };
    lane.events = within
        .iter()
        .zip(notes)
        .map(|(x, note)| super::lane::EventMark {
            at: x.at,
            name: m.ir.event_name(x.event).to_string(),
            note,
        })
        .collect();
    let axis = Axis::covering([&lane], m.ir.zone);
    let view = lane_view(&lane, &axis, "explain", &|_| None);
    let page = ExplainPage {
        title: format!(
            "{} / {} ({})",
            m.ir.agreement,
            m.ir.product,
            m.ir.billing.name()
        ),
        css: CSS,
        lane: view,
        explained: crate::eval::explain::explain(m, events, e, crate::eval::explain::Style::Text),
    };
    Ok(page.render()?)
}
