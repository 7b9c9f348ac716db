//! MIDI in (`--midi-in NAME`): a MIDI clock, song position and notes from the daemon's MIDI
//! input port, handed to the objects as the messages Pd's `[midirealtimein]`/`[notein]` and
//! Max's `[rtin]`/`[notein]` give them in a patch: generic over what each object declares.

use std::panic::{catch_unwind, AssertUnwindSafe};

use bandmate_core::objects::decl::Atom;
use bandmate_core::objects::panic_text;

use super::{Counters, Daemon, PREFIX};

/// The MIDI channel (1..16) whose note-ons are also taps: General MIDI's drums.
pub const TAP_CHANNEL: u8 = 10;

/// One MIDI message as the messages objects take (selector, arguments), if it is one they
/// take: realtime clock bytes as `clock BYTE`, a song position as `songpos 16THS`, notes as
/// `note KEY VELOCITY CHANNEL` and, on [`TAP_CHANNEL`], note-ons as `tap VELOCITY` too.
pub fn as_messages(bytes: &[u8]) -> Vec<(&'static str, Vec<Atom>)> {
    let f = |x: u32| Atom::Float(f64::from(x));
    match *bytes {
        [b @ (0xF8 | 0xFA | 0xFB | 0xFC), ..] => vec![("clock", vec![f(u32::from(b))])],
        [0xF2, lsb, msb, ..] if lsb < 0x80 && msb < 0x80 => {
            vec![("songpos", vec![f(u32::from(lsb) | u32::from(msb) << 7)])]
        }
        [status, key, vel, ..] if (0x80..0xA0).contains(&status) && key < 0x80 && vel < 0x80 => {
            let channel = (status & 0x0F) + 1;
            let vel = if status < 0x90 { 0 } else { vel };
            let mut v = vec![(
                "note",
                vec![f(key.into()), f(vel.into()), f(channel.into())],
            )];
            if channel == TAP_CHANNEL && vel > 0 {
                v.push(("tap", vec![f(vel.into())]));
            }
            v
        }
        _ => Vec::new(),
    }
}

impl Daemon {
    /// A MIDI message that arrived at `at` (ms on the daemon's clock) on the MIDI input: to
    /// every object that declares the message it becomes, at its arrival time. What an object
    /// refuses is said on `/bandmate/error` (address `/bandmate/midi`); nothing else changes.
    pub fn midi_in(&mut self, at: f64, bytes: &[u8]) {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let addr = format!("{PREFIX}/midi");
            for (sel, args) in as_messages(bytes) {
                for i in 0..self.served.len() {
                    if self.served[i].decl().message(sel).is_none() {
                        continue;
                    }
                    if let Err(e) = self.served[i].obj.message(at, sel, &args) {
                        let text = format!("{}: {sel}: {e}", self.served[i].decl().osc);
                        self.error(None, &addr, &text);
                    }
                    self.drain(i, None, false, &addr);
                }
            }
        }));
        if let Err(p) = r {
            Counters::bump(&self.counters.panics);
            let text = format!("internal error: {} (the daemon goes on)", panic_text(&p));
            self.log.push(text.clone());
            self.error(None, PREFIX, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midi_messages_become_the_messages_objects_take() {
        let f = |x: f64| Atom::Float(x);
        assert_eq!(as_messages(&[0xF8]), vec![("clock", vec![f(248.0)])]);
        assert_eq!(
            as_messages(&[0xF2, 0x10, 0x01]),
            vec![("songpos", vec![f(144.0)])]
        );
        assert_eq!(
            as_messages(&[0x99, 36, 100]),
            vec![
                ("note", vec![f(36.0), f(100.0), f(10.0)]),
                ("tap", vec![f(100.0)])
            ]
        );
        assert_eq!(
            as_messages(&[0x80, 60, 64]),
            vec![("note", vec![f(60.0), f(0.0), f(1.0)])]
        );
        for junk in [
            &[][..],
            &[0xF2, 0x80, 0],
            &[0x90, 200, 1],
            &[0xB0, 7, 100],
            &[0xFE],
        ] {
            assert!(as_messages(junk).is_empty(), "{junk:?}");
        }
    }
}
