//! `bandmate.accomp`: the accompanist ([`crate::accomp`]) as a playing object, the same in Pd,
//! Max and the OSC daemon. It plays bass and inner voices (and a melody when nobody else
//! plays) over a chord track, listening to the performer's notes.
//!
//! Time is cut into chunks of `delta2` (half a beat to 4 beats). While one chunk plays, the
//! worker generates the next, from the chords up to a beat past it and the performer's notes
//! heard so far; the chunk is queued for its boundary as soon as it comes back. A chunk that
//! is not back by its boundary is never waited for: the object plays something safe instead
//! (`fallback hold`: the chord sounding, bass and inner voices; `fallback rest`: nothing) and
//! says `late CHUNK`. The chunks are loops of the one [`Player`] every object plays with, so
//! tempo changes, host transports, MIDI clock and stopping work as they do for the groove:
//! each note carries its own length, and every note that sounds gets its note-off.
//!
//! A performance's chunk 0 is generated while stopped (armed), so `play` starts on the beat. A
//! transport jump, a new model, `listen` or `delta2` start the accompanist again from the next
//! chunk (the chunk before it plays safe if the new one is not ready).

use std::path::PathBuf;
use std::time::Duration;

use super::contract::{panic_text, Entry, HelpExtras, Object, Options, Output, POLL_MS};
use super::decl::{notes, out, Atom, Handlers, ObjectDecl, EMPTY};
use super::follow::{Follow, Followed, TRANSPORT_JUMP};
use super::groove::{all_within, BPM_MAX, BPM_MIN};
use super::looper::push_note;
use super::player::{Played, Player, SeqNote, Sequence};
use super::scene::{attribute_messages, message, ScenePart};
use super::worker::{Worker, STOPPED};
use crate::accomp::tokens::{
    Event, Setup, What, DELTA1, DELTA2_CHOICES, MAX_DURATION, ROLES, TICKS_PER_BEAT,
};
use crate::accomp::{AccompModel, Accompanist, Chord};
use crate::error::{Error, Result};
use crate::model::{init_runtime, plugin_runtime, warm_runtime};
use crate::pattern::STEPS_PER_BEAT;

/// Ticks (the model's 12 to a beat) to a 16th step (the player's).
const TICKS_PER_STEP: i64 = (TICKS_PER_BEAT as usize / STEPS_PER_BEAT) as i64;
/// The most chords (with their lengths) one `chords` message takes.
const MAX_TRACK_WORDS: usize = 512;
/// The most chords a MIDI file's chord track may have.
const MAX_FILE_CHORDS: usize = 256;
/// The temperature chosen on validation, over long performances (models/accomp/README.md):
/// 0.3 kept the chorales' chord tones over a work's length but got busy over minutes.
pub const DEFAULT_TEMPERATURE: f64 = 1.0;
/// The pull to the chords chosen on validation: the share of chord tones it plays is then
/// the held-out music's own (models/accomp/README.md).
pub const DEFAULT_HARMONY: f64 = 0.5;

