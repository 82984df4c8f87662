//! The bad-input campaign, kept: generated command lines and mutated model files, run against
//! the binary. Every case must end with a documented exit code (0, 1 or 2; never a signal or
//! a panic's 101), and bad input (2) with exactly one line on stderr.
//!
//! The generator is deterministic: `BROADCHECK_FUZZ_SEED=<n>` replays a run, and a failure
//! prints the seed and the case. `BROADCHECK_FUZZ_CASES` sets how many cases (default 400).

mod common;

use common::*;
use std::process::Output;

/// xorshift64*: small, deterministic, good enough to pick from lists.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn seed() -> u64 {
    std::env::var("BROADCHECK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_1202)
}

fn cases() -> usize {
    std::env::var("BROADCHECK_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400)
}

const MODELS: &[&str] = &[
    "beb",
    "eager-rb",
    "lazy-rb",
    "all-ack-urb",
    "majority-ack-urb",
    "sync-fail-stop-rb",
    "fifo",
    "causal-waiting",
    "sequencer-total-order",
    "isis-total-order",
    "om",
    "sm",
    "majority-consensus",
    "perfect-link",
    "exactly-once",
    "heartbeat-fd",
    "eager-gossip",
    "flood",
    "anti-entropy",
    // not models
    "bebb",
    "BEB",
    "",
    "-",
    "models/",
    "models/beb-claims-hold.toml",
    "nonesuch.toml",
    "ünïcode",
    "beb\u{7f}",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "abc",
    "",
    " ",
    "1e3",
    "99999999999999999999",
    "255",
    "256",
    "3.5",
    "٣",
    "0x3",
];

const KEYS: &[&str] = &[
    "msgs",
    "senders",
    "network",
    "detector",
    "variant",
    "loss",
    "ttl",
    "fanout",
    "m",
    "traitors",
    "fairness",
    "delay",
    "timeout",
    "sequencer",
    "op",
    "hb_delay",
    "nonesuch",
    "",
    "n",
    "f",
];

const VALUES: &[&str] = &[
    "1",
    "2",
    "all",
    "bag",
    "fifo",
    "on",
    "off",
    "0.5",
    "1/2",
    "",
    " ",
    "-1",
    "99999999999999999999",
    "perfect",
    "incomplete",
    "heartbeat",
    "p1",
    "pp1",
    "last",
    "commander",
    "any",
    "write",
    "é",
    "\u{a0}1",
    "1,2",
];

const PROPS: &[&str] = &[
    "RB4",
    "URB4",
    "RB2",
    "BEB2",
    "IC1",
    "IC2",
    "PRB4",
    "PL1",
    "SL1",
    "DS1",
    "PFD1",
    "nonesuch",
    "",
    "RB4 (witness)",
    "rb4",
];

/// One generated command line.
fn command_line(r: &mut Rng) -> Vec<String> {
    let cmd = r.pick(&[
        "check", "check", "check", "verify", "replay", "prob", "simulate", "list", "audit",
        "nonesuch", "",
    ]);
    let mut a: Vec<String> = vec![cmd.to_string()];
    if cmd == "list" {
        if r.chance(50) {
            a.extend([
                "--format".into(),
                r.pick(&["json", "text", "xml", ""]).into(),
            ]);
        }
        return a;
    }
    if cmd == "verify" {
        a.push(
            r.pick(&[
                "models/beb-claims-hold.toml",
                "models/nonesuch.toml",
                "/dev/null",
                "src",
                "",
            ])
            .into(),
        );
        if r.chance(30) {
            a.extend(["--jobs".into(), r.pick(NUMBERS).into()]);
        }
        return a;
    }
    a.push(r.pick(MODELS).into());
    for _ in 0..r.below(5) {
        match r.below(8) {
            0 => a.extend(["--n".into(), r.pick(NUMBERS).into()]),
            1 => a.extend(["--f".into(), r.pick(NUMBERS).into()]),
            2 | 3 => a.extend(["-p".into(), format!("{}={}", r.pick(KEYS), r.pick(VALUES))]),
            4 => a.extend(["-P".into(), r.pick(PROPS).into()]),
            5 => a.extend(["--threads".into(), r.pick(NUMBERS).into()]),
            6 => a.extend([
                "--reduce".into(),
                r.pick(&["all", "por", "none", "bogus", ""]).into(),
            ]),
            _ => a.extend(["--format".into(), r.pick(&["json", "text", "bogus"]).into()]),
        }
    }
    match cmd {
        "replay" => a.push(
            r.pick(&[
                "0",
                "0.0",
                "0.0.0.0",
                "",
                "x",
                "0..1",
                "99999999999999999999",
                "0.-1",
            ])
            .into(),
        ),
        "simulate" => a.extend(["--runs".into(), r.pick(&["1", "10", "0", "-5", "x"]).into()]),
        _ => {}
    }
    // Keep every case short: a bound on time and memory (the run is then bounded, exit 1).
    if matches!(cmd, "check" | "prob") {
        a.extend(["--timeout".into(), "2".into()]);
    }
    a.extend(["--memory-limit".into(), "400M".into()]);
    a
}

/// The contract, for any case: a documented exit code, no panic, one line for bad input.
fn assert_contract(o: &Output, case: &str, seed: u64) {
    let err = stderr(o);
    let code = o.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "seed {seed}: exit {code:?} for {case}\n{err}"
    );
    assert!(
        !err.contains("panicked"),
        "seed {seed}: panic for {case}\n{err}"
    );
    if code == Some(2) {
        let lines = err.lines().filter(|l| !l.trim().is_empty()).count();
        // clap's help on a missing subcommand is the one multi-line exit 2.
        let help = err.contains("Usage:");
        assert!(
            lines == 1 || help,
            "seed {seed}: {lines} lines for bad input {case}\n{err}"
        );
    }
}

