//! The OSC address space, made from the declarations: `/bandmate/groove/<message>` for every
//! message of [`GROOVE`] and `/bandmate/looper/<message>` for every message of [`LOOPER`] (the
//! same tables as the Pd and Max objects), and the daemon's own
//! messages, declared here in the same way: [`BRIDGE`] (`/bandmate/<message>`), [`FRAG`]
//! (`/bandmate/frag/<message>`) and [`PAD`] (`/bandmate/pad/<message>`). The reference
//! (`docs/osc.md`) is [`markdown`], so docs and code cannot drift.
//!
//! Path segments after the message name are leading arguments: `/bandmate/frag/trigger/2` is
//! `/bandmate/frag/trigger 2`, `/bandmate/pad/mute/kick 1` is `/bandmate/pad/mute kick 1`. A
//! controller then needs one address per control and one value.

use bandmate_core::objects::decl::{
    arg, msg, opt, out, usage, Arg, Kind, MessageDecl, ObjectDecl, EMPTY,
};
use bandmate_core::objects::{atoms, Atom, GROOVE, LOOPER};
use rosc::OscType;

/// The protocol version `/bandmate/version` answers. It changes when an address or its
/// arguments change in a way an existing client would notice.
pub const PROTOCOL_VERSION: i32 = 1;

/// The prefix of every address.
pub const PREFIX: &str = "/bandmate";

/// The default UDP and TCP port: TouchOSC's default send port, so a tablet needs only the
/// laptop's address.
pub const DEFAULT_PORT: u16 = 8000;

/// The drum names, as `bandmate.groove`'s `score` declares them.
pub const VOICE_NAMES: &[&str] = match GROOVE.messages[0].args[0].kind {
    Kind::Choice(words) => words,
    _ => &[],
};

const SLOT: Kind = Kind::Int { min: 1, max: 99 };
const ON: Kind = Kind::Int { min: 0, max: 1 };

/// The daemon itself: `/bandmate/<message>`.
pub const BRIDGE: ObjectDecl = ObjectDecl {
    name: "bandmated",
    osc: "",
    doc: "The daemon: who hears the notes and replies, what it is doing, which protocol it speaks.",
    creation: &[],
    messages: &[
        msg(
            "subscribe",
            &[
                opt("port", Kind::Int { min: 1, max: 65535 }, "UDP port to send to; none = the port this message came from (or this TCP connection)"),
                opt("host", Kind::Symbol, "IP address to send to (or 'localhost'); none = the sender's address"),
            ],
            "Receive every note, loop, fragment, reply and error from now on (at most 16 subscribers).",
            "9000",
        ),
        msg(
            "unsubscribe",
            &[
                opt("port", Kind::Int { min: 1, max: 65535 }, "as for subscribe"),
                opt("host", Kind::Symbol, "as for subscribe"),
            ],
            "Stop receiving.",
            "9000",
        ),
        msg(
            "status",
            &[],
            "Report the model, tempo, gestures, what is playing and queued (as /bandmate/groove/status), then the daemon's own state (as /bandmate/status), ending with '/bandmate/status done'.",
            "",
        ),
        msg("version", &[], "The protocol version and the daemon's version.", ""),
    ],
    outlets: &[
        out("/bandmate/error ADDRESS TEXT", "a request was refused (ADDRESS is the one it came to, \"\" for a packet that could not be read); state is as it was"),
        out("/bandmate/subscribe PORT HOST", "reply to subscribe: who now receives"),
        out("/bandmate/unsubscribe PORT HOST", "reply to unsubscribe"),
        out("/bandmate/status KEY VALUES...", "one line of the daemon's state per key: version, lookahead, subscribers, slots, slot, counters, 'looper SEGMENTS PLAYING QUEUED' (the corpus's size, the segment playing and the one queued, 0 for none), then 'midi PORT CHANNEL SENT ERRORS FIRST_ERROR' (PORT \"\" without --midi-port); 'done' last"),
        out("/bandmate/version PROTOCOL DAEMON", "reply to version: int protocol version, the daemon's version string"),
        out("/bandmate/display/status TEXT", "one line for a status label: playing or stopped, tempo, model, the last loop (sent when it changes)"),
        out("/bandmate/display/error TEXT", "the last error as one line, for a label"),
        out("/bandmate/display/slot/N TEXT", "what slot N holds, for a label"),
        out("/bandmate/display/looper/playing TEXT", "what the looper plays, for a label: 'N: NAME (BEATS beats)' from its last /bandmate/looper/playing line while it plays ('3: 18_hiphop_100_beat_4-4.mid:2 (8 beats)'), else 'stopped · ...' or 'no corpus' (sent when it changes; a new subscriber gets it at once)"),
        out("/bandmate/display/looper/queued TEXT", "what the looper plays next, for a label: 'N: NAME (distance D)' or 'N: NAME (repeat)' from its last /bandmate/looper/queued line, 'hold: this one repeats', 'choosing…' while the worker chooses, '-' for nothing (sent when it changes; a new subscriber gets it at once)"),
    ],
    ..EMPTY
};

