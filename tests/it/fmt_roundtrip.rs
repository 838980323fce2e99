//! `clausec fmt`: printing a parsed file and parsing it again gives the same
//! tree, and formatting is idempotent — on random programs and on every
//! shipped clause file.

use clausec::ast::FileId;
use clausec::{fmt, syntax};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// The tree without positions: spans differ between layouts by design.
fn shape(text: &str) -> Value {
    let file = match syntax::parse(FileId(0), text) {
        Ok(f) => f,
        Err(d) => panic!("does not parse: {}\n---\n{text}", d.message),
    };
    let mut v = serde_json::to_value(&file).unwrap_or(Value::Null);
    strip_spans(&mut v);
    v
}

fn strip_spans(v: &mut Value) {
    match v {
        Value::Object(map)
            if map.len() == 3
                && ["file", "start", "end"]
                    .iter()
                    .all(|k| map.contains_key(*k)) =>
        {
            *v = Value::Null;
        }
        Value::Object(map) => {
            map.retain(|k, _| !k.ends_with("span"));
            for x in map.values_mut() {
                strip_spans(x);
            }
        }
        Value::Array(xs) => xs.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

fn format(text: &str) -> String {
    let file = syntax::parse(FileId(0), text).unwrap_or_else(|d| panic!("{}", d.message));
    fmt::format_file(&file, text)
}

fn assert_round_trip(text: &str) {
    let once = format(text);
    assert_eq!(
        shape(text),
        shape(&once),
        "formatting changed the tree:\n{once}"
    );
    let twice = format(&once);
    assert_eq!(once, twice, "formatting is not idempotent");
}

#[test]
fn shipped_clause_files_round_trip() {
    let mut n = 0;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses");
    let files = clausec::load::find_clause_files(&[root]).unwrap_or_default();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if syntax::parse(FileId(0), &text).is_ok() {
            assert_round_trip(&text);
            n += 1;
        }
    }
    // The design card's line is always part of the check.
    assert_round_trip(
        "product x \"X\" §1 {\n on arrears after 24h suspend compute; after 15d purge\n}",
    );
    assert!(n > 0 || cfg!(miri), "no shipped clause file parsed");
}

#[test]
fn comments_are_kept() {
    let src = "// head\nproduct x \"X\" §1 { // trailing\n  billing postpaid // mode\n  // before rule\n  on arrears after 24h suspend compute\n  // end\n}\n// tail\n";
    let out = format(src);
    for c in [
        "// head",
        "// trailing",
        "// mode",
        "// before rule",
        "// end",
        "// tail",
    ] {
        assert!(out.contains(c), "lost `{c}`:\n{out}");
    }
    assert_eq!(out, format(&out));
}

// ------------------------------------------------------------ generators

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("compute".to_string()),
        Just("download".to_string()),
        Just("data".to_string()),
        Just("数据".to_string()),
        "[a-z][a-z0-9_]{0,6}".prop_filter("not a keyword", |s| !syntax::is_reserved(s)),
    ]
}

fn string_lit() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"欠费24小时届满\"".to_string()),
        Just("\"a \\\"quoted\\\" word\"".to_string()),
        "[a-z 。，]{0,12}".prop_map(|s| format!("\"{s}\"")),
    ]
}

fn duration() -> impl Strategy<Value = String> {
    (
        1u32..1000,
        prop_oneof![
            Just("h"),
            Just("d"),
            Just("min"),
            Just(" calendar days"),
            Just(" workdays"),
            Just(" months"),
            Just(" month"),
            Just(" calendar months"),
            Just(" calendar month"),
            Just(" hours")
        ],
    )
        .prop_map(|(n, u)| format!("{n}{u}"))
}

fn timing() -> impl Strategy<Value = String> {
    let from = proptest::option::of(ident())
        .prop_map(|f| f.map_or(String::new(), |f| format!(" from {f}")));
    (
        prop_oneof![
            Just("at once".to_string()),
            duration().prop_map(|d| format!("after {d}")),
            duration().prop_map(|d| format!("within {d}")),
            duration().prop_map(|d| format!("before {d}")),
            (1u32..40).prop_map(|n| format!("on calendar day {n}")),
            (1u32..40).prop_map(|n| format!("on hour {n}")),
        ],
        from,
    )
        .prop_map(|(t, f)| format!("{t}{f}"))
}

fn action() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("suspend"),
            Just("purge"),
            Just("release"),
            Just("notify"),
            Just("stop"),
            Just("pay")
        ],
        proptest::collection::vec(ident(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(v, ts, amount)| {
            if amount {
                format!("{v} 500000.00 CNY")
            } else if ts.is_empty() {
                v.to_string()
            } else {
                format!("{v} {}", ts.join(", "))
            }
        })
}

/// `if in arrears and compute suspended`.
fn guard() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("in arrears".to_string()),
            Just("settled".to_string()),
            (ident(), ident()).prop_map(|(a, b)| format!("{a} {b}")),
        ],
        1..3,
    )
    .prop_map(|c| format!(" if {}", c.join(" and ")))
}

