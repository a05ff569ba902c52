//! `madoguchi serve [--listen ADDR]`: the resident's web 手続ナビ and its API (`src/web`),
//! on the procedure set of `--procedures` (or the embedded one) — the same set, the same
//! engine as the counter.

use super::{exit, Global};
use std::net::{SocketAddr, ToSocketAddrs};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address and port to listen on (`0.0.0.0:8080` for every interface; port 0 picks a free
    /// one). Put TLS in front (a reverse proxy) when it is reached from outside the machine.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(a: Args, g: &Global) -> i32 {
    let set = match super::set::load_set(g, None) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let addr: SocketAddr = match a.listen.to_socket_addrs().map(|mut i| i.next()) {
        Ok(Some(addr)) => addr,
        _ => {
            crate::say!(
                "--listen {:?}: not an address and port (例: 127.0.0.1:8080)",
                a.listen
            );
            return exit::BAD_INPUT;
        }
    };
    let listener = match std::net::TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            crate::say!("{addr} で待ち受けできません (cannot listen on {addr}): {e}");
            return exit::DEVICE;
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    // One line at start (scripts and tests read the address from it); nothing per request.
    crate::say!(
        "手続ナビ: http://{bound}/ (手続セット {} {}) — listening; Ctrl+C to stop",
        set.name,
        set.digest
    );
    let shared = crate::web::Shared {
        set,
        today: g.today,
    };
    match crate::web::run(listener, shared) {
        Ok(()) => {
            crate::say!("手続ナビを停止しました (stopped)");
            exit::OK
        }
        Err(e) => {
            crate::say!("手続ナビが停止しました (server stopped): {e}");
            exit::DEVICE
        }
    }
}
