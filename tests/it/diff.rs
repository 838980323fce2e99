//! `clausec diff`: the 2018 → 2024 report (snapshots and the committed
//! docs/changes-2018-2024.md), every emitted scenario run by `clausec
//! test`'s runner under both versions, silence on identical and on merely
//! re-laid-out agreements, and the exit codes.

use clausec::diff::{self, ChangeKind, DiffReport, Options};
use clausec::model::Agreement;
use clausec::source::{SourceFile, SourceMap};
use std::path::PathBuf;
use std::process::Command;

const OLD: &str = "clauses/aliyun-2018";
const NEW: &str = "clauses/aliyun-2024";

/// Loads a directory, plus extra files placed (in memory) inside it.
fn check_dir(dir: &str, extra: &[(String, String)]) -> (SourceMap, clausec::check::Checked) {
    let (mut map, diags) =
        clausec::load::load_all(&[PathBuf::from(dir)]).expect("directory exists");
    for (name, text) in extra {
        let path = PathBuf::from(dir).join(name);
        map.add(SourceFile::new(
            path.display().to_string(),
            Some(path),
            text.clone(),
        ));
    }
    let checked = clausec::frontend::front_end(&map, diags);
    (map, checked)
}

fn agreement(dir: &str) -> Agreement {
    let (_, checked) = check_dir(dir, &[]);
    let errors: Vec<_> = checked.errors().into_iter().map(|d| d.message).collect();
    assert!(errors.is_empty(), "{dir} does not check: {errors:?}");
    let mut a = checked.agreements;
    assert_eq!(a.len(), 1, "{dir} holds one agreement");
    a.remove(0)
}

fn report_2018_2024() -> (Agreement, Agreement, DiffReport) {
    let (old, new) = (agreement(OLD), agreement(NEW));
    let report = diff::diff(&old, &new, &Options::default()).expect("diff runs");
    (old, new, report)
}

#[test]
fn report_2018_to_2024() {
    let (_, _, report) = report_2018_2024();
    assert!(!report.changes.is_empty());
    insta::assert_snapshot!("diff_2018_2024_text", diff::text(&report));
    let json = serde_json::to_string_pretty(&report).expect("json");
    insta::assert_snapshot!("diff_2018_2024_json", json);
}

#[test]
fn docs_changes_md_is_generated_from_the_clauses() {
    let (_, _, report) = report_2018_2024();
    let committed = std::fs::read_to_string("docs/changes-2018-2024.md").unwrap_or_default();
    assert!(
        committed == diff::markdown(&report),
        "docs/changes-2018-2024.md is stale: run `cargo run -q -- diff clauses/aliyun-2018 \
         clauses/aliyun-2024 --format markdown > docs/changes-2018-2024.md` and commit it"
    );
}

/// Runs the scenarios of the emitted files under one version: the names of
/// the scenarios that pass, and the files the checker rejects.
fn run_emitted(dir: &str, files: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    let (map, checked) = check_dir(dir, files);
    let rejected: Vec<String> = files
        .iter()
        .filter(|(name, _)| {
            checked.diagnostics.iter().any(|d| {
                d.is_error()
                    && d.primary
                        .as_ref()
                        .is_some_and(|p| map.name(p.span.file).ends_with(name.as_str()))
            })
        })
        .map(|(n, _)| n.clone())
        .collect();
    let accepted: Vec<(String, String)> = files
        .iter()
        .filter(|(n, _)| !rejected.contains(n))
        .cloned()
        .collect();
    let (_, checked) = check_dir(dir, &accepted);
    let program = clausec::eval::Program::from_checked(checked).unwrap_or_else(|d| {
        panic!(
            "{dir} with the emitted scenarios does not check: {:?}",
            d.iter()
                .filter(|d| d.is_error())
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        )
    });
    let passed = clausec::scenario::run_all(&program)
        .into_iter()
        .filter(|o| accepted.iter().any(|(n, _)| o.file.ends_with(n.as_str())))
        .filter(|o| o.passed())
        .map(|o| o.name)
        .collect();
    (passed, rejected)
}

/// The emitted files, and for each change its own one-scenario file.
fn emitted(report: &DiffReport, new: &Agreement) -> Vec<(String, String)> {
    diff::scenario_files(report, new)
        .into_iter()
        .map(|f| (f.file_name, f.text))
        .collect()
}

fn one_change_files(report: &DiffReport, new: &Agreement) -> Vec<(String, String, String)> {
    report
        .changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let name = c.scenario.clone()?;
            let single = DiffReport {
                changes: vec![c.clone()],
                ..report.clone()
            };
            let f = diff::scenario_files(&single, new).pop()?;
            Some((name, format!("change{i}.diff.clause"), f.text))
        })
        .collect()
}

