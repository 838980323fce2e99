//! The server's state machine: messages in, messages out, no IO.

use super::analysis::{Doc, Key, Snapshot};
use super::position::uri_to_path;
use super::{actions, complete, definition, diagnostics, hover, symbols, Disk};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Initialize, Request as _, Shutdown,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, InitializeResult,
    OneOf, PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for `initialize`.
    Starting,
    Running,
    /// `shutdown` received: only `exit` is expected.
    ShuttingDown,
    /// `exit` received; the value is the process's exit code.
    Exited(i32),
}

/// A language server for clause files over an abstract [`Disk`].
pub struct Server<D: Disk> {
    disk: D,
    phase: Phase,
    /// Open documents by URI.
    docs: BTreeMap<String, Doc>,
    /// Checked agreements of open documents, rebuilt when one changes.
    snapshots: BTreeMap<Key, Snapshot>,
    /// URIs whose last published diagnostics were not empty, per agreement.
    published: BTreeMap<Key, BTreeSet<String>>,
    /// The last syntax tree of each open document that parsed (completion
    /// needs the names declared around the cursor while the text is broken).
    parsed: BTreeMap<String, crate::ast::File>,
}

impl<D: Disk> Server<D> {
    pub fn new(disk: D) -> Server<D> {
        Server {
            disk,
            phase: Phase::Starting,
            docs: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            published: BTreeMap::new(),
            parsed: BTreeMap::new(),
        }
    }

    /// The exit code once the client sent `exit` (0 after a `shutdown`,
    /// 1 without one, as the protocol asks); `None` while running.
    pub fn exit_code(&self) -> Option<i32> {
        match self.phase {
            Phase::Exited(code) => Some(code),
            _ => None,
        }
    }

