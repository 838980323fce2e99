//! The order of one instant (review m9): deadlines due before an event fire
//! first, then the event, then the deadlines due at its instant. A payment
//! made at the very instant a period ends is within the period (it ends at
//! 24:00 of its last day, Civil Code Art. 203), so it cures before the
//! purge due then — under either reading, in one-shot evaluation, the
//! incremental API, the reference interpreter, the stream engine and the
//! generated code alike.

use clausec::eval::{Event, Program};
use clausec::model::{DataState, ServiceState};
use clausec::reference::{self, RefEvent};
use clausec::stream::catalog::Catalog;
use clausec::stream::{Options, Runner};
use clausec::vocab::{Billing, Reading};

const SRC: &str = r#"
product p "产品" §1 {
  billing postpaid
  resources data
  on arrears {
    after 24h suspend §1.1 quote "暂停"
    after 7d purge data §1.2 quote "删除"
    until payment then resume all
  }
  on expiry {
    at once notify §1.3 quote "通知"
  }
}
"#;

const T0: i64 = 1_717_207_200; // 2024-06-01T10:00:00+08:00
const H: i64 = 3_600;

fn rfc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .expect("instant")
        .to_rfc3339()
}

#[test]
fn a_payment_at_the_instant_a_deadline_falls_due_comes_first() {
    let program = Program::compile_str("p.clause", SRC).expect("checks");
    let purge_at = T0 + 24 * H + 7 * 24 * H;
    for reading in Reading::ALL {
        let m = program
            .select("p", Some(Billing::Postpaid), reading)
            .expect("compiles");
        for (paid, purged, suspended) in [
            (T0 + 24 * H, false, false), // at the suspension's instant
            (purge_at, false, true),     // at the purge's instant
            (purge_at + 1, true, true),  // a second late
        ] {
            let events = [
                m.event("arrears", T0).expect("event"),
                m.event("payment", paid).expect("event"),
            ];
            let e = m.evaluate(&events, purge_at + H).expect("evaluates");
            let r = m.report(&e);
            let fired: Vec<&str> = r.actions.iter().map(|a| a.action.as_str()).collect();
            assert_eq!(
                fired.contains(&"purge"),
                purged,
                "{reading:?} paid {paid}: {fired:?}"
            );
            assert_eq!(
                fired.contains(&"suspend"),
                suspended,
                "{reading:?} paid {paid}: {fired:?}"
            );
            let data = if purged {
                DataState::Purged
            } else {
                DataState::Retained
            };
            assert_eq!(r.data, data);
            // the reference interpreter agrees
            let refs: Vec<RefEvent> = [("arrears", T0), ("payment", paid)]
                .iter()
                .map(|&(event, at)| RefEvent {
                    at,
                    event: event.into(),
                    amount: None,
                    until: None,
                })
                .collect();
            let want = reference::evaluate(
                &program.agreements[0],
                "p",
                Billing::Postpaid,
                reading,
                &refs,
                purge_at + H,
            );
            assert_eq!(Ok(e), want, "{reading:?} paid {paid}");
            // step by step: the deadline at the payment's instant has not
            // fired when the payment comes
            let mut st = m.new_account();
            m.step(&mut st, &events[0]).expect("steps");
            let fired = m.step(&mut st, &events[1]).expect("steps");
            // only the cure's reported `resume` is at the payment's instant
            assert!(
                fired.iter().all(|f| f.at < paid || f.restored != 0),
                "{fired:?}"
            );
            assert_eq!(
                fired.iter().any(|f| f.restored != 0),
                suspended,
                "{fired:?}"
            );
        }
    }
}

/// The event's own `at once` steps fire at its instant, after it.
#[test]
fn an_events_own_immediate_steps_fire_after_it() {
    let program = Program::compile_str("p.clause", SRC).expect("checks");
    let m = program
        .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let mut st = m.new_account();
    let expiry: Event = m.event("expiry", T0).expect("event");
    let fired = m.step(&mut st, &expiry).expect("steps");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].at, T0);
    let status = m.status(&st, T0).expect("status");
    assert_eq!(status.service, ServiceState::Active);
}

/// The stream engine orders an instant the same way: a payment line at
/// the purge's instant saves the data, whatever other accounts do then.
#[test]
fn the_stream_engine_lets_the_payment_come_first() {
    let program = Program::compile_str("p.clause", SRC).expect("checks");
    let purge_at = T0 + 24 * H + 7 * 24 * H;
    let line = |account: &str, at: i64, event: &str| {
        format!(
            r#"{{"account":"{account}","product":"p","at":"{}","event":"{event}"}}"#,
            rfc(at)
        )
    };
    let lines = [
        line("saved", T0, "arrears"),
        line("lost", T0, "arrears"),
        line("saved", purge_at, "payment"),
        line("lost", purge_at + 1, "payment"),
    ];
    for shards in [1, 3] {
        let mut r = Runner::new(
            Catalog::new(program.clone(), Reading::CustomerSafe),
            Options {
                shards,
                until: Some(purge_at + H),
                ..Options::default()
            },
        );
        let mut out = r.push(&lines, false).output;
        out.push_str(&r.finish().output);
        let purges: Vec<&str> = out.lines().filter(|l| l.contains("\"purge\"")).collect();
        assert_eq!(purges.len(), 1, "{out}");
        assert!(purges[0].contains("\"lost\""), "{out}");
    }
}
