//! `bandmate.looper`: SmartLooper as a playing object, the same in Pd, Max and the OSC daemon.
//! It plays segments of the musician's own corpus of MIDI loops ([`crate::looper`]) in time,
//! one after the other: repeating one, or moving to a nearby one. The next segment is chosen on
//! a worker thread as soon as a segment starts, so it is queued long before the boundary; a
//! choice that comes late never stops the music: the current segment repeats, and the choice
//! takes over at the boundary after. Each choice also brings a move kept in reserve, so that
//! `next` never waits for the worker: however close to the boundary it comes, it moves there.
//! (The looper's segments have no hits drawn before their downbeat, so nothing of the
//! following segment has gone out before its boundary.) Hosts only translate: messages in
//! ([`LooperObject::message`]), notes and info out ([`Output`]), and a clock that calls
//! [`LooperObject::tick`] at [`LooperObject::wake_at`].

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::contract::{
    default_model_dirs, panic_text, Entry, HelpExtras, Object, Options, Output, POLL_MS,
};
use super::decl::{notes, out, Atom, Handlers, ObjectDecl, EMPTY};
use super::follow::{Follow, Followed};
use super::groove::{BPM_MAX, BPM_MIN};
use super::player::{Played, Player, SeqNote, Sequence};
use super::scene::{attribute_messages, ScenePart};
use super::worker::{Worker, STOPPED};
use crate::error::{Error, Result};
use crate::looper::{
    notes_from_live, BuildOptions, Controls, Corpus, EmbedderChoice, LiveNote, Navigator,
};
use crate::pattern::STEPS_PER_BEAT;
use crate::rng::Rng;

/// Live notes kept for seeds and for following the player (seconds).
const LIVE_KEEP_MS: f64 = 30_000.0;
/// Most live notes kept.
const LIVE_MAX: usize = 2048;
/// MIDI channel 10 (0-based): drums.
const DRUM_CHANNEL: u8 = 9;
/// How far back `seed` looks by default (seconds).
const DEFAULT_SEED_SECONDS: f64 = 10.0;

