fn main() {
    let code = infrapipe::run_terminal(std::env::args_os().collect());
    std::process::exit(code);
}
