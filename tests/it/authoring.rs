//! The findings of the authoring review (`../shared/review/authoring.md`,
//! “Diagnostics”), one test each: what an author who makes the mistake is
//! told, and that it never misleads — no suggestion that changes the
//! meaning, no follow-up error caused by an earlier one.

use clausec::diagnostic::{Code, Diagnostic};
use clausec::source::SourceMap;
use std::path::{Path, PathBuf};

/// Checks clause text held in memory (no header needed).
fn check_text(text: &str) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    map.add_str("t.clause", text);
    let checked = clausec::frontend::front_end(&map, Vec::new());
    (map, checked.diagnostics)
}

/// Writes `files` into a fresh directory and checks it as `clausec check
/// DIR` does (the agreement text is loaded from the header's `source`).
fn check_dir(files: &[(&str, &str)]) -> (SourceMap, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let (map, load) = clausec::load::load_all(&[dir.path().to_path_buf()]).expect("loads");
    let checked = clausec::frontend::front_end(&map, load);
    (map, checked.diagnostics)
}

fn text_2024() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/sources/001_d4f4375b80599d2d.txt")
}

fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

fn only(diags: &[Diagnostic], code: Code) -> &Diagnostic {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "one {code} expected: {diags:#?}");
    found[0]
}

const PRODUCT_HEAD: &str =
    "product p \"测试\" §1 {\n  billing postpaid\n  capabilities compute\n  resources data\n";

#[test]
fn a_day_in_chinese_is_never_suggested_as_hours() {
    for unit in ["天", "日"] {
        let text = format!(
            "{PRODUCT_HEAD}  on arrears after 7{unit} suspend compute §1.1 quote \"q\"\n}}\n"
        );
        let (_, diags) = check_text(&text);
        let d = only(&diags, Code::E0016);
        let s = d.suggestion.as_ref().expect("a suggestion");
        assert_eq!(s.replacement, "7 calendar days", "{d:#?}");
        assert!(!s.safe, "d or calendar days is the author's choice: {d:#?}");
        let help = d.help.as_deref().unwrap_or("");
        assert!(help.contains("`7d` is exactly 7 × 24 hours"), "{help}");
        assert!(!help.contains("`h`?"), "{help}");
    }
}

#[test]
fn a_day_in_chinese_gets_the_agreements_own_definition() {
    let header = format!(
        "agreement a \"A\" {{\n  zone Asia/Shanghai\n  source \"{}\"\n}}\n",
        text_2024().display()
    );
    let product =
        format!("{PRODUCT_HEAD}  on arrears after 7日 suspend compute §1.1 quote \"q\"\n}}\n");
    let (_, diags) = check_dir(&[("agreement.clause", &header), ("p.clause", &product)]);
    let d = only(&diags, Code::E0016);
    let help = d.help.as_deref().unwrap_or("");
    assert!(help.contains("`§14.4.13`"), "{help}");
    assert!(
        help.contains("除非另有说明，本协议正文及其附件中所有的“日”、“天”均为自然日。"),
        "{help}"
    );
}

#[test]
fn a_unit_in_other_words_of_one_meaning_is_a_safe_suggestion() {
    for (unit, want) in [
        ("小时", "h"),
        ("hours", "h"),
        ("自然日", "calendar days"),
        ("工作日", "workdays"),
        ("ｈ", "h"),
    ] {
        let text = format!(
            "{PRODUCT_HEAD}  on arrears after 7{unit} suspend compute §1.1 quote \"q\"\n}}\n"
        );
        let (_, diags) = check_text(&text);
        let s = only(&diags, Code::E0016)
            .suggestion
            .clone()
            .expect("suggestion");
        assert_eq!((s.replacement.as_str(), s.safe), (want, true), "{unit}");
    }
}

