//! How far a long import has come: the command line draws a bar, a page ignores it.

use indicatif::{ProgressBar, ProgressStyle};

/// The steps of an import, each measured on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the file: bytes of a CSV, rows of a workbook.
    Reading,
    /// Checking each row against the domain's rules.
    Checking,
    /// Writing the good rows.
    Writing,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Checking => "checking",
            Stage::Writing => "writing",
        }
    }
}

/// Told of progress every so often (not for every row). `()` ignores it.
pub trait Progress: Send + Sync {
    /// A stage begins; `total` steps are expected (0 when unknown).
    fn stage(&self, stage: Stage, total: u64);
    /// `done` steps of the current stage are done.
    fn done(&self, done: u64);
    /// Everything is done.
    fn finish(&self) {}
}

impl Progress for () {
    fn stage(&self, _: Stage, _: u64) {}
    fn done(&self, _: u64) {}
}

/// Report every this many rows.
pub(crate) const EVERY: u64 = 2048;

impl Progress for ProgressBar {
    fn stage(&self, stage: Stage, total: u64) {
        self.set_message(stage.as_str());
        self.set_length(total);
        self.set_position(0);
    }
    fn done(&self, done: u64) {
        self.set_position(done);
    }
    fn finish(&self) {
        self.finish_and_clear();
    }
}

/// A bar on standard error for the command line (drawn only on a terminal).
pub fn terminal_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {percent:>3}% {elapsed_precise}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_bar_follows_the_stages() {
        let bar = ProgressBar::hidden();
        bar.stage(Stage::Checking, 10);
        bar.done(4);
        assert_eq!(bar.length(), Some(10));
        assert_eq!(bar.position(), 4);
        assert_eq!(bar.message(), "checking");
        bar.finish();
        assert!(bar.is_finished());
    }
}
