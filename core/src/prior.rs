//! The joint prior a groove model draws missing latents from (`prior.json` in its folder,
//! fitted by `models/train/prior.py`).
//!
//! The VAE pulls each latent towards N(0, 1), but real loops do not fill N(0, 1): drawing the
//! nine voice latents independently from it gives kits whose voices do not agree on one groove,
//! and drawing the groove latent from it gives the feel of the (swing-augmented) training data.
//! The prior is a mixture of diagonal normals fitted to the encoder's readings of real training
//! loops. A loop picks one component, weighted by how well each explains the gestures that were
//! given (their encodings), and draws every missing latent from that component, so the missing
//! voices, the feel and the accents agree with each other and with what was given.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::rng::Rng;

pub const PRIOR_FORMAT: &str = "bandmate-groove-prior";
pub const PRIOR_VERSION: u64 = 1;
/// The largest prior.json read (the shipped one is about 0.3 MB).
pub const MAX_BYTES: u64 = 32 << 20;
/// The range a latent's mean and spread may have: the latent is pulled to N(0, 1), so a value
/// far outside is a broken file, and a spread near 0 would divide by nothing.
const MAX_ABS: f32 = 1e3;
const MIN_STD: f32 = 1e-6;

/// A mixture of diagonal normals over the latent.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    z_dims: usize,
    log_weights: Vec<f32>,
    /// The styles this prior can be asked for, and each one's log weights of the components.
    styles: Vec<(String, Vec<f32>)>,
    /// `components x z_dims`, row-major.
    means: Vec<f32>,
    stds: Vec<f32>,
    /// `1 / stds` and `ln(stds)`, computed once: choosing a component reads every one.
    inv_stds: Vec<f32>,
    log_stds: Vec<f32>,
    /// How far a draw strays within its component, times its standard deviations (`scale` in
    /// prior.json, default 1; chosen on validation, see models/train/prior.py), per latent
    /// dimension: a latent may have its own (`latent_scales`: the performance latent strays
    /// further, so that the timing varies through the latent as in the paper's model).
    scales: Vec<f32>,
    /// How much more the common kinds of loop are chosen than their share when no style is
    /// asked (`focus` in prior.json, default 1): the components' weights are raised to this
    /// power before they are normalised (chosen on validation, see the model card).
    focus: f32,
    /// The components' log weights where the kit is the model's to choose, in place of the
    /// focus (`focus_weights` in prior.json, optional): each component's share of the training
    /// loops' readings, each reading weighed by the prior's density at it raised to the
    /// `density_focus`, so that the common kinds of loop are favoured however the fit split them
    /// into components (a kind split in two keeps its chances; under the focus it lost them).
    focus_weights: Option<Vec<f32>>,
    /// With a style, how much more the kinds of loop typical of it are chosen (`style_focus`,
    /// default 0): each component's share of the style's loops times, to this power, how much
    /// more of the style it holds than of all loops. Favouring the largest kinds instead (the
    /// `focus`) made one style's loops more alike than its drummers' (see the model card).
    style_focus: f32,
    /// Fills as a kind of loop: the components' log weights over the training loops the GMD
    /// labels `fill` (`fill_weights`, optional), favoured as a style is, by `fill_focus`
    /// (default 3). Chosen as the style after the last one (see [`Prior::fill`]).
    fill: Option<Vec<f32>>,
    fill_focus: f32,
}

fn bad(path: &Path, m: String) -> Error {
    Error::new(ErrorKind::Model(m)).at(path)
}

