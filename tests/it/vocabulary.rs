//! The vocabulary table is the one owner of what a verb does: an action
//! written without targets acts on exactly the targets every output names
//! (review D1), general rules reach the product's capabilities by name, and
//! the reference interpreter, reading the same table, agrees.

use clausec::eval::{Machine, Program, Report};
use clausec::model::{CapabilityState, ResourceState, ServiceState};
use clausec::reference::{self, RefEvent};
use clausec::vocab::{Billing, Reading};

const T0: i64 = 1_717_207_200; // 2024-06-01T10:00:00+08:00
const H: i64 = 3_600;

fn machine(src: &str, product: &str) -> (Program, Machine) {
    let program = Program::compile_str("v.clause", src).expect("checks");
    let m = program
        .select(product, Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    (program, m)
}

/// The report at `at` after arrears at `T0`, checked against the reference
/// interpreter on the way.
fn arrears_report(program: &Program, m: &Machine, at: i64) -> Report {
    let arrears = m.event("arrears", T0).expect("built-in event");
    let e = m
        .evaluate(std::slice::from_ref(&arrears), at)
        .expect("evaluates");
    let refs = [RefEvent {
        at: T0,
        event: "arrears".into(),
        amount: None,
        until: None,
    }];
    let want = reference::evaluate(
        &program.agreements[0],
        &m.ir.product,
        Billing::Postpaid,
        Reading::CustomerSafe,
        &refs,
        at,
    );
    assert_eq!(Ok(e.clone()), want, "the reference disagrees");
    m.report(&e)
}

fn acts(r: &Report) -> Vec<(String, Vec<String>)> {
    r.actions
        .iter()
        .map(|a| (a.action.clone(), a.targets.clone()))
        .collect()
}

/// D1: `freeze` and `release` without targets were reported with no targets
/// while `service` ended suspended and `data` released.
#[test]
fn actions_without_targets_report_the_targets_they_act_on() {
    let src = r#"
product p "产品" §1 {
  billing postpaid
  capabilities writes, reads
  resources data, backups
  on arrears {
    after 1h freeze §1.1 quote "冻结"
    after 1h forbid §1.2 quote "禁止"
    after 1h read_only §1.3 quote "只读"
    after 1h release §1.4 quote "释放"
    after 1h resume §1.5 quote "恢复"
    after 1h stop §1.6 quote "停止"
    after 1h purge §1.7 quote "删除"
  }
}
"#;
    let (program, m) = machine(src, "p");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let every_cap = s(&["service", "writes", "reads"]);
    let every_res = s(&["data", "backups"]);
    let r = arrears_report(&program, &m, T0 + 8 * H);
    assert_eq!(
        acts(&r),
        vec![
            ("freeze".into(), s(&["service"])),
            ("forbid".into(), s(&["service"])),
            ("read_only".into(), s(&["service"])),
            ("release".into(), every_res.clone()),
            ("resume".into(), every_cap),
            ("stop".into(), s(&["service"])),
            ("purge".into(), every_res),
        ]
    );
    // the state after each step is what its reported targets say
    let at = |h: i64| arrears_report(&program, &m, T0 + h * H);
    let after_freeze = at(1);
    assert_eq!(after_freeze.service, ServiceState::Suspended);
    assert_eq!(after_freeze.capabilities["writes"], CapabilityState::Active);
    let after_release = at(4);
    assert_eq!(after_release.resources["data"], ResourceState::Released);
    assert_eq!(after_release.resources["backups"], ResourceState::Released);
    assert_eq!(after_release.service, ServiceState::Active); // read_only reads active
    let after_resume = at(5);
    assert_eq!(after_resume.service, ServiceState::Active);
    assert_eq!(after_resume.capabilities["writes"], CapabilityState::Active);
    let end = at(8);
    assert_eq!(end.service, ServiceState::Stopped);
    assert_eq!(end.irreversible, s(&["backups", "data"]));
    assert_eq!(end.resources["data"], ResourceState::Purged);
}

/// A general rule names the general terms' capabilities: it reaches the
/// product's capability of the same name wherever the product lists it.
#[test]
fn general_rules_reach_the_product_capabilities_by_name() {
    let src = r#"
general §1 {
  billing postpaid
  capabilities writes
  resources data
  on arrears {
    after 1h suspend writes §1.1 quote "暂停"
    after 2h purge §1.2 quote "删除"
  }
}
product p "产品" §2 {
  billing postpaid
  capabilities reads, writes
  resources logs, data
}
"#;
    let (program, m) = machine(src, "p");
    let r = arrears_report(&program, &m, T0 + 3 * H);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        acts(&r),
        vec![
            ("suspend".into(), s(&["writes"])),
            ("purge".into(), s(&["data"])),
        ]
    );
    assert_eq!(r.capabilities["writes"], CapabilityState::Suspended);
    assert_eq!(r.capabilities["reads"], CapabilityState::Active);
    assert_eq!(r.resources["logs"], ResourceState::Retained);
    assert_eq!(r.resources["data"], ResourceState::Purged);
}
