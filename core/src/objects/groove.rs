//! `bandmate.groove`: the groove model as a playing object, the same in Pd, Max and the OSC
//! daemon. It holds the gestures (per-voice score rows, taps, swing, accents), asks the model
//! for loops on a worker thread, and plays the current loop in time; a new loop takes over at
//! the loop boundary. Hosts only translate: messages in ([`GrooveObject::message`]), notes and
//! info out ([`Output`]), and a clock that calls [`GrooveObject::tick`] at
//! [`GrooveObject::wake_at`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::contract::{panic_text, Entry, Grid, HelpExtras, Object, Options, Output, POLL_MS};
use super::decl::{notes, out, Atom, Handlers, ObjectDecl, EMPTY};
use super::follow::{Follow, Followed};
use super::player::{Played, Player};
use super::scene::{attribute_messages, message, SceneMessage, ScenePart};
use super::worker::{Worker, STOPPED};
use crate::baseline::RuleDrummer;
use crate::compose;
use crate::error::{Error, Result};
use crate::gesture::{
    feel_from_percent, percent_from_feel, swing_offset_from_percent, swing_percent_from_offset,
    Accent, Groove, SWING_PERCENT_RANGE,
};
use crate::groove::{
    Drummer, Generation, Reading, Request, MAX_TEMPERATURE, MAX_VARY, STEPS, STYLES,
};
use crate::model::{plugin_runtime, warm_runtime};
use crate::pattern::{Hit, STEPS_PER_BAR};
use crate::render::{render, Kit, Tail};
use crate::voice::{Voice, NAMES as VOICE_NAMES};
use crate::wav::Audio;

/// How many of the latest taps are kept for `tag`.
const MAX_PLAYED_TAPS: usize = 512;

/// The label `tag` gives when none is said (a controller's button).
pub const TAG_LABEL: &str = "keep";

/// The key the performer's taps are written on in a tag's MIDI file (channel 1).
pub const TAG_TAP_KEY: u8 = 60;

/// What `data` does to a dataset.
pub const DATA_ACTIONS: [&str; 8] = [
    "list", "scan", "label", "unlabel", "exclude", "include", "undo", "history",
];

/// The tempo range every playing object takes (`tempo`, `transport`).
pub const BPM_MIN: f64 = 20.0;
pub const BPM_MAX: f64 = 400.0;

