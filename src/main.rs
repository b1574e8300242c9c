//! The `blocs` binary: a thin wrapper around [`blocs::cli`].

fn main() -> std::process::ExitCode {
    blocs::cli::main_with(std::env::args())
}
