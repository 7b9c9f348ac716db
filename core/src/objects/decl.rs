//! One declaration of each object's messages: name, arguments (type, range, count), one line of
//! doc and an example. Pd and Max dispatch, the OSC address space, the reference docs and the
//! help patches are all made from these tables, so a message exists everywhere or nowhere.
//!
//! A host turns what arrived (Pd/Max atoms, OSC arguments) into [`Atom`]s and calls
//! [`ObjectDecl::parse`]; the result is a [`Call`] whose arguments have been checked against
//! the declaration, or an error that names the message and the problem.

use crate::error::{Error, Result};

/// A value as hosts pass it: a number or a symbol (Pd/Max atoms; OSC int, float, string).
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    Float(f64),
    Symbol(String),
}

impl Atom {
    pub fn sym(s: &str) -> Atom {
        Atom::Symbol(s.to_string())
    }
}

impl std::fmt::Display for Atom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Atom::Float(x) => write!(f, "{x}"),
            Atom::Symbol(s) => write!(f, "{s}"),
        }
    }
}

/// Parse a message written as text (`"swing 58"`, `"score kick 1 0 0 0"`): numbers become
/// floats, anything else a symbol. Tests, help patches and the docs use this.
pub fn atoms(text: &str) -> Vec<Atom> {
    text.split_whitespace()
        .map(|w| match w.parse::<f64>() {
            Ok(x) if x.is_finite() => Atom::Float(x),
            _ => Atom::sym(w),
        })
        .collect()
}

/// The type and range of one argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number in `min..=max`.
    Float { min: f64, max: f64 },
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// One of these words.
    Choice(&'static [&'static str]),
    /// Any symbol (a name, a path).
    Symbol,
    /// The rest of the message: numbers in `min..=max`, as many as one of `lens` (0 allowed only
    /// if listed).
    Floats {
        lens: &'static [usize],
        min: f64,
        max: f64,
    },
    /// A file or folder: found beside the patch when relative, confined to the allowed folders
    /// over the network; these words are not paths (the kit's `synth`).
    Path(&'static [&'static str]),
    /// The rest of the message: words and numbers as they come (a chord track, `C:maj7 A:min7
    /// 2 G:7`), 1 to `max` of them (0 only when optional).
    Words { max: usize },
    /// A dictionary, as its JSON text (an object). In Max it arrives as a dictionary's name
    /// (`dictionary NAME`, as [dict] and live.miditool.in send it) and the host hands its
    /// contents over as JSON; likewise a `dictionary JSON` message out of the message outlet
    /// leaves Max as a dictionary.
    Dict,
}

impl Kind {
    /// How the docs write this type.
    pub fn describe(&self) -> String {
        match self {
            Kind::Float { min, max } => format!("float {min}..{max}"),
            Kind::Int { min, max } => format!("int {min}..{max}"),
            Kind::Choice(words) => words.join("|"),
            Kind::Symbol | Kind::Path(_) => "symbol".into(),
            Kind::Floats { lens, min, max } => {
                let lens: Vec<String> = lens.iter().map(|n| n.to_string()).collect();
                format!("{} floats {min}..{max}", lens.join(" or "))
            }
            Kind::Words { max } => format!("1..{max} symbols and numbers"),
            Kind::Dict => "dictionary".into(),
        }
    }
}

/// One argument of a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arg {
    pub name: &'static str,
    pub kind: Kind,
    /// May be left out (then every later argument may be too).
    pub optional: bool,
    pub doc: &'static str,
}

/// What hosts need to know of a message besides its arguments, declared with it so that no
/// host decides by a message's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(u8);

impl Flags {
    pub const NONE: Flags = Flags(0);
    /// An attribute: also settable at creation as `@name value` (a Max attribute), reported by
    /// `dump`, read back by [`Object::attribute`](super::contract::Object::attribute).
    pub const ATTR: Flags = Flags(1);
    /// Live input (a tap, a played note): placed at the time it arrived, never ahead of it (the
    /// OSC daemon runs everything else at its lookahead horizon).
    pub const LIVE: Flags = Flags(2);
    /// Answered later by the object's worker: a host that routes answers (the OSC daemon)
    /// sends what comes later to whoever sent this last.
    pub const LATER: Flags = Flags(4);
    /// A switch for offline work (`blocking`): over the network only its 0 is taken, since a
    /// daemon's clock never waits.
    pub const OFFLINE: Flags = Flags(8);
    /// Acknowledged over OSC with its own address even when it answered with info lines.
    pub const ECHO: Flags = Flags(16);
    /// Its first argument names a fragment slot: a host that keeps each slot as a file (the
    /// OSC daemon) answers with the slot's file, so a player knows what to play.
    pub const SLOT: Flags = Flags(32);
    /// Also run by a host's status report (the OSC daemon's `/bandmate/status`).
    pub const STATUS: Flags = Flags(64);

