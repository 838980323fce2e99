//! Unit tests of the built-in checks and of what the property search
//! shares with them.

use super::*;
use crate::eval::Program;
use crate::verify::{ActionPat, Prop};
use crate::vocab::Verb;
use crate::vocab::{Billing, Reading};

/// The findings of `product` in `text` (postpaid, customer-safe).
fn findings(text: &str, product: &str) -> Vec<(Check, String)> {
    let p = Program::compile_str("t.clause", text).expect("checks");
    let m = p
        .select(product, Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles");
    let a = &p.agreements[0];
    let prod = a.product(product).expect("product");
    let r = check(&m, a, prod, super::super::STATE_LIMIT);
    assert!(r.undecided.is_empty(), "{:?}", r.undecided);
    r.findings
        .into_iter()
        .map(|f| (f.check, f.message))
        .collect()
}

#[test]
fn a_restriction_while_in_arrears_is_what_a_cure_restores() {
    let text = r#"
product eci "弹性容器" §1 {
  billing postpaid
  capabilities new_instances
  while in arrears forbid new_instances §1.1
  on arrears {
    after 15d notify §1.2
    until payment then resume new_instances
  }
}
"#;
    assert_eq!(findings(text, "eci"), Vec::new());
    // without the restriction nothing restricts what the cure restores
    let bare = text.replace("  while in arrears forbid new_instances §1.1\n", "");
    let found = findings(&bare, "eci");
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Check::RestoresNothing && m.contains("new_instances")),
        "{found:?}"
    );
}

/// The property search sends the parts of a conjunctive cure too
/// (`reacting_events`): without them the cure never completes, and a
/// purge it stops was “proved” to follow every expiry.
#[test]
fn a_conjunctive_cure_is_searched_by_properties_too() {
    let text = r#"
product p "产品" §1 {
  billing prepaid
  resources data
  on expiry {
    after 7d purge data §1.1
    until renewal and order_paid
  }
}
"#;
    let program = Program::compile_str("t.clause", text).expect("checks");
    let m = program
        .select("p", Some(Billing::Prepaid), Reading::CustomerSafe)
        .expect("compiles");
    let id = |n: &str| m.ir.event_id(n).expect("event");
    let follows = Prop::Follows {
        action: ActionPat {
            verb: Verb::Purge,
            targets: Vec::new(),
        },
        after: vec![id("expiry")],
        unless: Vec::new(),
    };
    let out = super::super::verify(&m, &follows, super::super::STATE_LIMIT);
    let super::super::Verdict::Violated(c) = out.verdict else {
        panic!("{out:?}")
    };
    let sent: Vec<&str> = c.events.iter().map(|(_, e)| m.ir.event_name(*e)).collect();
    assert!(
        sent.contains(&"renewal") && sent.contains(&"order_paid"),
        "{sent:?}"
    );
}

#[test]
fn an_arrears_the_credit_covers_leaves_the_account_settled() {
    // no guard on the rule: an arrears the credit covers starts it with
    // the account settled, so the guarded purge can fire
    let text = r#"
product log "日志服务" §1 {
  billing postpaid
  resources data
  on arrears {
    after 15d purge data if settled §1.1
    until payment
  }
}
"#;
    assert_eq!(findings(text, "log"), Vec::new());
    let guarded = text.replace("on arrears {", "on arrears if in arrears {");
    let found = findings(&guarded, "log");
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == Check::NeverFires && m.contains("guard never holds")),
        "{found:?}"
    );
}
