//! A minimal keep-alive HTTP/1.1 load client for the benchmarks: one blocking thread per
//! simulated client, so latency is measured from the client's side of a real socket
//! without pulling an HTTP client crate into the node binary.

use super::cpu_steal::CpuTimes;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> io::Result<Self> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Conn { reader: BufReader::new(s.try_clone()?), writer: s })
    }

    /// Sends one request and reads the whole answer; returns its status and body.
    pub fn call(&mut self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n", body.len());
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\nContent-Type: application/json\r\n"));
        }
        head.push_str("\r\n");
        self.writer.write_all(&[head.as_bytes(), body].concat())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status =
            line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| io::Error::other("bad status line"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::Error::other("connection closed"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().map_err(io::Error::other)?;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

pub struct LoadResult {
    pub ok: u64,
    pub failed: u64,
    pub secs: f64,
    pub latencies_us: Vec<u64>,
    /// The share of the machine's CPU time its hypervisor took during the run, if known.
    pub stolen: Option<f64>,
}

impl LoadResult {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.secs
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Runs `clients` threads until `duration` has passed or `max` requests were made.
/// `request(client, n)` makes the n-th request of the run on that client's connection
/// and says whether it succeeded. Without `rate` each client sends as fast as answers
/// come (closed loop: the saturation throughput). With `rate` (requests/s over all
/// clients) each client keeps a fixed schedule and latency counts from the scheduled
/// time, so a stalled server cannot hide its queueing (no coordinated omission).
pub fn run<F>(
    addr: SocketAddr,
    clients: usize,
    duration: Duration,
    max: u64,
    rate: Option<f64>,
    request: F,
) -> io::Result<LoadResult>
where
    F: Fn(&mut Conn, u64) -> io::Result<bool> + Send + Sync,
{
    let issued = Arc::new(AtomicU64::new(0));
    let cpu_before = CpuTimes::now();
    let start = Instant::now();
    let per_client: Vec<io::Result<(u64, u64, Vec<u64>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|k| {
                let (issued, request) = (issued.clone(), &request);
                let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
                s.spawn(move || -> io::Result<(u64, u64, Vec<u64>)> {
                    let mut conn = Conn::open(addr)?;
                    let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
                    // Clients start spread over one interval so the load is even.
                    let mut due = interval.map(|i| start + i.mul_f64(k as f64 / clients as f64));
                    while start.elapsed() < duration {
                        let n = issued.fetch_add(1, Ordering::Relaxed);
                        if n >= max {
                            break;
                        }
                        let t = match (due, interval) {
                            (Some(at), Some(every)) => {
                                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                                due = Some(at + every);
                                at
                            }
                            _ => Instant::now(),
                        };
                        let good = request(&mut conn, n)?;
                        lat.push(t.elapsed().as_micros() as u64);
                        if good { ok += 1 } else { failed += 1 }
                    }
                    Ok((ok, failed, lat))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(io::Error::other("client panicked")))).collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let stolen = cpu_before.zip(CpuTimes::now()).and_then(|(before, after)| before.stolen_share_until(&after));
    let mut result = LoadResult { ok: 0, failed: 0, secs, latencies_us: Vec::new(), stolen };
    for r in per_client {
        let (ok, failed, lat) = r?;
        result.ok += ok;
        result.failed += failed;
        result.latencies_us.extend(lat);
    }
    result.latencies_us.sort_unstable();
    Ok(result)
}