crate::messages! {
    for AccompObject, ACCOMP, ACCOMP_MESSAGES;

    "chords" (track: req words(MAX_TRACK_WORDS) "chord symbols ROOT:QUALITY (C:maj7 A:min7 G:7 F#:dim Bb; m7, -7, M7 too; or root and quality as two words, C maj7, G dom7), each optionally followed by its length in beats (else 'beats')")
    "The chord track, repeated: one chord a bar by default ('beats'), or as long as the number after it says ('C:maj7 A:min7 2 D:min7 2 G:7'). Stopped: it starts at the first chord. Playing: its first chord comes on the first bar line after the chords the model already knows (about two beats ahead); the track before plays until then.",
    "C:maj7 A:min7 D:min7 G:7",
    |o, now| {
        let track = parse_track(track, o.beats)?;
        o.rec_looping = false;
        o.live_chord = None;
        o.set_track(now, track, TrackFrom::Bar)
    }

    #[LATER] "chordfile" (path: req path(&[]) "a MIDI file (.mid)")
    "The chord track from a MIDI file: the notes sounding in each beat (every channel but 10, the drums) named as a chord (the same templates as the symbols: the most of its tones, the fewest others), a beat with too few notes keeping the chord before, repeated chords joined. Answered with 'chords N BEATS'; it takes over as 'chords' does.",
    "chords.mid",
    |o, now| {
        o.submit(now, Job::ReadChords(PathBuf::from(path)), true);
    }

    #[ATTR] "transpose" (semitones: req int(-12, 12) "semitones up (down when negative)")
    "Play the chord track this many semitones up: the same progression in another key (0 = as given), going on where it is. Heard after the chords the model already knows (about two beats ahead).",
    "2",
    get |o| f64::from(o.transpose),
    |o, now| {
        if o.transpose != semitones as i32 {
            o.transpose = semitones as i32;
            if !o.given.is_empty() {
                o.set_track(now, o.given.clone(), TrackFrom::Here)?;
            }
        }
    }

    #[ATTR] "beats" (n: req int(1, 16) "beats")
    "How long a chord lasts when 'chords' gives it no length (4: one chord a bar). For the next 'chords'.",
    "4",
    get |o| f64::from(o.beats),
    |o, _now| {
        o.beats = n as u32;
    }

    #[LIVE] "note" (
        key: req int(0, 127) "MIDI note number",
        velocity: req int(0, 127) "0 = note-off",
        channel: opt int(1, 16) "MIDI channel (for 'chordchannel')",
    )
    "What you play (from [notein]; a list KEY VELOCITY [CHANNEL] does the same): heard 'delta2' after you play it, it shapes the chunks that follow. Ignored with 'listen 0' and while stopped. A note below 'chordsplit' or on 'chordchannel' is a chord note instead.",
    "67 100 1",
    ack "heard",
    |o, now| {
        let chord_note = (o.chord_split > 0 && key < i64::from(o.chord_split))
            || (o.chord_channel > 0 && channel == Some(i64::from(o.chord_channel)));
        if chord_note {
            o.chord_note(now, key as u8, velocity as u8);
        } else {
            o.live_note(now, key as u8, velocity as u8);
        }
    }

    #[ATTR] "chordsplit" (key: req int(0, 127) "notes below this key are chords (60 = middle C); 0 = off")
    "Chords played live, from the left hand as on an arranger keyboard: the keys held below this key are named as a chord once a change settles (100 ms after the last key struck or let go: a legato change's old keys are up by then, common tones held over still down; a note added to a chord held counts with it), the same templates as 'chordfile'; it becomes the chord track (said as 'chordin SYMBOL'). Releasing the keys keeps the chord. A chord played is heard from the first beat the model does not know yet: about two to three beats later at 'delta2' 1, so play a change a little early, or record the progression with 'chordrec' and it is heard on time. 'transpose' moves it too.",
    "60",
    get |o| f64::from(o.chord_split),
    |o, _now| {
        o.chord_split = key as u8;
        o.forget_chord_keys();
    }

    #[ATTR] "chordchannel" (ch: req int(0, 16) "the MIDI channel of chord notes; 0 = off")
    "Chords played live on their own MIDI channel (a second keyboard, a chord clip sent on its own channel): every note on this channel ('note KEY VELOCITY CHANNEL') is a chord note, as with 'chordsplit'.",
    "16",
    get |o| f64::from(o.chord_channel),
    |o, _now| {
        o.chord_channel = ch as u8;
        o.forget_chord_keys();
    }

    "chordrec" (bars: req int(0, 16) "bars to record; 0 = stop recording (the chords played lead again)")
    "Record the chords you play ('chordsplit', 'chordchannel') for this many bars from the next bar line (stopped: from the bar the song starts on, by 'play' or a host transport; a 'stop' while recording starts it again at the next start), then loop them as the chord track, in phase with what you played: from then on every change is heard on time. Each beat takes the chord held on it (a change played up to half a beat late counts from the beat). Said as 'chordrec BARS BAR' when recording starts (BAR counted from 0; 0 when stopped) and 'chords N BEATS' when the loop takes over. While the loop plays, chords played do not replace it: 'chordrec 0' lets them lead again ('chords' and 'chordfile' replace it too).",
    "4",
    |o, now| {
        o.chord_rec(now, bars as u32)?;
    }

    "program" (
        name: req choice(&ROLES) "bass, inner, melody",
        n: req int(0, 128) "General MIDI program 1..128; 0 = send none",
    )
    "The program (sound) of a part: a program change 'program N CHANNEL' on the info outlet ([route program] into [pgmout]) and on the daemon's MIDI port, at once, at every 'play' and when the part's channel changes.",
    "bass 33",
    |o, now| {
        let r = role(name)?;
        o.programs[r] = n as u8;
        o.send_program(now, r);
    }

    "part" (
        name: req choice(&ROLES) "bass, inner (voices), melody",
        on: req int(0, 1) "1 = play it, 0 = not",
    )
    "Which parts it plays (bass and inner voices by default; the melody only with 'listen 0', where nobody else plays it). A part off is muted: the model still writes it, so the others keep their places. From the next beat (chunk).",
    "bass 1",
    |o, now| {
        let r = role(name)?;
        if r == 2 && on == 1 && o.listen {
            return Err(Error::invalid(
                "part melody: the accompanist plays a melody only alone ('listen 0'): listening, \
                 your notes are the melody",
            ));
        }
        // (the model still writes every part, a part off is muted: masking it made the others
        // fill its place, the bass twice as busy, and stay so after it came back)
        let _ = now;
        o.parts[r] = on == 1;
        o.requeue();
    }

    "channel" (
        name: req choice(&ROLES) "bass, inner, melody",
        ch: req int(1, 16) "MIDI channel",
    )
    "The MIDI channel a part's notes leave on (bass 2, inner 3, melody 4 by default; your own notes on 1). From the next beat (chunk).",
    "bass 2",
    |o, now| {
        let r = role(name)?;
        o.channels[r] = (ch - 1) as u8;
        o.requeue();
        o.send_program(now, r);
    }

    #[ATTR] "listen" (on: req int(0, 1) "1 = accompany what you play (default), 0 = play alone")
    "1: it hears your notes and plays bass and inner voices around them. 0: it plays alone, the melody too (parts: bass inner melody). Starts it again from the next chunk.",
    "1",
    get |o| f64::from(u8::from(o.listen)),
    |o, now| {
        if o.listen != (on == 1) {
            o.listen = on == 1;
            o.parts[2] = !o.listen;
            o.renew(now);
        }
    }

    #[ATTR] "delta2" (beats: req float(0.5, 4.0) "0.5, 1, 2 or 4 beats")
    "How far ahead it generates, which is also how late it hears you: a chunk of this many beats is made while the one before plays. Shorter follows you sooner; longer gives the model more time (a slow computer at a fast tempo). Starts it again from the next chunk.",
    "1",
    get |o| f64::from(o.delta2) / f64::from(TICKS_PER_BEAT),
    |o, now| {
        let ticks = (beats * f64::from(TICKS_PER_BEAT)).round() as u32;
        if !DELTA2_CHOICES.contains(&ticks) || (beats * f64::from(TICKS_PER_BEAT)).fract() != 0.0 {
            return Err(Error::invalid(format!(
                "delta2 {beats}: the model knows 0.5, 1, 2 and 4 beats"
            )));
        }
        if ticks != o.delta2 {
            o.delta2 = ticks;
            o.renew(now);
        }
    }

    #[ATTR] "temperature" (t: req float(0.0, 2.0) "0 = always the likeliest note")
    "How freely it plays (1 by default, chosen on held-out music played for minutes: lower plays the likeliest notes, which over minutes get busy, 16ths and repeated notes; higher, more surprises). From the next chunk.",
    "1",
    get |o| round3(o.temperature),
    |o, now| {
        o.temperature = t as f32;
        o.submit(now, Job::Temperature(o.temperature), false);
    }

    #[ATTR] "harmony" (h: req float(0.0, 1.0) "0 = as the model plays, 1 = chord tones almost only")
    "How strongly the parts keep to the chord sounding (0.5 by default: then about as many of its notes are chord tones as in the music it learned from; 0 = the model as trained, more passing notes and surprises; 1 = chord tones almost only). From the next chunk.",
    "0.5",
    get |o| round3(o.harmony),
    |o, now| {
        o.harmony = h as f32;
        o.submit(now, Job::Harmony(o.harmony), false);
    }

    #[ATTR] "velocity" (v: req int(1, 127) "MIDI velocity")
    "How loud its notes are. From the next beat (chunk).",
    "80",
    get |o| f64::from(o.velocity),
    |o, _now| {
        o.velocity = v as u8;
        o.requeue();
    }

    "fallback" (what: req choice(&["hold", "rest"]) "hold = the chord sounding, rest = nothing")
    "What plays for a chunk that is not ready at its start (a slow computer, a model still loading), with 'late CHUNK' on the info outlet.",
    "hold",
    |o, _now| {
        o.hold = what == "hold";
    }

    "random" (n: opt int(0, 2_147_483_647) "none = a new seed from the clock")
    "Fix the random seed: the same chords, notes, seed and settings then give the same parts. Stopped: for the next start (made again now); playing: from the next restart.",
    "7",
    |o, now| {
        o.seed = match n {
            Some(n) => n as u64,
            None => clock_seed(),
        };
        if !o.player.is_playing() {
            o.arm(now);
        }
    }

    "play" ()
    "Start at once, with the chunk made while stopped (else playing safe until the next). With a transport running, it joins the transport in phase.",
    "",
    |o, now| {
        o.need_track("play")?;
        o.follow.play();
        if !o.player.is_playing() {
            o.player.play(now);
            o.started(now, 0);
        }
    }

    "stop" ()
    "Stop; every sounding note gets its note-off. The next start is made ready at once.",
    "",
    |o, now| {
        let out = &mut o.out;
        o.follow.stop(&mut o.player, now, &mut |p| push_note(out, p))?;
        o.arm(now);
    }

    #[ATTR] "tempo" (bpm: req float(BPM_MIN, BPM_MAX) "beats per minute")
    "Tempo, at once, keeping the position.",
    "100",
    get |o| o.follow.own_bpm,
    |o, now| {
        o.follow.set_tempo(&mut o.player, now, bpm)
    }

    "transport" (
        running: req int(0, 1) "1 = the host's transport runs, 0 = stopped",
        bpm: req float(BPM_MIN, BPM_MAX) "its tempo",
        beats: req float(-1.0e9, 1.0e9) "its position in beats (quarter notes) from the song's start",
    )
    "Follow a host transport (Max and Live send this by themselves): the chord track's first chord is the song's first beat; a jump starts the accompanist again from the next chunk.",
    "1 100 0",
    |o, now| {
        o.transport(now, running == 1, bpm, beats)
    }

    #[LIVE] "clock" (byte: req int(0, 255) "a MIDI realtime byte: 248 pulse, 250 start, 251 continue, 252 stop; others are ignored")
    "Follow a MIDI clock: [midirealtimein] (Pd) or [rtin] (Max) into [clock $1(, as the groove does.",
    "248",
    |o, now| {
        if let Some((running, bpm, beats)) = o.follow.clock_byte(now, byte as u8) {
            o.transport(now, running, bpm.clamp(BPM_MIN, BPM_MAX), beats)?;
        }
    }

    "songpos" (sixteenths: req int(0, 16383) "MIDI beats (16ths) from the song's start")
    "Where a MIDI clock's 'continue' picks up (the song position pointer, sent before it).",
    "16",
    |o, _now| {
        o.follow.clock.song_position(sixteenths as f64);
    }

    #[LIVE] "tap_tempo" ()
    "Tap the tempo: two taps or more set it, fitted over the last 8; a pause of 2 s starts a new count.",
    "",
    |o, now| {
        if let Some(bpm) = o.follow.tap_tempo(&mut o.player, now)? {
            o.info("tempo", vec![Atom::Float(bpm)]);
        }
    }

    #[ATTR] "sync" (on: req int(0, 1) "1 = follow the transport (default), 0 = ignore it")
    "Whether 'transport' is followed.",
    "1",
    get |o| f64::from(u8::from(o.follow.sync)),
    |o, now| {
        o.follow.set_sync(&mut o.player, now, on == 1)
    }

    #[LATER] "load" (path: req path(&[]) "a model folder (model.json, accomp.onnx), or the name of one in the library")
    "Load an accompanist model (the bundled one, models/accomp, loads by itself). What plays goes on; the new model starts from the next chunk.",
    "models/accomp",
    |o, now| {
        let dir = PathBuf::from(path);
        o.load(now, dir);
    }

    #[LATER] "library" (path: req path(&[]) "a folder for the models you train: beside the patch, or a full path (made if its folder is there)")
    "Where 'train' writes new accompanists, and where 'models' and 'load NAME' look: your model library (the groove's can be the same folder). Checked on a worker at once: answered 'library PATH MODELS', or an error.",
    "my-models",
    |o, _now| {
        o.desk.set_library(path, o.blocking, &mut o.out)?;
    }

    #[LATER] "train" (
        folder: req path(&[]) "a folder of your songs as MIDI files: bass, inner voices and melody on channels 1, 2 and 3 (as 'bandmate accomp' writes them), 4/4",
        name: opt words(1) "the new model's name: letters, digits, - _ .; none = the folder's name",
    )
    "Teach the accompanist your songs: fine-tune the model that plays on them (each in 12 keys, accompanying your melody and alone; every fifth song held out to compare where there are five or more; about 2 s a step of 16 windows: two to three minutes for ten songs; it plays on meanwhile). Reports 'training SONGS SEQUENCES HELD-OUT EPOCHS', then 'progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT]' each pass (nats per note token; lower is closer), then 'trained NAME SECONDS [BEFORE AFTER]' (the held-out songs' negative log-likelihood per token under the old model and the new) once the model is whole in the library. 'load NAME' plays it.",
    "songs",
    |o, _now| {
        let base = o.model_dir.clone().or_else(|| o.bundled.clone()).ok_or_else(|| {
            Error::invalid("train: no model to start from (load one first)")
        })?;
        o.desk.train(base, PathBuf::from(folder), name.map(|w| w[0].to_string()))?;
    }

    "cancel" ()
    "Stop a training: within a step it answers 'cancelled train' and nothing is written. (With nothing training it does nothing.)",
    "",
    |o, _now| {
        o.desk.cancel();
    }

    #[LATER] "models" ()
    "List the accompanists in the model library: answered 'models NAME...' (none: an empty list).",
    "",
    |o, _now| {
        o.desk.models(o.blocking, &mut o.out)?;
    }

    #[ATTR, OFFLINE] "blocking" (on: req int(0, 1) "1 = work in the message's own time (offline, tests)")
    "0: chunks are made on a worker thread (live; default). 1: before the message or tick returns.",
    "0",
    get |o| f64::from(u8::from(o.blocking)),
    |o, now| {
        o.blocking = on == 1;
        // work under way (the bundled model loading since creation) is waited for now
        if o.blocking {
            o.settle(now);
        }
    }

    "dump" ()
    "Report the model, the chord track, the parts and settings, and how many chunks were late.",
    "",
    |o, _now| {
        o.dump();
    }
}