#[test]
fn every_emitted_scenario_passes_under_2024_and_fails_under_2018() {
    let (_, new, report) = report_2018_2024();
    // every behavioural change has one; only structural and unobservable
    // money changes go without
    for c in &report.changes {
        let structural = matches!(
            c.kind,
            ChangeKind::ProductAdded
                | ChangeKind::ProductRemoved
                | ChangeKind::BillingAdded
                | ChangeKind::BillingRemoved
                | ChangeKind::Money
        );
        assert!(
            structural || c.scenario.is_some(),
            "no scenario for `{}`: {:?}",
            c.text,
            c.no_scenario
        );
    }
    let named: Vec<&str> = report
        .changes
        .iter()
        .filter_map(|c| c.scenario.as_deref())
        .collect();
    let files = emitted(&report, &new);
    let (passed_new, rejected_new) = run_emitted(NEW, &files);
    assert!(rejected_new.is_empty(), "2024 rejects {rejected_new:?}");
    for name in &named {
        assert!(
            passed_new.iter().any(|p| p == name),
            "scenario fails under 2024: {name}"
        );
    }
    let (passed_old, rejected_old) = run_emitted(OLD, &files);
    // a file 2018 rejects (a name it does not declare) is run one scenario
    // at a time, so that the rejection hides no other scenario's result
    let singles: Vec<(String, String, String)> = one_change_files(&report, &new)
        .into_iter()
        .filter(|(name, _, _)| {
            rejected_old.iter().any(|f| {
                files
                    .iter()
                    .any(|(n, text)| n == f && text.contains(&format!("\"{name}\"")))
            })
        })
        .collect();
    let single_files: Vec<(String, String)> = singles
        .iter()
        .map(|(_, f, t)| (f.clone(), t.clone()))
        .collect();
    let (passed_single, _) = run_emitted(OLD, &single_files);
    for name in &named {
        assert!(
            !passed_old.iter().any(|p| p == name) && !passed_single.iter().any(|p| p == name),
            "scenario also passes under 2018: {name}"
        );
    }
}

#[test]
fn a_version_compared_with_itself_reports_nothing() {
    for dir in [
        "clauses/aliyun-2018",
        "clauses/aliyun-2024",
        "clauses/maxcompute-2018",
        "clauses/support-plan-2020",
        "clauses/tracing-2019",
    ] {
        let a = agreement(dir);
        let r = diff::diff(&a, &a, &Options::default()).expect("diff runs");
        assert!(
            r.changes.is_empty(),
            "{dir} differs from itself: {}",
            diff::text(&r)
        );
    }
}

fn in_memory(files: &[(&str, &str)]) -> Agreement {
    let mut map = SourceMap::new();
    for (name, text) in files {
        map.add_str(name, text);
    }
    let checked = clausec::frontend::front_end(&map, Vec::new());
    let errors: Vec<_> = checked.errors().into_iter().map(|d| d.message).collect();
    assert!(errors.is_empty(), "{errors:?}");
    checked
        .agreements
        .into_iter()
        .next()
        .expect("one agreement")
}

const SHOP: &str = r#"
general §3 {
  billing prepaid, postpaid
  on order [prepaid] after 7d void §3.2 until order_paid
  late_fee may 0.05% per day of arrears from arrears §3.4
}
product search "搜索" §2 {
  billing postpaid
  capabilities upload, reindex
  resources data
  on arrears [postpaid] {
    part: after 24h suspend upload, reindex §2.2
    after 30 calendar days from arrears terminate and purge data §2.3
    until payment then resume upload, reindex
  }
}
product logs "日志" §1 {
  billing prepaid
  resources data
  on expiry after 7d purge §1.2
}
"#;

#[test]
fn relabelled_reordered_refiled_agreement_reports_nothing() {
    let old = in_memory(&[("a.clause", SHOP)]);
    // labels renamed, products reordered and split over two files, the
    // one-line form, `resume all` for the very capabilities suspended
    let moved = in_memory(&[
        (
            "logs.clause",
            "product logs \"日志服务\" §1 { billing prepaid resources data\n on expiry { after 7d purge data §1.2 } }",
        ),
        (
            "rest.clause",
            r#"
product search "开放搜索" §2 {
  resources data
  capabilities reindex, upload
  billing postpaid
  on arrears [postpaid] {
    first_cut: after 24h suspend reindex, upload §2.2
    after 30 calendar days from arrears terminate and purge data §2.3
    until payment then resume all
  }
}
general §3 {
  late_fee may 0.05% per day of arrears from arrears §3.4
  billing postpaid, prepaid
  on order [prepaid] { after 7d void §3.2 until order_paid }
}
"#,
        ),
    ]);
    let r = diff::diff(&old, &moved, &Options::default()).expect("diff runs");
    assert!(r.changes.is_empty(), "{}", diff::text(&r));
}

