//! `clausec graph`: the compiled automaton as Graphviz DOT.

use crate::vocab::{Billing, Reading};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GraphArgs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    #[arg(long)]
    pub product: String,
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Billing::NAMES))]
    pub billing: Option<String>,
}

pub fn run(a: GraphArgs) -> ExitCode {
    let program = match super::program_or_exit(&a.agreement) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let billing = a.billing.as_deref().and_then(Billing::from_name);
    match program.select(&a.product, billing, Reading::CustomerSafe) {
        Ok(m) => {
            print!("{}", crate::compile::dot::to_dot(&m.ir));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