crate::messages! {
    for LooperObject, LOOPER, LOOPER_MESSAGES;

    #[LATER] "corpus" (path: req path(&[]) "a folder of MIDI loops (searched in subfolders too) or a corpus file")
    "Load your corpus: cut into loopable segments of 4 to 16 beats, kept in the folder (.bandmate-corpus) so it loads at once next time; only changed files are read again. What plays goes on until it is ready.",
    "loops",
    ack "loading",
    |o, now| {
        let path = PathBuf::from(path);
        o.corpus_pending = true;
        o.submit(now, Job::Corpus(path, o.build.clone()), true);
    }

    #[LIVE] "note" (
        key: req int(0, 127) "MIDI note number",
        velocity: req int(0, 127) "0 = note-off",
        channel: opt int(1, 16) "MIDI channel (default 1)",
    )
    "What you play (from [notein]; a list KEY VELOCITY [CHANNEL] does the same): the seed, and what pulls the choice of the next segment (see follow).",
    "60 100 1",
    ack "heard",
    |o, now| {
        let channel = channel.map_or(0, |ch| (ch - 1) as u8);
        o.live_note(now, key as u8, velocity as u8, channel);
    }

    #[LATER] "seed" (seconds: opt float(1.0, 30.0) "how far back to listen (default 10)")
    "Start from what you just played: the nearest segment of the corpus becomes the start (while playing: the next one).",
    "10",
    |o, now| {
        o.need_corpus("seed")?;
        let seconds = seconds.unwrap_or(DEFAULT_SEED_SECONDS);
        let live = o.recent(now, seconds * 1000.0);
        if live.len() < 2 {
            return Err(Error::invalid(format!(
                "seed: only {} note(s) played in the last {seconds} s (play a few \
                 notes into 'note' first)",
                live.len()
            )));
        }
        o.starting = true;
        let job = Job::Start {
            generation: o.generation,
            live,
            like: None,
            bpm: o.player.bpm(),
            seeded: true,
        };
        o.submit(now, job, true);
    }

    #[LATER] "play" ()
    "Start: from the seed, else near what you played, else anywhere in the corpus. With a transport running, it joins the transport in phase, after a stop too.",
    "",
    |o, now| {
        o.need_corpus("play")?;
        o.follow.play();
        o.player.play(now);
        if o.took_queued(now) {
            // said and chosen
        } else if o.current.is_none() && !o.starting {
            o.start(now, None, false);
        } else if o.current.is_some() && o.queued.is_none() {
            o.report_playing();
            o.choose_next(now, false);
        }
    }

    "stop" ()
    "Stop; every sounding note gets its note-off, none shorter than 50 ms: a note that began less than 50 ms ago (the next segment's first notes, on a stop at the boundary) ends 50 ms after it began.",
    "",
    |o, now| {
        let out = &mut o.out;
        o.follow.stop(&mut o.player, now, &mut |p| push_note(out, p))?;
    }

    #[LATER, ECHO] "next" ()
    "Move on at the next boundary, never a repeat, however close to it this comes: with a move queued, another is chosen now, and the queued one stays until it comes (if it comes after the boundary, the queued one plays); with a repeat queued, or held, the move prepared with the last choice is queued at once.",
    "",
    |o, now| {
        o.need_corpus("next")?;
        let Some(current) = o.current.map(|p| p.segment) else {
            return Err(Error::invalid(
                "next: nothing is playing yet ('play' first)",
            ));
        };
        o.hold = false;
        let spare = o.spare.filter(|s| s.0 == current).map(|s| s.1);
        match (o.queued, spare) {
            // a move queued: it stays until another is chosen
            (Some(q), _) if q.segment != current => {
                o.view_queued = Some(Shown::Segment(q));
                o.choose_next(now, true);
            }
            // a repeat queued, or held: the move in reserve, at once
            (_, Some(s)) => {
                o.choosing = false;
                o.enqueue(s);
            }
            // no choice has come back for this segment yet: ask for a move
            _ => {
                o.queued = None;
                o.view_queued = None;
                o.player.clear_queued();
                o.choose_next(now, true);
            }
        }
    }

    #[LATER, ECHO] "hold" (on: opt int(0, 1) "1 = stay (default), 0 = move on again")
    "Stay on the segment playing now: it repeats until released, each repeat with its playing line.",
    "1",
    |o, now| {
        o.hold = on != Some(0);
        if o.hold {
            o.queued = None;
            o.player.clear_queued();
            o.choosing = false;
            o.view_queued = Some(Shown::Hold);
            o.info("queued", vec![Atom::sym("hold")]);
        } else {
            o.view_queued = None;
            if o.queued.is_none() && o.player.is_playing() {
                o.choose_next(now, false);
            }
        }
    }

    #[LATER] "dataset" (path: req path(&[]) "a folder of your loops (docs/sculpt.md)")
    "Where 'tag' keeps what you mark while playing: a dataset folder (it must exist), its manifest beside the loops. Checked on the worker at once: answered 'dataset PATH', or an error.",
    "my-loops",
    |o, now| {
        // taken at once (a 'tag' may follow in the same message box); the one before comes
        // back if this one is refused
        let before = o.dataset.replace(PathBuf::from(path));
        o.submit(now, Job::Dataset(PathBuf::from(path), before), true);
    }

    #[LATER] "tag" (label: opt words(1) "one word: letters, digits, - _ . (a number too); none = keep")
    "Keep what just played for the next training: the segment that plays (its notes on their channels) and what you played over its last cycle (on channel 1, on the segment's beats) as a MIDI file in the dataset folder, labelled. Answered with 'tagged LABEL FILE'.",
    "keeper",
    |o, now| {
        let label = label.map_or_else(
            || super::groove::TAG_LABEL.to_string(),
            |w| w[0].to_string(),
        );
        crate::sculpt::check_label(&label)?;
        let Some(dir) = o.dataset.clone() else {
            return Err(Error::invalid(
                "tag: no dataset folder yet (send 'dataset FOLDER' first)",
            ));
        };
        let (notes, beats) = o.tagged_notes(now)?;
        let bpm = o.player.bpm();
        o.submit(now, Job::Tag(dir, label, notes, bpm, beats), true);
    }

    "queue" (segment: req int(1, 10_000_000) "segment number, from 1 (as in 'playing' and 'queued')")
    "Play this segment next.",
    "3",
    |o, _now| {
        o.queue_segment(segment as usize, "queue")?;
    }

    #[LATER] "map" (how: opt choice(&crate::sculpt::PROJECTORS) "pca or tsne: pca (the default) keeps distances, tsne puts neighbours together and clusters apart (10 segments or more)")
    "The map of the corpus: each segment placed by its reading (the corpus's embedding) on two axes, for a display or an XY pad. Answered 'point N X Y NAME' for each segment (X and Y from 0 to 1) then 'map SEGMENTS HOW'; 'choose X Y' then plays the nearest segment next.",
    "pca",
    |o, now| {
        let how = crate::sculpt::Projector::parse(how.unwrap_or("pca"))?;
        if o.corpus.is_none() {
            return Err(Error::invalid("map: no corpus yet (send 'corpus FOLDER' first)"));
        }
        o.submit(now, Job::Map(o.generation, how), true);
    }

    "choose" (
        x: req float(0.0, 1.0) "across the map, 0 to 1",
        y: req float(0.0, 1.0) "up the map, 0 to 1",
    )
    "Play next the segment nearest this place on the map (after 'map'; a TouchOSC XY pad sends it): answered 'chose N NAME', then as 'queue'.",
    "0.5 0.5",
    |o, _now| {
        let Some(n) = crate::sculpt::nearest(&o.map, (x as f32, y as f32)) else {
            return Err(Error::invalid(
                "choose: no map yet (send 'map' first)",
            ));
        };
        let name = o.segment_name(n);
        o.info("chose", vec![Atom::Float((n + 1) as f64), Atom::Symbol(name)]);
        o.queue_segment(n + 1, "choose")?;
    }

    #[ATTR] "repeat" (p: req float(0.0, 1.0) "chance that a segment repeats")
    "How often a segment plays again exactly.",
    "0.5",
    get |o| o.controls.repeat,
    |o, now| {
        o.change_controls(now, |k| k.repeat = p)
    }

    #[ATTR] "temperature" (t: req float(0.001, 10.0) "low = the nearest segment, high = any within reach")
    "How freely it moves.",
    "0.1",
    get |o| o.controls.temperature,
    |o, now| {
        o.change_controls(now, |k| k.temperature = t)
    }

    #[ATTR] "step" (distance: req float(0.0, 2.0) "cosine distance: 0 = the same, 1 = unrelated")
    "The largest move at once.",
    "0.5",
    get |o| o.controls.max_step,
    |o, now| {
        o.change_controls(now, |k| k.max_step = distance)
    }

    #[ATTR] "avoid" (n: req int(0, 64) "how many recent segments")
    "Do not go back to any of the last N segments.",
    "4",
    get |o| o.controls.avoid as f64,
    |o, now| {
        o.change_controls(now, |k| k.avoid = n as usize)
    }

    #[ATTR] "follow" (amount: req float(0.0, 1.0) "0 = ignore what you play, 1 = only what you play")
    "How much what you play pulls the choice of the next segment.",
    "0.5",
    get |o| o.controls.follow,
    |o, now| {
        o.change_controls(now, |k| k.follow = amount)
    }

    "labels" (
        label: opt symbol() "a label (a folder name or a word of a file name)",
        label2: opt symbol() "another",
        label3: opt symbol() "another",
        label4: opt symbol() "another",
    )
    "Follow labels: move only to segments with one of these labels; none = all.",
    "hiphop",
    |o, now| {
        let labels: Vec<String> = [label, label2, label3, label4]
            .into_iter()
            .flatten()
            .map(|s| s.to_lowercase())
            .collect();
        if let Some(corpus) = &o.corpus {
            let known = corpus.labels();
            if let Some(l) = labels.iter().find(|l| !known.contains(l)) {
                return Err(Error::invalid(format!(
                    "labels: no segment is labelled '{l}' (labels of this corpus: {})",
                    known.join(" ")
                )));
            }
        }
        o.change_controls(now, |k| k.labels = labels)
    }

    "random" (n: opt int(0, 2_147_483_647) "none = a new seed from the clock")
    "Fix the random seed: the same corpus, seed and controls then give the same choices (a scene keeps it: a recall draws from it again).",
    "7",
    |o, now| {
        o.fixed_seed = n.map(|n| n as u64);
        let n = match n {
            Some(n) => n as u64,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64),
        };
        o.submit(now, Job::Reseed(n), false);
    }

    #[ATTR] "tempo" (bpm: req float(BPM_MIN, BPM_MAX) "beats per minute")
    "Tempo, at once, keeping the position.",
    "96",
    get |o| o.follow.own_bpm,
    |o, now| {
        o.follow.set_tempo(&mut o.player, now, bpm)
    }

    #[LATER] "transport" (
        running: req int(0, 1) "1 = the host's transport runs, 0 = stopped",
        bpm: req float(BPM_MIN, BPM_MAX) "its tempo",
        beats: req float(-1.0e9, 1.0e9) "its position in beats (quarter notes) from the song's start",
    )
    "Follow a host transport (Max and Live send this by themselves): play in time with it while it runs; stop when it stops.",
    "1 120 0",
    |o, now| {
        o.transport(now, running == 1, bpm, beats)
    }

    #[LIVE, LATER] "clock" (byte: req int(0, 255) "a MIDI realtime byte: 248 pulse, 250 start, 251 continue, 252 stop; others are ignored")
    "Follow a MIDI clock: [midirealtimein] (Pd) or [rtin] (Max) into [clock $1(. Its 24 pulses per beat set the tempo and the position (fitted over the last two beats, so a jittery clock plays steady); start and continue start the loop with it (on the next pulse, which is the downbeat: at the object's own tempo until a second pulse tells the clock's, for a clock that sends no pulse while stopped), stop stops it (as 'transport' does; 'sync 0' ignores it).",
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
    "Tap the tempo: two taps or more (a bang, a pad, a foot switch) set it, fitted over the last 8; a pause of 2 s starts a new count. A running transport or MIDI clock leads instead.",
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

    #[ATTR] "gm" (on: req int(0, 1) "1 = General MIDI drum notes (default), 0 = the files' own")
    "Drum notes (channel 10) as a General MIDI module plays them: the Roland TD-11 notes of the Groove MIDI Dataset that General MIDI lacks or means otherwise (22, 26, 58) become their drum's General MIDI note. From the next segment.",
    "1",
    get |o| f64::from(u8::from(o.gm)),
    |o, _now| {
        o.gm = on == 1;
    }

    #[ATTR, OFFLINE] "blocking" (on: req int(0, 1) "1 = work in the message's own time (offline, tests)")
    "0: corpus building and choices run on a worker thread (live; default). 1: before the message returns.",
    "0",
    get |o| f64::from(u8::from(o.blocking)),
    |o, _now| {
        o.blocking = on == 1;
    }

    "dump" ()
    "Report the corpus, the controls and what is playing and queued on the info outlet, as status lines (status segment N NAME BEATS, status queued N NAME DISTANCE REPEAT; the plain playing and queued lines mark the events themselves).",
    "",
    |o, _now| {
        o.dump()
    }
}