/// `[postpaid, monthly]`.
fn filter() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("postpaid".to_string()),
            Just("prepaid".to_string()),
            ident()
        ],
        1..3,
    )
    .prop_map(|f| format!(" [{}]", f.join(", ")))
}

fn step() -> impl Strategy<Value = String> {
    (
        proptest::option::of(ident()),
        timing(),
        proptest::option::of(timing()),
        prop_oneof![
            Just(""),
            Just(" will"),
            Just(" may"),
            Just(" customer may"),
            Just(" customer must")
        ],
        proptest::collection::vec(action(), 1..3),
        (
            proptest::option::of(guard()),
            any::<bool>(),
            proptest::option::of("[1-9](\\.[1-9]){0,3}"),
        ),
        proptest::option::of(string_lit()),
        proptest::option::of(string_lit()),
    )
        .prop_map(
            |(label, t, alt, m, acts, (guard, cured, cite), quote, note)| {
                let mut s = String::new();
                if let Some(l) = label {
                    s.push_str(&format!("{l}: "));
                }
                s.push_str(&t);
                if let Some(a) = alt {
                    s.push_str(&format!(" or {a}"));
                }
                s.push_str(m);
                s.push(' ');
                s.push_str(&acts.join(" and "));
                if let Some(g) = guard {
                    s.push_str(&g);
                }
                if cured {
                    s.push_str(" even if cured");
                }
                if let Some(c) = cite {
                    s.push_str(&format!(" §{c}"));
                }
                if let Some(q) = quote {
                    s.push_str(&format!("\n   quote {q}"));
                }
                if let Some(n) = note {
                    s.push_str(&format!(" note {n}"));
                }
                s
            },
        )
}

/// `until renewal and settled, termination then resume all §1 quote "…"`.
fn cure() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![3 => ident(), 1 => Just("settled".to_string())],
                1..3,
            )
            .prop_map(|parts| parts.join(" and ")),
            1..3,
        ),
        proptest::option::of(prop_oneof![Just("all".to_string()), ident()]),
        proptest::option::of("[1-9](\\.[1-9]){0,2}"),
        proptest::option::of(string_lit()),
    )
        .prop_map(|(alts, r, cite, quote)| {
            let mut s = format!(" until {}", alts.join(", "));
            if let Some(r) = r {
                s.push_str(&format!(" then resume {r}"));
            }
            if let Some(c) = cite {
                s.push_str(&format!(" §{c}"));
            }
            if let Some(q) = quote {
                s.push_str(&format!(" quote {q}"));
            }
            s
        })
}

fn rule() -> impl Strategy<Value = String> {
    (
        ident(),
        proptest::option::of(prop_oneof![
            Just("[postpaid, prepaid]".to_string()),
            filter()
        ]),
        proptest::collection::vec(step(), 1..4),
        proptest::option::of(cure()),
        any::<bool>(),
        proptest::option::of(prop_oneof![
            Just(" yields".to_string()),
            Just(" replaces §3.4.1".to_string()),
            Just(" replaces §3, §5.1".to_string()),
        ]),
        proptest::option::of(guard()),
    )
        .prop_map(
            |(trigger, billing, steps, cure, block, precedence, guard)| {
                let cure = cure.unwrap_or_default();
                let billing = format!(
                    "{}{}{}",
                    billing.unwrap_or_default(),
                    precedence.unwrap_or_default(),
                    guard.unwrap_or_default()
                );
                if block {
                    format!(
                        "on {trigger} {billing} {{\n    {}\n   {cure}\n  }}",
                        steps.join("\n    ")
                    )
                } else {
                    format!("on {trigger}{billing} {}{cure}", steps.join("; "))
                }
            },
        )
}

fn body_item() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("billing prepaid, postpaid".to_string()),
        proptest::collection::vec(ident(), 1..3)
            .prop_map(|v| format!("capabilities {}", v.join(", "))),
        proptest::collection::vec(ident(), 1..3).prop_map(|v| format!("resources {}", v.join(","))),
        rule(),
        rule(),
        Just(
            "late_fee may 0.05% per day of arrears from next_day §3.4 quote \"万分之五\""
                .to_string()
        ),
        Just("liability_cap fees_paid 12 months before breach §10.6".to_string()),
        Just("refund unused prepaid prorated by month, part_month by day".to_string()),
        Just("refund_window 7d from purchase".to_string()),
        money_term(),
        proptest::collection::vec(ident(), 1..3).prop_map(|v| format!(
            "variants {}: {}",
            v[0],
            v.join(", ")
        )),
        (proptest::option::of(filter()), action()).prop_map(|(f, a)| format!(
            "while in arrears{} {a} §23.2 quote \"服务处于欠费状态时\"",
            f.unwrap_or_default()
        )),
        string_lit().prop_map(|s| format!("ignore §4.10 {s}")),
        Just("// a comment".to_string()),
        scenario(),
    ]
}