#[test]
fn generated_command_lines_keep_the_contract() {
    let seed = seed();
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut codes = [0usize; 3];
    for _ in 0..cases() {
        let args = command_line(&mut r);
        let case = format!("{args:?}");
        let o = bin().args(&args).output().expect("runs");
        assert_contract(&o, &case, seed);
        codes[o.status.code().unwrap_or(0) as usize] += 1;
    }
    eprintln!(
        "fuzz (seed {seed}): {} command lines: {} exit 0, {} exit 1, {} exit 2",
        codes.iter().sum::<usize>(),
        codes[0],
        codes[1],
        codes[2]
    );
    assert!(codes[2] > 0 && codes[0] + codes[1] > 0, "{codes:?}");
}

/// Mutations of a real model file.
fn mutate(r: &mut Rng, text: &str) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    match r.below(7) {
        0 => b.truncate(r.below(b.len().max(1))),
        1 => {
            for _ in 0..1 + r.below(4) {
                let i = r.below(b.len().max(1));
                if let Some(x) = b.get_mut(i) {
                    *x = (r.next() & 0xff) as u8;
                }
            }
        }
        2 => b = text.replace("n = ", "n = \"").into_bytes(),
        3 => b = text.replace("[expect]", "[expectt]").into_bytes(),
        4 => b.extend_from_slice(b"\nunknown_key = 1\n"),
        5 => b = text.replace("holds", "maybe").into_bytes(),
        _ => b = (0..r.below(200)).map(|_| (r.next() & 0xff) as u8).collect(),
    }
    b
}

#[test]
fn mutated_model_files_keep_the_contract() {
    let seed = seed();
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) | 1);
    let originals: Vec<String> = [
        "models/beb-claims-hold.toml",
        "models/om-n4-f1-holds.toml",
        "models/perfect-link-claims-hold.toml",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok())
    .collect();
    assert!(!originals.is_empty());
    let dir = tmp_file("fuzz-seed.toml", "")
        .parent()
        .expect("dir")
        .to_path_buf();
    let n = cases() / 4;
    let mut codes = [0usize; 3];
    for i in 0..n {
        let text = &originals[i % originals.len()];
        let bytes = mutate(&mut r, text);
        let path = dir.join(format!("fuzz-{i}.toml"));
        std::fs::write(&path, &bytes).expect("write");
        let p = path.to_str().expect("path");
        let cmd = if r.chance(50) { "verify" } else { "check" };
        let o = bin()
            .args([cmd, p, "--memory-limit", "400M"])
            .output()
            .expect("runs");
        let case = format!("{cmd} of {:?}", String::from_utf8_lossy(&bytes));
        assert_contract(&o, &case, seed);
        codes[o.status.code().unwrap_or(0) as usize] += 1;
        let _ = std::fs::remove_file(&path);
    }
    eprintln!(
        "fuzz (seed {seed}): {n} mutated model files: {} exit 0, {} exit 1, {} exit 2",
        codes[0], codes[1], codes[2]
    );
}
