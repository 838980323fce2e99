//! The feature clause files of the account-state language (`tests/lang/`,
//! issue #12): every scenario holds under the reference interpreter's
//! account-state semantics, decided by the same expectation logic `clausec
//! test` uses ([`clausec::expect::decide`]). These are the acceptance tests
//! the compiled machine will be held to once it runs the new forms. Below
//! them, what a scenario cannot say: errors, skipped steps, citations.

use clausec::expect::{decide, Expectation, Verdict};
use clausec::model::Agreement;
use clausec::reference::{self, Account, RefError, RefEvent, ReferenceRun};
use clausec::vocab::{Billing, Reading, Verb};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

fn lang_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/lang")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn agreement(dir: &Path) -> Agreement {
    let (map, diags) = clausec::load::load_all(&[dir.to_path_buf()]).expect("loads");
    let checked = clausec::frontend::front_end(&map, diags);
    assert!(
        !checked.has_errors(),
        "{}",
        clausec::render::to_string(&map, &checked.diagnostics)
    );
    let mut agreements = checked.agreements;
    assert_eq!(agreements.len(), 1, "{}: one agreement", dir.display());
    agreements.remove(0)
}

#[test]
fn every_feature_scenario_holds_under_the_account_state_semantics() {
    let mut failures = Vec::new();
    let mut scenarios = 0;
    let dirs = lang_dirs();
    assert!(dirs.len() >= 11, "{} feature directories", dirs.len());
    for dir in dirs {
        let a = agreement(&dir);
        let mut here = 0;
        for p in &a.products {
            for s in &p.scenarios {
                here += 1;
                let run = ReferenceRun::of_scenario(&a, s);
                for x in &s.expects {
                    let e = Expectation::from_model(&x.kind, p);
                    match decide(&run, &e) {
                        Ok(Verdict::Holds) => {}
                        Ok(Verdict::Fails { expected, actual }) => failures.push(format!(
                            "{}:{} {}: expected {expected}; got {actual}",
                            x.origin.file, x.origin.line, s.name
                        )),
                        Err(err) => failures.push(format!(
                            "{}:{} {}: {err}",
                            x.origin.file, x.origin.line, s.name
                        )),
                    }
                }
            }
        }
        assert!(here >= 1, "{} has no scenario", dir.display());
        scenarios += here;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(scenarios >= 30, "only {scenarios} scenarios");
}

fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
        .expect("instant")
        .timestamp()
}

fn ev(when: &str, event: &str, amount: Option<i64>) -> RefEvent {
    RefEvent {
        at: at(when),
        event: event.to_string(),
        amount: amount.map(|c| Decimal::new(c, 2)),
        until: None,
    }
}

fn lang(name: &str) -> Agreement {
    agreement(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/lang")
            .join(name),
    )
}

fn account(product: &str, billing: Billing, variants: &[&str]) -> Account {
    Account {
        product: product.to_string(),
        billing,
        variants: variants.iter().map(|v| v.to_string()).collect(),
    }
}

/// The feature directories whose every form the compiled machine runs:
/// their scenarios must hold under `clausec test` (the machine) too. A
/// directory joins when its form leaves `compile`'s refusals.
const RUN_BY_THE_MACHINE: &[&str] = &[
    "anchors",
    "arrears_balance",
    "calendar_file",
    "even_if_cured",
    "guards",
    "precedence",
    "money",
    "restrictions",
    "resume_reported",
    "time_forms",
    "variants",
];

