#![allow(dead_code)]
//! A fault-injecting HTTP proxy on loopback, between the binary and moto: it answers some
//! requests with a 5xx, a throttling error in the service's own protocol, a reset connection or
//! a late answer, at configurable rates and reproducibly from a seed. Faults are injected before
//! the request reaches moto (as when AWS's front end sheds load), so a retry is always safe.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often each fault happens, as a share of requests, and the seed that fixes which.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub seed: u64,
    /// 500 or 503, with an empty body or an XML error body.
    pub server_error: f64,
    /// The service's throttling error in its protocol (query XML, JSON, REST-JSON, S3 SlowDown).
    pub throttle: f64,
    /// The connection reset before any answer.
    pub reset: f64,
    /// Answered correctly, but only after `delay`.
    pub slow: f64,
    pub delay: Duration,
    /// 5xx answers always have an empty body (what the SDK cannot parse), never an XML one.
    pub empty_5xx_only: bool,
    /// Faults only for this action (`Action=X` in a query body, or a JSON target ending in X),
    /// and only after its first `spare` calls went through: a failure placed mid-flow.
    pub only: Option<&'static str>,
    pub spare: u64,
}

impl Faults {
    /// `rate` of the requests fail, split between 5xx, throttling, resets and late answers.
    pub fn at(rate: f64, seed: u64) -> Faults {
        Faults {
            seed,
            server_error: rate * 0.4,
            throttle: rate * 0.3,
            reset: rate * 0.2,
            slow: rate * 0.1,
            delay: Duration::from_millis(300),
            empty_5xx_only: false,
            only: None,
            spare: 0,
        }
    }

    /// Nothing injected: the proxy only forwards.
    pub fn none() -> Faults {
        Faults::at(0.0, 0)
    }
}

/// What the proxy did, counted by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Injected {
    pub forwarded: usize,
    pub server_errors: usize,
    pub throttles: usize,
    pub resets: usize,
    pub slow: usize,
}

impl Injected {
    pub fn faults(&self) -> usize {
        self.server_errors + self.throttles + self.resets + self.slow
    }
}

pub struct FaultProxy {
    pub endpoint: String,
    port: u16,
    stop: Arc<AtomicBool>,
    injected: Arc<Mutex<Injected>>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: u16,
    faults: Faults,
    injected: Arc<Mutex<Injected>>,
    /// How many times each request key was seen: the n-th occurrence of a call draws the same
    /// fault on every run, whatever order concurrent calls arrive in.
    seen: Mutex<HashMap<String, u64>>,
    /// Calls of `Faults::only` seen so far.
    matched: std::sync::atomic::AtomicU64,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to moto on `upstream`.
    pub fn start(upstream: u16, faults: Faults) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let injected = Arc::new(Mutex::new(Injected::default()));
        let shared = Arc::new(Shared {
            upstream,
            faults,
            injected: injected.clone(),
            seen: Mutex::new(HashMap::new()),
            matched: std::sync::atomic::AtomicU64::new(0),
        });
        let stopping = stop.clone();
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve(conn, &shared));
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            stop,
            injected,
            accept: Some(accept),
        }
    }

    pub fn injected(&self) -> Injected {
        self.injected.lock().map(|i| i.clone()).unwrap_or_default()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// One client connection: one request, one answer, then closed (the client opens another).
fn serve(mut client: TcpStream, shared: &Shared) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(head) = peek_head(&client) else {
        return;
    };
    let request = Request::parse(&head);
    let mut fault = shared.draw(&request);
    if let (Fault::Reset, None) = (fault, shared.faults.only) {
        shared.count(|i| i.resets += 1);
        // Closing with the request still unread makes the kernel send a RST, not a FIN.
        drop(client);
        return;
    }
    let mut raw = vec![0; head.len()];
    if client.read_exact(&mut raw).is_err() {
        return;
    }
    let Some(body) = read_body(&mut client, &request) else {
        return;
    };
    if let Some(action) = shared.faults.only {
        let hit = request.is_action(action, &body)
            && shared.matched.fetch_add(1, Ordering::SeqCst) >= shared.faults.spare;
        if !hit {
            fault = Fault::None;
        }
    }
    if let Fault::Reset = fault {
        // The body is read by now: the connection closes without an answer.
        shared.count(|i| i.resets += 1);
        return;
    }
    let answer = match fault {
        Fault::ServerError(n) => {
            shared.count(|i| i.server_errors += 1);
            server_error(n, shared.faults.empty_5xx_only, &request)
        }
        Fault::Throttle => {
            shared.count(|i| i.throttles += 1);
            throttle(&request)
        }
        Fault::Slow => {
            shared.count(|i| i.slow += 1);
            std::thread::sleep(shared.faults.delay);
            forward(shared.upstream, &request, &body)
        }
        Fault::None | Fault::Reset => {
            shared.count(|i| i.forwarded += 1);
            forward(shared.upstream, &request, &body)
        }
    };
    let _ = client.write_all(&answer);
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Both);
}

