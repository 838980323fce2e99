//! `clausec codegen`: a product's automaton as a Rust module
//! (see `eval::codegen`).

use crate::vocab::Reading;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CodegenArgs {
    /// Directory of the agreement's clause files.
    pub agreement: PathBuf,
    /// Product id (as in `product <id> "…" §N`).
    #[arg(long)]
    pub product: String,
    /// Billing mode; required when the product is sold in several.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Billing::NAMES))]
    pub billing: Option<String>,
    /// The account's variant values, one per dimension the product declares
    /// (`--variant yearly`, or `--variant yearly,platinum`), as a scenario
    /// names them after the billing mode; required for a dimension the
    /// account's rules or money terms filter on.
    #[arg(long = "variant", value_name = "VALUE", value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Which reading of two-reading steps the module bakes in.
    #[arg(long, default_value = "customer-safe", value_parser = clap::builder::PossibleValuesParser::new(crate::vocab::Reading::NAMES))]
    pub reading: String,
}

pub fn run(a: CodegenArgs) -> ExitCode {
    let program = match super::program_or_exit(&a.agreement) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let reading = Reading::from_name(&a.reading).unwrap_or(Reading::CustomerSafe);
    match super::machine_or_exit(
        &program,
        &a.product,
        a.billing.as_deref(),
        &a.variants,
        reading,
    ) {
        Ok(m) => {
            let origin = a.agreement.display().to_string();
            match crate::eval::codegen::generate_rust(&m, &origin) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(code) => code,
    }
}
