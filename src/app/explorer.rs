//! `broadcheck explore`: stateright's web Explorer on a model.
//!
//! stateright's Explorer has traps, handled here:
//! - It serves `./ui/*` from the working directory when such files exist, in place of its own
//!   UI. The server runs from a new directory made atomically with a random name and mode
//!   0700 (no other user can plant files in it), removed when the Explorer stops.
//! - Its responses carry no `Content-Type`. The user-facing port is a small loopback proxy that
//!   forwards each request to stateright's server (on a private loopback port) and adds the
//!   right content type (HTML, JavaScript, CSS, JSON).
//! - Nothing is checked until "Run to completion" is pressed. `explore` starts it once the
//!   server is up, so `/.status` fills in on its own; the Explorer's path view works as always.
//! - Its on-demand checker ignores depth limits. `explore` takes none, so nothing is silently
//!   dropped; bounded checks belong to `broadcheck check`.
//! - It panics when the port is taken. Binding happens here first, so a taken port is an
//!   input error.
//! - Its server takes a TCP address only, so the private port is a loopback port that other
//!   local users could reach too; it serves the same read-only views as the proxy, so no more
//!   is exposed than the front port already exposes. (Making it process-private would need a
//!   change to stateright's server.)
//! - The proxy serves at most 256 connections at once and closes one idle for 10 s or open
//!   for 30 s, so idle or trickling sockets cannot exhaust its threads. A request head over
//!   16 KiB is answered 431, a body over 64 KiB 413, a request that is not HTTP 400.
//! - Its background check is unbounded. Here it stops expanding states once the memory budget
//!   is reached or `--max-states` states were generated (stateright's `within_boundary`),
//!   and says so on stderr; the Explorer then shows the states found until then. A second
//!   signal or the budget's hard limit ends the process in a labelled line.

use crate::engine::spec::Reported;
use crate::engine::stateright_view::{stateright_properties, AsSpec};
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// Most connections the Explorer serves at once.
const MAX_CONNECTIONS: usize = 256;
/// A connection idle this long is closed.
const IDLE: Duration = Duration::from_secs(10);
/// A connection open this long is closed.
const DEADLINE: Duration = Duration::from_secs(30);
/// Largest request head and body the proxy reads.
const MAX_HEAD: usize = 16 << 10;
const MAX_BODY: usize = 64 << 10;

/// Where the background check stops expanding states.
#[derive(Default)]
struct Limit {
    max_states: Option<usize>,
    generated: std::sync::atomic::AtomicUsize,
    /// Why it stopped (0: it has not; 1: the state bound; 2: the memory budget).
    stopped: std::sync::atomic::AtomicU8,
}

impl Limit {
    fn admits(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if self.stopped.load(Relaxed) != 0 {
            return false;
        }
        let n = self.generated.fetch_add(1, Relaxed) + 1;
        if self.max_states.is_some_and(|m| n > m) {
            self.stopped.store(1, Relaxed);
            return false;
        }
        if n.is_multiple_of(1024)
            && matches!(
                crate::engine::stop::requested(),
                Some(crate::engine::stop::Request::Memory { .. })
            )
        {
            self.stopped.store(2, Relaxed);
            return false;
        }
        true
    }
}