/// Every kind of account of `p`: each combination of one value per variant
/// dimension (one empty combination for a product without variants).
fn variant_combinations(a: &Agreement, p: &clausec::model::Product) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for d in a.variant_dimensions(p) {
        out = out
            .iter()
            .flat_map(|c| {
                d.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    out
}

#[test]
fn the_feature_scenarios_the_back_end_runs_hold_under_the_machine() {
    for name in RUN_BY_THE_MACHINE {
        let a = lang(name);
        let program = clausec::eval::Program::from_agreements(vec![a]);
        let outcomes = clausec::scenario::run_all(&program);
        assert!(!outcomes.is_empty(), "{name}: no scenario");
        let failed: Vec<String> = outcomes
            .iter()
            .filter(|o| !o.passed())
            .map(|o| format!("{name}: {} {:?}", o.name, o.failures))
            .collect();
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }
}

#[test]
fn bad_accounts_and_amounts_are_errors_not_guesses() {
    let a = lang("variants");
    let timeline = [ev("2024-07-01T10:00", "expiry", None)];
    let run = |acc: &Account| {
        reference::run(
            &a,
            acc,
            Reading::CustomerSafe,
            &timeline,
            at("2024-08-01T00:00"),
        )
    };
    // a prepaid account must say its term: rules filter on it
    let missing = run(&account("nat_gateway", Billing::Prepaid, &[]));
    assert!(
        matches!(&missing, Err(RefError::VariantMissing { dimension, .. }) if dimension == "term"),
        "{missing:?}"
    );
    assert!(missing
        .as_ref()
        .err()
        .is_some_and(|e| e.to_string().contains("monthly, yearly")));
    assert!(matches!(
        run(&account("nat_gateway", Billing::Prepaid, &["weekly"])),
        Err(RefError::UnknownVariant { .. })
    ));
    assert!(matches!(
        run(&account(
            "nat_gateway",
            Billing::Prepaid,
            &["monthly", "yearly"]
        )),
        Err(RefError::VariantTwice { .. })
    ));
    // a postpaid account has no term to give
    assert!(run(&account("nat_gateway", Billing::Postpaid, &[])).is_ok());
    // a negative amount is refused, naming the event
    let b = lang("arrears_balance");
    let neg = [ev("2024-06-03T10:00", "payment", Some(-100))];
    let r = reference::run(
        &b,
        &account("datahub", Billing::Postpaid, &[]),
        Reading::CustomerSafe,
        &neg,
        at("2024-07-01T00:00"),
    );
    assert!(
        matches!(&r, Err(RefError::NegativeAmount { event, .. }) if event == "payment"),
        "{r:?}"
    );
}

/// The machine refuses a bad account as the reference does, with the same
/// words, and compiles one automaton per kind of account: a state saved
/// under a monthly term is refused by the yearly automaton.
#[test]
fn the_machine_selects_by_variant_and_refuses_bad_accounts() {
    use clausec::compile::CompileError;
    use clausec::eval::SelectError;
    let a = lang("variants");
    let program = clausec::eval::Program::from_agreements(vec![a.clone()]);
    let select = |billing: Billing, variants: &[&str]| {
        let mut s = clausec::Selection::default().billing(billing);
        for v in variants {
            s = s.variant(*v);
        }
        program.select_with("nat_gateway", &s)
    };
    let words = |billing: Billing, variants: &[&str]| {
        let machine = select(billing, variants)
            .map(drop)
            .map_err(|e| e.to_string());
        let reference = reference::run(
            &a,
            &account("nat_gateway", billing, variants),
            Reading::CustomerSafe,
            &[],
            at("2024-08-01T00:00"),
        )
        .map(drop)
        .map_err(|e| e.to_string());
        assert_eq!(machine, reference, "{billing:?} {variants:?}");
        machine
    };
    assert!(matches!(
        select(Billing::Prepaid, &[]),
        Err(SelectError::Compile(CompileError::VariantMissing { dimension, .. })) if dimension == "term"
    ));
    assert!(words(Billing::Prepaid, &[]).is_err_and(|e| e.contains("`term` (monthly, yearly)")));
    assert!(matches!(
        select(Billing::Prepaid, &["weekly"]),
        Err(SelectError::Compile(CompileError::UnknownVariant { value, .. })) if value == "weekly"
    ));
    assert!(
        words(Billing::Prepaid, &["weekly"]).is_err_and(|e| e.contains("term: monthly, yearly"))
    );
    assert!(matches!(
        select(Billing::Prepaid, &["monthly", "yearly"]),
        Err(SelectError::Compile(CompileError::VariantTwice { .. }))
    ));
    assert!(words(Billing::Prepaid, &["monthly", "yearly"]).is_err());
    assert!(words(Billing::Postpaid, &[]).is_ok());
    assert!(words(Billing::Prepaid, &["yearly"]).is_ok());
    let monthly = select(Billing::Prepaid, &["monthly"]).expect("compiles");
    let yearly = select(Billing::Prepaid, &["yearly"]).expect("compiles");
    assert_eq!(monthly.ir.variants, vec!["monthly".to_string()]);
    assert_ne!(monthly.ir.fingerprint, yearly.ir.fingerprint);
    let mut st = monthly.new_account();
    monthly
        .step(
            &mut st,
            &monthly
                .event("expiry", at("2024-07-01T10:00"))
                .expect("event"),
        )
        .expect("steps");
    assert!(matches!(
        yearly.check(&st),
        Err(clausec::eval::EvalError::State(
            clausec::eval::StateError::OtherAutomaton { .. }
        ))
    ));
    // a postpaid account may name its term: nothing of it filters on it
    assert!(select(Billing::Postpaid, &["yearly"]).is_ok());
}

#[test]
fn the_balance_keeps_credit_and_reports_restorations_with_their_citation() {
    let a = lang("restrictions");
    let acc = account("eci", Billing::Postpaid, &[]);
    let timeline = [
        ev("2024-06-01T10:00", "payment", Some(15_000)),
        ev("2024-06-03T10:00", "arrears", Some(8_000)),
        ev("2024-06-05T10:00", "arrears", Some(8_000)),
        ev("2024-06-07T10:00", "payment", Some(1_000)),
    ];
    let o = reference::run(
        &a,
        &acc,
        Reading::CustomerSafe,
        &timeline,
        at("2024-07-01T00:00"),
    )
    .expect("runs");
    // 150 credit, 80 + 80 owed, 10 paid: 0 outstanding, settled
    assert_eq!(o.outstanding, Decimal::ZERO);
    assert!(!o.unknown_debt);
    let acts: Vec<(i64, Verb, &str, Option<&str>)> = o
        .actions
        .iter()
        .map(|x| (x.at, x.verb, x.rule.as_str(), x.cite.as_deref()))
        .collect();
    assert_eq!(
        acts,
        vec![
            (
                at("2024-06-05T10:00"),
                Verb::Forbid,
                "eci.while#1",
                Some("23.2")
            ),
            (
                at("2024-06-07T10:00"),
                Verb::Resume,
                "eci.while#1",
                Some("23.2")
            ),
        ]
    );
}

#[test]
fn a_skipped_step_is_listed_not_fired() {
    let a = lang("guards");
    let acc = account("ehpc", Billing::Postpaid, &[]);
    let timeline = [
        ev("2024-06-03T10:00", "arrears", Some(10_000)),
        ev("2024-06-05T10:00", "payment", Some(10_000)),
        ev("2024-06-10T10:00", "grace_end", None),
    ];
    let o = reference::run(
        &a,
        &acc,
        Reading::CustomerSafe,
        &timeline,
        at("2024-07-01T00:00"),
    )
    .expect("runs");
    assert!(o.actions.is_empty(), "{:?}", o.actions);
    let skipped: Vec<(i64, Verb)> = o.skipped.iter().map(|x| (x.at, x.verb)).collect();
    assert_eq!(
        skipped,
        vec![
            (at("2024-06-10T10:00"), Verb::Stop),
            (at("2024-06-18T00:00"), Verb::Purge),
        ]
    );
}

#[test]
fn a_refund_window_closes_when_its_condition_happens_or_it_ends() {
    let a = lang("money");
    let acc = account("certificate_management", Billing::Prepaid, &[]);
    let mut purchase = ev("2024-07-01T10:00", "purchase", Some(30_000));
    purchase.until = Some(at("2025-07-01T10:00"));
    let kinds = |timeline: &[RefEvent], when: &str| -> Vec<String> {
        reference::run(&a, &acc, Reading::CustomerSafe, timeline, at(when))
            .expect("runs")
            .obligations
            .into_iter()
            .map(|o| o.kind)
            .collect()
    };
    let open = [purchase.clone()];
    assert_eq!(kinds(&open, "2024-07-06T10:00"), vec!["refund_window"]);
    assert!(
        kinds(&open, "2024-07-06T10:01").is_empty(),
        "the window ended"
    );
    let reviewed = [purchase, ev("2024-07-02T10:00", "review_submitted", None)];
    assert_eq!(kinds(&reviewed, "2024-07-01T12:00"), vec!["refund_window"]);
    assert!(
        kinds(&reviewed, "2024-07-03T10:00").is_empty(),
        "review submitted"
    );
}

#[test]
fn a_restoration_is_reported_alike_by_the_machine_and_both_semantics() {
    // The compiled machine reports a cure's `resume` (issue #12, item 7):
    // at the cure instant, with what it restored and the cure's citation;
    // `resume all` restores what this rule restricted, not the `writes`
    // another rule forbade.
    let a = lang("resume_reported");
    let timeline = [
        ev("2024-07-01T10:00", "arrears", Some(1_000)),
        ev("2024-07-02T11:00", "bill", None),
        ev("2024-07-03T10:00", "payment", Some(1_000)),
    ];
    let today = reference::evaluate(
        &a,
        "opensearch",
        Billing::Postpaid,
        Reading::CustomerSafe,
        &timeline,
        at("2024-08-01T00:00"),
    )
    .expect("evaluates");
    let program = clausec::eval::Program::from_agreements(vec![a.clone()]);
    let m = program
        .select("opensearch", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let events: Vec<clausec::eval::Event> = timeline
        .iter()
        .map(|e| {
            let mut x = m.event(&e.event, e.at).expect("event");
            x.amount = e.amount;
            x
        })
        .collect();
    let got = m
        .evaluate(&events, at("2024-08-01T00:00"))
        .expect("evaluates");
    assert_eq!(got, today);
    let report = m.report(&got);
    let acts: Vec<(&str, Vec<String>, Option<&str>, &str)> = report
        .actions
        .iter()
        .map(|x| {
            (
                x.action.as_str(),
                x.targets.clone(),
                x.cite.as_deref(),
                x.at.as_str(),
            )
        })
        .collect();
    assert_eq!(
        acts,
        vec![
            (
                "suspend",
                vec!["search".to_string()],
                Some("3.1"),
                "2024-07-02T10:00:00+08:00"
            ),
            (
                "forbid",
                vec!["writes".to_string()],
                Some("3.3"),
                "2024-07-02T11:00:00+08:00"
            ),
            (
                "resume",
                vec!["search".to_string()],
                Some("3.2"),
                "2024-07-03T10:00:00+08:00"
            ),
        ]
    );
    let issue_12 = reference::run(
        &a,
        &account("opensearch", Billing::Postpaid, &[]),
        Reading::CustomerSafe,
        &timeline,
        at("2024-08-01T00:00"),
    )
    .expect("runs");
    let verbs: Vec<Verb> = issue_12.actions.iter().map(|x| x.verb).collect();
    assert_eq!(verbs, vec![Verb::Suspend, Verb::Forbid, Verb::Resume]);
    assert_eq!(issue_12.actions[2].cite.as_deref(), Some("3.2"));
    assert_eq!(issue_12.actions[2].targets, vec!["search".to_string()]);
}

#[test]
fn a_calendar_file_that_does_not_parse_names_its_line_and_column() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/headers/E0050");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let checked = clausec::frontend::front_end(&map, diags);
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code == clausec::diagnostic::Code::E0050)
        .expect("E0050");
    assert!(d.message.contains("line 3, column 6"), "{}", d.message);
    // `--calendar` reads the same format with the same report
    let err = clausec::load::read_calendar(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/headers/E0050/bad_calendar_2027.txt"),
    )
    .expect_err("bad file");
    assert!(err.to_string().contains("line 3, column 6"), "{err}");
}

/// A harmful customer-safe step whose last day lies past the shipped
/// calendar (2026-12-31) asks the calendar about it (Civil Code Art. 203
/// ¶1): `eval` reports the date, the calendar's range and how to extend it;
/// `--calendar` with a calendar covering the day places the step; the
/// `earliest` reading, which never extends, needs no calendar.
#[test]
fn a_rest_day_past_the_calendar_is_an_error_that_says_how_to_extend_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.json");
    std::fs::write(
        &events,
        r#"[{"at":"2026-12-25T10:00:00+08:00","event":"arrears","amount":"10.00"}]"#,
    )
    .expect("writes");
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval".to_string(),
            root.join("tests/lang/time_forms").display().to_string(),
            "--product".into(),
            "hitsdb".into(),
            "--events".into(),
            events.display().to_string(),
            "--at".into(),
            "2027-01-10T00:00:00+08:00".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clausec"))
            .args(&args)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // suspended 2026-12-25; 7 calendar days end on Friday 2027-01-01
    let (code, _, stderr) = eval(&[]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains(
            "date `2027-01-01` is outside the working-day calendar (2018-01-01..2026-12-31)"
        ) && stderr.contains("`--calendar FILE`"),
        "{stderr}"
    );
    // 01-01 元旦 (off in the file), then a weekend: 24:00 of Monday 01-04
    let calendar = root.join("tests/lang/calendar_file/cn_2027.txt");
    let (code, stdout, stderr) = eval(&["--calendar", &calendar.display().to_string()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("2027-01-05T00:00:00+08:00  purge data"),
        "{stdout}"
    );
    // `earliest` keeps 24:00 of 01-01
    let (code, stdout, stderr) = eval(&["--reading", "earliest"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("2027-01-02T00:00:00+08:00  purge data"),
        "{stdout}"
    );
}

/// Every feature agreement's accounts, for the property below.
fn lang_accounts() -> &'static Vec<(Agreement, Account, Vec<String>)> {
    static ACCOUNTS: std::sync::OnceLock<Vec<(Agreement, Account, Vec<String>)>> =
        std::sync::OnceLock::new();
    ACCOUNTS.get_or_init(|| {
        let mut out = Vec::new();
        for dir in lang_dirs() {
            let a = agreement(&dir);
            for p in &a.products {
                let events: Vec<String> = a.events_of(p).map(str::to_string).collect();
                let dims: Vec<Vec<String>> =
                    a.variant_dimensions(p).map(|d| d.values.clone()).collect();
                for b in &p.billing {
                    // the first value of every dimension
                    let variants = dims.iter().filter_map(|v| v.first().cloned()).collect();
                    out.push((
                        a.clone(),
                        Account {
                            product: p.id.clone(),
                            billing: *b,
                            variants,
                        },
                        events.clone(),
                    ));
                }
            }
        }
        out
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
    /// Random time lines on every feature account, both readings: the
    /// account-state semantics give an outcome or a typed error, never a
    /// panic; the balance is what the amounts add up to.
    #[test]
    fn the_account_state_semantics_never_panic(
        which in proptest::prelude::any::<proptest::sample::Index>(),
        raw in proptest::collection::vec((0i64..(120 * 24), 0usize..40, proptest::option::of(-2_000i64..200_000)), 0..16),
        earliest in proptest::prelude::any::<bool>(),
        query in 0i64..(200 * 24),
    ) {
        let accounts = lang_accounts();
        let (a, acc, events) = &accounts[which.index(accounts.len())];
        let base = at("2024-06-03T10:00");
        let mut timeline: Vec<RefEvent> = raw
            .into_iter()
            .map(|(h, e, amount)| RefEvent {
                at: base + h * 3_600,
                event: events[e % events.len()].clone(),
                amount: amount.map(|c| Decimal::new(c, 2)),
                until: (events[e % events.len()] == "purchase").then_some(base + 400 * 86_400),
            })
            .collect();
        timeline.sort_by_key(|e| e.at);
        let reading = if earliest { Reading::Earliest } else { Reading::CustomerSafe };
        match reference::run(a, acc, reading, &timeline, base + query * 3_600) {
            Ok(o) => {
                // a balance of known amounts is their sum (payments without
                // an amount clear it, so only check time lines without them)
                let plain = timeline.iter().filter(|e| e.at <= o.at).all(|e| {
                    e.amount.is_some() || (e.event != "payment" && e.event != "arrears")
                });
                if plain {
                    let owed: Decimal = timeline
                        .iter()
                        .filter(|e| e.at <= o.at)
                        .map(|e| match e.event.as_str() {
                            "arrears" => e.amount.unwrap_or_default(),
                            "payment" => -e.amount.unwrap_or_default(),
                            _ => Decimal::ZERO,
                        })
                        .sum();
                    proptest::prop_assert_eq!(o.outstanding, owed);
                }
            }
            Err(RefError::NegativeAmount { .. }) | Err(RefError::Eval(_)) => {}
            Err(other) => proptest::prop_assert!(false, "{other}"),
        }
    }
}

#[test]
fn every_feature_file_is_in_canonical_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang");
    let files = clausec::load::find_clause_files(&[root]).expect("tests/lang");
    assert!(files.len() >= 11);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let file = clausec::syntax::parse(clausec::ast::FileId(0), &text).expect("parses");
        assert_eq!(
            clausec::fmt::format_file(&file, &text),
            text,
            "{} is not in `clausec fmt` layout",
            path.display()
        );
    }
}

/// An action by name: (instant, verb, targets, rule, citation).
type NamedAct = (String, String, Vec<String>, String, Option<String>);

/// A window by name: (action, start, end, rule, citation).
type NamedWindow = (String, String, Option<String>, String, Option<String>);

/// A pending step by name: (due, action, targets, citation, kept — a cure
/// coming now would not cancel it).
type NamedPending = (String, String, Vec<String>, Option<String>, bool);

/// An obligation by name: (party, kind, amount, until, citation).
type NamedOwing = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The feature accounts the machine runs, compiled, for the property below:
/// (agreement, machine, its events).
type Subject = (Agreement, clausec::eval::Machine, Vec<String>);

fn machine_accounts() -> &'static Vec<Subject> {
    static M: std::sync::OnceLock<Vec<Subject>> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let mut out = Vec::new();
        for name in RUN_BY_THE_MACHINE {
            let a = lang(name);
            let program = clausec::eval::Program::from_agreements(vec![a.clone()]);
            for p in &a.products {
                let events: Vec<String> = a.events_of(p).map(str::to_string).collect();
                for &b in &p.billing {
                    for variants in variant_combinations(&a, p) {
                        for reading in [Reading::CustomerSafe, Reading::Earliest] {
                            let mut selection =
                                clausec::Selection::default().billing(b).reading(reading);
                            selection.variants = variants.clone();
                            let m = program
                                .select_with(&p.id, &selection)
                                .expect("the machine runs this feature");
                            out.push((a.clone(), m, events.clone()));
                        }
                    }
                }
            }
        }
        out
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3_000))]
    /// The differential test of the account-state forms the machine runs:
    /// on random time lines (amounts or none, payments larger than the
    /// debt), the compiled machine and the reference's account-state
    /// semantics report the same actions (instant, verb, targets, rule,
    /// citation), pending steps, windows and obligations, and the same
    /// capability, service and resource states.
    #[test]
    fn the_machine_agrees_with_the_account_state_semantics(
        which in proptest::prelude::any::<proptest::sample::Index>(),
        raw in proptest::collection::vec((0i64..(60 * 24), 0usize..40, proptest::option::of(0i64..30_000), proptest::option::of(1i64..400)), 0..14),
        query in 0i64..(90 * 24),
    ) {
        let subjects = machine_accounts();
        let (a, m, names) = &subjects[which.index(subjects.len())];
        let base = at("2024-06-03T10:00");
        let mut timeline: Vec<RefEvent> = raw
            .into_iter()
            .map(|(h, e, amount, days)| RefEvent {
                at: base + h * 3_600,
                event: names[e % names.len()].clone(),
                amount: amount.map(|c| Decimal::new(c, 2)),
                // a purchase's paid term (refunds)
                until: days.map(|d| base + h * 3_600 + d * 86_400),
            })
            .collect();
        timeline.sort_by_key(|e| e.at);
        let events: Vec<clausec::eval::Event> = timeline
            .iter()
            .map(|e| {
                let mut x = m.event(&e.event, e.at).expect("event of the product");
                x.amount = e.amount;
                x.until = e.until;
                x
            })
            .collect();
        let when = base + query * 3_600;
        let variants: Vec<&str> = m.ir.variants.iter().map(String::as_str).collect();
        let acc = account(&m.ir.product, m.ir.billing, &variants);
        let want = reference::run(a, &acc, m.ir.reading, &timeline, when);
        let got = m.evaluate(&events, when);
        match (got, want) {
            (Ok(e), Ok(o)) => {
                let r = m.report(&e);
                let mine: Vec<NamedAct> = r
                    .actions
                    .iter()
                    .map(|x| (x.at.clone(), x.action.clone(), x.targets.clone(), x.rule.clone(), x.cite.clone()))
                    .collect();
                let theirs: Vec<NamedAct> = o
                    .actions
                    .iter()
                    .map(|x| (m.format_instant(x.at), x.verb.name().to_string(), x.targets.clone(), x.rule.clone(), x.cite.clone()))
                    .collect();
                proptest::prop_assert_eq!(mine, theirs, "{} {:?}", m.ir.product, m.ir.reading);
                let mut pending: Vec<NamedPending> = r
                    .pending
                    .iter()
                    .map(|x| (x.due.clone(), x.action.clone(), x.targets.clone(), x.cite.clone(), x.kept))
                    .collect();
                let mut expected: Vec<NamedPending> = o
                    .pending
                    .iter()
                    .map(|x| (m.format_instant(x.due), x.verb.name().to_string(), x.targets.clone(), x.cite.clone(), x.kept))
                    .collect();
                pending.sort();
                expected.sort();
                proptest::prop_assert_eq!(pending, expected, "pending: {} {:?}", m.ir.product, m.ir.reading);
                // windows and rights: none of a step that fired nothing
                let mut windows: Vec<NamedWindow> = r
                    .windows
                    .iter()
                    .map(|w| (w.action.clone(), w.start.clone(), w.end.clone(), w.rule.clone(), w.cite.clone()))
                    .collect();
                let mut expected: Vec<NamedWindow> = o
                    .windows
                    .iter()
                    .map(|w| (w.verb.name().to_string(), m.format_instant(w.start), w.end.map(|e| m.format_instant(e)), w.rule.clone(), w.cite.clone()))
                    .collect();
                windows.sort();
                expected.sort();
                proptest::prop_assert_eq!(windows, expected, "windows: {} {:?}", m.ir.product, m.ir.reading);
                let caps: Vec<(String, clausec::model::CapabilityState)> = m
                    .ir
                    .capabilities
                    .iter()
                    .cloned()
                    .zip(e.status.capabilities.iter().copied())
                    .collect();
                proptest::prop_assert_eq!(caps, o.capabilities);
                proptest::prop_assert_eq!(e.status.service, o.service);
                let res: Vec<(String, clausec::model::ResourceState)> = m
                    .ir
                    .resources
                    .iter()
                    .cloned()
                    .zip(e.status.resources.iter().copied())
                    .collect();
                proptest::prop_assert_eq!(res, o.resources);
                // money: the late fee on the balance, refunds, penalties
                let mut owed: Vec<NamedOwing> = r
                    .obligations
                    .iter()
                    .map(|x| (x.party.clone(), x.kind.clone(), x.amount.clone(), x.until.clone(), x.cite.clone()))
                    .collect();
                let mut expected: Vec<NamedOwing> = o
                    .obligations
                    .iter()
                    .map(|x| (x.party.to_string(), x.kind.clone(), x.amount.map(|a| a.to_string()), x.until.map(|u| m.format_instant(u)), x.cite.clone()))
                    .collect();
                owed.sort();
                expected.sort();
                proptest::prop_assert_eq!(owed, expected, "obligations: {} {:?}", m.ir.product, m.ir.reading);
            }
            (Err(_), Err(_)) => {}
            (got, want) => proptest::prop_assert!(false, "machine {:?}, reference {:?}", got.map(|_| ()), want.map(|_| ())),
        }
    }
}