/// The declaration of `bandmate.accomp`: every message it takes, in Pd, Max and over OSC.
pub const ACCOMP: ObjectDecl = ObjectDecl {
    name: "bandmate.accomp",
    osc: "accomp",
    doc: "An accompanist that listens: give it a chord track and play; it plays a bass line and \
          inner voices (and a melody when you let it play alone) over the chords, a chunk \
          ahead of the playhead, shaped by what you just played. A small anticipatory \
          transformer trained on Bach chorales (models/accomp).",
    messages: ACCOMP_MESSAGES,
    outlets: &[
        notes("notes", "note velocity channel lists for [noteout]: velocity 0 is the note-off; each at its exact time"),
        out("info", "model NAME PARAMETERS, chords N BEATS, chordin SYMBOL (a chord played), chordrec BARS BAR (recording from bar BAR), program N CHANNEL (for [pgmout]), ready (stopped: the first chunk is made, play starts on the beat), chord SYMBOL (the chord changes), late CHUNK hold|rest (a chunk not ready at its start), restart CHUNK WHY, tempo BPM, library PATH MODELS, models NAME..., training SONGS SEQUENCES HELD-OUT EPOCHS, progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT], skipped FILE WHY, trained NAME SECONDS [BEFORE AFTER], cancelled train, status ..., error TEXT"),
    ],
    list: Some("note"),
    note_channel: true,
    labels: &[(
        "accomp/state",
        "what the accompanist does: 'stopped', 'playing · N chunks, L late', 'no model' or 'no chords'",
    )],
    ..EMPTY
};

/// `bandmate.accomp` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &ACCOMP,
    help: ACCOMP_HELP,
    make: |options, _args| Ok(Box::new(AccompObject::new(options)?)),
};

/// What the help patches add around `bandmate.accomp`.
pub const ACCOMP_HELP: HelpExtras = HelpExtras {
    objects: &[],
    outlet_objects: &[&["print notes", "noteout"], &["print info"]],
    intro: "Click 'chords', then 'play': it plays bass (channel 2) and inner voices (channel 3) \
            over the chords. Play over it ([notein] into [pack f f f] into this object, or \
            click 'note'): what you play is heard a chunk later and shapes what follows. \
            'listen 0' lets it play alone, the melody too.",
    more_messages: &[
        (
            "chords C:maj7 A:min7 2 D:min7 2 G:7",
            "chords with lengths: A:min7 and D:min7 two beats each",
        ),
        ("note 67 0", "the note's release"),
        ("part melody 1", "(with listen 0) a melody too"),
    ],
    grids: &[],
};

/// Where a new chord track starts while playing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TrackFrom {
    /// On the first bar line the model does not know yet (a new track).
    Bar,
    /// On the first beat the model does not know yet (a chord played live).
    Beat,
    /// At this song tick (a recorded progression, in phase with its recording).
    Tick(i64),
    /// Where it is (the same track transposed).
    Here,
}

/// A chord change under way: keys struck or let go, each within [`CHORD_SETTLE_MS`] of the
/// one before; named when that long has passed after the last. Where (song tick) its first
/// key was struck, for a recording.
struct Burst {
    tick: i64,
    due: f64,
}

/// How long chord keys take to settle: the notes of a chord struck by hand come within a few
/// tens of ms, and a legato change lifts the old keys about as soon.
const CHORD_SETTLE_MS: f64 = 100.0;

/// A chord progression being recorded (`chordrec`): its length, where it starts (song tick;
/// None: at the next `play`), and each chord played (song tick, chord), the one held when it
/// began first.
struct ChordRec {
    bars: u32,
    start: Option<i64>,
    changes: Vec<(i64, Chord)>,
}

enum Job {
    Load(PathBuf),
    /// A chord track from a MIDI file.
    ReadChords(PathBuf),
    /// A new performance (generation `gen`).
    Start {
        gen: u64,
        setup: Setup,
        delta2: u32,
        temperature: f32,
        harmony: f32,
        seed: u64,
        roles: [bool; 3],
    },
    /// Hear `add`, then make the parts up to tick `until` of performance `gen` (chunk `chunk`,
    /// from tick `from`).
    Chunk {
        gen: u64,
        chunk: i64,
        add: Vec<Event>,
        from: i64,
        until: i64,
    },
    Temperature(f32),
    Harmony(f32),
    /// Test hook: every later chunk takes this long.
    Slow(u64),
    Panic,
}

enum Reply {
    Track(Vec<(Chord, i64)>),
    Loaded {
        dir: PathBuf,
        name: String,
        parameters: u64,
    },
    Started,
    Chunk {
        gen: u64,
        chunk: i64,
        /// Its start (the accompanist's ticks).
        from: i64,
        events: Vec<Event>,
    },
    /// What failed, and whether the job was a model's load (answered to whoever asked).
    Failed(String, bool),
}

impl Reply {
    /// Whether it answers a message (a `load`) rather than the playing.
    fn owed(&self) -> bool {
        matches!(
            self,
            Reply::Loaded { .. } | Reply::Track(_) | Reply::Failed(_, true)
        )
    }
}

/// The worker: owns the model and the performance.
struct Band {
    model: Option<AccompModel>,
    acc: Option<(u64, Accompanist)>,
    runtime: Option<PathBuf>,
    roots: Option<Vec<PathBuf>>,
    slow_ms: u64,
}

impl Band {
    fn handle(&mut self, job: Job) -> Option<Reply> {
        let load = matches!(job, Job::Load(_) | Job::ReadChords(_));
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(job))) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Some(Reply::Failed(e.to_string(), load)),
            Err(p) => Some(Reply::Failed(
                format!("internal error: {}", panic_text(&p)),
                load,
            )),
        }
    }

    fn run(&mut self, job: Job) -> Result<Option<Reply>> {
        Ok(Some(match job {
            Job::Load(dir) => {
                if let Some(lib) = self.runtime.as_deref().filter(|p| p.is_file()) {
                    init_runtime(Some(lib))?;
                }
                all_within(&dir, self.roots.as_deref())?;
                let m = AccompModel::load(&dir)?;
                let parameters = m.info().parameters;
                // the performance under way ends; the next Start takes the new model
                self.acc = None;
                self.model = Some(m);
                let name = dir
                    .file_name()
                    .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
                Reply::Loaded {
                    dir,
                    name,
                    parameters,
                }
            }
            Job::ReadChords(path) => {
                if !crate::fsutil::within(&path, self.roots.as_deref()) {
                    return Err(Error::invalid(format!(
                        "{}: {}",
                        path.display(),
                        crate::fsutil::OUTSIDE
                    )));
                }
                let midi = crate::midi::MidiFile::read(&path)?;
                Reply::Track(chords_of(&midi).map_err(|e| e.at(&path))?)
            }
            Job::Start {
                gen,
                setup,
                delta2,
                temperature,
                harmony,
                seed,
                roles,
            } => {
                if let Some((_, a)) = self.acc.take() {
                    self.model = Some(a.into_model());
                }
                let model = self
                    .model
                    .take()
                    .ok_or_else(|| Error::invalid("no accompanist model is loaded ('load' one)"))?;
                // (a start that fails keeps the model for the next one)
                let mut a = match Accompanist::start(model, setup, delta2, temperature, seed) {
                    Ok(a) => a,
                    Err((e, model)) => {
                        self.model = Some(*model);
                        return Err(e);
                    }
                };
                a.set_roles(roles);
                if let Err(e) = a.set_harmony(harmony) {
                    self.model = Some(a.into_model());
                    return Err(e);
                }
                self.acc = Some((gen, a));
                Reply::Started
            }
            Job::Chunk {
                gen,
                chunk,
                add,
                from,
                until,
            } => {
                if self.slow_ms > 0 {
                    std::thread::sleep(Duration::from_millis(self.slow_ms));
                }
                let events = match &mut self.acc {
                    Some((g, a)) if *g == gen => {
                        for e in add {
                            a.add(e)?;
                        }
                        a.generate_until(until)?
                            .into_iter()
                            .filter(|e| e.time >= from)
                            .collect()
                    }
                    // a performance that has ended (or never started: no model)
                    _ => Vec::new(),
                };
                Reply::Chunk {
                    gen,
                    chunk,
                    from,
                    events,
                }
            }
            Job::Temperature(t) => {
                if let Some((_, a)) = &mut self.acc {
                    a.set_temperature(t)?;
                }
                return Ok(None);
            }
            Job::Harmony(h) => {
                if let Some((_, a)) = &mut self.acc {
                    a.set_harmony(h)?;
                }
                return Ok(None);
            }
            Job::Slow(ms) => {
                self.slow_ms = ms;
                return Ok(None);
            }
            Job::Panic => panic!("forced internal error (test hook)"),
        }))
    }
}

/// The accompanist object.
pub struct AccompObject {
    worker: Worker<Job, Reply>,
    /// Jobs in flight that will reply (chunks, starts, loads).
    inflight: usize,
    blocking: bool,
    player: Player,
    follow: Follow,
    /// The folder of the model loaded (for scenes, and what `train` starts from).
    model_dir: Option<PathBuf>,
    /// The bundled model's folder, where there is one: what `train` starts from before a
    /// model has loaded.
    bundled: Option<PathBuf>,
    /// The model library and the training.
    desk: super::library::Desk,
    /// The model loaded (its folder's name and size), once one has.
    model: Option<(String, u64)>,
    loading: bool,
    /// The chord track as given (`chords`, `chordfile`), and as played (transposed): each
    /// chord and its length in ticks.
    given: Vec<(Chord, i64)>,
    track: Vec<(Chord, i64)>,
    transpose: i32,
    beats: u32,
    listen: bool,
    parts: [bool; 3],
    /// 0-based MIDI channels of the parts, and their programs (1..128; 0 = none sent).
    channels: [u8; 3],
    programs: [u8; 3],
    /// Chords played live: notes below `chord_split` or on `chord_channel` (1-based; 0 =
    /// off), the chord keys held, the chord they named last, and a recording (`chordrec`).
    chord_split: u8,
    chord_channel: u8,
    chord_keys: Vec<u8>,
    /// The chord keys struck together, named once they settle.
    burst: Option<Burst>,
    live_chord: Option<Chord>,
    rec: Option<ChordRec>,
    /// A recorded loop is the track: chords played do not replace it (until `chordrec`).
    rec_looping: bool,
    /// When the chord changes next (ms), to be said then.
    next_change: Option<f64>,
    velocity: u8,
    /// Chunk length, and how late the performer is heard (ticks).
    delta2: u32,
    temperature: f32,
    harmony: f32,
    seed: u64,
    /// Hold the chord on a late chunk (else rest).
    hold: bool,
    /// The performance: its generation (answers of an older one are dropped).
    gen: u64,
    /// The chunk playing now (from 0 at the start; -1 while stopped).
    chunk: i64,
    /// The song's tick where the chunk playing starts, and its length (ticks). Stopped: chunk
    /// -1 just before the song's start.
    here_song: i64,
    here_len: i64,
    /// The song's tick of the accompanist's tick 0, and the chunk it starts at.
    origin: i64,
    first: i64,
    /// The song's tick where the track's first chord starts; before it, the track before
    /// (a new track takes over at a bar line).
    track_origin: i64,
    before: Vec<(Chord, i64)>,
    before_origin: i64,
    /// Chords are sent to the accompanist up to this song tick (the end of the last sent).
    sent: i64,
    /// The last chunk asked of the worker, and the one it is making (at most one: a slow
    /// computer is not handed a backlog).
    asked: Option<i64>,
    making: Option<i64>,
    /// A chunk that came back ahead of the one after the playing one (while stopped: chunk 0).
    ready: Option<(i64, Sequence)>,
    /// The chunk queued in the player for the next boundary (None: the safe one), and what
    /// the model made for it (its start and events), to make it again with other parts.
    queued: Option<i64>,
    queued_made: Option<(i64, i64, Vec<Event>)>,
    /// A transport started the player away from the song's start, where the chunk made while
    /// stopped was for (said as a restart, not as a late chunk).
    repositioned: bool,
    /// The performer's notes heard and not yet sent (accompanist ticks), and those held now
    /// (key, onset tick).
    heard: Vec<Event>,
    held: Vec<(u8, i64)>,
    chunks: u64,
    late: u64,
    last_chord: Option<Chord>,
    out: Vec<Output>,
    test_hooks: bool,
}

