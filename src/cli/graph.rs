//! `clausec graph`: the compiled automaton as Graphviz DOT.

use crate::vocab::Reading;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GraphArgs {
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
}

pub fn run(a: GraphArgs) -> ExitCode {
    let program = match super::program_or_exit(&a.agreement) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match super::machine_or_exit(
        &program,
        &a.product,
        a.billing.as_deref(),
        &a.variants,
        Reading::CustomerSafe,
    ) {
        Ok(m) => {
            print!("{}", crate::compile::dot::to_dot(&m.ir));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
