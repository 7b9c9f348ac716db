//! The daemon's settings: from flags, or from a JSON config file whose keys are the flags'
//! long names with `_` for `-` (flags win over the file).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::protocol::DEFAULT_PORT;

/// Peers allowed to talk to the daemon (and to be subscribed): addresses or CIDR ranges.
/// Empty = everyone who can reach the bound address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowList(Vec<(IpAddr, u8)>);

impl AllowList {
    /// Parse entries like `127.0.0.1`, `192.168.1.0/24`, `::1`, `fe80::/10`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<AllowList, String> {
        let mut v = Vec::new();
        for e in entries {
            let e = e.as_ref().trim();
            let (ip, bits) = match e.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (e, None),
            };
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("allow: '{e}' is not an IP address or CIDR range"))?;
            let ip = canonical(ip);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits =
                match bits {
                    None => max,
                    Some(b) => b.parse::<u8>().ok().filter(|&b| b <= max).ok_or_else(|| {
                        format!("allow: '{e}' has a bad prefix length (0..{max})")
                    })?,
                };
            v.push((ip, bits));
        }
        Ok(AllowList(v))
    }

    /// Everyone allowed.
    pub fn is_open(&self) -> bool {
        self.0.is_empty()
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let ip = canonical(ip);
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The config file: every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub port: Option<u16>,
    pub tcp_port: Option<u16>,
    pub no_tcp: Option<bool>,
    pub tcp_idle: Option<f64>,
    pub lease: Option<f64>,
    pub bind: Option<String>,
    pub allow: Option<Vec<String>>,
    pub model: Option<PathBuf>,
    pub rules: Option<bool>,
    pub frag_dir: Option<PathBuf>,
    pub scenes: Option<PathBuf>,
    pub dataset: Option<PathBuf>,
    pub library: Option<PathBuf>,
    pub slots: Option<usize>,
    pub rate: Option<u32>,
    pub lookahead: Option<f64>,
    pub path: Option<Vec<PathBuf>>,
    pub subscribe: Option<Vec<String>>,
    pub midi_port: Option<String>,
    pub midi_channel: Option<u8>,
    pub midi_clock: Option<bool>,
    pub midi_in: Option<String>,
    pub link: Option<bool>,
    pub link_quantum: Option<f64>,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Which model the objects start with.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    /// The bundled model (beside the program, else the workspace's `models/`).
    Default,
    Dir(PathBuf),
    /// None: the objects' rule-based fallback.
    Rules,
}

/// Everything the daemon needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    /// None: no TCP listener.
    pub tcp_port: Option<u16>,
    /// A TCP connection that sends nothing for this long (seconds) and is not subscribed is
    /// closed; 0 = never.
    pub tcp_idle_s: f64,
    pub allow: AllowList,
    pub model: ModelChoice,
    pub frag_dir: PathBuf,
    /// Where `scene save N` writes scene-N.json (and its slots' files).
    pub scene_dir: PathBuf,
    /// Where `tag` keeps what it marks (made at start, and one of the folders OSC paths may
    /// point into).
    pub dataset_dir: PathBuf,
    /// Where `train` writes new models and `load NAME` finds them (made at start, and one of
    /// the folders OSC paths may point into).
    pub library_dir: PathBuf,
    pub slots: usize,
    pub sample_rate: u32,
    pub lookahead_ms: f64,
    /// Folders that paths given over OSC may point into (besides the fragment folder and the
    /// models folder).
    pub paths: Vec<PathBuf>,
    /// Subscribers from the start.
    pub subscribe: Vec<SocketAddr>,
    /// How long a subscription over UDP lasts unless renewed, in seconds (0 = for ever).
    pub lease_s: f64,
    /// The virtual MIDI port the notes also go to (none: no MIDI).
    pub midi_port: Option<String>,
    /// Its channel, 1..16.
    pub midi_channel: u8,
    /// Also send a MIDI clock on that port (24 pulses a beat, start, stop).
    pub midi_clock: bool,
    /// The virtual MIDI input port a clock, song position and notes come in on (none: no
    /// MIDI in).
    pub midi_in: Option<String>,
    /// Join the Ableton Link session (needs the `link` cargo feature).
    pub link: bool,
    /// Beats in a Link bar.
    pub link_quantum: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            tcp_port: Some(DEFAULT_PORT),
            tcp_idle_s: DEFAULT_TCP_IDLE_S,
            allow: AllowList::default(),
            model: ModelChoice::Default,
            frag_dir: PathBuf::from("out/fragments"),
            scene_dir: PathBuf::from("out/scenes"),
            dataset_dir: PathBuf::from("out/dataset"),
            library_dir: PathBuf::from("out/models"),
            slots: 4,
            sample_rate: 48_000,
            lookahead_ms: 50.0,
            paths: Vec::new(),
            subscribe: Vec::new(),
            lease_s: crate::daemon::DEFAULT_LEASE_S,
            midi_port: None,
            midi_channel: crate::midi::DEFAULT_CHANNEL,
            midi_clock: false,
            midi_in: None,
            link: false,
            link_quantum: crate::link::DEFAULT_QUANTUM,
        }
    }
}