    pub const fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    pub const fn has(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// One message an object takes (and the OSC address that does the same).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageDecl {
    pub name: &'static str,
    pub args: &'static [Arg],
    pub doc: &'static str,
    /// A working example of the arguments (may be empty), shown in docs and help patches and
    /// sent by the tests.
    pub example: &'static str,
    pub flags: Flags,
    /// Over OSC, when the object answered nothing: the word of the address that acknowledges
    /// it (`/bandmate/<osc>/<word>`, with the checked arguments: numbers of whole-number
    /// arguments as int32, a missing optional one as its range's minimum); `None`: the message
    /// is echoed on its own address as it came.
    pub ack: Option<&'static str>,
    /// Its name under `/bandmate/pad/` for controllers that send one value per control (a
    /// TouchOSC toggle): every argument required there.
    pub pad: Option<&'static str>,
}

impl MessageDecl {
    /// An attribute (`@name value` at creation, reported by `dump`).
    pub const fn attribute(&self) -> bool {
        self.flags.has(Flags::ATTR)
    }
}

/// One outlet of an object (Pd/Max) - what comes out of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutletDecl {
    pub name: &'static str,
    pub doc: &'static str,
    /// A signal outlet.
    pub signal: bool,
    /// The notes leave here (`note velocity [channel]` lists, a `list` outlet in Max).
    pub notes: bool,
    /// Messages for another object leave here ([`Output::Send`](super::contract::Output::Send):
    /// `bandmate.taps~`'s `tap VELOCITY AGO` for [bandmate.groove]), nothing else.
    pub messages: bool,
}

/// An object: its name (the same in Pd, Max and the OSC address space), what it is, its
/// messages and outlets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectDecl {
    pub name: &'static str,
    /// The OSC address of the object's messages: `/bandmate/<osc>/<message>`.
    pub osc: &'static str,
    pub doc: &'static str,
    /// Creation arguments, as an argument list (all optional).
    pub creation: &'static [Arg],
    /// Signal inlets: the first is the left inlet, which takes every message too (Pd's and
    /// Max's convention); their blocks reach the [`Engine`](super::contract::Engine) as its
    /// inputs, in order. 0 for objects that hear no sound.
    pub signal_inlets: usize,
    pub messages: &'static [MessageDecl],
    pub outlets: &'static [OutletDecl],
    /// The message a bare number or a bang stands for (the groove's `tap`: the number is a
    /// velocity); `None`: refused with a hint.
    pub number: Option<&'static str>,
    /// The message a bare list of numbers stands for (the looper's `note KEY VELOCITY
    /// [CHANNEL]`, what [notein] gives); `None`: refused with a hint.
    pub list: Option<&'static str>,
    /// Notes leave as `note velocity channel` (channel 1..16) instead of `note velocity`
    /// (drums, for [noteout 10]); over OSC the channel is an argument too.
    pub note_channel: bool,
    /// A Max for Live object only (a Live MIDI Tool, which needs Live's note dictionaries): Pd
    /// and the OSC daemon leave it out.
    pub max_only: bool,
    /// The labels its [`display`](super::contract::Object::display) keeps up to date, by key,
    /// with what each says (`/bandmate/display/<key>` over OSC).
    pub labels: &'static [(&'static str, &'static str)],
}

/// An object declaration with nothing in it yet, to fill with `..EMPTY`.
pub const EMPTY: ObjectDecl = ObjectDecl {
    name: "",
    osc: "",
    doc: "",
    creation: &[],
    signal_inlets: 0,
    messages: &[],
    outlets: &[],
    number: None,
    list: None,
    note_channel: false,
    max_only: false,
    labels: &[],
};

/// A required argument (for writing declarations tersely).
pub const fn arg(name: &'static str, kind: Kind, doc: &'static str) -> Arg {
    Arg {
        name,
        kind,
        optional: false,
        doc,
    }
}

/// An optional argument.
pub const fn opt(name: &'static str, kind: Kind, doc: &'static str) -> Arg {
    Arg {
        name,
        kind,
        optional: true,
        doc,
    }
}

