//! The `broadcheck` command: the library's CLI with the built-in models. (The library installs
//! the global allocator: mimalloc, counted against the memory budget; see
//! `broadcheck::engine::stop`.)

fn main() {
    std::process::exit(broadcheck::app::cli::main());
}
