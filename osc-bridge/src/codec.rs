//! OSC on the wire: packets in (checked, then decoded by `rosc`), packets out, NTP time tags from
//! the daemon's monotonic clock, and the two TCP framings: SLIP (OSC 1.1) and the 32-bit length
//! prefix (OSC 1.0).
//!
//! Decoding never trusts the input: a packet is walked once before `rosc` sees it, so that
//! bundles nested too deep (which would recurse without bound), sizes that point past the end,
//! and lengths that are not multiples of 4 are refused with a reason. The symbol type tag `S`
//! (liblo's `oscsend ... S name`) is read as a string.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

/// Largest packet taken (and largest TCP frame), in bytes.
pub const MAX_PACKET: usize = 65_536;
/// Deepest nesting of bundles taken.
pub const MAX_BUNDLE_DEPTH: usize = 8;
/// Most messages one packet may carry (bundles included).
pub const MAX_MESSAGES: usize = 1024;

/// A message that arrived, with its arguments as they were typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub addr: String,
    pub args: Vec<OscType>,
    /// The time tag of the bundle it came in (the innermost), unless it came alone or in a
    /// bundle tagged "immediately".
    pub tag: Option<OscTime>,
}

/// Decode one packet (a UDP datagram or a TCP frame) into its messages, bundles flattened in
/// order. An error says what is wrong with the packet.
pub fn decode(bytes: &[u8]) -> Result<Vec<Incoming>, String> {
    if bytes.len() > MAX_PACKET {
        return Err(format!(
            "packet of {} bytes is over the limit of {MAX_PACKET}",
            bytes.len()
        ));
    }
    let mut symbols = Vec::new();
    let mut count = 0usize;
    walk(bytes, 0, 0, &mut symbols, &mut count)?;
    let patched;
    let bytes = if symbols.is_empty() {
        bytes
    } else {
        let mut copy = bytes.to_vec();
        for i in symbols {
            copy[i] = b's';
        }
        patched = copy;
        &patched[..]
    };
    let (rest, packet) = rosc::decoder::decode_udp(bytes).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the end of the packet", rest.len()));
    }
    let mut out = Vec::new();
    flatten(packet, None, &mut out);
    Ok(out)
}

fn flatten(p: OscPacket, tag: Option<OscTime>, out: &mut Vec<Incoming>) {
    match p {
        OscPacket::Message(m) => out.push(Incoming {
            addr: m.addr,
            args: m.args,
            tag,
        }),
        OscPacket::Bundle(b) => {
            // (0, 1) means "immediately".
            let immediate = b.timetag.seconds == 0 && b.timetag.fractional == 1;
            let tag = if immediate { tag } else { Some(b.timetag) };
            for c in b.content {
                flatten(c, tag, out);
            }
        }
    }
}

/// The address of a message's packet (`None` for a bundle or a bad packet).
pub fn address(packet: &[u8]) -> Option<&str> {
    let (text, _) = osc_string(packet).ok()?;
    std::str::from_utf8(text)
        .ok()
        .filter(|a| a.starts_with('/'))
}

/// The OSC string at the start of `buf`: its text and its padded length.
fn osc_string(buf: &[u8]) -> Result<(&[u8], usize), String> {
    let end = buf
        .iter()
        .position(|&b| b == 0)
        .ok_or("a string without its terminating zero byte")?;
    let padded = (end + 4) & !3;
    if padded > buf.len() {
        return Err("a string whose padding runs past the end".into());
    }
    Ok((&buf[..end], padded))
}