#[test]
fn a_zone_alias_is_suggested_as_the_same_zone() {
    let text = "agreement a \"A\" {\n  zone Asia/Beijing\n}\n";
    let (_, diags) = check_text(text);
    let d = only(&diags, Code::E0026);
    let s = d.suggestion.as_ref().expect("suggestion");
    assert_eq!((s.replacement.as_str(), s.safe), ("Asia/Shanghai", true));
    // A zone that merely shares a prefix is no suggestion at all.
    let (_, diags) = check_text("agreement a \"A\" {\n  zone Asia/Nowhere\n}\n");
    let d = only(&diags, Code::E0026);
    assert!(d.suggestion.is_none(), "{d:#?}");
}

#[test]
fn the_json_says_whether_a_suggestion_is_safe_and_where_it_goes() {
    let text =
        format!("{PRODUCT_HEAD}  on arrears after 7小时 suspend compot §1.1 quote \"q\"\n}}\n");
    let (map, diags) = check_text(&text);
    let json: serde_json::Value =
        serde_json::from_str(&clausec::render::to_json(&map, &diags)).expect("json");
    let by_code = |c: &str| {
        json.as_array()
            .and_then(|a| a.iter().find(|d| d["code"] == c))
            .cloned()
            .unwrap_or_default()
    };
    let unit = &by_code("E0016")["suggestion"];
    assert_eq!(unit["replacement"], "h");
    assert_eq!(unit["safe"], true);
    assert_eq!(
        (unit["line"].as_u64(), unit["column"].as_u64()),
        (Some(5), Some(21))
    );
    assert_eq!(unit["end_column"].as_u64(), Some(23));
    let typo = &by_code("E0011")["suggestion"];
    assert_eq!(typo["replacement"], "compute");
    assert_eq!(typo["safe"], false);
}

#[test]
fn a_misspelt_trigger_gives_no_follow_up_unknown_anchor() {
    let text = format!(
        "{PRODUCT_HEAD}  on arrear {{\n    after 24h suspend compute §1.1 quote \"q\"\n    after 15d from arrears purge data §1.2 quote \"r\"\n  }}\n}}\n"
    );
    let (_, diags) = check_text(&text);
    assert_eq!(codes(&diags), ["E0010"], "{diags:#?}");
}

#[test]
fn a_bad_billing_line_gives_no_follow_up_billing_errors() {
    let text = "product p \"测试\" §1 {\n  billing postpayed\n  capabilities compute\n  on arrears [postpaid] after 24h suspend compute §1.1 quote \"q\"\n  on expiry [postpaid] after 24h suspend compute §1.1 quote \"q\"\n  scenario \"s\" for p postpaid {\n    2024-06-01T10:00 arrears\n  }\n  scenario \"t\" for p {\n    2024-06-01T10:00 arrears\n  }\n}\n";
    let (_, diags) = check_text(text);
    assert_eq!(codes(&diags), ["E0014"], "{diags:#?}");
}

#[test]
fn a_misspelt_verb_gives_no_false_irreversible_warning() {
    let text = format!(
        "{PRODUCT_HEAD}  on expiry {{\n    at once frezee compute §1.1 quote \"q\"\n    after 7d release data §1.2 quote \"r\"\n    after 7d purge data §1.3 quote \"s\"\n  }}\n}}\n"
    );
    let (_, diags) = check_text(&text);
    assert_eq!(codes(&diags), ["E0012"], "{diags:#?}");
}

/// (line, column) of a diagnostic's primary span.
fn line_col(map: &SourceMap, d: &Diagnostic) -> (usize, usize) {
    let p = d.primary.as_ref().expect("a place");
    map.get(p.span.file)
        .expect("file")
        .line_col(p.span.start as usize)
}

#[test]
fn several_syntax_errors_of_a_file_are_reported_in_one_run() {
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  capabilities compute\n  on arrears suspend compute §1.1\n  on expiry after 24h suspend compute §1.2 quote \"q\"\n  on payment after 1d suspnd compute §1.3\n  on renewal after 1d resume compute 1.4\n}\n";
    let (map, diags) = check_text(text);
    let lines: Vec<usize> = diags
        .iter()
        .filter(|d| d.code == Code::E0001)
        .map(|d| line_col(&map, d).0)
        .collect();
    // Line 6 parses (its verb is misspelt, which the checker would report
    // once the syntax is right); lines 4 and 7 are syntax errors.
    assert_eq!(lines, [4, 7], "{diags:#?}");
}

