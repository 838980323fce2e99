//! `clausec verify`: the `verify { … }` properties of clause files, proved
//! over every timeline of each product × billing mode × reading, or
//! refuted with a counterexample scenario (src/verify), and the built-in
//! checks V0001–V0005 on every product (src/verify/builtin/). Exit 0 when
//! every property is proved and every finding is allowed, 1 when a property
//! is violated or could not be verified or a finding is not allowed (a rule
//! the built-in checks could not search does not fail the run).

use crate::compile::Selection;
use crate::eval::{Machine, Program, SelectError};
use crate::verify::{self, Prop, Verdict};
use crate::vocab::Reading;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Clause files or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Verify only the products whose id contains this text.
    #[arg(long, value_name = "PRODUCT")]
    filter: Option<String>,
    /// Most zone-graph states one search explores before it gives up.
    #[arg(long, default_value_t = verify::STATE_LIMIT)]
    max_states: usize,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub use super::TextOrJson as Format;

#[derive(Serialize)]
struct Report {
    proved: usize,
    violated: usize,
    not_verified: usize,
    /// Zone-graph states explored, over every search.
    states: usize,
    /// Wall time of every search together (the one field that varies
    /// between runs).
    millis: u128,
    results: Vec<Row>,
    /// Built-in findings not acknowledged by an `allow` (each fails the run).
    findings: usize,
    /// Built-in findings an `allow <code> "reason"` acknowledges.
    allowed: usize,
    /// Built-in checks the search could not decide for a rule.
    not_checked: usize,
    /// The built-in checks' results (docs/errors.md, V0001–V0005).
    builtin: Vec<FindingRow>,
}

#[derive(Serialize)]
struct FindingRow {
    code: &'static str,
    /// `finding`, `allowed` or `not_checked`.
    result: &'static str,
    message: String,
    agreement: String,
    product: String,
    billing: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    variants: Vec<String>,
    reading: String,
    rule: String,
    file: String,
    line: usize,
    /// Why an allowed finding is right (the `allow`'s reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// A timeline that shows it, as a scenario block.
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
}

#[derive(Serialize)]
struct Row {
    agreement: String,
    product: String,
    billing: String,
    /// The account's variant values (absent for a product without them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    variants: Vec<String>,
    reading: String,
    property: String,
    file: String,
    line: usize,
    /// `proved`, `violated` or `not_verified`.
    result: &'static str,
    /// Why it is violated or not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The counterexample, as a scenario block to paste into the product.
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
    states: usize,
    millis: u128,
}