/// The declaration of `bandmate.looper`: every message it takes, in Pd, Max and over OSC.
pub const LOOPER: ObjectDecl = ObjectDecl {
    name: "bandmate.looper",
    osc: "looper",
    doc: "Loops from your own MIDI: point it at a folder of short MIDI loops, play a seed, and it \
          plays from your corpus, repeating a segment or moving to a nearby one, never too far \
          at once, while you play over it. You see (and can change) what is queued next.",
    messages: LOOPER_MESSAGES,
    outlets: &[
        notes("notes", "note velocity channel lists for [noteout]: velocity 0 is the note-off; each at its exact time"),
        out("info", "playing N NAME BEATS (at every segment start, repeats too), queued N NAME DISTANCE REPEAT, corpus SEGMENTS FILES EMBEDDER, skipped FILE REASON, seeded N NAME DISTANCE, dataset PATH, tagged LABEL FILE, point N X Y NAME (map), map SEGMENTS HOW, chose N NAME, status ..., error TEXT"),
    ],
    list: Some("note"),
    note_channel: true,
    labels: &[
        ("looper/playing", "what the looper plays: 'N: NAME (BEATS beats)' from its last playing line while it plays ('3: 18_hiphop_100_beat_4-4.mid:2 (8 beats)'), else 'stopped · ...' or 'no corpus'"),
        ("looper/queued", "what the looper plays next: 'N: NAME (distance D)' or 'N: NAME (repeat)' from its last queued line, 'hold: this one repeats', 'choosing…' while the worker chooses, '-' for nothing"),
    ],
    ..EMPTY
};

/// `bandmate.looper` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &LOOPER,
    help: LOOPER_HELP,
    make: |options, _args| Ok(Box::new(LooperObject::new(options)?)),
};

/// What the looper has said is queued, for a controller's label.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shown {
    Hold,
    Segment(Placed),
}

/// What the help patches add around `bandmate.looper`.
pub const LOOPER_HELP: HelpExtras = HelpExtras {
    objects: &[],
    outlet_objects: &[
        &["print notes", "noteout"],
        &["print info", "bandmate.looper.map.display"],
    ],
    intro: "'corpus loops' reads the example loops beside this patch (use a folder of your own \
            MIDI loops). Play a few bars in ([notein] into [pack f f f] into this object, or \
            click 'note'), click 'seed', then 'play'. The info outlet says what is playing and \
            what is queued; 'next', 'hold' and 'queue N' change it.",
    more_messages: &[
        (
            "note 36 100 10",
            "note KEY VELOCITY [CHANNEL] - a kick you play (channel 10)",
        ),
        ("note 42 90 10", "another: a closed hat"),
        (
            "note 38 110 10",
            "another: a snare; now 'seed' has something to start from",
        ),
        (
            "map tsne",
            "the map with t-SNE: neighbours together, clusters apart (10 segments or more)",
        ),
        ("choose 0.1 0.9", "another place on the map: top left"),
    ],
    grids: &[],
};

enum Job {
    Corpus(PathBuf, BuildOptions),
    /// Choose what follows `current` (`force`: never a repeat).
    Next {
        generation: u64,
        ask: u64,
        current: usize,
        live: Vec<LiveNote>,
        bpm: f64,
        force: bool,
    },
    /// The first segment: nearest to the live notes (a seed), else to `like`, else anywhere.
    Start {
        generation: u64,
        live: Vec<LiveNote>,
        like: Option<(Vec<crate::looper::LoopNote>, f64)>,
        bpm: f64,
        seeded: bool,
    },
    Controls(Box<Controls>),
    /// The map of the corpus (of this generation) on two axes.
    Map(u64, crate::sculpt::Projector),
    /// Check a dataset folder (and the folder before it, taken back if it is refused).
    Dataset(PathBuf, Option<PathBuf>),
    /// Keep notes in the dataset under a label: the folder, label, notes, tempo, length in beats.
    Tag(PathBuf, String, Vec<crate::midi::Note>, f64, f64),
    Reseed(u64),
    /// Test hook: every later choice takes this long.
    Slow(u64),
    Panic,
}

enum Reply {
    /// The corpus, the files skipped (name, why), how many were read, and where it came from.
    Corpus(Arc<Corpus>, Vec<(String, String)>, usize, PathBuf),
    /// What follows `current` (asked as `ask`), and a move from it kept in reserve (the choice
    /// itself when it moves; none when nothing else can be chosen).
    Chosen {
        generation: u64,
        ask: u64,
        current: usize,
        segment: usize,
        distance: f32,
        repeat: bool,
        spare: Option<(usize, f32)>,
    },
    Started {
        generation: u64,
        segment: usize,
        distance: f32,
        seeded: bool,
    },
    /// A dataset folder that will take tags.
    /// A dataset folder that will take tags (`Ok`), or refused: why, and the folder before.
    DatasetChecked(PathBuf, std::result::Result<(), (String, Option<PathBuf>)>),
    /// A tag kept: its label and its file.
    Tagged(String, String),
    /// The corpus's map: its generation, how, each segment's place in the unit square.
    Map(u64, crate::sculpt::Projector, Vec<(f32, f32)>),
    Failed(String),
}

/// The worker: owns the corpus and the navigator.
struct Chooser {
    corpus: Option<Arc<Corpus>>,
    navigator: Navigator,
    /// Where to start when nothing was played.
    dice: Rng,
    slow_ms: u64,
    /// Where a dataset folder must lie (`None`: anywhere).
    roots: Option<Vec<PathBuf>>,
}