/// The fragment bank: `/bandmate/frag/<message>`.
pub const FRAG: ObjectDecl = ObjectDecl {
    name: "bandmated fragments",
    osc: "frag",
    doc: "The fragment bank on disk: Fragment01.wav .. FragmentNN.wav, the oldest overwritten. \
          The daemon plays no audio: trigger, loop and stop tell the subscribers (a Max \
          buffer~ / Pd soundfiler that reads the path, a sampler) what to play.",
    creation: &[],
    messages: &[
        msg(
            "render",
            &[opt("name", Kind::Symbol, "a label for the fragment; none = 'fragment'")],
            "Render the current loop (the groove's kit, the daemon's sample rate) into the next slot.",
            "drums",
        ),
        msg(
            "import",
            &[arg("path", Kind::Symbol, "a WAV file inside the folders the daemon may read (--path)")],
            "Import a generated WAV file (any rate, mono or stereo) into the next slot: resampled to the daemon's rate, silences trimmed, fitted to the tempo grid (quantize), loudness matched (normalize); answered with /bandmate/frag/prepared and /bandmate/frag/slot.",
            "fragments/Fragment01.wav",
        ),
        msg(
            "watch",
            &[opt("path", Kind::Symbol, "a folder inside --path; none = stop watching")],
            "Import every new WAV file written into a folder (once it has stopped growing; files already there are left alone).",
            "incoming",
        ),
        msg(
            "stretch",
            &[
                arg("slot", SLOT, "slot number"),
                arg("factor", Kind::Float { min: 1.0, max: 4.0 }, "1 = as imported, 2 = half-time, 4 = quarter-time"),
                opt("mode", Kind::Choice(&["keep", "tape"]), "keep = keep the pitch (default; writes FragmentNN-xF.wav), tape = play slower and lower"),
            ],
            "Half-time / quarter-time of slot N: answered with /bandmate/frag/stretched N FACTOR MODE PATH (tape: play PATH at rate 1/FACTOR).",
            "1 2 keep",
        ),
        msg(
            "quantize",
            &[arg("mode", Kind::Choice(&["off", "stretch", "warp"]), "off, stretch (the whole fragment to the tempo) or warp (every beat onto the grid)")],
            "How imported fragments are fitted to the tempo grid (cut to whole bars, seamless loop point; left as they are when the tempo is unsure).",
            "warp",
        ),
        msg(
            "tempo",
            &[arg("bpm", Kind::Float { min: 20.0, max: 400.0 }, "the set's tempo")],
            "The tempo imported fragments are fitted to.",
            "120",
        ),
        msg(
            "trim",
            &[
                arg("on", ON, "1 = remove silences (default), 0 = keep them"),
                opt("threshold", Kind::Float { min: -96.0, max: -10.0 }, "dBFS (default -50)"),
                opt("gap", Kind::Float { min: 10.0, max: 10_000.0 }, "shortest inner silence removed, ms (default 1000)"),
            ],
            "Silence trimming of imported fragments.",
            "1 -50 1000",
        ),
        msg(
            "normalize",
            &[arg("lufs", Kind::Float { min: -60.0, max: 0.0 }, "target loudness; 0 = off (default)")],
            "Bring imported fragments to one loudness.",
            "-16",
        ),
        msg("trigger", &[arg("slot", SLOT, "slot number")], "Tell subscribers to play slot N once.", "1"),
        msg(
            "loop",
            &[arg("slot", SLOT, "slot number"), arg("on", ON, "1 = loop it, 0 = stop looping it")],
            "Tell subscribers to loop slot N (or stop looping it).",
            "1 1",
        ),
        msg("stop", &[opt("slot", SLOT, "none = every slot")], "Tell subscribers to stop slot N (or all).", "1"),
        msg("list", &[], "Report every slot: /bandmate/frag/slot N PATH LABEL (PATH \"\" when empty).", ""),
    ],
    outlets: &[
        out("/bandmate/frag/slot N PATH LABEL", "slot N now holds the WAV file at PATH (absolute), written whole"),
        out("/bandmate/frag/prepared N SUMMARY", "what an import did to the fragment now in slot N: 'resampled 44100 -> 48000 Hz, trimmed 1.5 s, 117.0 BPM (confidence 0.98), warped to 120 BPM, 4 bars, 8.00 s'"),
        out("/bandmate/frag/stretched N FACTOR MODE PATH", "slot N at half-time (FACTOR 2) or quarter-time (4): MODE keep = play PATH (pitch kept) at rate 1; tape = play PATH at rate 1/FACTOR"),
        out("/bandmate/frag/watching [PATH]", "the folder watched for new fragments (none: not watching)"),
        out("/bandmate/frag/trigger N PATH", "play slot N once"),
        out("/bandmate/frag/loop N ON PATH", "loop slot N (ON 1) or stop looping it (ON 0)"),
        out("/bandmate/frag/stop [N]", "stop slot N, or every slot"),
    ],
    ..EMPTY
};

