//! What the status reports of a rule whose steps did not all fire (issue
//! #12 item 6, cure scope per step): a step a cure cancelled or whose guard
//! did not hold fired nothing, so the compiled machine lists no window,
//! right or obligation of it — before and after a kept (`even if cured`)
//! step has come — as the reference interpreter does.

use clausec::eval::{Machine, Program};
use clausec::reference::{self, Account, RefEvent};
use clausec::vocab::{Billing, Reading};
use std::path::Path;

fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
        .expect("instant")
        .timestamp()
}

/// (action, start, end) of every window the machine's status lists and of
/// every window the reference's lists, for `events` (instant, event) at `when`.
type Windows = Vec<(String, String, Option<String>)>;

fn windows(
    program: &Program,
    m: &Machine,
    events: &[(&str, &str)],
    when: &str,
) -> (Windows, Windows) {
    let timeline: Vec<RefEvent> = events
        .iter()
        .map(|(t, e)| RefEvent {
            at: at(t),
            event: e.to_string(),
            amount: None,
            until: None,
        })
        .collect();
    let mine: Vec<clausec::eval::Event> = timeline
        .iter()
        .map(|e| m.event(&e.event, e.at).expect("event of the product"))
        .collect();
    let report = m.report(&m.evaluate(&mine, at(when)).expect("evaluates"));
    let got = report
        .windows
        .iter()
        .map(|w| (w.action.clone(), w.start.clone(), w.end.clone()))
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
        at(when),
    )
    .expect("runs");
    let want = o
        .windows
        .iter()
        .map(|w| {
            (
                w.verb.name().to_string(),
                m.format_instant(w.start),
                w.end.map(|e| m.format_instant(e)),
            )
        })
        .collect();
    (got, want)
}

fn window(action: &str, start: &str, end: &str) -> (String, String, Option<String>) {
    (
        action.to_string(),
        format!("{start}:00+08:00"),
        Some(format!("{end}:00+08:00")),
    )
}

/// The 2024 DNS §29.3 shape (review row 1.7, `tests/lang/even_if_cured`):
/// `on calendar day 14 from expiry purge data if instance released even if
/// cured`. Renewed before the release: the cure cancels the release and the
/// kept deletion is skipped — no window is left once the deletion's day has
/// passed (the machine listed both). Renewed after the release: both fired,
/// both windows are listed (the case a cure back to idle broke).
#[test]
fn after_a_kept_step_only_the_windows_of_steps_that_fired_are_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/even_if_cured");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let m = program
        .select("dns_2024", Some(Billing::Prepaid), Reading::CustomerSafe)
        .expect("compiles");
    let release = window("release", "2024-06-08T00:00", "2024-06-09T00:00");
    let purge = window("purge", "2024-06-15T00:00", "2024-06-16T00:00");
    let cases = [
        ("2024-06-05T10:00", "2024-06-12T00:00", vec![]),
        ("2024-06-05T10:00", "2024-07-01T00:00", vec![]),
        (
            "2024-06-10T10:00",
            "2024-06-12T00:00",
            vec![release.clone()],
        ),
        ("2024-06-10T10:00", "2024-07-01T00:00", vec![release, purge]),
    ];
    for (renewal, when, expected) in cases {
        let events = [("2024-06-01T10:00", "expiry"), (renewal, "renewal")];
        let (got, want) = windows(&program, &m, &events, when);
        assert_eq!(want, expected, "reference, renewed {renewal}, at {when}");
        assert_eq!(got, expected, "machine, renewed {renewal}, at {when}");
    }
}

/// A guarded window step whose guard did not hold is skipped: it fired
/// nothing and has no window, while its rule still waits for a later step
/// (no cure involved). With the guard holding, the window is listed.
#[test]
fn a_skipped_step_has_no_window() {
    let src = r#"
product ws "工作站" §1 {
  billing postpaid
  resources instance
  on expiry [postpaid] {
    on calendar day 2 from expiry notify if in arrears §1.1 quote "通知"
    after 30d release instance §1.2 quote "释放"
  }
}
"#;
    let program = Program::compile_str("ws.clause", src).expect("checks");
    let m = program
        .select("ws", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let settled = [("2024-06-01T10:00", "expiry")];
    let (got, want) = windows(&program, &m, &settled, "2024-06-05T00:00");
    assert_eq!(want, vec![], "reference");
    assert_eq!(got, vec![], "machine");
    let in_arrears = [
        ("2024-05-30T10:00", "arrears"),
        ("2024-06-01T10:00", "expiry"),
    ];
    let (got, want) = windows(&program, &m, &in_arrears, "2024-06-05T00:00");
    let notify = window("notify", "2024-06-03T00:00", "2024-06-04T00:00");
    assert_eq!(want, vec![notify.clone()], "reference");
    assert_eq!(got, vec![notify], "machine");
}
