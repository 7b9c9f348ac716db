//! `bandmate.frag~`: a rotating bank of audio fragments to trigger and loop, the same in Pd and
//! Max. The sound is made by the [`BankEngine`] on the audio thread; this object is the
//! message side: it checks messages against [`FRAG`], drives the [`BankControl`], and reports
//! slot changes on the info outlet. Fragments come from WAV files (`read`) or from the host's
//! own arrays / `buffer~`s (`array`, which the host fulfils: see [`Output::FetchArray`]).

use std::path::Path;

use super::decl::{msg, Arg, Atom, Call, Kind, ObjectDecl, OutletDecl};
use super::docs::HelpExtras;
use crate::error::{Error, Result};
use crate::fragbank::{bank, BankControl, BankEngine, BankEvent, Fragment, MAX_SLOTS};

const SLOT: Arg = Arg {
    name: "slot",
    kind: Kind::Int {
        min: 1,
        max: MAX_SLOTS as i64,
    },
    optional: false,
    doc: "slot number, from 1",
};
const SLOT_OPT: Arg = Arg {
    optional: true,
    doc: "slot number, from 1; none = the oldest (rotating)",
    ..SLOT
};

/// The declaration of `bandmate.frag~`.
pub const FRAG: ObjectDecl = ObjectDecl {
    name: "bandmate.frag~",
    osc: "frag",
    doc: "A bank of audio fragments (4 slots by default): a new fragment replaces the oldest; \
          trigger, loop, stop, half-time and quarter-time per slot, without clicks.",
    creation: &[Arg {
        name: "slots",
        kind: Kind::Int {
            min: 1,
            max: MAX_SLOTS as i64,
        },
        optional: true,
        doc: "how many slots (default 4)",
    }],
    messages: &[
        msg(
            "read",
            &[
                Arg {
                    name: "path",
                    kind: Kind::Symbol,
                    optional: false,
                    doc: "a WAV file (mono or stereo, any sample rate)",
                },
                SLOT_OPT,
            ],
            "Load a WAV file into a slot.",
            "loop.wav",
        ),
        msg(
            "array",
            &[
                Arg {
                    name: "name",
                    kind: Kind::Symbol,
                    optional: false,
                    doc: "arrays NAME-l and NAME-r (stereo) or NAME (mono) in Pd; buffer~ NAME in Max",
                },
                SLOT_OPT,
            ],
            "Take a copy of arrays (e.g. what [bandmate.groove] rendered) into a slot.",
            "drums",
        ),
        msg("trigger", &[SLOT], "Play a slot once from the start (again: restart it).", "1"),
        msg(
            "loop",
            &[
                SLOT,
                Arg {
                    name: "on",
                    kind: Kind::Int { min: 0, max: 1 },
                    optional: true,
                    doc: "1 = loop (default), 0 = play to the end and stop",
                },
            ],
            "Loop a slot (starts it if silent); the loop point is crossfaded.",
            "1",
        ),
        msg(
            "stop",
            &[Arg {
                optional: true,
                doc: "slot number, from 1; none = every slot",
                ..SLOT
            }],
            "Stop a slot (a short fade, no click).",
            "1",
        ),
        msg(
            "rate",
            &[
                SLOT,
                Arg {
                    name: "rate",
                    kind: Kind::Float {
                        min: 0.0625,
                        max: 4.0,
                    },
                    optional: false,
                    doc: "1 = as recorded, 0.5 = half-time, 0.25 = quarter-time",
                },
            ],
            "Playback speed of a slot (tape-style: half-time is an octave down).",
            "1 0.5",
        ),
        msg(
            "gain",
            &[
                SLOT,
                Arg {
                    name: "gain",
                    kind: Kind::Float { min: 0.0, max: 4.0 },
                    optional: false,
                    doc: "linear gain, 1 = as is",
                },
            ],
            "Level of a slot.",
            "1 0.8",
        ),
        msg("dump", &[], "Report every slot on the info outlet.", ""),
    ],
    outlets: &[
        OutletDecl {
            name: "left",
            doc: "left channel of all slots mixed",
            signal: true,
        },
        OutletDecl {
            name: "right",
            doc: "right channel (a mono fragment plays on both)",
            signal: true,
        },
        OutletDecl {
            name: "info",
            doc: "loaded SLOT NAME FRAMES SAMPLERATE, started SLOT, ended SLOT, slot SLOT NAME FRAMES LOOPING RATE GAIN PLAYING, error TEXT",
            signal: false,
        },
    ],
};