impl Chooser {
    fn handle(&mut self, job: Job) -> Option<Reply> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(job))) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Some(Reply::Failed(e.to_string())),
            Err(p) => Some(Reply::Failed(format!("internal error: {}", panic_text(&p)))),
        }
    }

    fn corpus(&self) -> Result<&Arc<Corpus>> {
        self.corpus
            .as_ref()
            .ok_or_else(|| Error::invalid("no corpus yet (send 'corpus FOLDER' first)"))
    }

    /// An embedding of what was played, if enough was played.
    fn target(corpus: &Corpus, live: &[LiveNote], bpm: f64) -> Option<Vec<f32>> {
        if live.len() < 2 {
            return None;
        }
        let (notes, beats) = notes_from_live(live, bpm);
        corpus.embed_notes(&notes, beats).ok()
    }

    fn run(&mut self, job: Job) -> Result<Option<Reply>> {
        Ok(Some(match job {
            Job::Corpus(path, opts) => {
                let (corpus, report) = Corpus::open(&path, &opts)?;
                // The files that gave segments: the others come as `skipped` lines.
                let files = report.files.saturating_sub(report.skipped.len());
                self.corpus = Some(Arc::new(corpus));
                Reply::Corpus(
                    Arc::clone(self.corpus.as_ref().expect("just set")),
                    report.skipped,
                    files,
                    path,
                )
            }
            Job::Next {
                generation,
                ask,
                current,
                live,
                bpm,
                force,
            } => {
                self.pause();
                let corpus = Arc::clone(self.corpus()?);
                let target = Self::target(&corpus, &live, bpm);
                let saved = self.navigator.controls().clone();
                if force {
                    let mut c = saved.clone();
                    c.repeat = 0.0;
                    self.navigator.set_controls(c)?;
                }
                let choice = self.navigator.choose(&corpus, current, target.as_deref());
                if force {
                    self.navigator.set_controls(saved)?;
                }
                // A move at hand for `next`, whenever it comes (the worker may answer late).
                let spare = if choice.repeat {
                    self.navigator
                        .prepare_move(&corpus, current, target.as_deref())
                } else {
                    Some(choice)
                };
                Reply::Chosen {
                    generation,
                    ask,
                    current,
                    segment: choice.segment,
                    distance: choice.distance,
                    repeat: choice.repeat,
                    spare: spare.map(|c| (c.segment, c.distance)),
                }
            }
            Job::Start {
                generation,
                live,
                like,
                bpm,
                seeded,
            } => {
                self.pause();
                let corpus = Arc::clone(self.corpus()?);
                let target = match Self::target(&corpus, &live, bpm) {
                    Some(t) => Some(t),
                    None => match like {
                        Some((notes, beats)) => corpus.embed_notes(&notes, beats).ok(),
                        None => None,
                    },
                };
                if seeded && target.is_none() {
                    return Err(Error::invalid(
                        "seed: too few notes played (play a few notes into 'note', then 'seed')",
                    ));
                }
                let target = target.unwrap_or_else(|| {
                    // Nothing to go by: anywhere in the corpus (the same place for a seed).
                    let i = (self.dice.next_u64() % corpus.len().max(1) as u64) as usize;
                    corpus.embedding(i).to_vec()
                });
                let segment = self.navigator.start(&corpus, &target);
                let distance = corpus.distance_to(&target, segment);
                Reply::Started {
                    generation,
                    segment,
                    distance,
                    seeded,
                }
            }
            Job::Controls(c) => {
                self.navigator.set_controls(*c)?;
                return Ok(None);
            }
            Job::Reseed(n) => {
                self.navigator.reseed(n);
                self.dice = Rng::new(n);
                return Ok(None);
            }
            Job::Slow(ms) => {
                self.slow_ms = ms;
                return Ok(None);
            }
            Job::Dataset(dir, before) => {
                let checked = super::groove::dataset_ready(&dir, self.roots.as_deref())
                    .map_err(|e| (e.to_string(), before));
                Reply::DatasetChecked(dir, checked)
            }
            Job::Tag(dir, label, notes, bpm, beats) => {
                let roots = self.roots.as_deref();
                let name = super::groove::write_tag(&dir, roots, &label, &notes, bpm, beats)?;
                Reply::Tagged(label, name)
            }
            Job::Map(generation, how) => {
                let corpus = self.corpus()?;
                let rows: Vec<Vec<f32>> = (0..corpus.len())
                    .map(|i| corpus.embedding(i).to_vec())
                    .collect();
                let (points, _) = how
                    .project(&rows)
                    .map_err(|e| Error::invalid(format!("map: {}", e.problem())))?;
                Reply::Map(generation, how, crate::sculpt::unit_square(&points))
            }
            Job::Panic => panic!("forced internal error (test hook)"),
        }))
    }

    fn pause(&self) {
        if self.slow_ms > 0 {
            std::thread::sleep(Duration::from_millis(self.slow_ms));
        }
    }
}

/// A segment the object knows of: its number in the corpus, name and length.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    segment: usize,
    distance: f32,
    repeat: bool,
}

/// The looper object.
pub struct LooperObject {
    corpus: Option<Arc<Corpus>>,
    /// Bumped with every new corpus: answers about an older one are dropped.
    generation: u64,
    corpus_path: Option<PathBuf>,
    corpus_pending: bool,
    build: BuildOptions,
    controls: Controls,
    player: Player,
    follow: Follow,
    worker: Worker<Job, Reply>,
    blocking: bool,
    /// What plays now, and what is queued for the boundary.
    current: Option<Placed>,
    /// The corpus the segment that plays came from, while a newer one has replaced it (until
    /// the boundary: `current` numbers a segment of this one).
    prev_corpus: Option<Arc<Corpus>>,
    queued: Option<Placed>,
    /// A choice of the next segment is under way: the one asked last (only its answer counts).
    choosing: bool,
    ask: u64,
    /// A move from the segment (the first) kept in reserve for `next`.
    spare: Option<(usize, Placed)>,
    /// Waiting for the first segment to start playing.
    starting: bool,
    hold: bool,
    /// A scene's segment (0-based), queued once the corpus it names has loaded.
    recalled: Option<usize>,
    /// The seed fixed by `random N`, kept by a scene (none: from the clock).
    fixed_seed: Option<u64>,
    /// Drum notes as General MIDI plays them (`gm`).
    gm: bool,
    /// What the info outlet last said plays (a segment) and is queued, for the labels.
    view_playing: Option<usize>,
    view_queued: Option<Shown>,
    /// The corpus's map (`map`): each segment's place in the unit square, for `choose`.
    map: Vec<(f32, f32)>,
    /// Where `tag` keeps what it marks.
    dataset: Option<PathBuf>,
    /// The live notes: on-time (ms), key, velocity, channel, length once released.
    live: VecDeque<LiveNote>,
    out: Vec<Output>,
    test_hooks: bool,
}

