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
}

impl Kind {
    /// How the docs write this type.
    pub fn describe(&self) -> String {
        match self {
            Kind::Float { min, max } => format!("float {min}..{max}"),
            Kind::Int { min, max } => format!("int {min}..{max}"),
            Kind::Choice(words) => words.join("|"),
            Kind::Symbol => "symbol".into(),
            Kind::Floats { lens, min, max } => {
                let lens: Vec<String> = lens.iter().map(|n| n.to_string()).collect();
                format!("{} floats {min}..{max}", lens.join(" or "))
            }
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

/// One message an object takes (and the OSC address that does the same).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageDecl {
    pub name: &'static str,
    pub args: &'static [Arg],
    pub doc: &'static str,
    /// A working example of the arguments (may be empty), shown in docs and help patches and
    /// sent by the tests.
    pub example: &'static str,
    /// An attribute: also settable at creation as `@name value`, and reported by `dump`.
    pub attribute: bool,
}

/// One outlet of an object (Pd/Max) - what comes out of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutletDecl {
    pub name: &'static str,
    pub doc: &'static str,
    /// A signal outlet.
    pub signal: bool,
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
    pub messages: &'static [MessageDecl],
    pub outlets: &'static [OutletDecl],
}

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
        attribute: false,
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
        attribute: true,
        ..msg(name, args, doc, example)
    }
}

/// A control outlet.
pub const fn out(name: &'static str, doc: &'static str) -> OutletDecl {
    OutletDecl {
        name,
        doc,
        signal: false,
    }
}

/// A checked argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Float(f64),
    Int(i64),
    Symbol(String),
    Floats(Vec<f32>),
}

/// A message that matched its declaration: the arguments are present (up to the optional ones),
/// of the right type and in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub decl: &'static MessageDecl,
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

    /// Arguments named `path`, when relative and present in the patch's folder `dir`, become
    /// paths in that folder: `load models/groove` in a patch finds the folder beside the patch,
    /// as Pd and Max users expect of [soundfiler] and [buffer~]. Anything else is kept as given.
    pub fn resolve_paths(&self, selector: &str, args: &[Atom], dir: &std::path::Path) -> Vec<Atom> {
        let Some(m) = self.message(selector) else {
            return args.to_vec();
        };
        args.iter()
            .enumerate()
            .map(|(i, a)| match (m.args.get(i), a) {
                (Some(d), Atom::Symbol(s)) if d.name == "path" => {
                    let p = std::path::Path::new(s);
                    let there = dir.join(p);
                    if p.is_relative() && there.exists() {
                        Atom::Symbol(there.to_string_lossy().into_owned())
                    } else {
                        a.clone()
                    }
                }
                _ => a.clone(),
            })
            .collect()
    }

    /// Check `args` against the declaration of `selector`.
    pub fn parse(&self, selector: &str, args: &[Atom]) -> Result<Call> {
        let Some(decl) = self.messages.iter().find(|m| m.name == selector) else {
            return Err(Error::invalid(format!(
                "unknown message '{selector}' (messages: {})",
                self.messages
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        // SAFETY of the 'static: the tables are statics; find on a &'static slice.
        let decl: &'static MessageDecl = decl;
        let values = parse_args(decl.args, args)
            .map_err(|e| Error::invalid(format!("{selector}: {e} (usage: {})", usage(decl))))?;
        Ok(Call { decl, args: values })
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
                Some(m) if m.attribute => calls.push(self.parse(name, &tail[..end])?),
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
        self.messages.iter().filter(|m| m.attribute)
    }
}

/// `name arg1 [arg2]`: how the docs and error messages show a message.
pub fn usage(m: &MessageDecl) -> String {
    let mut s = m.name.to_string();
    for a in m.args {
        let shown = match a.kind {
            Kind::Floats { .. } => format!("{}...", a.name),
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
        (Kind::Symbol, Atom::Symbol(s)) => Ok(Value::Symbol(s.clone())),
        (Kind::Float { .. } | Kind::Int { .. }, Atom::Symbol(s)) => {
            Err(format!("{name} must be a number, got '{s}'"))
        }
        (Kind::Choice(_) | Kind::Symbol, Atom::Float(x)) => Err(format!(
            "{name} must be a symbol ({}), got {x}",
            d.kind.describe()
        )),
        (Kind::Floats { .. }, _) => unreachable!("handled by parse_args"),
    }
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
            attribute: false,
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
            attribute: true,
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
            attribute: false,
        },
    ];
    const OBJ: ObjectDecl = ObjectDecl {
        name: "t",
        osc: "t",
        doc: "",
        creation: &[],
        messages: MSGS,
        outlets: &[],
    };

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
