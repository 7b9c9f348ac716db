//! The looper help patcher's map display (`patches/max/bandmate.looper.map.js`, a [jsui]) run
//! in Node.js with Max's js globals stood in for (mgraphics records what it draws, `outlet`
//! what it sends): the info lines of `map` become dots where the map says, `chose` rings one, a
//! new map or corpus forgets the old points, and a click sends `choose X Y` in the map's units.
//! Node.js is installed by scripts/setup (scripts/debian-packages.txt).

use std::path::Path;
use std::process::Command;

const STUB: &str = r#"
const fs = require('fs'), vm = require('vm');
const drawn = [], sent = [];
let shape = null;
global.mgraphics = {
  init() {}, redraw() {}, set_line_width() {},
  set_source_rgba(r, g, b, a) { shape = [r, g, b]; },
  rectangle() {}, fill() { if (shape && this.last) drawn.push(['fill', ...this.last]); this.last = null; },
  stroke() { if (this.last) drawn.push(['ring', ...this.last]); this.last = null; },
  ellipse(x, y, w, h) { this.last = [x + w / 2, y + h / 2]; },
};
global.box = { rect: [10, 10, 230, 230] };
global.outlet = (...a) => sent.push(a);
global.arrayfromargs = (a) => Array.from(a);
vm.runInThisContext(fs.readFileSync(process.argv[2], 'utf8'));
function send(line) {
  const w = line.split(' ');
  global.messagename = w[0];
  anything(...w.slice(1).map((x) => (isNaN(Number(x)) ? x : Number(x))));
}
const frames = [];
for (const step of JSON.parse(process.argv[3])) {
  if (step === 'paint') { drawn.length = 0; paint(); frames.push(drawn.slice()); }
  else if (step.startsWith('click ')) { const [x, y] = step.slice(6).split(' ').map(Number); onclick(x, y); }
  else send(step);
}
console.log(JSON.stringify({ frames, sent }));
"#;

fn run(steps: &[&str]) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("bandmate-mapjs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stub = dir.join("stub.js");
    std::fs::write(&stub, STUB).unwrap();
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/max/bandmate.looper.map.js");
    let out = Command::new("node")
        .arg(&stub)
        .arg(&js)
        .arg(serde_json::to_string(steps).unwrap())
        .output()
        .expect("node (scripts/setup installs nodejs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn dots(frame: &serde_json::Value, kind: &str) -> Vec<(f64, f64)> {
    frame
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d[0] == kind)
        .map(|d| (d[1].as_f64().unwrap(), d[2].as_f64().unwrap()))
        .collect()
}

#[test]
fn the_map_display_draws_the_points_rings_the_chosen_one_and_clicks_choose() {
    let r = run(&[
        "corpus 19 4 groove",
        "point 1 0 0 seg-a",
        "point 2 1 1 seg-b",
        "point 3 0.5 0.25 seg-c",
        "map 3 pca",
        "paint",
        "chose 2 seg-b",
        "paint",
        "click 6 6",
        "click 214 214",
        "click 300 -20",
        // a smaller map: point 3 is an older map's
        "point 1 0.5 0.5 seg-a",
        "map 2 tsne",
        "paint",
        "playing 1 seg-a",
        "corpus 4 1 mine",
        "paint",
    ]);
    let frames = r["frames"].as_array().unwrap();
    // 220 pixels, a 6-pixel margin: (0, 0) bottom left, (1, 1) top right, y up
    assert_eq!(
        dots(&frames[0], "fill"),
        vec![(6.0, 214.0), (214.0, 6.0), (110.0, 162.0)]
    );
    assert!(dots(&frames[0], "ring").is_empty());
    assert_eq!(dots(&frames[1], "ring"), vec![(214.0, 6.0)]);
    assert_eq!(dots(&frames[2], "fill"), vec![(110.0, 110.0), (214.0, 6.0)]);
    assert!(
        dots(&frames[3], "fill").is_empty(),
        "a new corpus clears the map"
    );
    let sent: Vec<(String, f64, f64)> = r["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s[0], 0, "out of its only outlet");
            (
                s[1].as_str().unwrap().to_string(),
                s[2].as_f64().unwrap(),
                s[3].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            ("choose".to_string(), 0.0, 1.0),
            ("choose".to_string(), 1.0, 0.0),
            ("choose".to_string(), 1.0, 1.0),
        ]
    );
}

#[test]
fn the_looper_help_has_the_map_display_and_the_package_carries_its_script() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let help: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo.join("patches/max/bandmate.looper.maxhelp")).unwrap(),
    )
    .unwrap();
    let boxes = help["patcher"]["boxes"].as_array().unwrap();
    let jsui = boxes
        .iter()
        .map(|b| &b["box"])
        .find(|b| b["maxclass"] == "jsui")
        .expect("a jsui in the looper help");
    assert_eq!(jsui["filename"], "bandmate.looper.map.js");
    let id = jsui["id"].as_str().unwrap();
    let looper = boxes
        .iter()
        .map(|b| &b["box"])
        .find(|b| {
            b["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("bandmate.looper"))
        })
        .unwrap()["id"]
        .as_str()
        .unwrap();
    let lines: Vec<(&str, u64, &str, u64)> = help["patcher"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let l = &l["patchline"];
            (
                l["source"][0].as_str().unwrap(),
                l["source"][1].as_u64().unwrap(),
                l["destination"][0].as_str().unwrap(),
                l["destination"][1].as_u64().unwrap(),
            )
        })
        .collect();
    // the info outlet into the display, the display's clicks into the looper
    assert!(lines.contains(&(looper, 1, id, 0)), "{lines:?}");
    assert!(lines.contains(&(id, 0, looper, 0)), "{lines:?}");
    let script = std::fs::read_to_string(repo.join("scripts/max-package")).unwrap();
    assert!(script.contains("cp patches/max/*.js \"$tmp/help/\""));
}