impl AccompObject {
    pub fn new(options: &Options) -> Result<AccompObject> {
        let runtime = options.plugin_dir.as_deref().map(plugin_runtime);
        if options.plugin_dir.is_some() {
            warm_runtime(runtime.as_deref());
        }
        let mut band = Band {
            model: None,
            acc: None,
            runtime,
            roots: options.roots.clone(),
            slow_ms: 0,
        };
        let worker = Worker::serve("bandmate-accomp", move |job| band.handle(job))?;
        let mut desk =
            super::library::Desk::new(crate::accomp::model::MODEL_FORMAT, options.roots.clone());
        desk.preset_library(options.library.clone());
        let mut o = AccompObject {
            worker,
            inflight: 0,
            blocking: false,
            player: Player::new(100.0, 50.0)?,
            follow: Follow::new(100.0),
            model_dir: None,
            bundled: super::contract::bundled_model(options.plugin_dir.as_deref(), "accomp"),
            desk,
            model: None,
            loading: false,
            given: Vec::new(),
            track: Vec::new(),
            transpose: 0,
            beats: 4,
            listen: true,
            parts: [true, true, false],
            channels: [1, 2, 3],
            programs: [0; 3],
            chord_split: 0,
            chord_channel: 0,
            chord_keys: Vec::new(),
            burst: None,
            live_chord: None,
            rec: None,
            rec_looping: false,
            next_change: None,
            velocity: 80,
            delta2: TICKS_PER_BEAT,
            temperature: DEFAULT_TEMPERATURE as f32,
            harmony: DEFAULT_HARMONY as f32,
            seed: clock_seed(),
            hold: true,
            gen: 0,
            chunk: -1,
            here_song: -i64::from(TICKS_PER_BEAT),
            here_len: i64::from(TICKS_PER_BEAT),
            origin: 0,
            first: 0,
            track_origin: 0,
            before: Vec::new(),
            before_origin: 0,
            sent: 0,
            asked: None,
            making: None,
            ready: None,
            queued: None,
            queued_made: None,
            repositioned: false,
            heard: Vec::new(),
            held: Vec::new(),
            chunks: 0,
            late: 0,
            last_chord: None,
            out: Vec::new(),
            test_hooks: std::env::var_os("BANDMATE_TEST_HOOKS").is_some_and(|v| v == "1"),
        };
        o.player.set_sequence(o.safe(0));
        if options.load_default {
            if let Some(dir) =
                super::contract::bundled_model(options.plugin_dir.as_deref(), "accomp")
            {
                o.load(0.0, dir);
            }
        }
        Ok(o)
    }

    /// How many chunks have started since `play` (the first included).
    pub fn chunks_played(&self) -> usize {
        self.chunks as usize
    }

    /// The chunk queued for the next boundary made again from the model's notes (the parts,
    /// channels or velocity changed).
    fn requeue(&mut self) {
        let armed = match self.ready {
            Some((k, _)) if !self.player.is_playing() => Some(k),
            _ => None,
        };
        match (self.queued.or(armed), &self.queued_made) {
            (Some(k), Some((made, from, events))) if k == *made => {
                let seq = self.sequence(k, *from, events);
                if armed == Some(k) {
                    self.ready = Some((k, seq.clone()));
                }
                self.player.set_sequence(seq);
            }
            _ => {}
        }
    }

    /// The chunk length in ticks.
    fn d(&self) -> i64 {
        i64::from(self.delta2)
    }

    fn roles(&self) -> [bool; 3] {
        [self.parts[0], self.parts[1], self.parts[2] && !self.listen]
    }

    fn load(&mut self, now: f64, dir: PathBuf) {
        self.loading = true;
        self.submit(now, Job::Load(dir), true);
    }

    fn need_track(&self, what: &str) -> Result<()> {
        if self.track.is_empty() {
            return Err(Error::invalid(format!(
                "{what}: no chord track yet (send 'chords C:maj7 A:min7 D:min7 G:7' first)"
            )));
        }
        Ok(())
    }

    /// Hand a job over; `owed`: it answers a message (the daemon routes its answer). In
    /// blocking mode every reply is taken before this returns.
    fn submit(&mut self, now: f64, job: Job, owed: bool) {
        let replies = !matches!(job, Job::Temperature(_) | Job::Harmony(_) | Job::Slow(_));
        if let Err(e) = self.worker.send(job, owed) {
            self.out.push(Output::Error(e));
            return;
        }
        if replies {
            self.inflight += 1;
        }
        if self.blocking {
            self.settle(now);
        }
    }

    /// Take every reply still owed, waiting for each.
    fn settle(&mut self, now: f64) {
        while self.inflight > 0 {
            match self.worker.recv(None) {
                Some(r) => self.take(r, now),
                None => {
                    self.inflight = 0;
                    self.out.push(Output::Error(STOPPED.into()));
                }
            }
        }
    }

    fn poll(&mut self, now: f64) {
        while let Some(r) = self.worker.try_recv() {
            self.take(r, now);
        }
        self.desk.poll(&mut self.out);
    }

    /// A reply from the worker, picked up at `now`.
    fn take(&mut self, r: Reply, now: f64) {
        self.inflight = self.inflight.saturating_sub(1);
        if r.owed() {
            self.worker.answered();
        }
        match r {
            Reply::Loaded {
                dir,
                name,
                parameters,
            } => {
                self.loading = false;
                self.model_dir = Some(dir);
                self.info(
                    "model",
                    vec![Atom::Symbol(name.clone()), Atom::Float(parameters as f64)],
                );
                self.model = Some((name, parameters));
                self.renew(now);
            }
            Reply::Started => {}
            Reply::Track(track) => {
                self.rec_looping = false;
                self.live_chord = None;
                if let Err(e) = self.set_track(now, track, TrackFrom::Bar) {
                    self.out.push(Output::Error(e.to_string()));
                }
            }
            Reply::Chunk {
                gen,
                chunk,
                from,
                events,
            } => {
                if self.making == Some(chunk) {
                    self.making = None;
                }
                if gen != self.gen {
                    return;
                }
                if self.player.is_playing() && chunk <= self.chunk {
                    // too late for its boundary (said then): the next one now
                    if self.queued.is_none() && self.asked.is_none_or(|a| a <= self.chunk) {
                        self.ask(now, self.chunk + 1);
                    }
                    return;
                }
                let seq = self.sequence(chunk, from, &events);
                if self.player.is_playing() && chunk == self.chunk + 1 {
                    self.player.set_sequence(seq);
                    self.queued = Some(chunk);
                    self.queued_made = Some((chunk, from, events));
                } else if chunk > self.chunk {
                    self.queued_made = Some((chunk, from, events));
                    // while stopped: chunk 0, armed for the start
                    if !self.player.is_playing() {
                        self.player.set_sequence(seq.clone());
                        self.out.push(Output::Event("ready".into(), Vec::new()));
                    }
                    self.ready = Some((chunk, seq));
                }
                // else it came too late: its boundary passed (said then)
            }
            Reply::Failed(e, load) => {
                if load {
                    self.loading = false;
                }
                self.out.push(Output::Error(e));
            }
        }
    }

    /// A generated chunk as the player's loop: its notes from its start, each its own length.
    fn sequence(&self, chunk: i64, from: i64, events: &[Event]) -> Sequence {
        let mut notes: Vec<SeqNote> = Vec::new();
        for e in events {
            let What::Part(r, key) = e.what else { continue };
            if !self.roles()[usize::from(r).min(2)] {
                continue;
            }
            let n = SeqNote {
                pos: (e.time - from).max(0) as f64 / TICKS_PER_STEP as f64,
                note: key,
                velocity: self.velocity,
                channel: self.channels[usize::from(r).min(2)],
                len: Some(f64::from(e.duration.max(1)) / TICKS_PER_STEP as f64),
            };
            // two voices of a part on one pitch at once are one note (the longer)
            match notes
                .iter_mut()
                .find(|m| (m.pos, m.note, m.channel) == (n.pos, n.note, n.channel))
            {
                Some(m) => m.len = m.len.zip(n.len).map(|(a, b)| a.max(b)),
                None => notes.push(n),
            }
        }
        Sequence::notes(self.chunk_steps(), notes).unwrap_or_else(|_| self.safe(chunk))
    }

