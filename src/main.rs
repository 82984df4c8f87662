//! The `broadcheck` command. Flags and subcommands live in [`cli`]; this only maps the outcome
//! to an exit code.

mod cli;

/// mimalloc: the search allocates and frees many small states; glibc's allocator spent a third
/// of the checker's time on them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