impl LooperObject {
    pub fn new(options: &Options) -> Result<LooperObject> {
        let controls = Controls::default();
        let mut chooser = Chooser {
            corpus: None,
            navigator: Navigator::new(1),
            dice: Rng::new(1),
            slow_ms: 0,
            roots: options.roots.clone(),
        };
        let worker = Worker::serve("bandmate-looper", move |job| chooser.handle(job))?;
        // Drum corpora are embedded with the groove model's encoder when it is there (beside
        // the plugin first).
        let build = BuildOptions {
            embedder: EmbedderChoice::Auto,
            model_dirs: default_model_dirs(options.plugin_dir.as_deref()),
            roots: options.roots.clone(),
        };
        Ok(LooperObject {
            corpus: None,
            generation: 0,
            corpus_path: None,
            corpus_pending: false,
            build,
            controls,
            player: Player::new(120.0, 50.0)?,
            follow: Follow::new(120.0),
            worker,
            blocking: false,
            current: None,
            prev_corpus: None,
            queued: None,
            choosing: false,
            ask: 0,
            spare: None,
            starting: false,
            hold: false,
            recalled: None,
            fixed_seed: None,
            gm: true,
            view_playing: None,
            view_queued: None,
            map: Vec::new(),
            dataset: options.dataset.clone(),
            live: VecDeque::new(),
            out: Vec::new(),
            test_hooks: std::env::var_os("BANDMATE_TEST_HOOKS").is_some_and(|v| v == "1"),
        })
    }

    /// Hand every pending output to `f`, in order.
    pub fn drain(&mut self, mut f: impl FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }

    pub fn player(&self) -> &Player {
        &self.player
    }

    /// The corpus loaded now, if any.
    pub fn corpus(&self) -> Option<&Arc<Corpus>> {
        self.corpus.as_ref()
    }

    /// Change the navigator's controls (checked first: a refused value changes nothing).
    fn change_controls(&mut self, now: f64, change: impl FnOnce(&mut Controls)) -> Result<()> {
        let mut k = self.controls.clone();
        change(&mut k);
        self.set_controls(now, k)
    }

