//! The `broadcheck` command. Flags and subcommands live in [`cli`]; this only maps the outcome
//! to an exit code.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