#[test]
fn a_shorter_purge_is_one_timing_change_with_both_citations() {
    let old = in_memory(&[("a.clause", SHOP)]);
    let new = in_memory(&[(
        "a.clause",
        &SHOP.replace(
            "after 30 calendar days from arrears terminate and purge data §2.3",
            "after 7d from arrears terminate and purge data §3.3",
        ),
    )]);
    let r = diff::diff(&old, &new, &Options::default()).expect("diff runs");
    assert_eq!(
        diff::text(&r),
        "search · arrears · postpaid: terminate and purge data +30 calendar days (anonymous §2.3) → +7d (anonymous §3.3)\n"
    );
    assert_eq!(r.changes[0].kind, ChangeKind::Timing);
    assert!(r.changes[0].scenario.is_some());
}

fn clausec(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exit_codes_follow_diff() {
    let (code, out) = clausec(&["diff", "clauses/tracing-2019", "clauses/tracing-2019"]);
    assert_eq!((code, out.as_str()), (Some(0), ""));
    let (code, out) = clausec(&["diff", OLD, NEW, "--product", "opensearch"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("opensearch · arrears · postpaid: terminate and stop service and purge data +30 calendar days (2018 §2.3)"), "{out}");
    let (code, _) = clausec(&["diff", OLD, "clauses/no-such-agreement"]);
    assert_eq!(code, Some(2));
    let (code, _) = clausec(&["diff", OLD, NEW, "--product", "no_such_product"]);
    assert_eq!(code, Some(2));
}

/// Every change of `old` → `new` (in-memory, one file each) has a scenario
/// that `clausec test`'s runner passes under `new` and fails under `old`.
fn separated(old: &str, new: &str) -> DiffReport {
    let (a, b) = (
        in_memory(&[("a.clause", old)]),
        in_memory(&[("a.clause", new)]),
    );
    let report = diff::diff(&a, &b, &Options::default()).expect("diff runs");
    for c in &report.changes {
        let name = c
            .scenario
            .as_deref()
            .unwrap_or_else(|| panic!("no scenario: {}", c.text));
        let single = DiffReport {
            changes: vec![c.clone()],
            ..report.clone()
        };
        let file = diff::scenario_files(&single, &b).pop().expect("a file");
        let run = |src: &str| {
            let mut map = SourceMap::new();
            map.add_str("a.clause", src);
            map.add_str("z.diff.clause", &file.text);
            let checked = clausec::frontend::front_end(&map, Vec::new());
            clausec::eval::Program::from_checked(checked).ok().map(|p| {
                clausec::scenario::run_all(&p)
                    .into_iter()
                    .filter(|o| o.name == name)
                    .all(|o| o.passed())
            })
        };
        assert_eq!(
            run(new),
            Some(true),
            "fails under the new version: {name}\n{}",
            file.text
        );
        assert_ne!(
            run(old),
            Some(true),
            "passes under the old version: {name}\n{}",
            file.text
        );
    }
    report
}

#[test]
fn modality_resumption_and_cure_events_are_compared() {
    let may = SHOP.replace("part: after 24h suspend", "part: after 24h may suspend");
    let r = separated(SHOP, &may);
    assert_eq!(
        diff::text(&r),
        "search · arrears · postpaid: suspend reindex, upload +24h (anonymous §2.2) → may suspend reindex, upload +24h (anonymous §2.2)\n"
    );
    let no_resume = SHOP.replace(
        "until payment then resume upload, reindex",
        "until payment then resume upload",
    );
    let r = separated(SHOP, &no_resume);
    assert_eq!(r.changes.len(), 1, "{}", diff::text(&r));
    assert_eq!(r.changes[0].kind, ChangeKind::Cure);
    assert!(
        diff::text(&r)
            .contains("reindex active after it (anonymous §2.2) → reindex suspended after it"),
        "{}",
        diff::text(&r)
    );
    let renewal = SHOP.replace("until payment then", "until payment, renewal then");
    let r = separated(SHOP, &renewal);
    insta::assert_snapshot!("diff_cure_event_added", diff::text(&r));
    assert!(!r.changes.is_empty());
    assert!(
        r.changes.iter().all(|c| c.kind == ChangeKind::Cure),
        "{}",
        diff::text(&r)
    );
    assert!(diff::text(&r).contains("`renewal`"), "{}", diff::text(&r));
}

#[test]
fn money_terms_are_compared_by_value() {
    let higher = SHOP.replace("0.05% per day", "0.1% per day");
    let r = separated(SHOP, &higher);
    // One change of the general terms, listed once with the products it affects.
    assert_eq!(
        diff::text(&r),
        "2 products · money: late fee: may 0.05% per day from arrears (anonymous §3.4) → may 0.1% per day from arrears (anonymous §3.4) — logs (prepaid), search (postpaid)\n"
    );
    assert_eq!(r.changes.len(), 2, "the JSON keeps one entry per product");
}

/// A cure that needs the arrears settled, alone or with another event, is
/// probed like a single-event cure (the diff once read only `until E`), and
/// a rule guarded on the account state is probed with the arrears it needs
/// before the trigger and the cure.
#[test]
fn settled_conjunctive_and_guarded_cures_are_compared() {
    let settled = SHOP.replace("until payment then", "until settled then");
    let both = SHOP.replace("until payment then", "until renewal and settled then");
    let r = separated(&settled, &both);
    assert!(!r.changes.is_empty(), "a payment alone no longer cures");
    assert!(
        r.changes.iter().all(|c| c.kind == ChangeKind::Cure),
        "{}",
        diff::text(&r)
    );
    assert!(
        diff::text(&r).contains("`payment` 1min before +24h: cancels suspend reindex, upload"),
        "{}",
        diff::text(&r)
    );
    // the other way round: the conjunction's probe cures both
    let r = separated(&both, &settled);
    assert!(
        diff::text(&r)
            .contains("`payment` 1min before +24h: does not cancel suspend reindex, upload"),
        "{}",
        diff::text(&r)
    );
    let guarded = |cure: &str| {
        SHOP.replace(
            "  on expiry after 7d purge §1.2\n",
            &format!("  on expiry if in arrears {{ after 7d purge §1.2 until {cure} }}\n"),
        )
    };
    let r = separated(&guarded("payment"), &guarded("renewal"));
    let text = diff::text(&r);
    assert!(
        text.contains("logs · expiry · prepaid: `payment` 1min before +7d: cancels purge")
            && text.contains("`renewal` 1min before +7d: does not cancel purge"),
        "{text}"
    );
}

/// Refund terms are compared per end cause: a `no_refund` for one cause
/// after the first refund term (2024 §10.6 after §3.4.4) is a change, with
/// a scenario that tells the versions apart, and one change of the general
/// terms is listed once for every product.
#[test]
fn refund_terms_are_compared_per_cause() {
    let with = |terms: &str| {
        SHOP.replace(
            "  late_fee may 0.05% per day of arrears from arrears §3.4\n",
            &format!(
                "  late_fee may 0.05% per day of arrears from arrears §3.4\n  events provider_termination, infringement_termination\n{terms}"
            ),
        )
    };
    let old = with("  refund unused prepaid on provider_termination §3.5\n");
    let new = with(
        "  refund unused prepaid on provider_termination §3.5\n  no_refund on infringement_termination §3.6\n",
    );
    // each with a scenario (a year bought, then the end) that holds under
    // the new version only
    let r = separated(&old, &new);
    assert_eq!(
        diff::text(&r),
        "2 products · money: refund on infringement_termination: none (anonymous: no term about this end) → no refund (anonymous §3.6) — logs (prepaid), search (postpaid)\n"
    );
    assert!(r.changes.iter().all(|c| c.kind == ChangeKind::Money));
    // the same term first or second decides the same ends: no change
    let reordered = with(
        "  no_refund on infringement_termination §3.6\n  refund unused prepaid on provider_termination §3.5\n",
    );
    let r = diff::diff(
        &in_memory(&[("a.clause", &new)]),
        &in_memory(&[("a.clause", &reordered)]),
        &Options::default(),
    )
    .expect("diff runs");
    assert!(r.changes.is_empty(), "{}", diff::text(&r));
    // a term about any end after them decides the other ends
    let any = with(
        "  refund unused prepaid on provider_termination §3.5\n  no_refund on infringement_termination §3.6\n  refund unused prepaid prorated by month §3.7\n",
    );
    let r = separated(&new, &any);
    assert!(
        diff::text(&r).starts_with("2 products · money: refund on any other end: none (anonymous: no term about this end) → unused prepaid, by month (anonymous §3.7)"),
        "{}",
        diff::text(&r)
    );
}
