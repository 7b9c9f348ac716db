//! The OSC address space, made from the declarations ([`AddressSpace`]):
//! `/bandmate/<osc>/<message>` for every message of every registered object (the same tables
//! as the Pd and Max objects), `/bandmate/pad/<name>` for the messages an object gives a pad
//! name, and the daemon's own messages, declared here in the same way: [`BRIDGE`]
//! (`/bandmate/<message>`). The reference (`docs/osc.md`) is made from these by `bandmate-gen`,
//! so docs and code cannot drift.
//!
//! Path segments after the message name are leading arguments: `/bandmate/<osc>/<message>/2`
//! is `/bandmate/<osc>/<message> 2`. A controller then needs one address per control and one
//! value.

use std::sync::OnceLock;

use bandmate_core::objects::decl::{
    arg, msg, opt, out, Arg, Flags, Kind, MessageDecl, ObjectDecl, EMPTY,
};
use bandmate_core::objects::{atoms, Atom, Entry, OBJECTS};
use rosc::OscType;

/// The protocol version `/bandmate/version` answers. It changes when an address or its
/// arguments change in a way an existing client would notice.
pub const PROTOCOL_VERSION: i32 = 3;

/// The prefix of every address.
pub const PREFIX: &str = "/bandmate";

/// The default UDP and TCP port: TouchOSC's default send port, so a tablet needs only the
/// laptop's address.
pub const DEFAULT_PORT: u16 = 8000;

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
            "Receive every note, loop, fragment, reply and error from now on (at most 16 subscribers). Send it again at least every --lease seconds (default 300; the TouchOSC layout does it every 30 s), or the subscription ends; sent again, it only renews. An address is subscribed at once when the request comes from this machine for an address of this machine, or over TCP from that address's own host; any other (a request from the network: its source may be forged) is first sent /bandmate/confirm TOKEN, and starts receiving when its host sends that back. Answered to the sender and to the address subscribed.",
            "9000",
        ),
        msg(
            "confirm",
            &[
                arg("token", Kind::Int { min: 0, max: i32::MAX as i64 }, "the number /bandmate/confirm brought"),
            ],
            "Start the subscription that waits for this host: send back the token it was sent (within 30 s, from the same host, any port). The TouchOSC layout answers it by itself.",
            "12345",
        ),
        msg(
            "unsubscribe",
            &[
                opt("port", Kind::Int { min: 1, max: 65535 }, "as for subscribe"),
                opt("host", Kind::Symbol, "as for subscribe"),
            ],
            "Stop receiving. Only the address's own host, or this machine, may end a subscription; the address hears it if it was subscribed.",
            "9000",
        ),
        msg(
            "status",
            &[],
            "Report each object's state (its messages marked for the status report, answered on the object's own addresses), then every control's state on the control's own address (attributes, the swing amount, accents, mutes and keeps, loop toggles: what a new subscriber gets), then the daemon's own state (as /bandmate/status), ending with '/bandmate/status done'.",
            "",
        ),
        msg("version", &[], "The protocol version and the daemon's version.", ""),
        // (answered when the scene worker is done: the files are written and read there)
        MessageDecl {
            flags: Flags::LATER,
            ..msg(
                "scene",
                &[
                    arg("action", Kind::Choice(&["save", "recall"]), "save = keep the whole state now as scene N; recall = bring it back"),
                    arg("n", Kind::Int { min: 1, max: 128 }, "scene number"),
                ],
                "Scenes: save keeps everything that makes the set (each object's gestures, attributes and model, the groove's exact loop and the drums it holds, the looper's corpus, segment and controls, each fragment slot's file, loop switch, rate and gain, the tempo) in one file, out/scenes/scene-N.json by default (--scenes DIR), written atomically, with a copy of each slot's file beside it. Recall checks the whole file first (a missing or corrupt scene changes nothing and is answered with /bandmate/error), then brings it back: what plays switches at its next loop boundary, what played when it was saved starts. Answered /bandmate/scene saved|recalled N.",
                "recall 1",
        )
        },
    ],
    outlets: &[
        out("/bandmate/error ADDRESS TEXT", "a request was refused (ADDRESS is the one it came to, \"\" for a packet that could not be read); state is as it was"),
        out("/bandmate/subscribe PORT HOST", "reply to subscribe (and confirm): who now receives, or whose subscription was renewed"),
        out("/bandmate/confirm TOKEN", "sent only to an address on the network that was subscribed: send it back to start receiving"),
        out("/bandmate/pending PORT HOST", "to the sender of a subscribe for another address on the network: it waits for that address to confirm"),
        out("/bandmate/unsubscribe PORT HOST", "reply to unsubscribe; also sent to a subscriber whose lease ran out"),
        out("/bandmate/status KEY VALUES...", "one line of the daemon's state per key: version, lookahead (ms), rate (Hz of rendered fragments), subscribers, slots, slot (N PATH LABEL looping|idle), a line per counter (packets, messages, errors, malformed, denied, dropped, notes, panics, send_errors, withheld, tcp_refused, tcp_evicted, tcp_timed_out), kernel_drops (UDP packets the kernel dropped for a full socket buffer; -1 where unknown, off Linux), udp_buffer (the socket's receive buffer in bytes), each object's own lines (the groove's status, model, gestures...; the looper's corpus, tempo, controls...: one line per key) (see the objects), then 'midi PORT CHANNEL SENT ERRORS FIRST_ERROR' (PORT \"\" without --midi-port), 'link on PEERS TEMPO PLAYING PHASE QUANTUM' ('link off 0 0 0 0 0' without --link; see Ableton Link below); 'done' last"),
        out("/bandmate/version PROTOCOL DAEMON", "reply to version: int protocol version, the daemon's version string"),
        out("/bandmate/scene saved|recalled N PATH", "reply to scene: the scene file written or recalled"),
        out("/bandmate/display/KEY TEXT", "a label an object keeps up to date (each object's labels are listed with it), sent when it changes; a new subscriber gets every one at once"),
        out("/bandmate/display/error TEXT", "the last error as one line, for a label"),
        out("/bandmate/display/slot/N TEXT", "what fragment slot N holds, for a label"),
    ],
    ..EMPTY
};

