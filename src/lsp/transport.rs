//! The server's IO, and the only part of [`crate::lsp`] that does any:
//! JSON-RPC over stdin/stdout (the `lsp-server` crate's framing and reader
//! and writer threads) and the real disk.

use super::{Disk, Server};
use std::path::{Path, PathBuf};

/// The file system as it is.
pub struct StdDisk;

impl Disk for StdDisk {
    fn clause_files(&self, dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "clause"))
            .collect();
        out.sort();
        out
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// Serves the protocol on stdin/stdout until the client says `exit` or
/// closes stdin. Returns the exit code the protocol asks for: 0 after
/// `shutdown` then `exit`, 1 otherwise.
pub fn run_stdio() -> std::io::Result<i32> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let mut server = Server::new(StdDisk);
    let mut code = 1;
    for msg in &connection.receiver {
        for out in server.handle(msg) {
            if connection.sender.send(out).is_err() {
                break;
            }
        }
        if let Some(c) = server.exit_code() {
            code = c;
            break;
        }
    }
    drop(connection);
    io_threads.join()?;
    Ok(code)
}