    fn chunk_steps(&self) -> f64 {
        f64::from(self.delta2) / TICKS_PER_STEP as f64
    }

    /// What plays for chunk `chunk` when its notes are not ready: the chord sounding at its
    /// start (bass and inner voices, as asked) held for the chunk, or nothing.
    fn safe(&self, chunk: i64) -> Sequence {
        self.safe_at(self.start_of(chunk))
    }

    /// The safe chunk for a chunk starting at song tick `s`: each chord of the track in its
    /// turn, held.
    fn safe_at(&self, s: i64) -> Sequence {
        let steps = self.chunk_steps();
        let end = s + (steps * TICKS_PER_STEP as f64).round() as i64;
        let mut notes = Vec::new();
        let mut t = s;
        while self.hold && t < end {
            let Some((chord, start, len)) = self.chord_span(t) else {
                break;
            };
            let until = (start + len).clamp(t + 1, end);
            let pos = (t - s) as f64 / TICKS_PER_STEP as f64;
            let held = (until - t) as f64 / TICKS_PER_STEP as f64;
            let mut add = |r: usize, key: u8| {
                if self.parts[r] {
                    notes.push(SeqNote {
                        pos,
                        note: key,
                        velocity: self.velocity,
                        channel: self.channels[r],
                        len: Some(held),
                    });
                }
            };
            add(0, 36 + chord.root);
            for pc in chord.pitch_classes() {
                // G3..F#4
                add(1, 55 + (pc + 5) % 12);
            }
            t = until;
        }
        Sequence::notes(steps, notes).expect("a held chord is a valid loop")
    }

    /// `chord SYMBOL` when the chord sounding now is another than the one said last (a
    /// change inside a chunk), and when the next change is due (ms).
    fn chord_now(&mut self, now: f64) -> Option<f64> {
        if !self.player.is_playing() || self.chunk < 0 {
            return None;
        }
        let song = self.song_tick(now);
        let s = (song + 1e-6).floor() as i64;
        let (chord, start, len) = self.chord_span(s)?;
        if Some(chord) != self.last_chord {
            self.last_chord = Some(chord);
            self.out.push(Output::Event(
                "chord".into(),
                vec![Atom::Symbol(chord.to_string())],
            ));
        }
        let ms_per_tick = 60_000.0 / self.player.bpm() / f64::from(TICKS_PER_BEAT);
        Some(now + ((start + len) as f64 - song).max(0.0) * ms_per_tick)
    }

    /// The song's tick where chunk `chunk` starts (the one playing, or one to come at the
    /// length chunks have now).
    fn start_of(&self, chunk: i64) -> i64 {
        if chunk <= self.chunk {
            return self.here_song;
        }
        self.here_song + self.here_len + (chunk - self.chunk - 1) * self.d()
    }

    /// The chord of the track at song tick `s`, with its start and length: the track playing
    /// from its origin on, the one before it until then (a chord of it ending at the origin).
    fn chord_span(&self, s: i64) -> Option<(Chord, i64, i64)> {
        let (track, origin) = match (s < self.track_origin, self.before.is_empty()) {
            (true, false) => (&self.before, self.before_origin),
            _ => (&self.track, self.track_origin),
        };
        let period: i64 = track.iter().map(|c| c.1).sum();
        if period <= 0 {
            return None;
        }
        let k = (s - origin).rem_euclid(period);
        let mut at = 0;
        for &(c, len) in track {
            if k < at + len {
                let start = s - (k - at);
                let end = if s < self.track_origin {
                    (start + len).min(self.track_origin)
                } else {
                    start + len
                };
                return Some((c, start, end - start));
            }
            at += len;
        }
        None
    }

    fn chord_at(&self, s: i64) -> Option<Chord> {
        self.chord_span(s).map(|c| c.0)
    }

    /// The chords from `self.sent` on that the model knows of before song tick `upto` (a chord
    /// is known DELTA1 before it sounds), as the accompanist's events.
    fn chords_until(&mut self, upto: i64) -> Vec<Event> {
        let mut v = Vec::new();
        while self.sent < upto + i64::from(DELTA1) {
            let Some((c, start, len)) = self.chord_span(self.sent) else {
                break;
            };
            let end = start + len;
            // (a track placed before what was sent, a recorded loop: its chord from here)
            let start = start.max(self.sent);
            v.push(Event {
                time: start - self.origin,
                duration: (end - start).clamp(1, i64::from(MAX_DURATION)) as u32,
                what: What::chord(c),
            });
            self.sent = end;
        }
        v
    }

    /// The song's tick at `now` (playing).
    fn song_tick(&self, now: f64) -> f64 {
        self.here_song as f64 + self.player.position_in_loop(now) * TICKS_PER_STEP as f64
    }

    /// Where the player is, after the host's transport moved it: the chunk playing starts
    /// where the song is less the player's place in it.
    fn place_at(&mut self, now: f64, song: f64) {
        let pos = self.player.position_in_loop(now) * TICKS_PER_STEP as f64;
        self.here_song = (song - pos).round() as i64;
        self.here_len = (self.player.loop_steps() * TICKS_PER_STEP as f64).round() as i64;
    }

    /// A new performance from chunk `at` (the accompanist's tick 0 at its start): what it was
    /// asked before is dropped.
    fn restart(&mut self, now: f64, at: i64) {
        self.gen += 1;
        self.first = at;
        self.origin = self.start_of(at);
        self.sent = self.chord_span(self.origin).map_or(self.origin, |c| c.1);
        self.asked = None;
        self.ready = None;
        self.heard.clear();
        self.held.clear();
        if self.model.is_none() || self.track.is_empty() {
            return;
        }
        let job = Job::Start {
            gen: self.gen,
            setup: if self.listen {
                Setup::Accompany
            } else {
                Setup::Alone
            },
            delta2: self.delta2,
            temperature: self.temperature,
            harmony: self.harmony,
            seed: self.seed,
            roles: [true, true, !self.listen],
        };
        self.submit(now, job, false);
        self.ask(now, at);
    }

    /// Ask the worker for chunk `chunk`: the chords known by its end and the notes heard.
    fn ask(&mut self, now: f64, chunk: i64) {
        if self.model.is_none() || self.track.is_empty() || chunk < self.first {
            // (nothing to send what was heard to)
            self.heard.clear();
            return;
        }
        let from = self.start_of(chunk) - self.origin;
        let until = from + self.d();
        let mut add = self.chords_until(self.origin + until);
        if self.listen {
            add.append(&mut self.heard);
            // notes still held: heard now, as long as they have sounded
            if self.player.is_playing() {
                let here = (self.song_tick(now) - self.origin as f64).round() as i64;
                for (key, on) in self.held.drain(..) {
                    add.push(Event {
                        time: on,
                        duration: (here - on).clamp(1, i64::from(MAX_DURATION)) as u32,
                        what: What::Human(key),
                    });
                }
            }
        } else {
            self.heard.clear();
            self.held.clear();
        }
        self.asked = Some(chunk);
        self.making = Some(chunk);
        let job = Job::Chunk {
            gen: self.gen,
            chunk,
            add,
            from,
            until,
        };
        self.submit(now, job, false);
    }

    /// Stopped: a new performance from the song's start, its first chunk made now.
    fn arm(&mut self, now: f64) {
        if self.player.is_playing() {
            return;
        }
        // a recording under way starts again at the next start, from the chord held
        if let Some(rec) = self.rec.as_mut() {
            rec.start = None;
            rec.changes.retain(|c| c.0 == i64::MIN);
            if let Some(c) = self.live_chord {
                rec.changes = vec![(i64::MIN, c)];
            }
        }
        self.burst = None;
        self.chunk = -1;
        self.here_len = self.d();
        self.here_song = -self.here_len;
        // the track from the song's start again (a change made while playing is the track now;
        // a recorded loop keeps its place in the song's bars)
        let period: i64 = self.track.iter().map(|c| c.1).sum();
        self.track_origin = if self.rec_looping && period > 0 {
            self.track_origin.rem_euclid(period)
        } else {
            0
        };
        self.before.clear();
        self.queued = None;
        // (the chunk queued when it stopped would otherwise start the next play)
        self.player.clear_queued();
        self.player.set_sequence(self.safe(0));
        self.restart(now, 0);
    }

    /// Something the performance depends on changed: stopped, arm again; playing, start again
    /// from the next chunk.
    fn renew(&mut self, now: f64) {
        if self.player.is_playing() {
            let next = self.chunk + 1;
            self.say_restart(next, "settings");
            self.player.set_sequence(self.safe(next));
            self.queued = None;
            self.restart(now, next);
        } else {
            self.arm(now);
        }
    }

    fn say_restart(&mut self, chunk: i64, why: &str) {
        self.out.push(Output::Event(
            "restart".into(),
            vec![Atom::Float(chunk as f64), Atom::sym(why)],
        ));
    }

    /// The player started (by `play` or a transport) at `now`, chunk 0 at song tick `song0`.
    fn started(&mut self, now: f64, song0: i64) {
        // (programs at every start: `play`, a host transport, a MIDI clock)
        for r in 0..ROLES.len() {
            self.send_program(now, r);
        }
        // a recording armed while stopped starts on the first bar line the song starts at
        if let Some(rec) = self.rec.as_mut().filter(|r| r.start.is_none()) {
            let bar = i64::from(4 * TICKS_PER_BEAT);
            rec.start = Some((song0 + bar - 1).div_euclid(bar) * bar);
        }
        self.chunk = 0;
        self.here_song = song0;
        self.here_len = (self.player.loop_steps() * TICKS_PER_STEP as f64).round() as i64;
        self.chunks = 1;
        self.late = 0;
        self.last_chord = None;
        let armed = song0 == 0 && self.first == 0 && matches!(self.ready, Some((0, _)));
        self.ready = None;
        if !armed {
            // safe now, the accompanist from the next chunk: the chunk made while stopped was
            // for the song's start (a transport starting elsewhere), or it is not ready
            if std::mem::take(&mut self.repositioned) {
                self.say_restart(1, "position");
            } else {
                self.say_late(0);
            }
            self.restart(now, 1);
        }
        self.say_chord();
        self.next_chunk(now);
    }