/// The address of message `m` of `obj`.
pub fn address(obj: &ObjectDecl, m: &str) -> String {
    if obj.osc.is_empty() {
        format!("{PREFIX}/{m}")
    } else {
        format!("{PREFIX}/{}/{m}", obj.osc)
    }
}

/// Where an address goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dest {
    /// The served object of this index (in [`AddressSpace::entries`]).
    Object(usize),
    /// The daemon's own messages ([`BRIDGE`]).
    Bridge,
}

/// An address, found.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub dest: Dest,
    /// The declaration the message is checked against (a pad address: the pad's).
    pub obj: &'static ObjectDecl,
    /// The message as it came (a pad address: its pad name).
    pub selector: String,
    /// The object's own message it stands for (a pad address: the object's message).
    pub message: String,
    /// Arguments taken from path segments after the message name.
    pub lead: Vec<Atom>,
}

/// The daemon's address space: `/bandmate/<osc>/<message>` for every message of every served
/// object, `/bandmate/pad/<name>` for the messages objects give a pad name, and the daemon's
/// own `/bandmate/<message>`. Made from the declarations alone.
pub struct AddressSpace {
    entries: Vec<&'static Entry>,
    pad: &'static ObjectDecl,
    /// For each pad message (in the pad declaration's order): its object and message.
    pads: Vec<(usize, &'static str)>,
}

/// The pad's prefix: `/bandmate/pad/<name>`.
pub const PAD_OSC: &str = "pad";

impl AddressSpace {
    /// The address space of `entries` (each declaration is leaked once into the pad's).
    pub fn new(entries: &[&'static Entry]) -> AddressSpace {
        let mut messages = Vec::new();
        let mut pads = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            for m in e.decl.messages {
                let Some(name) = m.pad else { continue };
                let args: Vec<Arg> = m
                    .args
                    .iter()
                    .map(|a| Arg {
                        optional: false,
                        ..*a
                    })
                    .collect();
                let doc = format!(
                    "{} Same as {} with every argument given.",
                    m.doc,
                    address(e.decl, m.name)
                );
                messages.push(MessageDecl {
                    name,
                    args: Box::leak(args.into_boxed_slice()),
                    doc: Box::leak(doc.into_boxed_str()),
                    example: m.example,
                    flags: Flags::NONE,
                    ack: None,
                    pad: None,
                });
                pads.push((i, m.name));
            }
        }
        let pad = Box::leak(Box::new(ObjectDecl {
            name: "bandmated pad",
            osc: PAD_OSC,
            doc: "Helpers for controllers that send one value per control (TouchOSC toggles, \
                  hardware buttons): one address per control (path arguments), each the message \
                  of the same meaning of an object, with every argument required.",
            messages: Box::leak(messages.into_boxed_slice()),
            ..EMPTY
        }));
        AddressSpace {
            entries: entries.to_vec(),
            pad,
            pads,
        }
    }

