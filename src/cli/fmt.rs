//! `clausec fmt`: rewrite clause files in the canonical layout, or with
//! `--check` show what would change (a unified diff) and exit 1.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Clause files or directories holding them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Do not write: print what would change as a unified diff, and exit 1 if anything would.
    #[arg(long)]
    check: bool,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let files = match crate::load::find_clause_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (map, load_diags) = match crate::load::load_files(&files) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if map.is_empty() {
        eprintln!("error[E0004]: no clause files found");
        return ExitCode::from(1);
    }
    let (files, parse_diags) = crate::frontend::parse_loaded(&map, &load_diags);
    let mut diags = load_diags;
    diags.extend(parse_diags);
    let mut unformatted = 0usize;
    let mut changed = 0usize;
    for parsed in &files {
        let Some(f) = map.get(parsed.id) else {
            continue;
        };
        let formatted = crate::fmt::format_file(parsed, &f.text);
        if formatted != f.text {
            if args.check {
                unformatted += 1;
                print!("{}", unified_diff(&f.name, &f.text, &formatted));
            } else if let Some(path) = &f.path {
                if let Err(e) = std::fs::write(path, &formatted) {
                    eprintln!("error: cannot write `{}`: {e}", path.display());
                    return ExitCode::from(2);
                }
                changed += 1;
            }
        }
    }
    super::print_diagnostics(&map, &diags);
    // Files with a problem (not UTF-8, too large, a syntax error) are
    // neither formatted nor counted as such.
    let failed = map.len() - files.len();
    let not_parsed = match failed {
        0 => String::new(),
        n => format!(", {n} could not be read or parsed (left as they are)"),
    };
    if args.check {
        eprintln!(
            "checked {} file(s): {unformatted} not formatted{not_parsed}",
            files.len()
        );
    } else {
        eprintln!(
            "formatted {} file(s), {changed} changed{not_parsed}",
            files.len()
        );
    }
    if !diags.is_empty() || unformatted > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Lines around a change shown in a hunk.
const CONTEXT: usize = 3;

/// `old` → `new` as a unified diff of lines (`--- name`, `+++ name
/// (formatted)`, `@@` hunks with three lines of context).
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    // Group the script into hunks: changes with up to 2×CONTEXT equal
    // lines between them share a hunk.
    let mut i = 0;
    while i < ops.len() {
        let Some(first) = ops[i..].iter().position(|o| !matches!(o, Op::Same(..))) else {
            break;
        };
        let start = (i + first).saturating_sub(CONTEXT).max(i);
        let mut end = i + first;
        let mut equal_run = 0;
        let mut j = end;
        while j < ops.len() {
            if matches!(ops[j], Op::Same(..)) {
                equal_run += 1;
                if equal_run > 2 * CONTEXT {
                    break;
                }
            } else {
                equal_run = 0;
                end = j;
            }
            j += 1;
        }
        let stop = (end + 1 + CONTEXT).min(ops.len());
        let hunk = &ops[start..stop];
        let (a_start, b_start) = match hunk.first() {
            Some(Op::Same(x, y)) => (*x, *y),
            Some(Op::Del(x, y)) | Some(Op::Add(x, y)) => (*x, *y),
            None => (0, 0),
        };
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Add(..))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Del(..))).count();
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n",
            a_start + 1,
            b_start + 1
        ));
        for o in hunk {
            match *o {
                Op::Same(x, _) => out.push_str(&format!(" {}\n", a.get(x).unwrap_or(&""))),
                Op::Del(x, _) => out.push_str(&format!("-{}\n", a.get(x).unwrap_or(&""))),
                Op::Add(_, y) => out.push_str(&format!("+{}\n", b.get(y).unwrap_or(&""))),
            }
        }
        i = stop;
    }
    out
}

/// One line of an edit script, with the positions in `a` and `b` it is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Same(usize, usize),
    Del(usize, usize),
    Add(usize, usize),
}

/// A shortest edit script from `a` to `b`: common start and end kept, the
/// middle by longest common subsequence (clause files are a few hundred
/// lines; a middle too large for the table is shown as replaced).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<Op> = (0..pre).map(|k| Op::Same(k, k)).collect();
    let (n, m) = (ma.len(), mb.len());
    if n.saturating_mul(m) > 4_000_000 {
        ops.extend((0..n).map(|k| Op::Del(pre + k, pre)));
        ops.extend((0..m).map(|k| Op::Add(pre + n, pre + k)));
    } else {
        // lcs[i][j]: length of the LCS of ma[i..] and mb[j..]
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if ma[i] == mb[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push(Op::Same(pre + i, pre + j));
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[at(i, j + 1)] > lcs[at(i + 1, j)]) {
                // (deletions before additions, as diff(1) prints them)
                ops.push(Op::Add(pre + i, pre + j));
                j += 1;
            } else {
                ops.push(Op::Del(pre + i, pre + j));
                i += 1;
            }
        }
    }
    let (a_end, b_end) = (a.len() - suf, b.len() - suf);
    ops.extend((0..suf).map(|k| Op::Same(a_end + k, b_end + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn a_changed_line_is_shown_with_its_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified_diff("x.clause", old, new),
            "--- x.clause\n+++ x.clause (formatted)\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn far_apart_changes_get_their_own_hunks_and_added_lines_count() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = old
            .lines()
            .map(|l| match l {
                "2" => "two\n".to_string(),
                "18" => "18\n18b\n".to_string(),
                other => format!("{other}\n"),
            })
            .collect();
        let d = unified_diff("f", &old, &new);
        assert!(
            d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"),
            "{d}"
        );
        assert!(
            d.ends_with("@@ -16,5 +16,6 @@\n 16\n 17\n 18\n+18b\n 19\n 20\n"),
            "{d}"
        );
    }
}