/// The stream engine keeps the balance in its state table: a partial
/// payment stored and loaded again is still owed, so the next small payment
/// does not settle (with the balance dropped it would, and cure).
#[test]
fn the_stream_table_keeps_the_arrears_balance() {
    use clausec::stream::catalog::Catalog;
    use clausec::stream::{Options, Runner};
    let a = lang("arrears_balance");
    let program = clausec::eval::Program::from_agreements(vec![a]);
    let line = |account: &str, when: &str, event: &str, amount: &str| {
        format!(
            r#"{{"account":"{account}","product":"datahub","at":"{when}:00+08:00","event":"{event}","amount":"{amount}"}}"#
        )
    };
    for shards in [1, 2] {
        let mut r = Runner::new(
            Catalog::new(program.clone(), Reading::CustomerSafe),
            Options {
                shards,
                until: Some(at("2024-07-01T00:00")),
                ..Options::default()
            },
        );
        let mut out = String::new();
        for l in [
            line("short", "2024-06-03T10:00", "arrears", "100.00"),
            line("paid", "2024-06-03T10:00", "arrears", "100.00"),
            line("short", "2024-06-05T10:00", "payment", "60.00"),
            line("paid", "2024-06-05T10:00", "payment", "60.00"),
            line("short", "2024-06-06T10:00", "payment", "10.00"),
            line("paid", "2024-06-06T10:00", "payment", "40.00"),
        ] {
            out.push_str(&r.push(&[l], false).output);
        }
        out.push_str(&r.finish().output);
        let acts = |who: &str| -> Vec<String> {
            out.lines()
                .filter(|l| l.contains(&format!("\"account\":\"{who}\"")))
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                    format!(
                        "{} {}",
                        v["at"].as_str().unwrap_or("?"),
                        v["action"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        };
        assert_eq!(
            acts("short"),
            vec![
                "2024-06-04T10:00:00+08:00 suspend",
                "2024-06-11T10:00:00+08:00 purge"
            ],
            "{out}"
        );
        assert_eq!(
            acts("paid"),
            vec![
                "2024-06-04T10:00:00+08:00 suspend",
                "2024-06-06T10:00:00+08:00 resume"
            ],
            "{out}"
        );
    }
}

/// Generated modules emit the account state: `codegen` writes an
/// account-state product with its balance and its guards (tests/it/codegen.rs
/// holds such modules to their machines), and refuses, naming it, the one
/// form it does not emit: a conjunctive cure naming more events than its
/// progress word has bits (63, the 64th being `settled`).
#[test]
fn codegen_emits_the_account_state_and_refuses_a_form_it_does_not_emit() {
    let a = lang("guards");
    let program = clausec::eval::Program::from_agreements(vec![a]);
    let m = program
        .select("ehpc", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let text = clausec::eval::codegen::generate_rust(&m, "tests/lang/guards").expect("generates");
    assert!(text.contains("pub outstanding: Decimal"), "{text}");
    assert!(text.contains("if self.in_arrears() {"), "{text}");
    let events: Vec<String> = (0..64).map(|i| format!("e{i}")).collect();
    let src = format!(
        "agreement big \"many events\" {{\n  zone Asia/Shanghai\n}}\n\n\
         product p \"产品\" §1 {{\n  billing postpaid\n  events {}\n\n\
         on arrears [postpaid] {{\n    at once suspend service §1.1\n    \
         until {} and settled then resume service §1.2\n  }}\n}}\n",
        events.join(", "),
        events.join(" and ")
    );
    let program = clausec::eval::Program::compile_str("big.clause", &src).expect("checks");
    let m = program
        .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let err = clausec::eval::codegen::generate_rust(&m, "big.clause").expect_err("refused");
    assert!(err.to_string().contains("more than 63 events"), "{err}");
    let ok = lang("resume_reported");
    let program = clausec::eval::Program::from_agreements(vec![ok]);
    let m = program
        .select("opensearch", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let text =
        clausec::eval::codegen::generate_rust(&m, "tests/lang/resume_reported").expect("generates");
    assert!(text.contains("resume step"), "{text}");
}

/// The steps whose history the machine keeps in state slots run in the
/// machine, and `codegen` refuses them by name rather than emit them
/// without it.
#[test]
fn codegen_refuses_the_steps_whose_history_the_machine_keeps() {
    for (file, product, form) in [
        (
            "anchors",
            "reminders",
            "a step counted from a step counted from another rule's event",
        ),
        (
            "even_if_cured",
            "archive",
            "even if cured from <another rule's event>",
        ),
    ] {
        let program = clausec::eval::Program::from_agreements(vec![lang(file)]);
        let m = program
            .select(product, Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("the machine runs it");
        let err = clausec::eval::codegen::generate_rust(&m, file).expect_err("refused");
        assert!(err.to_string().contains(form), "{err}");
    }
}

/// A cure keeps an `even if cured` step and cancels the others: the
/// machine lists only the kept step as pending, as the reference does.
#[test]
fn a_kept_step_is_pending_and_the_cancelled_ones_are_not() {
    let src = r#"
product ws "工作站" §1 {
  billing prepaid
  resources instance
  on expiry [prepaid] {
    stopped: at once stop service §1.1 quote "停止"
    after 3d notify §1.2 quote "通知"
    after 7d from stopped release instance even if cured §1.3 quote "释放"
    until renewal then resume service §1.4 quote "恢复"
  }
}
"#;
    let program = clausec::eval::Program::compile_str("ws.clause", src).expect("checks");
    let m = program
        .select("ws", Some(Billing::Prepaid), Reading::CustomerSafe)
        .expect("compiles");
    let timeline = [
        ev("2024-07-01T10:00", "expiry", None),
        ev("2024-07-02T10:00", "renewal", None),
    ];
    let events: Vec<clausec::eval::Event> = timeline
        .iter()
        .map(|e| m.event(&e.event, e.at).expect("event"))
        .collect();
    let r = m.report(
        &m.evaluate(&events, at("2024-07-03T00:00"))
            .expect("evaluates"),
    );
    let pending: Vec<(&str, &str)> = r
        .pending
        .iter()
        .map(|p| (p.due.as_str(), p.action.as_str()))
        .collect();
    assert_eq!(pending, vec![("2024-07-08T10:00:00+08:00", "release")]);
    let o = reference::run(
        &program.agreements[0],
        &account("ws", Billing::Prepaid, &[]),
        Reading::CustomerSafe,
        &timeline,
        at("2024-07-03T00:00"),
    )
    .expect("runs");
    let theirs: Vec<(i64, Verb)> = o.pending.iter().map(|p| (p.due, p.verb)).collect();
    assert_eq!(theirs, vec![(at("2024-07-08T10:00"), Verb::Release)]);
}

/// The late fee on the balance runs in the machine for an automaton
/// without the account-state forms (issue #12 item 8): a partial payment
/// lowers the fee from its day on, more arrears raise the base, and a
/// payment after the termination stops it.
#[test]
fn the_late_fee_on_the_balance_runs_in_the_machine() {
    let a = lang("money");
    let program = clausec::eval::Program::from_agreements(vec![a]);
    let outcomes = clausec::scenario::run_all(&program);
    let fees: Vec<_> = outcomes
        .iter()
        .filter(|o| o.product == "log_service")
        .collect();
    assert_eq!(fees.len(), 3);
    for o in fees {
        assert!(o.passed(), "{} {:?}", o.name, o.failures);
    }
    let m = program
        .select("log_service", None, Reading::CustomerSafe)
        .expect("compiles");
    assert!(!m.ir.account_state, "a late fee alone is no account state");
    assert!(m.ir.layout.balance, "the fee needs the balance");
}