    /// Chunk `self.chunk` has started: queue the safe one for the next boundary (the chunk
    /// made replaces it when it comes), and ask for it.
    fn next_chunk(&mut self, now: f64) {
        let next = self.chunk + 1;
        // (made already: a start that asked for it in the same instant)
        if self.queued != Some(next) {
            self.player.set_sequence(self.safe(next));
            self.queued = None;
            if let Some((k, seq)) = self.ready.take() {
                if k == next {
                    self.player.set_sequence(seq);
                    self.queued = Some(k);
                }
            }
        }
        if self.asked.is_none_or(|a| a < next) && self.queued.is_none() && self.making.is_none() {
            self.ask(now, next);
        }
    }

    /// `chord SYMBOL` when the chord at the start of the chunk playing is another.
    fn say_chord(&mut self) {
        let chord = self.chord_at(self.here_song);
        if chord.is_some() && chord != self.last_chord {
            self.last_chord = chord;
            let name = chord.map(|c| c.to_string()).unwrap_or_default();
            self.out
                .push(Output::Event("chord".into(), vec![Atom::Symbol(name)]));
        }
    }

    fn say_late(&mut self, chunk: i64) {
        if self.model.is_none() || self.track.is_empty() {
            return;
        }
        self.late += 1;
        let what = if self.hold { "hold" } else { "rest" };
        self.out.push(Output::Event(
            "late".into(),
            vec![Atom::Float(chunk as f64), Atom::sym(what)],
        ));
    }

    /// Play up to `now`, a boundary at a time: each new chunk is queued before the player goes
    /// past the next boundary (a host that ticks rarely, or far ahead, never repeats a chunk).
    fn advance(&mut self, now: f64) {
        let mut played = Vec::new();
        for _ in 0..100_000 {
            let Some(t) = self.player.next_time().filter(|&t| t <= now) else {
                break;
            };
            played.clear();
            self.player.advance(t, &mut |p| played.push(p));
            self.take_played(&played);
        }
        played.clear();
        self.player.advance(now, &mut |p| played.push(p));
        self.take_played(&played);
    }

    fn take_played(&mut self, played: &[Played]) {
        for &p in played {
            match p {
                Played::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                } => self.out.push(Output::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                }),
                Played::Cycle { at_ms, .. } => {
                    self.chunk += 1;
                    self.chunks += 1;
                    self.here_song += self.here_len;
                    self.here_len =
                        (self.player.loop_steps() * TICKS_PER_STEP as f64).round() as i64;
                    if self.queued != Some(self.chunk) {
                        self.say_late(self.chunk);
                    }
                    self.chord_rec_tick(at_ms, self.here_song);
                    self.say_chord();
                    self.next_chunk(at_ms);
                }
            }
        }
    }

    /// The host's transport at `now`.
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        let was = self.player.is_playing() && self.follow.following();
        let d = self.d();
        // a start within half a tick before a chunk's boundary is taken as on it (a host
        // reporting -0.001 beats starts the song, with the chunk made for it)
        let song = beats * f64::from(TICKS_PER_BEAT);
        let next = (song / d as f64).ceil() * d as f64;
        let beats = if !was && running && next - song < 0.5 {
            next / f64::from(TICKS_PER_BEAT)
        } else {
            beats
        };
        let song = beats * f64::from(TICKS_PER_BEAT);
        // a jump: the song is elsewhere than the chunks counted say. What the player has
        // queued takes over where it relocates: the safe chunk, for the chord there.
        let jump = was
            && running
            && self.follow.sync
            && (song - self.song_tick(now)).abs() > TRANSPORT_JUMP * TICKS_PER_STEP as f64;
        if jump {
            let start = (song / d as f64).floor() as i64 * d;
            self.player.set_sequence(self.safe_at(start));
            self.queued = None;
        }
        // a transport about to start the player elsewhere than the song's start: the chunk
        // made for the start is not what plays there (what is queued or current now is what
        // the player starts with)
        // (or a transport taking over while it plays on its own clock)
        let starting =
            running && self.follow.sync && !self.follow.following() && !self.follow.held_off();
        let at = (song / d as f64).floor() as i64 * d;
        let made = matches!(self.ready, Some((0, _)));
        let fits = at == 0 && made && !self.player.is_playing();
        if starting && !fits && (made || self.player.is_playing()) {
            self.player.set_sequence(self.safe_at(at));
            self.ready = None;
            self.repositioned = true;
        }
        let out = &mut self.out;
        let followed =
            self.follow
                .transport(&mut self.player, now, (running, bpm, beats), &mut |p| {
                    push_note(out, p)
                })?;
        match followed {
            Followed::Started => {
                self.place_at(now, song);
                self.started(now, self.here_song);
            }
            Followed::Stopped => self.arm(now),
            Followed::Nothing if jump && self.player.is_playing() => {
                self.place_at(now, song);
                // (a change waiting for its bar line is the track now, wherever the song went)
                self.before.clear();
                let next = self.chunk + 1;
                self.say_restart(next, "jump");
                self.player.set_sequence(self.safe(next));
                self.queued = None;
                self.restart(now, next);
            }
            Followed::Nothing => {}
        }
        Ok(())
    }

    /// The chord track: stopped, from the song's start; playing, after the chords sent, from
    /// where `from` says.
    fn set_track(&mut self, now: f64, given: Vec<(Chord, i64)>, from: TrackFrom) -> Result<()> {
        let track: Vec<(Chord, i64)> = given
            .iter()
            .map(|&(c, len)| (c.transposed(self.transpose), len))
            .collect();
        self.given = given;
        let beats: i64 = track.iter().map(|c| c.1).sum::<i64>() / i64::from(TICKS_PER_BEAT);
        let n = track.len();
        let old = std::mem::replace(&mut self.track, track);
        if self.player.is_playing() {
            let grid = |g: i64| (self.sent + g - 1).div_euclid(g) * g;
            let origin = match from {
                TrackFrom::Bar => Some(grid(i64::from(4 * TICKS_PER_BEAT))),
                TrackFrom::Beat => Some(grid(i64::from(TICKS_PER_BEAT))),
                TrackFrom::Tick(t) => Some(t),
                TrackFrom::Here => None,
            };
            if let Some(origin) = origin {
                // until its origin the track before goes on (a change still waiting for its
                // origin: the track heard so far stays the one before)
                if self.before.is_empty() || self.sent >= self.track_origin {
                    self.before_origin = self.track_origin;
                    self.before = old;
                }
                self.track_origin = origin;
            }
            if self.asked.is_none() {
                let next = self.chunk + 1;
                self.restart(now, next);
            }
        } else {
            self.track_origin = 0;
            self.before.clear();
            self.arm(now);
        }
        if from == TrackFrom::Beat {
            let name = self
                .track
                .first()
                .map(|c| c.0.to_string())
                .unwrap_or_default();
            self.out
                .push(Output::Event("chordin".into(), vec![Atom::Symbol(name)]));
        } else {
            self.info(
                "chords",
                vec![Atom::Float(n as f64), Atom::Float(beats as f64)],
            );
        }
        Ok(())
    }

    /// A chord note (below `chordsplit`, on `chordchannel`; velocity 0: its release). A key
    /// struck opens a change; keys struck or let go while it is open keep it open; once they
    /// settle, the keys held are named ([`Self::name_chord`]). Letting go with no change open
    /// keeps the chord.
    fn chord_note(&mut self, now: f64, key: u8, velocity: u8) {
        self.chord_keys.retain(|&k| k != key);
        if velocity > 0 {
            self.chord_keys.push(key);
        }
        match self.burst.as_mut().filter(|b| now <= b.due) {
            Some(b) => b.due = now + CHORD_SETTLE_MS,
            None if velocity > 0 => {
                let tick = if self.player.is_playing() {
                    self.song_tick(now).round() as i64
                } else {
                    0
                };
                self.burst = Some(Burst {
                    tick,
                    due: now + CHORD_SETTLE_MS,
                });
            }
            None => {}
        }
    }

    /// A change that has settled: the keys held named as a chord (a legato change's old keys
    /// are up by then, the common tones held over still down; a note added to a chord held
    /// with it). A new chord is the track from the next beat the model does not know (a
    /// recorded loop playing stays).
    fn name_chord(&mut self, now: f64) {
        if self.burst.as_ref().is_none_or(|b| now < b.due) {
            return;
        }
        let b = self.burst.take().expect("a burst");
        let Some(c) = Chord::from_pitches(&self.chord_keys) else {
            return;
        };
        if self.rec_looping || self.live_chord == Some(c) {
            return;
        }
        self.live_chord = Some(c);
        if let Some(rec) = self.rec.as_mut() {
            rec.changes.push((b.tick, c));
        }
        let tpb = i64::from(TICKS_PER_BEAT);
        // (a chord is a valid track: no error to give)
        let _ = self.set_track(now, vec![(c, tpb)], TrackFrom::Beat);
    }

    /// Where chord notes come from changed: the keys held so far are forgotten (their
    /// releases may not come back as chord notes).
    fn forget_chord_keys(&mut self) {
        self.chord_keys.clear();
        self.burst = None;
    }

    /// `chordrec BARS`: record from the next bar line (stopped: from where the song starts); 0
    /// stops.
    fn chord_rec(&mut self, now: f64, bars: u32) -> Result<()> {
        // the chords played lead again (and are recorded): the next one is new, whatever it is
        // (the one held now starts a recording)
        self.rec_looping = false;
        let held = self.live_chord.take();
        if bars == 0 {
            self.rec = None;
            return Ok(());
        }
        if self.chord_split == 0 && self.chord_channel == 0 {
            return Err(Error::invalid(
                "chordrec: set where the chords come from first: 'chordsplit KEY' (notes below it) or 'chordchannel CH'",
            ));
        }
        let bar = i64::from(4 * TICKS_PER_BEAT);
        let start = self
            .player
            .is_playing()
            .then(|| (self.song_tick(now).ceil() as i64 + bar - 1).div_euclid(bar) * bar);
        let changes = held.map(|c| (i64::MIN, c)).into_iter().collect();
        self.rec = Some(ChordRec {
            bars,
            start,
            changes,
        });
        let at = start.map_or(0.0, |s| (s / bar) as f64);
        self.out.push(Output::Event(
            "chordrec".into(),
            vec![Atom::Float(f64::from(bars)), Atom::Float(at)],
        ));
        Ok(())
    }

    /// A recording that has reached its end (at song tick `song`, a chunk's start) becomes the
    /// chord track, from its start.
    fn chord_rec_tick(&mut self, now: f64, song: i64) {
        let Some(rec) = self.rec.as_mut() else {
            return;
        };
        let Some(start) = rec.start else {
            return;
        };
        let tpb = i64::from(TICKS_PER_BEAT);
        let beats = i64::from(rec.bars * 4);
        if song < start + beats * tpb {
            return;
        }
        let rec = self.rec.take().expect("recording");
        match recorded_track(&rec.changes, start, beats) {
            Some(track) => {
                let _ = self.set_track(now, track, TrackFrom::Tick(start));
                self.rec_looping = true;
            }
            None => self.out.push(Output::Error(format!(
                "chordrec: no chord was played in the {} bars: the chords are as they were",
                rec.bars
            ))),
        }
    }

    /// A part's program change, if it has one.
    fn send_program(&mut self, _now: f64, r: usize) {
        if self.programs[r] > 0 {
            self.out.push(Output::Program {
                channel: self.channels[r],
                program: self.programs[r] - 1,
            });
        }
    }

    /// A note the performer played (velocity 0: its release).
    fn live_note(&mut self, now: f64, key: u8, velocity: u8) {
        if !self.listen || !self.player.is_playing() {
            return;
        }
        let here = (self.song_tick(now) - self.origin as f64).round() as i64;
        if velocity == 0 {
            if let Some(i) = self.held.iter().position(|h| h.0 == key) {
                let (_, on) = self.held.remove(i);
                self.heard.push(Event {
                    time: on,
                    duration: (here - on).clamp(1, i64::from(MAX_DURATION)) as u32,
                    what: What::Human(key),
                });
            }
            return;
        }
        if let Some(i) = self.held.iter().position(|h| h.0 == key) {
            let (_, on) = self.held.remove(i);
            self.heard.push(Event {
                time: on,
                duration: (here - on).clamp(1, i64::from(MAX_DURATION)) as u32,
                what: What::Human(key),
            });
        }
        self.held.push((key, here));
    }

    fn info(&mut self, sel: &str, args: Vec<Atom>) {
        self.out.push(Output::Info(sel.to_string(), args));
    }

    fn state_text(&self) -> String {
        if self.model.is_none() {
            return if self.loading {
                "loading…"
            } else {
                "no model"
            }
            .into();
        }
        if self.track.is_empty() {
            return "no chords".into();
        }
        if self.player.is_playing() {
            format!("playing · {} chunks, {} late", self.chunks, self.late)
        } else {
            "stopped".into()
        }
    }

    fn dump(&mut self) {
        let mut lines: Vec<Vec<Atom>> = Vec::new();
        lines.push(match &self.model {
            Some((name, p)) => vec![
                Atom::sym("model"),
                Atom::Symbol(name.clone()),
                Atom::Float(*p as f64),
            ],
            None => vec![Atom::sym("model"), Atom::sym("none")],
        });
        let mut chords = vec![Atom::sym("chords")];
        chords.extend(track_words(&self.given, self.beats));
        lines.push(chords);
        for (r, name) in ROLES.iter().enumerate() {
            lines.push(vec![
                Atom::sym("part"),
                Atom::sym(name),
                Atom::Float(f64::from(u8::from(self.roles()[r]))),
                Atom::Float(f64::from(self.channels[r]) + 1.0),
                Atom::Float(f64::from(self.programs[r])),
            ]);
        }
        lines.push(vec![
            Atom::sym("listen"),
            Atom::Float(f64::from(u8::from(self.listen))),
        ]);
        lines.push(vec![
            Atom::sym("delta2"),
            Atom::Float(f64::from(self.delta2) / f64::from(TICKS_PER_BEAT)),
        ]);
        lines.push(vec![
            Atom::sym("temperature"),
            Atom::Float(round3(self.temperature)),
        ]);
        lines.push(vec![
            Atom::sym("harmony"),
            Atom::Float(round3(self.harmony)),
        ]);
        lines.push(vec![Atom::sym("tempo"), Atom::Float(self.player.bpm())]);
        lines.push(vec![
            Atom::sym("playing"),
            Atom::Float(f64::from(u8::from(self.player.is_playing()))),
            Atom::Float(self.chunks as f64),
            Atom::Float(self.late as f64),
        ]);
        for l in lines {
            self.info("status", l);
        }
    }
}

