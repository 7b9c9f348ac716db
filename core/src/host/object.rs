//! What every host drives the same way: a playing object (`bandmate.groove`,
//! `bandmate.looper`) takes messages at a time, hands notes and info lines out, and asks to be
//! woken at a time. A host wrapper (Pd, Max, the OSC daemon) is written once over this trait.

use super::decl::{Atom, ObjectDecl};
use super::groove_object::Output;
use crate::error::{Error, Result};
use crate::wav::Audio;

/// A playing object as a host sees it. Times are milliseconds on the host's clock.
pub trait NoteObject {
    /// The declaration: messages, attributes, outlets.
    fn decl(&self) -> &'static ObjectDecl;
    /// Apply creation arguments (`@tempo 96 @blocking 1`).
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()>;
    /// A message at `now`. An error says what was wrong; the object's state is as it was.
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()>;
    /// Advance to `now`: pick up the worker's results and play every note due.
    fn tick(&mut self, now: f64);
    /// When the host's clock should next call [`tick`](Self::tick) (absolute ms), if at all.
    fn wake_at(&self, now: f64) -> Option<f64>;
    /// Hand every pending output to `f`, in order.
    fn drain_into(&mut self, f: &mut dyn FnMut(Output));
    /// The current value of a declared attribute, for a host's attribute inspector.
    fn attribute(&self, name: &str) -> Option<f64>;
    /// The host's sample rate (at creation, and whenever its DSP restarts at another rate).
    fn set_sample_rate(&mut self, _sample_rate: u32) {}
    /// Render what plays to audio at `sample_rate` (after [`Output::Render`]).
    fn render(&mut self, _sample_rate: u32) -> Result<Audio> {
        Err(Error::invalid(format!(
            "{} does not render audio",
            self.decl().name
        )))
    }
    /// The message a bare number (or a bang) sent to the object stands for: `tap` for the
    /// groove (the number is a velocity); `None`: refused with a hint.
    fn number_selector(&self) -> Option<&'static str> {
        None
    }
    /// The message a list of numbers stands for: `note` for the looper (`KEY VELOCITY
    /// [CHANNEL]`, what [notein] gives); `None`: refused with a hint.
    fn list_selector(&self) -> Option<&'static str> {
        None
    }
    /// The message a bare number, a bang (no atoms, `list` false) or a list (`list` true)
    /// stands for, or why it is refused (the object's hint on what it takes).
    fn bare_selector(
        &self,
        args: &[Atom],
        list: bool,
    ) -> std::result::Result<&'static str, String> {
        let selector = if list {
            self.list_selector()
        } else {
            self.number_selector()
        };
        selector.ok_or_else(|| self.decl().not_a_message(args))
    }
    /// A note as the notes outlet sends it: `note velocity` (drums, for [noteout 10]) or
    /// `note velocity channel` (channel 1..16).
    fn note_list(&self, note: u8, velocity: u8, channel: u8) -> Vec<i64> {
        let _ = channel;
        vec![i64::from(note), i64::from(velocity)]
    }
}