/// Check the shape of a packet (`buf` starts at `base` in the whole packet); record where the
/// `S` type tags are.
fn walk(
    buf: &[u8],
    base: usize,
    depth: usize,
    symbols: &mut Vec<usize>,
    count: &mut usize,
) -> Result<(), String> {
    if buf.is_empty() {
        return Err("empty packet".into());
    }
    if buf.len() % 4 != 0 {
        return Err(format!(
            "length {} is not a multiple of 4 (OSC pads everything to 4 bytes)",
            buf.len()
        ));
    }
    if buf.starts_with(b"#bundle\0") {
        if depth >= MAX_BUNDLE_DEPTH {
            return Err(format!(
                "bundles nested deeper than {MAX_BUNDLE_DEPTH} levels"
            ));
        }
        if buf.len() < 16 {
            return Err("a bundle shorter than its header (16 bytes)".into());
        }
        let mut i = 16;
        while i < buf.len() {
            if i + 4 > buf.len() {
                return Err("a bundle element size cut off".into());
            }
            // (OSC's sizes are int32: a negative one is said as sent)
            let sent = i32::from_be_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
            i += 4;
            let size = usize::try_from(sent).unwrap_or(0);
            if size == 0 || size % 4 != 0 || size > buf.len() - i {
                return Err(format!(
                    "a bundle element of {sent} bytes where {} remain",
                    buf.len() - i
                ));
            }
            walk(&buf[i..i + size], base + i, depth + 1, symbols, count)?;
            i += size;
        }
        return Ok(());
    }
    if buf[0] != b'/' {
        return Err(format!(
            "not an OSC message or bundle (it starts with byte 0x{:02x}, not '/' or '#bundle')",
            buf[0]
        ));
    }
    *count += 1;
    if *count > MAX_MESSAGES {
        return Err(format!("more than {MAX_MESSAGES} messages in one packet"));
    }
    let (_, alen) = osc_string(buf)?;
    let tags = &buf[alen..];
    if tags.is_empty() {
        return Err("a message without a type tag string (',...')".into());
    }
    let (t, _) = osc_string(tags)?;
    if t.first() != Some(&b',') {
        return Err("a type tag string that does not start with ','".into());
    }
    for (j, &c) in t.iter().enumerate() {
        if c == b'S' {
            symbols.push(base + alen + j);
        }
    }
    Ok(())
}

/// A message as bytes.
pub fn message(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    encode(&OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    }))
}

/// Messages in one bundle with time tag `time`, as bytes.
pub fn bundle(time: OscTime, messages: Vec<OscMessage>) -> Vec<u8> {
    encode(&OscPacket::Bundle(OscBundle {
        timetag: time,
        content: messages.into_iter().map(OscPacket::Message).collect(),
    }))
}

fn encode(p: &OscPacket) -> Vec<u8> {
    // An OSC string ends at its first zero byte: one inside (a char 0 that came in, echoed in
    // an error) would cut the packet short for the receiver. Such strings go out with U+FFFD.
    let clean;
    let p = if has_nul(p) {
        clean = without_nul(p.clone());
        &clean
    } else {
        p
    };
    // Encoding into a Vec cannot fail; an empty packet would only mean a bug, never a panic.
    rosc::encoder::encode(p).unwrap_or_default()
}

fn has_nul(p: &OscPacket) -> bool {
    match p {
        OscPacket::Message(m) => {
            m.addr.contains('\0')
                || m.args
                    .iter()
                    .any(|a| matches!(a, OscType::String(s) if s.contains('\0')))
        }
        OscPacket::Bundle(b) => b.content.iter().any(has_nul),
    }
}

fn without_nul(p: OscPacket) -> OscPacket {
    let fix = |s: String| s.replace('\0', "\u{FFFD}");
    match p {
        OscPacket::Message(m) => OscPacket::Message(OscMessage {
            addr: fix(m.addr),
            args: m
                .args
                .into_iter()
                .map(|a| match a {
                    OscType::String(s) => OscType::String(fix(s)),
                    other => other,
                })
                .collect(),
        }),
        OscPacket::Bundle(b) => OscPacket::Bundle(OscBundle {
            timetag: b.timetag,
            content: b.content.into_iter().map(without_nul).collect(),
        }),
    }
}

/// The daemon's clock: milliseconds since it started, from a monotonic clock, and the NTP time
/// (OSC time tag) of any such instant. The NTP time of the start is read once from the system
/// clock, so time tags keep the exact spacing of the monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    /// NTP time of `start`, in 1/2^32 s since 1900.
    ntp_start: u64,
}

