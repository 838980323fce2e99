//! The lib.rs example, as a crate that depends on clausec with
//! `default-features = false` would write it (src/lib.rs includes this
//! file as its doc example, so the two cannot drift apart).

fn main() {
    use clausec::{Billing, Program, Reading, Selection, StreamOptions, StreamRunner};

    let src = r#"
    product log "日志服务" §1 {
      billing postpaid
      capabilities writes
      resources data
      on arrears {
        suspended: after 24h suspend writes §1.1 quote "暂停"
        after 7d from suspended purge data §1.2 quote "删除"
        until payment then resume writes
      }
    }
    "#;
    let program = match Program::compile_str("log.clause", src) {
        Ok(p) => p,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("{d}"); // error[E…]: …
            }
            std::process::exit(1);
        }
    };
    // warnings of a successful check (here: no agreement text to quote from)
    assert!(program.warnings.iter().all(|w| !w.is_error()));
    let selection = Selection::default()
        .billing(Billing::Postpaid)
        .reading(Reading::CustomerSafe);
    let m = program.select_with("log", &selection).expect("compiles");

    let t0 = 1_717_207_200; // 2024-06-01T10:00:00+08:00
    let arrears = m.event("arrears", t0).expect("built-in event");

    // one shot
    let e = m.evaluate(&[arrears.clone()], t0 + 9 * 86_400).expect("evaluates");
    let report = m.report(&e);
    assert_eq!(report.actions[0].action, "suspend");
    assert_eq!(report.actions[0].at, "2024-06-02T10:00:00+08:00");
    assert_eq!(report.actions[1].action, "purge");
    assert_eq!(report.irreversible, vec!["data".to_string()]);

    // incremental: one small state per account, saved anywhere as JSON
    let mut account = m.new_account();
    assert!(m.step(&mut account, &arrears).expect("steps").is_empty());
    assert_eq!(m.next_deadline(&account).expect("own state"), Some(t0 + 86_400));
    let saved = serde_json::to_string(&account).expect("serialises");
    let mut account: clausec::AccountState = serde_json::from_str(&saved).expect("reads back");
    let fired = m.advance_to(&mut account, t0 + 2 * 86_400).expect("advances");
    assert_eq!(fired.len(), 1); // the suspension
    let step = m.report_step(&account, &fired, t0 + 2 * 86_400).expect("reports");
    assert_eq!(step.actions[0].targets, vec!["writes".to_string()]);
    let paid = m.event("payment", t0 + 2 * 86_400).expect("built-in event");
    m.step(&mut account, &paid).expect("steps");
    let now = m.status(&account, t0 + 30 * 86_400).expect("status");
    assert!(now.pending.is_empty()); // the purge was cancelled by the payment
    // a state of another machine is refused, never misread
    let earliest = program
        .select_with("log", &selection.reading(Reading::Earliest))
        .expect("compiles");
    assert!(matches!(
        earliest.status(&account, t0 + 30 * 86_400),
        Err(clausec::EvalError::State(_))
    ));

    // many accounts: NDJSON lines through the stream engine
    let mut runner = StreamRunner::from_program(program, Reading::CustomerSafe, StreamOptions::default());
    let line = r#"{"account":"a","product":"log","at":"2024-06-01T10:00:00+08:00","event":"arrears"}"#;
    let batch = runner.push(&[line], false);
    assert!(batch.errors.is_empty());
    let end = runner.finish();
    assert_eq!(end.output, ""); // nothing falls due before the last instant seen
}
