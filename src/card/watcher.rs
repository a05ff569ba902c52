//! A thread that waits on `SCardGetStatusChange` over the readers plus the PnP
//! pseudo-reader, and sends reader and card events on a channel. The TUI uses it to react
//! to a card being placed or taken away.

use super::pcsc_transport::map_pcsc;
use super::CardError;
use pcsc::{Context, ReaderState, Scope, State, PNP_NOTIFICATION};
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the watcher reports. On start it reports the readers (and cards) already there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded(String),
    ReaderRemoved(String),
    CardInserted {
        reader: String,
        atr: Vec<u8>,
    },
    CardRemoved {
        reader: String,
    },
    /// pcscd is not reachable; the watcher keeps retrying. The text is the clerk's message.
    ServiceUnavailable(String),
}

/// Owns the watcher thread. [`WatcherHandle::stop`] (or dropping it) cancels the blocking
/// wait with `SCardCancel` and joins the thread.
pub struct WatcherHandle {
    stop: Arc<AtomicBool>,
    ctx: Arc<Mutex<Option<Context>>>,
    thread: Option<JoinHandle<()>>,
}

impl WatcherHandle {
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(g) = self.ctx.lock() {
            if let Some(ctx) = g.as_ref() {
                let _ = ctx.cancel();
            }
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for WatcherHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The longest a wait may block: a safety net for the (tiny) window in which a cancel can
/// arrive just before the wait starts, and the retry period while pcscd is down.
const WAIT: Duration = Duration::from_millis(500);

/// Starts the watcher. Events stop when the receiver is dropped or the handle stopped.
pub fn spawn_watcher(tx: Sender<ReaderEvent>) -> WatcherHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Arc::new(Mutex::new(None));
    let thread = {
        let (stop, ctx) = (stop.clone(), ctx.clone());
        std::thread::Builder::new()
            .name("card-watcher".into())
            .spawn(move || watch(tx, stop, ctx))
            .ok()
    };
    WatcherHandle { stop, ctx, thread }
}

#[derive(Default)]
struct Known {
    /// Reader name → ATR of the card in it (`None`: empty).
    readers: HashMap<String, Option<Vec<u8>>>,
    /// pcsc-lite's insertion/removal counter per reader, as last seen.
    counts: HashMap<String, u32>,
}

fn watch(tx: Sender<ReaderEvent>, stop: Arc<AtomicBool>, slot: Arc<Mutex<Option<Context>>>) {
    let mut known = Known::default();
    let mut reported_down = false;
    while !stop.load(Ordering::SeqCst) {
        let ctx = match Context::establish(Scope::User) {
            Ok(c) => c,
            Err(e) => {
                if !reported_down {
                    reported_down = true;
                    if tx
                        .send(ReaderEvent::ServiceUnavailable(map_pcsc(e).message_ja()))
                        .is_err()
                    {
                        return;
                    }
                    // What was there is gone with the service.
                    if forget_all(&tx, &mut known).is_err() {
                        return;
                    }
                }
                sleep_unless_stopped(&stop, WAIT);
                continue;
            }
        };
        if let Ok(mut g) = slot.lock() {
            *g = Some(ctx.clone());
        }
        let r = watch_with(&ctx, &tx, &stop, &mut known);
        if let Ok(mut g) = slot.lock() {
            *g = None;
        }
        match r {
            Ok(()) => return,
            Err(Some(e)) => {
                reported_down = true;
                if tx
                    .send(ReaderEvent::ServiceUnavailable(e.message_ja()))
                    .is_err()
                    || forget_all(&tx, &mut known).is_err()
                {
                    return;
                }
                sleep_unless_stopped(&stop, WAIT);
            }
            Err(None) => return,
        }
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, d: Duration) {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    while waited < d && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        waited += step;
    }
}

fn forget_all(tx: &Sender<ReaderEvent>, known: &mut Known) -> Result<(), ()> {
    known.counts.clear();
    let mut names: Vec<_> = known.readers.drain().collect();
    names.sort();
    for (name, card) in names {
        if card.is_some() {
            tx.send(ReaderEvent::CardRemoved {
                reader: name.clone(),
            })
            .map_err(|_| ())?;
        }
        tx.send(ReaderEvent::ReaderRemoved(name)).map_err(|_| ())?;
    }
    Ok(())
}

/// Watches with one context. `Ok(())`: stopped. `Err(None)`: the receiver is gone.
/// `Err(Some(e))`: the service failed; the caller re-establishes.
fn watch_with(
    ctx: &Context,
    tx: &Sender<ReaderEvent>,
    stop: &AtomicBool,
    known: &mut Known,
) -> Result<(), Option<CardError>> {
    let send = |e: ReaderEvent| tx.send(e).map_err(|_| None::<CardError>);
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        // (Re)build the list: the PnP pseudo-reader first, then each reader.
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(Some(map_pcsc(e))),
        };
        let current: Vec<String> = names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        let mut gone: Vec<String> = known
            .readers
            .keys()
            .filter(|k| !current.contains(k))
            .cloned()
            .collect();
        gone.sort();
        for name in gone {
            known.counts.remove(&name);
            if let Some(Some(_)) = known.readers.remove(&name) {
                send(ReaderEvent::CardRemoved {
                    reader: name.clone(),
                })?;
            }
            send(ReaderEvent::ReaderRemoved(name))?;
        }
        for name in &current {
            if !known.readers.contains_key(name) {
                known.readers.insert(name.clone(), None);
                send(ReaderEvent::ReaderAdded(name.clone()))?;
            }
        }
        let mut states: Vec<ReaderState> = Vec::with_capacity(names.len() + 1);
        states.push(ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE));
        states.extend(
            names
                .iter()
                .map(|n: &CString| ReaderState::new(n.clone(), State::UNAWARE)),
        );
        // First call with UNAWARE returns at once with every current state.
        let mut first = true;
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let timeout = if first { Duration::ZERO } else { WAIT };
            match ctx.get_status_change(timeout, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) if !first => continue,
                Err(pcsc::Error::Timeout) => {}
                Err(pcsc::Error::Cancelled) => return Ok(()),
                Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => break,
                Err(e) => return Err(Some(map_pcsc(e))),
            }
            let mut relist = false;
            for (i, s) in states.iter_mut().enumerate() {
                let ev = s.event_state();
                if i == 0 {
                    // The PnP pseudo-reader changed: a reader came or went.
                    if !first && ev.contains(State::CHANGED) {
                        relist = true;
                    }
                    s.sync_current_state();
                    continue;
                }
                let name = s.name().to_string_lossy().into_owned();
                if ev.intersects(State::UNKNOWN | State::IGNORE) {
                    relist = true;
                    continue;
                }
                let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
                let atr = present.then(|| s.atr().to_vec());
                let before = known.readers.get(&name).cloned().flatten();
                let count = s.event_count();
                let last_count = known.counts.insert(name.clone(), count);
                // A changed counter with a card still present: it was swapped between waits.
                let swapped = matches!(last_count, Some(c) if c != 0 && count != 0 && c != count);
                match (before, atr) {
                    (None, Some(atr)) => {
                        known.readers.insert(name.clone(), Some(atr.clone()));
                        send(ReaderEvent::CardInserted { reader: name, atr })?;
                    }
                    (Some(_), None) => {
                        known.readers.insert(name.clone(), None);
                        send(ReaderEvent::CardRemoved { reader: name })?;
                    }
                    (Some(old), Some(atr)) if old != atr || swapped => {
                        // Taken away and put back between two waits: report both.
                        known.readers.insert(name.clone(), Some(atr.clone()));
                        send(ReaderEvent::CardRemoved {
                            reader: name.clone(),
                        })?;
                        send(ReaderEvent::CardInserted { reader: name, atr })?;
                    }
                    _ => {}
                }
                s.sync_current_state();
            }
            first = false;
            if relist {
                break;
            }
        }
    }
}
