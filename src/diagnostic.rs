//! Problems found in clause files, as data.
//!
//! Every stage reports problems as [`Diagnostic`] values: a stable [`Code`],
//! a lowercase message with user input in backticks, a primary labelled span,
//! secondary spans where another place is involved, and an optional help
//! line. They are rendered in one place (`render`) with codespan-reporting;
//! nothing here prints.

use crate::ast::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($($name:ident = $text:literal, $sev:ident, $summary:literal;)*) => {
        /// Stable diagnostic codes. Documented with an example and a fix in
        /// `docs/errors.md`; never renumber.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $text,)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$sev,)* }
            }
            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $summary,)* }
            }
        }
    };
}

codes! {
    E0001 = "E0001", Error, "syntax error";
    E0002 = "E0002", Error, "file is not valid UTF-8";
    E0003 = "E0003", Error, "file too large";
    E0004 = "E0004", Error, "no clause files found";
    E0005 = "E0005", Error, "empty clause file";
    E0010 = "E0010", Error, "unknown event";
    E0011 = "E0011", Error, "unknown capability or resource";
    E0012 = "E0012", Error, "unknown action";
    E0013 = "E0013", Error, "unknown anchor";
    E0014 = "E0014", Error, "billing mode not declared";
    E0015 = "E0015", Error, "unknown product";
    E0016 = "E0016", Error, "unknown duration unit";
    E0017 = "E0017", Error, "unit mismatch";
    E0018 = "E0018", Error, "number out of range";
    E0019 = "E0019", Error, "anchor to a later step or a cycle";
    E0020 = "E0020", Error, "timeline goes backwards";
    E0021 = "E0021", Error, "contradicting actions at the same instant";
    E0022 = "E0022", Error, "duplicate product";
    E0023 = "E0023", Error, "duplicate label";
    E0024 = "E0024", Error, "duplicate rule";
    E0025 = "E0025", Error, "invalid or unsupported date";
    E0026 = "E0026", Error, "unknown time zone";
    E0027 = "E0027", Error, "missing or duplicate agreement header";
    E0028 = "E0028", Error, "quote not found in the source text";
    E0029 = "E0029", Error, "source text unreadable";
    E0030 = "E0030", Error, "action does not apply to this target";
    E0031 = "E0031", Error, "verb not allowed with this modality";
    E0032 = "E0032", Error, "unknown working-day calendar";
    E0033 = "E0033", Error, "invalid expectation";
    E0034 = "E0034", Error, "invalid scenario";
    E0035 = "E0035", Error, "duplicate declaration";
    E0036 = "E0036", Error, "invalid `allow`";
    E0037 = "E0037", Error, "cited article not in the agreement text";
    E0038 = "E0038", Error, "citation outside the block's part of the text";
    E0039 = "E0039", Error, "product section titled for another product";
    E0040 = "E0040", Error, "unknown variant value";
    E0041 = "E0041", Error, "variant missing or given twice";
    E0042 = "E0042", Error, "condition that can never hold";
    E0043 = "E0043", Error, "arrears state on an account without arrears";
    E0044 = "E0044", Error, "anchor on an event that starts no rule";
    E0045 = "E0045", Error, "`no_refund` and `refund` with the same scope";
    E0046 = "E0046", Error, "calendar count without a time zone";
    E0047 = "E0047", Error, "precedence that does nothing";
    E0048 = "E0048", Error, "invalid restriction";
    E0049 = "E0049", Error, "amount not allowed here";
    E0050 = "E0050", Error, "invalid working-day calendar file";
    E0051 = "E0051", Error, "property that cannot mean anything";
    E0052 = "E0052", Error, "money bound without a term of its kind";
    W0001 = "W0001", Warning, "irreversible action without earlier warning step";
    W0002 = "W0002", Warning, "step without citation";
    W0003 = "W0003", Warning, "step without quote";
    W0004 = "W0004", Warning, "step after `terminate` can never matter";
    W0005 = "W0005", Warning, "two readings without a note";
    W0006 = "W0006", Warning, "quote found outside the cited section";
    W0007 = "W0007", Warning, "`allow` that suppresses nothing";
    W0010 = "W0010", Warning, "money term shadowed by an earlier one";
    W0011 = "W0011", Warning, "general and product rule change the same state differently";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A labelled place in a source file.
#[derive(Clone, Debug, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// `None` only for problems that belong to no file (an empty directory).
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// A replacement the user probably meant (“did you mean”).
    pub suggestion: Option<Suggestion>,
}

