//! `clausec explain`: the evaluation as a timeline for people.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub inputs: super::eval::Inputs,
    /// `text` for a terminal, `markdown` for a page or a ticket.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Markdown,
    /// One self-contained page: the timeline drawn as in `clausec report`.
    #[cfg(feature = "site")]
    Html,
}

pub fn run(a: ExplainArgs) -> ExitCode {
    let loaded = match super::eval::load_and_evaluate(&a.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    #[cfg(feature = "site")]
    if matches!(a.format, ExplainFormat::Html) {
        return match crate::site::explain_page(&loaded.machine, &loaded.events, &loaded.evaluation)
        {
            Ok(page) => {
                print!("{page}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let style = if matches!(a.format, ExplainFormat::Markdown) {
        crate::eval::explain::Style::Markdown
    } else {
        crate::eval::explain::Style::Text
    };
    print!(
        "{}",
        crate::eval::explain::explain(&loaded.machine, &loaded.events, &loaded.evaluation, style)
    );
    ExitCode::SUCCESS
}