#[test]
fn a_missing_brace_is_reported_where_the_block_opened() {
    let text = format!(
        "{PRODUCT_HEAD}  on arrears {{\n    after 24h suspend compute §1.1 quote \"q\"\n  on expiry {{\n    after 24h suspend compute §1.1 quote \"q\"\n    until renewal\n  }}\n}}\n"
    );
    let (map, diags) = check_text(&text);
    let d = only(&diags, Code::E0001);
    assert_eq!(d.message, "unclosed `{`");
    assert_eq!(line_col(&map, d), (5, 14), "{d:#?}");
    assert!(
        !d.help.as_deref().unwrap_or("").contains("keyword"),
        "{d:#?}"
    );
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opened() {
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  on arrears after 24h suspend §1.1 quote \"暂停\n  on expiry after 24h suspend §1.2 quote \"q\"\n}\n";
    let (map, diags) = check_text(text);
    let d = only(&diags, Code::E0001);
    assert_eq!(d.message, "unclosed string");
    assert_eq!(line_col(&map, d), (3, 43), "{d:#?}");
}

#[test]
fn an_amount_without_currency_is_blamed_on_its_own_line() {
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  scenario \"s\" for p {\n    2024-06-01T10:00 arrears 120.00\n    expect at 2024-06-02T10:00 service active\n  }\n}\n";
    let (map, diags) = check_text(text);
    let d = only(&diags, Code::E0001);
    assert_eq!(line_col(&map, d), (4, 30), "{d:#?}");
    assert!(
        d.help.as_deref().unwrap_or("").contains("`120.00 CNY`"),
        "{d:#?}"
    );
}

#[test]
fn full_width_look_alikes_say_exactly_what_to_type() {
    let cases = [
        (
            "  on arrears after ２４h suspend compute §1.1\n",
            "２４",
            "24",
        ),
        (
            "  on arrears after 24h suspend compute；after 1d notify\n",
            "；",
            ";",
        ),
        (
            "  on arrears {\n    s：after 1d suspend compute\n  }\n",
            "：",
            ":",
        ),
        (
            "  on arrears after 1d suspend compute quote “暂停”\n",
            "“暂停”",
            "\"暂停\"",
        ),
        ("  capabilities a，b\n", "，", ","),
    ];
    for (line, wrong, right) in cases {
        let text = format!("{PRODUCT_HEAD}{line}}}\n");
        let (map, diags) = check_text(&text);
        let d = only(&diags, Code::E0001);
        let s = d.suggestion.as_ref().expect("a suggestion");
        assert_eq!(map.snippet(s.span), wrong, "{d:#?}");
        assert_eq!((s.replacement.as_str(), s.safe), (right, true), "{d:#?}");
        let help = d.help.as_deref().unwrap_or("");
        assert!(
            help.contains(&format!("type the ASCII `{right}`")),
            "{help}"
        );
    }
}

#[test]
fn a_date_and_time_with_a_space_gets_the_t_hint() {
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  scenario \"s\" for p {\n    2024-06-02 12:00 arrears\n  }\n}\n";
    let (map, diags) = check_text(text);
    let d = only(&diags, Code::E0001);
    let s = d.suggestion.as_ref().expect("a suggestion");
    assert_eq!(map.snippet(s.span), "2024-06-02 12:00");
    assert_eq!((s.replacement.as_str(), s.safe), ("2024-06-02T12:00", true));
}

#[test]
fn allow_on_a_step_acknowledges_its_warning_and_fmt_keeps_it() {
    // in canonical layout: `fmt` prints it unchanged
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  resources data\n\n  on arrears after 15d purge data §1.1 quote \"删除数据\" allow W0001 \"§1.1 deletes with no notice\"\n\n  on expiry {\n    after 15d purge data §1.2\n      quote \"删除数据\"\n      allow W0001 \"§1.2 deletes with no notice\"\n  }\n}\n";
    let mut map = SourceMap::new();
    map.add_str("t.clause", text);
    let checked = clausec::frontend::front_end(&map, Vec::new());
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    assert_eq!(codes(&checked.allowed), ["W0001", "W0001"]);
    let parsed = clausec::syntax::parse(clausec::ast::FileId(0), text).expect("parses");
    assert_eq!(clausec::fmt::format_file(&parsed, text), text);
    // Without the `allow`s the same file warns twice.
    let bare = text
        .replace(" allow W0001 \"§1.1 deletes with no notice\"", "")
        .replace("\n      allow W0001 \"§1.2 deletes with no notice\"", "");
    let (_, diags) = check_text(&bare);
    assert_eq!(codes(&diags), ["W0001", "W0001"]);
}

/// The 2024 agreement copied to a fresh directory (with its text beside it,
/// as `source` expects), with `edit` applied to one product file; checked
/// as `clausec check` checks the directory.
fn check_2024_with(file: &str, edit: &dyn Fn(String) -> String) -> (SourceMap, Vec<Diagnostic>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses");
    let dir = tempfile::tempdir().expect("tempdir");
    let agreement = dir.path().join("aliyun-2024");
    std::fs::create_dir_all(&agreement).expect("dir");
    std::fs::create_dir_all(dir.path().join("sources")).expect("dir");
    std::fs::copy(
        text_2024(),
        dir.path().join("sources/001_d4f4375b80599d2d.txt"),
    )
    .expect("copy text");
    for e in std::fs::read_dir(root.join("aliyun-2024")).expect("shipped") {
        let path = e.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        let mut text = std::fs::read_to_string(&path).expect("read");
        if name == file {
            text = edit(text);
        }
        std::fs::write(agreement.join(name), text).expect("write");
    }
    let (map, load) = clausec::load::load_all(&[agreement]).expect("loads");
    let checked = clausec::frontend::front_end(&map, load);
    (map, checked.diagnostics)
}

#[test]
fn citations_of_missing_or_other_products_articles_are_errors() {
    // The review's reproducers on the shipped NAT gateway (§34).
    let (_, diags) = check_2024_with("nat_gateway.clause", &|t| {
        t.replacen("suspend §34.3.1", "suspend §34.2.3", 1)
            .replacen("notify §34.5.1", "notify §3.2", 1)
    });
    assert_eq!(codes(&diags), ["E0037", "E0038"], "{diags:#?}");
    let e0038 = only(&diags, Code::E0038);
    let help = e0038.help.as_deref().unwrap_or("");
    assert!(
        help.contains("product section `§3` 【开放搜索服务】"),
        "{help}"
    );
    let (_, diags) = check_2024_with("nat_gateway.clause", &|t| {
        t.replacen("\"NAT网关\" §34 {", "\"NAT网关\" §35 {", 1)
    });
    assert_eq!(codes(&diags), ["E0039"], "{diags:#?}");
    let s = only(&diags, Code::E0039)
        .suggestion
        .clone()
        .expect("suggestion");
    assert_eq!(s.replacement, "§34");
}

#[test]
fn a_quote_outside_its_section_names_the_other_products_section() {
    let (_, diags) = check_2024_with("nat_gateway.clause", &|t| {
        t.replacen("notify §34.5.1", "notify §34.1", 1)
    });
    let d = only(&diags, Code::W0006);
    let help = d.help.as_deref().unwrap_or("");
    assert!(
        help.contains("`§34.5.1` of product section `§34` 【NAT网关】"),
        "{help}"
    );
}

#[test]
fn a_block_allow_covers_the_blocks_own_warnings_not_its_steps() {
    // W0001 belongs to a step: acknowledged on the step, not by the block.
    let text = "product p \"测试\" §1 {\n  billing postpaid\n  resources data\n  allow W0001 \"the text deletes with no notice\"\n  on arrears after 15d purge data §1.1 quote \"删除数据\"\n}\n";
    let (_, diags) = check_text(text);
    assert_eq!(codes(&diags), ["W0001", "W0007"], "{diags:#?}");
}