/// The money terms with filters, causes and conditions.
fn money_term() -> impl Strategy<Value = String> {
    (
        proptest::option::of(filter()),
        proptest::collection::vec(ident(), 0..3),
        0u8..5,
        proptest::option::of(string_lit()),
    )
        .prop_map(|(f, causes, kind, quote)| {
            let f = f.unwrap_or_default();
            let causes = if causes.is_empty() {
                String::new()
            } else {
                format!(" on {}", causes.join(", "))
            };
            let mut s = match kind {
                0 => format!("no_refund{f}{causes}"),
                1 => format!("refund{f} unused prepaid{causes}"),
                2 => {
                    format!("refund{f} unused prepaid prorated by month, part_month by day{causes}")
                }
                3 => format!("refund_window{f} 5d from purchase unless review_submitted"),
                _ => format!("late_fee{f} may 0.05% per day of arrears from next_day"),
            };
            if let Some(q) = quote {
                s.push_str(&format!(" quote {q}"));
            }
            s
        })
}

fn scenario() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("2024-06-01T10:00 arrears 120.00 CNY".to_string()),
            Just("2024-01-15T10:00 purchase 1200.00 CNY until 2025-01-15T10:00".to_string()),
            Just("2024-06-02T10:00:00+08:00 payment note \"paid\"".to_string()),
            Just("expect 2024-06-02T10:00 suspend compute, download".to_string()),
            Just("expect no purge data before 2024-07-01T00:00".to_string()),
            Just("expect at 2024-06-03T00:00 compute suspended".to_string()),
            Just("expect at 2024-06-03T00:00 obligation late_fee 0.24 CNY".to_string()),
            Just("expect at 2024-06-03T00:00 window stop open".to_string()),
        ],
        0..5,
    )
    .prop_map(|lines| {
        format!(
            "scenario \"s\" for x postpaid yearly {{\n reading earliest\n  {}\n}}",
            lines.join("\n    ")
        )
    })
}

fn file() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(body_item(), 0..6)),
            1..3,
        ),
    )
        .prop_map(|(header, blocks)| {
            let mut s = String::new();
            if header {
                s.push_str("agreement a \"协议\" { version \"1\" effective 2024-05-15 zone Asia/Shanghai source \"x.txt\" calendar \"../cal/cn_2027.txt\" }\n");
            }
            for (general, items) in blocks {
                if general {
                    s.push_str("general §3 {\n");
                } else {
                    s.push_str("product x \"产品\" §16 {\n");
                }
                for i in items {
                    s.push_str("  ");
                    s.push_str(&i);
                    s.push('\n');
                }
                s.push_str("}\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn printing_then_parsing_gives_the_same_tree(src in file()) {
        assert_round_trip(&src);
    }
}

/// Found by the fuzzer: comments plus a line of whitespace that `str::trim`
/// does not know (a BOM) parsed as a file with no items, and formatting it
/// gave a file reported as empty. A file with no item is empty, however
/// its whitespace is spelled.
#[test]
fn comments_and_exotic_whitespace_alone_are_an_empty_file() {
    for text in ["// a\n\u{FEFF}\n// b\n", "\u{3000}\n", "// only\n"] {
        let err = syntax::parse(FileId(0), text).expect_err("no item");
        assert_eq!(err.code, clausec::diagnostic::Code::E0005, "{text:?}");
    }
}

/// Every form of the account-state language (issue #12) in one file, in
/// the layout `clausec fmt` writes: it must come back unchanged.
#[test]
fn the_account_state_forms_round_trip_unchanged() {
    let text = r#"agreement a "协议" {
  zone Asia/Shanghai
  calendar "../cal/cn_2027.txt"
}

general §3 {
  billing prepaid, postpaid
  variants term: monthly, yearly

  while in arrears [postpaid] forbid new_instances §23.2
    quote "服务处于欠费状态时，您不能再创建新的实例"
  no_refund on package_used_up §14.1
  refund unused prepaid on provider_termination §3.4.4
  refund [prepaid, yearly] unused prepaid prorated by month, part_month by day on attack_termination §3.4.4
    quote "按月份计算（不足一个月的按天计）"
  refund_window [prepaid] 5d from purchase unless review_submitted §58.1
  late_fee [postpaid] may 0.05% per day of arrears from next_day §5.2

  on arrears yields at once may notify §5.1

  on grace_end [postpaid] if in arrears and compute suspended {
    suspended: at once suspend service §1.1
    after 15 calendar days from suspended or after 6 calendar months from arrears terminate and purge data if in arrears §1.2
    on hour 12 from suspended notify even if cured
    within 5 workdays customer must pay 500000.00 CNY §66.6
    until renewal and settled, termination then resume all §17.1.5
      quote "续费并足以支付"
  }

  on expiry [prepaid, monthly] replaces §3.4.1, §3.4.2 at once stop service; after 7d release instance even if cured until settled

  scenario "yearly" for nat_gateway prepaid yearly {
    2024-06-01T10:00 expiry
  }
}
"#;
    assert_round_trip(text);
    assert_eq!(format(text), text);
}
