//! Documents made from the declarations, so they cannot drift from what the objects take: the
//! Pd help patches (`patches/pd/<name>-help.pd`) and the objects' reference (`docs/objects.md`).
//! Tests compare the committed files with these and open the help patches in real Pd.

use bandmate_core::objects::decl::{usage, ObjectDecl};
pub use bandmate_core::objects::HelpExtras;
use bandmate_core::objects::OBJECTS;

/// The head of `docs/objects.md`.
const OBJECTS_HEADER: &str = "# Objects reference

Generated from the declarations in `core/src/objects/` (do not edit by hand: run
`cargo run -p bandmate-gen`). The same messages work in Pure Data, in Max, and over OSC as
`/bandmate/<object>/<message>` (see `docs/osc.md`). In Pd and Max, attributes can also be given
when the object is created: `[bandmate.groove @tempo 96]`. Slots are numbered from 1. Errors go
to the console naming the object, and out of the info outlet as `error ...`; the object keeps its
state.

";

/// `docs/objects.md`: every registered object's messages, arguments and outlets.
pub fn objects_reference() -> String {
    let parts: Vec<String> = OBJECTS.iter().map(|e| markdown(e.decl)).collect();
    format!("{OBJECTS_HEADER}{}", parts.join("\n"))
}

/// Pd escapes for text in boxes: `,` `;` `$` are special.
fn pd_escape(s: &str) -> String {
    s.replace('\\', "/")
        .replace(',', " \\,")
        .replace(';', " \\;")
        .replace('$', "\\$")
}

/// Wrap a comment to about `width` characters (Pd comments wrap on their own; this keeps the
/// patch readable in a text editor too).
fn comment(x: i32, y: i32, text: &str) -> String {
    format!("#X text {x} {y} {};", pd_escape(text))
}

/// The extra message boxes shown after the example of message `name`.
fn more_of<'a>(
    name: &'a str,
    extras: &'a HelpExtras,
) -> impl Iterator<Item = &'a (&'static str, &'static str)> + 'a {
    extras
        .more_messages
        .iter()
        .filter(move |(text, _)| text.split_whitespace().next() == Some(name))
}

/// Every message box of the Pd help patch of `decl`, in the order shown (what a performer
/// clicks, top to bottom).
pub fn help_messages(decl: &ObjectDecl, extras: &HelpExtras) -> Vec<String> {
    let mut v = Vec::new();
    for m in decl.messages {
        v.push(format!("{} {}", m.name, m.example).trim().to_string());
        v.extend(more_of(m.name, extras).map(|(t, _)| t.to_string()));
    }
    v
}

