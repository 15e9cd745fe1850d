fn main() -> std::process::ExitCode {
    brain_db::cli::main()
}
