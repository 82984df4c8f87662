//! Why a search stops from outside its own bounds: the memory budget and the signals (Ctrl-C,
//! SIGTERM). Every search polls [`requested`] where it already polls its timeout, and ends in
//! a labelled bounded report.
//!
//! # The memory budget
//! The process's allocator ([`Budgeted`], mimalloc underneath, installed by this crate for
//! every binary that links it) counts the bytes the program holds. Two limits:
//! - the **budget** (`--memory-limit`, by default 80 % of what this process may use: the
//!   lowest of its address-space limit, its cgroup's limit and the memory available when it
//!   started). A search that finds the budget reached stops after its current batch, with the
//!   report `stopped: memory limit 4.0 GB reached after 31,415,926 states`;
//! - a **hard limit** above it (an eighth more, at most 92 % of what the process may use),
//!   which catches what no search polls (a single huge allocation, a command that does not
//!   poll): the allocation that would cross it prints one labelled line and ends the process
//!   with exit code 1, instead of letting the allocation fail and the process abort.
//!
//! Counting is per thread, added to the shared count every 256 kB (so the count may lag by
//! that much per thread), which keeps the workers from contending for one atomic.

use std::alloc::{GlobalAlloc, Layout};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Bytes held now (requested sizes; each thread may hold up to [`FLUSH`] more, uncounted).
static HELD: AtomicI64 = AtomicI64::new(0);
/// The most ever held.
static PEAK: AtomicU64 = AtomicU64::new(0);
/// The budget (0: none set yet).
static BUDGET: AtomicU64 = AtomicU64::new(0);
/// The hard limit (u64::MAX: none).
static HARD: AtomicU64 = AtomicU64::new(u64::MAX);
/// States the running search has counted, for the hard-limit line.
static STATES: AtomicUsize = AtomicUsize::new(0);
/// The signal that asked the run to stop (0: none).
static SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// The hard limit was hit (its line is being written).
static DYING: AtomicBool = AtomicBool::new(false);

/// The global allocator: mimalloc, counting what is held. Installed by the default
/// `global-allocator` feature; a crate with that feature off installs it itself
/// (`#[global_allocator] static A: Budgeted = Budgeted;`) to keep the memory budget.
pub struct Budgeted;

#[cfg(feature = "global-allocator")]
#[global_allocator]
static ALLOC: Budgeted = Budgeted;

/// Some allocation went through [`Budgeted`] (so the budget is enforced).
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Whether this process's allocator counts what it holds: false if the binary installed
/// another global allocator, and the memory budget is then not enforced.
pub fn counting() -> bool {
    COUNTING.load(Relaxed)
}

/// Bytes a thread may count locally before it adds them to [`HELD`]: one shared atomic
/// updated on every allocation would make the search's workers contend for its cache line.
const FLUSH: i64 = 256 * 1024;

thread_local! {
    /// This thread's allocations minus frees not yet added to [`HELD`].
    static DELTA: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Adds this thread's uncounted bytes to the shared count. Workers call it before they end
/// (a thread's count is lost with it otherwise; it cannot have a destructor in an allocator).
pub fn flush_thread() {
    let left = DELTA.try_with(|d| d.replace(0)).unwrap_or(0);
    if left != 0 {
        HELD.fetch_add(left, Relaxed);
    }
}

impl Budgeted {
    #[inline]
    fn count(bytes: i64) {
        if !COUNTING.load(Relaxed) {
            COUNTING.store(true, Relaxed);
        }
        let flushed = DELTA
            .try_with(|d| {
                let x = d.get() + bytes;
                if x.abs() < FLUSH {
                    d.set(x);
                    0
                } else {
                    d.set(0);
                    x
                }
            })
            .unwrap_or(bytes);
        if flushed != 0 {
            // A thread may free what another allocated: the sum, not each part, is the count.
            let now = HELD.fetch_add(flushed, Relaxed) + flushed;
            if flushed > 0 && now.max(0) as u64 > HARD.load(Relaxed) && !DYING.swap(true, Relaxed) {
                hard_stop(now.max(0) as u64);
            }
        }
    }
}

// SAFETY: every call is forwarded to mimalloc unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Budgeted {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size() as i64);
        granted(mimalloc::MiMalloc.alloc(layout))
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size() as i64);
        granted(mimalloc::MiMalloc.alloc_zeroed(layout))
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::count(-(layout.size() as i64));
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count(new_size as i64 - layout.size() as i64);
        granted(mimalloc::MiMalloc.realloc(ptr, layout, new_size))
    }
}

