//! The `broadcheck` command: the library's CLI with the built-in models.

/// mimalloc: the search allocates and frees many small states; glibc's allocator spent a third
/// of the checker's time on them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(broadcheck::app::cli::main());
}