/// Controller helpers, one control and one value each: `/bandmate/pad/<message>`.
pub const PAD: ObjectDecl = ObjectDecl {
    name: "bandmated pad",
    osc: "pad",
    doc: "Helpers for controllers that send one value per control (TouchOSC toggles, hardware \
          buttons). Each turns into a bandmate.groove message.",
    creation: &[],
    messages: &[
        msg(
            "accent",
            &[arg("step", Kind::Int { min: 1, max: 16 }, "step of the bar, 1..16"), arg("on", ON, "1 = accented")],
            "Accent one step (the 16 steps repeat over both bars): /bandmate/groove/accent_step STEP ON.",
            "5 1",
        ),
        msg(
            "mute",
            &[arg("voice", Kind::Choice(VOICE_NAMES), "the drum"), arg("on", ON, "1 = none of this drum, 0 = free again")],
            "Mute a drum in the next loops: /bandmate/groove/mute VOICE ON.",
            "crash 1",
        ),
        msg(
            "keep",
            &[arg("voice", Kind::Choice(VOICE_NAMES), "the drum"), arg("on", ON, "1 = keep its steps, 0 = free again")],
            "Keep a drum's steps from the current loop in the next loops: /bandmate/groove/keep VOICE ON.",
            "kick 1",
        ),
    ],
    outlets: &[],
    ..EMPTY
};

/// Every object of the address space, the playing objects first.
pub const OBJECTS: [&ObjectDecl; 5] = [&GROOVE, &LOOPER, &BRIDGE, &FRAG, &PAD];

/// What the daemon sends for `/bandmate/looper/...` (the looper's outlets, as addresses).
pub const LOOPER_REPLIES: &[(&str, &str)] = &[
    ("/bandmate/looper/note KEY VELOCITY CHANNEL", "a note of the segment playing, in a bundle time-tagged with its exact time: int32 MIDI key, velocity (0 = the note-off, at the note's own end) and channel 1..16 (the channel of the MIDI file it came from: 10 for drums)"),
    ("/bandmate/looper/playing N NAME BEATS", "segment N (from 1; NAME is FILE:PART) started playing, BEATS long; sent whenever it changes, to the subscribers and to whoever last sent corpus, seed, play, next, hold or transport"),
    ("/bandmate/looper/queued N NAME DISTANCE REPEAT", "segment N plays next (DISTANCE from the one playing, REPEAT 1 when it is the same one again); '/bandmate/looper/queued hold' while held; sent whenever it changes, as playing"),
    ("/bandmate/looper/corpus SEGMENTS FILES EMBEDDER", "the corpus is loaded (after /bandmate/looper/corpus): how many segments from how many files, embedded by 'groove' (the model's encoder, for drums) or 'handcrafted' (any other MIDI)"),
    ("/bandmate/looper/loading PATH", "reply to corpus: the folder (absolute) is being read; /bandmate/looper/corpus follows when it is ready"),
    ("/bandmate/looper/skipped FILE REASON", "a file of the corpus folder that gave no segment, and why"),
    ("/bandmate/looper/seeded N NAME DISTANCE", "reply to seed: the segment nearest to what was played"),
    ("/bandmate/looper/status KEY VALUES...", "reply to dump: corpus, tempo, the controls, hold, playing, sync, live, pending (then the playing and queued lines)"),
    ("/bandmate/looper/heard KEY VELOCITY CHANNEL", "reply to note: the live note was taken, at the time its packet arrived (int32s; CHANNEL 1 when none was given)"),
];

