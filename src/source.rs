//! Source texts held in memory: the clause files of a run and the agreement
//! texts their headers name. The core never reads the disk; `load` fills a
//! [`SourceMap`] and everything downstream borrows from it.

use crate::ast::{FileId, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Name as shown in diagnostics (normally the path as given).
    pub name: String,
    /// Path on disk, when the file came from disk.
    pub path: Option<PathBuf>,
    pub text: String,
    /// Loaded only as context: a file of the agreement of a file the user
    /// named (its header, its general terms), checked with it but not
    /// reported on (see `frontend::split_context`).
    pub context: bool,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: Option<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            path,
            text,
            context: false,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// What a clause file's `source` (or `calendar "…"`) path resolved to.
#[derive(Clone, Debug)]
pub enum AgreementText {
    Loaded(String),
    Unreadable(String),
}

/// All the texts of one run.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Agreement source texts by resolved path.
    texts: BTreeMap<PathBuf, AgreementText>,
    /// Working-day calendar files (`calendar "…"` in a header) by resolved
    /// path.
    calendars: BTreeMap<PathBuf, AgreementText>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    /// Adds a clause file held in a string (library use, tests).
    pub fn add_str(&mut self, name: &str, text: &str) -> FileId {
        self.add(SourceFile::new(name, None, text))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether the file was loaded only as context.
    pub fn is_context(&self, id: FileId) -> bool {
        self.get(id).is_some_and(|f| f.context)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }

    /// 1-based line of a span's start.
    pub fn line(&self, span: Span) -> usize {
        self.get(span.file)
            .map_or(0, |f| f.line_col(span.start as usize).0)
    }

    pub fn add_agreement_text(&mut self, path: PathBuf, text: AgreementText) {
        self.texts.insert(path, text);
    }

    pub fn agreement_text(&self, path: &Path) -> Option<&AgreementText> {
        self.texts.get(path)
    }

    /// Adds the text of a working-day calendar file (see
    /// [`crate::calendar::WorkCalendar::parse`]).
    pub fn add_calendar_text(&mut self, path: PathBuf, text: AgreementText) {
        self.calendars.insert(path, text);
    }

    pub fn calendar_text(&self, path: &Path) -> Option<&AgreementText> {
        self.calendars.get(path)
    }

    /// Resolves a header's `source` path against the clause file it is in.
    pub fn resolve_source_path(&self, file: FileId, source: &str) -> PathBuf {
        let base = self
            .get(file)
            .and_then(|f| f.path.as_ref())
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        base.join(source)
    }
}

#[cfg(feature = "cli")]
impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let f = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        Ok(match f.line_starts.binary_search(&byte_index) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        })
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let f = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        let start = *f.line_starts.get(line_index).ok_or(
            codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: f.line_starts.len().saturating_sub(1),
            },
        )?;
        let end = f
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text.len());
        Ok(start..end)
    }
}
