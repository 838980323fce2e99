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
    W0001 = "W0001", Warning, "irreversible action without earlier warning step";
    W0002 = "W0002", Warning, "step without citation";
    W0003 = "W0003", Warning, "step without quote";
    W0004 = "W0004", Warning, "step after `terminate` can never matter";
    W0005 = "W0005", Warning, "two readings without a note";
    W0006 = "W0006", Warning, "quote found outside the cited section";
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
    pub suggestion: Option<String>,
}

impl Diagnostic {
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
    /// Adds “did you mean `x`?” when a close candidate exists.
    pub fn suggest<'a>(
        mut self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Diagnostic {
        if let Some(best) = closest(wrong, candidates) {
            self.help = Some(match self.help.take() {
                Some(h) => format!("did you mean `{best}`? {h}"),
                None => format!("did you mean `{best}`?"),
            });
            self.suggestion = Some(best.to_string());
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The candidate closest to `wrong`, if any is close enough to be a typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(wrong, c);
        let dist = strsim::levenshtein(wrong, c);
        let close = score >= 0.8 || dist <= 2.max(wrong.chars().count() / 3);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}
