//! Scenes: an object's state as the messages that rebuild it (checked against its declaration
//! when recalled, like any message), plus what messages cannot say (the groove's exact loop) as
//! JSON, and whether it played. A host that keeps scenes (the OSC daemon's `scene save N`)
//! asks every object for its [`ScenePart`] ([`Object::scene`]) and writes them in one file
//! ([`SceneFile`]) atomically; recalling checks the whole file first, so a corrupt scene
//! changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::contract::Object;
use super::decl::{Atom, Flags};
use crate::error::{Error, Result};
use crate::fsutil;

/// The `format` word of a scene file.
pub const FORMAT: &str = "bandmate-scene";
/// The version of the scene file written; files of this version or older are read.
pub const VERSION: u32 = 1;
/// The largest scene file read (a groove scene is about 20 KB).
pub const MAX_BYTES: u64 = 4 << 20;

/// One message of a scene: its selector and arguments.
pub type SceneMessage = (String, Vec<Atom>);

/// One object's part of a scene.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenePart {
    /// Messages that rebuild the object's settings when sent again, in order.
    pub messages: Vec<SceneMessage>,
    /// What messages cannot say, in the object's own words ([`Object::recall_state`]).
    pub state: Option<Json>,
    /// Whether it played: recalled, it plays (a playing object switches at its next loop
    /// boundary); an object that did not play is left as it is.
    pub playing: bool,
}

/// A scene as written: every object's part by its OSC name, and what the host keeps besides
/// (the daemon: each fragment slot's file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SceneFile {
    pub parts: BTreeMap<String, ScenePart>,
    /// The host's own part (the daemon: the file of each fragment slot, slot 1 first).
    pub host: Json,
}

#[derive(Serialize, Deserialize)]
struct FilePart {
    #[serde(default)]
    messages: Vec<Vec<Json>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<Json>,
    #[serde(default)]
    playing: bool,
}

#[derive(Serialize, Deserialize)]
struct FileScene {
    format: String,
    version: u32,
    objects: BTreeMap<String, FilePart>,
    #[serde(default)]
    host: Json,
}

fn atom_json(a: &Atom) -> Json {
    match a {
        Atom::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Atom::Symbol(s) => Json::String(s.clone()),
    }
}

fn message_from_json(v: &[Json]) -> Result<SceneMessage> {
    let Some((Json::String(sel), args)) = v.split_first() else {
        return Err(Error::invalid(
            "a message must be a list starting with its name",
        ));
    };
    let args = args
        .iter()
        .map(|a| match a {
            Json::Number(n) => n
                .as_f64()
                .map(Atom::Float)
                .ok_or_else(|| Error::invalid(format!("{sel}: {n} is not a number"))),
            Json::String(s) => Ok(Atom::Symbol(s.clone())),
            other => Err(Error::invalid(format!(
                "{sel}: an argument must be a number or a word, not {other}"
            ))),
        })
        .collect::<Result<Vec<Atom>>>()?;
    Ok((sel.clone(), args))
}

impl SceneFile {
    /// The scene as JSON text.
    pub fn to_json(&self) -> String {
        let objects = self
            .parts
            .iter()
            .map(|(k, p)| {
                let messages = p
                    .messages
                    .iter()
                    .map(|(sel, args)| {
                        std::iter::once(Json::String(sel.clone()))
                            .chain(args.iter().map(atom_json))
                            .collect()
                    })
                    .collect();
                let part = FilePart {
                    messages,
                    state: p.state.clone(),
                    playing: p.playing,
                };
                (k.clone(), part)
            })
            .collect();
        let file = FileScene {
            format: FORMAT.into(),
            version: VERSION,
            objects,
            host: self.host.clone(),
        };
        serde_json::to_string_pretty(&file).expect("a scene is plain JSON")
    }

