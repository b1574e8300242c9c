//! The `blocs` binary: the command line (`cli`) over the `blocs` library. Argument
//! parsing, printing, the progress bar and exit codes live here and nowhere in the library.

mod cli;

fn main() -> std::process::ExitCode {
    // `blocs run | head` closes stdout early; like ripgrep, treat that as a normal end
    // rather than a panic (Rust ignores SIGPIPE, so printing reports it as an error).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    cli::main_with(std::env::args())
}
