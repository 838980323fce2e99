//! `clausec lsp` driven as an editor drives it: the real binary as a child
//! process, JSON-RPC over its stdin/stdout with `Content-Length` framing.
//! Every answer is asserted, positions in UTF-16 as the protocol wants.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// Long enough for a debug build to check a whole agreement on a busy machine.
const WAIT: Duration = Duration::from_secs(120);

struct Editor {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clausec"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("clausec lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_message(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Editor {
            child,
            stdin,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response's `result` (asserting no error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self
                .incoming
                .recv_timeout(WAIT)
                .expect("a response in time");
            if msg.get("id") == Some(&json!(id)) {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg.get("result").cloned().unwrap_or(Value::Null);
            }
            self.notifications.push(msg);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let msg = match self
                .notifications
                .iter()
                .position(|n| is_publish_for(n, uri))
            {
                Some(i) => self.notifications.remove(i),
                None => self
                    .incoming
                    .recv_timeout(WAIT)
                    .expect("diagnostics in time"),
            };
            if is_publish_for(&msg, uri) {
                return msg["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.notifications.push(msg);
        }
    }
}

fn is_publish_for(msg: &Value, uri: &str) -> bool {
    msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri
}

fn errors(diags: &[Value]) -> Vec<&Value> {
    diags.iter().filter(|d| d["severity"] == 1).collect()
}

/// Line and UTF-16 column of the first `needle` in `text`, plus `skip`
/// more UTF-16 units.
fn position_of(text: &str, needle: &str, skip: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in the file"));
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": col + skip})
}

#[test]
fn an_editor_session_on_a_shipped_file() {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "clauses",
        "aliyun-2018",
        "log_service.clause",
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path).expect("shipped file");
    let uri = format!("file://{}", path.display());
    let doc = json!({"uri": uri});
    let mut ed = Editor::start();

    // initialize: the capabilities an editor needs to offer each feature
    let init = ed.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"], 1, "full document sync");
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "documentSymbolProvider",
        "documentFormattingProvider",
    ] {
        assert_eq!(caps[cap], true, "{cap}");
    }
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!(["§"])
    );
    assert_eq!(init["serverInfo"]["name"], "clausec");
    ed.notify("initialized", json!({}));

    // didOpen: the whole 2018 agreement is checked; this file has no errors
    ed.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "clause", "version": 1, "text": text}}),
    );
    let opened = ed.diagnostics_for(&uri);
    assert!(errors(&opened).is_empty(), "{opened:?}");

    // didChange: a quote that is not in the agreement's text is E0028, its
    // range ending after the Chinese words in UTF-16 units (not bytes)
    let good_quote = quote_after(&text, "after 7d from suspended");
    let bad_quote = "\"这句话不在协议里\"";
    let broken = text.replacen(good_quote, bad_quote, 1);
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diags = ed.diagnostics_for(&uri);
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{diags:?}");
    let e = errs[0];
    assert_eq!(e["code"], "E0028");
    assert_eq!(e["source"], "clausec");
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains("quote not found"),
        "{e}"
    );
    let start = position_of(&broken, bad_quote, 0);
    assert_eq!(e["range"]["start"], start);
    let end_col = start["character"].as_u64().unwrap_or(0) + bad_quote.chars().count() as u64;
    assert_eq!(
        e["range"]["end"],
        json!({"line": start["line"], "character": end_col})
    );

    // didChange back: the error is gone
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    let fixed = ed.diagnostics_for(&uri);
    assert!(errors(&fixed).is_empty(), "{fixed:?}");

    // hover on `§1.1`: the article's own words from the 2018 text
    let hover = ed.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": position_of(&text, "keep_billing §1.1", 14)}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(shown.contains("**§1.1**"), "{shown}");
    assert!(
        shown.contains("您仍可继续使用阿里云日志服务24小时"),
        "{shown}"
    );
    assert!(!shown.contains("1.2."), "only §1.1's own words: {shown}");

    // hover on a duration: how it is counted
    let hover = ed.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": position_of(&text, "after 7d", 7)}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        shown.starts_with("after 7d from step `suspended`"),
        "{shown}"
    );
    assert!(
        shown.contains("exactly 7 × 24 hours from the anchor instant"),
        "{shown}"
    );

    // hover on an action: its meaning from the action table, and the modality
    let hover = ed.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": position_of(&text, "and purge data §1.2", 5)}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(shown.starts_with("**purge** — data deleted"), "{shown}");
    assert!(
        shown.contains("**irreversible**") && shown.contains("modality `will`"),
        "{shown}"
    );

    // hover on a quote: where the agreement text holds it
    let hover = ed.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": position_of(&text, good_quote, 3)}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(shown.contains("in `§1.2`"), "{shown}");

    // definition of the label `suspended` from `from suspended`
    let def = ed.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": position_of(&text, "after 7d from suspended", 15)}),
    );
    assert_eq!(def["uri"], uri);
    assert_eq!(def["range"]["start"], position_of(&text, "suspended:", 0));

    // completion inside a step: after the timing come actions and keywords …
    let items = ed.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": position_of(&text, "after 24h suspend", 10)}),
    );
    let labels = labels_of(&items);
    for want in ["suspend", "purge", "terminate", "may", "customer", "from"] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    assert!(!labels.contains(&"operations"), "{labels:?}");
    // … and after `freeze`, the product's capabilities
    let items = ed.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": position_of(&text, "freeze operations", 7)}),
    );
    let labels = labels_of(&items);
    assert!(
        labels.contains(&"operations") && labels.contains(&"service"),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"data"),
        "`freeze` takes capabilities, not resources: {labels:?}"
    );

    // document symbols: the product with its rule and scenarios
    let symbols = ed.request("textDocument/documentSymbol", json!({"textDocument": doc}));
    let product = &symbols[0];
    assert_eq!(product["name"], "product log_service");
    let children: Vec<&str> = product["children"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        children.first(),
        Some(&"on arrears [postpaid]"),
        "{children:?}"
    );
    assert_eq!(
        children
            .iter()
            .filter(|c| c.starts_with("scenario"))
            .count(),
        4
    );

    // formatting: a badly laid out buffer comes back as the shipped layout
    let messy = text.replacen("  billing postpaid", "billing     postpaid", 1);
    assert_ne!(messy, text);
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    let edits = ed.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = edits.as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["newText"], text.as_str());
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // shutdown, exit: the process ends with 0
    assert_eq!(ed.request("shutdown", Value::Null), Value::Null);
    ed.notify("exit", Value::Null);
    let status = wait_for_exit(&mut ed.child);
    assert_eq!(status, Some(0));
}

/// The labels of a completion answer.
fn labels_of(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default()
}

/// The quoted string (with its `"`) of the first `quote` after `marker`.
fn quote_after<'t>(text: &'t str, marker: &str) -> &'t str {
    let from = text.find(marker).expect("marker");
    let start = from + text[from..].find("quote \"").expect("a quote") + "quote ".len();
    let len = text[start + 1..].find('"').expect("closing quote") + 2;
    &text[start..start + len]
}

fn wait_for_exit(child: &mut Child) -> Option<i32> {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_is_1() {
    let mut ed = Editor::start();
    ed.send(json!({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": "file:///x.clause"}, "position": {"line": 0, "character": 0}}}));
    let msg = ed.incoming.recv_timeout(WAIT).expect("an answer");
    assert_eq!(msg["error"]["code"], -32002, "{msg}");
    ed.notify("exit", Value::Null);
    assert_eq!(wait_for_exit(&mut ed.child), Some(1));
}