crate::messages! {
    for GrooveObject, GROOVE, GROOVE_MESSAGES;

    "score" (
        voice: req choice(&VOICE_NAMES) "the drum",
        row: opt floats(&[16, 32], 0.0, 1.0) "1 = play this step, 0 = not; 16 values repeat over 2 bars; none = no longer fixed",
    )
    "What to play: fix one drum's steps (an all-0 row means none of this drum).",
    "kick 1 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0",
    |o, _now| {
        // A row given anew for a held drum replaces the hold.
        let v = Voice::parse(voice)?;
        o.held.retain(|h| h.0 != v);
        match row {
            None => o.request.clear_score_row(voice)?,
            Some(row) => {
                let row: Vec<f32> = (0..STEPS).map(|s| row[s % row.len()]).collect();
                if row.iter().any(|&x| x != 0.0 && x != 1.0) {
                    return Err(Error::invalid(format!(
                        "score: {voice} row must hold only 0 and 1"
                    )));
                }
                o.request.set_score_row(voice, &row)?;
            }
        }
    }

    #[LIVE] "tap" (
        velocity: opt float(0.0, 127.0) "MIDI velocity (0 is a note-off and is ignored); none = 100",
        ago: opt float(0.0, 1000.0) "how many ms ago it was played (what a detector took to hear it: [bandmate.taps~] says); none = now",
    )
    "How to play it: a tap now, at its exact time (from [notein], a pad, a bang, or [bandmate.taps~] with its own time). It lands on the nearest 16th of the playing loop (or of the first tap).",
    "100",
    |o, now| {
        let vel = velocity.unwrap_or(TAP_VELOCITY);
        if vel > 0.0 {
            let at = now - ago.unwrap_or(0.0);
            o.tap(at, (vel / 127.0) as f32)?;
            // what was played, for 'tag'
            if o.played_taps.len() == MAX_PLAYED_TAPS {
                o.played_taps.pop_front();
            }
            o.played_taps.push_back((at, vel));
        }
    }

    "groove" (values: req floats(&[64], -0.5, 1.0) "32 velocities (0 = no tap, else 0..1) then 32 offsets (-0.5..0.5 of a step, late positive)")
    "A whole tapped groove as a list.",
    "0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0",
    |o, _now| {
        let mut steps = vec![None; STEPS];
        for (s, step) in steps.iter_mut().enumerate() {
            if values[s] > 0.0 {
                *step = Some(Hit::new(values[s], values[STEPS + s])?);
            }
        }
        Groove::from_steps(steps.clone())?;
        o.taps.steps = steps;
        o.taps.any = o.taps.steps.iter().any(Option::is_some);
    }

    "swing" (percent: opt float(SWING_PERCENT_RANGE.0, SWING_PERCENT_RANGE.1) "50 = straight, 66.7 = triplet, 75 = dotted; none = off")
    "Swing the groove: the tapped one if any, else a tap on every 16th.",
    "58",
    |o, _now| {
        o.swing = match percent {
            None => None,
            Some(p) => Some(swing_offset_from_percent(p as f32)?),
        };
    }

    "swing8" (percent: opt float(SWING_PERCENT_RANGE.0, SWING_PERCENT_RANGE.1) "50 = straight, 66.7 = triplet, 75 = dotted; none = straight")
    "8th-note swing: new loops play on a swung grid, each beat's off-beat 8th late by this much of the beat (the 16ths between move half as far), up to a triplet shuffle and beyond; the drums' own timing rides on it. Taps, and a groove's offsets, are read against the same grid. With 'swing' too, the 16ths swing within it.",
    "66.7",
    |o, _now| {
        o.request.set_feel(match percent {
            None => 0.0,
            Some(p) => feel_from_percent(p as f32)?,
        })?;
    }

    "accent" (flags: opt floats(&[16, 32], 0.0, 1.0) "1 = accented step; none = no accents")
    "Accents: which steps are strong.",
    "1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 1",
    |o, _now| {
        match flags {
            None => o.request.set_accent(None)?,
            Some(f) => {
                let flags: Vec<bool> = (0..STEPS).map(|s| f[s % f.len()] >= 0.5).collect();
                o.request.set_accent(Some(Accent::from_flags(flags)?))?;
            }
        }
    }

    "style" (name: opt choice(&STYLES) "none = any: the gestures decide")
    "Ask for a style: new loops are the kinds of loop the Groove MIDI Dataset's drummers played in it (the trained model; the rule-based drum machine has none).",
    "funk",
    |o, _now| {
        o.request.set_style(name)?;
    }

    "clear" (what: opt choice(&["all", "score", "tap", "swing", "swing8", "accent", "style"]) "none = all")
    "Forget gestures.",
    "tap",
    |o, _now| {
        let what = what.unwrap_or("all");
        if matches!(what, "all" | "score") {
            for v in VOICE_NAMES {
                o.request.clear_score_row(v)?;
            }
            o.held.clear();
        }
        if matches!(what, "all" | "tap") {
            o.taps = Taps {
                steps: vec![None; STEPS],
                ..Taps::default()
            };
        }
        if matches!(what, "all" | "swing") {
            o.swing = None;
        }
        if matches!(what, "all" | "swing8") {
            o.request.set_feel(0.0)?;
        }
        if matches!(what, "all" | "accent") {
            o.request.set_accent(None)?;
        }
        if matches!(what, "all" | "style") {
            o.request.set_style(None)?;
        }
    }

    #[LATER] "generate" ()
    "A new loop from every gesture given so far (or from nothing).",
    "",
    |o, now| {
        let mut req = o.request.clone();
        req.set_groove(o.groove_gesture()?)?;
        o.ask(now, req);
    }

    #[LATER] "humanize" ()
    "A new loop that plays the score rows (and accents) like a drummer.",
    "",
    |o, now| {
        if o.request.scores().steps().is_none() {
            return Err(Error::invalid(
                "humanize: no score rows given (send 'score VOICE 1 0 ...' first)",
            ));
        }
        let mut req = o.request.clone();
        req.set_groove(None)?;
        o.ask(now, req);
    }

    #[LATER] "drumify" ()
    "A new loop of drums for the tapped or swung groove (and accents).",
    "",
    |o, now| {
        let Some(g) = o.groove_gesture()? else {
            return Err(Error::invalid(
                "drumify: no groove given (tap, or send 'swing PERCENT' or 'groove ...' first)",
            ));
        };
        let req = o.drumify_request(g)?;
        o.ask(now, req);
    }

    #[ATTR] "listen" (on: req int(0, 1) "1 = listen, 0 = not (default)")
    "Drums that listen: while the loop plays, what you play (taps: [notein] velocities from any instrument, pads, [bandmate.taps~]) over the last two bars becomes the groove of the next loop, drumified while this one plays and switched at the boundary (the window ends a beat before the boundary, so the loop is ready in time; a note that lands just after a boundary, as a late one does, counts on that bar's downbeat). Nothing played: the loop plays on.",
    "1",
    get |o| f64::from(u8::from(o.listen.is_some())),
    |o, now| {
        o.set_listen(now, on == 1);
    }

    #[LATER] "back" ()
    "Back to the loop before the last generate or vary, at the next loop boundary (one level: 'back' again returns).",
    "",
    |o, now| {
        o.submit(now, Job::Back);
    }

    #[LATER] "vary" (amount: opt float(0.0, MAX_VARY as f64) "how far from the last loop; none = 0.3")
    "A loop a small step away from the last one: not too much at once.",
    "0.3",
    |o, now| {
        let amount = amount.map_or(DEFAULT_VARY, |a| a as f32);
        let seed = o.seed();
        o.submit(now, Job::Vary(amount, seed));
    }

    #[LATER] "fill" (beats: opt int(1, 4) "beats of the loop's last bar to fill; none = 4")
    "The next loop ends in a drum fill in its feel, once: its last bar (or last BEATS beats) played as the drummers of the Groove MIDI Dataset fill, then the loop goes on. Only while playing; the trained model plays fills, the rule-based drum machine none. Answered with 'ready fill SEED' alone: the loop's lines stay the loop's, which goes on after the fill.",
    "2",
    |o, now| {
        if !o.player.is_playing() || o.current.is_none() {
            return Err(Error::invalid(
                "fill: no loop is playing (a fill leads out of a playing loop)",
            ));
        }
        let beats = beats.map_or(4, |b| b as usize);
        let seed = o.seed();
        o.submit(now, Job::Fill(beats, seed));
    }

    #[LATER] "clip" (path: req path(&[]) "a MIDI file of drums in 4/4")
    "Read a MIDI clip: its first two bars become the score (what to play, every drum); a clip of 4 to 32 bars of drums is also kept whole for 'infill' and 'write' (else said why not). Answered with 'clip BARS NOTES'.",
    "clip.mid",
    |o, now| {
        o.submit(now, Job::Clip(PathBuf::from(path)));
    }

    #[LATER] "infill" (
        first: opt int(1, compose::MAX_BARS as i64) "first bar to fill (1-based); none = every empty bar",
        last: opt int(1, compose::MAX_BARS as i64) "last bar to fill; none = the first",
    )
    "Compose mode: fill the clip's empty bars (or, in bars FIRST..LAST, every drum they lack) in the feel of the bars around them; every note of the clip is kept. Answered with 'infilled NOTES BAR...'; 'write' saves the result.",
    "5 6",
    |o, now| {
        // (the clip is the worker's: the one the last 'clip' and 'infill' before this left)
        let bars = first.map(|f| (f as usize, last.map_or(f as usize, |l| l as usize)));
        let seed = o.seed();
        let t = o.request.temperature();
        o.submit(now, Job::Infill(bars, t, seed));
    }

    #[LATER] "dataset" (path: req path(&[]) "a folder of your loops (docs/sculpt.md)")
    "Where 'tag' keeps what you mark while playing: a dataset folder (it must exist), its manifest beside the loops. Checked on the worker at once: answered 'dataset PATH', or an error.",
    "my-loops",
    |o, now| {
        // taken at once (a 'tag' may follow in the same message box); the one before comes
        // back if this one is refused
        let before = o.dataset.replace(PathBuf::from(path));
        o.submit(now, Job::Dataset(PathBuf::from(path), before));
    }

    #[LATER] "tag" (label: opt words(1) "one word: letters, digits, - _ . (a number too); none = keep")
    "Keep what just played for the next training: the loop that plays (drums on channel 10) and what you tapped over its last two bars (channel 1, on the loop's bars) as a MIDI file in the dataset folder, labelled. Answered with 'tagged LABEL FILE'.",
    "keeper",
    |o, now| {
        let label = label.map_or_else(|| TAG_LABEL.to_string(), |w| w[0].to_string());
        let label = label.as_str();
        crate::sculpt::check_label(label)?;
        let Some(dir) = o.dataset.clone() else {
            return Err(Error::invalid(
                "tag: no dataset folder yet (send 'dataset FOLDER' first)",
            ));
        };
        let notes = o.tagged_notes(now)?;
        let bpm = o.player.bpm();
        o.submit(now, Job::Tag(dir, label.to_string(), notes, bpm));
    }

    #[LATER] "data" (
        action: req choice(&DATA_ACTIONS) "what to do to the dataset",
        args: opt words(256) "label and unlabel: the label, then the items; exclude and include: the items (their numbers as 'data list' shows them, or their files); list: a label to show only its items",
    )
    "Sculpt the dataset folder (the one 'tag' writes into; docs/sculpt.md), as 'bandmate data' does: 'list' answers 'item N FILE training|excluded|missing LABELS...' for each loop and 'data items N TRAINING'; 'scan' adds new files; 'label L ITEMS...', 'unlabel L ITEMS...', 'exclude ITEMS...', 'include ITEMS...' change the manifest ('data labelled N L', ...); 'undo' takes the last change back, byte for byte ('data undid ITEMS ACTION...'); 'history' answers 'entry K SECONDS-AGO ITEMS ACTION...' for each change, oldest first. 'train' reads the loops left for training.",
    "list",
    |o, now| {
        let Some(dir) = o.dataset.clone() else {
            return Err(Error::invalid(
                "data: no dataset folder yet (send 'dataset FOLDER' first)",
            ));
        };
        let words: Vec<String> = args
            .unwrap_or(&[])
            .iter()
            .map(|a| match a {
                Atom::Symbol(s) => s.clone(),
                Atom::Float(x) if x.fract() == 0.0 => format!("{}", *x as i64),
                Atom::Float(x) => x.to_string(),
            })
            .collect();
        let act = crate::sculpt::Action::parse(action, &words)
            .map_err(|e| Error::invalid(format!("data: {}", e.problem())))?;
        o.submit(now, Job::Data(dir, act));
    }

    #[LATER] "write" (path: req path(&[]) "where to write the MIDI file (.mid)")
    "Write the clip (after 'clip' and 'infill'; at its own tempo, with any other instruments it held), or else the loop that plays (at the tempo), as a MIDI file (.mid), written whole or not at all. A relative path is written beside the clip that was read, else beside the patch (over OSC: a full path inside the daemon's --path folders). Answered with 'wrote PATH'.",
    "filled.mid",
    |o, now| {
        // the clip is the worker's (after the jobs before this one); else the loop that plays
        let playing = o.current.as_ref().map(|g| Box::new(g.pattern.clone()));
        let bpm = o.player.bpm();
        o.submit(now, Job::Write(PathBuf::from(path), playing, bpm, o.home.clone()));
    }

    "accent_step" (
        step: req int(1, STEPS_PER_BAR as i64) "step of the bar, 1..16 (both bars)",
        on: opt int(0, 1) "1 = accented (default), 0 = not",
    )
    "Accent one step of the bar, keeping the others (one pad or toggle per step).",
    "5 1",
    pad "accent",
    |o, _now| {
        let step = step as usize - 1;
        let mut flags: Vec<bool> = match o.request.accent() {
            Some(a) => a.as_slice().to_vec(),
            None => vec![false; STEPS],
        };
        for bar in 0..STEPS / STEPS_PER_BAR {
            flags[bar * STEPS_PER_BAR + step] = on != Some(0);
        }
        let accent = if flags.iter().any(|&a| a) {
            Some(Accent::from_flags(flags)?)
        } else {
            None
        };
        o.request.set_accent(accent)?;
    }

    "mute" (
        voice: req choice(&VOICE_NAMES) "the drum",
        on: opt int(0, 1) "1 = none of this drum (default), 0 = free again",
    )
    "Mute a drum in the next loops, however they are made (generate, drumify, vary).",
    "crash 1",
    pad "mute",
    |o, _now| {
        let v = Voice::parse(voice)?;
        o.wanted_keeps.retain(|w| *w != v);
        if on == Some(0) {
            o.request.clear_score_row(voice)?;
            o.held.retain(|h| h.0 != v);
        } else {
            o.request.set_score_row(voice, &[0.0; STEPS])?;
            o.hold(v, None);
        }
    }

    "keep" (
        voice: req choice(&VOICE_NAMES) "the drum",
        on: opt int(0, 1) "1 = keep its steps (default), 0 = free again",
    )
    "Keep a drum's steps from the current loop in the next loops, however they are made (generate, drumify, vary). Before there is a loop (a device's stored toggle replayed as a set loads), the keep waits quietly and takes the first loop's steps.",
    "kick 1",
    pad "keep",
    |o, _now| {
        let v = Voice::parse(voice)?;
        o.wanted_keeps.retain(|w| *w != v);
        if on == Some(0) {
            o.request.clear_score_row(voice)?;
            o.held.retain(|h| h.0 != v);
        } else if o.current.is_some() {
            o.keep_from_current(v)?;
        } else {
            o.wanted_keeps.push(v);
        }
    }

    #[LATER] "play" ()
    "Play the loop from the top, looping (asks for a loop first if there is none). A downbeat drawn a little early sounds at once, so the first beat is never lost. With a transport running (Live, Link, a MIDI clock), it joins the transport in phase, after a stop too.",
    "",
    |o, now| {
        o.follow.play();
        o.player.play(now);
        if !o.player.has_loop() && o.pending_loops == 0 {
            let mut req = o.request.clone();
            req.set_groove(o.groove_gesture()?)?;
            o.ask(now, req);
        }
    }

    "stop" ()
    "Stop; held notes are released, none shorter than the gate: a stop on the bar line comes after the next downbeat has gone out (drawn early, or on the line), and it sounds its gate as a final hit.",
    "",
    |o, now| {
        let out = &mut o.out;
        o.follow.stop(&mut o.player, now, &mut |p| push_played(out, p))?;
    }

    "transport" (
        running: req int(0, 1) "1 = the host's transport runs, 0 = stopped",
        bpm: req float(BPM_MIN, BPM_MAX) "its tempo",
        beats: req float(-1.0e9, 1.0e9) "its position in beats (quarter notes) from the song's start",
    )
    "Follow a host transport (Max and Live send this by themselves): play in time with it while it runs, at its tempo; stop when it stops; then the object's own tempo again.",
    "1 120 0",
    |o, now| {
        o.transport(now, running == 1, bpm, beats)
    }

    #[LIVE] "clock" (byte: req int(0, 255) "a MIDI realtime byte: 248 pulse, 250 start, 251 continue, 252 stop; others are ignored")
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

    #[ATTR] "tempo" (bpm: req float(BPM_MIN, BPM_MAX) "beats per minute")
    "Tempo, at once, keeping the position in the loop.",
    "96",
    get |o| o.follow.own_bpm,
    |o, now| {
        o.follow.set_tempo(&mut o.player, now, bpm)
    }

    #[ATTR] "temperature" (t: req float(0.0, MAX_TEMPERATURE as f64) "0 = the most likely loop, 1 = as trained, more = wilder")
    "How adventurous new loops are.",
    "0.8",
    get |o| f64::from(o.request.temperature()),
    |o, _now| {
        o.request.set_temperature(t as f32)
    }

    "seed" (n: opt int(0, 2_147_483_647) "none = a new seed for every loop (each object and session starts from its own)")
    "Fix the seed: the same gestures then give the same loop.",
    "7",
    |o, _now| {
        o.fixed_seed = n.map(|n| n as u64);
    }

    #[ATTR] "gate" (ms: req float(1.0, super::player::MAX_GATE_MS) "note length")
    "How long each note is held before its note-off.",
    "50",
    get |o| o.player.gate_ms(),
    |o, _now| {
        o.player.set_gate(ms)
    }

    #[ATTR, OFFLINE] "blocking" (on: req int(0, 1) "1 = work in the message's own time (offline, tests)")
    "0: the model runs on a worker thread (live; default). 1: it runs before the message returns.",
    "0",
    get |o| f64::from(u8::from(o.blocking)),
    |o, _now| {
        o.blocking = on == 1;
    }

    #[LATER] "load" (path: req path(&[]) "a model folder (model.json, encoder.onnx, decoder.onnx), or the name of one in the library")
    "Load a trained model; the old one plays on until the new one is ready, and the loops it makes from then on take over at the loop boundary as any new loop does.",
    "models/groove",
    |o, now| {
        // (the folder counts as the model's once it has loaded: 'train' and 'reload' use it)
        o.submit(now, Job::Load(PathBuf::from(path), o.desk.library().cloned()));
    }

    #[LATER] "reload" ()
    "Load the current model folder again (after retraining).",
    "",
    |o, now| {
        let Some(dir) = o.model_dir.clone() else {
            return Err(Error::invalid(
                "reload: no model was loaded yet (use 'load PATH')",
            ));
        };
        o.submit(now, Job::Load(dir, None));
    }

    #[LATER] "library" (path: req path(&[]) "a folder for the models you train: beside the patch, or a full path (made if its folder is there)")
    "Where 'train' writes new models, and where 'models' and 'load NAME' look: your model library. Checked on the worker at once: answered 'library PATH MODELS', or an error.",
    "my-models",
    |o, _now| {
        o.desk.set_library(path, o.blocking, &mut o.out)?;
    }

    #[LATER] "train" (
        folder: opt path(&[]) "a folder of your MIDI loops, or a dataset folder; none = the 'dataset' folder",
        name: opt words(1) "the new model's name: letters, digits, - _ .; none = the folder's name",
    )
    "Teach the model your feel: fine-tune the model that plays on your loops (seconds for a few loops, about a minute for forty; it plays on meanwhile), every fifth loop held out to compare where there are five or more. Reports 'training FILES WINDOWS HELD-OUT EPOCHS' (the files and 2-bar windows it learns from, the files held out), then 'progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT]' each pass (lower is closer; the held-out loss is the one to watch), then 'trained NAME SECONDS [BEFORE AFTER]' (the held-out loops' negative log-likelihood under the old model and the new: lower is closer) once the model is whole in the library. 'load NAME' plays it.",
    "loops",
    |o, now| {
        o.start_training(now, folder, name.map(|w| w[0].to_string()))?;
    }

    "cancel" ()
    "Stop a training: within a moment it answers 'cancelled train' and nothing is written. (With nothing training it does nothing.)",
    "",
    |o, _now| {
        o.desk.cancel();
    }

    #[LATER] "models" ()
    "List the model library: answered 'models NAME...' (none: an empty list).",
    "",
    |o, _now| {
        o.desk.models(o.blocking, &mut o.out)?;
    }

    #[LATER] "rules" ()
    "Use the rule-based drum machine instead of a model.",
    "",
    |o, now| {
        o.submit(now, Job::Rules)
    }

    #[LATER] "kit" (path: req path(&[SYNTH_KIT]) "a kit folder of WAVs named after the voices, or 'synth'")
    "The kit renders use.",
    "synth",
    |o, now| {
        let path = (path != SYNTH_KIT).then(|| PathBuf::from(path));
        o.submit(now, Job::Kit(path, o.host_rate));
    }

    "render" (name: opt symbol() "arrays NAME-l and NAME-r (Pd), buffer~ NAME (Max), or the fragment's label (OSC); none = drums")
    "Render the current loop to audio at the host's sample rate (loops seamlessly). A loop whose hits would peak over -1 dBFS is turned down as a whole, so it never clips the output.",
    "drums",
    |o, _now| {
        let name = name.unwrap_or(DEFAULT_RENDER);
        if o.current.is_none() {
            return Err(Error::invalid(
                "render: there is no loop yet (ask for one first)",
            ));
        }
        o.out.push(Output::Render(name.to_string()));
    }

    #[STATUS] "dump" ()
    "Report model, tempo, gestures and what is playing on the info outlet.",
    "",
    |o, now| {
        o.dump(now)
    }
}