pub fn run(args: VerifyArgs) -> ExitCode {
    let (map, checked) = match super::checked_or_exit(&args.paths) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // The properties of the files named, not of the rest of their agreement.
    let named = super::named_files(&map);
    let started = Instant::now();
    let mut rows = Vec::new();
    for acc in accounts(&checked, &args).filter(|acc| !acc.product.properties.is_empty()) {
        let (a, p, billing, reading) = (acc.agreement, acc.product, acc.billing, acc.reading);
        let machine = acc.machine();
        for prop in p
            .properties
            .iter()
            .filter(|q| named.contains(&q.origin.file.as_str()) && q.billing.contains(&billing))
        {
            let t0 = Instant::now();
            let (result, reason, scenario, states) = match &machine {
                Err(e) => ("not_verified", Some(e.to_string()), None, 0),
                Ok(m) => match money_or_prop(m, prop) {
                    Err(why) => ("not_verified", Some(why), None, 0),
                    Ok(q) => {
                        let out = match q {
                            Ok(bound) => verify::late_fee_at_most(m, bound),
                            Err(q) => verify::verify(m, &q, args.max_states),
                        };
                        match out.verdict {
                            Verdict::Proved => ("proved", None, None, out.states),
                            Verdict::NotVerified(why) => {
                                ("not_verified", Some(why), None, out.states)
                            }
                            Verdict::Violated(c) => {
                                let name = format!("verify: {}", prop.text);
                                (
                                    "violated",
                                    Some(c.reason.clone()),
                                    Some(c.scenario(m, &name)),
                                    out.states,
                                )
                            }
                        }
                    }
                },
            };
            rows.push(Row {
                agreement: a.id.clone(),
                product: p.id.clone(),
                billing: billing.name().to_string(),
                variants: acc.variants.clone(),
                reading: reading.name().to_string(),
                property: prop.text.clone(),
                file: prop.origin.file.clone(),
                line: prop.origin.line,
                result,
                reason,
                scenario,
                states,
                millis: t0.elapsed().as_millis(),
            });
        }
    }
    let (builtin, builtin_states) = builtin_rows(&args, &checked, &named);
    let count = |r: &str| rows.iter().filter(|x| x.result == r).count();
    let found = |r: &str| builtin.iter().filter(|x| x.result == r).count();
    let report = Report {
        findings: found("finding"),
        allowed: found("allowed"),
        not_checked: found("not_checked"),
        proved: count("proved"),
        violated: count("violated"),
        not_verified: count("not_verified"),
        states: rows.iter().map(|r| r.states).sum::<usize>() + builtin_states,
        millis: started.elapsed().as_millis(),
        results: rows,
        builtin,
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        Format::Text => print_text(&report),
    }
    if report.violated + report.not_verified + report.findings > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A money bound's rate (decided on the late fee itself), or the property
/// for the zone-graph search.
fn money_or_prop(
    m: &Machine,
    prop: &crate::model::PropertyM,
) -> Result<Result<rust_decimal::Decimal, Prop>, String> {
    match prop.kind {
        crate::model::PropertyKindM::LateFeeAtMost { rate } => Ok(Ok(rate)),
        _ => Prop::of(m, prop).map(Err),
    }
}

/// One kind of account `clausec verify` searches: a product of an agreement
/// with one billing mode, one value per variant dimension its filters name,
/// and one reading.
struct Account<'a> {
    agreement: &'a crate::model::Agreement,
    product: &'a crate::model::Product,
    billing: crate::vocab::Billing,
    variants: Vec<String>,
    reading: Reading,
    /// The product's agreement alone: the machine is compiled from it.
    scoped: Rc<Program>,
}

impl Account<'_> {
    /// The compiled automaton of this kind of account (an error when the
    /// compiler refuses the product).
    fn machine(&self) -> Result<Machine, SelectError> {
        let mut selection = Selection::default()
            .billing(self.billing)
            .reading(self.reading);
        selection.variants = self.variants.clone();
        self.scoped.select_with(&self.product.id, &selection)
    }
}

/// Every kind of account of every product `--filter` admits, in the order
/// agreements × products × billing modes × variant values × readings: the
/// one walk the properties and the built-in checks share.
fn accounts<'a>(
    checked: &'a crate::check::Checked,
    args: &'a VerifyArgs,
) -> impl Iterator<Item = Account<'a>> + 'a {
    checked.agreements.iter().flat_map(move |a| {
        let scoped = Rc::new(Program::from_agreements(vec![a.clone()]));
        a.products
            .iter()
            .filter(move |p| {
                args.filter
                    .as_ref()
                    .is_none_or(|f| p.id.contains(f.as_str()))
            })
            .flat_map(move |p| {
                let scoped = Rc::clone(&scoped);
                p.billing
                    .iter()
                    .flat_map(move |&b| {
                        crate::compile::kinds(a, p, b)
                            .into_iter()
                            .map(move |variants| (b, variants))
                    })
                    .flat_map(move |(billing, variants)| {
                        let scoped = Rc::clone(&scoped);
                        Reading::ALL.into_iter().map(move |reading| Account {
                            agreement: a,
                            product: p,
                            billing,
                            variants: variants.clone(),
                            reading,
                            scoped: Rc::clone(&scoped),
                        })
                    })
            })
    })
}