/// A replacement for the text at `span`.
///
/// `safe` says whether a tool may apply it without asking (an editor's
/// quick fix, a future `clausec fix`): `true` only when the replacement is
/// another spelling of what the author wrote, so the meaning cannot change
/// — a full-width `２４` for `24`, `小时` for `h`, the zone alias
/// `Asia/Beijing` for `Asia/Shanghai`, `2024-06-02 12:00` for
/// `2024-06-02T12:00`. A “did you mean” found by spelling distance is never
/// safe: the closest name need not be the one meant, and a wrong action or
/// unit changes what the clause does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    pub safe: bool,
}

/// `error[E0010]: unknown event `x`` (and `; help: …`): the diagnostic
/// without its place. With the files at hand, [`Diagnostic::located`] says
/// where; the command line renders the source lines too (`render`).
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}[{}]: {}", self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A diagnostic with its place: `file:line:column: error[E…]: …`.
pub struct Located<'a> {
    diagnostic: &'a Diagnostic,
    map: &'a crate::source::SourceMap,
}

impl std::fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = &self.diagnostic.primary {
            let (line, column) = self
                .map
                .get(p.span.file)
                .map_or((0, 0), |file| file.line_col(p.span.start as usize));
            write!(f, "{}:{line}:{column}: ", self.map.name(p.span.file))?;
        }
        write!(f, "{}", self.diagnostic)
    }
}

impl Diagnostic {
    /// This diagnostic with the file, line and column it is about, read
    /// from `map` (the files it was found in).
    pub fn located<'a>(&'a self, map: &'a crate::source::SourceMap) -> Located<'a> {
        Located {
            diagnostic: self,
            map,
        }
    }

    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            suggestion: None,
        }
    }
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    /// Adds “did you mean `x`?” when a candidate is close enough to be a
    /// typo of `wrong`; the replacement covers the primary span and is not
    /// safe to apply unasked (see [`Suggestion`]). A `wrong` that is a
    /// full-width spelling of a candidate (`ｈ`) gets a safe suggestion.
    pub fn suggest<'a>(
        self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Diagnostic {
        let candidates: Vec<&str> = candidates.into_iter().collect();
        let folded = fold_full_width(wrong);
        if folded != wrong && candidates.contains(&folded.as_str()) {
            let help = format!("`{wrong}` is written with full-width characters; type `{folded}`");
            return self.replace_primary(&folded, true, help);
        }
        match closest(wrong, candidates) {
            Some(best) => {
                let help = format!("did you mean `{best}`?");
                self.replace_primary(best, false, help)
            }
            None => self,
        }
    }

    /// Suggests `replacement` for the primary span, with `help` put first.
    pub fn replace_primary(self, replacement: &str, safe: bool, help: String) -> Diagnostic {
        match self.primary.as_ref().map(|p| p.span) {
            Some(span) => self.suggest_at(span, replacement, safe, help),
            None => self,
        }
    }

    /// Suggests replacing `span` with `replacement`; `help` says why and is
    /// put before any help already given.
    pub fn suggest_at(
        mut self,
        span: Span,
        replacement: &str,
        safe: bool,
        help: String,
    ) -> Diagnostic {
        self.help = Some(match self.help.take() {
            Some(h) => format!("{help} {h}"),
            None => help,
        });
        self.suggestion = Some(Suggestion {
            span,
            replacement: replacement.to_string(),
            safe,
        });
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The candidate closest to `wrong`, if any is close enough to be a typo:
/// at most one edit (a swap of two neighbours counts as one) in three
/// characters, one for short words, and never a rewrite of the whole word —
/// `天` is not a typo of `h`, nor `Asia/Beijing` of `Asia/Brunei` (a shared
/// prefix is not a resemblance).
/// Ties go to the candidate that shares the longer start.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let n = wrong.chars().count();
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let dist = strsim::osa_distance(wrong, c);
        let shorter = n.min(c.chars().count());
        let close = dist > 0 && dist <= 1.max(n / 3) && dist < shorter;
        if !close {
            continue;
        }
        let score = strsim::jaro_winkler(wrong, c);
        if best.is_none_or(|(d, s, _)| dist < d || (dist == d && score > s)) {
            best = Some((dist, score, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// The ASCII look-alike of full-width forms (`２４` → `24`, `；` → `;`,
/// `ｈ` → `h`), the ideographic space and curly double quotes; every other
/// character unchanged. Chinese input methods produce these where the
/// language wants ASCII.
pub fn fold_full_width(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// One character's ASCII look-alike (see [`fold_full_width`]).
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{201C}' | '\u{201D}' => '"',
        '、' => ',',
        _ => c,
    }
}