/// A setting kept as f32, as it was given (0.3, not 0.30000001).
fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

fn role(name: &str) -> Result<usize> {
    ROLES
        .iter()
        .position(|r| *r == name)
        .ok_or_else(|| Error::invalid(format!("no part '{name}' (bass, inner, melody)")))
}

/// The model folder an accompanist's scene names (`{"model": PATH}`), if any.
fn scene_model(state: &serde_json::Value) -> Result<Option<PathBuf>> {
    match state.get("model") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(p)) if !p.is_empty() => Ok(Some(PathBuf::from(p))),
        Some(other) => Err(Error::invalid(format!(
            "the accompanist's scene names its model as {other}: a folder's path was expected"
        ))),
    }
}

/// A seed from the clock, one that `random N` takes (below 2^31: a scene says it).
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        % (1 << 31)
}

/// A chord track as `chords` takes it: symbols, each optionally followed by its beats. A root
/// and a quality may also come as two words (`C maj7`, `G dom7`: what menus send).
pub fn parse_track(words: &[Atom], beats: u32) -> Result<Vec<(Chord, i64)>> {
    let tpb = i64::from(TICKS_PER_BEAT);
    let mut track: Vec<(Chord, i64)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        match w {
            Atom::Symbol(s) => {
                let joined = match words.get(i) {
                    Some(Atom::Symbol(q))
                        if !s.contains(':') && !q.contains(':') && Chord::parse(q).is_err() =>
                    {
                        Chord::parse(&format!("{s}:{q}")).ok()
                    }
                    _ => None,
                };
                let chord = match joined {
                    Some(c) => {
                        i += 1;
                        c
                    }
                    None => Chord::parse(s)?,
                };
                track.push((chord, i64::from(beats) * tpb));
            }
            Atom::Float(b) => {
                let Some(last) = track.last_mut() else {
                    return Err(Error::invalid(format!(
                        "chords: {b} comes before any chord (a length follows its chord: C:maj7 2)"
                    )));
                };
                if !(b.is_finite() && *b >= 0.5 && *b <= 16.0 && (b * 2.0).fract() == 0.0) {
                    return Err(Error::invalid(format!(
                        "chords: a chord lasts 0.5 to 16 beats in half beats, not {b}"
                    )));
                }
                last.1 = (b * tpb as f64) as i64;
            }
        }
    }
    if track.is_empty() {
        return Err(Error::invalid(
            "chords: no chord (e.g. chords C:maj7 A:min7 D:min7 G:7)",
        ));
    }
    Ok(track)
}

/// A MIDI file's chord track: each beat's chord, from the notes sounding at its middle and
/// those starting in it (not on channel 10), by [`Chord::from_pitches`]; a beat with fewer
/// than two pitch classes keeps the chord before (the beats before the first chord are the
/// first chord's); the same chord beat after beat is one chord (in pieces of at most 16 beats).
pub fn chords_of(midi: &crate::midi::MidiFile) -> Result<Vec<(Chord, i64)>> {
    let track = song_chords(midi)?;
    if track.len() > MAX_FILE_CHORDS {
        return Err(Error::invalid(format!(
            "chordfile: {} chords, more than {MAX_FILE_CHORDS} (use a shorter part of the song)",
            track.len()
        )));
    }
    Ok(track)
}

/// A whole song's chord track named as [`chords_of`] names it, however long (what training on
/// a performer's songs reads; `chordfile` keeps a live track to [`MAX_FILE_CHORDS`]).
pub fn song_chords(midi: &crate::midi::MidiFile) -> Result<Vec<(Chord, i64)>> {
    let notes: Vec<_> = midi.notes.iter().filter(|n| n.channel != 9).collect();
    let beats = notes.iter().map(|n| n.end_beat).fold(0.0, f64::max).ceil() as i64;
    // (a beat with too few notes keeps the chord before)
    let mut last: Option<Chord> = None;
    let track = beat_track((0..beats).map(|b| {
        let (from, mid) = (b as f64, b as f64 + 0.5);
        let pitches: Vec<u8> = notes
            .iter()
            .filter(|n| {
                (n.beat <= mid && n.end_beat > mid) || (n.beat >= from && n.beat < from + 1.0)
            })
            .map(|n| n.key)
            .collect();
        last = Chord::from_pitches(&pitches).or(last);
        last
    }));
    if track.is_empty() {
        return Err(Error::invalid(
            "chordfile: no chords in this file (it needs notes of two pitch classes or more at once, not on channel 10)",
        ));
    }
    Ok(track)
}

/// A recorded progression of `beats` beats from song tick `start`: each beat the chord held on
/// it (a change up to half a beat late counting from the beat), repeated chords joined; the
/// beats before the first chord played take it. None when no chord was played.
fn recorded_track(changes: &[(i64, Chord)], start: i64, beats: i64) -> Option<Vec<(Chord, i64)>> {
    let tpb = i64::from(TICKS_PER_BEAT);
    let track = beat_track((0..beats).map(|b| {
        let on = start + b * tpb + tpb / 2;
        changes.iter().rfind(|(t, _)| *t <= on).map(|c| c.1)
    }));
    (!track.is_empty()).then_some(track)
}

