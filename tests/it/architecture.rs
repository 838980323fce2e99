//! The architecture's rules, read off the source tree (ARCHITECTURE.md,
//! "Invariants"):
//!
//! * the executable core (`src/compile/`, `src/eval/`, `src/stream/`) names
//!   nothing of the AST or the parser (`crate::ast`, `crate::syntax`);
//! * pest stays inside `src/syntax.rs` and `src/syntax/`: no `pest::` path,
//!   no `Pair<`/`Pairs<`, and pest's `Rule` (which only `syntax::Rule` can
//!   name) is named nowhere else;
//! * only the modules of [`IO_ALLOWED`] touch the file system, print or
//!   exit;
//! * the semantic core ([`FLOAT_FREE`]) holds no floating point: money is
//!   `rust_decimal::Decimal`, instants and durations are integers;
//! * the crate and the binary forbid `unsafe`.
//!
//! The check works on tokens: comments, string and char literals are blanked
//! first, `#[cfg(test)]` items are skipped (tests may read fixtures), and
//! every path is expanded (`use std::{fs, io::{self, stdout}}`) and resolved
//! against the file's module (`super::`, `self::`, `crate::`). The unit
//! tests at the end hold each rule to a violating snippet, so the test over
//! the real tree cannot pass by checking nothing.

use std::path::{Path, PathBuf};

/// Source files and directories that may touch the disk, print or exit,
/// each with the reason it needs to. `allow_list_is_minimal` fails when an
/// entry no longer needs it.
const IO_ALLOWED: &[(&str, &str)] = &[
    (
        "src/main.rs",
        "the binary: hands the command line's exit code to the OS",
    ),
    (
        "src/cli/",
        "the command line: reads inputs, writes outputs and checkpoints, prints, exits",
    ),
    (
        "src/load.rs",
        "the loader: reads clause files, agreement texts and calendars",
    ),
    (
        "src/lsp/transport.rs",
        "the language server's stdin/stdout and the real `Disk`",
    ),
    (
        "src/kafka/checkpoint.rs",
        "feature kafka: a consumer's checkpoint files (atomic rename)",
    ),
    (
        "src/kafka/member.rs",
        "feature kafka: creates the consumer group member's state directory",
    ),
];

/// Modules that must not see the syntax tree or the parser.
const CORE: &[&str] = &["src/compile/", "src/eval/", "src/stream/"];

/// Where no `f32`/`f64` (type, suffix or literal like `1.5`) may appear:
/// everything that decides what happens to an account or its money.
const FLOAT_FREE: &[&str] = &[
    "src/calendar",
    "src/check/",
    "src/compile/",
    "src/diff/",
    "src/eval/",
    "src/expect.rs",
    "src/model.rs",
    "src/reference/",
    "src/stream/",
    "src/vocab.rs",
];

/// Files of [`FLOAT_FREE`] directories that may use floats, with why.
const FLOAT_EXEMPT: &[(&str, &str)] = &[(
    "src/stream/workload.rs",
    "the synthetic workload's random draws (`chance(0.9)`), never an account's state or money",
)];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    line: usize,
    what: String,
}

/// Every `.rs` file under `dir`, as (`src/…` path with `/`, text).
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            out.push((rel, text));
        }
    }
}

fn tree() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(root, &root.join("src"), &mut files);
    assert!(files.len() > 50, "only {} source files found", files.len());
    files
}