/// The help patch of `decl` for Pd: every message as a clickable message box with its example
/// (connected to the object), its doc beside it, and every outlet going somewhere visible.
pub fn pd_help(decl: &ObjectDecl, extras: &HelpExtras) -> String {
    let mut lines = Vec::new();
    let mut n = 0usize; // object index in the canvas
    let mut add = |lines: &mut Vec<String>, line: String| {
        lines.push(line);
        n += 1;
        n - 1
    };
    let rows = decl.messages.len() + extras.more_messages.len();
    let display = pd_display_name(decl, extras);
    let display_h = if display.is_some() { 560 } else { 0 };
    let height = 140 + 32 * rows as i32 + 60 * extras.objects.len() as i32 + 260 + display_h;
    lines.push(format!("#N canvas 40 40 1100 {height} 12;"));
    add(
        &mut lines,
        comment(20, 10, &format!("[{}] - {}", decl.name, decl.doc)),
    );
    if !extras.intro.is_empty() {
        add(&mut lines, comment(20, 50, extras.intro));
    }
    let mut boxes = Vec::new();
    let mut y = 100;
    for m in decl.messages {
        let text = if m.example.is_empty() {
            m.name.to_string()
        } else {
            format!("{} {}", m.name, m.example)
        };
        let b = add(&mut lines, format!("#X msg 20 {y} {};", pd_escape(&text)));
        let mut doc = format!("{} - {}", usage(m), m.doc);
        if m.attribute() {
            doc.push_str(&format!(" (also @{} at creation)", m.name));
        }
        add(&mut lines, comment(420, y, &doc));
        boxes.push(b);
        y += 32;
        for (text, doc) in more_of(m.name, extras) {
            let b = add(&mut lines, format!("#X msg 20 {y} {};", pd_escape(text)));
            add(&mut lines, comment(420, y, doc));
            boxes.push(b);
            y += 32;
        }
    }
    y += 10;
    let obj = add(&mut lines, format!("#X obj 20 {y} {};", decl.name));
    for &b in &boxes {
        lines.push(format!("#X connect {b} 0 {obj} 0;"));
    }
    // An object that listens hears the sound card's first input.
    if decl.signal_inlets > 0 {
        let adc = add(&mut lines, format!("#X obj 300 {} adc~;", y - 36));
        lines.push(format!("#X connect {adc} 0 {obj} 0;"));
    }
    y += 50;
    for (i, o) in decl.outlets.iter().enumerate() {
        let x = 20 + 360 * i as i32;
        let mut py = y;
        for text in extras.outlet_objects.get(i).copied().unwrap_or(&[]) {
            let b = add(&mut lines, format!("#X obj {x} {py} {text};"));
            lines.push(format!("#X connect {obj} {i} {b} 0;"));
            // (the looper's map display is a 220-pixel square on the patch)
            py += if text.ends_with(".map.display") {
                232
            } else {
                36
            };
        }
        add(
            &mut lines,
            comment(
                x,
                py + 4,
                &format!("outlet {}: {} - {}", i + 1, o.name, o.doc),
            ),
        );
    }
    y += 200;
    for text in extras.objects {
        add(&mut lines, format!("#X obj 20 {y} {text};"));
        y += 36;
    }
    if let Some(name) = display {
        // the loop and the model's reading, shown from the info outlet
        add(
            &mut lines,
            comment(
                20,
                y,
                &format!(
                    "[{name} {}] shows each new loop and the model's reading of your gestures (its arrays are {}-loop-kick ...)",
                    decl.osc, decl.osc
                ),
            ),
        );
        y += 30;
        let d = add(&mut lines, format!("#X obj 20 {y} {name} {};", decl.osc));
        lines.push(format!(
            "#X connect {obj} {} {d} 0;",
            decl.outlets.len() - 1
        ));
        y += display_h - 30;
    }
    add(
        &mut lines,
        comment(
            20,
            y + 10,
            "bandmate - drums from your gestures. Groove MIDI Dataset (Magenta, CC BY 4.0) \
             trained the bundled model. See docs/objects.md.",
        ),
    );
    lines.join("\n") + "\n"
}

/// The reference section of one object, in Markdown: messages with arguments, types and
/// examples; outlets.
pub fn markdown(decl: &ObjectDecl) -> String {
    let mut s = format!("## `{}`\n\n{}\n\n", decl.name, decl.doc);
    if decl.max_only {
        s.push_str(
            "Max for Live only (a Live 12 MIDI Tool: it needs Live's note dictionaries); not in \
             Pd or over OSC. `docs/max.md` says how to use its devices.\n\n",
        );
    }
    if !decl.creation.is_empty() {
        let args: Vec<String> = decl
            .creation
            .iter()
            .map(|a| format!("`{}` ({}): {}", a.name, a.kind.describe(), a.doc))
            .collect();
        s.push_str(&format!(
            "Created as `[{} {}]`: {}.\n\n",
            decl.name,
            decl.creation
                .iter()
                .map(|a| a.name.to_uppercase())
                .collect::<Vec<_>>()
                .join(" "),
            args.join("; ")
        ));
    }
    s.push_str("| message | arguments | what it does | example |\n|---|---|---|---|\n");
    for m in decl.messages {
        let args: Vec<String> = m
            .args
            .iter()
            .map(|a| {
                format!(
                    "`{}`{}: {} - {}",
                    a.name,
                    if a.optional { " (optional)" } else { "" },
                    a.kind.describe().replace('|', "\\|"),
                    a.doc
                )
            })
            .collect();
        let attr = if m.attribute() {
            format!(" Also `@{}` at creation.", m.name)
        } else {
            String::new()
        };
        let example = if m.example.is_empty() {
            format!("`{}`", m.name)
        } else {
            format!("`{} {}`", m.name, m.example)
        };
        s.push_str(&format!(
            "| `{}` | {} | {}{} | {} |\n",
            m.name,
            if args.is_empty() {
                "-".into()
            } else {
                args.join("<br>")
            },
            m.doc,
            attr,
            example
        ));
    }
    s.push_str("\n| outlet | what comes out |\n|---|---|\n");
    for (i, o) in decl.outlets.iter().enumerate() {
        s.push_str(&format!(
            "| {} `{}`{} | {} |\n",
            i + 1,
            o.name,
            if o.signal { " (signal)" } else { "" },
            o.doc
        ));
    }
    s
}

