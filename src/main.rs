#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    quiet_on_broken_pipe();
    clausec::cli::main()
}

/// `clausec eval … | head` closes stdout early; the printing macros then
/// panic with "Broken pipe". Stop quietly instead, with exit code 0 as
/// `run` and `gen-events` do: the reader chose to stop reading.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if payload.contains("Broken pipe") || payload.contains("os error 32") {
            std::process::exit(0);
        }
        default(info);
    }));
}