/// What the help patches add around `bandmate.frag~`.
pub const FRAG_HELP: HelpExtras = HelpExtras {
    objects: &["array define drums-l", "array define drums-r"],
    outlet_objects: &[&["dac~"], &["dac~"], &["print info"]],
    intro: "Turn DSP on. 'read FILE' loads a WAV; 'array drums' takes a copy of the arrays \
            drums-l / drums-r (fill them with [bandmate.groove]: 'generate' then 'render drums'). \
            Each new fragment goes into the oldest slot. Then trigger, loop, rate 0.5 (half-time).",
};

/// What the object hands its host.
#[derive(Debug, Clone, PartialEq)]
pub enum FragOutput {
    /// For the info outlet.
    Info(String, Vec<Atom>),
    /// The host reads its arrays / buffer~ named `name` and calls
    /// [`FragObject::take_array`] with the samples (or reports why it cannot).
    FetchArray { name: String, slot: Option<usize> },
}

pub use FragOutput as Output;

/// The message side of the fragment bank.
pub struct FragObject {
    control: BankControl,
    out: Vec<FragOutput>,
}

impl FragObject {
    /// A bank of `slots` slots at the host's `sample_rate`; the engine goes to the audio
    /// thread.
    pub fn new(slots: usize, sample_rate: f64) -> Result<(FragObject, BankEngine)> {
        let (control, engine) = bank(slots, sample_rate)?;
        Ok((
            FragObject {
                control,
                out: Vec::new(),
            },
            engine,
        ))
    }

    /// Creation arguments: `[slots]`.
    pub fn slots_from_creation(args: &[Atom]) -> Result<usize> {
        let (pos, _) = FRAG.parse_creation(args)?;
        Ok(match pos.first() {
            Some(super::decl::Value::Int(n)) => *n as usize,
            _ => crate::fragbank::DEFAULT_SLOTS,
        })
    }

    pub fn control(&self) -> &BankControl {
        &self.control
    }

    /// A message from the host; an error says what was wrong and changes nothing.
    pub fn message(&mut self, selector: &str, args: &[Atom]) -> Result<()> {
        let call = FRAG.parse(selector, args)?;
        self.call(&call)
    }

    /// Read the engine's events (a slot started or ended) and report them.
    pub fn poll(&mut self) {
        let mut events = Vec::new();
        self.control.poll_events(|e| events.push(e));
        for e in events {
            let (sel, slot) = match e {
                BankEvent::Started(s) => ("started", s),
                BankEvent::Ended(s) => ("ended", s),
            };
            self.info(sel, vec![Atom::Float((slot + 1) as f64)]);
        }
    }

    /// Is any slot sounding (as far as the events read so far say)? Hosts poll while it is.
    pub fn busy(&self) -> bool {
        self.control.slots().iter().any(|s| s.playing)
    }

    pub fn drain(&mut self, mut f: impl FnMut(FragOutput)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }

    /// The host's answer to [`FragOutput::FetchArray`]: the channels it read (1 or 2).
    pub fn take_array(
        &mut self,
        name: &str,
        channels: Vec<Vec<f32>>,
        sample_rate: u32,
        slot: Option<usize>,
    ) -> Result<()> {
        let frag = Fragment::new(name, channels, sample_rate)?;
        self.put(frag, slot)
    }

    fn put(&mut self, frag: Fragment, slot: Option<usize>) -> Result<()> {
        let (name, frames, sr) = (frag.name().to_string(), frag.frames(), frag.sample_rate());
        let slot = match slot {
            Some(s) => {
                self.control.load_into(s, frag)?;
                s
            }
            None => self.control.load(frag)?,
        };
        self.info(
            "loaded",
            vec![
                Atom::Float((slot + 1) as f64),
                Atom::Symbol(name),
                Atom::Float(frames as f64),
                Atom::Float(f64::from(sr)),
            ],
        );
        Ok(())
    }

    fn info(&mut self, sel: &str, args: Vec<Atom>) {
        self.out.push(FragOutput::Info(sel.to_string(), args));
    }

    /// A 1-based slot argument as an index, checked against this bank's size.
    fn slot(&self, c: &Call, i: usize) -> Result<Option<usize>> {
        match c.int(i) {
            None => Ok(None),
            Some(n) if (n as usize) <= self.control.slot_count() => Ok(Some(n as usize - 1)),
            Some(n) => Err(Error::invalid(format!(
                "{}: slot {n} does not exist (this bank has slots 1..{})",
                c.name(),
                self.control.slot_count()
            ))),
        }
    }

    /// A slot to play must hold a fragment (said with the user's 1-based number).
    fn loaded(&self, c: &Call, slot: usize) -> Result<()> {
        if self.control.slots()[slot].fragment.is_none() {
            return Err(Error::invalid(format!(
                "{}: slot {} is empty (load it with read or array first)",
                c.name(),
                slot + 1
            )));
        }
        Ok(())
    }