/// The address of message `m` of `obj`.
pub fn address(obj: &ObjectDecl, m: &str) -> String {
    if obj.osc.is_empty() {
        format!("{PREFIX}/{m}")
    } else {
        format!("{PREFIX}/{}/{m}", obj.osc)
    }
}

/// Every address the daemon answers, in the order of the docs.
pub fn addresses() -> Vec<String> {
    OBJECTS
        .iter()
        .flat_map(|o| o.messages.iter().map(move |m| address(o, m.name)))
        .collect()
}

/// Where an address goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub obj: &'static ObjectDecl,
    pub selector: String,
    /// Arguments taken from path segments after the message name.
    pub lead: Vec<Atom>,
}

/// Find the object and message of an address (`test_hooks`: `/bandmate/groove/_panic` passes).
pub fn route(addr: &str, test_hooks: bool) -> Result<Route, String> {
    let Some(rest) = addr.strip_prefix("/bandmate/") else {
        return Err(format!(
            "unknown address '{addr}': every address starts with /bandmate/ (see docs/osc.md)"
        ));
    };
    if addr.contains(['*', '?', '[', ']', '{', '}']) {
        return Err(format!(
            "address patterns are not supported ('{addr}'): send to one exact address"
        ));
    }
    let segs: Vec<&str> = rest.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(format!("address '{addr}' has an empty part"));
    }
    let (obj, sel, lead): (&'static ObjectDecl, &str, &[&str]) = match OBJECTS
        .iter()
        .find(|o| !o.osc.is_empty() && o.osc == segs[0])
    {
        Some(o) => {
            let Some(sel) = segs.get(1) else {
                return Err(format!(
                    "address '{addr}' names no message (e.g. {})",
                    address(o, o.messages[0].name)
                ));
            };
            (o, sel, &segs[2..])
        }
        None => (&BRIDGE, segs[0], &segs[1..]),
    };
    let hook = test_hooks && obj.osc == GROOVE.osc && sel == "_panic";
    if obj.message(sel).is_none() && !hook {
        let known: Vec<String> = obj.messages.iter().map(|m| address(obj, m.name)).collect();
        let more = if obj.osc.is_empty() {
            " and /bandmate/groove/..., /bandmate/looper/..., /bandmate/frag/..., /bandmate/pad/..."
        } else {
            ""
        };
        return Err(format!(
            "unknown address '{addr}' (addresses here: {}{more})",
            known.join(", ")
        ));
    }
    Ok(Route {
        obj,
        selector: sel.to_string(),
        lead: lead.iter().flat_map(|s| atoms(s)).collect(),
    })
}

/// OSC arguments as atoms: int, float, double, long and true/false are numbers; string and
/// symbol are symbols. Anything else is an error naming it.
pub fn to_atoms(args: &[OscType]) -> Result<Vec<Atom>, String> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(match a {
                OscType::Int(x) => Atom::Float(f64::from(*x)),
                OscType::Float(x) => Atom::Float(f64::from(*x)),
                OscType::Double(x) => Atom::Float(*x),
                OscType::Long(x) => Atom::Float(*x as f64),
                OscType::Bool(b) => Atom::Float(f64::from(u8::from(*b))),
                OscType::String(s) => Atom::Symbol(s.clone()),
                OscType::Char(c) => Atom::Symbol(c.to_string()),
                other => {
                    return Err(format!(
                        "argument {} is {}: only int, float, double, string, symbol and true/false \
                         are understood",
                        i + 1,
                        type_name(other)
                    ))
                }
            })
        })
        .collect()
}