    /// Handles one message; returns what to send to the client.
    pub fn handle(&mut self, msg: Message) -> Vec<Message> {
        match msg {
            Message::Request(r) => vec![Message::Response(self.request(r))],
            Message::Notification(n) => self.notification(n),
            // The server sends no requests, so it expects no responses.
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        match (self.phase, r.method.as_str()) {
            (Phase::Starting, Initialize::METHOD) => {
                self.phase = Phase::Running;
                ok(id, initialize_result())
            }
            (Phase::Starting, _) => err(
                id,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized",
            ),
            (_, Initialize::METHOD) => err(
                id,
                ErrorCode::InvalidRequest,
                "the server is already initialized",
            ),
            (Phase::Running, Shutdown::METHOD) => {
                self.phase = Phase::ShuttingDown;
                ok(id, ())
            }
            (Phase::Running, _) => self.query(r),
            (_, _) => err(id, ErrorCode::InvalidRequest, "the server is shutting down"),
        }
    }

    /// A request about a document.
    fn query(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let method = r.method.clone();
        match method.as_str() {
            HoverRequest::METHOD => self.answer::<HoverRequest, _>(r, |s, p| {
                let pos = p.text_document_position_params;
                s.with_doc(&pos.text_document.uri, |snap, file| {
                    hover::hover(snap, file, pos.position)
                })
                .flatten()
            }),
            GotoDefinition::METHOD => self.answer::<GotoDefinition, _>(r, |s, p| {
                let pos = p.text_document_position_params;
                s.with_doc(&pos.text_document.uri, |snap, file| {
                    definition::definition(snap, file, pos.position)
                })
                .flatten()
            }),
            Completion::METHOD => self.answer::<Completion, _>(r, |s, p| {
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.as_str().to_string();
                let text = s.docs.get(&uri).map(|d| d.text.clone())?;
                s.snapshot_for(&uri)?;
                let snap = s.snapshots.get(&s.docs.get(&uri)?.key())?;
                let last = s.parsed.get(&uri);
                Some(complete::complete(snap, &text, pos.position, last))
            }),
            DocumentSymbolRequest::METHOD => self.answer::<DocumentSymbolRequest, _>(r, |s, p| {
                s.with_doc(&p.text_document.uri, symbols::document_symbols)
                    .flatten()
            }),
            Formatting::METHOD => self.answer::<Formatting, _>(r, |s, p| {
                s.with_doc(&p.text_document.uri, symbols::format).flatten()
            }),
            CodeActionRequest::METHOD => self.answer::<CodeActionRequest, _>(r, |s, p| {
                s.with_doc(&p.text_document.uri, |snap, file| {
                    actions::code_actions(snap, file, p.range)
                })
            }),
            _ => err(
                id,
                ErrorCode::MethodNotFound,
                &format!("`{method}` is not supported"),
            ),
        }
    }

    /// Decodes a request's parameters and answers it with `f`.
    fn answer<R, F>(&mut self, r: Request, f: F) -> Response
    where
        R: lsp_types::request::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize,
        F: FnOnce(&mut Self, R::Params) -> R::Result,
    {
        match serde_json::from_value::<R::Params>(r.params) {
            Ok(params) => ok(r.id, f(self, params)),
            Err(e) => err(
                r.id,
                ErrorCode::InvalidParams,
                &format!("invalid parameters for `{}`: {e}", R::METHOD),
            ),
        }
    }

    /// Runs `f` on the snapshot and file id of an open (or listed) document.
    fn with_doc<T>(
        &mut self,
        uri: &lsp_types::Uri,
        f: impl FnOnce(&Snapshot, crate::ast::FileId) -> T,
    ) -> Option<T> {
        let uri = uri.as_str().to_string();
        let snap = self.snapshot_for(&uri)?;
        let file = snap.file_id(&uri)?;
        Some(f(snap, file))
    }

    /// The checked agreement a document belongs to (built when missing).
    fn snapshot_for(&mut self, uri: &str) -> Option<&Snapshot> {
        let key = match self.docs.get(uri) {
            Some(d) => d.key(),
            None => Doc {
                uri: uri.to_string(),
                path: uri_to_path(uri),
                text: String::new(),
            }
            .key(),
        };
        if !self.snapshots.contains_key(&key) {
            let snap = Snapshot::build(&key, &self.docs, &self.disk);
            self.snapshots.insert(key.clone(), snap);
        }
        self.snapshots.get(&key)
    }

    fn notification(&mut self, n: Notification) -> Vec<Message> {
        if n.method == lsp_types::notification::Exit::METHOD {
            let code = if self.phase == Phase::ShuttingDown {
                0
            } else {
                1
            };
            self.phase = Phase::Exited(code);
            return Vec::new();
        }
        if self.phase != Phase::Running {
            return Vec::new();
        }
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(p) = params::<DidOpenTextDocument>(n) else {
                    return Vec::new();
                };
                let uri = p.text_document.uri.as_str().to_string();
                self.set_text(uri, p.text_document.text)
            }
            DidChangeTextDocument::METHOD => {
                let Some(p) = params::<DidChangeTextDocument>(n) else {
                    return Vec::new();
                };
                let uri = p.text_document.uri.as_str().to_string();
                // Full synchronisation: the last change holds the whole text.
                match p.content_changes.into_iter().last() {
                    Some(change) if change.range.is_none() => self.set_text(uri, change.text),
                    _ => Vec::new(),
                }
            }
            DidCloseTextDocument::METHOD => {
                let Some(p) = params::<DidCloseTextDocument>(n) else {
                    return Vec::new();
                };
                self.close(p.text_document.uri.as_str())
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                // Files beside the open ones may have changed on disk.
                self.snapshots.clear();
                let keys: BTreeSet<Key> = self.docs.values().map(Doc::key).collect();
                keys.into_iter().flat_map(|k| self.recheck(&k)).collect()
            }
            _ => Vec::new(),
        }
    }

    fn set_text(&mut self, uri: String, text: String) -> Vec<Message> {
        let doc = Doc {
            path: uri_to_path(&uri),
            uri: uri.clone(),
            text,
        };
        let key = doc.key();
        self.docs.insert(uri, doc);
        self.recheck(&key)
    }

    fn close(&mut self, uri: &str) -> Vec<Message> {
        let Some(doc) = self.docs.remove(uri) else {
            return Vec::new();
        };
        self.parsed.remove(uri);
        let key = doc.key();
        if self.docs.values().any(|d| d.key() == key) {
            return self.recheck(&key);
        }
        // Nothing of this agreement is open any more: clear what was shown.
        self.snapshots.remove(&key);
        self.published
            .remove(&key)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|u| publish(&u, Vec::new()))
            .collect()
    }

    /// Re-checks an agreement and publishes its diagnostics: every file
    /// with problems, and an empty list for files whose problems are gone.
    fn recheck(&mut self, key: &Key) -> Vec<Message> {
        let snap = Snapshot::build(key, &self.docs, &self.disk);
        let by_uri = diagnostics::by_uri(&snap);
        let before = self.published.remove(key).unwrap_or_default();
        let mut out = Vec::new();
        let mut now = BTreeSet::new();
        for (uri, diags) in by_uri {
            if !diags.is_empty() {
                now.insert(uri.clone());
            }
            if diags.is_empty() && !before.contains(&uri) && !self.docs.contains_key(&uri) {
                continue;
            }
            out.extend(publish(&uri, diags));
        }
        for uri in before.difference(&now) {
            if !out.iter().any(|m| is_publish_for(m, uri)) {
                out.extend(publish(uri, Vec::new()));
            }
        }
        self.published.insert(key.clone(), now);
        for (id, uri) in snap.uris() {
            if let (true, Some(ast)) = (self.docs.contains_key(uri), snap.ast(id)) {
                self.parsed.insert(uri.to_string(), ast.clone());
            }
        }
        self.snapshots.insert(key.clone(), snap);
        out
    }
}