/// The kit word that is not a folder: the built-in synthesized kit.
const SYNTH_KIT: &str = "synth";
/// What `render` with no name renders into.
const DEFAULT_RENDER: &str = "drums";

/// The declaration of `bandmate.groove`: every message it takes, in Pd, Max and over OSC.
pub const GROOVE: ObjectDecl = ObjectDecl {
    name: "bandmate.groove",
    osc: "groove",
    doc: "Drum loops from your gestures: give a score, tap a groove, set swing and accents; \
          get a loop played as MIDI notes in time, with the model's reading of what you gave.",
    messages: GROOVE_MESSAGES,
    outlets: &[
        notes("notes", "note velocity pairs for [makenote]/[noteout]: velocity 0 is the note-off; each at its exact time"),
        out("info", "loop VOICE 32-velocities, offset VOICE 32-offsets, reading score|velocity|offset|accent ..., ready TASK SEED, swing8 PERCENT (the grid the offsets are against), cycle N SWITCHED, loaded NAME, tapped ..., dataset PATH, tagged LABEL FILE, item/entry/data ... (data), library PATH MODELS, models NAME..., training FILES WINDOWS HELD-OUT EPOCHS, progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT], skipped FILE WHY, trained NAME SECONDS [BEFORE AFTER], cancelled train, status ..., error TEXT"),
    ],
    number: Some("tap"),
    labels: &[
        (
            "status",
            "one line for a status label: playing or stopped, tempo, model, the last loop",
        ),
        (
            "grid/DRUM",
            "the loop, a label per drum (grid/kick, grid/snare ...): each step as - (none), . (ghost), x, X (strong), a space between beats, | between the bars",
        ),
        (
            "grid/reading",
            "the model's reading of the groove it was given, in the same signs: how hard it heard each step",
        ),
    ],
    ..EMPTY
};

/// The keys of the loop's labels, one per drum in [`VOICE_NAMES`]' order.
pub const GRID_KEYS: [&str; 9] = [
    "grid/kick",
    "grid/snare",
    "grid/closed_hat",
    "grid/open_hat",
    "grid/low_tom",
    "grid/mid_tom",
    "grid/high_tom",
    "grid/crash",
    "grid/ride",
];

/// The labels of loop `g`: each drum's row, and how the model heard the groove.
fn grid_rows(g: &Generation) -> Vec<(&'static str, String)> {
    let mut v = Vec::with_capacity(GRID_KEYS.len() + 1);
    for (key, voice) in GRID_KEYS.iter().zip(Voice::ALL) {
        let row = (0..STEPS).map(|s| g.pattern.get(s, voice).map_or(0.0, |h| h.velocity));
        v.push((*key, grid_text(row)));
    }
    let heard = (0..STEPS).map(|s| g.reading.groove[s * 3 + 1]);
    v.push(("grid/reading", format!("heard: {}", grid_text(heard))));
    v
}

/// A row of 32 velocities as a label: - none, . ghost, x, X strong; beats apart, bars by |.
pub fn grid_text(velocities: impl Iterator<Item = f32>) -> String {
    let mut t = String::with_capacity(48);
    for (s, v) in velocities.enumerate() {
        if s > 0 && s % STEPS_PER_BAR == 0 {
            t.push_str(" | ");
        } else if s > 0 && s % 4 == 0 {
            t.push(' ');
        }
        t.push(match v {
            v if v <= 0.0 => '-',
            v if v < 0.35 => '.',
            v if v < 0.75 => 'x',
            _ => 'X',
        });
    }
    t
}

/// What the help patches add around `bandmate.groove`.
pub const GROOVE_HELP: HelpExtras = HelpExtras {
    objects: &["array define drums-l", "array define drums-r"],
    outlet_objects: &[&["print notes", "noteout 10"], &["print info"]],
    intro: "Click 'score' / 'swing' / 'accent' (or tap with bang or [notein]), then 'generate' or \
            'drumify', then 'play'. Notes go to [noteout 10] (General MIDI drums). 'render drums' \
            fills the arrays drums-l and drums-r below.",
    more_messages: &[],
    grids: &[
        Grid {
            line: &["loop"],
            rows: &VOICE_NAMES,
            len: STEPS,
            range: (0.0, 1.0),
            doc: "the loop: each drum's velocity on each of the 32 steps",
        },
        Grid {
            line: &["reading", "score"],
            rows: &VOICE_NAMES,
            len: STEPS,
            range: (0.0, 1.0),
            doc: "the model's reading of the score: how likely each drum plays each step",
        },
        Grid {
            line: &["reading", "velocity"],
            rows: &[],
            len: STEPS,
            range: (0.0, 1.0),
            doc: "its reading of the groove: how hard each step is hit",
        },
        Grid {
            line: &["reading", "offset"],
            rows: &[],
            len: STEPS,
            range: (-0.5, 0.5),
            doc: "its reading of the timing: early (down) or late (up), in steps",
        },
        Grid {
            line: &["reading", "accent"],
            rows: &[],
            len: STEPS,
            range: (0.0, 1.0),
            doc: "its reading of the accents",
        },
    ],
};

/// `bandmate.groove` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &GROOVE,
    help: GROOVE_HELP,
    make: |options, _args| Ok(Box::new(GrooveObject::new(options)?)),
};

const DEFAULT_VARY: f32 = 0.3;
const TAP_VELOCITY: f64 = 100.0;

enum Job {
    /// Load a model folder (a plain name not found: said with the library looked in).
    Load(PathBuf, Option<PathBuf>),
    Rules,
    Generate(Box<Request>),
    Vary(f32, u64),
    /// The last loop ending in a fill of so many beats, once.
    Fill(usize, u64),
    /// Read a MIDI clip.
    Clip(PathBuf),
    /// Fill the clip's gaps: bars (1-based) or its empty ones, temperature, seed.
    Infill(Option<(usize, usize)>, f32, u64),
    /// Write the clip, else this loop, as MIDI (a loop at this tempo).
    /// Where, what plays (if no clip was read), its tempo, and the patch's folder (if any).
    Write(PathBuf, Option<Box<crate::Pattern>>, f64, Option<PathBuf>),
    /// The loop before the last one again (one level of undo of generate and vary).
    Back,
    /// A loop recalled from a scene, exactly as it was (`vary` steps from it).
    Restore(Box<Generation>),
    Kit(Option<PathBuf>, u32),
    /// Check a dataset folder: there, a folder, inside the allowed ones, its manifest readable
    /// (and the folder before it, taken back if it is refused).
    Dataset(PathBuf, Option<PathBuf>),
    /// Keep notes in the dataset folder under a label (a MIDI file at this tempo).
    Tag(PathBuf, String, Vec<crate::midi::Note>, f64),
    /// An action on a dataset folder.
    Data(PathBuf, crate::sculpt::Action),
    Panic,
}

impl Job {
    /// Whether the job's answer is a loop (or its failure).
    fn brings_loop(&self) -> bool {
        matches!(
            self,
            Job::Generate(_) | Job::Vary(..) | Job::Fill(..) | Job::Back | Job::Restore(_)
        )
    }
}

/// A clip read: its first two bars' score rows, its length in bars and its notes, and why it
/// is not kept whole where it is not.
struct ClipRead {
    rows: Vec<Vec<f32>>,
    bars: usize,
    notes: usize,
    not_kept: Option<String>,
}

enum Reply {
    /// A model (or the rules) plays now: its name, and its folder.
    Loaded(String, Option<PathBuf>),
    ClipRead(Box<ClipRead>),
    /// A clip filled: how many notes were added, and the bars filled (0-based).
    Infilled(usize, Vec<usize>),
    Wrote(PathBuf),
    /// A tag kept: its label and its file in the dataset.
    Tagged(String, String),
    /// A dataset folder that will take tags.
    /// A dataset folder that will take tags (`Ok`), or refused: why, and the folder before.
    DatasetChecked(PathBuf, std::result::Result<(), (String, Option<PathBuf>)>),
    /// What a dataset action answers: info lines.
    Lines(Vec<(String, Vec<Atom>)>),
    Generated(Box<Generation>),
    /// A loop recalled from a scene: played exactly as it was (the drums held now are not
    /// applied to it; they were when it was made).
    Recalled(Box<Generation>),
    /// The last loop ending in a fill: played once at the boundary, then the loop goes on.
    Filled(Box<Generation>),
    /// A kit, and the folder it came from (None: the synth).
    Kit(Box<Kit>, Option<PathBuf>),
    /// What went wrong, and whether a loop was asked for (generate or vary).
    Failed(String, bool),
}

/// The worker: owns the drummer (model or rules), the last loop, and loads kits.
struct Studio {
    drummer: Box<dyn Drummer>,
    last: Option<Generation>,
    /// The loop `last` replaced: where `back` returns.
    previous: Option<Generation>,
    runtime: Option<PathBuf>,
    /// Files of a model or kit folder must lie inside these (links resolved); `None`: anywhere.
    roots: Option<Vec<PathBuf>>,
    /// The clip read with `clip` (4 to 32 bars), filled by `infill`, written by `write`, and its
    /// real folder (where `write` puts a relative path).
    clip: Option<compose::Clip>,
    clip_dir: Option<PathBuf>,
}