fn type_name(a: &OscType) -> &'static str {
    match a {
        OscType::Int(_) => "an int ('i')",
        OscType::Float(_) => "a float ('f')",
        OscType::String(_) => "a string ('s')",
        OscType::Blob(_) => "a blob ('b')",
        OscType::Time(_) => "a time tag ('t')",
        OscType::Long(_) => "a 64-bit int ('h')",
        OscType::Double(_) => "a double ('d')",
        OscType::Char(_) => "a char ('c')",
        OscType::Color(_) => "a color ('r')",
        OscType::Midi(_) => "a MIDI message ('m')",
        OscType::Bool(_) => "a boolean ('T'/'F')",
        OscType::Array(_) => "an array ('[...]')",
        OscType::Nil => "nil ('N')",
        OscType::Inf => "infinitum ('I')",
    }
}

/// An atom as it goes out: numbers as float32, except whole numbers too large for a float32 to
/// hold exactly (seeds), which go as int32.
pub fn to_osc(a: &Atom) -> OscType {
    match a {
        Atom::Float(x) => {
            if x.fract() == 0.0 && x.abs() > 16_777_216.0 && x.abs() <= f64::from(i32::MAX) {
                OscType::Int(*x as i32)
            } else {
                OscType::Float(*x as f32)
            }
        }
        Atom::Symbol(s) => OscType::String(s.clone()),
    }
}

/// The OSC type tag letters the example of `m` is sent with: words as strings, numbers as
/// int32 where the argument is a whole number, else float32.
fn example_types(m: &MessageDecl) -> Vec<char> {
    atoms(m.example)
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Atom::Symbol(_) => 's',
            Atom::Float(_) => match m.args.get(i).or(m.args.last()).map(|x| x.kind) {
                Some(Kind::Int { .. }) => 'i',
                _ => 'f',
            },
        })
        .collect()
}

/// The example of `m` as an `oscsend` command line (liblo-tools).
pub fn oscsend_example(obj: &ObjectDecl, m: &MessageDecl, port: u16) -> String {
    let types: String = example_types(m).into_iter().collect();
    let addr = address(obj, m.name);
    if types.is_empty() {
        format!("oscsend localhost {port} {addr}")
    } else {
        format!("oscsend localhost {port} {addr} {types} {}", m.example)
    }
}

fn arg_line(a: &Arg) -> String {
    format!(
        "`{}`{}: {} ({})",
        a.name,
        if a.optional { " (optional)" } else { "" },
        a.doc,
        a.kind.describe()
    )
}