/// A notification's parameters; a malformed notification is ignored (it has
/// no response to carry an error).
fn params<N: lsp_types::notification::Notification>(n: Notification) -> Option<N::Params> {
    serde_json::from_value(n.params).ok()
}

fn is_publish_for(m: &Message, uri: &str) -> bool {
    matches!(m, Message::Notification(n)
        if n.method == PublishDiagnostics::METHOD && n.params.get("uri").and_then(|u| u.as_str()) == Some(uri))
}

fn publish(uri: &str, diagnostics: Vec<lsp_types::Diagnostic>) -> Option<Message> {
    let uri = uri.parse().ok()?;
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    Some(Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        params,
    )))
}

fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::UTF16),
            text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(
                    complete::TRIGGER_CHARACTERS
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                ),
                ..CompletionOptions::default()
            }),
            document_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "clausec".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}

fn ok(id: RequestId, result: impl Serialize) -> Response {
    match serde_json::to_value(result) {
        Ok(v) => Response {
            id,
            result: Some(v),
            error: None,
        },
        Err(e) => err(id, ErrorCode::InternalError, &e.to_string()),
    }
}

fn err(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::path::{Path, PathBuf};

    /// A disk held in memory.
    struct MemDisk(BTreeMap<PathBuf, String>);

    impl Disk for MemDisk {
        fn clause_files(&self, dir: &Path) -> Vec<PathBuf> {
            self.0
                .keys()
                .filter(|p| p.parent() == Some(dir))
                .cloned()
                .collect()
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.0
                .get(path)
                .map(|t| t.clone().into_bytes())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn server(files: &[(&str, &str)]) -> Server<MemDisk> {
        let disk = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        let mut s = Server::new(MemDisk(disk));
        let init = s.handle(Message::Request(Request::new(
            0.into(),
            "initialize".into(),
            json!({"capabilities": {}}),
        )));
        assert!(matches!(&init[..], [Message::Response(r)] if r.error.is_none()));
        s
    }

    fn open(s: &mut Server<MemDisk>, uri: &str, text: &str) -> Vec<Value> {
        s.handle(Message::Notification(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri, "languageId": "clause", "version": 1, "text": text}}),
        )))
        .into_iter()
        .filter_map(|m| match m {
            Message::Notification(n) if n.params["uri"] == uri => {
                n.params["diagnostics"].as_array().cloned()
            }
            _ => None,
        })
        .flatten()
        .collect()
    }

    fn ask(s: &mut Server<MemDisk>, method: &str, params: Value) -> Value {
        match &s.handle(Message::Request(Request::new(
            7.into(),
            method.into(),
            params,
        )))[..]
        {
            [Message::Response(r)] => {
                assert!(r.error.is_none(), "{r:?}");
                r.result.clone().unwrap_or(Value::Null)
            }
            other => panic!("one response expected, got {other:?}"),
        }
    }

    const RULE: &str = "product p \"p\" §1 {\n  billing postpaid\n  capabilities c\n  on arrears {\n    after 24小时 suspend c §1.1 quote \"q\"\n    after 7天 stop c §1.2 quote \"r\"\n  }\n}\n";

    #[test]
    fn a_safe_suggestion_is_a_quick_fix_and_a_meaning_changing_one_is_not() {
        let mut s = server(&[]);
        let uri = "untitled:Untitled-1";
        let diags = open(&mut s, uri, RULE);
        let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
        assert_eq!(codes, ["E0016", "E0016"], "{diags:?}");
        let actions = ask(
            &mut s,
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": 4, "character": 0}, "end": {"line": 5, "character": 40}},
                   "context": {"diagnostics": []}}),
        );
        let actions = actions.as_array().cloned().unwrap_or_default();
        // 小时 is another spelling of `h`; 天 may mean `d` or `calendar days`
        assert_eq!(actions.len(), 1, "{actions:?}");
        assert_eq!(actions[0]["title"], "replace `小时` with `h`");
        assert_eq!(actions[0]["kind"], "quickfix");
        let edit = &actions[0]["edit"]["changes"][uri][0];
        assert_eq!(edit["newText"], "h");
        // `    after 24` is 12 UTF-16 units; 小时 is two
        assert_eq!(edit["range"]["start"], json!({"line": 4, "character": 12}));
        assert_eq!(edit["range"]["end"], json!({"line": 4, "character": 14}));
    }

    #[test]
    fn a_file_is_checked_with_its_directory_and_open_buffers_win_over_the_disk() {
        let header = "agreement a \"A\" {\n  zone Asia/Shanghai\n}\n";
        let general = "general §1 {\n  billing postpaid\n  events grace_end\n}\n";
        let product_on_disk = "product p \"p\" §2 {\n  billing postpaid\n  on grace_en at once stop §2.1 quote \"x\"\n}\n";
        let mut s = server(&[
            ("/agr/agreement.clause", header),
            ("/agr/general.clause", general),
            ("/agr/p.clause", product_on_disk),
        ]);
        // the buffer fixes the disk's typo: `grace_end` is the general terms' event
        let buffer = product_on_disk.replace("grace_en ", "grace_end ");
        let diags = open(&mut s, "file:///agr/p.clause", &buffer);
        assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");
        let def = ask(
            &mut s,
            "textDocument/definition",
            json!({"textDocument": {"uri": "file:///agr/p.clause"},
                   "position": {"line": 2, "character": 6}}),
        );
        assert_eq!(def["uri"], "file:///agr/general.clause");
        assert_eq!(def["range"]["start"], json!({"line": 2, "character": 9}));
        // closing the buffer clears what was shown
        let out = s.handle(Message::Notification(Notification::new(
            "textDocument/didClose".into(),
            json!({"textDocument": {"uri": "file:///agr/p.clause"}}),
        )));
        assert!(
            out.is_empty(),
            "nothing was published with problems: {out:?}"
        );
    }

    #[test]
    fn a_trigger_goes_to_the_general_rules_its_rule_replaces_as_written() {
        let header = "agreement a \"A\" {\n  zone Asia/Shanghai\n}\n";
        let general = "general §3 {\n  billing prepaid\n  on expiry at once stop service §3.4.1 quote \"x\"\n  on order after 7d void §4.2.1 quote \"y\"\n}\n";
        // the expiry rule replaces §3.4.1; the order rule shares `void`
        // with the general one but says nothing, so both apply
        let product = "product p \"p\" §1 {\n  billing prepaid\n  on expiry replaces §3.4.1 at once stop service §1.1 quote \"z\"\n  on order after 3d void §1.2 quote \"w\"\n}\n";
        let mut s = server(&[
            ("/agr/agreement.clause", header),
            ("/agr/general.clause", general),
            ("/agr/p.clause", product),
        ]);
        open(&mut s, "file:///agr/p.clause", product);
        let at = |s: &mut Server<MemDisk>, line: u32| {
            ask(
                s,
                "textDocument/definition",
                json!({"textDocument": {"uri": "file:///agr/p.clause"},
                       "position": {"line": line, "character": 5}}),
            )
        };
        let replaced = at(&mut s, 2);
        assert_eq!(replaced["uri"], "file:///agr/general.clause");
        assert_eq!(replaced["range"]["start"]["line"], 2);
        // a built-in event has no declaration, and nothing is replaced
        assert_eq!(at(&mut s, 3), Value::Null);
    }

    #[test]
    fn shutdown_then_exit_is_code_0_and_requests_after_shutdown_are_refused() {
        let mut s = server(&[]);
        assert_eq!(ask(&mut s, "shutdown", Value::Null), Value::Null);
        let refused = s.handle(Message::Request(Request::new(
            9.into(),
            "textDocument/hover".into(),
            json!({}),
        )));
        assert!(
            matches!(&refused[..], [Message::Response(r)] if r.error.as_ref().is_some_and(|e| e.code == ErrorCode::InvalidRequest as i32))
        );
        assert_eq!(s.exit_code(), None);
        s.handle(Message::Notification(Notification::new(
            "exit".into(),
            Value::Null,
        )));
        assert_eq!(s.exit_code(), Some(0));
    }

    const PRODUCT: &str = "product p \"p\" §1 {\n  billing postpaid\n  capabilities c\n  resources data\n  events deferral\n  on arrears {\n    s1: after 3h suspend c §1.1 quote \"foo\"\n    after 1d from s1 purge data §1.2 quote \"bar\"\n  }\n}\n";

    fn labels_at(s: &mut Server<MemDisk>, uri: &str, line: u32, character: u32) -> Vec<String> {
        let items = ask(
            s,
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["label"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn completion_fills_each_place_with_the_names_that_fit() {
        let mut s = server(&[
            (
                "/agr/agreement.clause",
                "agreement a \"A\" {\n  source \"text.txt\"\n}\n",
            ),
            (
                "/agr/text.txt",
                "1.【p】\n1.1 foo 说明\n1.2 bar\n2.【其他】\n2.1 baz\n",
            ),
        ]);
        let uri = "file:///agr/p.clause";
        let diags = open(&mut s, uri, PRODUCT);
        assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");
        let has = |l: &[String], w: &str| l.iter().any(|x| x == w);
        // a unit after a number (`3h`, the cursor after `h`)
        let units = labels_at(&mut s, uri, 6, 16);
        assert!(
            has(&units, "h") && has(&units, "calendar days"),
            "{units:?}"
        );
        // an event after `on`: built-in and the product's own
        let events = labels_at(&mut s, uri, 5, 5);
        assert!(
            has(&events, "arrears") && has(&events, "deferral"),
            "{events:?}"
        );
        // after `from`: the rule's labels and events
        let anchors = labels_at(&mut s, uri, 7, 18);
        assert!(
            has(&anchors, "s1") && has(&anchors, "arrears"),
            "{anchors:?}"
        );
        // targets fit the action: capabilities for `suspend`, resources for `purge`
        let caps = labels_at(&mut s, uri, 6, 25);
        assert!(
            has(&caps, "c") && has(&caps, "service") && !has(&caps, "data"),
            "{caps:?}"
        );
        let res = labels_at(&mut s, uri, 7, 27);
        assert!(has(&res, "data") && !has(&res, "c"), "{res:?}");
        // a citation: the articles of the product's own section of the text
        let sections = labels_at(&mut s, uri, 6, 28);
        assert!(
            has(&sections, "§1.1") && has(&sections, "§1.2"),
            "{sections:?}"
        );
        assert!(
            !has(&sections, "§2.1"),
            "another product's article: {sections:?}"
        );
    }

    #[test]
    fn a_filter_offers_the_products_variant_values_beside_its_billing_modes() {
        let mut s = server(&[]);
        let uri = "untitled:variants";
        let text = "product n \"n\" §1 {\n  billing prepaid, postpaid\n  variants term: monthly, yearly\n  on expiry [prepaid, monthly] at once stop service\n}\n";
        let diags = open(&mut s, uri, text);
        assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");
        // the cursor after `[prepaid, ` (line 3)
        let labels = labels_at(&mut s, uri, 3, 22);
        let has = |w: &str| labels.iter().any(|x| x == w);
        assert!(has("prepaid") && has("postpaid"), "{labels:?}");
        assert!(has("monthly") && has("yearly"), "{labels:?}");
        assert!(!has("term"), "the dimension is not a value: {labels:?}");
    }
}