/// Serves the Explorer on `addr` until SIGINT or SIGTERM. `say` gets the URL line, and a line
/// when the background check stops at `max_states` generated states or the memory budget.
pub fn serve<M>(
    model: M,
    addr: SocketAddr,
    max_states: Option<usize>,
    say: &dyn Fn(&str),
) -> Result<()>
where
    M: Reported + Send + 'static,
    M::State: PartialEq,
    M::Action: PartialEq,
{
    let front =
        TcpListener::bind(addr).map_err(|e| Error::Io(format!("cannot listen on {addr}: {e}")))?;
    let back = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| Error::Io(format!("cannot find a free loopback port: {e}")))?;
    // stateright serves `./ui/*` from the working directory if present: serve from a new,
    // empty directory made atomically with a random name and mode 0700, so no other user can
    // plant files there; it is removed when the Explorer stops (Ctrl-C included).
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("broadcheck-explorer-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(|e| Error::Io(format!("cannot make the Explorer's directory: {e}")))?;
    std::env::set_current_dir(dir.path())
        .map_err(|e| Error::Io(format!("cannot enter {}: {e}", dir.path().display())))?;
    let limit = std::sync::Arc::new(Limit {
        max_states,
        ..Limit::default()
    });
    let theirs = limit.clone();
    std::thread::spawn(move || {
        stateright::Model::checker(Charted(model, theirs)).serve(back);
    });
    let mut up = false;
    for _ in 0..200 {
        if TcpStream::connect(back).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    if !up {
        return Err(Error::Io("the Explorer's server did not start".into()));
    }
    // Start checking at once (the Explorer would otherwise wait for the button).
    let _ = forward(back, b"POST /.runtocompletion HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let bound = front.local_addr().unwrap_or(addr);
    say(&format!("http://{bound}/"));
    let mut told = false;
    front
        .set_nonblocking(true)
        .map_err(|e| Error::Io(format!("cannot poll {bound}: {e}")))?;
    let active = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    loop {
        match front.accept() {
            Ok((conn, _)) => {
                use std::sync::atomic::Ordering::Relaxed;
                // At most MAX_CONNECTIONS at once; beyond that a connection is closed at once.
                if active.load(Relaxed) >= MAX_CONNECTIONS {
                    drop(conn);
                    continue;
                }
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(IDLE));
                let _ = conn.set_write_timeout(Some(IDLE));
                active.fetch_add(1, Relaxed);
                let count = active.clone();
                let spawned = std::thread::Builder::new().spawn(move || {
                    let _ = proxy(conn, back);
                    count.fetch_sub(1, Relaxed);
                });
                if spawned.is_err() {
                    active.fetch_sub(1, Relaxed);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let why = limit.stopped.load(std::sync::atomic::Ordering::Relaxed);
                if why != 0 && !told {
                    told = true;
                    say(&match why {
                        1 => format!(
                            "explore: BOUNDED: the background check stopped expanding after {} generated states (--max-states); the Explorer shows what it found until then",
                            max_states.unwrap_or(0)
                        ),
                        _ => "explore: BOUNDED: the background check stopped expanding at the memory limit; the Explorer shows what it found until then".to_string(),
                    });
                }
                if crate::engine::stop::requested()
                    .is_some_and(|r| matches!(r, crate::engine::stop::Request::Signal(_)))
                {
                    drop(dir);
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// The model as the Explorer sees it: the model's own steps and properties, and beside each
/// state the sequence chart of the path that reached it ([`crate::app::diagram`]).
struct Charted<M>(M, std::sync::Arc<Limit>);

impl<M: Reported> AsSpec for Charted<M> {
    type Spec = M;
    fn as_spec(&self) -> &M {
        &self.0
    }
}

impl<M: Reported> stateright::Model for Charted<M> {
    type State = M::State;
    type Action = M::Action;
    fn init_states(&self) -> Vec<M::State> {
        self.0.init_states()
    }
    fn actions(&self, s: &M::State, actions: &mut Vec<M::Action>) {
        self.0.actions(s, actions)
    }
    fn next_state(&self, s: &M::State, a: M::Action) -> Option<M::State> {
        self.0.next_state(s, a)
    }
    fn format_action(&self, a: &M::Action) -> String {
        self.0.format_action(a)
    }
    fn format_step(&self, s: &M::State, a: M::Action) -> Option<String>
    where
        M::State: std::fmt::Debug,
    {
        self.0.format_step(s, a)
    }
    fn as_svg(&self, path: stateright::Path<M::State, M::Action>) -> Option<String> {
        crate::app::diagram::explorer_svg(&self.0, path)
    }
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        stateright_properties(self)
    }
    fn within_boundary(&self, s: &M::State) -> bool {
        self.0.within_boundary(s) && self.1.admits()
    }
}

/// The content type stateright forgot, from the request path.
fn content_type(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or(path);
    if path == "/" || path.ends_with(".htm") || path.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if path.ends_with(".js") {
        "application/javascript; charset=utf-8"
    } else if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.starts_with("/.") {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Why a request is refused before it reaches the Explorer.
#[derive(Debug, PartialEq)]
enum Refused {
    HeadTooLarge,
    BodyTooLarge,
    Malformed,
}

impl Refused {
    fn response(&self) -> &'static str {
        match self {
            Refused::HeadTooLarge => "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            Refused::BodyTooLarge => "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            Refused::Malformed => "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        }
    }
}

/// Reads one HTTP request (head and body) from `s`, within the size caps and the connection's
/// deadline; `Ok(Err(_))` if it is refused (a client that closes half-way sent a malformed
/// request), `Err(_)` if the connection failed or timed out.
fn read_request(s: &mut TcpStream) -> std::io::Result<std::result::Result<Vec<u8>, Refused>> {
    let opened = std::time::Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut read = |s: &mut TcpStream, buf: &mut Vec<u8>| -> std::io::Result<bool> {
        if opened.elapsed() >= DEADLINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "deadline",
            ));
        }
        let n = s.read(&mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    };
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if end > MAX_HEAD {
                return Ok(Err(Refused::HeadTooLarge));
            }
            let Ok(head) = std::str::from_utf8(&buf[..end]) else {
                return Ok(Err(Refused::Malformed));
            };
            let head = head.to_ascii_lowercase();
            let mut words = head.lines().next().unwrap_or("").split(' ');
            let well_formed = matches!(
                (words.next(), words.next(), words.next(), words.next()),
                (Some(m), Some(p), Some(v), None)
                    if !m.is_empty() && p.starts_with('/') && v.starts_with("http/1.")
            );
            if !well_formed {
                return Ok(Err(Refused::Malformed));
            }
            let mut len = 0;
            for l in head.lines().skip(1) {
                if let Some(v) = l.strip_prefix("content-length:") {
                    match v.trim().parse::<usize>() {
                        Ok(n) => len = n,
                        Err(_) => return Ok(Err(Refused::Malformed)),
                    }
                }
            }
            if len > MAX_BODY {
                return Ok(Err(Refused::BodyTooLarge));
            }
            while buf.len() < end + 4 + len {
                if !read(s, &mut buf)? {
                    return Ok(Err(Refused::Malformed));
                }
            }
            buf.truncate(end + 4 + len);
            return Ok(Ok(buf));
        }
        if buf.len() > MAX_HEAD {
            return Ok(Err(Refused::HeadTooLarge));
        }
        if !read(s, &mut buf)? {
            return Ok(Err(Refused::Malformed));
        }
    }
}

/// Sends a raw request to the backend and returns its whole response.
fn forward(back: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut b = TcpStream::connect(back)?;
    b.set_read_timeout(Some(Duration::from_secs(60)))?;
    b.write_all(request)?;
    let mut resp = Vec::new();
    b.read_to_end(&mut resp)?;
    Ok(resp)
}

/// Forwards one request, adding `Connection: close` and the missing content type.
fn proxy(mut client: TcpStream, back: SocketAddr) -> std::io::Result<()> {
    let req = match read_request(&mut client)? {
        Ok(req) => req,
        Err(refused) => {
            // A client that closed its side does not read the answer; that is fine.
            let _ = client.write_all(refused.response().as_bytes());
            return Ok(());
        }
    };
    let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(());
    };
    let head = String::from_utf8_lossy(&req[..end]).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let mut out = String::new();
    for (i, line) in head.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        if i > 0 && lower.starts_with("connection:") {
            continue;
        }
        out += line;
        out += "\r\n";
    }
    out += "Connection: close\r\n\r\n";
    let mut request = out.into_bytes();
    request.extend_from_slice(&req[end + 4..]);
    let resp = forward(back, &request)?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(resp.len());
    let rhead = String::from_utf8_lossy(&resp[..split]).to_string();
    let has_type = rhead
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("content-type:"));
    let mut lines = rhead.lines();
    let mut fixed = String::from(lines.next().unwrap_or("HTTP/1.1 502 Bad Gateway"));
    fixed += "\r\n";
    if !has_type {
        fixed += &format!("Content-Type: {}\r\n", content_type(&path));
    }
    for l in lines {
        fixed += l;
        fixed += "\r\n";
    }
    fixed += "\r\n";
    client.write_all(fixed.as_bytes())?;
    client.write_all(resp.get(split + 4..).unwrap_or_default())?;
    client.flush()
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn content_types() {
        assert_eq!(content_type("/"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("/app.js"),
            "application/javascript; charset=utf-8"
        );
        assert_eq!(content_type("/app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("/.status"), "application/json");
        assert_eq!(content_type("/.states/0/1"), "application/json");
    }
}
