//! Serial (USB CDC) scanners: a reader thread that sends each scanned line on a channel and
//! reconnects when the device comes back (a scanner unplugged and plugged in again gets the
//! same `/dev/ttyACM0`, or a stable `/dev/serial/by-id/…` path).
//!
//! Scanners end a read with CR, LF or CR LF depending on their setting, and some send no
//! suffix at all; so a line ends at CR or LF, or when the device has been quiet for
//! [`IDLE_FLUSH`] after sending something. Lines are sent as they are (trimmed); the
//! assembler decides whether they are `MDG1` parts. Nothing here logs a line.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// The device (its path) was opened.
    Connected(String),
    /// The device went away (unplugged); the thread keeps trying to reopen it.
    Disconnected(String),
    /// One scanned line, trimmed (normally an `MDG1` part).
    Part(String),
}

/// Baud rate: irrelevant for USB CDC (the data moves at USB speed) but required by the API;
/// 9600 is the factory setting of scanners with a real UART.
pub const BAUD: u32 = 9600;
/// How often the thread checks for `stop` and retries opening the device.
const POLL: Duration = Duration::from_millis(100);
/// Retry interval while the device is absent.
const REOPEN_EVERY: Duration = Duration::from_millis(300);
/// A line without CR/LF is complete after this much silence.
pub const IDLE_FLUSH: Duration = Duration::from_millis(200);
/// A line longer than any QR code can hold is noise; it is dropped rather than grown.
const MAX_LINE: usize = super::MAX_PART_CHARS + 64;

/// The running reader; [`stop`](ScannerHandle::stop) ends it.
pub struct ScannerHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScannerHandle {
    /// Stops the thread and waits for it (at most about [`POLL`]).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ScannerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts a thread reading the scanner at `path`. It reports [`ScannerEvent::Connected`] when
/// the device opens, a [`ScannerEvent::Part`] per line, [`ScannerEvent::Disconnected`] when
/// the device goes away, then waits for it to come back. It ends on `stop()` or when the
/// receiver is dropped.
pub fn spawn_serial_scanner(path: PathBuf, tx: Sender<ScannerEvent>) -> ScannerHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("qr-serial".into())
        .spawn(move || run(path, tx, flag))
        .ok();
    ScannerHandle { stop, thread }
}

fn run(path: PathBuf, tx: Sender<ScannerEvent>, stop: Arc<AtomicBool>) {
    let name = path.display().to_string();
    while !stop.load(Ordering::SeqCst) {
        let port = serialport::new(name.clone(), BAUD).timeout(POLL).open();
        let mut port = match port {
            Ok(p) => p,
            Err(_) => {
                sleep_unless_stopped(REOPEN_EVERY, &stop);
                continue;
            }
        };
        if tx.send(ScannerEvent::Connected(name.clone())).is_err() {
            return;
        }
        let mut lines = LineSplitter::default();
        let mut buf = [0u8; 512];
        let gone = loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match port.read(&mut buf) {
                // A pty whose other side closed reads 0; a USB device unplugged fails.
                Ok(0) => break true,
                Ok(n) => {
                    for line in lines.push(&buf[..n], Instant::now()) {
                        if tx.send(ScannerEvent::Part(line)).is_err() {
                            return;
                        }
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    if let Some(line) = lines.idle(Instant::now()) {
                        if tx.send(ScannerEvent::Part(line)).is_err() {
                            return;
                        }
                    }
                }
                Err(_) => break true,
            }
        };
        drop(port);
        if gone {
            if let Some(line) = lines.flush() {
                let _ = tx.send(ScannerEvent::Part(line));
            }
            if tx.send(ScannerEvent::Disconnected(name.clone())).is_err() {
                return;
            }
            sleep_unless_stopped(REOPEN_EVERY, &stop);
        }
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= end {
            return;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// Splits a byte stream into trimmed, non-empty lines at CR or LF, or after a silence.
/// Bounded: a line past [`MAX_LINE`] bytes is discarded up to its end.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    overflow: bool,
    last: Option<Instant>,
}

impl LineSplitter {
    /// Bytes received at `now`; returns the lines they completed.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                out.extend(self.flush());
            } else if self.buf.len() >= MAX_LINE {
                self.overflow = true;
            } else {
                self.buf.push(b);
            }
        }
        self.last = Some(now);
        out
    }

    /// Nothing received until `now`: a pending line is complete after [`IDLE_FLUSH`].
    pub fn idle(&mut self, now: Instant) -> Option<String> {
        match self.last {
            Some(t) if now.duration_since(t) >= IDLE_FLUSH => self.flush(),
            _ => None,
        }
    }

    /// The pending line, if any.
    pub fn flush(&mut self) -> Option<String> {
        let overflow = std::mem::take(&mut self.overflow);
        let bytes = std::mem::take(&mut self.buf);
        self.last = None;
        if overflow {
            return None;
        }
        let s = String::from_utf8_lossy(&bytes).trim().to_string();
        (!s.is_empty()).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_cr_lf_or_silence() {
        let t0 = Instant::now();
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"MDG1a\r\nMDG1b\rMDG", t0), vec!["MDG1a", "MDG1b"]);
        assert_eq!(s.push(b"1c\n\n\r", t0), vec!["MDG1c"]);
        assert_eq!(s.push(b"MDG1d", t0), Vec::<String>::new());
        assert_eq!(s.idle(t0 + Duration::from_millis(10)), None);
        assert_eq!(s.idle(t0 + IDLE_FLUSH), Some("MDG1d".into()));
    }

    #[test]
    fn an_endless_line_is_dropped_not_grown() {
        let t0 = Instant::now();
        let mut s = LineSplitter::default();
        let big = vec![b'1'; MAX_LINE + 10];
        assert!(s.push(&big, t0).is_empty());
        assert_eq!(s.push(b"\nMDG1x\n", t0), vec!["MDG1x"]);
    }
}
