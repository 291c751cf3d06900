fn main() {
    // Not locked for the whole run: -v logs and progress bars write to stderr from other threads.
    let code = infrapipe::run(
        std::env::args_os().collect(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
