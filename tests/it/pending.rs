//! What `eval` (text and JSON), `explain` and the step API say of a pending
//! step (issue #12 item 6, cure scope per step): a step the rule's cure
//! would cancel names the cure; an `even if cured` step a cure coming now
//! would not cancel is `kept`; a step of a rule without a cure says nothing
//! of a cure. The machine and the reference interpreter decide `kept` each
//! on its own; both are held to the same answer here and in the
//! differential tests.

use clausec::eval::explain::{explain, Style};
use clausec::eval::{parse_events, Machine, Program};
use clausec::reference::{self, Account, RefEvent};
use clausec::vocab::{Billing, Reading};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::process::Command;

const DEMO: &str = "tests/it/data/pending_demo";

/// Arrears of 100.00 and a provider's notice at 10:00 on 1 June 2024: the
/// stop (cured by `settled`) is due at 11:00, the release and purge kept
/// `even if cured` 7 days after the stop, the notice's `may terminate` (a
/// rule without a cure) 30 days later.
const EVENTS: &str =
    "{\"at\":\"2024-06-01T10:00:00+08:00\",\"event\":\"arrears\",\"amount\":\"100.00\"}\n\
{\"at\":\"2024-06-01T10:00:00+08:00\",\"event\":\"provider_notice\"}\n";

/// The same, and the arrears paid in full after the stop.
const PAID: &str =
    "{\"at\":\"2024-06-01T10:00:00+08:00\",\"event\":\"arrears\",\"amount\":\"100.00\"}\n\
{\"at\":\"2024-06-01T10:00:00+08:00\",\"event\":\"provider_notice\"}\n\
{\"at\":\"2024-06-03T10:00:00+08:00\",\"event\":\"payment\",\"amount\":\"100.00\"}\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `clausec eval DEMO --product ws` on `events` at `at` in `format`.
fn eval(events: &str, at: &str, format: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("events.ndjson");
    std::fs::write(&file, events).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(["eval", DEMO, "--product", "ws", "--events"])
        .arg(&file)
        .args(["--at", at, "--format", format])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("clausec runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pending_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("pending ")).collect()
}

#[test]
fn eval_text_names_the_cure_only_of_steps_it_would_cancel() {
    // before the stop: the release counts from the stop, which a cure now
    // would cancel, so the release goes with it
    let before = eval(EVENTS, "2024-06-01T10:30:00+08:00", "text");
    assert_eq!(
        pending_lines(&before),
        vec![
            "pending 2024-06-01T11:00:00+08:00  stop service (cancelled by settled)",
            "pending 2024-06-08T11:00:00+08:00  release instance (cancelled by settled)",
            "pending 2024-06-08T11:00:00+08:00  purge data (cancelled by settled)",
            "pending 2024-07-01T10:00:00+08:00  terminate",
        ],
        "{before}"
    );
    // after the stop, and after the cure itself: the release is kept
    for (events, at) in [
        (EVENTS, "2024-06-02T00:00:00+08:00"),
        (PAID, "2024-06-04T00:00:00+08:00"),
    ] {
        let after = eval(events, at, "text");
        assert_eq!(
            pending_lines(&after),
            vec![
                "pending 2024-06-08T11:00:00+08:00  release instance (kept even if cured)",
                "pending 2024-06-08T11:00:00+08:00  purge data (kept even if cured)",
                "pending 2024-07-01T10:00:00+08:00  terminate",
            ],
            "{after}"
        );
    }
}

/// (action, cancelled_by, kept) of each pending entry of `eval`'s JSON.
fn json_pending(events: &str, at: &str) -> Vec<(String, Vec<String>, bool)> {
    let v: serde_json::Value = serde_json::from_str(&eval(events, at, "json")).expect("JSON");
    v["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| {
            let by = p["cancelled_by"]
                .as_array()
                .expect("cancelled_by")
                .iter()
                .map(|c| c.as_str().unwrap_or("?").to_string())
                .collect();
            let kept = p["kept"].as_bool().expect("kept is a boolean");
            (p["action"].as_str().unwrap_or("?").to_string(), by, kept)
        })
        .collect()
}

#[test]
fn eval_json_marks_kept_steps_and_lists_no_cure_for_them() {
    let p = |a: &str, by: &[&str], kept: bool| {
        (
            a.to_string(),
            by.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            kept,
        )
    };
    assert_eq!(
        json_pending(EVENTS, "2024-06-01T10:30:00+08:00"),
        vec![
            p("stop", &["settled"], false),
            p("release", &["settled"], false),
            p("purge", &["settled"], false),
            p("terminate", &[], false),
        ]
    );
    let kept = vec![
        p("release", &[], true),
        p("purge", &[], true),
        p("terminate", &[], false),
    ];
    assert_eq!(json_pending(EVENTS, "2024-06-02T00:00:00+08:00"), kept);
    assert_eq!(json_pending(PAID, "2024-06-04T00:00:00+08:00"), kept);
}

fn demo() -> Program {
    let (map, diags) = clausec::load::load_all(&[root().join(DEMO)]).expect("loads");
    Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks")
}

