//! The My Number card (マイナンバーカード): reading the 基本4情報 over PC/SC.
//!
//! The contract is `shared/spec/mynumber-card.md`. Layers, from the bytes up:
//! - [`apdu`]: short APDUs, the allowlist of commands that may ever be sent;
//! - [`tlv`], [`record`]: a BER-TLV reader and the EF 0002 record parser (never panic);
//! - [`protocol`]: the command sequence over any [`Transport`];
//! - [`pcsc_transport`]: the real reader through pcscd; [`watcher`]: reader and card events;
//! - [`virtual_card`]: a card that behaves as the spec says, in-process or through vpcd.
//!
//! Privacy: only EF 0011/0015/0002 can be named ([`apdu::Ef`]); the PIN lives in [`Secret`];
//! nothing read from the card is logged, and [`Basic4`]'s `Debug` prints no values.

pub mod apdu;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod pcsc_transport;
pub mod protocol;
pub mod record;
pub mod secret;
pub mod tlv;
pub mod virtual_card;
pub mod watcher;

pub use error::{CardError, KeyKind};
pub use pcsc_transport::{
    list_readers, query_tries_pcsc, read_basic4_pcsc, PcscTransport, ReaderInfo,
};
pub use protocol::{query_tries, read_basic4};
pub use secret::{code_b_from_card_face, Secret};
pub use virtual_card::{
    lock_vpcd, run_vpcd, CardIdentity, CardProbe, VirtualCard, VpcdLock, VPCD_PORT, VPCD_PORT_2,
};
pub use watcher::{spawn_watcher, ReaderEvent, WatcherHandle};

use crate::intake::Sex;

/// The four facts printed on the card (基本4情報), exactly as the card holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct Basic4 {
    /// Family and given name separated by U+3000, 異体字 kept as they come.
    pub name: String,
    /// As printed, full-width digits and hyphens included.
    pub address: String,
    pub birth_date: chrono::NaiveDate,
    /// `None` when the card says "0" (unknown).
    pub sex: Option<Sex>,
}

impl std::fmt::Debug for Basic4 {
    // Personal data must never reach a log, even through a stray `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Basic4 { [redacted] }")
    }
}

/// What the card says about the tries left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriesLeft {
    /// `63 Cx` with x > 0.
    Known(u8),
    /// `90 00` to the query: the key is already verified in this session and the card does
    /// not say how many are left. Never to be shown as "0 left".
    NotReported,
}

/// One C-APDU in, the R-APDU (data + SW1 SW2) out.
pub trait Transport {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, CardError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, CardError> {
        (**self).transmit(capdu)
    }
}