/// An allocation the system refused (the address space or the cgroup is exhausted before the
/// count reached the hard limit: stacks and the allocator's own reserve are not counted):
/// the labelled line and exit 1 instead of an abort.
#[inline]
fn granted(p: *mut u8) -> *mut u8 {
    if p.is_null() && !DYING.swap(true, Relaxed) {
        hard_stop(held());
    }
    p
}

/// A fixed buffer to format into without allocating.
struct Line {
    buf: [u8; 512],
    len: usize,
}

impl std::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Writes `n` with thousands separators, without allocating.
fn grouped(out: &mut Line, n: usize) {
    let mut digits = [0u8; 20];
    let mut k = 0;
    let mut x = n;
    loop {
        digits[k] = b'0' + (x % 10) as u8;
        k += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    for i in (0..k).rev() {
        let _ = out.write_char(digits[i] as char);
        if i > 0 && i % 3 == 0 {
            let _ = out.write_char(',');
        }
    }
}

/// The hard limit was crossed: one labelled line, exit code 1. Allocates nothing.
#[cold]
fn hard_stop(held: u64) -> ! {
    let mut line = Line {
        buf: [0; 512],
        len: 0,
    };
    let _ = write!(
        line,
        "stopped: memory limit {} reached (hard limit {}, {} held) after ",
        Size(BUDGET.load(Relaxed)),
        Size(HARD.load(Relaxed)),
        Size(held)
    );
    grouped(&mut line, STATES.load(Relaxed));
    let _ = writeln!(
        line,
        " states: the run is bounded and no verdict was reached; raise --memory-limit or \
         try --reduce"
    );
    use std::io::Write;
    let _ = std::io::stderr().write_all(&line.buf[..line.len]);
    std::process::exit(1)
}

/// A byte count in words (`4.0 GB`, `512 MB`), decimal units.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0 as f64;
        if b >= 1e9 {
            write!(f, "{:.1} GB", b / 1e9)
        } else if b >= 1e6 {
            write!(f, "{:.0} MB", b / 1e6)
        } else if b >= 1e3 {
            write!(f, "{:.0} kB", b / 1e3)
        } else {
            write!(f, "{} B", self.0)
        }
    }
}

/// Parses `500M`, `4G`, `4GB`, `1.5G`, `800000000` (decimal units; `Ki`/`Mi`/`Gi` binary).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let x: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 500M, 4G)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("'{other}' is not a size unit (use K, M, G, T)")),
    };
    let bytes = x * mult;
    if bytes.is_nan() || bytes < 1e6 || !bytes.is_finite() {
        return Err(format!("memory limit '{text}' is below 1 MB"));
    }
    Ok(bytes as u64)
}

/// Bytes held now.
pub fn held() -> u64 {
    HELD.load(Relaxed).max(0) as u64
}

/// What this process may use: the lowest of its address-space limit, its cgroup's limit,
/// and the memory available now plus what it holds. `None` if none of them can be read.
pub fn process_cap() -> Option<u64> {
    let mut caps = Vec::new();
    if let Ok(limits) = std::fs::read_to_string("/proc/self/limits") {
        for l in limits.lines() {
            if let Some(rest) = l.strip_prefix("Max address space") {
                if let Some(v) = rest.split_whitespace().next().and_then(|v| v.parse().ok()) {
                    caps.push(v);
                }
            }
        }
    }
    for file in [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ] {
        if let Ok(v) = std::fs::read_to_string(file) {
            if let Ok(v) = v.trim().parse::<u64>() {
                if v < 1 << 60 {
                    caps.push(v);
                }
            }
        }
    }
    if let Ok(info) = std::fs::read_to_string("/proc/meminfo") {
        for l in info.lines() {
            if let Some(rest) = l.strip_prefix("MemAvailable:") {
                if let Some(kb) = rest
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    caps.push(kb * 1024 + held());
                }
            }
        }
    }
    caps.into_iter().min()
}