/// A message.
pub const fn msg(
    name: &'static str,
    args: &'static [Arg],
    doc: &'static str,
    example: &'static str,
) -> MessageDecl {
    MessageDecl {
        name,
        args,
        doc,
        example,
        flags: Flags::NONE,
        ack: None,
        pad: None,
    }
}

/// A message that is also an attribute (`@name value` at creation, reported by `dump`).
pub const fn attr(
    name: &'static str,
    args: &'static [Arg],
    doc: &'static str,
    example: &'static str,
) -> MessageDecl {
    MessageDecl {
        flags: Flags::ATTR,
        ..msg(name, args, doc, example)
    }
}

/// A control outlet.
pub const fn out(name: &'static str, doc: &'static str) -> OutletDecl {
    OutletDecl {
        name,
        doc,
        signal: false,
        notes: false,
        messages: false,
    }
}

/// The outlet messages for another object leave by ([`Output::Send`](super::contract::Output::Send)).
pub const fn messages(name: &'static str, doc: &'static str) -> OutletDecl {
    OutletDecl {
        messages: true,
        ..out(name, doc)
    }
}

/// The outlet notes leave by.
pub const fn notes(name: &'static str, doc: &'static str) -> OutletDecl {
    OutletDecl {
        notes: true,
        ..out(name, doc)
    }
}

/// A signal outlet.
pub const fn signal(name: &'static str, doc: &'static str) -> OutletDecl {
    OutletDecl {
        signal: true,
        ..out(name, doc)
    }
}

/// A checked argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Float(f64),
    Int(i64),
    Symbol(String),
    Floats(Vec<f32>),
    Words(Vec<Atom>),
}

/// A message that matched its declaration: the arguments are present (up to the optional ones),
/// of the right type and in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub decl: &'static MessageDecl,
    /// Where the message is in its object's declaration (and its handler in the object's
    /// handler table: the same macro writes both, in the same order).
    pub index: usize,
    pub args: Vec<Value>,
}

impl Call {
    pub fn name(&self) -> &'static str {
        self.decl.name
    }
    /// Argument `i` as a number (floats and ints), if given.
    pub fn float(&self, i: usize) -> Option<f64> {
        match self.args.get(i) {
            Some(Value::Float(x)) => Some(*x),
            Some(Value::Int(n)) => Some(*n as f64),
            _ => None,
        }
    }
    pub fn int(&self, i: usize) -> Option<i64> {
        match self.args.get(i) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }
    pub fn symbol(&self, i: usize) -> Option<&str> {
        match self.args.get(i) {
            Some(Value::Symbol(s)) => Some(s),
            _ => None,
        }
    }
    pub fn floats(&self, i: usize) -> Option<&[f32]> {
        match self.args.get(i) {
            Some(Value::Floats(v)) => Some(v),
            _ => None,
        }
    }
}

