//! `late_fee at most <rate> per day of arrears` on a copy of the MaxCompute
//! 2018 agreement: the general late fee keeps to the text's rate for every
//! product; a fee raised above it, or counted from the arrears instant, is
//! refuted with a scenario that `clausec test` fails on the fee owed.

use std::path::{Path, PathBuf};

use crate::support::{clausec, copy_agreement};

/// A copy of maxcompute-2018 (with its text) whose general late fee is
/// written `late_fee` instead of the shipped one.
fn copy_with(late_fee: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, agreement) = copy_agreement("maxcompute-2018");
    let general = agreement.join("general.clause");
    let old = std::fs::read_to_string(&general).expect("read");
    let shipped = "late_fee may 0.05% per day of arrears from next_day §3.4";
    assert!(old.contains(shipped), "the shipped late fee");
    std::fs::write(&general, old.replace(shipped, late_fee)).expect("write");
    (dir, agreement)
}

/// The late-fee bound's rows: (result, billing, reading, scenario).
fn bound_rows(dir: &Path) -> Vec<(String, String, String, String)> {
    let out = clausec(&["verify", "--format", "json", &dir.display().to_string()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows: Vec<_> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["property"] == "late_fee at most 0.05% per day of arrears")
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("result"), s("billing"), s("reading"), s("scenario"))
        })
        .collect();
    // both billing modes of the product, both readings
    assert_eq!(rows.len(), 2 * 2, "{rows:?}");
    rows
}

#[test]
fn the_general_late_fee_keeps_to_the_texts_rate_for_every_product() {
    let (_dir, agreement) = copy_with("late_fee may 0.05% per day of arrears from next_day §3.4");
    for (result, billing, reading, _) in bound_rows(&agreement) {
        assert_eq!(result, "proved", "{billing} {reading}");
    }
}

#[test]
fn a_fee_above_the_texts_rate_or_counted_from_the_arrears_instant_is_refuted() {
    for (term, owed) in [
        // 0.06 % of 1 000.01 for the day after the arrears
        (
            "late_fee may 0.06% per day of arrears from next_day §3.4",
            "0.60",
        ),
        // the first 24 h from the arrears instant end inside a day
        (
            "late_fee may 0.05% per day of arrears from arrears §3.4",
            "0.50",
        ),
    ] {
        let (_dir, agreement) = copy_with(term);
        let rows = bound_rows(&agreement);
        let product = agreement.join("maxcompute.clause");
        for (result, billing, reading, scenario) in rows {
            assert_eq!(result, "violated", "{term}: {billing} {reading}");
            assert!(
                scenario.contains(" arrears 1000.00 CNY\n")
                    && scenario.contains(" obligation late_fee "),
                "{scenario}"
            );
            // pasted into the product, `clausec test` fails on the fee owed
            let old = std::fs::read_to_string(&product).expect("read");
            let end = old.rfind('}').expect("the product's end");
            let indented: String = scenario.lines().map(|l| format!("  {l}\n")).collect();
            std::fs::write(
                &product,
                format!("{}{indented}{}", &old[..end], &old[end..]),
            )
            .expect("write");
            let out = clausec(&[
                "test",
                "--filter",
                "verify: late_fee",
                &product.display().to_string(),
            ]);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert_eq!(out.status.code(), Some(1), "{stdout}");
            assert!(
                stdout.contains("expected: obligation `late_fee`")
                    && stdout.contains(&format!("actual:   `late_fee` {owed}")),
                "{term}: {stdout}"
            );
            std::fs::write(&product, old).expect("restore");
        }
    }
}

/// The codes `text` is refused with, in order.
fn codes(text: &str) -> Vec<String> {
    match clausec::eval::Program::compile_str("t.clause", text) {
        Ok(_) => Vec::new(),
        Err(ds) => ds
            .iter()
            .filter(|d| d.severity == clausec::diagnostic::Severity::Error)
            .map(|d| d.code.as_str().to_string())
            .collect(),
    }
}

#[test]
fn a_bound_in_the_general_terms_is_every_products_and_holds_money_only() {
    let general = |items: &str| {
        format!(
            "general §1 {{\n  billing postpaid\n  late_fee 0.05% per day of arrears from next_day §1.1\n  verify {{\n{items}\n  }}\n}}\nproduct p \"产品\" §2 {{\n  billing postpaid\n}}\n"
        )
    };
    let ok = general("    late_fee at most 0.05% per day of arrears");
    let program = clausec::eval::Program::compile_str("t.clause", &ok).expect("checks");
    let p = program.agreements[0].product("p").expect("product");
    assert_eq!(p.properties.len(), 1);
    assert_eq!(
        p.properties[0].text,
        "late_fee at most 0.05% per day of arrears"
    );
    // a rate per month, and a property about actions, are E0051 there
    assert_eq!(
        codes(&general("    late_fee at most 1% per month of arrears")),
        ["E0051"]
    );
    assert_eq!(
        codes(&general("    no suspend before 1d from arrears")),
        ["E0051"]
    );
    // with no late fee anywhere the bound is E0052
    let bare = ok.replace(
        "  late_fee 0.05% per day of arrears from next_day §1.1\n",
        "",
    );
    assert_eq!(codes(&bare), ["E0052"]);
}
