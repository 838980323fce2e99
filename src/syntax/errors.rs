//! Syntax errors in the language's words, and several of them per file.
//!
//! pest stops at the first error and reports the furthest place it got to,
//! which is often not where the author went wrong: a missing `}` shows up at
//! the next rule, an amount without its currency on the next line, an
//! unclosed `"` wherever the next `"` happens to be. This module turns a
//! pest error into a [`Diagnostic`] that points where the mistake is:
//!
//! * an unclosed `"` (no string in the language spans lines) is reported at
//!   the quote that opens it, an unclosed `{` at the brace that opens it,
//!   when the next item (`on …`, `scenario`, `product`) or the end of the
//!   file comes before its `}`;
//! * when what was expected only continues the previous token (a currency
//!   after `120.00`) and the next line is where pest failed, the previous
//!   token is blamed;
//! * full-width look-alikes (`２４ ； ： “ ” ，`) and `2024-06-02 12:00` get a
//!   help saying exactly what to type, with a safe suggestion.
//!
//! Recovery: after an error the item it is in (a rule, a declaration, a
//! scenario, a whole block when the error is in its header) is blanked out —
//! replaced by spaces, so every offset stays where it was — and the file is
//! parsed again, up to [`MAX_SYNTAX_ERRORS`] times. Items are found by a
//! small lexer that knows only words, strings, comments and braces, and
//! starts an item at a line whose first word is an item keyword.

use super::{is_reserved, rule_words, ClauseParser, Rule};
use crate::ast::{FileId, Span};
use crate::diagnostic::{fold_char, fold_full_width, Code, Diagnostic};
use pest::Parser as _;

/// Syntax errors reported per file at most.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// Words that start a block at the top of a file.
const TOP_KEYWORDS: &[&str] = &["agreement", "general", "product"];

/// Words that start an item inside a block, when first on their line.
/// (`on calendar day` and `on hour` start a step, not a rule.)
const BODY_KEYWORDS: &[&str] = &[
    "billing",
    "capabilities",
    "resources",
    "events",
    "variants",
    "on",
    "while",
    "late_fee",
    "liability_cap",
    "refund",
    "refund_window",
    "ignore",
    "scenario",
    "allow",
];

/// Every syntax error of `text`, the first being `first` (pest's error on
/// the whole file). Never empty.
pub(super) fn all_errors(
    file: FileId,
    text: &str,
    first: pest::error::Error<Rule>,
) -> Vec<Diagnostic> {
    let mut work = text.to_string();
    let mut error = first;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    loop {
        let found = describe(file, &work, &error);
        let pos = position(&error).min(work.len());
        diags.push(found.diagnostic);
        seen.push(pos);
        if diags.len() >= MAX_SYNTAX_ERRORS {
            break;
        }
        let Some((from, to)) = found.skip.filter(|(f, t)| f < t) else {
            break;
        };
        blank(&mut work, from, to);
        match ClauseParser::parse(Rule::file, &work) {
            Ok(_) => break,
            Err(e) => {
                if seen.contains(&position(&e)) {
                    break; // no progress: the rest would repeat this one
                }
                error = e;
            }
        }
    }
    diags
}

fn position(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// Replaces `from..to` by spaces, keeping line breaks (so line numbers and
/// offsets of the rest stay as they were).
fn blank(work: &mut String, from: usize, to: usize) {
    if !(work.is_char_boundary(from) && work.is_char_boundary(to)) {
        return;
    }
    let replaced: String = work[from..to]
        .bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    work.replace_range(from..to, &replaced);
}

// ------------------------------------------------------------------ lexer

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    /// A string; `closed` is false when its line ends first.
    Str {
        closed: bool,
    },
    Open,
    Close,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    /// Nothing but spaces before it on its line.
    first_on_line: bool,
}