/// Seconds from 1900 (NTP) to 1970 (Unix).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

impl Clock {
    pub fn new() -> Clock {
        let start = Instant::now();
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let ntp_start = ((since.as_secs() + NTP_UNIX_OFFSET) << 32)
            + ((u64::from(since.subsec_nanos()) << 32) / 1_000_000_000);
        Clock { start, ntp_start }
    }

    /// Milliseconds since the clock started.
    pub fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// The monotonic instant of `at_ms` on this clock (times before the start are the start):
    /// what the MIDI scheduler waits for, so MIDI and the OSC time tags agree.
    pub fn instant(&self, at_ms: f64) -> Instant {
        if at_ms.is_finite() && at_ms > 0.0 {
            self.start + Duration::from_secs_f64(at_ms / 1000.0)
        } else {
            self.start
        }
    }

    /// `at_ms` of a monotonic instant (the inverse of [`instant`](Self::instant)).
    pub fn ms_at(&self, t: Instant) -> f64 {
        match t.checked_duration_since(self.start) {
            Some(d) => d.as_secs_f64() * 1000.0,
            None => -(self.start.duration_since(t).as_secs_f64() * 1000.0),
        }
    }

    /// The OSC time tag of `at_ms` on this clock.
    pub fn timetag(&self, at_ms: f64) -> OscTime {
        let ticks = (at_ms / 1000.0 * 4_294_967_296.0).round();
        let t = (self.ntp_start as i128 + ticks as i128).clamp(2, u64::MAX as i128) as u64;
        OscTime {
            seconds: (t >> 32) as u32,
            fractional: t as u32,
        }
    }