    /// The address space of every registered object.
    pub fn standard() -> &'static AddressSpace {
        static SPACE: OnceLock<AddressSpace> = OnceLock::new();
        SPACE.get_or_init(|| {
            AddressSpace::new(
                &OBJECTS
                    .iter()
                    .filter(|e| !e.decl.max_only)
                    .collect::<Vec<_>>(),
            )
        })
    }

    /// The served objects, in order.
    pub fn entries(&self) -> &[&'static Entry] {
        &self.entries
    }

    /// The pad's declaration.
    pub fn pad(&self) -> &'static ObjectDecl {
        self.pad
    }

    /// Every declaration of the address space, in the order of the docs: the objects, the
    /// daemon, the pad.
    pub fn decls(&self) -> Vec<&'static ObjectDecl> {
        let mut v: Vec<&'static ObjectDecl> = self.entries.iter().map(|e| e.decl).collect();
        v.push(&BRIDGE);
        if !self.pad.messages.is_empty() {
            v.push(self.pad);
        }
        v
    }

    /// Every address the daemon answers, in the order of the docs.
    pub fn addresses(&self) -> Vec<String> {
        self.decls()
            .into_iter()
            .flat_map(|o| o.messages.iter().map(move |m| address(o, m.name)))
            .collect()
    }

    /// Find the object and message of an address (`test_hooks`: messages starting with `_`
    /// pass to the objects unchecked).
    pub fn route(&self, addr: &str, test_hooks: bool) -> Result<Route, String> {
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
        let object = self.entries.iter().position(|e| e.decl.osc == segs[0]);
        let (obj, sel, lead): (&'static ObjectDecl, &str, &[&str]) =
            match (object, segs[0] == self.pad.osc) {
                (Some(i), _) => (self.entries[i].decl, "", &segs[1..]),
                (None, true) => (self.pad, "", &segs[1..]),
                (None, false) => (&BRIDGE, segs[0], &segs[1..]),
            };
        let (sel, lead) = if sel.is_empty() {
            let Some(sel) = lead.first() else {
                return Err(format!(
                    "address '{addr}' names no message (e.g. {})",
                    obj.messages
                        .first()
                        .map_or_else(|| address(obj, "..."), |m| address(obj, m.name))
                ));
            };
            (*sel, &lead[1..])
        } else {
            (sel, lead)
        };
        let hook = test_hooks && object.is_some() && sel.starts_with('_');
        let lead = lead.iter().flat_map(|s| atoms(s)).collect();
        if hook {
            return Ok(Route {
                dest: Dest::Object(object.unwrap_or_default()),
                obj,
                selector: sel.to_string(),
                message: sel.to_string(),
                lead,
            });
        }
        let Some(index) = obj.messages.iter().position(|m| m.name == sel) else {
            let known: Vec<String> = obj.messages.iter().map(|m| address(obj, m.name)).collect();
            let more = if obj.osc.is_empty() {
                let others: Vec<String> = self
                    .decls()
                    .iter()
                    .filter(|d| !d.osc.is_empty())
                    .map(|d| format!("{PREFIX}/{}/...", d.osc))
                    .collect();
                format!(" and {}", others.join(", "))
            } else {
                String::new()
            };
            return Err(format!(
                "unknown address '{addr}' (addresses here: {}{more})",
                known.join(", ")
            ));
        };
        let (dest, message) = match object {
            Some(i) => (Dest::Object(i), sel),
            None if std::ptr::eq(obj, self.pad) => {
                let (i, m) = self.pads[index];
                (Dest::Object(i), m)
            }
            None => (Dest::Bridge, sel),
        };
        Ok(Route {
            dest,
            obj,
            selector: sel.to_string(),
            message: message.to_string(),
            lead,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> &'static AddressSpace {
        AddressSpace::standard()
    }

    #[test]
    fn addresses_route_to_their_messages() {
        let route = |a: &str, hooks: bool| space().route(a, hooks);
        let r = route("/bandmate/groove/swing", false).unwrap();
        assert_eq!(r.obj.name, "bandmate.groove");
        assert_eq!(
            (r.selector.as_str(), r.message.as_str()),
            ("swing", "swing")
        );
        let r = route("/bandmate/frag/trigger/2", false).unwrap();
        assert_eq!((r.obj.osc, r.selector.as_str()), ("frag", "trigger"));
        assert_eq!(r.lead, vec![Atom::Float(2.0)]);
        let r = route("/bandmate/pad/mute/kick", false).unwrap();
        assert_eq!(r.lead, vec![Atom::sym("kick")]);
        assert_eq!(r.obj.osc, PAD_OSC);
        let r = route("/bandmate/pad/accent/5", false).unwrap();
        assert_eq!(
            (r.selector.as_str(), r.message.as_str()),
            ("accent", "accent_step")
        );
        assert!(matches!(r.dest, Dest::Object(_)));
        let r = route("/bandmate/status", false).unwrap();
        assert_eq!((r.obj.name, r.dest), ("bandmated", Dest::Bridge));
        for a in space().addresses() {
            assert!(route(&a, false).is_ok(), "{a}");
        }
        let e = |a: &str| route(a, false).unwrap_err();
        assert!(e("/other/x").contains("starts with /bandmate/"));
        assert!(e("/bandmate/groove/frob").contains("unknown address '/bandmate/groove/frob'"));
        assert!(e("/bandmate/groove").contains("names no message"));
        assert!(e("/bandmate/*/swing").contains("patterns are not supported"));
        assert!(e("/bandmate///status").contains("empty part"));
        assert!(e("/bandmate/groove/_panic").contains("unknown address"));
        assert!(e("/bandmate/nope").contains("/bandmate/looper/..."));
        assert!(route("/bandmate/groove/_panic", true).is_ok());
    }

    #[test]
    fn the_pad_has_every_argument_required() {
        let pad = space().pad();
        assert!(!pad.messages.is_empty());
        for m in pad.messages {
            assert!(m.args.iter().all(|a| !a.optional), "{}", m.name);
        }
        let e = pad.parse("mute", &atoms("kick")).unwrap_err().to_string();
        assert!(e.contains("missing argument 'on'"), "{e}");
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
        for obj in space().decls() {
            for m in obj.messages {
                obj.parse(m.name, &atoms(m.example))
                    .unwrap_or_else(|e| panic!("{}: {e}", address(obj, m.name)));
            }
        }
    }
}