    /// A scene from JSON text: an error says what is wrong (not a scene, a newer version, a
    /// message that is not a list).
    pub fn from_json(text: &str) -> Result<SceneFile> {
        let file: FileScene = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("not a bandmate scene ({e})")))?;
        if file.format != FORMAT {
            return Err(Error::invalid(format!(
                "not a bandmate scene (format '{}')",
                file.format
            )));
        }
        if file.version > VERSION {
            return Err(Error::invalid(format!(
                "scene version {} is newer than this bandmate reads ({VERSION})",
                file.version
            )));
        }
        let mut parts = BTreeMap::new();
        for (k, p) in file.objects {
            let messages = p
                .messages
                .iter()
                .map(|m| message_from_json(m).map_err(|e| Error::invalid(format!("{k}: {e}"))))
                .collect::<Result<Vec<_>>>()?;
            parts.insert(
                k,
                ScenePart {
                    messages,
                    state: p.state,
                    playing: p.playing,
                },
            );
        }
        Ok(SceneFile {
            parts,
            host: file.host,
        })
    }

    /// Write the scene to `path` atomically (a crash leaves the old file or the new one).
    pub fn write(&self, path: &Path) -> Result<()> {
        fsutil::write_atomic(path, self.to_json().as_bytes())
    }

    /// Read a scene file (at most [`MAX_BYTES`]).
    pub fn read(path: &Path) -> Result<SceneFile> {
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, &e))?
            .len();
        if len > MAX_BYTES {
            return Err(Error::invalid(format!(
                "{}: {len} bytes is too big for a scene (at most {MAX_BYTES})",
                path.display()
            )));
        }
        let bytes = fsutil::read(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::invalid(format!("{}: not a bandmate scene", path.display())))?;
        SceneFile::from_json(&text).map_err(|e| Error::invalid(format!("{}: {e}", path.display())))
    }
}

/// Every attribute of `o` as the message that sets it to its value now (those only for offline
/// work, like `blocking`, left out): where an object's scene starts.
pub fn attribute_messages(o: &dyn Object) -> Vec<SceneMessage> {
    o.decl()
        .attributes()
        .filter(|m| !m.flags.has(Flags::OFFLINE))
        .filter_map(|m| {
            o.attribute(m.name)
                .map(|v| (m.name.to_string(), vec![Atom::Float(v)]))
        })
        .collect()
}

/// A message of a scene.
pub fn message(sel: &str, args: Vec<Atom>) -> SceneMessage {
    (sel.to_string(), args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene() -> SceneFile {
        let mut parts = BTreeMap::new();
        parts.insert(
            "groove".to_string(),
            ScenePart {
                messages: vec![
                    message("swing", vec![Atom::Float(58.25)]),
                    message("style", vec![Atom::sym("funk")]),
                    message("clear", vec![]),
                ],
                state: Some(serde_json::json!({"x": [0.1f32]})),
                playing: true,
            },
        );
        SceneFile {
            parts,
            host: serde_json::json!({"slots": [null, "a.wav"]}),
        }
    }

    #[test]
    fn a_scene_comes_back_from_its_file_as_it_was() {
        let s = scene();
        assert_eq!(SceneFile::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn what_is_not_a_scene_is_refused_with_its_reason() {
        for (text, says) in [
            ("{", "not a bandmate scene"),
            (
                r#"{"format": "bandmate-pattern", "version": 1, "objects": {}}"#,
                "format 'bandmate-pattern'",
            ),
            (
                r#"{"format": "bandmate-scene", "version": 99, "objects": {}}"#,
                "newer",
            ),
            (
                r#"{"format": "bandmate-scene", "version": 1, "objects": {"groove": {"messages": [[1, 2]]}}}"#,
                "groove: a message must be a list starting with its name",
            ),
            (
                r#"{"format": "bandmate-scene", "version": 1, "objects": {"groove": {"messages": [["swing", [1]]]}}}"#,
                "swing: an argument must be a number or a word",
            ),
        ] {
            let e = SceneFile::from_json(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
