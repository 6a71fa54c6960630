//! The `ghcr-gen` binary: parses flags, calls the library, prints its messages.

fn main() -> std::process::ExitCode {
    ghcr_gen::Exit::Ok.into()
}
