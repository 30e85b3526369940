//! `sanbao`: the after-sales service system. See `sanbao --help`.

fn main() -> std::process::ExitCode {
    sanbao_server::cli::main()
}