/// The default budget: 80 % of [`process_cap`] (4 GB if it cannot be read).
pub fn default_budget() -> u64 {
    process_cap().map_or(4_000_000_000, |c| c / 5 * 4)
}

/// Sets the budget, and the hard limit an eighth above it (at most 92 % of what the process
/// may use, and never below the budget).
pub fn set_budget(bytes: u64) {
    BUDGET.store(bytes, Relaxed);
    let mut hard = bytes.saturating_add(bytes / 8);
    if let Some(cap) = process_cap() {
        hard = hard.min(cap / 100 * 92).max(bytes);
    }
    HARD.store(hard, Relaxed);
}

/// The budget in force (`None` before [`set_budget`]).
pub fn budget() -> Option<u64> {
    Some(BUDGET.load(Relaxed)).filter(|&b| b > 0)
}

/// Peak bytes held since the last [`reset_peak`].
pub fn peak() -> u64 {
    PEAK.load(Relaxed).max(held())
}

/// Starts measuring the peak afresh.
pub fn reset_peak() {
    PEAK.store(held(), Relaxed);
}

/// A search tells how many states it has, for the hard-limit line and the peak.
pub fn note_states(n: usize) {
    STATES.store(n, Relaxed);
    let h = held();
    if h > PEAK.load(Relaxed) {
        PEAK.store(h, Relaxed);
    }
}

/// Why the run was asked to stop.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The budget is reached.
    Memory { limit: u64 },
    /// SIGINT (Ctrl-C) or SIGTERM.
    Signal(Signal),
}

/// The signals a run stops on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
    /// The shell's exit code for a process this signal ended: 128 + its number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }
}

/// Whether the run should stop now, and why (a signal first).
pub fn requested() -> Option<Request> {
    match SIGNAL.load(Relaxed) {
        2 => return Some(Request::Signal(Signal::Int)),
        15 => return Some(Request::Signal(Signal::Term)),
        _ => {}
    }
    let b = BUDGET.load(Relaxed);
    (b > 0 && held() >= b).then_some(Request::Memory { limit: b })
}

/// Installs the SIGINT and SIGTERM handlers that make searches stop with a partial report. A
/// second signal of either kind ends the process at once (exit 130 or 143).
pub fn install_signal_handlers() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        // SAFETY: the handler only touches an atomic and, on a second signal, calls `_exit`
        // (both async-signal-safe).
        unsafe {
            signal_hook::low_level::register(sig, move || {
                if SIGNAL.swap(sig as usize, Relaxed) != 0 {
                    signal_hook::low_level::exit(128 + sig);
                }
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("4G"), Ok(4_000_000_000));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("64Mi"), Ok(64 * 1024 * 1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("4X").is_err());
        assert!(parse_size("10k").is_err(), "below 1 MB");
        assert_eq!(Size(4_000_000_000).to_string(), "4.0 GB");
        assert_eq!(Size(512_000_000).to_string(), "512 MB");
    }

    #[test]
    fn grouped_counts_read_like_the_report() {
        let mut l = Line {
            buf: [0; 512],
            len: 0,
        };
        grouped(&mut l, 31_415_926);
        assert_eq!(&l.buf[..l.len], b"31,415,926");
    }

    #[test]
    fn the_allocator_counts_what_is_held() {
        // Other tests allocate and free meanwhile, but far less than the margin.
        let before = held();
        let v = vec![1u8; 400_000_000];
        assert!(held() >= before + 300_000_000);
        drop(v);
        assert!(held() < before + 100_000_000);
    }
}