    /// `at_ms` of an OSC time tag (the inverse of [`timetag`](Self::timetag)).
    pub fn ms_of(&self, t: OscTime) -> f64 {
        let ticks = ((u64::from(t.seconds) << 32) | u64::from(t.fractional)) as i128
            - self.ntp_start as i128;
        ticks as f64 / 4_294_967_296.0 * 1000.0
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// SLIP (RFC 1055) as OSC 1.1 uses it on streams: each packet between two END bytes.
pub mod slip {
    pub const END: u8 = 0xC0;
    pub const ESC: u8 = 0xDB;
    pub const ESC_END: u8 = 0xDC;
    pub const ESC_ESC: u8 = 0xDD;

    /// One packet as a double-ended SLIP frame.
    pub fn encode(packet: &[u8], out: &mut Vec<u8>) {
        out.reserve(packet.len() + 8);
        out.push(END);
        for &b in packet {
            match b {
                END => out.extend_from_slice(&[ESC, ESC_END]),
                ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
                _ => out.push(b),
            }
        }
        out.push(END);
    }

    /// A stream of SLIP frames back into packets.
    #[derive(Debug, Default)]
    pub struct Decoder {
        buf: Vec<u8>,
        esc: bool,
        bad: Option<String>,
        /// The frame being read went over the limit (already reported); bytes are skipped
        /// until its END.
        over: bool,
    }

    impl Decoder {
        /// Feed bytes; every complete frame is handed to `f`: its packet, or why it was
        /// dropped (a bad escape). A frame over the limit is reported as soon as it passes the
        /// limit, not at its END, which may never come ([`over_limit`](Self::over_limit) is
        /// then true until that END). Empty frames (END END) are skipped.
        pub fn feed(&mut self, data: &[u8], mut f: impl FnMut(Result<Vec<u8>, String>)) {
            for &b in data {
                if b == END {
                    let bad = self.bad.take();
                    let frame = std::mem::take(&mut self.buf);
                    self.esc = false;
                    if std::mem::take(&mut self.over) {
                        continue;
                    }
                    match bad {
                        Some(why) => f(Err(why)),
                        None if frame.is_empty() => {}
                        None => f(Ok(frame)),
                    }
                    continue;
                }
                if self.bad.is_some() || self.over {
                    continue;
                }
                let byte = if self.esc {
                    self.esc = false;
                    match b {
                        ESC_END => END,
                        ESC_ESC => ESC,
                        other => {
                            self.bad =
                                Some(format!("SLIP frame with a bad escape (0xDB 0x{other:02x})"));
                            self.buf.clear();
                            continue;
                        }
                    }
                } else if b == ESC {
                    self.esc = true;
                    continue;
                } else {
                    b
                };
                if self.buf.len() >= super::MAX_PACKET {
                    self.over = true;
                    self.buf = Vec::new();
                    f(Err(format!(
                        "SLIP frame over the limit of {} bytes",
                        super::MAX_PACKET
                    )));
                    continue;
                }
                self.buf.push(byte);
            }
        }

        /// Is a frame over the limit being skipped (reported, its END not yet seen)?
        pub fn over_limit(&self) -> bool {
            self.over
        }
    }
}

/// The OSC 1.0 stream framing: a big-endian 32-bit size before each packet.
pub mod lenprefix {
    /// One packet with its size in front.
    pub fn encode(packet: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        out.extend_from_slice(packet);
    }

    /// A stream of size-prefixed packets back into packets.
    #[derive(Debug, Default)]
    pub struct Decoder {
        buf: Vec<u8>,
    }

    impl Decoder {
        /// Feed bytes; complete packets go to `f`. A size over the limit is an error after
        /// which the stream cannot be followed any more (the caller closes it).
        pub fn feed(&mut self, data: &[u8], mut f: impl FnMut(Vec<u8>)) -> Result<(), String> {
            self.buf.extend_from_slice(data);
            let mut at = 0;
            while self.buf.len() - at >= 4 {
                let b = &self.buf[at..];
                let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                if size > super::MAX_PACKET {
                    return Err(format!(
                        "a stream packet of {size} bytes is over the limit of {}",
                        super::MAX_PACKET
                    ));
                }
                if b.len() - 4 < size {
                    break;
                }
                f(b[4..4 + size].to_vec());
                at += 4 + size;
            }
            self.buf.drain(..at);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(addr: &str, args: Vec<OscType>) -> Vec<u8> {
        message(addr, args)
    }

    #[test]
    fn golden_bytes_of_a_message() {
        let b = msg("/a", vec![OscType::Int(1), OscType::Float(2.5)]);
        assert_eq!(
            b,
            [b'/', b'a', 0, 0, b',', b'i', b'f', 0, 0, 0, 0, 1, 0x40, 0x20, 0, 0]
        );
        assert_eq!(
            decode(&b).unwrap(),
            vec![Incoming {
                addr: "/a".into(),
                args: vec![OscType::Int(1), OscType::Float(2.5)],
                tag: None,
            }]
        );
    }

    #[test]
    fn symbols_read_as_strings_and_bundles_flatten() {
        let mut b = msg("/x", vec![OscType::String("kick".into())]);
        // ",s" -> ",S" as liblo writes a symbol
        let at = b.iter().position(|&c| c == b',').unwrap() + 1;
        b[at] = b'S';
        assert_eq!(
            decode(&b).unwrap()[0].args,
            vec![OscType::String("kick".into())]
        );
        let inner = OscMessage {
            addr: "/n".into(),
            args: vec![],
        };
        let bb = bundle(
            OscTime {
                seconds: 1,
                fractional: 0,
            },
            vec![inner.clone(), inner],
        );
        assert_eq!(decode(&bb).unwrap().len(), 2);
    }

    #[test]
    fn bad_packets_say_what_is_wrong() {
        let e = |b: &[u8]| decode(b).unwrap_err();
        assert!(e(b"").contains("empty"));
        assert!(e(b"/ab").contains("multiple of 4"));
        assert!(e(b"xyz\0").contains("starts with byte 0x78"));
        assert!(e(b"/abc").contains("terminating zero"));
        assert!(e(b"/ab\0").contains("without a type tag"));
        assert!(e(b"/ab\0i\0\0\0").contains("does not start with ','"));
        // an int promised, none given
        assert!(!e(b"/ab\0,i\0\0").is_empty());
        // a bundle element pointing past the end
        let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
        b.extend_from_slice(&[0, 0, 1, 0]);
        assert!(e(&b).contains("bundle element"), "{}", e(&b));
        // a negative size (OSC's sizes are int32): said as it was sent, not as 4294967292
        let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
        b.extend_from_slice(&(-4i32).to_be_bytes());
        assert!(e(&b).contains("a bundle element of -4 bytes"), "{}", e(&b));
        // bundles nested 20 deep
        let mut p = msg("/a", vec![]);
        for _ in 0..20 {
            let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
            b.extend_from_slice(&(p.len() as u32).to_be_bytes());
            b.extend_from_slice(&p);
            p = b;
        }
        assert!(e(&p).contains("nested deeper"));
        assert!(e(&vec![b'/'; MAX_PACKET + 4]).contains("over the limit"));
    }

    #[test]
    fn zero_bytes_inside_strings_never_cut_a_packet_short() {
        let b = msg("/bandmate/error", vec![OscType::String("a\0b".into())]);
        let m = decode(&b).unwrap();
        assert_eq!(m[0].args, vec![OscType::String("a\u{FFFD}b".into())]);
    }

    #[test]
    fn time_tags_keep_exact_spacing() {
        let c = Clock::new();
        let a = c.timetag(1000.0);
        let b = c.timetag(1000.125);
        let ticks = |t: OscTime| ((u64::from(t.seconds) << 32) | u64::from(t.fractional)) as i128;
        let d = ticks(b) - ticks(a);
        // 0.125 ms = 536870.912 ticks
        assert!((d - 536_871).abs() <= 1, "{d}");
        assert!((c.ms_of(c.timetag(1234.5678)) - 1234.5678).abs() < 1e-6);
        // about now, in NTP seconds
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let now = c.timetag(c.now_ms());
        assert!((i64::from(now.seconds) - (unix + NTP_UNIX_OFFSET) as i64).abs() <= 2);
    }

    #[test]
    fn slip_round_trip_and_errors() {
        let packets: Vec<Vec<u8>> = vec![
            vec![1, 2, 3],
            vec![slip::END, slip::ESC, 0, slip::END],
            (0..=255).collect(),
        ];
        let mut stream = Vec::new();
        for p in &packets {
            slip::encode(p, &mut stream);
        }
        let mut d = slip::Decoder::default();
        let mut got = Vec::new();
        // fed in awkward pieces
        for chunk in stream.chunks(3) {
            d.feed(chunk, |r| got.push(r.unwrap()));
        }
        assert_eq!(got, packets);
        let mut errs = Vec::new();
        d.feed(
            &[slip::END, slip::ESC, 7, 1, slip::END, 5, slip::END],
            |r| errs.push(r),
        );
        assert!(errs[0].as_ref().unwrap_err().contains("bad escape"));
        assert_eq!(errs[1], Ok(vec![5]));
        let big = vec![1u8; MAX_PACKET + 10];
        let mut errs = Vec::new();
        d.feed(&big, |r| errs.push(r));
        // Reported at the limit, before any END.
        assert_eq!(errs.len(), 1);
        assert!(errs[0].as_ref().unwrap_err().contains("over the limit"));
        assert!(d.over_limit());
        d.feed(&[slip::END, 9, slip::END], |r| errs.push(r));
        assert_eq!(errs[1], Ok(vec![9]));
        assert!(!d.over_limit());
    }

    #[test]
    fn length_prefix_round_trip_and_limit() {
        let mut s = Vec::new();
        lenprefix::encode(&[1, 2, 3, 4], &mut s);
        lenprefix::encode(&[5; 8], &mut s);
        let mut d = lenprefix::Decoder::default();
        let mut got = Vec::new();
        for c in s.chunks(5) {
            d.feed(c, |p| got.push(p)).unwrap();
        }
        assert_eq!(got, vec![vec![1, 2, 3, 4], vec![5; 8]]);
        assert!(d.feed(&[0xff, 0, 0, 0], |_| {}).is_err());
    }
}
