//! The `wenzheng` binary: a thin shell over [`wenzheng::cli`].

fn main() -> std::process::ExitCode {
    wenzheng::cli::main()
}