/// A chord track from each beat's chord (None: no chord yet): repeated chords joined, the
/// beats before the first chord given to it (the changes stay where they are), no chord
/// longer than 16 beats. Empty when no beat has a chord.
fn beat_track(beats: impl Iterator<Item = Option<Chord>>) -> Vec<(Chord, i64)> {
    let tpb = i64::from(TICKS_PER_BEAT);
    let mut track: Vec<(Chord, i64)> = Vec::new();
    let mut lead = 0;
    for chord in beats {
        match (chord, track.last_mut()) {
            (None, _) => lead += tpb,
            (Some(c), Some(last)) if last.0 == c => last.1 += tpb,
            (Some(c), _) => track.push((c, tpb)),
        }
    }
    if let Some(first) = track.first_mut() {
        first.1 += lead;
    }
    in_pieces(track)
}

/// No chord longer than 16 beats (what `chords` takes): a longer one in pieces.
fn in_pieces(track: Vec<(Chord, i64)>) -> Vec<(Chord, i64)> {
    let most = 16 * i64::from(TICKS_PER_BEAT);
    track
        .into_iter()
        .flat_map(|(c, len)| {
            let pieces = (len + most - 1) / most;
            (0..pieces).map(move |k| (c, (len - k * most).min(most)))
        })
        .collect()
}

/// A chord track as the words that set it (lengths only where not `beats`).
fn track_words(track: &[(Chord, i64)], beats: u32) -> Vec<Atom> {
    let tpb = i64::from(TICKS_PER_BEAT);
    let mut v = Vec::new();
    for &(c, len) in track {
        v.push(Atom::Symbol(c.to_string()));
        if len != i64::from(beats) * tpb {
            v.push(Atom::Float(len as f64 / tpb as f64));
        }
    }
    v
}

impl Object for AccompObject {
    fn decl(&self) -> &'static ObjectDecl {
        &ACCOMP
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        if self.test_hooks {
            match selector {
                "_panic" => {
                    if args.first() == Some(&Atom::sym("worker")) {
                        self.submit(now, Job::Panic, false);
                        return Ok(());
                    }
                    panic!("forced internal error (test hook)");
                }
                "_slow" => {
                    let ms = match args.first() {
                        Some(Atom::Float(f)) if *f >= 0.0 => *f as u64,
                        _ => return Err(Error::invalid("_slow MS")),
                    };
                    self.submit(now, Job::Slow(ms), false);
                    return Ok(());
                }
                _ => {}
            }
        }
        self.run_message(now, selector, args)
    }
    fn tick(&mut self, now: f64) {
        self.poll(now);
        self.name_chord(now);
        if let Some(e) = self.follow.clock.stalled(now, self.follow.own_bpm) {
            self.out.push(Output::Error(e));
        }
        self.advance(now);
        self.next_change = self.chord_now(now);
    }
    fn wake_at(&self, now: f64) -> Option<f64> {
        let poll = (self.inflight > 0 || self.desk.pending() > 0).then_some(now + POLL_MS);
        let chord = self.burst.as_ref().map(|b| b.due);
        // (the next chord change inside a chunk, to be said)
        let change = self.next_change;
        [self.player.next_time(), poll, chord, change]
            .into_iter()
            .flatten()
            .reduce(f64::min)
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    fn is_playing(&self) -> bool {
        // a player following a transport with no chord track plays nothing: it does not count
        // (a daemon with Link stops the session when the last object that plays stops)
        self.player.is_playing() && !self.track.is_empty()
    }
    fn follows_transport(&self) -> bool {
        self.follow.sync
    }
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        AccompObject::transport(self, now, running, bpm.clamp(BPM_MIN, BPM_MAX), beats)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn pending(&self) -> usize {
        self.worker.pending() + self.desk.pending()
    }
    fn find(&self, selector: &str, relative: &str) -> Option<PathBuf> {
        if selector != "load" {
            return None;
        }
        self.desk.find(relative)
    }
    fn controls(&self) -> Vec<(&'static str, Vec<Atom>)> {
        let mut v = vec![("tempo", vec![Atom::Float(self.player.bpm())])];
        for (r, name) in ROLES.iter().enumerate() {
            v.push((
                "part",
                vec![
                    Atom::sym(name),
                    Atom::Float(f64::from(u8::from(self.roles()[r]))),
                ],
            ));
        }
        v
    }
    fn display(&self) -> Vec<(&'static str, String)> {
        let mut t = self.state_text();
        if let Some(tr) = self.desk.status() {
            t.push_str(&format!(" · {tr}"));
        }
        vec![("accomp/state", t)]
    }
    fn status(&self) -> Vec<Vec<Atom>> {
        vec![vec![
            Atom::sym("accomp"),
            Atom::Float(f64::from(u8::from(self.model.is_some()))),
            Atom::Float(self.chunks as f64),
            Atom::Float(self.late as f64),
        ]]
    }
    fn scene(&self) -> Option<ScenePart> {
        let mut messages = attribute_messages(self);
        if !self.given.is_empty() {
            messages.push(message("chords", track_words(&self.given, self.beats)));
        }
        messages.push(message("random", vec![Atom::Float(self.seed as f64)]));
        for (r, name) in ROLES.iter().enumerate() {
            // no program first, so that the channel change sends none on the new channel
            // before the scene's own
            messages.push(message("program", vec![Atom::sym(name), Atom::Float(0.0)]));
            messages.push(message(
                "channel",
                vec![
                    Atom::sym(name),
                    Atom::Float(f64::from(self.channels[r]) + 1.0),
                ],
            ));
            // (0 too: a recall clears a program set since; given after the channel, see above)
            messages.push(message(
                "program",
                vec![Atom::sym(name), Atom::Float(f64::from(self.programs[r]))],
            ));
            if r < 2 || !self.listen {
                messages.push(message(
                    "part",
                    vec![
                        Atom::sym(name),
                        Atom::Float(f64::from(u8::from(self.parts[r]))),
                    ],
                ));
            }
        }
        messages.push(message(
            "fallback",
            vec![Atom::sym(if self.hold { "hold" } else { "rest" })],
        ));
        let state = self
            .model
            .as_ref()
            .and(self.model_dir.as_ref())
            .map(|d| serde_json::json!({ "model": d.display().to_string() }));
        Some(ScenePart {
            messages,
            state,
            playing: self.player.is_playing(),
        })
    }
    fn check_state(&self, state: &serde_json::Value) -> Result<()> {
        scene_model(state).map(|_| ())
    }
    fn state_paths(&self, state: &serde_json::Value) -> Vec<String> {
        scene_model(state)
            .ok()
            .flatten()
            .map(|p| vec![p.display().to_string()])
            .unwrap_or_default()
    }
    fn recall_state(&mut self, now: f64, state: &serde_json::Value) -> Result<()> {
        // the model of the scene, unless it is the one loaded
        if let Some(dir) = scene_model(state)? {
            if self.model_dir.as_ref() != Some(&dir) || self.model.is_none() {
                self.load(now, dir);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::atoms;

    #[test]
    fn a_track_is_symbols_with_lengths_or_roots_and_qualities_as_two_words() {
        let c = |t: &str| Chord::parse(t).unwrap();
        let t = parse_track(&atoms("C:maj7 A:min7 2 D:min7 2 G:7"), 4).unwrap();
        assert_eq!(
            t,
            vec![
                (c("C:maj7"), 48),
                (c("A:min7"), 24),
                (c("D:min7"), 24),
                (c("G:7"), 48)
            ]
        );
        // as menus send them; a bare root is major; a length still follows
        let t = parse_track(&atoms("C maj7 A min7 1.5 G dom7 F Bb"), 2).unwrap();
        assert_eq!(
            t,
            vec![
                (c("C:maj7"), 24),
                (c("A:min7"), 18),
                (c("G:7"), 24),
                (c("F:maj"), 24),
                (c("Bb:maj"), 24)
            ]
        );
        for bad in ["C wobble", "2 C", "C 0", "C 17", "C 1.3", "H"] {
            assert!(parse_track(&atoms(bad), 4).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::midi::{notes_to_smf, MidiFile, Note};

    #[test]
    fn a_midi_files_chords_beat_by_beat_joined_and_from_its_start() {
        let n = |beat: f64, beats: f64, key: u8, channel: u8| Note {
            beat,
            beats,
            channel,
            key,
            velocity: 90,
        };
        let mut notes = Vec::new();
        // a beat of melody alone, then C major for 3 beats (held), A minor 2 beats as
        // quarter-note triads, G7 a beat; drums on channel 10 do not count
        notes.push(n(0.0, 1.0, 72, 0));
        for k in [48, 64, 67] {
            notes.push(n(1.0, 3.0, k, 0));
        }
        for b in [4.0, 5.0] {
            for k in [45, 60, 64] {
                notes.push(n(b, 1.0, k, 1));
            }
        }
        for k in [43, 59, 62, 65] {
            notes.push(n(6.0, 1.0, k, 2));
        }
        for b in 0..8 {
            notes.push(n(f64::from(b), 0.25, 36, 9));
            notes.push(n(f64::from(b), 0.25, 42, 9));
        }
        let dir = std::env::temp_dir().join(format!("bandmate-chordfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chords.mid");
        std::fs::write(&path, notes_to_smf(&notes, 100.0, 7.0, "chords").unwrap()).unwrap();
        let t = chords_of(&MidiFile::read(&path).unwrap()).unwrap();
        let c = |s: &str| Chord::parse(s).unwrap();
        assert_eq!(t, vec![(c("C:maj"), 48), (c("A:min"), 24), (c("G:7"), 12)]);
        // only drums, or only a melody: no chords, said
        let drums: Vec<Note> = notes.iter().filter(|x| x.channel == 9).copied().collect();
        std::fs::write(&path, notes_to_smf(&drums, 100.0, 8.0, "drums").unwrap()).unwrap();
        let e = chords_of(&MidiFile::read(&path).unwrap()).unwrap_err();
        assert!(e.to_string().contains("no chords"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