    /// The host's transport at `now`: follow it; when it starts with nothing to play, start.
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        let out = &mut self.out;
        let followed =
            self.follow
                .transport(&mut self.player, now, (running, bpm, beats), &mut |p| {
                    push_note(out, p)
                })?;
        self.took_queued(now);
        if followed == Followed::Started
            && self.current.is_none()
            && !self.starting
            && self.corpus.is_some()
        {
            self.start(now, None, false);
        }
        Ok(())
    }

    /// The label texts: what plays, what comes next.
    fn texts(&self) -> (String, String) {
        let running = self.player.is_playing();
        let segments = self.corpus.as_ref().map_or(0, |c| c.len());
        let seg = |n: usize| format!("{}: {}", n + 1, self.segment_name(n));
        let playing = match (self.view_playing, running) {
            (Some(n), true) => {
                let beats = self
                    .corpus
                    .as_ref()
                    .and_then(|c| c.segments().get(n))
                    .map_or(0.0, |s| s.beats);
                format!("{} ({beats} beats)", seg(n))
            }
            (Some(n), false) => format!("stopped · {}", seg(n)),
            (None, true) => "starting…".to_string(),
            (None, false) if segments > 0 => format!("stopped · {segments} segments"),
            (None, false) => "no corpus".to_string(),
        };
        let queued = match (self.view_queued, running) {
            (Some(Shown::Hold), _) => "hold: this one repeats".to_string(),
            (Some(Shown::Segment(p)), _) if p.repeat => format!("{} (repeat)", seg(p.segment)),
            (Some(Shown::Segment(p)), _) => {
                format!("{} (distance {})", seg(p.segment), round3(p.distance))
            }
            (None, true) if self.view_playing.is_some() => "choosing…".to_string(),
            (None, _) => "-".to_string(),
        };
        (playing, queued)
    }

    fn advance(&mut self, now: f64) {
        let mut played = Vec::new();
        self.player.advance(now, &mut |p| played.push(p));
        for p in played {
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
                Played::Cycle {
                    at_ms, switched, ..
                } => {
                    // Every segment start is said, a repeat too (held, or with no choice
                    // ready): a controller showing what plays sees each one begin.
                    if switched {
                        let before = self.current.map(|p| p.segment);
                        self.current = self.queued.take();
                        self.prev_corpus = None;
                        self.prev_corpus = None;
                        // a choice under way was about the segment before: ask again
                        if self.current.map(|p| p.segment) != before {
                            self.choosing = false;
                        }
                    }
                    self.report_playing();
                    // A new segment (or a repeat because no choice was ready): choose what
                    // follows it now, a whole segment ahead.
                    if self.queued.is_none() {
                        self.choose_next(at_ms, false);
                    }
                }
            }
        }
    }

    fn submit(&mut self, now: f64, job: Job, answered: bool) {
        if let Err(e) = self.worker.send(job, answered) {
            self.out.push(Output::Error(e));
            return;
        }
        if answered && self.blocking {
            while self.worker.pending() > 0 {
                match self.worker.recv(None) {
                    Some(r) => {
                        self.worker.answered();
                        self.take(r, now);
                    }
                    None => self.out.push(Output::Error(STOPPED.into())),
                }
            }
        }
    }

    fn poll(&mut self, now: f64) {
        while let Some(r) = self.worker.try_recv() {
            self.worker.answered();
            self.take(r, now);
        }
    }

    /// An answer from the worker, picked up at `now`.
    fn take(&mut self, r: Reply, now: f64) {
        match r {
            Reply::Corpus(corpus, skipped, files, path) => {
                self.corpus_pending = false;
                // Only a corpus that loaded names its folder: a refused one leaves the last.
                self.corpus_path = Some(path);
                self.generation += 1;
                // the old corpus's map places other segments
                self.map.clear();
                for (file, why) in skipped {
                    self.info("skipped", vec![Atom::Symbol(file), Atom::Symbol(why)]);
                }
                self.info(
                    "corpus",
                    vec![
                        Atom::Float(corpus.len() as f64),
                        Atom::Float(files as f64),
                        Atom::sym(corpus.embedder_name()),
                    ],
                );
                // What plays goes on (the player holds its notes); the next segment comes
                // from the new corpus, near what plays now.
                let like = self.current.as_ref().and_then(|p| {
                    self.current_corpus()
                        .and_then(|c| c.segments().get(p.segment))
                        .map(|s| (s.notes.clone(), s.beats))
                });
                // what plays is a segment of the old corpus until the boundary
                // (a second corpus before the boundary: what plays is still the first's)
                if self.current.is_none() {
                    self.prev_corpus = None;
                } else if self.prev_corpus.is_none() {
                    self.prev_corpus = self.corpus.take();
                }
                self.corpus = Some(corpus);
                self.queued = None;
                self.view_queued = None;
                self.player.clear_queued();
                self.choosing = false;
                if let Some(segment) = self.recalled.take() {
                    if let Err(e) = self.recall_segment(now, segment) {
                        self.out.push(Output::Error(e.to_string()));
                    }
                } else if self.player.is_playing() || self.starting {
                    self.start(now, like, false);
                }
            }
            Reply::DatasetChecked(dir, checked) => {
                let line = vec![Atom::Symbol(dir.display().to_string())];
                let checked = checked.map(|()| line);
                super::groove::settle_folder(
                    &mut self.dataset,
                    dir,
                    checked,
                    "dataset",
                    &mut self.out,
                );
            }
            Reply::Tagged(label, file) => {
                self.info("tagged", vec![Atom::Symbol(label), Atom::Symbol(file)]);
            }
            Reply::Map(generation, how, points) => {
                // a map of a corpus since replaced says nothing of this one
                if generation != self.generation {
                    return;
                }
                for (k, &(x, y)) in points.iter().enumerate() {
                    let name = self.segment_name(k);
                    self.info(
                        "point",
                        vec![
                            Atom::Float((k + 1) as f64),
                            Atom::Float(f64::from(x)),
                            Atom::Float(f64::from(y)),
                            Atom::Symbol(name),
                        ],
                    );
                }
                self.info(
                    "map",
                    vec![Atom::Float(points.len() as f64), Atom::sym(how.name())],
                );
                self.map = points;
            }
            Reply::Failed(e) => {
                self.corpus_pending = false;
                self.choosing = false;
                self.starting = false;
                self.out.push(Output::Error(e));
            }
            Reply::Chosen {
                generation,
                ask,
                current,
                segment,
                distance,
                repeat,
                spare,
            } => {
                // Only an answer about what plays now counts (one asked before a boundary
                // that moved on is about the segment before).
                if generation != self.generation || self.current.map(|p| p.segment) != Some(current)
                {
                    return;
                }
                if let Some((segment, distance)) = spare {
                    let placed = Placed {
                        segment,
                        distance,
                        repeat: false,
                    };
                    self.spare = Some((current, placed));
                }
                if ask != self.ask || !self.choosing {
                    return;
                }
                self.choosing = false;
                if self.hold {
                    return;
                }
                self.enqueue(Placed {
                    segment,
                    distance,
                    repeat,
                });
            }
            Reply::Started {
                generation,
                segment,
                distance,
                seeded,
            } => {
                if generation != self.generation {
                    return;
                }
                self.starting = false;
                if seeded {
                    let name = self.segment_name(segment);
                    self.info(
                        "seeded",
                        vec![
                            Atom::Float((segment + 1) as f64),
                            Atom::Symbol(name),
                            Atom::Float(round3(distance)),
                        ],
                    );
                }
                let placed = Placed {
                    segment,
                    distance,
                    repeat: false,
                };
                if self.player.is_playing() && self.player.has_loop() {
                    self.choosing = false;
                    self.enqueue(placed);
                } else {
                    let Some(seq) = self.sequence(segment) else {
                        return;
                    };
                    self.player.set_sequence(seq);
                    self.current = Some(placed);
                    self.prev_corpus = None;
                    if self.player.is_playing() {
                        // `play` came first: start the segment from its top now (or where
                        // the band it joined is).
                        self.follow.start_loop(&mut self.player, now);
                        self.report_playing();
                        self.choose_next(now, false);
                    }
                }
            }
        }
    }

    /// The player started or relocated (`play`, a transport, joining the band) with a segment
    /// queued for the boundary: it plays that one now, and so does the looper's count of what
    /// plays, said; what follows it is chosen afresh. Whether that happened. (Found in a
    /// performer's trial: after a stop with a segment queued, `play` played it while the
    /// looper counted the old one, and never chose again.)
    fn took_queued(&mut self, now: f64) -> bool {
        if !self.player.is_playing() || self.queued.is_none() || self.player.has_queued() {
            return false;
        }
        self.current = self.queued.take();
        self.prev_corpus = None;
        self.view_queued = None;
        self.choosing = false;
        self.report_playing();
        self.choose_next(now, false);
        true
    }

    /// Queue a segment for the boundary and say so.
    /// What `tag` keeps at `now`: the segment that plays (its notes as the corpus holds them,
    /// on their channels) and what was played in over its last cycle, on channel 1 at its
    /// place in the segment; and the segment's length in beats.
    fn tagged_notes(&self, now: f64) -> Result<(Vec<crate::midi::Note>, f64)> {
        let (Some(corpus), Some(p)) = (self.current_corpus(), self.current.as_ref()) else {
            return Err(Error::invalid(
                "tag: nothing has played yet (load a corpus and play first)",
            ));
        };
        let s = &corpus.segments()[p.segment];
        let mut notes: Vec<crate::midi::Note> = s
            .notes
            .iter()
            .map(|n| crate::midi::Note {
                beat: n.beat,
                beats: n.beats,
                channel: n.channel,
                key: n.key,
                velocity: n.velocity.max(1),
            })
            .collect();
        if self.player.is_playing() {
            let spb = STEPS_PER_BEAT as f64;
            let cycle = self.player.cycle_ms();
            // (what was played before this segment began belongs to the one before)
            let steps = s.beats * spb;
            for n in self.live.iter().filter(|n| {
                now - n.ms <= cycle && n.ms <= now && self.player.position_in_loop(n.ms) >= 0.0
            }) {
                let at = self.player.position_in_loop(n.ms).rem_euclid(steps) / spb;
                notes.push(crate::midi::Note {
                    beat: at.min(s.beats - 1e-6),
                    beats: n
                        .duration_ms
                        .map_or(0.125, |d| d / self.player.ms_per_step() / spb),
                    channel: 0,
                    key: n.key,
                    velocity: n.velocity,
                });
            }
        }
        Ok((notes, s.beats))
    }

    /// Segment `n` (from 1) plays next (`what`: the message, for its errors).
    fn queue_segment(&mut self, n: usize, what: &str) -> Result<()> {
        let corpus = self
            .corpus
            .as_ref()
            .ok_or_else(|| Error::invalid(format!("{what}: no corpus yet")))?;
        if n == 0 || n > corpus.len() {
            return Err(Error::invalid(format!(
                "{what}: segment {n} does not exist (the corpus has 1..{})",
                corpus.len()
            )));
        }
        let distance = match &self.current {
            Some(p) if self.prev_corpus.is_none() => corpus.distance(p.segment, n - 1),
            _ => 0.0,
        };
        self.choosing = false;
        let placed = Placed {
            segment: n - 1,
            distance,
            repeat: false,
        };
        if self.current.is_none() {
            let Some(seq) = self.sequence(n - 1) else {
                return Ok(());
            };
            self.player.set_sequence(seq);
            self.current = Some(placed);
            self.prev_corpus = None;
            self.report_playing();
        } else {
            self.enqueue(placed);
        }
        Ok(())
    }

    fn enqueue(&mut self, placed: Placed) {
        let Some(seq) = self.sequence(placed.segment) else {
            return;
        };
        self.player.set_sequence(seq);
        let name = self.segment_name(placed.segment);
        self.info(
            "queued",
            vec![
                Atom::Float((placed.segment + 1) as f64),
                Atom::Symbol(name),
                Atom::Float(round3(placed.distance)),
                Atom::Float(f64::from(u8::from(placed.repeat))),
            ],
        );
        self.queued = Some(placed);
        self.view_queued = Some(Shown::Segment(placed));
    }

    fn report_playing(&mut self) {
        let Some((segment, line)) = self.playing_line() else {
            return;
        };
        // What was queued plays now; what follows it is being chosen (held: this one again).
        self.view_playing = Some(segment);
        self.view_queued = self.hold.then_some(Shown::Hold);
        self.info("playing", line);
    }

    /// The segment that plays (0-based) and how it is said: `N NAME BEATS` (N from 1).
    fn playing_line(&self) -> Option<(usize, Vec<Atom>)> {
        let segment = self.current.as_ref()?.segment;
        let seg = self
            .current_corpus()
            .and_then(|c| c.segments().get(segment));
        Some((
            segment,
            vec![
                Atom::Float((segment + 1) as f64),
                Atom::Symbol(seg.map_or_else(|| format!("#{}", segment + 1), |s| s.name())),
                Atom::Float(seg.map_or(0.0, |s| s.beats)),
            ],
        ))
    }

    /// The corpus the segment that plays belongs to.
    fn current_corpus(&self) -> Option<&Arc<Corpus>> {
        self.prev_corpus.as_ref().or(self.corpus.as_ref())
    }

    fn segment_name(&self, segment: usize) -> String {
        self.corpus
            .as_ref()
            .and_then(|c| c.segments().get(segment))
            .map_or_else(|| format!("#{}", segment + 1), |s| s.name())
    }

    /// A segment as the player's notes: beats to steps, every note its own length.
    fn sequence(&mut self, segment: usize) -> Option<Sequence> {
        let corpus = self.corpus.as_ref()?;
        let s = corpus.segments().get(segment)?;
        let spb = STEPS_PER_BEAT as f64;
        let notes = s
            .notes
            .iter()
            .map(|n| SeqNote {
                pos: n.beat * spb,
                note: if self.gm && n.channel == DRUM_CHANNEL {
                    crate::voice::gm_drum_note(n.key)
                } else {
                    n.key
                },
                velocity: n.velocity.max(1),
                channel: n.channel,
                len: Some((n.beats * spb).max(1e-3)),
            })
            .collect();
        match Sequence::notes(s.beats * spb, notes) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.out.push(Output::Error(format!(
                    "segment {} cannot be played: {e}",
                    segment + 1
                )));
                None
            }
        }
    }

    /// The live notes of the last `ms` before `now`, oldest first.
    fn recent(&self, now: f64, ms: f64) -> Vec<LiveNote> {
        self.live
            .iter()
            .filter(|n| n.ms >= now - ms)
            .cloned()
            .collect()
    }

    /// Ask for the segment after the current one.
    fn choose_next(&mut self, now: f64, force: bool) {
        if self.hold && !force {
            return;
        }
        let Some(current) = self.current.as_ref().map(|p| p.segment) else {
            return;
        };
        // (a segment of a corpus since replaced: the new corpus's first is already being
        // chosen, near it)
        if self.corpus.is_none() || self.prev_corpus.is_some() || (self.choosing && !force) {
            return;
        }
        // What the musician played over the last segment's length pulls the choice.
        let beats = self
            .corpus
            .as_ref()
            .map_or(8.0, |c| c.segments()[current].beats);
        let live = self.recent(now, beats * 60_000.0 / self.player.bpm());
        self.choosing = true;
        self.ask += 1;
        let job = Job::Next {
            generation: self.generation,
            ask: self.ask,
            current,
            live,
            bpm: self.player.bpm(),
            force,
        };
        self.submit(now, job, true);
    }

    /// Ask for a first segment (near what was played, else near `like`, else anywhere).
    fn start(&mut self, now: f64, like: Option<(Vec<crate::looper::LoopNote>, f64)>, seed: bool) {
        let live = if seed {
            self.recent(now, DEFAULT_SEED_SECONDS * 1000.0)
        } else {
            self.recent(now, 8.0 * 60_000.0 / self.player.bpm())
        };
        self.starting = true;
        let job = Job::Start {
            generation: self.generation,
            live,
            like,
            bpm: self.player.bpm(),
            seeded: seed,
        };
        self.submit(now, job, true);
    }

    fn need_corpus(&self, what: &str) -> Result<()> {
        if self.corpus.is_none() && !self.corpus_pending {
            return Err(Error::invalid(format!(
                "{what}: no corpus yet (send 'corpus FOLDER' with a folder of MIDI loops first)"
            )));
        }
        Ok(())
    }

    fn set_controls(&mut self, now: f64, c: Controls) -> Result<()> {
        c.check()?;
        self.controls = c.clone();
        self.submit(now, Job::Controls(Box::new(c)), false);
        Ok(())
    }

    /// A note the musician played (velocity 0: its release).
    fn live_note(&mut self, now: f64, key: u8, velocity: u8, channel: u8) {
        if velocity == 0 {
            if let Some(n) = self
                .live
                .iter_mut()
                .rev()
                .find(|n| n.key == key && n.channel == channel && n.duration_ms.is_none())
            {
                n.duration_ms = Some((now - n.ms).max(1.0));
            }
            return;
        }
        self.live.push_back(LiveNote {
            ms: now,
            key,
            velocity,
            channel,
            duration_ms: None,
        });
        while self.live.len() > LIVE_MAX
            || self.live.front().is_some_and(|n| n.ms < now - LIVE_KEEP_MS)
        {
            self.live.pop_front();
        }
    }

    fn info(&mut self, sel: &str, args: Vec<Atom>) {
        self.out.push(Output::Info(sel.to_string(), args));
    }

    fn dump(&mut self) {
        let k = self.controls.clone();
        let mut lines: Vec<Vec<Atom>> = Vec::new();
        match &self.corpus {
            Some(c) => lines.push(vec![
                Atom::sym("corpus"),
                Atom::Float(c.len() as f64),
                Atom::sym(c.embedder_name()),
                Atom::Symbol(
                    self.corpus_path
                        .as_ref()
                        .map_or(String::new(), |p| p.display().to_string()),
                ),
            ]),
            None => lines.push(vec![Atom::sym("corpus"), Atom::Float(0.0)]),
        }
        lines.push(vec![Atom::sym("tempo"), Atom::Float(self.player.bpm())]);
        lines.push(vec![Atom::sym("repeat"), Atom::Float(k.repeat)]);
        lines.push(vec![Atom::sym("temperature"), Atom::Float(k.temperature)]);
        lines.push(vec![Atom::sym("step"), Atom::Float(k.max_step)]);
        lines.push(vec![Atom::sym("avoid"), Atom::Float(k.avoid as f64)]);
        lines.push(vec![Atom::sym("follow"), Atom::Float(k.follow)]);
        let mut labels = vec![Atom::sym("labels")];
        labels.extend(k.labels.iter().map(|l| Atom::Symbol(l.clone())));
        lines.push(labels);
        lines.push(vec![
            Atom::sym("hold"),
            Atom::Float(f64::from(u8::from(self.hold))),
        ]);
        lines.push(vec![
            Atom::sym("playing"),
            Atom::Float(f64::from(u8::from(self.player.is_playing()))),
        ]);
        lines.push(vec![
            Atom::sym("sync"),
            Atom::Float(f64::from(u8::from(self.follow.sync))),
            Atom::Float(f64::from(u8::from(self.follow.following()))),
        ]);
        lines.push(vec![Atom::sym("live"), Atom::Float(self.live.len() as f64)]);
        lines.push(vec![
            Atom::sym("pending"),
            Atom::Float(self.worker.pending() as f64),
        ]);
        // What plays and what is queued, as status lines: a plain `playing` or `queued` line
        // marks the event itself (a patch counting segment starts would count a dump).
        if let Some((_, line)) = self.playing_line() {
            lines.push([vec![Atom::sym("segment")], line].concat());
        }
        if let Some(q) = self.queued {
            lines.push(vec![
                Atom::sym("queued"),
                Atom::Float((q.segment + 1) as f64),
                Atom::Symbol(self.segment_name(q.segment)),
                Atom::Float(round3(q.distance)),
                Atom::Float(f64::from(u8::from(q.repeat))),
            ]);
        }
        for l in lines {
            self.info("status", l);
        }
    }
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

