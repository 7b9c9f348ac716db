// bandmate.looper.map.js: the looper's map drawn in a [jsui] (the looper's help patcher has
// one under the info outlet). It reads the info lines of [bandmate.looper] as they come:
//   point N X Y NAME   a segment of the map (X, Y from 0 to 1: across and up)
//   map N HOW          the map is whole: N segments (points above N are an older map's)
//   chose N NAME       the segment a 'choose' found: drawn ringed
//   corpus ...         a new corpus: the map is cleared until the next 'map'
// A click (or drag) on the map sends 'choose X Y' out of its outlet, into the looper.
// Max's own js (ES5): mgraphics, box, outlet, messagename are Max's.

inlets = 1;
outlets = 1;
mgraphics.init();
mgraphics.relative_coords = 0;
mgraphics.autofill = 0;

var MARGIN = 6;
var points = []; // index N -> [x, y, name]
var chosen = -1;

function size() {
    return [box.rect[2] - box.rect[0], box.rect[3] - box.rect[1]];
}

// where a map place (0..1 across, 0..1 up) is drawn, in pixels
function place(x, y) {
    var s = size();
    return [MARGIN + x * (s[0] - 2 * MARGIN), MARGIN + (1 - y) * (s[1] - 2 * MARGIN)];
}

function anything() {
    var a = arrayfromargs(arguments);
    if (messagename === "point" && a.length >= 3) {
        points[a[0]] = [a[1], a[2], a.length > 3 ? String(a[3]) : ""];
    } else if (messagename === "map" && a.length >= 1) {
        points.length = Math.min(points.length, a[0] + 1);
    } else if (messagename === "chose" && a.length >= 1) {
        chosen = a[0];
    } else if (messagename === "corpus") {
        points = [];
        chosen = -1;
    } else {
        return;
    }
    mgraphics.redraw();
}

function paint() {
    var s = size();
    mgraphics.set_source_rgba(0.94, 0.94, 0.94, 1);
    mgraphics.rectangle(0, 0, s[0], s[1]);
    mgraphics.fill();
    for (var n = 0; n < points.length; n++) {
        var p = points[n];
        if (!p) {
            continue;
        }
        var at = place(p[0], p[1]);
        mgraphics.set_source_rgba(0.19, 0.44, 0.82, 1);
        mgraphics.ellipse(at[0] - 3, at[1] - 3, 6, 6);
        mgraphics.fill();
        if (n === chosen) {
            mgraphics.set_source_rgba(0.85, 0.2, 0.1, 1);
            mgraphics.set_line_width(2);
            mgraphics.ellipse(at[0] - 6, at[1] - 6, 12, 12);
            mgraphics.stroke();
        }
    }
}

// a click at pixel (x, y): 'choose X Y' in the map's units
function onclick(x, y) {
    var s = size();
    var cx = Math.max(0, Math.min(1, (x - MARGIN) / (s[0] - 2 * MARGIN)));
    var cy = Math.max(0, Math.min(1, 1 - (y - MARGIN) / (s[1] - 2 * MARGIN)));
    outlet(0, "choose", cx, cy);
}

function ondrag(x, y, but) {
    if (but) {
        onclick(x, y);
    }
}
