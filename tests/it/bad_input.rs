//! Hostile input through the real binary: each must end with a clear
//! diagnostic and a non-zero exit, never a panic or a stack overflow. Big
//! inputs are generated in a temporary directory at test time.

use std::path::Path;
use std::process::Command;

/// Runs `clausec check <path>`; returns (exit code, stderr).
fn check(path: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clausec"))
        .arg("check")
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .expect("clausec runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_reports(bytes: &[u8], code: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.clause");
    std::fs::write(&path, bytes).expect("write");
    let (status, stderr) = check(&path);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("[{code}]")),
        "no {code} in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn invalid_utf8_is_e0002() {
    assert_reports(b"product p \"\xff\xfe\" \xc3\x28 \xa7 {}", "E0002");
}

#[test]
fn a_10_mb_file_is_e0003() {
    let mut text = String::from("product p \"big\" §1 {\n  billing postpaid\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("  // padding padding padding padding padding padding padding\n");
    }
    text.push_str("}\n");
    assert_reports(text.as_bytes(), "E0003");
}

#[test]
fn ten_thousand_nested_braces_are_a_syntax_error() {
    let text = format!(
        "product p \"deep\" §1 {}{}",
        "{".repeat(10_000),
        "}".repeat(10_000)
    );
    assert_reports(text.as_bytes(), "E0001");
}

#[test]
fn a_duration_beyond_u64_is_e0018() {
    let text = "product p \"huge\" §1 {\n  billing postpaid\n  on arrears after 100000000000000000000h suspend §1.1 quote \"q\"\n}\n";
    assert_reports(text.as_bytes(), "E0018");
}

#[test]
fn an_empty_file_is_e0005() {
    assert_reports(b"", "E0005");
}

#[test]
fn a_directory_without_clause_files_is_e0004() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "not a clause file").expect("write");
    let (status, stderr) = check(dir.path());
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("[E0004]"), "{stderr}");
}