/// A played note as an [`Output::Note`] (a cycle boundary is not an output).
pub(super) fn push_note(out: &mut Vec<Output>, p: Played) {
    if let Played::Note {
        at_ms,
        note,
        velocity,
        channel,
    } = p
    {
        out.push(Output::Note {
            at_ms,
            note,
            velocity,
            channel,
        });
    }
}

/// What a looper's scene keeps besides its attributes.
#[derive(serde::Serialize, serde::Deserialize)]
struct SceneState {
    corpus: Option<PathBuf>,
    /// The segment that played (from 1).
    segment: Option<usize>,
    hold: bool,
    labels: Vec<String>,
    /// The seed fixed by `random N`: a recall draws from it again (the same choices as after
    /// `random N`, given the same history and live notes).
    #[serde(default)]
    random: Option<u64>,
}

impl SceneState {
    fn parse(state: &serde_json::Value) -> Result<SceneState> {
        serde_json::from_value(state.clone())
            .map_err(|e| Error::invalid(format!("the looper's scene: {e}")))
    }
}

impl LooperObject {
    /// Queue segment `segment` (0-based) of the corpus loaded, as a scene had it.
    fn recall_segment(&mut self, now: f64, segment: usize) -> Result<()> {
        let n = Atom::Float(segment as f64 + 1.0);
        self.run_message(now, "queue", &[n])
    }
}

