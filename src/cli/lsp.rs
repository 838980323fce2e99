//! `clausec lsp`: the language server on stdin/stdout, for editors.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LspArgs {}

pub fn run(_args: LspArgs) -> ExitCode {
    match crate::lsp::transport::run_stdio() {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: the language server's connection failed: {e}");
            ExitCode::from(2)
        }
    }
}