/// What a `data` action answers on the info outlet.
fn data_lines(a: crate::sculpt::Answer) -> Vec<(String, Vec<Atom>)> {
    use crate::sculpt::Answer;
    let n = |x: usize| Atom::Float(x as f64);
    let data = |word: &str, mut rest: Vec<Atom>| {
        rest.insert(0, Atom::sym(word));
        vec![("data".to_string(), rest)]
    };
    match a {
        Answer::Listed {
            items, training, ..
        } => {
            let total = items.len();
            let mut v: Vec<(String, Vec<Atom>)> = items
                .into_iter()
                .map(|(k, i)| {
                    let state = if i.missing {
                        "missing"
                    } else if i.excluded {
                        "excluded"
                    } else {
                        "training"
                    };
                    let mut args = vec![n(k), Atom::Symbol(i.file), Atom::sym(state)];
                    args.extend(i.labels.into_iter().map(Atom::Symbol));
                    ("item".to_string(), args)
                })
                .collect();
            v.extend(data("items", vec![n(total), n(training)]));
            v
        }
        Answer::Scanned(a, g, b) => data("scanned", vec![n(a), n(g), n(b)]),
        Answer::Labelled(k, l) => data("labelled", vec![n(k), Atom::Symbol(l)]),
        Answer::Unlabelled(k, l) => data("unlabelled", vec![n(k), Atom::Symbol(l)]),
        Answer::Excluded(k) => data("excluded", vec![n(k)]),
        Answer::Included(k) => data("included", vec![n(k)]),
        Answer::Undid(e) => {
            let mut args = vec![n(e.files.len())];
            args.extend(super::decl::atoms(&e.action));
            data("undid", args)
        }
        Answer::History(entries) => {
            let total = entries.len();
            let mut v: Vec<(String, Vec<Atom>)> = entries
                .into_iter()
                .enumerate()
                .map(|(k, e)| {
                    // (seconds ago: a Pd float cannot hold a time since 1970 to the second)
                    let ago = crate::sculpt::unix_secs().saturating_sub(e.time);
                    let mut args = vec![n(k + 1), Atom::Float(ago as f64), n(e.files.len())];
                    args.extend(super::decl::atoms(&e.action));
                    ("entry".to_string(), args)
                })
                .collect();
            v.extend(data("history", vec![n(total)]));
            v
        }
    }
}

/// `dataset`'s check on a worker (groove and looper): the folder as [`check_dataset`] wants
/// it, and its manifest readable.
pub(crate) fn dataset_ready(dir: &Path, roots: Option<&[PathBuf]>) -> Result<()> {
    check_dataset(dir, roots)?;
    crate::sculpt::Dataset::open(dir)?;
    Ok(())
}

/// `tag`'s writing on a worker (groove and looper): the folder checked, the notes kept in it
/// ([`crate::sculpt::keep_tag`]); the file's name.
pub(crate) fn write_tag(
    dir: &Path,
    roots: Option<&[PathBuf]>,
    label: &str,
    notes: &[crate::midi::Note],
    bpm: f64,
    beats: f64,
) -> Result<String> {
    check_dataset(dir, roots).map_err(|e| Error::invalid(format!("tag: {e}")))?;
    crate::sculpt::keep_tag(dir, label, notes, bpm, beats)
}

/// The answer to a folder setting taken at once and checked on a worker (`dataset`,
/// `library`): `line` on the info outlet, or, refused, the folder before it back in `slot`
/// (where the refused one is still there) and the error.
pub(crate) fn settle_folder(
    slot: &mut Option<PathBuf>,
    dir: PathBuf,
    checked: std::result::Result<Vec<Atom>, (String, Option<PathBuf>)>,
    sel: &str,
    out: &mut Vec<Output>,
) {
    match checked {
        Ok(args) => out.push(Output::Info(sel.to_string(), args)),
        Err((e, before)) => {
            if slot.as_ref() == Some(&dir) {
                *slot = before;
            }
            out.push(Output::Error(e));
        }
    }
}

/// A dataset folder `tag` may write into: there, a folder, inside `roots`.
fn check_dataset(dir: &Path, roots: Option<&[PathBuf]>) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::invalid(format!(
            "{}: no such folder (make it, or send 'dataset FOLDER')",
            dir.display()
        )));
    }
    if !crate::fsutil::within(dir, roots) {
        return Err(Error::invalid(format!(
            "{}: outside the folders that may be written",
            dir.display()
        )));
    }
    Ok(())
}

/// Every file of `dir` (not its subfolders) lies inside `roots`, links resolved, else an error
/// naming the first that does not.
pub(crate) fn all_within(dir: &Path, roots: Option<&[PathBuf]>) -> Result<()> {
    if roots.is_none() {
        return Ok(());
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(()); // the loader says what is wrong with the folder
    };
    for p in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
        if !crate::fsutil::within(&p, roots) {
            return Err(Error::invalid(format!(
                "{}: {}",
                p.display(),
                crate::fsutil::OUTSIDE
            )));
        }
    }
    Ok(())
}

impl Studio {
    fn handle(&mut self, job: Job) -> Reply {
        let for_loop = job.brings_loop();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(job))) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Reply::Failed(e.to_string(), for_loop),
            Err(p) => Reply::Failed(format!("internal error: {}", panic_text(&p)), for_loop),
        }
    }

    fn run(&mut self, job: Job) -> Result<Reply> {
        Ok(match job {
            Job::Load(dir, library) => {
                let plain = dir.components().count() == 1 && dir.is_relative();
                if plain && !dir.exists() {
                    return Err(Error::invalid(format!(
                        "load: {}: no model of that name {}, and no such folder beside the patch",
                        dir.display(),
                        library.map_or("(no library set: 'library FOLDER')".to_string(), |l| {
                            format!("in the library {}", l.display())
                        })
                    )));
                }
                all_within(&dir, self.roots.as_deref())?;
                let m = crate::model::load_with_runtime(&dir, self.runtime.as_deref())?;
                let name = m.info().name.clone();
                self.drummer = Box::new(m);
                Reply::Loaded(name, Some(dir))
            }
            Job::Rules => {
                self.drummer = Box::new(RuleDrummer::new());
                Reply::Loaded(self.drummer.name(), None)
            }
            Job::Generate(req) => {
                let g = self.drummer.generate(&req)?;
                self.previous = self.last.replace(g.clone());
                Reply::Generated(Box::new(g))
            }
            Job::Vary(amount, seed) => {
                let last = self.last.as_ref().ok_or_else(|| {
                    Error::invalid("vary: there is no loop yet to vary (ask for one first)")
                })?;
                let g = self.drummer.vary(last, amount, seed)?;
                self.previous = self.last.replace(g.clone());
                Reply::Generated(Box::new(g))
            }
            Job::Fill(beats, seed) => {
                let last = self.last.as_ref().ok_or_else(|| {
                    Error::invalid("fill: there is no loop yet to fill (ask for one first)")
                })?;
                // the loop goes on after the fill: `last` stays what vary and back step from
                Reply::Filled(Box::new(self.drummer.fill(last, beats, seed)?))
            }
            Job::Clip(path) => {
                std::fs::metadata(&path).map_err(|e| Error::io(&path, &e))?;
                if !crate::fsutil::within(&path, self.roots.as_deref()) {
                    return Err(Error::invalid(format!(
                        "{}: {}",
                        path.display(),
                        crate::fsutil::OUTSIDE
                    )));
                }
                let file = crate::midi::MidiFile::read(&path)?;
                let imported = file
                    .to_pattern(crate::midi::ChannelSelect::Auto)
                    .map_err(|e| e.at(&path))?;
                if !file.is_four_four() {
                    // the clip's own check says which meter
                    compose::Clip::from_midi(&file).map_err(|e| e.at(&path))?;
                }
                let p = imported.pattern;
                let rows: Vec<Vec<f32>> = Voice::ALL
                    .iter()
                    .map(|&v| {
                        (0..STEPS)
                            .map(|s| (s < p.steps() && p.get(s, v).is_some()) as u8 as f32)
                            .collect()
                    })
                    .collect();
                // the whole clip where compose mode takes it; the score in any case
                let (clip, not_kept) = match compose::Clip::from_midi(&file) {
                    Ok(c) => (Some(c), None),
                    // (a score of a bar or two is only a score)
                    Err(e) if p.bars() >= compose::MIN_BARS => (None, Some(e.problem())),
                    Err(_) => (None, None),
                };
                let bars = clip.as_ref().map_or(p.bars(), |c| c.bars());
                let notes = clip.as_ref().map_or(p.hit_count(), |c| c.notes().len());
                // where `write` puts a relative path: beside the clip, where it is a folder
                self.clip_dir = std::fs::canonicalize(&path)
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                self.clip = clip;
                Reply::ClipRead(Box::new(ClipRead {
                    rows,
                    bars,
                    notes,
                    not_kept,
                }))
            }
            Job::Infill(bars, t, seed) => {
                let Some(clip) = self.clip.as_ref() else {
                    return Err(Error::invalid(
                        "infill: no clip to fill (read one of 4 to 32 bars with 'clip FILE' first)",
                    ));
                };
                let gaps = compose::Gaps::choose(clip, bars, None)
                    .map_err(|e| Error::invalid(format!("infill: {}", e.problem())))?;
                let Some(model) = self.drummer.as_model() else {
                    return Err(Error::invalid(
                        "infill: the rule-based drum machine cannot fill a clip (load a model)",
                    ));
                };
                let added = compose::infill(model, clip, &gaps, t, seed)?;
                self.clip = Some(clip.with(&added)?);
                Reply::Infilled(added.len(), gaps.bars())
            }
            Job::Dataset(dir, before) => {
                let checked =
                    dataset_ready(&dir, self.roots.as_deref()).map_err(|e| (e.to_string(), before));
                Reply::DatasetChecked(dir, checked)
            }
            Job::Tag(dir, label, notes, bpm) => {
                let beats = STEPS as f64 / crate::pattern::STEPS_PER_BEAT as f64;
                let name = write_tag(&dir, self.roots.as_deref(), &label, &notes, bpm, beats)?;
                Reply::Tagged(label, name)
            }
            Job::Write(path, playing, bpm, home) => {
                let path = match (path.is_relative(), self.clip_dir.as_ref().or(home.as_ref())) {
                    (false, _) => path,
                    (true, Some(dir)) => dir.join(path),
                    (true, None) => {
                        return Err(Error::invalid(format!(
                            "write: {}: give a full path (a relative one is written beside \
                             the clip read with 'clip', or beside the patch)",
                            path.display()
                        )))
                    }
                };
                if self.clip.is_none() && playing.is_none() {
                    return Err(Error::invalid(
                        "write: nothing to write yet (read a clip, or generate a loop)",
                    ));
                }
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if !crate::midi::is_midi_name(&path) || path.is_dir() {
                    return Err(Error::invalid(format!(
                        "write: {}: expected a MIDI file's name (ending in .mid)",
                        path.display()
                    )));
                }
                if !parent.is_dir() {
                    return Err(Error::invalid(format!(
                        "{}: no such folder to write into",
                        parent.display()
                    )));
                }
                if !crate::fsutil::within(&parent, self.roots.as_deref()) {
                    return Err(Error::invalid(format!(
                        "{}: outside the folders that may be written",
                        path.display()
                    )));
                }
                match (&self.clip, playing) {
                    // a clip at its own tempo (as it was read)
                    (Some(c), _) => c.write(&path, &[], c.bpm().unwrap_or(bpm))?,
                    (None, Some(p)) => {
                        crate::midi::write_pattern(&path, &p, crate::midi::Export::at(bpm))?
                    }
                    (None, None) => unreachable!("checked above"),
                }
                Reply::Wrote(path)
            }
            Job::Back => {
                let Some(g) = self.previous.take() else {
                    return Err(Error::invalid(
                        "back: there is no earlier loop to go back to (generate or vary first)",
                    ));
                };
                // back again returns to where it came from
                self.previous = self.last.replace(g.clone());
                Reply::Generated(Box::new(g))
            }
            Job::Restore(g) => {
                self.previous = self.last.replace((*g).clone());
                Reply::Recalled(g)
            }
            Job::Kit(path, sr) => {
                let kit = match &path {
                    None => Kit::synth(sr),
                    Some(p) => {
                        all_within(p, self.roots.as_deref())?;
                        Kit::from_folder(p, sr)?.0
                    }
                };
                Reply::Kit(Box::new(kit), path)
            }
            Job::Data(dir, act) => {
                check_dataset(&dir, self.roots.as_deref())
                    .map_err(|e| Error::invalid(format!("data: {e}")))?;
                let mut set = crate::sculpt::Dataset::open(&dir)?;
                let answer = set
                    .apply(&act)
                    .map_err(|e| Error::invalid(format!("data: {e}")))?;
                Reply::Lines(data_lines(answer))
            }
            Job::Panic => panic!("forced internal error (test hook)"),
        })
    }
}