impl ObjectDecl {
    pub fn message(&self, name: &str) -> Option<&'static MessageDecl> {
        self.messages.iter().find(|m| m.name == name)
    }

    /// The message a bare number, a bang (no atoms, `list` false) or a list (`list` true)
    /// stands for, or why it is refused (a hint on what the object takes). A bang the object
    /// does not read is the message `bang`, so it is refused like any unknown message.
    pub fn bare_selector(
        &self,
        args: &[Atom],
        list: bool,
    ) -> std::result::Result<&'static str, String> {
        let selector = if list { self.list } else { self.number };
        match selector {
            Some(s) => Ok(s),
            // A bang is a message of its own name (refused as unknown, with the list of
            // messages, unless declared).
            None if args.is_empty() && !list => Ok("bang"),
            None => Err(self.not_a_message(args)),
        }
    }

    /// A note as the notes outlet sends it: `note velocity` or `note velocity channel`
    /// (`channel` 0-based in, 1..16 out).
    pub fn note_list(&self, note: u8, velocity: u8, channel: u8) -> Vec<i64> {
        let mut v = vec![i64::from(note), i64::from(velocity)];
        if self.note_channel {
            v.push(i64::from(channel.min(15)) + 1);
        }
        v
    }

    /// What to say when a host receives a bare list: it is no message of this object.
    pub fn not_a_message(&self, args: &[Atom]) -> String {
        format!(
            "a list ({}) is not a message: start it with one of {}",
            args.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            self.messages
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// Path arguments ([`Kind::Path`]), when relative, become the path `find` gives for them
    /// (the host's places, in order: beside the patch, the host's search path, the package's
    /// own folders; see [`Shell`](super::shell::Shell)): `load models/groove` in a patch finds
    /// the folder as Pd and Max users expect of [soundfiler] and [buffer~]. Anything `find`
    /// does not find, and every absolute path, is kept as given.
    pub fn resolve_paths(
        &self,
        selector: &str,
        args: &[Atom],
        find: &mut dyn FnMut(&str) -> Option<std::path::PathBuf>,
    ) -> Vec<Atom> {
        let Some(m) = self.message(selector) else {
            return args.to_vec();
        };
        args.iter()
            .enumerate()
            .map(|(i, a)| match (m.args.get(i), a) {
                (
                    Some(Arg {
                        kind: Kind::Path(words),
                        ..
                    }),
                    Atom::Symbol(s),
                ) if !words.contains(&s.as_str()) && std::path::Path::new(s).is_relative() => {
                    match find(s) {
                        Some(there) => Atom::Symbol(there.to_string_lossy().into_owned()),
                        None => a.clone(),
                    }
                }
                _ => a.clone(),
            })
            .collect()
    }

    /// Check `args` against the declaration of `selector`.
    pub fn parse(&self, selector: &str, args: &[Atom]) -> Result<Call> {
        let Some(index) = self.messages.iter().position(|m| m.name == selector) else {
            return Err(Error::invalid(format!(
                "unknown message '{selector}' (messages: {})",
                self.messages
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let decl: &'static MessageDecl = &self.messages[index];
        let values = parse_args(decl.args, args)
            .map_err(|e| Error::invalid(format!("{selector}: {e} (usage: {})", usage(decl))))?;
        Ok(Call {
            decl,
            index,
            args: values,
        })
    }

    /// Creation arguments: positional ones as declared in `creation`, then `@attribute value`
    /// pairs, each checked as the attribute's message. Returns the positional values and the
    /// attribute calls in order.
    pub fn parse_creation(&self, args: &[Atom]) -> Result<(Vec<Value>, Vec<Call>)> {
        let at = args
            .iter()
            .position(|a| matches!(a, Atom::Symbol(s) if s.starts_with('@')))
            .unwrap_or(args.len());
        let positional = parse_args(self.creation, &args[..at])
            .map_err(|e| Error::invalid(format!("creation arguments: {e}")))?;
        let mut calls = Vec::new();
        let mut rest = &args[at..];
        while let Some((Atom::Symbol(name), tail)) = rest.split_first() {
            let name = name.trim_start_matches('@');
            let end = tail
                .iter()
                .position(|a| matches!(a, Atom::Symbol(s) if s.starts_with('@')))
                .unwrap_or(tail.len());
            match self.message(name) {
                Some(m) if m.attribute() => calls.push(self.parse(name, &tail[..end])?),
                _ => {
                    return Err(Error::invalid(format!(
                        "unknown attribute '@{name}' (attributes: {})",
                        self.attributes()
                            .map(|m| format!("@{}", m.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
            rest = &tail[end..];
        }
        Ok((positional, calls))
    }

    pub fn attributes(&self) -> impl Iterator<Item = &'static MessageDecl> + '_ {
        self.messages.iter().filter(|m| m.attribute())
    }
}

/// `name arg1 [arg2]`: how the docs and error messages show a message.
pub fn usage(m: &MessageDecl) -> String {
    let mut s = m.name.to_string();
    for a in m.args {
        let shown = match a.kind {
            Kind::Floats { .. } | Kind::Words { .. } => format!("{}...", a.name),
            _ => a.name.to_string(),
        };
        if a.optional {
            s.push_str(&format!(" [{shown}]"));
        } else {
            s.push_str(&format!(" {shown}"));
        }
    }
    s
}

fn parse_args(decls: &[Arg], args: &[Atom]) -> std::result::Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    for (k, d) in decls.iter().enumerate() {
        if let Kind::Words { max } = d.kind {
            let rest = &args[i..];
            if rest.is_empty() && d.optional {
                return Ok(out);
            }
            if rest.is_empty() || rest.len() > max {
                return Err(format!(
                    "{} needs 1 to {max} values, got {}",
                    d.name,
                    rest.len()
                ));
            }
            out.push(Value::Words(rest.to_vec()));
            debug_assert_eq!(k, decls.len() - 1, "Words must be the last argument");
            return Ok(out);
        }
        if let Kind::Floats { lens, min, max } = d.kind {
            let rest = &args[i..];
            let mut v = Vec::with_capacity(rest.len());
            for (j, a) in rest.iter().enumerate() {
                match a {
                    Atom::Float(x) if x.is_finite() && *x >= min && *x <= max => v.push(*x as f32),
                    Atom::Float(x) => {
                        return Err(format!(
                            "{} value {} is {x}, out of range {min}..{max}",
                            d.name,
                            j + 1
                        ))
                    }
                    Atom::Symbol(s) => {
                        return Err(format!("{} value {} is '{s}', not a number", d.name, j + 1))
                    }
                }
            }
            if v.is_empty() && d.optional {
                return Ok(out);
            }
            if !lens.contains(&v.len()) {
                let lens: Vec<String> = lens.iter().map(|n| n.to_string()).collect();
                return Err(format!(
                    "{} needs {} values, got {}",
                    d.name,
                    lens.join(" or "),
                    v.len()
                ));
            }
            out.push(Value::Floats(v));
            debug_assert_eq!(k, decls.len() - 1, "Floats must be the last argument");
            return Ok(out);
        }
        let Some(a) = args.get(i) else {
            if d.optional {
                return Ok(out);
            }
            return Err(format!(
                "missing argument '{}' ({})",
                d.name,
                d.kind.describe()
            ));
        };
        out.push(check(d, a)?);
        i += 1;
    }
    if args.len() > i {
        return Err(format!(
            "{} extra argument{} ('{}')",
            args.len() - i,
            if args.len() - i == 1 { "" } else { "s" },
            args[i]
        ));
    }
    Ok(out)
}

fn check(d: &Arg, a: &Atom) -> std::result::Result<Value, String> {
    let name = d.name;
    match (d.kind, a) {
        (Kind::Float { min, max }, Atom::Float(x)) => {
            if x.is_finite() && *x >= min && *x <= max {
                Ok(Value::Float(*x))
            } else {
                Err(format!("{name} {x} is out of range {min}..{max}"))
            }
        }
        (Kind::Int { min, max }, Atom::Float(x)) => {
            if x.fract() != 0.0 || !x.is_finite() {
                Err(format!("{name} {x} is not a whole number"))
            } else if *x < min as f64 || *x > max as f64 {
                Err(format!("{name} {x} is out of range {min}..{max}"))
            } else {
                Ok(Value::Int(*x as i64))
            }
        }
        (Kind::Choice(words), Atom::Symbol(s)) => {
            if words.contains(&s.as_str()) {
                Ok(Value::Symbol(s.clone()))
            } else {
                Err(format!("{name} '{s}' is not one of {}", words.join(", ")))
            }
        }
        (Kind::Symbol | Kind::Path(_), Atom::Symbol(s)) => Ok(Value::Symbol(s.clone())),
        (Kind::Dict, Atom::Symbol(s)) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Object(_)) => Ok(Value::Symbol(s.clone())),
            _ => Err(format!("{name} is not a dictionary (a JSON object)")),
        },
        (Kind::Dict, Atom::Float(x)) => Err(format!("{name} must be a dictionary, got {x}")),
        (Kind::Float { .. } | Kind::Int { .. }, Atom::Symbol(s)) => {
            Err(format!("{name} must be a number, got '{s}'"))
        }
        (Kind::Choice(_) | Kind::Symbol | Kind::Path(_), Atom::Float(x)) => Err(format!(
            "{name} must be a symbol ({}), got {x}",
            d.kind.describe()
        )),
        (Kind::Floats { .. }, _) => Err(format!("{name}: a list of numbers ends the message")),
        (Kind::Words { .. }, _) => Err(format!("{name}: a list of words ends the message")),
    }
}

/// The argument kinds as `const fn`s, for [`messages!`]: `float(min, max)`, `int(min, max)`,
/// `choice(WORDS)`, `symbol()`, `path(KEYWORDS)`, `floats(LENS, min, max)`.
pub mod kind {
    use super::Kind;
    pub const fn float(min: f64, max: f64) -> Kind {
        Kind::Float { min, max }
    }
    pub const fn int(min: i64, max: i64) -> Kind {
        Kind::Int { min, max }
    }
    pub const fn choice(words: &'static [&'static str]) -> Kind {
        Kind::Choice(words)
    }
    pub const fn symbol() -> Kind {
        Kind::Symbol
    }
    pub const fn path(keywords: &'static [&'static str]) -> Kind {
        Kind::Path(keywords)
    }
    pub const fn floats(lens: &'static [usize], min: f64, max: f64) -> Kind {
        Kind::Floats { lens, min, max }
    }
    pub const fn words(max: usize) -> Kind {
        Kind::Words { max }
    }
    pub const fn dict() -> Kind {
        Kind::Dict
    }
}

/// Checked arguments as Rust values, for [`messages!`]: `req::float` gives an `f64`,
/// `opt::float` an `Option<f64>`, and so on for every kind (`int`: `i64`; `choice`, `symbol`,
/// `path`: `&str`; `floats`: `&[f32]`). The kind of each function is the kind the argument is
/// declared with in the same line of the same macro, so the types always agree; a value of
/// another type (which [`ObjectDecl::parse`] never gives) is an error, not a panic.
pub mod take {
    use super::Value;
    use crate::error::{Error, Result};

    fn wrong(name: &str) -> Error {
        Error::invalid(format!(
            "internal error: argument '{name}' has the wrong type"
        ))
    }

    /// Required arguments.
    pub mod req {
        use super::*;
        pub const OPTIONAL: bool = false;
        pub fn float(name: &str, v: Option<&Value>) -> Result<f64> {
            match v {
                Some(Value::Float(x)) => Ok(*x),
                Some(Value::Int(n)) => Ok(*n as f64),
                _ => Err(wrong(name)),
            }
        }
        pub fn int(name: &str, v: Option<&Value>) -> Result<i64> {
            match v {
                Some(Value::Int(n)) => Ok(*n),
                _ => Err(wrong(name)),
            }
        }
        pub fn symbol<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a str> {
            match v {
                Some(Value::Symbol(s)) => Ok(s),
                _ => Err(wrong(name)),
            }
        }
        pub fn choice<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a str> {
            symbol(name, v)
        }
        pub fn dict<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a str> {
            symbol(name, v)
        }
        pub fn path<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a str> {
            symbol(name, v)
        }
        pub fn floats<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a [f32]> {
            match v {
                Some(Value::Floats(f)) => Ok(f),
                _ => Err(wrong(name)),
            }
        }
        pub fn words<'a>(name: &str, v: Option<&'a Value>) -> Result<&'a [super::super::Atom]> {
            match v {
                Some(Value::Words(w)) => Ok(w),
                _ => Err(wrong(name)),
            }
        }
    }

    /// Optional arguments: `None` when left out.
    pub mod opt {
        use super::*;
        pub const OPTIONAL: bool = true;
        pub fn float(name: &str, v: Option<&Value>) -> Result<Option<f64>> {
            v.map(|v| req::float(name, Some(v))).transpose()
        }
        pub fn int(name: &str, v: Option<&Value>) -> Result<Option<i64>> {
            v.map(|v| req::int(name, Some(v))).transpose()
        }
        pub fn symbol<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a str>> {
            v.map(|v| req::symbol(name, Some(v))).transpose()
        }
        pub fn choice<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a str>> {
            symbol(name, v)
        }
        pub fn dict<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a str>> {
            symbol(name, v)
        }
        pub fn path<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a str>> {
            symbol(name, v)
        }
        pub fn floats<'a>(name: &str, v: Option<&'a Value>) -> Result<Option<&'a [f32]>> {
            v.map(|v| req::floats(name, Some(v))).transpose()
        }
        pub fn words<'a>(
            name: &str,
            v: Option<&'a Value>,
        ) -> Result<Option<&'a [super::super::Atom]>> {
            v.map(|v| req::words(name, Some(v))).transpose()
        }
    }
}

/// A message's behaviour, declared beside it by [`messages!`]: what it does to the object
/// (its arguments checked and typed), and for an attribute how its value is read back.
pub struct Handler<T> {
    pub run: fn(&mut T, f64, &[Value]) -> Result<()>,
    pub get: Option<fn(&T) -> f64>,
}

/// An object whose messages were declared with [`messages!`]: its declaration, and one
/// handler per declared message, in the same order.
pub trait Handlers: Sized + 'static {
    const DECL: &'static ObjectDecl;
    const HANDLERS: &'static [Handler<Self>];

    /// Run a checked message.
    fn dispatch(&mut self, now: f64, call: &Call) -> Result<()> {
        match (
            Self::HANDLERS.get(call.index),
            Self::DECL.messages.get(call.index),
        ) {
            (Some(h), Some(m)) if m.name == call.decl.name => (h.run)(self, now, &call.args),
            _ => Err(Error::invalid(format!(
                "{}: '{}' is not one of its messages",
                Self::DECL.name,
                call.decl.name
            ))),
        }
    }

    /// A message from a host: checked against the declaration, then run.
    fn run_message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        let call = Self::DECL.parse(selector, args)?;
        self.dispatch(now, &call)
    }

    /// `@attribute value` creation arguments, each run as its message.
    fn run_creation(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        let (_, calls) = Self::DECL.parse_creation(args)?;
        for c in calls {
            self.dispatch(now, &c)?;
        }
        Ok(())
    }

    /// The current value of a declared attribute.
    fn read_attribute(&self, name: &str) -> Option<f64> {
        let i = Self::DECL
            .messages
            .iter()
            .position(|m| m.attribute() && m.name == name)?;
        Self::HANDLERS.get(i)?.get.map(|g| g(self))
    }
}