/// The file name of `decl`'s display abstraction (`bandmate.groove.display.pd`), if it has
/// grids to show.
pub fn pd_display_name(decl: &ObjectDecl, extras: &HelpExtras) -> Option<String> {
    (!extras.grids.is_empty()).then(|| format!("{}.display", decl.name))
}

/// The Pd abstraction that shows `decl`'s info lines as arrays ([`HelpExtras::grids`]):
/// `[bandmate.groove.display NAME]` under the info outlet fills arrays `NAME-loop-kick`,
/// `NAME-reading-score-kick`, ... (graph on parent: they show in the patch), one graph a row.
pub fn pd_display(extras: &HelpExtras) -> String {
    const GRAPH_W: i32 = 384;
    const LABEL_W: i32 = 90;
    let mut objs: Vec<String> = Vec::new();
    let mut connects: Vec<(usize, usize, usize)> = Vec::new();
    let inlet = objs.len();
    objs.push("#X obj 700 10 inlet;".into());
    let mut y = 0; // inside the graph-on-parent area
    let mut ry = 50; // the routing, right of it
    for g in extras.grids {
        objs.push(format!("#X text 0 {y} {};", pd_escape(g.doc)));
        y += 22;
        let mut from = inlet;
        for w in g.line {
            let r = objs.len();
            objs.push(format!("#X obj 700 {ry} route {w};"));
            connects.push((from, 0, r));
            from = r;
            ry += 30;
        }
        let rows: Vec<Option<&str>> = if g.rows.is_empty() {
            vec![None]
        } else {
            g.rows.iter().map(|r| Some(*r)).collect()
        };
        let router = if g.rows.is_empty() {
            None
        } else {
            let r = objs.len();
            objs.push(format!("#X obj 700 {ry} route {};", g.rows.join(" ")));
            connects.push((from, 0, r));
            ry += 30;
            Some(r)
        };
        let h = if g.rows.is_empty() { 24 } else { 12 };
        for (k, row) in rows.iter().enumerate() {
            let name = g.name("\\$1", *row);
            let set = objs.len();
            objs.push(format!("#X obj 700 {ry} array set {name};"));
            connects.push(match router {
                Some(r) => (r, k, set),
                None => (from, 0, set),
            });
            ry += 26;
            if let Some(row) = row {
                objs.push(format!("#X text 0 {} {row};", y - 3));
            }
            let (top, bottom) = (g.range.1, g.range.0);
            objs.push(format!(
                "#N canvas 0 50 450 250 (subpatch) 0;\n#X array {name} {} float 10;\n\
                 #X coords 0 {top} {} {bottom} {GRAPH_W} {h} 1 0 0;\n#X restore {LABEL_W} {y} graph;",
                g.len, g.len
            ));
            y += h + 4;
        }
        y += 10;
        ry += 10;
    }
    let mut out = vec![format!(
        "#N canvas 40 40 1000 {} 12;",
        (ry + 40).max(y + 40)
    )];
    out.extend(objs);
    for (a, o, b) in connects {
        out.push(format!("#X connect {a} {o} {b} 0;"));
    }
    out.push(format!(
        "#X coords 0 -1 1 1 {} {} 1 0 0;",
        LABEL_W + GRAPH_W + 4,
        y
    ));
    out.join("\n") + "\n"
}