/// How long a TCP connection may say nothing (and not be subscribed) before it is closed, in
/// seconds.
pub const DEFAULT_TCP_IDLE_S: f64 = 60.0;
/// Longest `--tcp-idle` accepted, in seconds (a day).
pub const MAX_TCP_IDLE_S: f64 = 86_400.0;

/// Longest lookahead accepted, in ms.
pub const MAX_LOOKAHEAD_MS: f64 = 1000.0;

/// Parse `host:port` (an IP literal or `localhost`) for `--subscribe`.
pub fn parse_host_port(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    match s.rsplit_once(':') {
        Some(("localhost", port)) => port
            .parse::<u16>()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .map_err(|_| format!("'{s}': bad port")),
        _ => s
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("'{s}' is not HOST:PORT")),
    }
}

impl Config {
    /// Check ranges; the error names the setting.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=crate::filebank::MAX_SLOTS).contains(&self.slots) {
            return Err(format!(
                "slots: {} is out of range 1..{}",
                self.slots,
                crate::filebank::MAX_SLOTS
            ));
        }
        bandmate_core::wav::check_sample_rate(self.sample_rate)
            .map_err(|e| format!("rate: {e}"))?;
        if !(self.lookahead_ms.is_finite()
            && self.lookahead_ms >= 0.0
            && self.lookahead_ms <= MAX_LOOKAHEAD_MS)
        {
            return Err(format!(
                "lookahead: {} ms is out of range 0..{MAX_LOOKAHEAD_MS}",
                self.lookahead_ms
            ));
        }
        if !(self.tcp_idle_s.is_finite() && (0.0..=MAX_TCP_IDLE_S).contains(&self.tcp_idle_s)) {
            return Err(format!(
                "tcp-idle: {} s is out of range 0..{MAX_TCP_IDLE_S} (0 = never)",
                self.tcp_idle_s
            ));
        }
        if !(self.lease_s.is_finite() && (0.0..=MAX_TCP_IDLE_S).contains(&self.lease_s)) {
            return Err(format!(
                "lease: {} s is out of range 0..{MAX_TCP_IDLE_S} (0 = for ever)",
                self.lease_s
            ));
        }
        crate::midi::check_channel(self.midi_channel)?;
        crate::link::check_quantum(self.link_quantum)?;
        if self.link {
            crate::link::check_built()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_match_addresses_and_ranges() {
        let a = AllowList::parse(&["127.0.0.1", "192.168.1.0/24", "fe80::/10"]).unwrap();
        let ok = |s: &str| a.permits(s.parse().unwrap());
        assert!(ok("127.0.0.1") && ok("192.168.1.77") && ok("fe80::1"));
        assert!(!ok("192.168.2.1") && !ok("10.0.0.1") && !ok("::1"));
        assert!(
            ok("::ffff:192.168.1.5"),
            "IPv4-mapped addresses count as IPv4"
        );
        assert!(AllowList::parse(&["0.0.0.0/0"])
            .unwrap()
            .permits("8.8.8.8".parse().unwrap()));
        assert!(AllowList::default().permits("8.8.8.8".parse().unwrap()));
        assert!(AllowList::parse(&["nope"]).unwrap_err().contains("'nope'"));
        assert!(AllowList::parse(&["1.2.3.4/33"])
            .unwrap_err()
            .contains("prefix length"));
    }

    #[test]
    fn config_files_refuse_unknown_keys() {
        let c: FileConfig =
            serde_json::from_str(r#"{"port": 9001, "allow": ["10.0.0.0/8"]}"#).unwrap();
        assert_eq!(c.port, Some(9001));
        assert!(serde_json::from_str::<FileConfig>(r#"{"prot": 1}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown field `prot`"));
        assert_eq!(
            parse_host_port("localhost:9000").unwrap(),
            "127.0.0.1:9000".parse().unwrap()
        );
        assert!(parse_host_port("nohostport").is_err());
    }
}