/// `docs/osc.md`: the whole reference, from the declarations.
pub fn markdown() -> String {
    let mut s = String::new();
    let p = DEFAULT_PORT;
    s.push_str(&format!(
        "# The OSC protocol of bandmated (version {PROTOCOL_VERSION})\n\n\
<!-- Generated from the declarations by `bandmated --print-protocol`; edit osc-bridge/src/protocol.rs, not this file. -->\n\n\
`bandmated` plays bandmate's groove and looper objects from its own clock and speaks OSC over\n\
UDP and TCP.\n\
Every address below is made from the same declarations as the Pd and Max objects, so a message\n\
exists in all of them or in none. `/bandmate/version` answers `{PROTOCOL_VERSION}`: the version\n\
changes whenever an address or its arguments change in a way a client would notice.\n\n\
## Connecting\n\n\
- **UDP** and **TCP** on the same port (default {p}; `--port`), bound to 127.0.0.1 unless\n  \
`--bind` says otherwise; `--allow` limits which peers are heard (addresses or CIDR ranges).\n\
- TCP takes **SLIP** frames (OSC 1.1) or **32-bit size prefixes** (OSC 1.0), told apart by the\n  \
first byte a connection sends; replies use the same framing.\n\
- Packets: at most {} bytes, bundles nested at most {} deep, at most {} messages each.\n  \
Bundles are executed when they arrive, in order (their time tags are not waited for).\n\
- Arguments: int, float, double, 64-bit int and true/false are numbers; string and symbol\n  \
are words. Blobs, time tags, colors, MIDI, arrays, nil and infinitum are refused with an error.\n\
- **Path arguments**: segments after the message name are leading arguments, so a controller\n  \
needs one address per control: `/bandmate/frag/trigger/2` = `/bandmate/frag/trigger 2`,\n  \
`/bandmate/looper/queue/3` = `/bandmate/looper/queue 3`,\n  \
`/bandmate/pad/mute/kick 1` = `/bandmate/pad/mute kick 1`,\n  \
`/bandmate/groove/score/kick 1 0 ...` = `/bandmate/groove/score kick 1 0 ...`.\n\
- Address patterns (`*`, `?`, `[..]`, `{{..}}`) are not matched: they get an error.\n\n\
## Replies\n\n\
Every message gets an answer, sent to its sender **and** to every subscriber (once to each):\n\n\
- its result: the info lines it produced (`tap` -> `/bandmate/groove/tapped STEP OFFSET`,\n  \
`status` -> the status lines), or else the message itself with the accepted values\n  \
(`/bandmate/groove/swing 58` answers `/bandmate/groove/swing 58`), which also moves a\n  \
controller's fader or toggle to the value in force;\n\
- or `/bandmate/error ADDRESS TEXT` naming the problem. Nothing has changed then.\n\n\
Work done on the worker (a new loop, a model load, a render) answers later, to the subscribers\n\
and to whoever asked last: `/bandmate/groove/ready TASK SEED`, then `loop VOICE v1..v32` and\n\
`offset VOICE o1..o32` for each of the 9 drums, then the model's `reading` lines; `loaded NAME`;\n\
`/bandmate/frag/slot N PATH LABEL`. Numbers go out as float32 (whole numbers beyond 2^24, such\n\
as seeds, as int32); notes, velocities, slots, ports and versions are int32.\n\n\
## Notes, in time\n\n\
While a loop plays, each subscriber gets its notes as bundles whose time tag is the note's\n\
exact time (NTP, from the daemon's monotonic clock), sent `--lookahead` ms (default 50) before\n\
it: `#bundle TIME /bandmate/groove/note NOTE VELOCITY` (int32 General MIDI drum note; velocity\n\
0 is the note-off, one `gate` later). Notes that fall on the same instant share a bundle. A\n\
receiver that schedules by time tag (a liblo server such as `oscdump`, scsynth, python-osc's\n\
dispatcher) plays them exactly; one that ignores time tags plays them the lookahead early, all\n\
by the same amount (`--lookahead 0` sends each note at its time instead). At each loop\n\
boundary subscribers get `/bandmate/groove/cycle N SWITCHED` (SWITCHED 1 when a new loop took\n\
over there).\n\n\
The looper's notes come the same way, `--lookahead` ms ahead, each bundle time-tagged with\n\
the notes' exact time: `#bundle TIME /bandmate/looper/note KEY VELOCITY CHANNEL` (int32 MIDI\n\
key, velocity, 0 for the note-off at the note's own end, and channel 1..16, the channel of the\n\
MIDI file the segment came from: 10 for drums). At each new segment subscribers get\n\
`/bandmate/looper/playing N NAME BEATS`, and as soon as the next is chosen\n\
`/bandmate/looper/queued N NAME DISTANCE REPEAT`. The groove and the looper have their own\n\
tempo (`/bandmate/groove/tempo`, `/bandmate/looper/tempo`) and play side by side.\n\n\
With `--midi-port NAME` the same notes also go to a virtual MIDI port, each at the same\n\
instant as its bundle's time tag: see \"A MIDI port\" below.\n\n",
        crate::codec::MAX_PACKET,
        crate::codec::MAX_BUNDLE_DEPTH,
        crate::codec::MAX_MESSAGES,
    ));
    s.push_str("## Addresses\n\n");
    s.push_str("Each entry: the address and its arguments, what it does, each argument, and an\n");
    s.push_str(
        "example (the exact `oscsend` command line from liblo-tools; the tests send it).\n\n",
    );
    for obj in OBJECTS {
        let title = if obj.osc.is_empty() {
            format!("### `{PREFIX}/...`: {}\n\n", obj.name)
        } else {
            format!("### `{PREFIX}/{}/...`: {}\n\n", obj.osc, obj.name)
        };
        s.push_str(&title);
        s.push_str(&format!("{}\n\n", obj.doc));
        for m in obj.messages {
            let u = usage(m);
            let argsig = u.strip_prefix(m.name).unwrap_or("");
            s.push_str(&format!("#### `{}{argsig}`\n\n", address(obj, m.name)));
            s.push_str(m.doc);
            if m.attribute() {
                s.push_str(" (Also reported by `/bandmate/status`.)");
            }
            s.push_str("\n\n");
            for a in m.args {
                s.push_str(&format!("- {}\n", arg_line(a)));
            }
            if !m.args.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("```sh\n{}\n```\n\n", oscsend_example(obj, m, p)));
        }
        if !obj.outlets.is_empty() {
            s.push_str("Replies and events:\n\n");
            for o in obj.outlets {
                s.push_str(&format!("- `{}`: {}\n", o.name, o.doc));
            }
            s.push('\n');
        }
        if obj.osc == LOOPER.osc {
            s.push_str(
                "Over OSC each info line comes on its own address, and the notes in time-tagged bundles:\n\n",
            );
            for (name, doc) in LOOPER_REPLIES {
                s.push_str(&format!("- `{name}`: {doc}\n"));
            }
            s.push_str(
                "\nThe labels `/bandmate/display/looper/playing` and `/bandmate/display/looper/queued`\n\
                 (below, under bandmated) are made from the last `playing` and `queued` lines.\n\n",
            );
        }
    }
    s.push_str(
        "### Over OSC, not as in Pd and Max\n\n\
- `/bandmate/groove/blocking` takes only 0: the daemon's clock never waits for the model.\n\
- `/bandmate/groove/load PATH`, `/bandmate/groove/kit PATH` and `/bandmate/frag/import PATH`\n  \
take only paths inside the folders the daemon may read: the fragment folder, the models\n  \
folder, and each `--path DIR`. Relative paths are read from the daemon's working folder.\n\
- `/bandmate/groove/render NAME` renders into the fragment bank (NAME is the slot's label).\n\
- `/bandmate/groove/tap` is placed at the time the packet arrived.\n\
- `/bandmate/looper/blocking` takes only 0, as for the groove.\n\
- `/bandmate/looper/corpus PATH` takes only a folder or corpus file inside the folders the\n  \
daemon may read (`--path DIR`); the looper writes its `.bandmate-corpus` file there.\n\
- `/bandmate/looper/note KEY VELOCITY [CHANNEL]` is placed at the time the packet arrived, and\n  \
answered with `/bandmate/looper/heard KEY VELOCITY CHANNEL` (not on its own address, where\n  \
subscribers hear the looper's notes).\n\n\
## A MIDI port\n\n\
`bandmated --midi-port NAME` also plays every note to a virtual MIDI output port, so a DAW can\n\
record it: on Linux, port NAME of the ALSA sequencer client `bandmate` (`aconnect -o` lists\n\
it). Choose it as a MIDI input in the DAW (its ALSA MIDI inputs: Ardour, Reaper, Bitwig,\n\
Qtractor; through `a2jmidid` for JACK-only programs), arm a track and record, or connect\n\
it to a synth with `aconnect bandmate:0 SYNTH`. In a config file: `midi_port`, `midi_channel`.\n\n\
- **What is sent**: the notes of the bundles above, one for one, whether or not anyone is\n  \
subscribed: a note-on (`0x99 NOTE VELOCITY` on channel 10; General MIDI drum notes) and, one\n  \
`gate` later, a note-off (`0x89 NOTE 64`). `--midi-channel N` (1..16) picks the groove's\n  \
channel; the default, 10, is General MIDI's drums. The looper's notes go out on their own\n  \
channel (the bundle's CHANNEL: a drum corpus on 10, a bass line on its file's channel),\n  \
whatever `--midi-channel` says. Note-offs are real Note Off messages (release velocity\n  \
64, MIDI's value when none is measured), not note-ons of velocity 0: the ALSA sequencer\n  \
delivers them as NOTEOFF events, a release as they stand, where a velocity-0 note-on arrives\n  \
as a NOTEON event that each client has to reinterpret.\n\
- **Timing**: notes are handed out `--lookahead` ms ahead, as for the bundles; a MIDI thread\n  \
keeps them in time order and sends each at its time on the daemon's monotonic clock, the\n  \
instant whose NTP time is the bundle's time tag. A DAW stamps MIDI as it arrives, so that is\n  \
when it records it. On the 2-core development VM each message left 0.13-0.18 ms after its\n  \
time at the median, 0.16-0.23 ms at the 99th percentile, never before (docs/benchmarks.md).\n\
- **Stopping**: Ctrl-C (SIGINT) or SIGTERM releases every sounding note (a note-off each, then\n  \
All Notes Off, controller 123) before bandmated exits, and `/bandmate/groove/stop` releases\n  \
the held notes where the loop stops, so nothing hangs in the DAW. (A SIGKILL cannot be\n  \
caught.)\n\
- **Errors**: a port that cannot be opened stops bandmated at start, saying why, e.g.\n  \
`cannot open the ALSA sequencer (/dev/snd/seq): No such file or directory (os error 2); is\n  \
the snd-seq kernel module loaded (sudo modprobe snd-seq)?`. A port that fails later never\n  \
holds up the OSC notes: its first error is printed once on stderr, and `/bandmate/status`\n  \
reports `midi PORT CHANNEL SENT ERRORS FIRST_ERROR`.\n\
- **Building**: the port is the cargo feature `midi` of bandmate-osc, on by default; it needs\n  \
ALSA's headers (`libasound2-dev`, `pkg-config`: `scripts/setup` installs them). Built without\n  \
it, `--midi-port` is refused with an error naming the feature. Only Linux has the port so far;\n  \
elsewhere, use an OSC-to-MIDI bridge on the subscriber's side.\n\
- **What was verified**: the test machines have no ALSA sequencer (no `/dev/snd`). The\n  \
scheduler is tested through a recording sink (each message at its time, in order, a later\n  \
but earlier-due note, releases on stop, a failing sink), and the real bandmated through a test\n  \
sink against `oscdump`'s time tags of the same run (every message within 5 ms after its time\n  \
tag, never before; under 0.5 ms in the runs here) and a Ctrl-C releasing held notes. The ALSA\n  \
code is compiled in every default build (CI's too) and its error path is tested: without a sequencer bandmated\n  \
exits with the error above. The same test, on a machine with `/dev/snd/seq`, looks for the\n  \
port in `aconnect -o` and for the notes and the All Notes Off in `aseqdump`: that branch has\n  \
not run yet.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_come_from_the_groove_declaration() {
        assert_eq!(GROOVE.messages[0].name, "score");
        assert_eq!(VOICE_NAMES.len(), 9);
        assert_eq!(VOICE_NAMES[0], "kick");
    }

    #[test]
    fn addresses_route_to_their_messages() {
        let r = route("/bandmate/groove/swing", false).unwrap();
        assert_eq!(r.obj.name, GROOVE.name);
        assert_eq!(r.selector, "swing");
        let r = route("/bandmate/frag/trigger/2", false).unwrap();
        assert_eq!((r.obj.osc, r.selector.as_str()), ("frag", "trigger"));
        assert_eq!(r.lead, vec![Atom::Float(2.0)]);
        let r = route("/bandmate/pad/mute/kick", false).unwrap();
        assert_eq!(r.lead, vec![Atom::sym("kick")]);
        let r = route("/bandmate/status", false).unwrap();
        assert_eq!(r.obj.name, "bandmated");
        for a in addresses() {
            assert!(route(&a, false).is_ok(), "{a}");
        }
        let e = |a: &str| route(a, false).unwrap_err();
        assert!(e("/other/x").contains("starts with /bandmate/"));
        assert!(e("/bandmate/groove/frob").contains("unknown address '/bandmate/groove/frob'"));
        assert!(e("/bandmate/groove").contains("names no message"));
        assert!(e("/bandmate/*/swing").contains("patterns are not supported"));
        assert!(e("/bandmate//status").contains("empty part"));
        assert!(e("/bandmate/groove/_panic").contains("unknown address"));
        assert!(route("/bandmate/groove/_panic", true).is_ok());
    }

    #[test]
    fn arguments_convert_and_odd_types_are_named() {
        let a = to_atoms(&[
            OscType::Int(3),
            OscType::Float(0.5),
            OscType::Double(2.25),
            OscType::String("kick".into()),
            OscType::Bool(true),
        ])
        .unwrap();
        assert_eq!(
            a,
            vec![
                Atom::Float(3.0),
                Atom::Float(0.5),
                Atom::Float(2.25),
                Atom::sym("kick"),
                Atom::Float(1.0)
            ]
        );
        let e = to_atoms(&[OscType::Int(1), OscType::Blob(vec![1])]).unwrap_err();
        assert!(e.contains("argument 2 is a blob ('b')"), "{e}");
        assert_eq!(to_osc(&Atom::Float(2147483647.0)), OscType::Int(i32::MAX));
        assert_eq!(to_osc(&Atom::Float(58.0)), OscType::Float(58.0));
    }

    #[test]
    fn examples_parse_against_their_own_declarations() {
        for obj in OBJECTS {
            for m in obj.messages {
                obj.parse(m.name, &atoms(m.example))
                    .unwrap_or_else(|e| panic!("{}: {e}", address(obj, m.name)));
            }
        }
    }
}
