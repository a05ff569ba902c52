//! The real reader, through pcscd with the `pcsc` crate: establish, list readers, connect
//! shared, one transaction per read, disconnect with a card reset.

use super::apdu;
use super::error::CardError;
use super::secret::Secret;
use super::{protocol, Basic4, Transport, TriesLeft};
use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use std::ffi::{CStr, CString};
use std::time::Duration;

/// A reader as `card readers` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    /// The ATR of the card in the reader (not personal data: it names the card type).
    pub atr: Option<Vec<u8>>,
}

/// Maps a PC/SC error to the clerk's vocabulary.
pub fn map_pcsc(e: pcsc::Error) -> CardError {
    use pcsc::Error as E;
    match e {
        E::NoService | E::ServiceStopped | E::CommError | E::Shutdown => {
            CardError::ServiceNotRunning
        }
        E::NoReadersAvailable | E::UnknownReader | E::ReaderUnavailable | E::ReaderUnsupported => {
            CardError::NoReader
        }
        E::SharingViolation => CardError::ReaderBusy,
        E::NoSmartcard => CardError::NoCard,
        E::RemovedCard | E::ResetCard => CardError::CardRemoved,
        E::UnresponsiveCard
        | E::UnpoweredCard
        | E::UnsupportedCard
        | E::Timeout
        | E::NotTransacted => CardError::Unresponsive,
        other => CardError::Pcsc(format!("{other}")),
    }
}

fn establish() -> Result<Context, CardError> {
    Context::establish(Scope::User).map_err(map_pcsc)
}

fn reader_names(ctx: &Context) -> Result<Vec<CString>, CardError> {
    match ctx.list_readers_owned() {
        Ok(v) => Ok(v),
        // No reader is an empty list, not an error.
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_pcsc(e)),
    }
}

/// The state of each reader right now (a zero-timeout status query).
/// The bool is "a card is there but mute" (badly placed, dead chip).
fn reader_infos(ctx: &Context) -> Result<Vec<(CString, ReaderInfo, bool)>, CardError> {
    let names = reader_names(ctx)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut states: Vec<ReaderState> = names
        .iter()
        .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
        .collect();
    match ctx.get_status_change(Duration::ZERO, &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(e) => return Err(map_pcsc(e)),
    }
    Ok(names
        .into_iter()
        .zip(states)
        .map(|(n, s)| {
            let ev = s.event_state();
            let mute = ev.contains(State::PRESENT) && ev.contains(State::MUTE);
            let present = ev.contains(State::PRESENT) && !mute;
            let info = ReaderInfo {
                name: n.to_string_lossy().into_owned(),
                card_present: present,
                atr: (present && !s.atr().is_empty()).then(|| s.atr().to_vec()),
            };
            (n, info, mute)
        })
        .collect())
}

/// Lists the PC/SC readers and whether a card is in each. No reader is `Ok(vec![])`.
pub fn list_readers() -> Result<Vec<ReaderInfo>, CardError> {
    let ctx = establish()?;
    Ok(reader_infos(&ctx)?.into_iter().map(|(_, i, _)| i).collect())
}

/// Picks the named reader, or the first one holding a card.
fn choose_reader(ctx: &Context, wanted: Option<&str>) -> Result<CString, CardError> {
    let infos = reader_infos(ctx)?;
    if infos.is_empty() {
        return Err(CardError::NoReader);
    }
    match wanted {
        Some(w) => match infos.into_iter().find(|(_, i, _)| i.name == w) {
            None => Err(CardError::NoReader),
            Some((n, i, _)) if i.card_present => Ok(n),
            Some((_, _, true)) => Err(CardError::Unresponsive),
            Some(_) => Err(CardError::NoCard),
        },
        None => {
            if let Some((n, _, _)) = infos.iter().find(|(_, i, _)| i.card_present) {
                Ok(n.clone())
            } else if infos.iter().any(|(_, _, mute)| *mute) {
                Err(CardError::Unresponsive)
            } else {
                Err(CardError::NoCard)
            }
        }
    }
}

/// A connected card inside a transaction. Sends only the commands of the spec's sequence
/// ([`apdu::is_allowed`]).
pub struct PcscTransport<'a> {
    card: &'a Card,
    buf: Box<[u8; pcsc::MAX_BUFFER_SIZE_EXTENDED]>,
}

impl<'a> PcscTransport<'a> {
    pub fn new(card: &'a Card) -> PcscTransport<'a> {
        PcscTransport {
            card,
            buf: Box::new([0; pcsc::MAX_BUFFER_SIZE_EXTENDED]),
        }
    }
}

impl Drop for PcscTransport<'_> {
    fn drop(&mut self) {
        // The buffer held card data: do not leave it in freed memory.
        zeroize::Zeroize::zeroize(&mut self.buf[..]);
    }
}

