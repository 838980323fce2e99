//! `explain` output for shipped products, as snapshots: the events file,
//! the query and the rendered timeline together.

use clausec::eval::explain::{explain, Style};
use clausec::eval::{parse_events, Program};
use clausec::vocab::{Billing, Reading};
use std::path::PathBuf;

fn run(dir: &str, product: &str, billing: Billing, events: &str, at: &str, style: Style) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(dir);
    let (map, diags) =
        clausec::load::load_all(std::slice::from_ref(&path)).expect("clause files exist");
    let program = match Program::from_checked(clausec::frontend::front_end(&map, diags)) {
        Ok(p) => p,
        Err(d) => return format!("{dir} does not check: {} diagnostics", d.len()),
    };
    let m = program
        .select(product, Some(billing), Reading::CustomerSafe)
        .expect("product compiles");
    let parsed = parse_events(events).expect("events parse");
    let timeline = m.timeline(&parsed).expect("known events");
    let at = clausec::eval::parse_instant(at)
        .expect("instant")
        .timestamp();
    let e = m.evaluate(&timeline, at).expect("evaluates");
    let text = explain(&m, &parsed, &e, style);
    // file paths are absolute: keep them relative to the repository
    let text = text.replace(&format!("{}/", root.display()), "");
    format!(
        "events:\n{events}\nat: {}\n---\n{text}",
        m.format_instant(at)
    )
}

#[test]
fn tracing_postpaid_nobody_pays() {
    insta::assert_snapshot!(run(
        "clauses/tracing-2019",
        "tracing_analysis",
        Billing::Postpaid,
        r#"{"at": "2019-06-01T10:00:00+08:00", "event": "arrears", "amount": "100.00"}"#,
        "2019-06-08T12:00:00+08:00",
        Style::Text,
    ));
}

#[test]
fn tracing_prepaid_renews_during_hold() {
    insta::assert_snapshot!(run(
        "clauses/tracing-2019",
        "tracing_analysis",
        Billing::Prepaid,
        "{\"at\": \"2019-06-01T10:00:00+08:00\", \"event\": \"expiry\"}\n{\"at\": \"2019-06-05T09:00:00+08:00\", \"event\": \"renewal\"}",
        "2019-06-10T00:00:00+08:00",
        Style::Markdown,
    ));
}

#[test]
fn demo_two_readings_and_workday_window() {
    insta::assert_snapshot!(run(
        "tests/it/data/eval_demo.clause",
        "demo",
        Billing::Postpaid,
        r#"{"at": "2019-09-27T10:00:00+08:00", "event": "arrears", "amount": "80.00"}"#,
        "2019-10-20T00:00:00+08:00",
        Style::Text,
    ));
}

#[test]
fn support_plan_as_shipped() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (map, diags) =
        clausec::load::load_all(&[root.join("clauses/support-plan-2020")]).expect("exists");
    let Ok(program) = Program::from_checked(clausec::frontend::front_end(&map, diags)) else {
        return;
    };
    let m = program
        .select("support_plan", None, Reading::CustomerSafe)
        .expect("compiles");
    let dot = clausec::compile::dot::to_dot(&m.ir);
    assert!(dot.starts_with("digraph"));
    assert!(dot.contains("idle"));
}