/// The built-in checks (src/verify/builtin/) on every kind of account of
/// every product, each reading; the findings in the files named.
fn builtin_rows(
    args: &VerifyArgs,
    checked: &crate::check::Checked,
    named: &[&str],
) -> (Vec<FindingRow>, usize) {
    let mut out: Vec<FindingRow> = Vec::new();
    let mut states = 0;
    let mut said = std::collections::HashSet::new();
    for acc in accounts(checked, args) {
        let (a, p, billing, reading) = (acc.agreement, acc.product, acc.billing, acc.reading);
        // a product the compiler refuses: its properties say so
        let Ok(machine) = acc.machine() else {
            continue;
        };
        let found = verify::builtin_checks(&machine, a, p, args.max_states);
        states += found.states;
        let row =
            |check: verify::Check, message: String, rule: &str, place: &verify::Place| FindingRow {
                code: check.code(),
                result: "finding",
                message,
                agreement: a.id.clone(),
                product: p.id.clone(),
                billing: billing.name().to_string(),
                variants: acc.variants.clone(),
                reading: reading.name().to_string(),
                rule: rule.to_string(),
                file: place.file.clone(),
                line: place.line,
                reason: None,
                scenario: None,
            };
        for f in found.findings {
            if !named.contains(&f.place.file.as_str()) {
                continue;
            }
            let mut r = row(f.check, f.message.clone(), &f.rule, &f.place);
            let ack = f.place.span.and_then(|span| {
                checked
                    .acknowledged
                    .iter()
                    .find(|k| k.covers(f.check.code(), span))
            });
            if let Some(k) = ack {
                r.result = "allowed";
                r.reason = Some(k.reason.clone());
            }
            r.scenario = f
                .counterexample
                .as_ref()
                .map(|c| c.scenario(&machine, &format!("verify: {} {}", f.check.code(), f.rule)));
            out.push(r);
        }
        for u in found.undecided {
            // a rule the search cannot express is said once
            // (a general rule's, for every product and reading)
            let key = (
                u.check,
                u.place.file.clone(),
                u.place.line,
                u.reason.clone(),
            );
            if !named.contains(&u.place.file.as_str()) || !said.insert(key) {
                continue;
            }
            let mut r = row(
                u.check,
                format!("not checked for rule {}: {}", u.rule, u.check.summary()),
                &u.rule,
                &u.place,
            );
            r.result = "not_checked";
            r.reason = Some(u.reason);
            out.push(r);
        }
    }
    (out, states)
}

fn print_builtin(report: &Report) {
    let mut last = String::new();
    for r in &report.builtin {
        let kind = std::iter::once(r.billing.as_str())
            .chain(r.variants.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let head = format!("{} / {} ({kind}, {})", r.agreement, r.product, r.reading);
        if head != last {
            println!("{head}");
            last = head;
        }
        let word = match r.result {
            "finding" => "FOUND       ",
            "allowed" => "allowed     ",
            _ => "not checked ",
        };
        println!("  {word} {} {}  ({}:{})", r.code, r.message, r.file, r.line);
        if let Some(why) = &r.reason {
            println!("    {why}");
        }
        if let Some(s) = &r.scenario {
            println!("    timeline (paste into the product; `clausec test` shows it):");
            for line in s.lines() {
                println!("      {line}");
            }
        }
    }
}

fn print_text(report: &Report) {
    let mut last = String::new();
    for r in &report.results {
        let kind = std::iter::once(r.billing.as_str())
            .chain(r.variants.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let head = format!("{} / {} ({kind}, {})", r.agreement, r.product, r.reading);
        if head != last {
            println!("{head}");
            last = head;
        }
        let word = match r.result {
            "proved" => "proved      ",
            "violated" => "VIOLATED    ",
            _ => "not verified",
        };
        println!(
            "  {word} {}  ({}:{}; {} states, {} ms)",
            r.property, r.file, r.line, r.states, r.millis
        );
        if let Some(why) = &r.reason {
            println!("    {why}");
        }
        if let Some(s) = &r.scenario {
            println!("    counterexample (paste into the product, `clausec test` fails on it):");
            for line in s.lines() {
                println!("      {line}");
            }
        }
    }
    print_builtin(report);
    println!(
        "{} proved, {} violated, {} not verified; built-in checks: {} found, {} allowed, {} not checked; {} states in {} ms",
        report.proved,
        report.violated,
        report.not_verified,
        report.findings,
        report.allowed,
        report.not_checked,
        report.states,
        report.millis
    );
}