impl Transport for PcscTransport<'_> {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, CardError> {
        if !apdu::is_allowed(capdu) {
            return Err(CardError::Pcsc(
                "refused to send a command outside the allowed sequence".into(),
            ));
        }
        match self.card.transmit(capdu, &mut self.buf[..]) {
            // No status word: some drivers (vpcd among them) answer an empty response when
            // the card leaves mid-command.
            Ok(r) if r.len() < 2 => Err(classify_transmit_error(
                self.card,
                pcsc::Error::UnresponsiveCard,
            )),
            Ok(r) => Ok(r.to_vec()),
            Err(e) => Err(classify_transmit_error(self.card, e)),
        }
    }
}

/// A failed transmit can mean the card left or just went silent: ask the reader which.
/// pcscd notices a removal only at its next poll of the reader, so the answer is awaited a
/// little (at most [`REMOVAL_GRACE`]) before calling the card unresponsive.
fn classify_transmit_error(card: &Card, e: pcsc::Error) -> CardError {
    match e {
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard => return CardError::CardRemoved,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            return CardError::ServiceNotRunning
        }
        _ => {}
    }
    let t0 = std::time::Instant::now();
    while t0.elapsed() < REMOVAL_GRACE {
        match card.status2_owned() {
            Err(pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard | pcsc::Error::ResetCard) => {
                return CardError::CardRemoved
            }
            Ok(st) if !st.status().contains(pcsc::Status::PRESENT) => {
                return CardError::CardRemoved
            }
            Err(pcsc::Error::NoService | pcsc::Error::ServiceStopped) => {
                return CardError::ServiceNotRunning
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    map_pcsc(e)
}

const REMOVAL_GRACE: Duration = Duration::from_millis(1500);

/// Connects shared to the reader, runs `f` inside one transaction, then disconnects with a
/// card reset so that no verified state outlives the read.
fn with_card<R>(
    reader: Option<&str>,
    f: impl FnOnce(&mut PcscTransport) -> Result<R, CardError>,
) -> Result<(String, R), CardError> {
    let ctx = establish()?;
    let name = choose_reader(&ctx, reader)?;
    let mut card = ctx
        .connect(&name, ShareMode::Shared, Protocols::ANY)
        .map_err(map_pcsc)?;
    let result = {
        let tx = card.transaction().map_err(map_pcsc)?;
        let r = {
            let mut t = PcscTransport::new(&tx);
            f(&mut t)
        };
        // The reset comes with the disconnect below (one reset per read: on a real reader
        // each costs a warm reset of the chip).
        if let Err((tx, _)) = tx.end(Disposition::LeaveCard) {
            drop(tx);
        }
        r
    };
    if let Err((card, _)) = card.disconnect(Disposition::ResetCard) {
        // Drop retries the disconnect, with a reset as well.
        drop(card);
    }
    Ok((cstr_name(&name), result?))
}

fn cstr_name(n: &CStr) -> String {
    n.to_string_lossy().into_owned()
}

/// Reads the 基本4情報 from the named reader, or the first one holding a card. Returns the
/// reader's name with the facts.
pub fn read_basic4_pcsc(
    reader: Option<&str>,
    secret: &Secret,
) -> Result<(String, Basic4), CardError> {
    with_card(reader, |t| protocol::read_basic4(t, secret))
}

/// The tries left of the PIN (or 照合番号B) without spending one, for the screen to warn
/// before the resident types.
pub fn query_tries_pcsc(
    reader: Option<&str>,
    use_code_b: bool,
) -> Result<(String, TriesLeft), CardError> {
    with_card(reader, |t| protocol::query_tries(t, use_code_b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcsc_errors_map_to_distinct_clerk_errors() {
        use pcsc::Error as E;
        assert_eq!(map_pcsc(E::NoService), CardError::ServiceNotRunning);
        assert_eq!(map_pcsc(E::ServiceStopped), CardError::ServiceNotRunning);
        assert_eq!(map_pcsc(E::NoReadersAvailable), CardError::NoReader);
        assert_eq!(map_pcsc(E::UnknownReader), CardError::NoReader);
        assert_eq!(map_pcsc(E::SharingViolation), CardError::ReaderBusy);
        assert_eq!(map_pcsc(E::NoSmartcard), CardError::NoCard);
        assert_eq!(map_pcsc(E::RemovedCard), CardError::CardRemoved);
        assert_eq!(map_pcsc(E::UnresponsiveCard), CardError::Unresponsive);
        assert!(matches!(map_pcsc(E::NoMemory), CardError::Pcsc(_)));
        for e in [
            E::NoService,
            E::NoReadersAvailable,
            E::SharingViolation,
            E::NoSmartcard,
            E::RemovedCard,
            E::UnresponsiveCard,
        ] {
            assert_eq!(
                map_pcsc(e).kind(),
                crate::error_kind::ErrorKind::Unavailable
            );
        }
    }
}