/// Words, strings (ending at their line's end at the latest), braces;
/// comments and whitespace skipped.
fn lex(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut line_has_token = false;
    while let Some((i, c)) = chars.next() {
        let first_on_line = !line_has_token;
        match c {
            '\n' => {
                line_has_token = false;
                continue;
            }
            c if c.is_whitespace() => continue,
            '/' if text[i..].starts_with("//") => {
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
                continue;
            }
            '{' | '}' => out.push(Token {
                kind: if c == '{' { Kind::Open } else { Kind::Close },
                start: i,
                end: i + 1,
                first_on_line,
            }),
            '"' => {
                let mut end = text.len();
                let mut closed = false;
                while let Some((j, c)) = chars.peek().copied() {
                    if c == '\n' {
                        end = j;
                        break;
                    }
                    chars.next();
                    if c == '\\' {
                        chars.next_if(|&(_, c)| c != '\n');
                    } else if c == '"' {
                        end = j + 1;
                        closed = true;
                        break;
                    }
                }
                out.push(Token {
                    kind: Kind::Str { closed },
                    start: i,
                    end,
                    first_on_line,
                });
            }
            _ => {
                let mut end = i + c.len_utf8();
                while let Some((j, c)) =
                    chars.next_if(|&(_, c)| !(c.is_whitespace() || matches!(c, '{' | '}' | '"')))
                {
                    end = j + c.len_utf8();
                }
                out.push(Token {
                    kind: Kind::Word,
                    start: i,
                    end,
                    first_on_line,
                });
            }
        }
        line_has_token = true;
    }
    out
}

/// Whether token `i` starts an item, and whether it is a top-level one.
fn item_start(text: &str, toks: &[Token], i: usize) -> Option<bool> {
    let t = toks.get(i)?;
    if t.kind != Kind::Word || !t.first_on_line {
        return None;
    }
    let word = &text[t.start..t.end];
    if TOP_KEYWORDS.contains(&word) {
        return Some(true);
    }
    if word == "on" {
        let next = toks.get(i + 1).map(|n| &text[n.start..n.end]);
        if matches!(next, Some("calendar" | "hour")) {
            return None;
        }
    }
    BODY_KEYWORDS.contains(&word).then_some(false)
}

/// The range to blank after an error at `pos`: the item it is in, up to
/// the next item (a block's own items when the error is in its header are
/// skipped with it) or the `}` that closes the enclosing block.
fn item_around(text: &str, toks: &[Token], pos: usize) -> Option<(usize, usize)> {
    let from_tok = (0..toks.len())
        .rev()
        .find(|&i| toks[i].start <= pos && item_start(text, toks, i).is_some());
    let mut from = from_tok.map_or_else(
        || {
            toks.iter()
                .find(|t| t.end > pos)
                .map_or(pos, |t| t.start.min(pos))
        },
        |i| toks[i].start,
    );
    let top = from_tok.and_then(|i| item_start(text, toks, i)) == Some(true);
    // A `}` between the item start and the error closes a block the error
    // is not in: start after it.
    let mut depth = 0i32;
    let item = from;
    for t in toks.iter().filter(|t| t.start >= item && t.start < pos) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth < 0 {
                    from = t.end;
                    depth = 0;
                }
            }
            _ => {}
        }
    }
    let mut to = text.len();
    for (i, t) in toks.iter().enumerate().filter(|(_, t)| t.start > pos) {
        match (t.kind, item_start(text, toks, i)) {
            (_, Some(is_top)) if is_top || !top => {
                to = t.start;
                break;
            }
            (Kind::Open, _) => depth += 1,
            (Kind::Close, _) if depth == 0 && !top => {
                to = t.start;
                break;
            }
            (Kind::Close, _) => depth -= 1,
            _ => {}
        }
    }
    Some((from, to))
}

/// The item start (token index) an offset lies in.
fn item_of(text: &str, toks: &[Token], offset: usize) -> Option<usize> {
    (0..toks.len())
        .rev()
        .find(|&i| toks[i].start <= offset && item_start(text, toks, i).is_some())
}

// ------------------------------------------------------------------ messages

struct Found {
    diagnostic: Diagnostic,
    /// What to blank before parsing again; `None` to stop.
    skip: Option<(usize, usize)>,
}

fn describe(file: FileId, text: &str, e: &pest::error::Error<Rule>) -> Found {
    let pos = position(e).min(text.len());
    let toks = lex(text);
    if let Some(f) = unclosed_string(file, text, &toks, pos) {
        return f;
    }
    if let Some(f) = unclosed_brace(file, text, &toks, pos) {
        return f;
    }
    let positives: Vec<Rule> = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    Found {
        diagnostic: unexpected(file, text, &toks, pos, &positives),
        skip: item_around(text, &toks, pos),
    }
}

