#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    clausec::cli::main()
}