    fn call(&mut self, c: &Call) -> Result<()> {
        let slot = self.slot(
            c,
            if matches!(c.name(), "read" | "array") {
                1
            } else {
                0
            },
        )?;
        let need = || slot.expect("declared as required");
        match c.name() {
            "read" => {
                let path = Path::new(c.symbol(0).expect("declared"));
                let frag = Fragment::from_wav(path)?;
                self.put(frag, slot)?;
            }
            "array" => self.out.push(FragOutput::FetchArray {
                name: c.symbol(0).expect("declared").to_string(),
                slot,
            }),
            "trigger" => {
                self.loaded(c, need())?;
                self.control.trigger(need())?
            }
            "loop" => {
                self.loaded(c, need())?;
                self.control.set_loop(need(), c.int(1) != Some(0))?
            }
            "stop" => match slot {
                Some(s) => self.control.stop(s)?,
                None => self.control.stop_all()?,
            },
            "rate" => self
                .control
                .set_rate(need(), c.float(1).expect("declared"))?,
            "gain" => self
                .control
                .set_gain(need(), c.float(1).expect("declared") as f32)?,
            "dump" => {
                let lines: Vec<Vec<Atom>> = self
                    .control
                    .slots()
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let (name, frames) = match &s.fragment {
                            Some(f) => (f.name.clone(), f.frames),
                            None => ("(empty)".to_string(), 0),
                        };
                        vec![
                            Atom::Float((i + 1) as f64),
                            Atom::Symbol(name),
                            Atom::Float(frames as f64),
                            Atom::Float(f64::from(u8::from(s.looping))),
                            Atom::Float(s.rate),
                            Atom::Float(f64::from(s.gain)),
                            Atom::Float(f64::from(u8::from(s.playing))),
                        ]
                    })
                    .collect();
                for l in lines {
                    self.info("slot", l);
                }
            }
            other => unreachable!("declared but not handled: {other}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::decl::atoms;

    fn obj() -> (FragObject, BankEngine) {
        FragObject::new(4, 48_000.0).unwrap()
    }

    fn outs(o: &mut FragObject) -> Vec<FragOutput> {
        let mut v = Vec::new();
        o.drain(|x| v.push(x));
        v
    }

    #[test]
    fn arrays_rotate_into_the_oldest_slot_and_play() {
        let (mut o, mut e) = obj();
        for i in 0..5 {
            o.take_array(&format!("f{i}"), vec![vec![0.5; 4800]], 48_000, None)
                .unwrap();
        }
        let loaded: Vec<Atom> = outs(&mut o)
            .into_iter()
            .filter_map(|x| match x {
                FragOutput::Info(s, a) if s == "loaded" => Some(a[0].clone()),
                _ => None,
            })
            .collect();
        let slots: Vec<f64> = loaded
            .iter()
            .map(|a| match a {
                Atom::Float(x) => *x,
                _ => 0.0,
            })
            .collect();
        assert_eq!(slots, vec![1.0, 2.0, 3.0, 4.0, 1.0]);
        o.message("trigger", &atoms("1")).unwrap();
        let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
        e.process(&mut l, &mut r);
        assert!((l[200] - 0.5).abs() < 1e-6 && (r[200] - 0.5).abs() < 1e-6);
        o.poll();
        assert!(outs(&mut o).contains(&FragOutput::Info("started".into(), vec![Atom::Float(1.0)])));
        assert!(o.busy());
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        let (mut o, _e) = obj();
        let e =
            |o: &mut FragObject, s: &str, a: &str| o.message(s, &atoms(a)).unwrap_err().to_string();
        assert!(
            e(&mut o, "trigger", "5").contains("slot 5 does not exist (this bank has slots 1..4)")
        );
        assert!(
            e(&mut o, "trigger", "1").contains("empty"),
            "{}",
            e(&mut o, "trigger", "1")
        );
        assert!(e(&mut o, "rate", "1 9").contains("out of range"));
        assert!(e(&mut o, "read", "/nonexistent.wav").contains("/nonexistent.wav"));
        assert!(e(&mut o, "wobble", "").contains("unknown message 'wobble'"));
        assert!(e(&mut o, "trigger", "x").contains("must be a number"));
        let r = o.message("array", &atoms("drums 2")).map(|_| outs(&mut o));
        assert_eq!(
            r.unwrap(),
            vec![FragOutput::FetchArray {
                name: "drums".into(),
                slot: Some(1)
            }]
        );
    }

    #[test]
    fn creation_takes_the_slot_count() {
        assert_eq!(FragObject::slots_from_creation(&[]).unwrap(), 4);
        assert_eq!(FragObject::slots_from_creation(&atoms("8")).unwrap(), 8);
        assert!(FragObject::slots_from_creation(&atoms("0")).is_err());
        assert!(FragObject::slots_from_creation(&atoms("x")).is_err());
    }
}