impl Prior {
    /// Read `prior.json`, checked against the model's latent size.
    pub fn read(path: &Path, z_dims: usize) -> Result<Prior> {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, &e))?
            .len();
        if size > MAX_BYTES {
            return Err(bad(
                path,
                format!("{size} bytes: more than a prior needs ({MAX_BYTES} at most)"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        let j: Value =
            serde_json::from_str(&text).map_err(|e| bad(path, format!("not valid JSON: {e}")))?;
        Prior::from_json(&j, z_dims).map_err(|m| bad(path, m))
    }

    fn from_json(j: &Value, z_dims: usize) -> std::result::Result<Prior, String> {
        if j["format"] != PRIOR_FORMAT || j["version"] != PRIOR_VERSION {
            return Err(format!(
                "expected format \"{PRIOR_FORMAT}\" version {PRIOR_VERSION}, found {} version {}",
                j["format"], j["version"]
            ));
        }
        if j["z_dims"].as_u64() != Some(z_dims as u64) {
            return Err(format!(
                "z_dims {} does not match the model's {z_dims}",
                j["z_dims"]
            ));
        }
        let numbers = |v: &Value, what: &str| -> std::result::Result<Vec<f32>, String> {
            v.as_array()
                .ok_or_else(|| format!("{what} is not a list"))?
                .iter()
                .map(|x| {
                    x.as_f64()
                        .map(|x| x as f32)
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| format!("{what}: {x} is not a number"))
                })
                .collect()
        };
        let weights = numbers(&j["weights"], "weights")?;
        let k = weights.len();
        if k == 0 || k > 4096 {
            return Err(format!("{k} components; expected 1..4096"));
        }
        if weights.iter().any(|&w| !w.is_normal() || w <= 0.0) {
            return Err("a component's weight is not positive".into());
        }
        let total: f32 = weights.iter().sum();
        if (total - 1.0).abs() > 1e-3 {
            return Err(format!("the weights add up to {total}, not 1"));
        }
        let rows = |name: &str| -> std::result::Result<Vec<f32>, String> {
            let list = j[name]
                .as_array()
                .ok_or_else(|| format!("{name} is not a list"))?;
            if list.len() != k {
                return Err(format!("{} {name} for {k} components", list.len()));
            }
            let mut out = Vec::with_capacity(k * z_dims);
            for (i, row) in list.iter().enumerate() {
                let row = numbers(row, &format!("{name}[{i}]"))?;
                if row.len() != z_dims {
                    return Err(format!(
                        "{name}[{i}] has {} values, not {z_dims}",
                        row.len()
                    ));
                }
                out.extend(row);
            }
            Ok(out)
        };
        let means = rows("means")?;
        let stds = rows("stds")?;
        if stds.iter().any(|&s| s <= 0.0) {
            return Err("a standard deviation is not positive".into());
        }
        if stds.iter().any(|&s| !(MIN_STD..=MAX_ABS).contains(&s))
            || means.iter().any(|m| m.abs() > MAX_ABS)
        {
            return Err(format!(
                "a mean or standard deviation is out of range (means within {MAX_ABS}, \
                 standard deviations {MIN_STD}..{MAX_ABS})"
            ));
        }
        let mut styles = Vec::new();
        if !j["styles"].is_null() {
            let names = j["styles"]
                .as_array()
                .ok_or("styles is not a list")?
                .iter()
                .map(|n| n.as_str().map(str::to_string).ok_or(format!("style {n}")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let table = j["style_weights"]
                .as_array()
                .filter(|t| t.len() == names.len())
                .ok_or("style_weights needs one row per style")?;
            for (name, row) in names.into_iter().zip(table) {
                let w = numbers(row, &format!("style_weights of {name}"))?;
                if w.len() != k || w.iter().any(|&x| !x.is_normal() || x <= 0.0) {
                    return Err(format!(
                        "style_weights of {name}: expected {k} positive weights"
                    ));
                }
                styles.push((name, w.iter().map(|x| x.ln()).collect()));
            }
        }
        // an optional list of prior.json: a positive weight per component, as logs
        let log_weights = |name: &str| -> std::result::Result<Option<Vec<f32>>, String> {
            match &j[name] {
                Value::Null => Ok(None),
                v => {
                    let w = numbers(v, name)?;
                    if w.len() != k || w.iter().any(|&x| !x.is_normal() || x <= 0.0) {
                        return Err(format!("{name}: expected {k} positive weights"));
                    }
                    Ok(Some(w.iter().map(|x| x.ln()).collect()))
                }
            }
        };
        let fill = log_weights("fill_weights")?;
        let focus_weights = log_weights("focus_weights")?;
        // an optional number of prior.json
        let setting = |name: &str, absent: f32, most: f32| -> std::result::Result<f32, String> {
            match &j[name] {
                Value::Null => Ok(absent),
                v => v
                    .as_f64()
                    .map(|x| x as f32)
                    .filter(|x| (0.0..=most).contains(x))
                    .ok_or_else(|| format!("{name} {v} is not a number in 0..{most}")),
            }
        };
        let scale = setting("scale", 1.0, 4.0)?;
        let mut scales = vec![scale; z_dims];
        match &j["latent_scales"] {
            Value::Null => {}
            Value::Array(list) => {
                for l in list {
                    let name = l["name"].as_str().unwrap_or("a latent");
                    let (Some(at), Some(dims)) = (l["offset"].as_u64(), l["dims"].as_u64()) else {
                        return Err(format!("latent_scales: {name} lacks offset/dims"));
                    };
                    let (at, dims) = (at as usize, dims as usize);
                    if at.checked_add(dims).is_none_or(|end| end > z_dims) {
                        return Err(format!(
                            "latent_scales: {name} at {at} (+{dims}) is beyond z_dims {z_dims}"
                        ));
                    }
                    let s = l["scale"]
                        .as_f64()
                        .map(|x| x as f32)
                        .filter(|x| (0.0..=4.0).contains(x))
                        .ok_or_else(|| {
                            format!(
                                "latent_scales: {name}'s scale {} is not in 0..4",
                                l["scale"]
                            )
                        })?;
                    scales[at..at + dims].fill(s);
                }
            }
            other => return Err(format!("latent_scales {other} is not a list")),
        }
        let focus = setting("focus", 1.0, 8.0)?;
        let style_focus = setting("style_focus", 0.0, 8.0)?;
        let fill_focus = setting("fill_focus", 3.0, 8.0)?;
        Ok(Prior {
            z_dims,
            log_weights: weights.iter().map(|w| w.ln()).collect(),
            styles,
            inv_stds: stds.iter().map(|s| 1.0 / s).collect(),
            log_stds: stds.iter().map(|s| s.ln()).collect(),
            means,
            stds,
            scales,
            focus,
            focus_weights,
            style_focus,
            fill,
            fill_focus,
        })
    }

    pub fn components(&self) -> usize {
        self.log_weights.len()
    }

    /// The styles it can be asked for (the GMD's, those with enough training loops).
    pub fn styles(&self) -> impl Iterator<Item = &str> {
        self.styles.iter().map(|(n, _)| n.as_str())
    }

    /// The kind of loop a fill is, for [`Prior::choose`] as a style, where this prior knows it.
    pub fn fill(&self) -> Option<usize> {
        self.fill.as_ref().map(|_| self.styles.len())
    }

    /// The index of style `name`, for [`Prior::choose`].
    pub fn style(&self, name: &str) -> Option<usize> {
        self.styles.iter().position(|(n, _)| n == name)
    }

    /// Which component a loop comes from: each weighted by how likely it makes `given`'s
    /// values (`(dimension, value)`: the readings of the gestures given), drawn from those
    /// odds (flattened or sharpened by the temperature, as hits are); at temperature 0 the
    /// most likely one. Without a style the components weigh their share of the training loops,
    /// where `focused` (the kit is the model's to choose: not a whole score given) their focus
    /// weights if the prior has them, else their share raised to the focus; with one (an index
    /// from [`Prior::style`]), their share of that style's loops, favouring the kinds typical of
    /// it by the style focus.
    pub fn choose(
        &self,
        given: &[(usize, f32)],
        style: Option<usize>,
        focused: bool,
        temperature: f32,
        rng: &mut Rng,
    ) -> usize {
        let logp = self.log_odds(given, style, focused);
        let best = (0..logp.len())
            .max_by(|&a, &b| logp[a].total_cmp(&logp[b]))
            .unwrap_or(0);
        if temperature <= 0.0 {
            return best;
        }
        let top = logp[best];
        let odds: Vec<f32> = logp
            .iter()
            .map(|&l| ((l - top) / temperature).exp())
            .collect();
        let mut u = rng.uniform() * odds.iter().sum::<f32>();
        for (c, &o) in odds.iter().enumerate() {
            if u < o {
                return c;
            }
            u -= o;
        }
        best
    }

    /// Each component's log weight plus the log-likelihood of the given readings under it.
    fn log_odds(&self, given: &[(usize, f32)], style: Option<usize>, focused: bool) -> Vec<f32> {
        let z = self.z_dims;
        let style = style.and_then(|i| match self.styles.get(i) {
            Some((_, w)) => Some((w, self.style_focus)),
            None if i == self.styles.len() => self.fill.as_ref().map(|w| (w, self.fill_focus)),
            None => None,
        });
        (0..self.components())
            .map(|c| {
                let at = c * z;
                let all = self.log_weights[c];
                let weight = match style {
                    Some((w, focus)) => w[c] + focus * (w[c] - all),
                    None if focused => match &self.focus_weights {
                        Some(f) => f[c],
                        None => self.focus * all,
                    },
                    None => all,
                };
                weight
                    - given
                        .iter()
                        .map(|&(d, x)| {
                            let u = (x - self.means[at + d]) * self.inv_stds[at + d];
                            0.5 * u * u + self.log_stds[at + d]
                        })
                        .sum::<f32>()
            })
            .collect()
    }

    /// Dimension `d` of a draw from component `c`, `eps` a standard normal draw already
    /// scaled by the temperature.
    pub fn draw(&self, c: usize, d: usize, eps: f32) -> f32 {
        let i = c * self.z_dims + d;
        self.means[i] + self.scales[d] * self.stds[i] * eps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Prior {
        // two kinds of loop in 2 dims: around (-3, -3) and around (+3, +3)
        Prior::from_json(
            &serde_json::json!({
                "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
                "weights": [0.5, 0.5],
                "means": [[-3.0, -3.0], [3.0, 3.0]],
                "stds": [[0.5, 0.5], [0.5, 0.5]],
            }),
            2,
        )
        .unwrap()
    }

    #[test]
    fn a_given_reading_picks_the_component_that_explains_it() {
        let p = two();
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            assert_eq!(p.choose(&[(0, 2.5)], None, true, 1.0, &mut rng), 1);
            assert_eq!(p.choose(&[(0, -2.8)], None, true, 1.0, &mut rng), 0);
        }
        // so the missing dimension agrees with the given one
        assert!(p.draw(1, 1, 0.0) > 2.9);
    }

    #[test]
    fn with_nothing_given_components_come_by_their_weights() {
        let p = two();
        let mut rng = Rng::new(2);
        let ones = (0..2000)
            .filter(|_| p.choose(&[], None, true, 1.0, &mut rng) == 1)
            .count();
        assert!((850..1150).contains(&ones), "{ones} of 2000");
        // at temperature 0: always the same one
        let first = p.choose(&[], None, true, 0.0, &mut rng);
        assert!((0..50).all(|_| p.choose(&[], None, true, 0.0, &mut rng) == first));
    }

    #[test]
    fn a_style_weighs_the_components_it_is_made_of() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [0.5, 0.5],
            "means": [[-3.0, -3.0], [3.0, 3.0]],
            "stds": [[0.5, 0.5], [0.5, 0.5]],
            "styles": ["jazz", "rock"],
            "style_weights": [[0.05, 0.95], [0.9, 0.1]],
        });
        let p = Prior::from_json(&j, 2).unwrap();
        assert_eq!(p.styles().collect::<Vec<_>>(), ["jazz", "rock"]);
        let jazz = p.style("jazz");
        assert_eq!(p.style("polka"), None);
        let mut rng = Rng::new(3);
        let ones = (0..1000)
            .filter(|_| p.choose(&[], jazz, true, 1.0, &mut rng) == 1)
            .count();
        assert!(ones > 900, "{ones} of 1000 from jazz's component");
        // what was given still counts: a reading only component 0 explains wins over the style
        assert_eq!(
            p.choose(&[(0, -3.0), (1, -3.0)], jazz, true, 1.0, &mut rng),
            0
        );
        j["style_weights"] = serde_json::json!([[0.5, 0.5]]);
        assert!(Prior::from_json(&j, 2)
            .unwrap_err()
            .contains("one row per style"));
    }

    #[test]
    fn fills_are_a_kind_of_loop_chosen_after_the_styles() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [0.9, 0.1],
            "means": [[-3.0, -3.0], [3.0, 3.0]],
            "stds": [[0.5, 0.5], [0.5, 0.5]],
            "styles": ["jazz"],
            "style_weights": [[0.5, 0.5]],
        });
        assert_eq!(
            Prior::from_json(&j, 2).unwrap().fill(),
            None,
            "no fill weights"
        );
        j["fill_weights"] = serde_json::json!([0.2, 0.8]);
        let p = Prior::from_json(&j, 2).unwrap();
        let fill = p.fill();
        assert_eq!(fill, Some(1), "after the one style");
        assert_eq!(p.styles().count(), 1, "not a style to ask for");
        let mut rng = Rng::new(4);
        let count = |p: &Prior, kind, rng: &mut Rng| {
            (0..1000)
                .filter(|_| p.choose(&[], kind, false, 1.0, rng) == 1)
                .count()
        };
        // the fills' component, rare among all loops, comes most of the time, more so than its
        // share of the fills (0.8) by the fill focus (3)
        let fills = count(&p, fill, &mut rng);
        assert!(fills > 950, "{fills} of 1000");
        assert!(count(&p, None, &mut rng) < 150);
        j["fill_focus"] = serde_json::json!(0.0);
        let plain = count(&Prior::from_json(&j, 2).unwrap(), fill, &mut rng);
        assert!((740..860).contains(&plain), "{plain} of 1000 at focus 0");
        j["fill_weights"] = serde_json::json!([1.0]);
        assert!(Prior::from_json(&j, 2)
            .unwrap_err()
            .contains("fill_weights"));
    }

    /// How often component `c` is chosen with nothing given, out of 4000 loops.
    fn share_chosen(p: &Prior, style: Option<usize>, focused: bool, c: usize) -> f32 {
        let mut rng = Rng::new(4);
        (0..4000)
            .filter(|_| p.choose(&[], style, focused, 1.0, &mut rng) == c)
            .count() as f32
            / 4000.0
    }

    #[test]
    fn focus_favours_the_common_kinds_of_loop() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [0.75, 0.25],
            "means": [[-3.0, -3.0], [3.0, 3.0]],
            "stds": [[0.5, 0.5], [0.5, 0.5]],
        });
        let share = |p: &Prior| share_chosen(p, None, true, 0);
        let plain = Prior::from_json(&j, 2).unwrap();
        assert!((share(&plain) - 0.75).abs() < 0.03, "{}", share(&plain));
        // 0.75^2 : 0.25^2 = 0.9 : 0.1
        j["focus"] = 2.0.into();
        let focused = Prior::from_json(&j, 2).unwrap();
        assert!((share(&focused) - 0.9).abs() < 0.03, "{}", share(&focused));
        // not where the kit is given (a whole score): the plain shares
        let unfocused = share_chosen(&focused, None, false, 0);
        assert!((unfocused - 0.75).abs() < 0.03, "{unfocused}");
        j["focus"] = (-1.0).into();
        assert!(Prior::from_json(&j, 2).unwrap_err().contains("focus"));
    }

    #[test]
    fn focus_weights_choose_the_kit_in_place_of_the_focus() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [0.75, 0.25],
            "means": [[-3.0, -3.0], [3.0, 3.0]],
            "stds": [[0.5, 0.5], [0.5, 0.5]],
            "focus": 2.0,
            "focus_weights": [0.2, 0.8],
            "styles": ["funk"],
            "style_weights": [[0.5, 0.5]],
        });
        let p = Prior::from_json(&j, 2).unwrap();
        // where the model chooses the kit: the focus weights, not the shares to the focus (0.9)
        let focused = share_chosen(&p, None, true, 0);
        assert!((focused - 0.2).abs() < 0.03, "{focused}");
        // a whole score given, and a style asked for: as before
        let unfocused = share_chosen(&p, None, false, 0);
        assert!((unfocused - 0.75).abs() < 0.03, "{unfocused}");
        let funk = share_chosen(&p, Some(0), true, 0);
        assert!((funk - 0.5).abs() < 0.03, "{funk}");
        // the readings given still weigh: near the rarer component, it is chosen
        let mut rng = Rng::new(3);
        assert_eq!(
            p.choose(&[(0, -3.0), (1, -3.0)], None, true, 1.0, &mut rng),
            0
        );
        for bad in [
            serde_json::json!([0.2]),
            serde_json::json!([0.2, 0.0]),
            serde_json::json!([0.2, "x"]),
        ] {
            j["focus_weights"] = bad;
            let e = Prior::from_json(&j, 2).unwrap_err();
            assert!(e.contains("focus_weights"), "{e}");
        }
    }

    #[test]
    fn style_focus_favours_the_kinds_of_loop_typical_of_the_style() {
        // component 0 is most of all loops and most of jazz's; component 1 is rare but a
        // larger part of jazz's: jazz's own kind
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 1,
            "weights": [0.9, 0.1],
            "means": [[-3.0], [3.0]],
            "stds": [[0.5], [0.5]],
            "styles": ["jazz"],
            "style_weights": [[0.7, 0.3]],
            "focus": 5.0,
        });
        let share_of_1 = |p: &Prior| share_chosen(p, Some(0), true, 1);
        // without a style focus, the style's own shares: the focus is not applied to them
        // (0.7^5 : 0.3^5 would give 1 a share of 0.014)
        let plain = Prior::from_json(&j, 1).unwrap();
        let s = share_of_1(&plain);
        assert!((s - 0.3).abs() < 0.03, "{s}");
        // 0.7 x (0.7 / 0.9) : 0.3 x (0.3 / 0.1) = 0.544 : 0.9, a share of 0.623
        j["style_focus"] = 1.0.into();
        let focused = Prior::from_json(&j, 1).unwrap();
        let s = share_of_1(&focused);
        assert!((s - 0.623).abs() < 0.03, "{s}");
    }

    #[test]
    fn the_scale_narrows_draws_within_a_component() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [1.0], "means": [[1.0, 2.0]], "stds": [[0.5, 2.0]],
        });
        assert_eq!(Prior::from_json(&j, 2).unwrap().draw(0, 1, 1.0), 4.0);
        j["scale"] = 0.5.into();
        let p = Prior::from_json(&j, 2).unwrap();
        assert_eq!((p.draw(0, 0, 1.0), p.draw(0, 1, -1.0)), (1.25, 1.0));
        j["scale"] = (-1.0).into();
        assert!(Prior::from_json(&j, 2).unwrap_err().contains("scale"));
    }

    #[test]
    fn a_latent_may_stray_further_than_the_scale() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 3, "scale": 0.5,
            "weights": [1.0], "means": [[1.0, 2.0, 0.0]], "stds": [[0.5, 2.0, 1.0]],
            "latent_scales": [{"name": "performance", "offset": 1, "dims": 2, "scale": 2.0}],
        });
        let p = Prior::from_json(&j, 3).unwrap();
        // dimension 0 at the prior's scale, 1 and 2 at the performance latent's
        assert_eq!(
            (p.draw(0, 0, 1.0), p.draw(0, 1, 1.0), p.draw(0, 2, -1.0)),
            (1.25, 6.0, -2.0)
        );
        j["latent_scales"][0]["dims"] = 3.into();
        let e = Prior::from_json(&j, 3).unwrap_err();
        assert!(e.contains("performance") && e.contains("z_dims"), "{e}");
        j["latent_scales"][0]["offset"] = u64::MAX.into();
        j["latent_scales"][0]["dims"] = 1.into();
        let e = Prior::from_json(&j, 3).unwrap_err();
        assert!(e.contains("beyond z_dims"), "{e}");
        j["latent_scales"][0]["offset"] = 1.into();
        j["latent_scales"][0]["dims"] = 2.into();
        j["latent_scales"][0]["scale"] = 9.0.into();
        let e = Prior::from_json(&j, 3).unwrap_err();
        assert!(e.contains("performance") && e.contains("scale"), "{e}");
        j["latent_scales"] = serde_json::json!({"performance": 2.0});
        assert!(Prior::from_json(&j, 3)
            .unwrap_err()
            .contains("latent_scales"));
    }

    #[test]
    fn bad_priors_are_refused_with_what_is_wrong() {
        let mut j = serde_json::json!({
            "format": PRIOR_FORMAT, "version": 1, "z_dims": 2,
            "weights": [0.5, 0.5],
            "means": [[-3.0, -3.0], [3.0, 3.0]],
            "stds": [[0.5, 0.5], [0.5, 0.0]],
        });
        let e = Prior::from_json(&j, 2).unwrap_err();
        assert!(e.contains("standard deviation"), "{e}");
        j["stds"][1][1] = 1e-30.into();
        assert!(Prior::from_json(&j, 2)
            .unwrap_err()
            .contains("out of range"));
        j["stds"][1][1] = 0.5.into();
        j["means"][0][0] = 1e9.into();
        assert!(Prior::from_json(&j, 2)
            .unwrap_err()
            .contains("out of range"));
        j["means"][0][0] = (-3.0).into();
        assert!(Prior::from_json(&j, 3).unwrap_err().contains("z_dims"));
        j["weights"] = serde_json::json!([0.5, 0.4]);
        assert!(Prior::from_json(&j, 2).unwrap_err().contains("add up"));
        j["weights"] = serde_json::json!([0.5, 0.5]);
        j["means"] = serde_json::json!([[1.0, 2.0]]);
        assert!(Prior::from_json(&j, 2).unwrap_err().contains("means"));
    }
}