/// The first string before `pos` whose line ends before its closing quote.
fn unclosed_string(file: FileId, text: &str, toks: &[Token], pos: usize) -> Option<Found> {
    let open = toks
        .iter()
        .find(|t| t.kind == (Kind::Str { closed: false }) && t.start <= pos)?;
    let line_end = text[open.start..]
        .find('\n')
        .map_or(text.len(), |n| open.start + n);
    let mut d = Diagnostic::new(Code::E0001, "unclosed string")
        .at(
            Span::new(file, open.start, line_end),
            "this string is not closed on its line",
        )
        .help("end the string with `\"` on the line it starts on (write `\\n` for a line break inside it)");
    if let Some(curly) = text[open.start..line_end].rfind(['”', '“']) {
        let at = open.start + curly;
        d = d.suggest_at(
            Span::new(file, at, at + '”'.len_utf8()),
            "\"",
            true,
            "it ends with a curly quote `”`: type the ASCII `\"`;".to_string(),
        );
    }
    let skip = item_of(text, toks, open.start).map(|i| {
        let next = toks
            .iter()
            .enumerate()
            .find(|(j, t)| t.start > line_end && item_start(text, toks, *j).is_some())
            .map_or(text.len(), |(_, t)| t.start);
        (toks[i].start, next)
    });
    Some(Found {
        diagnostic: d,
        skip,
    })
}

/// A `{` still open when the next item or the end of the file comes.
fn unclosed_brace(file: FileId, text: &str, toks: &[Token], pos: usize) -> Option<Found> {
    let at = toks.iter().position(|t| t.start >= pos);
    let next_is_top = match at {
        None => None,
        Some(i) => Some(item_start(text, toks, i)?),
    };
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate().take_while(|(_, t)| t.start < pos) {
        match t.kind {
            Kind::Open => open.push(i),
            Kind::Close => {
                open.pop();
            }
            _ => {}
        }
    }
    // At a top-level keyword every block must be closed; at a body keyword
    // the block's own `{` may be open, an inner one (a rule's) not.
    let allowed = match next_is_top {
        Some(true) | None => 0,
        Some(false) => 1,
    };
    if open.len() <= allowed {
        return None;
    }
    let brace = toks[*open.last()?];
    let owner = item_of(text, toks, brace.start);
    let what = owner.map_or_else(
        || "this block".to_string(),
        |i| {
            let line_end = text[toks[i].start..]
                .find(['{', '\n'])
                .map_or(text.len(), |n| toks[i].start + n);
            format!("`{}`", text[toks[i].start..line_end].trim())
        },
    );
    let d = Diagnostic::new(Code::E0001, "unclosed `{`")
        .at(
            Span::new(file, brace.start, brace.end),
            format!("the block of {what} is not closed"),
        )
        .help("add the `}` that ends the block after its last line");
    let d = match at {
        Some(i) => d.also(
            Span::new(file, toks[i].start, toks[i].end),
            "the next item starts here, before the `}`",
        ),
        None => d.also(
            Span::new(file, text.len(), text.len()),
            "the file ends here",
        ),
    };
    let skip = match (owner, at) {
        (Some(o), Some(i)) => Some((toks[o].start, toks[i].start)),
        _ => None,
    };
    Some(Found {
        diagnostic: d,
        skip,
    })
}

/// Whether a rule starts an item or a step (so the token where pest failed
/// is the one to blame), rather than continuing the previous token.
fn starts_something(r: Rule) -> bool {
    matches!(
        r,
        Rule::EOI
            | Rule::agreement
            | Rule::general
            | Rule::product
            | Rule::version_field
            | Rule::effective_field
            | Rule::zone_field
            | Rule::source_field
            | Rule::calendar_field
            | Rule::billing_decl
            | Rule::capabilities_decl
            | Rule::resources_decl
            | Rule::events_decl
            | Rule::rule
            | Rule::ignore
            | Rule::scenario
            | Rule::late_fee
            | Rule::liability_cap
            | Rule::refund
            | Rule::refund_window
            | Rule::step
            | Rule::label
            | Rule::timing
            | Rule::cure
            | Rule::quote
            | Rule::note
            | Rule::allow
            | Rule::section
            | Rule::expect
            | Rule::scenario_event
            | Rule::reading
    )
}

fn names_expected(r: Rule) -> bool {
    matches!(
        r,
        Rule::ident | Rule::ident_list | Rule::ident_raw | Rule::target | Rule::targets
    )
}

