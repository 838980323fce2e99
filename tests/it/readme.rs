//! The README's “Try it” section stays true: every ```` ```console ```` block
//! there is a `$ clausec …` command followed by its output, and this test
//! runs the command (the binary under test, from the project directory)
//! and compares. `CLAUSEC_BLESS=1` writes the actual output into the README
//! instead (then read the diff before committing it).

use std::path::PathBuf;
use std::process::Command;

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

/// One console block: where its body starts and ends in the README, the
/// command's arguments after `clausec`, and the output it shows.
struct Block {
    body: std::ops::Range<usize>,
    args: Vec<String>,
    shown: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let section = text
        .find("\n## Try it\n")
        .expect("README has a `## Try it` section");
    let end = text[section + 1..]
        .find("\n## ")
        .map_or(text.len(), |i| section + 1 + i);
    let mut out = Vec::new();
    let mut at = section;
    while let Some(open) = text[at..end].find("```console\n") {
        let body_start = at + open + "```console\n".len();
        let close = text[body_start..end]
            .find("```\n")
            .map(|i| body_start + i)
            .expect("console block closed");
        let body = &text[body_start..close];
        let (command, shown) = body.split_once('\n').unwrap_or((body, ""));
        let command = command
            .strip_prefix("$ ")
            .expect("a console block starts with `$ `");
        let mut words = command.split_whitespace().map(String::from);
        assert_eq!(words.next().as_deref(), Some("clausec"), "{command}");
        out.push(Block {
            body: body_start..close,
            args: words.collect(),
            shown: shown.to_string(),
        });
        at = close;
    }
    out
}

fn run(args: &[String]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clausec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("clausec runs");
    let mut shown = String::from_utf8_lossy(&out.stdout).into_owned();
    shown.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code(), shown)
}

#[test]
fn the_readme_try_it_commands_print_what_the_readme_shows() {
    let text = std::fs::read_to_string(readme()).expect("README.md");
    let found = blocks(&text);
    assert!(
        found.len() >= 3,
        "the Try it section shows eval, explain and test"
    );
    let bless = std::env::var_os("CLAUSEC_BLESS").is_some();
    let mut updated = text.clone();
    let mut stale = Vec::new();
    // Replace from the end so earlier offsets stay valid.
    for b in found.iter().rev() {
        let (code, actual) = run(&b.args);
        assert_eq!(code, Some(0), "clausec {}:\n{actual}", b.args.join(" "));
        if actual != b.shown {
            stale.push(format!(
                "clausec {}\n--- README\n{}--- actual\n{actual}",
                b.args.join(" "),
                b.shown
            ));
            let command_line_end = text[b.body.clone()]
                .find('\n')
                .map_or(b.body.end, |i| b.body.start + i + 1);
            updated.replace_range(command_line_end..b.body.end, &actual);
        }
    }
    if bless && updated != text {
        std::fs::write(readme(), updated).expect("write README.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "README.md's Try it output is stale (CLAUSEC_BLESS=1 cargo test --test it readme rewrites it):\n{}",
        stale.join("\n")
    );
}
