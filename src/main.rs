fn main() {
    std::process::exit(app2nix::run());
}
