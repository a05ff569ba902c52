//! What can happen (actions, from keys and devices) and what `update` asks the loop to do
//! (effects). Keeping effects as data keeps `update` pure: tests assert on them.

use super::services::{
    Bundle, Continued, DeviceEvent, InProgress, ProcMark, QrError, QrFeed, Secret, SecretKind,
    Tries, Unfinished,
};
use super::state::Screen;
use crate::intake::Intake;
use crate::rules::loader::SourceFile;
use crate::rules::ProcedureSet;
use chrono::NaiveDateTime;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Action {
    /// The clock (JST), once a second.
    Tick(NaiveDateTime),
    Goto(Screen),
    /// Enter: the next step (or submit the dialog).
    Next,
    /// Esc: close the dialog.
    Cancel,
    ToggleLang,
    ToggleHelp,
    Quit,

    // Text and choice fields (the focused form).
    Input(char),
    Backspace,
    /// Delete: the character at the cursor.
    Delete,
    /// Empties the field (Ctrl+U).
    ClearField,
    Home,
    End,
    CursorLeft,
    CursorRight,
    FieldNext,
    FieldPrev,

    // Lists.
    Up,
    Down,
    /// PgUp / PgDn: the detail pane.
    PageUp,
    PageDown,

    // 世帯
    AddMember,
    EditMember,
    RemoveMember,
    ToggleMoving,
    MarkDeceased,
    MarkHead,
    MarkApplicant,
    OutsideApplicant,
    ReadCardForSelected,

    // 確認: a one-key answer (digit or y/n), skip, undo.
    Answer(char),
    Skip,
    Undo,

    // 手続一覧
    ToggleExcluded,
    SetAside,

    // 印刷
    TogglePrintItem,
    ToggleAllPrint,
    Print,
    Retry,
    OtherPrinter,

    // 完了
    NewCase,
    /// Discards the selected unfinished case (its personal data removed now).
    Discard,

    // Case continuation across counters (issue #15)
    /// F9: open another counter's case by its code.
    OpenOtherCase,
    /// Marks the selected procedure of the continued case done.
    MarkDone,
    /// Puts the selected procedure of the continued case back to pending.
    MarkPending,
    /// Supervisor: the cases still in progress across counters.
    ShowInProgress,

    // Card dialogs
    UseCodeB,
    ManualEntry,
    Yes,
    No,
    /// Training: put the virtual card on / take it off the virtual reader.
    VirtualCard,

    // Supervisor
    SupCheck,
    SupTest,
    SupReload,

    // Results of effects and device events.
    Device(DeviceEvent),
    Scan(String),
    QrResult(Result<QrFeed, QrError>),
    TriesKnown(Tries),
    CaseOpened(String),
    CaseLoaded(String, Box<Intake>),
    Unfinished(Vec<Unfinished>),
    BundleReady(Result<Bundle, String>),
    Printers(Vec<String>),
    /// The printers read again for "another printer": the next one is chosen.
    PrintersNext(Vec<String>),
    /// Output of check/test; `Some(set)` when a reload passed and replaces the set.
    SupResult {
        ok: bool,
        /// (ja, en)
        lines: Vec<(String, String)>,
        /// The folder it came from; `None`: the set published on the case database.
        reloaded: Option<(Arc<ProcedureSet>, Vec<SourceFile>, Option<PathBuf>)>,
    },
    StoreFailed(String),
    /// A case opened for continuation (or why it could not be).
    Continued(Result<Continued, String>),
    InProgressList(Vec<InProgress>),
}

/// Work for the loop, done through `Services` (or the rules module for the supervisor).
/// Effects that need case data read it from the state after `update` returns.
#[derive(Debug, PartialEq)]
pub enum Effect {
    OpenCase,
    LoadCase(String),
    SaveIntake,
    RecordCardRead,
    RecordQrRead,
    /// Saves the determination and records the step.
    SaveDetermination,
    SetAside {
        procedure: String,
        reason: String,
    },
    /// A procedure set aside in this visit is wanted after all: pending again in the store.
    TakeBack {
        procedure: String,
    },
    CloseCase(String),
    /// `cases discard`: the personal data removed now, the anonymous record kept.
    DiscardCase(String),
    QueryTries {
        reader: String,
        kind: SecretKind,
    },
    ReadCard {
        reader: String,
        secret: Secret,
    },
    QrFeed(String),
    QrReset,
    RenderBundle,
    /// Reads the printer list again, then prints (the list may have changed since start).
    Print,
    /// Reads the printer list again and moves to the next printer.
    NextPrinter,
    RecordPrint(Vec<String>),
    /// Training: the virtual card goes on or off the reader.
    VirtualCard {
        insert: bool,
    },
    SupCheck(Option<PathBuf>),
    SupTest(Option<PathBuf>),
    SupReload(PathBuf),
    /// Reloads the newest set published on the case database (after check and test).
    SupReloadPublished,
    /// Opens a case for continuation by a scanned page code or a typed case code.
    ContinueCase(String),
    /// Marks a procedure of a continued case (by this counter and clerk), then reads the
    /// case again.
    Mark {
        code: String,
        procedure: String,
        mark: ProcMark,
        reason: Option<String>,
    },
    InProgress,
    Quit,
}
