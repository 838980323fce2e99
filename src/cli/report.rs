//! `clausec report`: writes the static site [`crate::site`] builds in memory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Agreement directories. Two versions of one agreement (the same title)
    /// also get a page comparing them.
    #[arg(required = true)]
    pub agreements: Vec<PathBuf>,
    /// Directory to write the site into (created if missing; files of the
    /// same name are replaced). Open `index.html` in a browser.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

fn write(root: &Path, page: &crate::site::Page) -> std::io::Result<()> {
    let path = page
        .path
        .split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &page.bytes)
}

pub fn run(a: ReportArgs) -> ExitCode {
    let (map, checked) = match super::checked_or_exit(&a.agreements) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let program = match crate::eval::Program::from_checked(checked) {
        Ok(p) => p,
        Err(diags) => {
            super::print_diagnostics(&map, &diags);
            return ExitCode::from(1);
        }
    };
    let pages = match crate::site::build(&map, &program) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for page in &pages {
        if let Err(e) = write(&a.output, page) {
            eprintln!(
                "error: cannot write `{}` in `{}`: {e}",
                page.path,
                a.output.display()
            );
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "wrote {} files to {}; open {}",
        pages.len(),
        a.output.display(),
        a.output.join("index.html").display()
    );
    ExitCode::SUCCESS
}
