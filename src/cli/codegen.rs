//! `clausec codegen`: a product's automaton as a Rust module
//! (see `eval::codegen`).

use crate::vocab::{Billing, Reading};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CodegenArgs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    #[arg(long)]
    pub product: String,
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Billing::NAMES))]
    pub billing: Option<String>,
    /// Which reading of two-reading steps the module bakes in.
    #[arg(long, default_value = "customer-safe", value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Reading::NAMES))]
    pub reading: String,
}

pub fn run(a: CodegenArgs) -> ExitCode {
    let program = match super::program_or_exit(&a.agreement) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let billing = a.billing.as_deref().and_then(Billing::from_name);
    let reading = Reading::from_name(&a.reading).unwrap_or(Reading::CustomerSafe);
    match program.select(&a.product, billing, reading) {
        Ok(m) => {
            let origin = a.agreement.display().to_string();
            print!("{}", crate::eval::codegen::generate_rust(&m, &origin));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