/// What a handler's body may end with: nothing, or a `Result`.
pub trait Done {
    fn done(self) -> Result<()>;
}
impl Done for () {
    fn done(self) -> Result<()> {
        Ok(())
    }
}
impl Done for Result<()> {
    fn done(self) -> Result<()> {
        self
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __bandmate_opt {
    () => {
        None
    };
    ($($x:tt)+) => {
        Some($($x)+)
    };
}

/// Declare an object's messages with their behaviour, as one table: each message's name,
/// arguments (name, `req` or `opt`, kind, doc), doc, example, optional flags (`#[ATTR, LATER]`,
/// see [`Flags`]), optional `ack "word"` and `pad "name"` (see [`MessageDecl`]), for an
/// attribute its getter (`get |o| expr`), and
/// its handler (`|o, now| { ... }`), in which each argument is a typed local of its own name.
/// Writes `pub const $MSGS: &[MessageDecl]` (for the object's [`ObjectDecl`]) and the object's
/// [`Handlers`], in the same order, so the compiler keeps the two in step.
///
/// ```text
/// messages! {
///     for Metronome, METRONOME, METRONOME_MESSAGES;
///     #[ATTR] "tempo" (bpm: req float(20.0, 400.0) "beats per minute")
///         "Tempo.", "96",
///         get |o| o.bpm,
///         |o, _now| { o.bpm = bpm; }
/// }
/// ```
#[macro_export]
macro_rules! messages {
    (
        for $T:ty, $DECL:path, $MSGS:ident;
        $(
            $( #[ $($flag:ident),+ ] )?
            $mname:literal ( $( $aname:ident : $req:ident $kind:ident ( $($karg:expr),* ) $adoc:literal ),* $(,)? )
            $mdoc:literal , $mex:literal ,
            $( ack $ack:literal , )?
            $( pad $pad:literal , )?
            $( get |$g:pat_param| $getter:expr , )?
            |$o:pat_param, $now:pat_param| $body:block
        )*
    ) => {
        pub const $MSGS: &[$crate::objects::decl::MessageDecl] = &[
            $(
                $crate::objects::decl::MessageDecl {
                    name: $mname,
                    args: &[
                        $(
                            $crate::objects::decl::Arg {
                                name: stringify!($aname),
                                kind: $crate::objects::decl::kind::$kind($($karg),*),
                                optional: $crate::objects::decl::take::$req::OPTIONAL,
                                doc: $adoc,
                            }
                        ),*
                    ],
                    doc: $mdoc,
                    example: $mex,
                    flags: $crate::objects::decl::Flags::NONE
                        $( $( .with($crate::objects::decl::Flags::$flag) )+ )?,
                    ack: $crate::__bandmate_opt!($($ack)?),
                    pad: $crate::__bandmate_opt!($($pad)?),
                }
            ),*
        ];

        impl $crate::objects::decl::Handlers for $T {
            const DECL: &'static $crate::objects::decl::ObjectDecl = &$DECL;
            const HANDLERS: &'static [$crate::objects::decl::Handler<Self>] = &[
                $(
                    $crate::objects::decl::Handler {
                        run: {
                            #[allow(unused_variables, unused_mut, clippy::needless_question_mark)]
                            fn run(
                                $o: &mut $T,
                                $now: f64,
                                values: &[$crate::objects::decl::Value],
                            ) -> $crate::Result<()> {
                                let mut values = values.iter();
                                $(
                                    let $aname = $crate::objects::decl::take::$req::$kind(
                                        stringify!($aname),
                                        values.next(),
                                    )?;
                                )*
                                $crate::objects::decl::Done::done($body)
                            }
                            run
                        },
                        get: $crate::__bandmate_opt!($({
                            fn get($g: &$T) -> f64 {
                                $getter
                            }
                            get as fn(&$T) -> f64
                        })?),
                    }
                ),*
            ];
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARGS: &[Arg] = &[
        Arg {
            name: "voice",
            kind: Kind::Choice(&["kick", "snare"]),
            optional: false,
            doc: "",
        },
        Arg {
            name: "row",
            kind: Kind::Floats {
                lens: &[16, 32],
                min: 0.0,
                max: 1.0,
            },
            optional: true,
            doc: "",
        },
    ];
    const MSGS: &[MessageDecl] = &[
        MessageDecl {
            name: "score",
            args: ARGS,
            doc: "",
            example: "",
            flags: Flags::NONE,
            ack: None,
            pad: None,
        },
        MessageDecl {
            name: "tempo",
            args: &[Arg {
                name: "bpm",
                kind: Kind::Float {
                    min: 20.0,
                    max: 400.0,
                },
                optional: false,
                doc: "",
            }],
            doc: "",
            example: "120",
            flags: Flags::ATTR,
            ack: None,
            pad: None,
        },
        MessageDecl {
            name: "seed",
            args: &[Arg {
                name: "n",
                kind: Kind::Int { min: 0, max: 100 },
                optional: true,
                doc: "",
            }],
            doc: "",
            example: "",
            flags: Flags::NONE,
            ack: None,
            pad: None,
        },
    ];
    const OBJ: ObjectDecl = ObjectDecl {
        name: "t",
        osc: "t",
        messages: MSGS,
        ..EMPTY
    };

    #[test]
    fn words_take_the_rest_of_the_message_as_it_comes() {
        let args = &[Arg {
            name: "track",
            kind: Kind::Words { max: 3 },
            optional: false,
            doc: "",
        }];
        assert_eq!(
            parse_args(args, &atoms("C:maj7 2 G:7")).unwrap(),
            vec![Value::Words(atoms("C:maj7 2 G:7"))]
        );
        let none = parse_args(args, &[]).unwrap_err();
        assert!(none.contains("1 to 3"), "{none}");
        assert!(parse_args(args, &atoms("a b c d")).is_err());
        assert_eq!(usage(&msg("chords", args, "", "")), "chords track...");
    }

    #[test]
    fn parses_checked_arguments() {
        let c = OBJ.parse("tempo", &atoms("96.5")).unwrap();
        assert_eq!(c.float(0), Some(96.5));
        let row = format!("kick {}", vec!["1"; 16].join(" "));
        let c = OBJ.parse("score", &atoms(&row)).unwrap();
        assert_eq!(c.symbol(0), Some("kick"));
        assert_eq!(c.floats(1).unwrap().len(), 16);
        let c = OBJ.parse("score", &atoms("snare")).unwrap();
        assert_eq!(c.args.len(), 1);
        assert_eq!(OBJ.parse("seed", &[]).unwrap().int(0), None);
        assert_eq!(OBJ.parse("seed", &atoms("7")).unwrap().int(0), Some(7));
    }

    #[test]
    fn errors_name_the_message_and_the_problem() {
        let e = |sel: &str, text: &str| OBJ.parse(sel, &atoms(text)).unwrap_err().to_string();
        assert!(e("nope", "").contains("unknown message 'nope'"));
        assert!(e("tempo", "").contains("missing argument 'bpm'"));
        assert!(e("tempo", "fast").contains("bpm must be a number, got 'fast'"));
        assert!(e("tempo", "1000").contains("out of range 20..400"));
        assert!(e("tempo", "120 3").contains("1 extra argument ('3')"));
        assert!(e("seed", "1.5").contains("not a whole number"));
        assert!(e("score", "cowbell").contains("'cowbell' is not one of kick, snare"));
        assert!(e("score", "kick 1 0 1").contains("row needs 16 or 32 values, got 3"));
        assert!(e("score", "kick 1 0 x").contains("row value 3 is 'x', not a number"));
        assert!(e("score", "kick 2").contains("out of range 0..1"));
        assert!(e("score", "3").contains("must be a symbol"));
        assert!(e("tempo", "").contains("usage: tempo bpm"));
    }

    #[test]
    fn creation_takes_attributes() {
        let (pos, calls) = OBJ.parse_creation(&atoms("@tempo 90")).unwrap();
        assert!(pos.is_empty());
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].float(0), Some(90.0));
        let e = OBJ
            .parse_creation(&atoms("@seed 3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown attribute '@seed'"), "{e}");
        let e = OBJ.parse_creation(&atoms("4")).unwrap_err().to_string();
        assert!(e.contains("extra argument"), "{e}");
        let e = OBJ
            .parse_creation(&atoms("@tempo x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bpm must be a number"), "{e}");
    }
}
