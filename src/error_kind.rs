//! What kind of failure an error is, independent of how a front end reports it.
//!
//! Modules below the command line (`card`, `store`, `qr`, …) classify their errors with
//! [`ErrorKind`]; the CLI alone turns a kind into an exit code (`cli::exit::of`), and the
//! counter screen into a message. So nothing below `cli` imports it (no cycle cli ↔ store ↔ tui).

/// The outcome classes of `shared/spec/cli.md`'s exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad input: usage, an invalid intake / QR / procedure file, a wrong case id.
    BadInput,
    /// A device, service or file is unavailable: pcscd, reader, card, printer, disk, database.
    Unavailable,
    /// The card refused: wrong PIN / 照合番号B, key blocked, not a My Number card.
    CardRefused,
    /// A bug in this program.
    Internal,
}

/// Classifies an I/O error on a file the user named: a path that cannot be what was asked
/// (missing, a folder for a file, not UTF-8) is bad input; a disk or permission problem is an
/// unavailable file.
pub fn io_kind(e: &std::io::Error) -> ErrorKind {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound
        | K::InvalidInput
        | K::InvalidData
        | K::NotADirectory
        | K::IsADirectory
        | K::AlreadyExists
        | K::InvalidFilename => ErrorKind::BadInput,
        _ => ErrorKind::Unavailable,
    }
}
