//! One agreement as the server sees it: every clause file of the open
//! file's directory (open buffers over the disk), parsed and checked the way
//! `clausec check` does, with what the requests need to answer from it.

use super::position::{path_to_uri, LineIndex};
use super::Disk;
use crate::ast::{self, FileId};
use crate::check::{self, quotes, Checked};
use crate::diagnostic::Diagnostic;
use crate::source::{AgreementText, SourceMap};
use crate::sourcetext::SourceText;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which files form the agreement of a document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// The clause files of one directory.
    Dir(PathBuf),
    /// A document that is not a file (`untitled:`), checked alone.
    Alone(String),
}

/// An open document: its text as the editor holds it.
#[derive(Clone, Debug)]
pub struct Doc {
    pub uri: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

impl Doc {
    pub fn key(&self) -> Key {
        match &self.path {
            Some(p) => Key::Dir(p.parent().map(Path::to_path_buf).unwrap_or_default()),
            None => Key::Alone(self.uri.clone()),
        }
    }
}

/// The agreement text of one agreement, made searchable once.
pub struct Text {
    /// The path as resolved from the header's `source`.
    pub path: PathBuf,
    pub raw: String,
    pub index: SourceText,
}

/// A checked agreement with its files.
pub struct Snapshot {
    pub map: SourceMap,
    /// The files that parsed.
    pub files: Vec<ast::File>,
    pub checked: Checked,
    /// The URI of each file of `map`, by file id.
    uris: Vec<String>,
    lines: Vec<LineIndex>,
    text: OnceCell<Option<Text>>,
}

impl Snapshot {
    /// Loads, parses and checks the agreement `key` names. Open documents
    /// (`docs`, by path) are read instead of the disk.
    pub fn build(key: &Key, docs: &BTreeMap<String, Doc>, disk: &dyn Disk) -> Snapshot {
        let mut map = SourceMap::new();
        let mut load_diags = Vec::new();
        let mut uris = Vec::new();
        let open_by_path: BTreeMap<&Path, &Doc> = docs
            .values()
            .filter_map(|d| d.path.as_deref().map(|p| (p, d)))
            .collect();
        let read = |p: &Path| -> std::io::Result<Vec<u8>> {
            match open_by_path.get(p) {
                Some(doc) => Ok(doc.text.clone().into_bytes()),
                None => disk.read(p),
            }
        };
        match key {
            Key::Dir(dir) => {
                let mut paths = disk.clause_files(dir);
                paths.extend(
                    open_by_path
                        .keys()
                        .filter(|p| p.parent() == Some(dir.as_path()))
                        .map(|p| p.to_path_buf()),
                );
                paths.sort();
                paths.dedup();
                // A file that vanished between listing and reading is left out.
                let readable: Vec<PathBuf> =
                    paths.into_iter().filter(|p| read(p).is_ok()).collect();
                if let Ok((m, d)) = crate::load::load_files_with(&readable, &read) {
                    map = m;
                    load_diags = d;
                }
                for (_, f) in map.files() {
                    let uri = f.path.as_deref().map_or_else(String::new, |p| {
                        open_by_path
                            .get(p)
                            .map_or_else(|| path_to_uri(p), |d| d.uri.clone())
                    });
                    uris.push(uri);
                }
            }
            Key::Alone(uri) => {
                if let Some(doc) = docs.get(uri) {
                    map.add_str(uri, &doc.text);
                    uris.push(uri.clone());
                }
            }
        }
        let (files, parse_diags) = crate::frontend::parse_loaded(&map, &load_diags);
        crate::load::load_agreement_texts_with(&mut map, &files, &read);
        let mut checked = check::check(&map, &files);
        let mut diagnostics = load_diags;
        diagnostics.extend(parse_diags);
        diagnostics.append(&mut checked.diagnostics);
        checked.diagnostics = diagnostics;
        let lines = map.files().map(|(_, f)| LineIndex::new(&f.text)).collect();
        Snapshot {
            map,
            files,
            checked,
            uris,
            lines,
            text: OnceCell::new(),
        }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.checked.diagnostics
    }

    pub fn uri(&self, id: FileId) -> Option<&str> {
        self.uris.get(id.0 as usize).map(String::as_str)
    }

    pub fn uris(&self) -> impl Iterator<Item = (FileId, &str)> {
        self.uris
            .iter()
            .enumerate()
            .map(|(i, u)| (FileId(i as u32), u.as_str()))
    }

    pub fn file_id(&self, uri: &str) -> Option<FileId> {
        self.uris
            .iter()
            .position(|u| u == uri)
            .map(|i| FileId(i as u32))
    }

    pub fn text_of(&self, id: FileId) -> &str {
        self.map.get(id).map_or("", |f| f.text.as_str())
    }

    pub fn lines(&self, id: FileId) -> Option<&LineIndex> {
        self.lines.get(id.0 as usize)
    }

    /// The parsed file, when it parsed.
    pub fn ast(&self, id: FileId) -> Option<&ast::File> {
        self.files.iter().find(|f| f.id == id)
    }

    /// Every block of the agreement.
    pub fn blocks(&self) -> impl Iterator<Item = &ast::Block> {
        self.files.iter().flat_map(|f| {
            f.items.iter().filter_map(|i| match i {
                ast::Item::Block(b) => Some(b),
                ast::Item::Agreement(_) => None,
            })
        })
    }

    /// The LSP location of a span.
    pub fn location(&self, span: ast::Span) -> Option<lsp_types::Location> {
        let uri = self.uri(span.file)?.parse().ok()?;
        let range = self.lines(span.file)?.range(
            self.text_of(span.file),
            span.start as usize,
            span.end as usize,
        );
        Some(lsp_types::Location { uri, range })
    }

    /// The agreement's text (the header's `source`), when it loaded.
    pub fn agreement_text(&self) -> Option<&Text> {
        self.text
            .get_or_init(|| {
                self.files.iter().find_map(|f| {
                    let (file, source) = quotes::source_field(f)?;
                    let path = self.map.resolve_source_path(file, &source.value);
                    match self.map.agreement_text(&path)? {
                        AgreementText::Loaded(raw) => Some(Text {
                            index: SourceText::new(raw),
                            raw: raw.clone(),
                            path,
                        }),
                        AgreementText::Unreadable(_) => None,
                    }
                })
            })
            .as_ref()
    }
}