/// `src` with comments, string literals and char literals replaced by
/// spaces (newlines kept, so line numbers stay right).
fn blank_non_code(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(c.len());
    let blank = |out: &mut Vec<char>, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(i + k).copied().unwrap_or('\0');
        if at(0) == '/' && at(1) == '/' {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if at(0) == '/' && at(1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.extend([' ', ' ']);
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.extend([' ', ' ']);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if (at(0) == 'r' || (at(0) == 'b' && at(1) == 'r'))
            && !prev_is_ident(&c, i)
            && raw_string_hashes(&c, i + usize::from(at(0) == 'b') + 1).is_some()
        {
            let start = i + usize::from(at(0) == 'b') + 1;
            let hashes = raw_string_hashes(&c, start).unwrap_or(0);
            let mut j = start + hashes + 1;
            while j < c.len() {
                if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
                    j += hashes + 1;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                blank(&mut out, ch);
            }
            i = j;
        } else if at(0) == '"' {
            blank(&mut out, '"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                let step = if c[i] == '\\' { 2 } else { 1 };
                for _ in 0..step {
                    if i < c.len() {
                        blank(&mut out, c[i]);
                        i += 1;
                    }
                }
            }
            if i < c.len() {
                blank(&mut out, '"');
                i += 1;
            }
        } else if at(0) == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            let len = if at(1) == '\\' {
                (3..12).find(|&k| at(k) == '\'').map(|k| k + 1)
            } else if at(2) == '\'' {
                Some(3)
            } else {
                None
            };
            match len {
                Some(n) => {
                    for _ in 0..n {
                        blank(&mut out, c[i]);
                        i += 1;
                    }
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out.into_iter().collect()
}

fn prev_is_ident(c: &[char], i: usize) -> bool {
    i > 0
        && c.get(i - 1)
            .is_some_and(|p| p.is_alphanumeric() || *p == '_')
}

/// At `c[at]`: `#…#"` opens a raw string; returns the number of `#`.
fn raw_string_hashes(c: &[char], at: usize) -> Option<usize> {
    let hashes = c[at.min(c.len())..]
        .iter()
        .take_while(|&&ch| ch == '#')
        .count();
    (c.get(at + hashes) == Some(&'"')).then_some(hashes)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Path, // `::`
}

/// Tokens with their line numbers; `#[cfg(test)]` items are left out.
fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let c: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    skip_cfg_test(out)
}

/// Drops every item that follows `#[cfg(test)]`: up to its `;` or its
/// matching `}`.
fn skip_cfg_test(toks: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let attr: Vec<Tok> = ["#", "[", "cfg", "(", "test", ")", "]"]
        .iter()
        .map(|s| match *s {
            "cfg" | "test" => Tok::Ident((*s).to_string()),
            p => Tok::Punct(p.chars().next().unwrap_or(' ')),
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let is_attr = toks.len() >= i + attr.len()
            && toks[i..i + attr.len()]
                .iter()
                .zip(&attr)
                .all(|((t, _), a)| t == a);
        if !is_attr {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += attr.len();
        let mut depth = 0usize;
        while i < toks.len() {
            match toks[i].0 {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                Tok::Punct(';') if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// One path as written, expanded out of `{…}` groups, with what follows
/// it (`!` for a macro, `(` for a call, `<` for generics).
#[derive(Debug)]
struct PathUse {
    segs: Vec<String>,
    next: Option<char>,
    line: usize,
}

/// Every path in `toks`: `a::b::{c, d::e}` gives `a::b::c` and `a::b::d::e`.
fn paths(toks: &[(Tok, usize)]) -> Vec<PathUse> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts = matches!(toks[i].0, Tok::Ident(_))
            && !(i > 0 && matches!(toks[i - 1].0, Tok::Path | Tok::Punct('.')));
        if starts {
            i = path_at(toks, i, Vec::new(), &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads the path starting at `toks[i]` (after `prefix`); returns the
/// index after it.
fn path_at(
    toks: &[(Tok, usize)],
    mut i: usize,
    mut segs: Vec<String>,
    out: &mut Vec<PathUse>,
) -> usize {
    let line = toks.get(i).map_or(0, |t| t.1);
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                i += 1;
            }
            Some(Tok::Punct('*')) => {
                segs.push("*".into());
                i += 1;
            }
            Some(Tok::Punct('{')) if !segs.is_empty() => {
                i += 1;
                while let Some(t) = toks.get(i) {
                    match t.0 {
                        Tok::Punct('}') => {
                            i += 1;
                            break;
                        }
                        Tok::Punct(',') => i += 1,
                        _ => {
                            let before = i;
                            i = path_at(toks, i, segs.clone(), out);
                            if i == before {
                                i += 1;
                            }
                        }
                    }
                }
                return i;
            }
            _ => break,
        }
        if toks.get(i).map(|t| &t.0) == Some(&Tok::Path) {
            i += 1;
        } else {
            break;
        }
    }
    let next = match toks.get(i).map(|t| &t.0) {
        Some(Tok::Punct(p)) => Some(*p),
        _ => None,
    };
    if !segs.is_empty() {
        out.push(PathUse { segs, next, line });
    }
    i
}

/// The module path of a source file: `src/eval/status.rs` → `eval::status`,
/// `src/eval/mod.rs` → `eval`, `src/lib.rs` → root.
fn module_of(file: &str) -> Vec<String> {
    let rel = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(
        segs.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segs.pop();
    }
    segs
}

/// `segs` from the crate root when it starts with `crate`, `self` or
/// `super`; `None` for other roots (std, other crates, local names).
fn resolve(file: &str, segs: &[String]) -> Option<Vec<String>> {
    let mut module = module_of(file);
    let mut rest = segs;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            module.clear();
            rest = &rest[1..];
        }
        Some("self" | "super") => {}
        _ => return None,
    }
    while let Some(first) = rest.first() {
        match first.as_str() {
            "self" => rest = &rest[1..],
            "super" => {
                module.pop();
                rest = &rest[1..];
            }
            _ => break,
        }
    }
    module.extend(rest.iter().cloned());
    Some(module)
}

fn in_dirs(file: &str, dirs: &[&str]) -> bool {
    dirs.iter().any(|d| file.starts_with(d))
}

fn io_allowed(file: &str) -> bool {
    IO_ALLOWED.iter().any(|(entry, _)| {
        if entry.ends_with('/') {
            file.starts_with(entry)
        } else {
            file == *entry
        }
    })
}

/// What `file` (a path under `src/`, with `/`) breaks of the rules above.
fn violations(file: &str, src: &str) -> Vec<Violation> {
    let toks = tokens(&blank_non_code(src));
    let mut out = Vec::new();
    let mut flag = |line: usize, what: String| out.push(Violation { line, what });
    let in_syntax = file == "src/syntax.rs" || file.starts_with("src/syntax/");
    for p in paths(&toks) {
        let shown = p.segs.join("::");
        let abs = resolve(file, &p.segs);
        let abs_root = abs.as_ref().and_then(|a| a.first()).map(String::as_str);
        let first = p.segs.first().map(String::as_str).unwrap_or("");
        let last = p.segs.last().map(String::as_str).unwrap_or("");
        // The core does not see the syntax tree or the parser.
        if in_dirs(file, CORE) && matches!(abs_root, Some("ast" | "syntax")) {
            flag(
                p.line,
                format!("the executable core names the front end: `{shown}`"),
            );
        }
        // pest stays inside syntax.
        if !in_syntax {
            let pest_rule = abs.as_ref().is_some_and(|a| {
                a.first().map(String::as_str) == Some("syntax")
                    && matches!(a.get(1).map(String::as_str), Some("Rule" | "*"))
            });
            if matches!(first, "pest" | "pest_derive") || pest_rule {
                flag(p.line, format!("pest outside syntax: `{shown}`"));
            }
            if matches!(last, "Pair" | "Pairs") && p.next == Some('<') {
                flag(p.line, format!("pest type outside syntax: `{shown}<`"));
            }
        }
        // IO only where allowed.
        if !io_allowed(file) {
            let std_path =
                |a: &[&str]| p.segs.len() >= a.len() && p.segs.iter().zip(a).all(|(s, w)| s == w);
            let io = std_path(&["std", "fs"])
                || std_path(&["std", "process", "exit"])
                || (first == "fs" && p.segs.len() > 1)
                || (matches!(first, "File" | "OpenOptions") && p.segs.len() > 1)
                || last == "OpenOptions"
                || (last == "exit" && p.segs.iter().any(|s| s == "process"))
                || (matches!(last, "stdout" | "stderr" | "stdin") && p.next == Some('('))
                || (matches!(last, "println" | "eprintln" | "print" | "eprint" | "dbg")
                    && p.next == Some('!'));
            if io {
                flag(p.line, format!("IO outside the allow-list: `{shown}`"));
            }
        }
    }
    if in_dirs(file, FLOAT_FREE) && !FLOAT_EXEMPT.iter().any(|(f, _)| *f == file) {
        for (k, (t, line)) in toks.iter().enumerate() {
            let Tok::Ident(word) = t else { continue };
            let numeric = |t: Option<&(Tok, usize)>| matches!(t, Some((Tok::Ident(w), _)) if w.starts_with(|c: char| c.is_ascii_digit()));
            let float_type = word == "f32" || word == "f64";
            let suffixed = word.starts_with(|c: char| c.is_ascii_digit())
                && (word.ends_with("f32") || word.ends_with("f64"));
            // `1.5`, not a tuple field `t.0.1`
            let literal = numeric(Some(&toks[k]))
                && !(k > 0 && toks[k - 1].0 == Tok::Punct('.'))
                && toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Punct('.'))
                && numeric(toks.get(k + 2));
            if float_type || suffixed || literal {
                flag(
                    *line,
                    format!("floating point in the semantic core: `{word}`"),
                );
            }
        }
    }
    out
}

#[test]
fn the_source_tree_keeps_the_architecture_rules() {
    let mut broken = Vec::new();
    for (file, text) in tree() {
        for v in violations(&file, &text) {
            broken.push(format!("{file}:{}: {}", v.line, v.what));
        }
    }
    assert!(
        broken.is_empty(),
        "architecture rules broken:\n{}",
        broken.join("\n")
    );
}

/// `unsafe` is forbidden at the crate roots, so no module can opt in.
#[test]
fn the_crate_and_the_binary_forbid_unsafe_code() {
    for root in ["src/lib.rs", "src/main.rs"] {
        let (_, text) = tree().into_iter().find(|(f, _)| f == root).expect(root);
        let code = blank_non_code(&text);
        assert!(
            code.contains("#![forbid(unsafe_code)]"),
            "{root} does not forbid unsafe code"
        );
    }
}

/// Every allow-list entry exists and still needs its allowance: a module
/// that stopped doing IO leaves the list.
#[test]
fn allow_list_is_minimal() {
    let files = tree();
    for (entry, reason) in IO_ALLOWED {
        assert!(!reason.is_empty());
        let covered: Vec<&(String, String)> = files
            .iter()
            .filter(|(f, _)| {
                if entry.ends_with('/') {
                    f.starts_with(entry)
                } else {
                    f == entry
                }
            })
            .collect();
        // Feature-gated modules are in the tree whatever the features.
        assert!(
            !covered.is_empty(),
            "allow-list entry `{entry}` matches no file"
        );
        let needs = covered.iter().any(|(f, text)| {
            // The file as if it were not allowed.
            !violations(&format!("src/__not_allowed/{f}"), text).is_empty()
        });
        assert!(
            needs,
            "`{entry}` does no IO any more: take it off IO_ALLOWED"
        );
    }
}

#[cfg(test)]
mod rules {
    use super::violations;

    fn flags(file: &str, src: &str) -> usize {
        violations(file, src).len()
    }

    #[test]
    fn the_core_may_not_name_the_ast_or_the_parser() {
        assert_eq!(flags("src/eval/status.rs", "use crate::ast::Modality;"), 1);
        assert_eq!(
            flags("src/compile/mod.rs", "use crate::{model, syntax::parse};"),
            1
        );
        assert_eq!(
            flags(
                "src/stream/engine.rs",
                "fn f() { crate::ast::Span::default(); }"
            ),
            1
        );
        // `super::super` from src/eval/x.rs is the crate root.
        assert_eq!(flags("src/eval/x.rs", "use super::super::ast::Item;"), 1);
        assert_eq!(flags("src/eval/mod.rs", "use super::ast;"), 1);
        // Not the core, or not the AST: allowed.
        assert_eq!(flags("src/check/steps.rs", "use crate::ast::Modality;"), 0);
        assert_eq!(flags("src/eval/x.rs", "use super::ast::Item;"), 0); // eval::ast
        assert_eq!(flags("src/eval/x.rs", "use crate::vocab::Modality;"), 0);
        assert_eq!(
            flags(
                "src/eval/x.rs",
                "// crate::ast::Modality\nlet s = \"crate::ast\";"
            ),
            0
        );
    }

    #[test]
    fn pest_stays_in_syntax() {
        assert_eq!(flags("src/check/x.rs", "use pest::iterators::Pair;"), 1);
        assert_eq!(flags("src/check/x.rs", "fn f(p: Pair<'_, R>) {}"), 1);
        assert_eq!(flags("src/fmt.rs", "use crate::syntax::Rule;"), 1);
        assert_eq!(flags("src/fmt.rs", "use crate::syntax::{escape, Rule};"), 1);
        assert_eq!(flags("src/fmt.rs", "use crate::syntax::*;"), 1);
        assert_eq!(
            flags("src/fmt.rs", "fn f() { crate::syntax::Rule::item; }"),
            1
        );
        assert_eq!(
            flags(
                "src/syntax/errors.rs",
                "use pest::iterators::Pair; use super::Rule;"
            ),
            0
        );
        assert_eq!(
            flags("src/syntax.rs", "fn f(p: Pair<'_, Rule>) { Rule::item; }"),
            0
        );
        // compile's own `Rule`, and a struct called Pair without generics.
        assert_eq!(
            flags(
                "src/compile/ir.rs",
                "use super::Rule; fn f() { Rule::default(); }"
            ),
            0
        );
        assert_eq!(
            flags(
                "src/site/diffpage.rs",
                "struct Pair {} fn f(v: Vec<Pair>) {}"
            ),
            0
        );
    }

    #[test]
    fn io_only_in_the_allowed_modules() {
        let bad = [
            "fn f() { println!(\"x\"); }",
            "fn f() { eprintln!(\"x\"); }",
            "fn f() { print!(\"x\"); }",
            "fn f() { eprint!(\"x\"); }",
            "fn f() { dbg!(1); }",
            "fn f() { std::process::exit(2); }",
            "use std::process; fn f() { process::exit(2); }",
            "fn f() { let _ = std::fs::read(\"x\"); }",
            "use std::fs; fn f() { fs::write(\"x\", \"\"); }",
            "use std::{fs::File, io};",
            "fn f() { File::create(\"x\"); }",
            "fn f() { OpenOptions::new(); }",
            "fn f() { std::io::stdout().lock(); }",
            "use std::io; fn f() { io::stderr(); }",
        ];
        for src in bad {
            assert!(
                flags("src/stream/engine.rs", src) >= 1,
                "not flagged: {src}"
            );
            assert!(flags("src/summary.rs", src) >= 1, "not flagged: {src}");
            assert_eq!(flags("src/cli/run.rs", src), 0, "flagged in the cli: {src}");
            assert_eq!(flags("src/load.rs", src), 0, "flagged in load: {src}");
        }
        let fine = [
            "fn f() { SourceFile::new(); }",
            "use std::fmt::Write; fn f(s: &mut String) { writeln!(s, \"x\"); }",
            "/* println!(\"x\") */ // std::fs::read\nfn f() { let s = r#\"eprintln!(\"\")\"#; }",
            "fn f() { let c = '\"'; let s = \"std::fs\"; }",
            "#[cfg(test)]\nmod tests { fn t() { std::fs::read(\"x\"); println!(\"x\"); } }",
            "fn f<'a>(x: &'a str) { x.print(); }",
        ];
        for src in fine {
            assert_eq!(flags("src/stream/engine.rs", src), 0, "flagged: {src}");
        }
        // Code after a skipped test module is still checked.
        let after = "#[cfg(test)]\nmod tests { fn t() {} }\nfn g() { println!(\"x\"); }";
        assert_eq!(
            violations("src/eval/x.rs", after).first().map(|v| v.line),
            Some(3)
        );
    }

    #[test]
    fn no_floats_in_the_semantic_core() {
        for src in [
            "fn f(x: f64) {}",
            "fn f(x: i64) { let y = x as f32; }",
            "const R: f64 = 0.5;",
            "fn f() { let r = 1.5; }",
            "fn f() { let r = 2f64; }",
        ] {
            assert!(flags("src/eval/money.rs", src) >= 1, "not flagged: {src}");
            assert!(
                flags("src/reference/money.rs", src) >= 1,
                "not flagged: {src}"
            );
            assert_eq!(
                flags("src/site/svg.rs", src),
                0,
                "flagged outside the core: {src}"
            );
        }
        assert_eq!(flags("src/stream/workload.rs", "fn chance(p: f64) {}"), 0);
        for src in [
            "fn f(t: (i64, (u8, u8))) -> u8 { t.1.0 }",
            "fn f() { let r = Decimal::new(15, 1); let s = \"1.5\"; } // 0.5",
            "fn f(x: u64) -> u64 { x.max(1) }",
        ] {
            assert_eq!(flags("src/eval/money.rs", src), 0, "flagged: {src}");
        }
    }
}
