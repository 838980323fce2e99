//! `clausec graph`: what a reader needs is in the DOT (labels as written,
//! modality, file names without directories), and the picture Graphviz
//! draws from it has no label on top of another. The rendering check runs
//! where `dot` is installed (CI installs Debian's graphviz and fails here
//! if it is missing).

use clausec::eval::{Machine, Program};
use clausec::vocab::Reading;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::AGREEMENTS;

fn machines() -> Vec<Machine> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in AGREEMENTS {
        // an absolute path, as a user might give it: it must not show
        let (map, diags) = clausec::load::load_all(&[root.join(dir)]).expect("clause files exist");
        let program =
            Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
        for (_, product, billing, variants) in program.accounts() {
            let mut selection = clausec::Selection::default()
                .billing(billing)
                .reading(Reading::CustomerSafe);
            selection.variants = variants;
            out.push(program.select_with(product, &selection).expect("compiles"));
        }
    }
    out
}

#[test]
fn labels_say_what_the_file_says() {
    let all = machines();
    assert!(all.len() > 100, "every product × billing mode");
    let mut customer_may = 0;
    let mut labelled = 0;
    for m in &all {
        // labels are wrapped at spaces: read them unwrapped
        let dot = clausec::compile::dot::to_dot(&m.ir).replace("\\n", " ");
        let root = env!("CARGO_MANIFEST_DIR");
        assert!(!dot.contains(root), "an absolute path in {}", m.ir.product);
        assert!(!dot.contains("clauses/"), "a directory in {}", m.ir.product);
        for st in &m.ir.text.steps {
            if let Some(label) = &st.label {
                assert!(
                    dot.contains(&format!("\"{label}: ")),
                    "{}: step `{label}` is named as written",
                    m.ir.product
                );
                labelled += 1;
            }
        }
        customer_may += dot.matches("customer may ").count();
    }
    assert!(
        labelled > 10 && customer_may > 0,
        "{labelled} {customer_may}"
    );
}

#[test]
fn modality_and_anchor_names_are_kept() {
    let src = r#"
product p "P" §1 {
  billing postpaid
  capabilities writes
  resources data
  on arrears {
    grace: after 24h may suspend writes §1.1
    after 3 calendar days from grace customer may terminate §1.2
    after 7d purge data §1.3
    until payment then resume writes
  }
}
"#;
    let program = Program::compile_str("/somewhere/deep/p.clause", src).expect("checks");
    let m = program
        .select("p", None, Reading::CustomerSafe)
        .expect("compiles");
    let dot = clausec::compile::dot::to_dot(&m.ir).replace("\\n", " ");
    assert!(
        dot.contains("grace: provider may suspend writes §1.1"),
        "{dot}"
    );
    assert!(dot.contains("customer may terminate §1.2"), "{dot}");
    assert!(dot.contains("after 3 calendar days from grace"), "{dot}");
    // unlabelled, counted from the previous step as written
    assert!(dot.contains("label=\"after 7d\""), "{dot}");
    assert!(dot.contains("payment: cure, resume writes"), "{dot}");
    assert!(
        dot.contains("on arrears · p.clause:6: idle") && !dot.contains("/somewhere"),
        "{dot}"
    );
    assert!(
        dot.contains("peripheries=2"),
        "purge is drawn irreversible: {dot}"
    );
}

/// A text line Graphviz drew: its box in points and whose it is.
struct TextBox {
    owner: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    text: String,
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn text_boxes(owner: &str, ops: &serde_json::Value, out: &mut Vec<TextBox>) {
    let mut size = 14.0;
    for op in ops.as_array().into_iter().flatten() {
        match op["op"].as_str() {
            Some("F") => size = num(&op["size"]),
            Some("T") => {
                let (x, y, w) = (num(&op["pt"][0]), num(&op["pt"][1]), num(&op["width"]));
                let (x0, x1) = match op["align"].as_str() {
                    Some("l") => (x, x + w),
                    Some("r") => (x - w, x),
                    _ => (x - w / 2.0, x + w / 2.0),
                };
                out.push(TextBox {
                    owner: owner.to_string(),
                    x0,
                    x1,
                    y0: y - size * 0.2,
                    y1: y + size * 0.8,
                    text: op["text"].as_str().unwrap_or("").to_string(),
                });
            }
            _ => {}
        }
    }
}

fn overlaps(a: &TextBox, b: &TextBox) -> bool {
    const SLACK: f64 = 0.5;
    a.x0 + SLACK < b.x1 && b.x0 + SLACK < a.x1 && a.y0 + SLACK < b.y1 && b.y0 + SLACK < a.y1
}

#[test]
fn graphviz_draws_no_label_over_another() {
    let has_dot = Command::new("dot")
        .arg("-V")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs graphviz: `dot` must be there"
        );
        eprintln!("graphviz `dot` is not installed: rendering check skipped");
        return;
    }
    let mut checked = 0;
    for m in machines() {
        let dot = clausec::compile::dot::to_dot(&m.ir);
        let mut child = Command::new("dot")
            .arg("-Tjson")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("dot runs");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin.write_all(dot.as_bytes()).expect("dot reads");
        }
        let out = child.wait_with_output().expect("dot finishes");
        assert!(out.status.success(), "dot rejects {}", m.ir.product);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let mut boxes = Vec::new();
        text_boxes("graph", &json["_ldraw_"], &mut boxes);
        for (i, o) in json["objects"].as_array().into_iter().flatten().enumerate() {
            text_boxes(&format!("object {i}"), &o["_ldraw_"], &mut boxes);
        }
        for (i, e) in json["edges"].as_array().into_iter().flatten().enumerate() {
            text_boxes(&format!("edge {i}"), &e["_ldraw_"], &mut boxes);
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(
                    a.owner == b.owner || !overlaps(a, b),
                    "{} ({}): `{}` ({}) overlaps `{}` ({})",
                    m.ir.product,
                    m.ir.billing.name(),
                    a.text,
                    a.owner,
                    b.text,
                    b.owner
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 100);
}
