//! One meaning of a scenario's `expect` line for `clausec test` and
//! `clausec diff` (review D2: `expect … data purged` meant "any resource
//! purged" in `test` and "every resource" in `diff`).

use clausec::eval::Program;
use clausec::expect::{check, Expectation, Verdict};
use clausec::model::DataState;
use clausec::vocab::{Billing, Reading};

const SRC: &str = r#"
product p "产品" §1 {
  billing postpaid
  resources logs, instance
  on arrears {
    after 1h purge logs §1.1 quote "删除"
    after 2h purge instance §1.2 quote "删除"
  }
  scenario "data is every resource when none is called data" for p postpaid {
    2024-06-01T10:00 arrears
    expect at 2024-06-01T11:30 data retained
    expect at 2024-06-01T13:30 data purged
  }
}
product q "产品" §2 {
  billing postpaid
  resources data, instance
  on arrears {
    after 1h purge instance §2.1 quote "删除"
  }
  scenario "data is the resource called data" for q postpaid {
    2024-06-01T10:00 arrears
    expect at 2024-06-01T12:00 data retained
    expect at 2024-06-01T12:00 instance purged
  }
}
"#;

const T0: i64 = 1_717_207_200; // 2024-06-01T10:00:00+08:00

#[test]
fn data_means_the_same_to_test_diff_and_the_report() {
    let program = Program::compile_str("e.clause", SRC).expect("checks");
    // `clausec test`
    let outcomes = clausec::scenario::run_all(&program);
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        assert!(o.passed(), "{}: {:?}", o.name, o.failures);
        assert_eq!(o.checked, 2);
    }
    // `clausec diff` checks expectations by name through the same function
    let m = program
        .select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let events = [m.event("arrears", T0).expect("event")];
    let data = |at: i64, state| Expectation::Data { at, state };
    let half = T0 + 5_400;
    assert_eq!(
        check(&m, &events, &data(half, DataState::Retained)),
        Ok(Verdict::Holds)
    );
    let wrong = check(&m, &events, &data(half, DataState::Purged)).expect("evaluates");
    assert_eq!(
        wrong,
        Verdict::Fails {
            expected: "data purged at 2024-06-01T11:30:00+08:00".into(),
            actual: "data retained".into()
        }
    );
    // and the report's `data` field reads the same
    let e = m.evaluate(&events, half).expect("evaluates");
    assert_eq!(m.report(&e).data, DataState::Retained);
    let e = m.evaluate(&events, T0 + 4 * 3_600).expect("evaluates");
    assert_eq!(m.report(&e).data, DataState::Purged);
}
