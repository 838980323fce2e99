//! `clausec graph`: the compiled automaton as Graphviz DOT.

use crate::eval::Program;
use crate::vocab::{Billing, Reading};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GraphArgs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    #[arg(long)]
    pub product: String,
    #[arg(long, value_parser = ["prepaid", "postpaid", "package"])]
    pub billing: Option<String>,
}

pub fn run(a: GraphArgs) -> ExitCode {
    let (map, load_diags) = match crate::load::load_all(std::slice::from_ref(&a.agreement)) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let program = match Program::from_checked(crate::frontend::front_end(&map, load_diags)) {
        Ok(p) => p,
        Err(diags) => {
            super::print_diagnostics(&map, &diags);
            return ExitCode::from(1);
        }
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
