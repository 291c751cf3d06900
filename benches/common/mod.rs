//! What the benches share: the moto server the tests use, a proxy that adds AWS-like latency,
//! and how figures are summarised.
#![allow(dead_code)]

#[path = "../../tests/common/moto.rs"]
pub mod moto;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The middle run's time (the upper middle for an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A loopback proxy to `upstream` that holds each chunk a client sends for `latency`, as a round
/// trip to AWS would; returns its endpoint. Threads live until the process ends.
pub fn latency_proxy(upstream: u16, latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("proxy address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (Ok(mut c_read), Ok(mut s_read)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            let (mut c_write, mut s_write) = (client, server);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 || {
                        std::thread::sleep(latency);
                        s_write.write_all(&buf[..n]).is_err()
                    } {
                        break;
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}
