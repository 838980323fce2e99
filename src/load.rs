//! The one place that reads the disk: collects clause files (`*.clause`)
//! from the paths a user names and the agreement texts their headers point
//! to, into a [`SourceMap`]. Problems are returned as diagnostics, never
//! printed.

use crate::ast::{FileId, HeaderField, Item, Span};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{AgreementText, SourceFile, SourceMap};
use crate::syntax::MAX_FILE_BYTES;
use std::path::{Path, PathBuf};

/// Error of the loader that belongs to no clause file (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {message}")]
    Io { path: String, message: String },
    #[error("working-day calendar `{path}`: {message}")]
    Calendar { path: String, message: String },
}

/// Clause files found under `paths` (files as given, directories walked
/// recursively, sorted for determinism).
pub fn find_clause_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| LoadError::Io {
            path: p.display().to_string(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "clause") {
            out.push(p);
        }
    }
    Ok(())
}

/// The rest of the agreements of the files named one by one in `paths`:
/// the other clause files of their directories that `found` does not hold.
/// A file of an agreement means nothing without its header and general
/// terms, so `clausec check FILE` checks it with them.
pub fn context_files(paths: &[PathBuf], found: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths.iter().filter(|p| p.is_file()) {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let entries = std::fs::read_dir(&dir).map_err(|e| LoadError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        for e in entries.filter_map(Result::ok) {
            let sibling = e.path();
            // `./x.clause` for a file named `x.clause`: keep the spelling
            // of the directory the user gave.
            let sibling = match p.parent() {
                Some(d) if d.as_os_str().is_empty() => e.file_name().into(),
                _ => sibling,
            };
            if sibling.is_file()
                && sibling.extension().is_some_and(|x| x == "clause")
                && !found.contains(&sibling)
                && !out.contains(&sibling)
            {
                out.push(sibling);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads clause files into a source map. A file that is not UTF-8 or is too
/// large becomes a diagnostic (with an empty text), so one bad file does not
/// hide the problems of the others.
pub fn load_files(files: &[PathBuf]) -> Result<(SourceMap, Vec<Diagnostic>), LoadError> {
    load_with_context(files, &[])
}

/// How the loader gets a file's bytes: the disk (`std::fs::read`), or a
/// caller that holds some texts in memory — the language server reads open
/// editor buffers over the disk through it, so it loads an agreement exactly
/// as the commands do.
pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<Vec<u8>>;

/// A file over [`MAX_FILE_BYTES`], refused before it is read whole.
#[derive(Debug, thiserror::Error)]
#[error("file too large: more than {MAX_FILE_BYTES} bytes, the limit")]
pub struct TooLarge;

/// Reads a file, no more than [`MAX_FILE_BYTES`] of it: a larger one is the
/// error [`TooLarge`] (inside the `io::Error`) after at most one byte more,
/// so memory does not grow with a file that will be refused anyway.
fn from_disk(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(std::io::Error::other(TooLarge));
    }
    Ok(bytes)
}

/// Whether a reader's error is [`TooLarge`].
fn too_large(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|x| x.is::<TooLarge>())
}

/// [`load_files`] reading through `read`.
pub fn load_files_with(
    files: &[PathBuf],
    read: Reader,
) -> Result<(SourceMap, Vec<Diagnostic>), LoadError> {
    load_reading(files, &[], read)
}

/// [`load_files`] of `files` and `context` together, in path order (as if
/// their directories had been named), the `context` ones marked as such.
pub fn load_with_context(
    files: &[PathBuf],
    context: &[PathBuf],
) -> Result<(SourceMap, Vec<Diagnostic>), LoadError> {
    load_reading(files, context, &from_disk)
}

fn load_reading(
    files: &[PathBuf],
    context: &[PathBuf],
    read: Reader,
) -> Result<(SourceMap, Vec<Diagnostic>), LoadError> {
    let mut all: Vec<(&PathBuf, bool)> = files
        .iter()
        .map(|f| (f, false))
        .chain(context.iter().map(|f| (f, true)))
        .collect();
    all.sort();
    let mut map = SourceMap::new();
    let mut diags = Vec::new();
    for (path, is_context) in all {
        let read = read(path);
        let name = path.display().to_string();
        let file = |text: String| {
            let mut f = SourceFile::new(name.clone(), Some(path.clone()), text);
            f.context = is_context;
            f
        };
        let over = match &read {
            Ok(bytes) => bytes.len() > MAX_FILE_BYTES,
            Err(e) => too_large(e),
        };
        if over {
            let id = map.add(file(String::new()));
            diags.push(
                Diagnostic::new(
                    Code::E0003,
                    format!("file too large: more than {MAX_FILE_BYTES} bytes, the limit"),
                )
                .at(Span::new(id, 0, 0), "this file")
                .help("split the agreement into one file per product"),
            );
            continue;
        }
        let bytes = read.map_err(|e| LoadError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        match String::from_utf8(bytes) {
            Ok(text) => {
                map.add(file(text));
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                let (line, col) = SourceFile::new("", None, prefix.clone()).line_col(valid);
                let id = map.add(file(prefix));
                diags.push(
                    Diagnostic::new(
                        Code::E0002,
                        format!("file is not valid UTF-8: bad byte at line {line}, column {col}"),
                    )
                    .at(Span::new(id, valid, valid), "invalid UTF-8 starts here")
                    .help("save the file as UTF-8"),
                );
            }
        }
    }
    Ok((map, diags))
}

/// Loads the agreement texts named by `source` fields of the parsed
/// headers, and the working-day calendar files named by `calendar "…"`.
pub fn load_agreement_texts(map: &mut SourceMap, parsed: &[crate::ast::File]) {
    load_agreement_texts_with(map, parsed, &from_disk);
}

/// [`load_agreement_texts`] reading through `read`.
pub fn load_agreement_texts_with(map: &mut SourceMap, parsed: &[crate::ast::File], read: Reader) {
    let mut wanted: Vec<(FileId, String, bool)> = Vec::new();
    for f in parsed {
        for item in &f.items {
            if let Item::Agreement(h) = item {
                for field in &h.fields {
                    match field {
                        HeaderField::Source(s) => wanted.push((f.id, s.value.clone(), false)),
                        HeaderField::CalendarFile(s) => wanted.push((f.id, s.value.clone(), true)),
                        _ => {}
                    }
                }
            }
        }
    }
    for (file, source, calendar) in wanted {
        let path = map.resolve_source_path(file, &source);
        let text = read_text(read, &path);
        if calendar {
            map.add_calendar_text(path, text);
        } else {
            map.add_agreement_text(path, text);
        }
    }
}

fn read_text(read: Reader, path: &Path) -> AgreementText {
    match read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => AgreementText::Loaded(t),
            Err(_) => AgreementText::Unreadable("not valid UTF-8".into()),
        },
        Err(e) => AgreementText::Unreadable(e.to_string()),
    }
}

/// Reads a working-day calendar file (`--calendar FILE`), in the format of
/// `data/cn_mainland_workdays.txt`; the error names the file and, for bad
/// content, the line and column.
pub fn read_calendar(path: &Path) -> Result<crate::calendar::WorkCalendar, LoadError> {
    let text = match read_text(&from_disk, path) {
        AgreementText::Loaded(t) => t,
        AgreementText::Unreadable(message) => {
            return Err(LoadError::Io {
                path: path.display().to_string(),
                message,
            })
        }
    };
    crate::calendar::WorkCalendar::parse(&text).map_err(|e| LoadError::Calendar {
        path: path.display().to_string(),
        message: match e {
            crate::calendar::CalendarError::Data {
                line,
                column,
                message,
            } => format!("line {line}, column {column}: {message}"),
            other => other.to_string(),
        },
    })
}

/// Everything a command needs from disk: the clause files under `paths`,
/// the rest of the agreement of each file named alone ([`context_files`]),
/// and the agreement texts their headers name.
pub fn load_all(paths: &[PathBuf]) -> Result<(SourceMap, Vec<Diagnostic>), LoadError> {
    let files = find_clause_files(paths)?;
    let context = context_files(paths, &files)?;
    let (mut map, diags) = load_with_context(&files, &context)?;
    let parsed: Vec<crate::ast::File> = map
        .files()
        .filter_map(|(id, f)| crate::syntax::parse(id, &f.text).ok())
        .collect();
    load_agreement_texts(&mut map, &parsed);
    Ok((map, diags))
}