fn explained(events: &str, at: &str, style: Style) -> String {
    let program = demo();
    let m = program
        .select("ws", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let parsed = parse_events(events).expect("events parse");
    let timeline = m.timeline(&parsed).expect("known events");
    let at = clausec::eval::parse_instant(at)
        .expect("instant")
        .timestamp();
    let e = m.evaluate(&timeline, at).expect("evaluates");
    explain(&m, &parsed, &e, style).replace(&format!("{}/", root().display()), "")
}

#[test]
fn explain_says_which_pending_steps_a_cure_keeps() {
    insta::assert_snapshot!(explained(EVENTS, "2024-06-01T10:30:00+08:00", Style::Text));
    insta::assert_snapshot!(explained(PAID, "2024-06-04T00:00:00+08:00", Style::Text));
    insta::assert_snapshot!(explained(
        PAID,
        "2024-06-04T00:00:00+08:00",
        Style::Markdown
    ));
}

/// (due, verb, kept) of the machine's status (by the step API: `step` each
/// event, then `status`) and of the reference's outcome.
type Kept = Vec<(i64, String, bool)>;

fn kept_both(
    program: &Program,
    m: &Machine,
    events: &[(&str, &str, Option<&str>)],
    when: i64,
) -> (Kept, Kept) {
    let timeline: Vec<RefEvent> = events
        .iter()
        .map(|(t, e, amount)| RefEvent {
            at: clausec::eval::parse_instant(t)
                .expect("instant")
                .timestamp(),
            event: e.to_string(),
            amount: amount.map(|a| a.parse::<Decimal>().expect("amount")),
            until: None,
        })
        .collect();
    let mut st = m.new_account();
    for r in &timeline {
        let mut ev = m.event(&r.event, r.at).expect("event of the product");
        ev.amount = r.amount;
        m.step(&mut st, &ev).expect("steps");
    }
    let status = m.status(&st, when).expect("status");
    let mut got: Kept = status
        .pending
        .iter()
        .flat_map(|p| {
            m.ir.actions(p.step)
                .iter()
                .map(move |a| (p.due, a.verb.name().to_string(), p.kept))
        })
        .collect();
    let account = Account {
        product: m.ir.product.clone(),
        billing: m.ir.billing,
        variants: Vec::new(),
    };
    let o = reference::run(
        &program.agreements[0],
        &account,
        m.ir.reading,
        &timeline,
        when,
    )
    .expect("runs");
    let mut want: Kept = o
        .pending
        .iter()
        .map(|p| (p.due, p.verb.name().to_string(), p.kept))
        .collect();
    got.sort();
    want.sort();
    (got, want)
}

fn at(s: &str) -> i64 {
    clausec::eval::parse_instant(&format!("{s}:00+08:00"))
        .expect("instant")
        .timestamp()
}

/// The shipped shapes: the graphics workstation's release counted from the
/// stop (kept only once the stop has happened), and the DNS deletion
/// counted from expiry (kept from the start), on the step API and in the
/// reference.
#[test]
fn the_machine_and_the_reference_agree_on_what_a_cure_keeps() {
    let program = demo();
    let m = program
        .select("ws", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let arrears = ("2024-06-01T10:00:00+08:00", "arrears", Some("100.00"));
    let notice = ("2024-06-01T10:00:00+08:00", "provider_notice", None);
    let paid = ("2024-06-03T10:00:00+08:00", "payment", Some("100.00"));
    let part = ("2024-06-03T10:00:00+08:00", "payment", Some("40.00"));
    let release = at("2024-06-08T11:00");
    let terminate = at("2024-07-01T10:00");
    let k = |due: i64, verb: &str, kept: bool| (due, verb.to_string(), kept);
    let cases: Vec<(Vec<_>, i64, Kept)> = vec![
        (
            vec![arrears, notice],
            at("2024-06-01T10:30"),
            vec![
                k(at("2024-06-01T11:00"), "stop", false),
                k(release, "purge", false),
                k(release, "release", false),
                k(terminate, "terminate", false),
            ],
        ),
        (
            vec![arrears, notice],
            at("2024-06-02T00:00"),
            vec![
                k(release, "purge", true),
                k(release, "release", true),
                k(terminate, "terminate", false),
            ],
        ),
        // a part payment does not settle: the rule still runs, the release
        // is still kept
        (
            vec![arrears, notice, part],
            at("2024-06-04T00:00"),
            vec![
                k(release, "purge", true),
                k(release, "release", true),
                k(terminate, "terminate", false),
            ],
        ),
        // cured: the rule waits for its kept steps
        (
            vec![arrears, notice, paid],
            at("2024-06-04T00:00"),
            vec![
                k(release, "purge", true),
                k(release, "release", true),
                k(terminate, "terminate", false),
            ],
        ),
        // paid before the stop: nothing left of the rule
        (
            vec![
                arrears,
                notice,
                ("2024-06-01T10:30:00+08:00", "payment", Some("100.00")),
            ],
            at("2024-06-01T10:45"),
            vec![k(terminate, "terminate", false)],
        ),
    ];
    for (events, when, expected) in cases {
        let (got, want) = kept_both(&program, &m, &events, when);
        assert_eq!(want, expected, "reference, {events:?} at {when}");
        assert_eq!(got, expected, "machine, {events:?} at {when}");
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/even_if_cured");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let m = program
        .select("dns_2024", Some(Billing::Prepaid), Reading::CustomerSafe)
        .expect("compiles");
    let expiry = ("2024-06-01T10:00:00+08:00", "expiry", None);
    let (got, want) = kept_both(&program, &m, &[expiry], at("2024-06-02T00:00"));
    let expected = vec![
        // customer-safe: the end of each calendar day (the scenarios' instants)
        k(at("2024-06-09T00:00"), "release", false),
        k(at("2024-06-16T00:00"), "purge", true),
    ];
    assert_eq!(want, expected, "reference");
    assert_eq!(got, expected, "machine");
}