/// The request's head (through the blank line), without taking it off the socket.
fn peek_head(s: &TcpStream) -> Option<Vec<u8>> {
    let mut buf = vec![0; 64 * 1024];
    for _ in 0..5_000 {
        let n = s.peek(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = find(&buf[..n], b"\r\n\r\n") {
            return Some(buf[..end + 4].to_vec());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The parts of a request the proxy looks at.
struct Request {
    line: String,
    /// Header lines as sent, without the request line.
    headers: Vec<(String, String)>,
}

impl Request {
    fn parse(head: &[u8]) -> Request {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let line = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Request { line, headers }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The signing name from the SigV4 credential scope (`.../us-east-1/cloudformation/aws4_request`).
    fn service(&self) -> String {
        self.header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split(',').next())
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or_default()
            .to_owned()
    }

    fn protocol(&self) -> Protocol {
        if self.header("x-amz-target").is_some() {
            Protocol::Json
        } else if self
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
        {
            Protocol::Query
        } else if self.service() == "s3" {
            Protocol::S3
        } else {
            Protocol::RestJson
        }
    }

    /// What identifies the call: method, path, and the JSON target when there is one (query
    /// calls differ by body, which is not read yet; the path and count tell them apart enough).
    fn key(&self) -> String {
        let path = self.line.split(' ').nth(1).unwrap_or_default();
        let path = path.split('?').next().unwrap_or_default();
        format!(
            "{} {path} {} {}",
            self.line.split(' ').next().unwrap_or_default(),
            self.service(),
            self.header("x-amz-target").unwrap_or_default()
        )
    }

    /// Whether the request is the call `action` (query protocol: in the body; JSON: the target).
    fn is_action(&self, action: &str, body: &[u8]) -> bool {
        let in_body = find(body, format!("Action={action}&").as_bytes()).is_some()
            || body.ends_with(format!("Action={action}").as_bytes());
        let target = self
            .header("x-amz-target")
            .is_some_and(|t| t.ends_with(&format!(".{action}")));
        in_body || target
    }

    fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Query,
    Json,
    RestJson,
    S3,
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    /// Which of the four 5xx answers (503/500, empty/XML).
    ServerError(u64),
    Throttle,
    Reset,
    Slow,
}

impl Shared {
    fn draw(&self, request: &Request) -> Fault {
        let key = request.key();
        let n = {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let r = splitmix(splitmix(self.faults.seed) ^ fnv(&key) ^ splitmix(n));
        let u = (r >> 11) as f64 / (1u64 << 53) as f64;
        let f = &self.faults;
        let mut edge = f.server_error;
        if u < edge {
            return Fault::ServerError(r & 3);
        }
        edge += f.throttle;
        if u < edge {
            return Fault::Throttle;
        }
        edge += f.reset;
        if u < edge {
            return Fault::Reset;
        }
        edge += f.slow;
        if u < edge {
            return Fault::Slow;
        }
        Fault::None
    }

    fn count(&self, f: impl FnOnce(&mut Injected)) {
        if let Ok(mut i) = self.injected.lock() {
            f(&mut i);
        }
    }
}

/// SplitMix64: a small, well-mixed, deterministic generator step.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The body as sent (chunked bodies kept in their chunked form, to forward as they came).
fn read_body(client: &mut TcpStream, request: &Request) -> Option<Vec<u8>> {
    if request.chunked() {
        let mut body = Vec::new();
        let mut byte = [0u8; 1];
        // Read to the last chunk ("0\r\n") and the trailers' blank line.
        loop {
            client.read_exact(&mut byte).ok()?;
            body.push(byte[0]);
            if body.ends_with(b"\r\n\r\n") && last_chunk_started(&body) {
                return Some(body);
            }
        }
    }
    let mut body = vec![0; request.content_length()];
    client.read_exact(&mut body).ok()?;
    Some(body)
}

fn last_chunk_started(body: &[u8]) -> bool {
    body.starts_with(b"0\r\n") || find(body, b"\r\n0\r\n").is_some()
}

/// Sends the request to moto on a fresh connection and returns its whole answer.
fn forward(upstream: u16, request: &Request, body: &[u8]) -> Vec<u8> {
    let mut head = format!("{}\r\n", request.line);
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("expect") {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    let answer = (|| -> std::io::Result<Vec<u8>> {
        let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
        up.set_read_timeout(Some(Duration::from_secs(60)))?;
        up.write_all(head.as_bytes())?;
        up.write_all(body)?;
        let mut out = Vec::new();
        up.read_to_end(&mut out)?;
        Ok(out)
    })();
    answer.unwrap_or_else(|_| response(502, "Bad Gateway", &[], ""))
}

fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    out.into_bytes()
}

/// 503 or 500, empty or with a generic XML error body (as AWS's front ends send).
fn server_error(which: u64, empty_only: bool, request: &Request) -> Vec<u8> {
    let (status, reason, code) = if which & 1 == 0 {
        (503, "Service Unavailable", "ServiceUnavailable")
    } else {
        (500, "Internal Server Error", "InternalFailure")
    };
    if which & 2 == 0 || empty_only {
        return response(status, reason, &[], "");
    }
    let body = match request.protocol() {
        Protocol::Query => format!(
            "<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>injected {status}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
        ),
        _ => format!(
            "<Error><Code>{code}</Code><Message>injected {status}</Message><RequestId>fault</RequestId></Error>"
        ),
    };
    response(status, reason, &[("Content-Type", "text/xml")], &body)
}

/// The service's throttling error, in the shape its protocol gives it.
fn throttle(request: &Request) -> Vec<u8> {
    match request.protocol() {
        Protocol::Query => response(
            400,
            "Bad Request",
            &[("Content-Type", "text/xml")],
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>",
        ),
        Protocol::Json => response(
            400,
            "Bad Request",
            &[("Content-Type", "application/x-amz-json-1.0")],
            r#"{"__type":"com.amazonaws.service#ThrottlingException","message":"Rate exceeded"}"#,
        ),
        Protocol::RestJson => {
            let code = if request.service() == "lambda" {
                "TooManyRequestsException"
            } else {
                "ThrottlingException"
            };
            response(
                429,
                "Too Many Requests",
                &[
                    ("Content-Type", "application/json"),
                    ("x-amzn-ErrorType", code),
                ],
                r#"{"message":"Rate exceeded"}"#,
            )
        }
        Protocol::S3 => response(
            503,
            "Slow Down",
            &[("Content-Type", "application/xml")],
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId></Error>",
        ),
    }
}