impl Object for LooperObject {
    fn scene(&self) -> Option<ScenePart> {
        let state = SceneState {
            corpus: self.corpus_path.clone(),
            segment: self.current.map(|p| p.segment + 1),
            hold: self.hold,
            labels: self.controls.labels.clone(),
            random: self.fixed_seed,
        };
        Some(ScenePart {
            messages: attribute_messages(self),
            state: Some(serde_json::to_value(state).expect("plain data")),
            // with no corpus nothing played, whatever the transport did
            playing: self.player.is_playing() && self.corpus_path.is_some(),
        })
    }
    fn check_state(&self, state: &serde_json::Value) -> Result<()> {
        SceneState::parse(state).map(|_| ())
    }
    fn state_paths(&self, state: &serde_json::Value) -> Vec<String> {
        SceneState::parse(state)
            .ok()
            .and_then(|s| s.corpus)
            .map(|p| vec![p.display().to_string()])
            .unwrap_or_default()
    }
    /// The labels, hold, the seed `random N` fixed, the corpus if it is another, and the
    /// segment at the next boundary (once the corpus has loaded).
    fn recall_state(&mut self, now: f64, state: &serde_json::Value) -> Result<()> {
        let s = SceneState::parse(state)?;
        self.change_controls(now, |k| k.labels = s.labels)?;
        if let Some(n) = s.random {
            self.fixed_seed = Some(n);
            self.submit(now, Job::Reseed(n), false);
        }
        // hold first: it clears what is queued, and the scene's segment is queued next
        let hold = Atom::Float(f64::from(u8::from(s.hold)));
        self.run_message(now, "hold", &[hold])?;
        let segment = s.segment.map(|n| n.max(1) - 1);
        if let Some(path) = s.corpus.filter(|p| Some(p) != self.corpus_path.as_ref()) {
            self.corpus_pending = true;
            self.recalled = segment;
            self.submit(now, Job::Corpus(path, self.build.clone()), true);
        } else if let Some(segment) = segment {
            self.recall_segment(now, segment)?;
        }
        Ok(())
    }
    fn decl(&self) -> &'static ObjectDecl {
        &LOOPER
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        if self.test_hooks {
            match selector {
                "_panic" => {
                    if args.first() == Some(&Atom::sym("worker")) {
                        self.submit(now, Job::Panic, true);
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
        if let Some(e) = self.follow.clock.stalled(now, self.follow.own_bpm) {
            self.out.push(Output::Error(e));
        }
        self.advance(now);
    }
    fn wake_at(&self, now: f64) -> Option<f64> {
        let poll = (self.worker.pending() > 0).then_some(now + POLL_MS);
        match (self.player.next_time(), poll) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        self.drain(f)
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    fn is_playing(&self) -> bool {
        self.player.is_playing() && (self.current.is_some() || self.starting)
    }
    fn playhead(&self, now: f64) -> Option<f64> {
        let p = &self.player;
        (p.is_playing() && p.has_loop()).then(|| p.position_at(now))
    }
    fn join(&mut self, now: f64, steps: f64) {
        self.follow.join(&mut self.player, now, steps);
        self.took_queued(now);
    }
    fn follows_transport(&self) -> bool {
        self.follow.sync
    }
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        LooperObject::transport(self, now, running, bpm.clamp(BPM_MIN, BPM_MAX), beats)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn pending(&self) -> usize {
        self.worker.pending()
    }
    fn controls(&self) -> Vec<(&'static str, Vec<Atom>)> {
        vec![
            ("hold", vec![Atom::Float(f64::from(u8::from(self.hold)))]),
            // The tempo in force, a host transport's while one is followed.
            ("tempo", vec![Atom::Float(self.player.bpm())]),
        ]
    }
    fn display(&self) -> Vec<(&'static str, String)> {
        let (playing, queued) = self.texts();
        vec![("looper/playing", playing), ("looper/queued", queued)]
    }
    fn status(&self) -> Vec<Vec<Atom>> {
        // The corpus's size, the segment playing and the one queued (from 1; 0 for none).
        let playing = match (self.view_playing, self.player.is_playing()) {
            (Some(n), true) => n + 1,
            _ => 0,
        };
        let queued = match self.view_queued {
            Some(Shown::Segment(p)) => p.segment + 1,
            _ => 0,
        };
        vec![vec![
            Atom::sym("looper"),
            Atom::Float(self.corpus.as_ref().map_or(0, |c| c.len()) as f64),
            Atom::Float(playing as f64),
            Atom::Float(queued as f64),
        ]]
    }
}
