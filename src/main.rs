fn main() {
    std::process::exit(madoguchi::cli::main());
}
