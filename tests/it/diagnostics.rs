//! One broken file per diagnostic code (`tests/ui/<code>_<name>.clause`):
//! each snapshot holds the file and the rendered diagnostics, and the file
//! must report its code. A second test checks the whole folder in one run,
//! as `clausec check tests/ui` does, and finds every code in its own file.
//! Examples with an `agreement` header of their own are each alone in
//! `tests/ui/headers/<code>/`. The codes that need an agreement text have their fixtures in
//! `tests/ui/with_text/` (one agreement with a text) and
//! `tests/ui/unreadable_source/`, snapshotted in `quotes.rs`.

use clausec::diagnostic::{Code, Diagnostic};
use clausec::model::{Anchor, Target, TimingKindM, Unit};
use clausec::source::SourceMap;
use std::collections::BTreeSet;
use std::path::Path;

/// The code a fixture is named after (`E0010_unknown_event.clause` → E0010).
fn code_of(path: &Path) -> Option<Code> {
    let stem = path.file_stem()?.to_str()?;
    let prefix = stem.split('_').next()?;
    Code::ALL.iter().copied().find(|c| c.as_str() == prefix)
}

/// Runs the front end on one file alone. Text is checked as held in memory
/// (so a lone product needs no header); a file that is not UTF-8 goes
/// through the loader, which is what reports it.
fn check_alone(path: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).expect("fixture readable");
    let name = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string();
    match String::from_utf8(bytes) {
        Ok(text) => {
            let mut map = SourceMap::new();
            map.add_str(&name, &text);
            let checked = clausec::frontend::front_end(&map, Vec::new());
            (map, checked.diagnostics)
        }
        Err(_) => {
            let relative = Path::new(&name).to_path_buf();
            let (map, load) = clausec::load::load_files(&[relative]).expect("loads");
            let checked = clausec::frontend::front_end(&map, load);
            (map, checked.diagnostics)
        }
    }
}

#[test]
fn every_ui_file_reports_its_code() {
    // The examples with a header of their own are each alone in a folder
    // (`headers/<code>/`): a folder is one agreement.
    insta::glob!("../ui", "{*.clause,headers/*/*.clause}", |path| {
        let Some(code) = code_of(path) else { return };
        let (map, diags) = check_alone(path);
        let rendered = clausec::render::to_string(&map, &diags);
        assert!(
            diags.iter().any(|d| d.code == code),
            "{} does not report {code}:\n{rendered}",
            path.display()
        );
        let source = String::from_utf8_lossy(&std::fs::read(path).expect("readable")).into_owned();
        insta::assert_snapshot!(format!("{source}\n--- diagnostics\n{rendered}"));
    });
}

#[test]
fn the_ui_folder_reports_every_code_in_one_run() {
    let dir = Path::new("tests/ui");
    let (map, load) = clausec::load::load_all(&[dir.to_path_buf()]).expect("folder loads");
    let checked = clausec::frontend::front_end(&map, load);
    let mut missing = Vec::new();
    for path in clausec::load::find_clause_files(&[dir.to_path_buf()]).expect("folder readable") {
        let Some(code) = code_of(&path) else { continue };
        let name = path.display().to_string();
        let found = checked.diagnostics.iter().any(|d| {
            d.code == code
                && d.primary
                    .as_ref()
                    .is_some_and(|p| map.name(p.span.file) == name)
        });
        if !found {
            missing.push(format!("{code} in {name}"));
        }
    }
    assert!(missing.is_empty(), "not reported: {missing:?}");
    let reported: BTreeSet<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    // Not representable as a file in a folder of files: E0003 (a 10 MB file,
    // generated in bad_input.rs) and E0004 (a folder with no clause files).
    for code in Code::ALL {
        if !matches!(code, Code::E0003 | Code::E0004) {
            assert!(reported.contains(code), "{code} never reported");
        }
    }
}

const CARD_PRODUCT: &str = r#"product x "设计卡" §1 {
  billing postpaid
  capabilities compute
  resources data
  on arrears after 24h suspend compute; after 15d purge
}
"#;

#[test]
fn the_design_card_line_checks_clean_inside_a_product() {
    let mut map = SourceMap::new();
    map.add_str("card.clause", CARD_PRODUCT);
    let checked = clausec::frontend::front_end(&map, Vec::new());
    let errors = checked.errors();
    assert!(
        errors.is_empty(),
        "{}",
        clausec::render::to_string(&map, &checked.diagnostics)
    );
    let agreement = &checked.agreements[0];
    assert_eq!(agreement.id, "anonymous");
    let rule = &agreement.product("x").expect("product x").rules[0];
    assert_eq!(rule.trigger, "arrears");
    let [suspend, purge] = rule.steps.as_slice() else {
        panic!("two steps expected, got {:?}", rule.steps)
    };
    assert_eq!(suspend.timing.kind, TimingKindM::After);
    assert_eq!(
        (suspend.timing.duration.count, suspend.timing.duration.unit),
        (24, Unit::Hours)
    );
    assert_eq!(suspend.timing.anchor, Anchor::Trigger);
    assert_eq!(suspend.actions[0].targets, vec![Target::Capability(1)]);
    // `after 15d` counts from the previous step; `purge` alone purges every resource.
    assert_eq!(
        (purge.timing.duration.count, purge.timing.duration.unit),
        (15, Unit::Days)
    );
    assert_eq!(purge.timing.anchor, Anchor::Step(0));
    assert_eq!(purge.actions[0].targets, vec![Target::Resource(0)]);
}

fn check_text(text: &str) -> clausec::check::Checked {
    let mut map = SourceMap::new();
    map.add_str("t.clause", text);
    clausec::frontend::front_end(&map, Vec::new())
}

#[test]
fn from_the_trigger_and_labels_resolve_and_general_rules_are_marked() {
    let checked = check_text(
        r#"general §3 {
  billing prepaid, postpaid
  on order [prepaid] after 7d void §3.2.1 quote "订单失效"
}
product m "MaxCompute" §16 {
  billing postpaid
  capabilities compute, download
  resources data
  on arrears [postpaid] {
    suspended: after 24h suspend compute, download §16.1.2 quote "暂停"
    after 15d from arrears or after 360h from suspended terminate and purge data §16.1.3
      quote "终止" note "two readings"
    until payment then resume compute, download
  }
}
"#,
    );
    let errors = checked.errors();
    assert!(errors.is_empty(), "{errors:?}");
    let a = &checked.agreements[0];
    let general = a.general.as_ref().expect("general terms");
    assert!(general.rules[0].general);
    assert_eq!(
        general.rules[0].billing,
        vec![clausec::vocab::Billing::Prepaid]
    );
    let rule = &a.products[0].rules[0];
    assert_eq!(rule.name, "m.arrears.postpaid#1");
    let purge = &rule.steps[1];
    assert_eq!(purge.timing.anchor, Anchor::Trigger);
    let alt = purge.alternative.expect("second reading");
    assert_eq!((alt.duration.count, alt.anchor), (360, Anchor::Step(0)));
}