/// “expected …, found …” with the hints that apply.
fn unexpected(
    file: FileId,
    text: &str,
    toks: &[Token],
    pos: usize,
    positives: &[Rule],
) -> Diagnostic {
    let rest = &text[pos..];
    let len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i)
        .clamp(rest.chars().next().map_or(0, char::len_utf8), 40);
    let found: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(24)
        .collect();
    let mut expected: Vec<&str> = positives.iter().filter_map(rule_words).collect();
    expected.sort_unstable();
    expected.dedup();
    let expected_text = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        many => {
            let (last, init) = many.split_last().unwrap_or((&"", &[]));
            format!("{} or {}", init.join(", "), last)
        }
    };
    let found_text = if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    let message = format!("expected {expected_text}, found {found_text}");
    // Blame the end of the previous line when the next line is where pest
    // noticed that something was missing.
    let previous = toks.iter().rev().find(|t| t.end <= pos);
    let at_line_start = toks
        .iter()
        .find(|t| t.start >= pos)
        .is_none_or(|t| t.first_on_line && t.start == pos);
    let continuation = !positives.is_empty() && !positives.iter().any(|r| starts_something(*r));
    let mut d = match previous {
        Some(p) if continuation && at_line_start => Diagnostic::new(Code::E0001, message)
            .at(
                Span::new(file, p.start, p.end),
                format!("expected {expected_text} after this"),
            )
            .also(
                Span::new(file, pos, pos + len),
                "found this on the next line",
            ),
        _ => Diagnostic::new(Code::E0001, message).at(
            Span::new(file, pos, pos + len),
            format!("expected {expected_text}"),
        ),
    };
    if let Some(p) = previous {
        let prev = &text[p.start..p.end];
        if positives.contains(&Rule::currency)
            && prev.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            d = d.help(format!(
                "an amount is a number and its currency, e.g. `{prev} CNY`"
            ));
        }
    }
    if let Some(hinted) = full_width(file, text, pos) {
        return hinted(d);
    }
    if let Some(hinted) = date_space_time(file, text, pos) {
        return hinted(d);
    }
    if crate::vocab::ACTIONS.iter().any(|a| a.name == found) {
        d = d.help(format!(
            "`{found}` is an action; a step starts with its timing, e.g. `after 24h {found} …`"
        ));
    } else if is_reserved(&found) && positives.iter().any(|r| names_expected(*r)) {
        d = d.help(format!(
            "`{found}` is a keyword and cannot be used as a name"
        ));
    }
    d
}

type Hint = Box<dyn FnOnce(Diagnostic) -> Diagnostic>;

/// A full-width look-alike in the word at `pos`: what to type instead.
fn full_width(file: FileId, text: &str, pos: usize) -> Option<Hint> {
    let word_end = text[pos..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(i, _)| pos + i);
    let (start, first) = text[pos..word_end]
        .char_indices()
        .find(|(_, c)| fold_char(*c) != *c)?;
    let start = pos + start;
    let run_end = text[start..word_end]
        .char_indices()
        .find(|(_, c)| fold_char(*c) == *c)
        .map_or(word_end, |(i, _)| start + i);
    // Curly quotes around words: replace the pair, keep the words.
    let run_end = match (first, text[start..word_end].rfind('”')) {
        ('“', Some(close)) if close > 0 => start + close + '”'.len_utf8(),
        _ => run_end,
    };
    let run = &text[start..run_end];
    let ascii = fold_full_width(run);
    let what = match first {
        '０'..='９' => "written in full-width digits",
        '；' => "a full-width semicolon",
        '：' => "a full-width colon",
        '，' => "a full-width comma",
        '、' => "an enumeration comma",
        '“' | '”' => "written with curly quotes",
        _ => "written in full-width characters",
    };
    let help = format!("`{run}` is {what}; type the ASCII `{ascii}`");
    Some(Box::new(move |d: Diagnostic| {
        d.suggest_at(Span::new(file, start, run_end), &ascii, true, help)
    }))
}

/// `2024-06-02 12:00`: date and time must be joined by `T`.
fn date_space_time(file: FileId, text: &str, pos: usize) -> Option<Hint> {
    let rest = text.get(pos..)?;
    let bytes = rest.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        bytes
            .get(r)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    let gap = rest[10..].len() - rest[10..].trim_start_matches([' ', '\t']).len();
    let time = 10 + gap;
    if gap == 0
        || !(digits(time..time + 2)
            && bytes.get(time + 2) == Some(&b':')
            && digits(time + 3..time + 5))
    {
        return None;
    }
    let end = time + 5;
    let fixed = format!("{}T{}", &rest[..10], &rest[time..end]);
    let help = format!("an instant joins its date and time with `T`: write `{fixed}`");
    Some(Box::new(move |d: Diagnostic| {
        d.suggest_at(Span::new(file, pos, pos + end), &fixed, true, help)
    }))
}