/// The tapped groove being recorded.
#[derive(Debug, Clone, Default)]
struct Taps {
    steps: Vec<Option<Hit>>,
    /// Time of step 0 of the tap grid when not following the player, and of the last tap.
    origin_ms: f64,
    last_ms: f64,
    any: bool,
}

/// The groove object.
pub struct GrooveObject {
    /// The patch's folder (Pd, Max): a relative `write` with no clip read goes there.
    home: Option<PathBuf>,
    request: Request,
    taps: Taps,
    swing: Option<f32>,
    fixed_seed: Option<u64>,
    next_seed: u64,
    player: Player,
    worker: Worker<Job, Reply>,
    /// Jobs on the worker that will bring a loop (generate, vary).
    pending_loops: usize,
    blocking: bool,
    /// Following a host's transport (`transport`, `sync`, `tempo`).
    follow: Follow,
    /// The host's sample rate, for kits.
    host_rate: u32,
    model_dir: Option<PathBuf>,
    model_name: String,
    kit: Option<Kit>,
    kit_path: Option<PathBuf>,
    current: Option<Generation>,
    /// Drums held for the next loops, however they are made: muted (`None`), or kept on the
    /// steps of the loop they were kept from (its hits there).
    held: Vec<(Voice, Option<Vec<Option<Hit>>>)>,
    /// Drums asked to be kept before there was a loop: kept from the first one.
    wanted_keeps: Vec<Voice>,
    out: Vec<Output>,
    test_hooks: bool,
    /// Listening (`listen 1`): what was heard since the last window closed, and where (in
    /// steps since the player's cycle 0) the next window closes.
    listen: Option<Listen>,
    /// The labels of the loop that plays ([`GRID_KEYS`], `grid/reading`), and of the loop
    /// queued for the boundary, shown once it plays.
    grid: Vec<(&'static str, String)>,
    grid_next: Option<Vec<(&'static str, String)>>,
    /// The loop that comes back after a fill (queued as the fill starts).
    after_fill: Option<crate::Pattern>,
    /// The taps played lately (time in ms, MIDI velocity), for `tag`.
    played_taps: std::collections::VecDeque<(f64, f64)>,
    /// Where `tag` keeps what it marks.
    dataset: Option<PathBuf>,
    /// The loop the player plays now (a fill while it plays), and the one queued for the next
    /// boundary: what `tag` keeps is what was heard.
    heard: Option<crate::Pattern>,
    heard_next: Option<crate::Pattern>,
    /// The model library and the training.
    desk: super::library::Desk,
    /// The bundled model's folder, where there is one: what `train` starts from when the
    /// rule-based drum machine plays.
    bundled: Option<PathBuf>,
}

/// Drums that listen: the taps heard in the window that is open, and where it closes.
#[derive(Debug, Clone)]
struct Listen {
    heard: Vec<Option<Hit>>,
    closes_at: Option<f64>,
}

/// A listening window closes this many steps (a beat) before the loop boundary: the drums for
/// the next loop are made from it while the last beat plays.
pub const LISTEN_LEAD_STEPS: f64 = 4.0;

/// Automatic seeds stay at most 2^24, so a seed shown in Pd (whose numbers are float32) is
/// exactly the seed `seed N` brings back.
const MAX_AUTO_SEED: u64 = 1 << 24;

/// Where an object's automatic seeds start: different for each object and each session (two
/// drummers never play the same loops), from the standard library's per-process random keys
/// and a count of the objects made.
fn first_auto_seed() -> u64 {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static MADE: AtomicU64 = AtomicU64::new(0);
    let n = MADE.fetch_add(1, Ordering::Relaxed);
    std::collections::hash_map::RandomState::new().hash_one(n) % MAX_AUTO_SEED + 1
}

impl GrooveObject {
    pub fn new(options: &Options) -> Result<GrooveObject> {
        let runtime = options.plugin_dir.as_deref().map(plugin_runtime);
        if options.plugin_dir.is_some() {
            // In a host: start ONNX Runtime on its main thread, before any worker (see
            // model::warm_runtime).
            warm_runtime(runtime.as_deref());
        }
        let mut studio = Studio {
            drummer: Box::new(RuleDrummer::new()),
            last: None,
            previous: None,
            runtime,
            roots: options.roots.clone(),
            clip: None,
            clip_dir: None,
        };
        let worker = Worker::serve("bandmate-groove", move |job| Some(studio.handle(job)))?;
        let mut desk = super::library::Desk::new(crate::model::MODEL_FORMAT, options.roots.clone());
        desk.preset_library(options.library.clone());
        let mut o = GrooveObject {
            request: Request::new(),
            taps: Taps {
                steps: vec![None; STEPS],
                ..Taps::default()
            },
            swing: None,
            fixed_seed: None,
            next_seed: first_auto_seed(),
            player: Player::new(120.0, 50.0)?,
            worker,
            pending_loops: 0,
            blocking: false,
            follow: Follow::new(120.0),
            home: None,
            host_rate: 48_000,
            model_dir: None,
            model_name: "rules".into(),
            kit: None,
            kit_path: None,
            current: None,
            held: Vec::new(),
            wanted_keeps: Vec::new(),
            out: Vec::new(),
            test_hooks: std::env::var_os("BANDMATE_TEST_HOOKS").is_some_and(|v| v == "1"),
            listen: None,
            grid: Vec::new(),
            grid_next: None,
            after_fill: None,
            played_taps: std::collections::VecDeque::new(),
            dataset: options.dataset.clone(),
            heard: None,
            heard_next: None,
            desk,
            bundled: super::contract::bundled_model(options.plugin_dir.as_deref(), "groove"),
        };
        let model = match &options.model {
            Some(dir) => Some(dir.clone()),
            None if options.load_default => o.bundled.clone(),
            None => None,
        };
        if let Some(dir) = model {
            o.submit(0.0, Job::Load(dir, None));
        }
        Ok(o)
    }

    /// The declaration this object answers to.
    pub fn decl() -> &'static ObjectDecl {
        &GROOVE
    }

    /// What `tag` keeps at `now`: the loop that plays (channel 10, as it plays: its timing,
    /// its feel) and the taps of its last cycle placed on its bars (channel 1, key
    /// [`TAG_TAP_KEY`]).
    fn tagged_notes(&self, now: f64) -> Result<Vec<crate::midi::Note>> {
        // the loop heard (not one queued for the next boundary), else the one that would play
        let Some(pattern) = self
            .heard
            .as_ref()
            .filter(|_| self.player.is_playing())
            .or(self.current.as_ref().map(|g| &g.pattern))
        else {
            return Err(Error::invalid(
                "tag: nothing has played yet (generate a loop first)",
            ));
        };
        let per_beat = crate::pattern::STEPS_PER_BEAT as f64;
        // a place in the loop (steps) as a beat of the file: an early downbeat (within half a
        // 16th before the loop's end, or before its start) on the first beat, drums and taps
        // alike (a file has no time before its start)
        let place = |steps: f64| {
            let p = steps.rem_euclid(STEPS as f64);
            if p > STEPS as f64 - 0.5 {
                0.0
            } else {
                p / per_beat
            }
        };
        let mut notes: Vec<crate::midi::Note> = pattern
            .hits()
            .map(|(step, v, h)| crate::midi::Note {
                beat: place(pattern.position(step, h.offset)),
                beats: 0.125,
                channel: crate::midi::DRUM_CHANNEL,
                key: v.gm_note(),
                velocity: h.midi_velocity(),
            })
            .collect();
        if let Some((steps_now, step_ms)) = self.beat_clock(now) {
            let cycle = STEPS as f64 * step_ms;
            for &(t, vel) in self.played_taps.iter().filter(|(t, _)| now - t <= cycle) {
                notes.push(crate::midi::Note {
                    beat: place(steps_now - (now - t) / step_ms),
                    beats: 0.125,
                    channel: 0,
                    key: TAG_TAP_KEY,
                    velocity: vel.round().clamp(1.0, 127.0) as u8,
                });
            }
        }
        Ok(notes)
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

    /// The loop that plays (or would, once started), if any.
    pub fn current_pattern(&self) -> Option<&crate::Pattern> {
        self.current.as_ref().map(|g| &g.pattern)
    }

    /// The host's sample rate (at creation, and whenever its DSP restarts at another rate):
    /// kits are loaded at this rate by the worker, so `render` at the host's rate never reads
    /// the disk on the host's thread.
    pub fn set_sample_rate(&mut self, sample_rate: u32) {
        if sample_rate == self.host_rate || sample_rate == 0 {
            return;
        }
        self.host_rate = sample_rate;
        if self
            .kit
            .as_ref()
            .is_some_and(|k| k.sample_rate() != sample_rate)
        {
            self.submit(0.0, Job::Kit(self.kit_path.clone(), sample_rate));
        }
    }

    /// Render the current loop at `sample_rate` with the kit (`kit` message; the built-in
    /// synth kit by default), as stereo audio that loops seamlessly.
    pub fn render(&mut self, sample_rate: u32) -> Result<Audio> {
        let g = self
            .current
            .as_ref()
            .ok_or_else(|| Error::invalid("render: there is no loop yet (ask for one first)"))?;
        if self
            .kit
            .as_ref()
            .is_none_or(|k| k.sample_rate() != sample_rate)
        {
            match &self.kit_path {
                None => self.kit = Some(Kit::synth(sample_rate)),
                Some(p) => self.kit = Some(Kit::from_folder(p, sample_rate)?.0),
            }
        }
        let kit = self.kit.as_ref().expect("set above");
        render(&g.pattern, self.player.bpm(), kit, Tail::Wrap)
    }

    fn submit(&mut self, now: f64, job: Job) {
        let for_loop = job.brings_loop();
        if let Err(e) = self.worker.send(job, true) {
            self.out.push(Output::Error(e));
            return;
        }
        if for_loop {
            self.pending_loops += 1;
        }
        if self.blocking {
            while self.worker.pending() > 0 {
                match self.worker.recv(None) {
                    Some(r) => {
                        self.worker.answered();
                        self.take(r, now);
                    }
                    None => {
                        self.pending_loops = 0;
                        self.out.push(Output::Error(STOPPED.into()));
                    }
                }
            }
        }
    }

    fn poll(&mut self, now: f64) {
        while let Some(r) = self.worker.try_recv() {
            self.worker.answered();
            self.take(r, now);
        }
        self.desk.poll(&mut self.out);
    }

    /// `train`: the model that plays (else the bundled one) fine-tuned on a folder (else the
    /// dataset folder), by the desk.
    fn start_training(
        &mut self,
        _now: f64,
        folder: Option<&str>,
        name: Option<String>,
    ) -> Result<()> {
        // the model that plays, else (the rule-based drum machine plays) the bundled one
        let Some(base) = self.model_dir.clone().or_else(|| self.bundled.clone()) else {
            return Err(Error::invalid(
                "train: no model to start from (the rule-based drum machine cannot learn; load a model first)",
            ));
        };
        // (said before the folder: a patch's first 'train' learns where models go first)
        self.desk.need_library()?;
        let data = match folder {
            Some(f) => PathBuf::from(f),
            None => self.dataset.clone().ok_or_else(|| {
                Error::invalid(
                    "train: which loops? (send 'train FOLDER', or 'dataset FOLDER' first)",
                )
            })?,
        };
        self.desk.train(base, data, name)
    }

    /// A result from the worker, picked up at `now`.
    fn take(&mut self, r: Reply, now: f64) {
        match r {
            Reply::Loaded(name, dir) => {
                self.model_dir = dir;
                self.model_name = name.clone();
                self.info("loaded", vec![Atom::Symbol(name)]);
            }
            Reply::Failed(e, for_loop) => {
                if for_loop {
                    self.pending_loops = self.pending_loops.saturating_sub(1);
                }
                self.out.push(Output::Error(e));
            }
            Reply::Kit(kit, path) => {
                self.info("kit", vec![Atom::sym(kit.name())]);
                self.kit = Some(*kit);
                // Only a kit that loaded is remade at another rate: a refused folder is never
                // read again (nor, past its check, read at all).
                if self
                    .kit
                    .as_ref()
                    .is_some_and(|k| k.sample_rate() != self.host_rate)
                {
                    // The host's rate changed while it loaded: again, at the rate now.
                    self.submit(now, Job::Kit(path.clone(), self.host_rate));
                }
                self.kit_path = path;
            }
            Reply::Generated(mut g) => {
                self.hold_drums(&mut g.pattern);
                self.take_loop(g, now);
            }
            Reply::Recalled(g) => self.take_loop(g, now),
            Reply::ClipRead(read) => {
                let ClipRead {
                    rows,
                    bars,
                    notes,
                    not_kept,
                } = *read;
                for (v, row) in Voice::ALL.iter().zip(&rows) {
                    self.held.retain(|h| h.0 != *v);
                    if let Err(e) = self.request.set_score_row(v.name(), row) {
                        self.out.push(Output::Error(e.to_string()));
                    }
                }
                if let Some(why) = not_kept {
                    self.out.push(Output::Error(format!(
                        "clip: the first two bars are the score; not kept whole for infill: {why}"
                    )));
                }
                self.info(
                    "clip",
                    vec![Atom::Float(bars as f64), Atom::Float(notes as f64)],
                );
            }
            Reply::Infilled(added, bars) => {
                let mut args = vec![Atom::Float(added as f64)];
                args.extend(bars.iter().map(|b| Atom::Float(*b as f64 + 1.0)));
                self.info("infilled", args);
            }
            Reply::Wrote(path) => {
                self.info("wrote", vec![Atom::Symbol(path.display().to_string())]);
            }
            Reply::DatasetChecked(dir, checked) => {
                let line = vec![Atom::Symbol(dir.display().to_string())];
                let checked = checked.map(|()| line);
                settle_folder(&mut self.dataset, dir, checked, "dataset", &mut self.out);
            }
            Reply::Tagged(label, file) => {
                self.info("tagged", vec![Atom::Symbol(label), Atom::Symbol(file)]);
            }
            Reply::Lines(lines) => {
                for (sel, args) in lines {
                    self.info(&sel, args);
                }
            }
            Reply::Filled(mut g) => {
                self.pending_loops = self.pending_loops.saturating_sub(1);
                // a stop since the fill was asked: nothing to lead out of
                let Some(back) = self.current.as_ref().filter(|_| self.player.is_playing()) else {
                    return;
                };
                let back = back.pattern.clone();
                self.hold_drums(&mut g.pattern);
                self.set_loop(&g.pattern);
                self.after_fill = Some(back);
                self.info(
                    "ready",
                    vec![
                        Atom::sym(g.task.name()),
                        Atom::Float(g.request.seed() as f64),
                    ],
                );
            }
        }
    }

    /// A fill leads out of a playing loop: stopped (a stop, a transport or clock stopping),
    /// one queued or playing is dropped and the loop is the loop again, so the next start
    /// plays the loop, not the fill.
    fn drop_fill_when_stopped(&mut self) {
        if !self.player.is_playing() {
            if let Some(back) = self.after_fill.take() {
                self.set_loop(&back);
            }
        }
    }

    /// Hand the player a loop, and note what is heard now or from the next boundary.
    fn set_loop(&mut self, p: &crate::Pattern) {
        self.player.set_loop(p);
        if self.player.has_queued() {
            self.heard_next = Some(p.clone());
        } else {
            self.heard = Some(p.clone());
            self.heard_next = None;
        }
    }

    /// A new loop from the worker: it plays from the next loop boundary.
    fn take_loop(&mut self, g: Box<Generation>, now: f64) {
        self.pending_loops = self.pending_loops.saturating_sub(1);
        // a new loop takes over from a fill not yet played, or from the return after it
        self.after_fill = None;
        let was_playing_nothing = self.player.is_playing() && !self.player.has_loop();
        self.set_loop(&g.pattern);
        if was_playing_nothing {
            self.follow.start_loop(&mut self.player, now);
        }
        self.report_loop(&g);
        let rows = grid_rows(&g);
        if self.player.has_queued() {
            self.grid_next = Some(rows);
        } else {
            self.grid = rows;
            self.grid_next = None;
        }
        self.current = Some(*g);
        for v in std::mem::take(&mut self.wanted_keeps) {
            if let Err(e) = self.keep_from_current(v) {
                self.out.push(Output::Error(e.to_string()));
            }
        }
    }

    fn report_loop(&mut self, g: &Generation) {
        self.info(
            "ready",
            vec![
                Atom::sym(g.task.name()),
                Atom::Float(g.request.seed() as f64),
            ],
        );
        // the grid the offsets are against: 50 = straight
        let swing8 = f64::from(percent_from_feel(g.pattern.feel()));
        self.info("swing8", vec![Atom::Float(swing8)]);
        for v in Voice::ALL {
            let (mut vel, mut off) = (Vec::with_capacity(STEPS + 1), Vec::with_capacity(STEPS + 1));
            vel.push(Atom::sym(v.name()));
            off.push(Atom::sym(v.name()));
            for s in 0..STEPS {
                let h = g.pattern.get(s, v);
                vel.push(Atom::Float(h.map_or(0.0, |h| f64::from(h.velocity))));
                off.push(Atom::Float(h.map_or(0.0, |h| f64::from(h.offset))));
            }
            self.info("loop", vel);
            self.info("offset", off);
        }
        let r = &g.reading;
        for v in Voice::ALL {
            let mut row = vec![Atom::sym("score"), Atom::sym(v.name())];
            row.extend((0..STEPS).map(|s| Atom::Float(f64::from(r.score[s * 9 + v.index()]))));
            self.info("reading", row);
        }
        let groove = |i: usize, what: &str| {
            let mut row = vec![Atom::sym(what)];
            row.extend((0..STEPS).map(|s| Atom::Float(f64::from(r.groove[s * 3 + i]))));
            row
        };
        let (vel, off) = (groove(1, "velocity"), groove(2, "offset"));
        self.info("reading", vel);
        self.info("reading", off);
        let mut acc = vec![Atom::sym("accent")];
        acc.extend(r.accent.iter().map(|&a| Atom::Float(f64::from(a))));
        self.info("reading", acc);
    }

    fn info(&mut self, sel: &str, args: Vec<Atom>) {
        self.out.push(Output::Info(sel.to_string(), args));
    }

    fn seed(&mut self) -> u64 {
        match self.fixed_seed {
            Some(s) => s,
            None => {
                let s = self.next_seed;
                self.next_seed = s % MAX_AUTO_SEED + 1;
                s
            }
        }
    }

    /// The groove gesture now: the taps (swung if swing is set), else the swing gesture alone.
    fn groove_gesture(&self) -> Result<Option<Groove>> {
        let tapped = if self.taps.any {
            Some(Groove::from_steps(self.taps.steps.clone())?)
        } else {
            None
        };
        Ok(match (tapped, self.swing) {
            (Some(g), Some(o)) => Some(g.with_swing(o)?),
            (Some(g), None) => Some(g),
            (None, Some(o)) => Some(Groove::swing(STEPS, o, 0.7)?),
            (None, None) => None,
        })
    }

    /// Keep drum `v`'s steps of the current loop in the next loops (nothing without one).
    fn keep_from_current(&mut self, v: Voice) -> Result<()> {
        let Some(g) = self.current.as_ref() else {
            return Ok(());
        };
        let hits: Vec<Option<Hit>> = (0..STEPS).map(|s| g.pattern.get(s, v)).collect();
        let row: Vec<f32> = hits
            .iter()
            .map(|h| f32::from(u8::from(h.is_some())))
            .collect();
        self.request.set_score_row(v.name(), &row)?;
        self.hold(v, Some(hits));
        Ok(())
    }

    /// Hold drum `v` for the next loops: muted (`None`) or kept on these hits.
    fn hold(&mut self, v: Voice, kept: Option<Vec<Option<Hit>>>) {
        self.held.retain(|h| h.0 != v);
        self.held.push((v, kept));
    }

    /// What `mute` and `keep` promise, on a new loop however it was made (the model takes them
    /// as score rows where it can, but drumify and vary do not): a muted drum has no hits, a
    /// kept drum plays exactly on its kept steps (the new loop's own hit there where it has
    /// one, else the kept one).
    fn hold_drums(&self, pattern: &mut crate::pattern::Pattern) {
        for (v, kept) in &self.held {
            for s in 0..pattern.steps() {
                let hit = match kept {
                    None => None,
                    Some(hits) => hits
                        .get(s % hits.len().max(1))
                        .copied()
                        .flatten()
                        .map(|k| pattern.get(s, *v).unwrap_or(k)),
                };
                // The step and voice exist: the pattern was made with them.
                let _ = pattern.set(s, *v, hit);
            }
        }
    }

    fn ask(&mut self, now: f64, mut req: Request) {
        req.set_seed(self.seed());
        self.submit(now, Job::Generate(Box::new(req)));
    }

    /// The host's transport at `now`: follow it; when it starts with nothing to play, ask for
    /// a loop.
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        let out = &mut self.out;
        let followed =
            self.follow
                .transport(&mut self.player, now, (running, bpm, beats), &mut |p| {
                    push_played(out, p)
                })?;
        if followed == Followed::Started && !self.player.has_loop() && self.pending_loops == 0 {
            let mut req = self.request.clone();
            req.set_groove(self.groove_gesture()?)?;
            self.ask(now, req);
        }
        self.drop_fill_when_stopped();
        Ok(())
    }

    /// A drumify request for groove `g` with the gestures that go with one: accents,
    /// temperature, style.
    fn drumify_request(&self, g: Groove) -> Result<Request> {
        let mut req = Request::new();
        req.set_groove(Some(g))?;
        req.set_accent(self.request.accent().cloned())?;
        req.set_temperature(self.request.temperature())?;
        req.set_style(self.request.style())?;
        req.set_feel(self.request.feel())?;
        Ok(req)
    }

    /// `listen 0|1`.
    fn set_listen(&mut self, _now: f64, on: bool) {
        self.listen = on.then(|| Listen {
            heard: vec![None; STEPS],
            closes_at: None,
        });
    }

    /// Where the listening window open at position `pos` closes: a beat before the next
    /// boundary of the 2-bar loop (cycle 0 starts at 0).
    fn window_end(pos: f64) -> f64 {
        let steps = STEPS as f64;
        let k = ((pos + LISTEN_LEAD_STEPS) / steps).floor();
        (k + 1.0) * steps - LISTEN_LEAD_STEPS
    }

    /// Listening, at `now`: a window that has closed becomes a drumify request (the next loop,
    /// at the boundary), if anything was heard in it.
    fn listen_tick(&mut self, now: f64) {
        let playing = self.player.is_playing() && self.player.has_loop();
        let Some(l) = self.listen.as_mut() else {
            return;
        };
        if !playing {
            l.closes_at = None;
            return;
        }
        let pos = self.player.position_at(now);
        let Some(end) = l.closes_at else {
            l.closes_at = Some(Self::window_end(pos));
            return;
        };
        if pos + STEPS as f64 <= end {
            // the playhead went back (play from the top, a transport relocated)
            l.closes_at = Some(Self::window_end(pos));
            return;
        }
        if pos < end {
            return;
        }
        // closed (a transport that jumped far ahead: the window from here)
        l.closes_at = Some(Self::window_end(pos));
        let heard = std::mem::replace(&mut l.heard, vec![None; STEPS]);
        let n = heard.iter().filter(|h| h.is_some()).count();
        if n == 0 {
            return;
        }
        self.info("heard", vec![Atom::Float(n as f64)]);
        let req = Groove::from_steps(heard).and_then(|g| self.drumify_request(g));
        match req {
            Ok(req) => self.ask(now, req),
            Err(e) => self.out.push(Output::Error(format!("listen: {e}"))),
        }
    }

    /// When the listening window closes (ms), while one is open.
    fn listen_wake(&self) -> Option<f64> {
        let end = self.listen.as_ref()?.closes_at?;
        self.player.is_playing().then(|| self.player.time_at(end))
    }

    fn tap(&mut self, now: f64, velocity: f32) -> Result<()> {
        let steps = STEPS as f64;
        let pos = if self.player.is_playing() && self.player.has_loop() {
            self.player.position_at(now)
        } else {
            // A new tap phrase after a pause of a whole loop: its first tap is step 0.
            let ms_step = self.player.cycle_ms() / steps;
            if !self.taps.any || now - self.taps.last_ms > self.player.cycle_ms() {
                self.taps.origin_ms = now;
                if !self.taps.any {
                    self.taps.steps = vec![None; STEPS];
                }
            }
            (now - self.taps.origin_ms) / ms_step
        };
        // the step of the grid the next loops play on (swung by swing8), and the time from it
        let (nearest, offset) = crate::pattern::swung_step(pos, self.request.feel());
        let offset = offset as f32;
        let step = (nearest.rem_euclid(steps)) as usize;
        let hit = Hit::new(
            velocity.clamp(0.0, 1.0).max(1.0 / 127.0),
            offset.clamp(-0.5, 0.5),
        )?;
        self.taps.steps[step] = Some(hit);
        self.taps.any = true;
        if let Some(l) = self.listen.as_mut().filter(|_| self.player.is_playing()) {
            l.heard[step] = Some(hit);
        }
        self.taps.last_ms = now;
        self.info(
            "tapped",
            vec![Atom::Float(step as f64), Atom::Float(f64::from(offset))],
        );
        Ok(())
    }

    fn dump(&mut self, now: f64) {
        let p = &self.player;
        let mut lines: Vec<Vec<Atom>> = vec![
            vec![Atom::sym("model"), Atom::Symbol(self.model_name.clone())],
            vec![Atom::sym("tempo"), Atom::Float(p.bpm())],
            vec![Atom::sym("gate"), Atom::Float(p.gate_ms())],
            vec![
                Atom::sym("temperature"),
                Atom::Float(f64::from(self.request.temperature())),
            ],
            vec![
                Atom::sym("seed"),
                match self.fixed_seed {
                    Some(s) => Atom::Float(s as f64),
                    None => Atom::sym("auto"),
                },
            ],
            vec![
                Atom::sym("playing"),
                Atom::Float(f64::from(u8::from(p.is_playing()))),
            ],
            vec![
                Atom::sym("queued"),
                Atom::Float(f64::from(u8::from(p.has_queued()))),
            ],
            vec![
                Atom::sym("pending"),
                Atom::Float(self.worker.pending() as f64),
            ],
            vec![
                Atom::sym("blocking"),
                Atom::Float(f64::from(u8::from(self.blocking))),
            ],
            vec![
                Atom::sym("sync"),
                Atom::Float(f64::from(u8::from(self.follow.sync))),
                Atom::Float(f64::from(u8::from(self.follow.following()))),
            ],
        ];
        if p.is_playing() {
            let pos = p.position_at(now);
            lines.push(vec![Atom::sym("cycle"), Atom::Float(p.cycle() as f64)]);
            lines.push(vec![
                Atom::sym("step"),
                Atom::Float((pos.rem_euclid(STEPS as f64) * 1000.0).round() / 1000.0),
            ]);
        }
        let mut given = vec![Atom::sym("gestures")];
        for v in Voice::ALL {
            if self.request.scores().row(v).is_some() {
                given.push(Atom::sym(v.name()));
            }
        }
        if self.taps.any {
            given.push(Atom::sym("tap"));
        }
        if self.swing.is_some() {
            given.push(Atom::sym("swing"));
        }
        if self.request.feel() != 0.0 {
            given.push(Atom::sym("swing8"));
        }
        if self.request.accent().is_some() {
            given.push(Atom::sym("accent"));
        }
        if let Some(style) = self.request.style() {
            given.push(Atom::sym("style"));
            given.push(Atom::sym(style));
        }
        lines.push(given);
        for l in lines {
            self.info("status", l);
        }
    }
}

impl Object for GrooveObject {
    fn decl(&self) -> &'static ObjectDecl {
        &GROOVE
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        if self.test_hooks && selector == "_panic" {
            if args.first() == Some(&Atom::sym("worker")) {
                self.submit(now, Job::Panic);
                return Ok(());
            }
            panic!("forced internal error (test hook)");
        }
        let r = self.run_message(now, selector, args);
        self.drop_fill_when_stopped();
        r
    }
    fn tick(&mut self, now: f64) {
        self.poll(now);
        self.drop_fill_when_stopped();
        if let Some(e) = self.follow.clock.stalled(now, self.follow.own_bpm) {
            self.out.push(Output::Error(e));
        }
        self.listen_tick(now);
        let out = &mut self.out;
        self.player.advance(now, &mut |p| push_played(out, p));
        if !self.player.has_queued() {
            // the queued loop plays now (or was dropped: a stop, a new start)
            if let Some(rows) = self.grid_next.take() {
                self.grid = rows;
            }
            if let Some(p) = self.heard_next.take() {
                self.heard = Some(p);
            }
            // a fill plays now (or was dropped): the loop comes back at the next boundary
            if let Some(back) = self.after_fill.take() {
                self.set_loop(&back);
            }
        }
    }
    fn wake_at(&self, now: f64) -> Option<f64> {
        let poll = (self.pending() > 0).then_some(now + POLL_MS);
        [self.player.next_time(), poll, self.listen_wake()]
            .into_iter()
            .flatten()
            .reduce(f64::min)
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        self.drain(f)
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    fn set_home(&mut self, dir: &Path) {
        self.home = Some(dir.to_path_buf());
    }
    fn set_sample_rate(&mut self, sample_rate: u32) {
        GrooveObject::set_sample_rate(self, sample_rate)
    }
    fn render(&mut self, sample_rate: u32) -> Result<Audio> {
        GrooveObject::render(self, sample_rate)
    }
    fn is_playing(&self) -> bool {
        self.player.is_playing() && (self.player.has_loop() || self.pending_loops > 0)
    }
    fn join(&mut self, now: f64, steps: f64) {
        self.follow.join(&mut self.player, now, steps);
    }
    fn follows_transport(&self) -> bool {
        self.follow.sync
    }
    fn transport(&mut self, now: f64, running: bool, bpm: f64, beats: f64) -> Result<()> {
        GrooveObject::transport(self, now, running, bpm.clamp(BPM_MIN, BPM_MAX), beats)
    }
    fn beat_clock(&self, now: f64) -> Option<(f64, f64)> {
        let p = &self.player;
        (p.is_playing() && p.has_loop()).then(|| {
            (
                p.position_at(now),
                60_000.0 / p.bpm() / crate::pattern::STEPS_PER_BEAT as f64,
            )
        })
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn scene(&self) -> Option<ScenePart> {
        Some(ScenePart {
            messages: self.gesture_messages(),
            state: Some(serde_json::to_value(self.scene_state()).expect("plain data")),
            playing: self.player.is_playing(),
        })
    }
    fn check_state(&self, state: &Json) -> Result<()> {
        Recalled::parse(state).map(|_| ())
    }
    fn state_paths(&self, state: &Json) -> Vec<String> {
        Recalled::parse(state).map_or_else(
            |_| Vec::new(),
            |r| {
                [r.model, r.kit]
                    .into_iter()
                    .flatten()
                    .map(|p| p.display().to_string())
                    .collect()
            },
        )
    }
    fn recall_state(&mut self, now: f64, state: &Json) -> Result<()> {
        let r = Recalled::parse(state)?;
        self.recall(now, r)
    }
    fn display(&self) -> Vec<(&'static str, String)> {
        let p = &self.player;
        let mut t = format!(
            "{} · {} BPM · {}",
            if p.is_playing() { "playing" } else { "stopped" },
            (p.bpm() * 10.0).round() / 10.0,
            self.model_name
        );
        if let Some(g) = &self.current {
            t.push_str(&format!(" · {} #{}", g.task.name(), g.request.seed()));
        }
        if p.has_queued() {
            t.push_str(" · next loop queued");
        }
        if let Some(tr) = self.desk.status() {
            t.push_str(&format!(" · {tr}"));
        }
        let mut v = vec![("status", t)];
        v.extend(self.grid.iter().cloned());
        v
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
        let mut v = Vec::with_capacity(STEPS_PER_BAR + 2 * VOICE_NAMES.len() + 1);
        let swing = self.swing.map_or(50.0, swing_percent_from_offset);
        v.push((
            "swing",
            vec![Atom::Float((f64::from(swing) * 100.0).round() / 100.0)],
        ));
        let swing8 = percent_from_feel(self.request.feel());
        v.push((
            "swing8",
            vec![Atom::Float((f64::from(swing8) * 100.0).round() / 100.0)],
        ));
        // The tempo in force, a host transport's while one is followed.
        v.push(("tempo", vec![Atom::Float(self.player.bpm())]));
        let accents = self.request.accent().map(|a| a.as_slice().to_vec());
        for step in 0..STEPS_PER_BAR {
            let on = accents.as_ref().is_some_and(|a| a[step]);
            v.push((
                "accent_step",
                vec![
                    Atom::Float(step as f64 + 1.0),
                    Atom::Float(f64::from(u8::from(on))),
                ],
            ));
        }
        for (k, name) in VOICE_NAMES.iter().enumerate() {
            let held = self.held.iter().find(|h| h.0.index() == k);
            let muted = held.is_some_and(|h| h.1.is_none());
            let kept = held.is_some_and(|h| h.1.is_some());
            v.push((
                "mute",
                vec![Atom::sym(name), Atom::Float(f64::from(u8::from(muted)))],
            ));
            v.push((
                "keep",
                vec![Atom::sym(name), Atom::Float(f64::from(u8::from(kept)))],
            ));
        }
        v
    }
}

/// What a groove's scene keeps that its messages cannot say.
#[derive(Serialize, Deserialize)]
struct SceneState {
    /// The model folder; `None`: the rule-based drum machine.
    model: Option<PathBuf>,
    /// The kit folder; `None`: the built-in synthesized kit.
    kit: Option<PathBuf>,
    /// The loop that played, exactly.
    #[serde(rename = "loop")]
    current: Option<SceneLoop>,
    /// Drums muted (`hits` none) or kept on these hits (`[velocity, offset]` or none per step).
    held: Vec<SceneHeld>,
    /// Drums to keep from the first loop.
    wanted_keeps: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct SceneLoop {
    task: String,
    seed: u64,
    /// `32 x 9`, step-major: 1 = a hit; its velocity; its offset.
    hits: Vec<f32>,
    velocities: Vec<f32>,
    offsets: Vec<f32>,
    /// Its 8th-note feel (steps the off-beat 8ths are late; 0 = straight).
    #[serde(default)]
    feel: f32,
    /// Where in latent space it came from (empty: the rule-based drum machine).
    latent: Vec<f32>,
    /// The model's reading of the gestures: score (`32 x 9`), groove (`32 x 3`), accent (`32`).
    reading: [Vec<f32>; 3],
}

#[derive(Serialize, Deserialize)]
struct SceneHeld {
    voice: String,
    hits: Option<Vec<Option<[f32; 2]>>>,
}

/// The longest latent a scene may bring.
const MAX_SCENE_LATENT: usize = 4096;

/// A scene's state, checked: everything it says, typed.
struct Recalled {
    model: Option<PathBuf>,
    kit: Option<PathBuf>,
    current: Option<(
        crate::pattern::Pattern,
        crate::groove::Task,
        u64,
        Vec<f32>,
        Reading,
    )>,
    held: Vec<(Voice, Option<Vec<Option<Hit>>>)>,
    wanted_keeps: Vec<Voice>,
}

impl Recalled {
    fn parse(state: &Json) -> Result<Recalled> {
        let bad = |e: &dyn std::fmt::Display| Error::invalid(format!("the groove's scene: {e}"));
        let s: SceneState = serde_json::from_value(state.clone()).map_err(|e| bad(&e))?;
        let current = match s.current {
            None => None,
            Some(l) => {
                let task = crate::groove::Task::parse(&l.task)
                    .ok_or_else(|| bad(&format!("no task '{}'", l.task)))?;
                let mut pattern = crate::pattern::Pattern::from_matrices(
                    STEPS,
                    &l.hits,
                    &l.velocities,
                    &l.offsets,
                )
                .map_err(|e| bad(&e))?;
                pattern.set_feel(l.feel).map_err(|e| bad(&e))?;
                let [score, groove, accent] = l.reading;
                for (name, v, n) in [
                    ("reading score", &score, STEPS * VOICE_NAMES.len()),
                    ("reading groove", &groove, STEPS * 3),
                    ("reading accent", &accent, STEPS),
                ] {
                    if v.len() != n || v.iter().any(|x| !x.is_finite()) {
                        return Err(bad(&format!("{name} must be {n} numbers")));
                    }
                }
                if l.latent.len() > MAX_SCENE_LATENT || l.latent.iter().any(|x| !x.is_finite()) {
                    return Err(bad(&"the latent must be at most 4096 numbers"));
                }
                let reading = Reading {
                    score,
                    groove,
                    accent,
                };
                Some((pattern, task, l.seed, l.latent, reading))
            }
        };
        let mut held = Vec::new();
        for h in s.held {
            let v = Voice::parse(&h.voice).map_err(|e| bad(&e))?;
            let hits = match h.hits {
                None => None,
                Some(hits) if hits.len() == STEPS => Some(
                    hits.iter()
                        .map(|h| h.map(|[vel, off]| Hit::new(vel, off)).transpose())
                        .collect::<Result<Vec<_>>>()
                        .map_err(|e| bad(&e))?,
                ),
                Some(_) => return Err(bad(&format!("a kept drum has {STEPS} steps"))),
            };
            held.push((v, hits));
        }
        let wanted_keeps = s
            .wanted_keeps
            .iter()
            .map(|v| Voice::parse(v))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| bad(&e))?;
        Ok(Recalled {
            model: s.model,
            kit: s.kit,
            current,
            held,
            wanted_keeps,
        })
    }
}

impl GrooveObject {
    /// The gestures as the messages that give them again, after `clear all`.
    fn gesture_messages(&self) -> Vec<SceneMessage> {
        let f = |x: f32| Atom::Float(f64::from(x));
        let mut m = attribute_messages(self);
        m.push(message(
            "seed",
            self.fixed_seed
                .map(|s| Atom::Float(s as f64))
                .into_iter()
                .collect(),
        ));
        m.push(message("clear", vec![Atom::sym("all")]));
        for v in Voice::ALL {
            if let Some(row) = self.request.scores().row(v) {
                let mut args = vec![Atom::sym(v.name())];
                args.extend(row.iter().map(|&on| Atom::Float(f64::from(u8::from(on)))));
                m.push(message("score", args));
            }
        }
        if self.taps.any {
            let steps = &self.taps.steps;
            let mut args: Vec<Atom> = steps
                .iter()
                .map(|h| f(h.map_or(0.0, |h| h.velocity)))
                .collect();
            args.extend(steps.iter().map(|h| f(h.map_or(0.0, |h| h.offset))));
            m.push(message("groove", args));
        }
        if let Some(o) = self.swing {
            m.push(message("swing", vec![f(swing_percent_from_offset(o))]));
        }
        if self.request.feel() != 0.0 {
            m.push(message(
                "swing8",
                vec![f(percent_from_feel(self.request.feel()))],
            ));
        }
        if let Some(a) = self.request.accent() {
            let flags = a
                .as_slice()
                .iter()
                .map(|&on| Atom::Float(f64::from(u8::from(on))));
            m.push(message("accent", flags.collect()));
        }
        if let Some(style) = self.request.style() {
            m.push(message("style", vec![Atom::sym(style)]));
        }
        m
    }

    fn scene_state(&self) -> SceneState {
        let current = self.current.as_ref().map(|g| {
            let (hits, velocities, offsets) = g.pattern.to_matrices();
            let r = &g.reading;
            SceneLoop {
                task: g.task.name().into(),
                seed: g.request.seed(),
                hits,
                velocities,
                offsets,
                feel: g.pattern.feel(),
                latent: g.latent.clone(),
                reading: [r.score.clone(), r.groove.clone(), r.accent.clone()],
            }
        });
        let held = self
            .held
            .iter()
            .map(|(v, hits)| SceneHeld {
                voice: v.name().into(),
                hits: hits.as_ref().map(|h| {
                    h.iter()
                        .map(|h| h.map(|h| [h.velocity, h.offset]))
                        .collect()
                }),
            })
            .collect();
        SceneState {
            model: self
                .model_dir
                .clone()
                .filter(|_| self.model_name != RuleDrummer::new().name()),
            kit: self.kit_path.clone(),
            current,
            held,
            wanted_keeps: self.wanted_keeps.iter().map(|v| v.name().into()).collect(),
        }
    }

    /// Recall a checked scene state: the model and kit if they differ, the drums held, and the
    /// loop (through the worker, after a model it loads: it switches at the loop boundary).
    fn recall(&mut self, now: f64, r: Recalled) -> Result<()> {
        let rules = self.model_name == RuleDrummer::new().name();
        match r.model {
            None if !rules => self.submit(now, Job::Rules),
            Some(dir) if rules || self.model_dir.as_ref() != Some(&dir) => {
                self.submit(now, Job::Load(dir, None));
            }
            _ => {}
        }
        if r.kit != self.kit_path {
            self.submit(now, Job::Kit(r.kit, self.host_rate));
        }
        self.held = r.held;
        self.wanted_keeps = r.wanted_keeps;
        if let Some((pattern, task, seed, latent, reading)) = r.current {
            let mut request = self.request.clone();
            request.set_groove(self.groove_gesture()?)?;
            request.set_seed(seed);
            request.set_feel(pattern.feel())?;
            let (hit_probabilities, velocities, offsets) = pattern.to_matrices();
            let g = Generation {
                pattern,
                hit_probabilities,
                velocities,
                likely_offsets: offsets.clone(),
                offsets,
                reading,
                latent,
                request,
                task,
            };
            // stopped, `play` starts the recalled loop, not the one before it
            self.player.clear_loop();
            self.submit(now, Job::Restore(Box::new(g)));
        }
        Ok(())
    }
}

fn push_played(out: &mut Vec<Output>, p: Played) {
    out.push(match p {
        Played::Note {
            at_ms,
            note,
            velocity,
            channel,
        } => Output::Note {
            at_ms,
            note,
            velocity,
            channel,
        },
        Played::Cycle {
            cycle, switched, ..
        } => Output::Event(
            "cycle".into(),
            vec![
                Atom::Float(cycle as f64),
                Atom::Float(f64::from(u8::from(switched))),
            ],
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_voice_names_are_the_voices() {
        let names: Vec<&str> = Voice::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(VOICE_NAMES, names.as_slice());
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    #[test]
    fn the_grid_keys_follow_the_drums_and_rows_read_as_steps() {
        for (k, v) in GRID_KEYS.iter().zip(VOICE_NAMES) {
            assert_eq!(*k, format!("grid/{v}"));
        }
        let row = (0..32).map(|s| match s % 8 {
            0 => 0.9,
            4 => 0.5,
            2 => 0.2,
            _ => 0.0,
        });
        assert_eq!(grid_text(row), "X-.- x--- X-.- x--- | X-.- x--- X-.- x---");
    }
}
