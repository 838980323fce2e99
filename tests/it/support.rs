//! What the command-line tests share: the built binary run from the
//! repository root, its output as text, and a scratch copy of a shipped
//! agreement to edit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `clauses/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `clausec <args>` from the repository root, without colour.
pub fn clausec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("clausec runs")
}

/// Bytes of output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `clausec verify --format json <file>`: its exit code and its JSON.
pub fn verify_json(file: &Path) -> (Option<i32>, serde_json::Value) {
    let out = clausec(&["verify", "--format", "json", &file.display().to_string()]);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code(), v)
}

/// A copy of the shipped agreement `clauses/<name>` with the texts its
/// citations quote (`clauses/sources`) beside it, in a temporary directory;
/// returns the directory and the agreement's copy.
pub fn copy_agreement(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let agreement = dir.path().join(name);
    let sources = dir.path().join("sources");
    let from_agreement = format!("clauses/{name}");
    for (from, to) in [
        (from_agreement.as_str(), &agreement),
        ("clauses/sources", &sources),
    ] {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(root().join(from)).expect("read dir") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    (dir, agreement)
}
