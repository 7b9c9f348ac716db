"""The factorized, auxiliary-guided groove VAE (Gillick et al., "What to play and how to play it").

One encoder and one latent per gesture, as in the paper's 11-input variant:
  - a Score latent per voice (9 small MLP encoders, one 32-step row each),
  - a Groove latent (MLP over the squashed performance: hit, velocity, offset per step),
  - an Accent latent (MLP over the 32 accent flags).
Each latent is pulled to N(0, 1) with free bits. The latents, concatenated, drive a
bidirectional LSTM decoder that rebuilds hits, velocities and offsets of the whole loop;
auxiliary decoders rebuild each gesture from its own latent.

The decoder also sees the gestures the performer gave, each with a mask (given / not given).
Training drops gestures at random so that the decoder learns both ways; a gesture that is
not given is replaced by a latent drawn from the prior at generation time.

The graphs exported to ONNX are `Encoder` (gestures -> mu, logvar) and `Decoder`
(z, gestures, masks -> loop and auxiliary reconstructions); sampling, temperature and
"vary" steps happen between the two, in Rust.
"""

import math

import torch
from torch import nn

STEPS = 32
VOICES = 9
STEPS_PER_BAR = 16


class Config:
    """Sizes; written into model.json and the model card."""

    def __init__(self, **kw):
        self.score_latent = 4  # per voice
        self.groove_latent = 16
        self.accent_latent = 4
        self.score_hidden = 64
        self.groove_hidden = 256
        self.accent_hidden = 64
        self.dec_in = 128
        self.dec_hidden = 96  # per direction
        self.aux_hidden = 64
        # bits of KL the latents may use for free: 48 in all, as in the paper, shared by size
        self.free_bits = 48.0
        # where set, the groove latent's own free bits (the others then share the rest of
        # free_bits by size): lets the groove latent carry more of a performance's timing
        self.groove_free_bits = None
        # the performance latent (model format 4): read from each drum's own timing and
        # velocity, never a gesture (always drawn from the prior at generation), so the timing
        # varies through the latent as in the paper's model. 0: none (format 3's layout)
        self.perf_latent = 0
        self.perf_hidden = 256
        # where set, the performance latent's own free bits (else it shares free_bits by size)
        self.perf_free_bits = None
        # 1: the performance latent moves only each cell's timing and loudness (a head of its
        # own added before the offsets' and velocities' squashing), never which drums play: its
        # bits cannot go to the hits. 0: it joins the others at the LSTM's input
        self.perf_head = 1
        # 1: a groove given sets the feel: the performance latent moves the timing only where
        # no groove is given (with one, each drum's timing is relative to its tap, as before)
        self.perf_gate = 0
        for k, v in kw.items():
            if not hasattr(self, k):
                raise ValueError(f"unknown config key {k}")
            setattr(self, k, v)

    @property
    def lstm_z(self):
        """The latent dimensions the LSTM reads (all but a performance latent with its own
        head)."""
        return self.z_dims - (self.perf_latent if self.perf_head else 0)

    @property
    def z_dims(self):
        return (VOICES * self.score_latent + self.groove_latent + self.accent_latent
                + self.perf_latent)

    def latents(self):
        """(name, offset, dims) of every latent group, in z order."""
        names = ["kick", "snare", "closed_hat", "open_hat", "low_tom", "mid_tom", "high_tom",
                 "crash", "ride"]
        out, at = [], 0
        for n in names:
            out.append((n, at, self.score_latent))
            at += self.score_latent
        out.append(("groove", at, self.groove_latent))
        at += self.groove_latent
        out.append(("accent", at, self.accent_latent))
        at += self.accent_latent
        if self.perf_latent:
            out.append(("performance", at, self.perf_latent))
        return out

    def free_bits_of(self, dims, name=None):
        """The free bits of the latent `name` of `dims` dimensions."""
        if name == "groove" and self.groove_free_bits is not None:
            return self.groove_free_bits
        if name == "performance" and self.perf_free_bits is not None:
            return self.perf_free_bits
        shared = self.z_dims
        if self.groove_free_bits is not None:
            shared -= self.groove_latent
        if self.perf_free_bits is not None:
            shared -= self.perf_latent
        return self.free_bits * dims / shared

    def to_dict(self):
        return {k: v for k, v in vars(self).items()}


class VoiceLinear(nn.Module):
    """One linear layer per voice: [B, V, I] -> [B, V, O] (grouped, no weight sharing)."""

    def __init__(self, voices, i, o):
        super().__init__()
        self.w = nn.Parameter(torch.randn(voices, i, o) / math.sqrt(i))
        self.b = nn.Parameter(torch.zeros(voices, o))

    def forward(self, x):
        return torch.einsum("bvi,vio->bvo", x, self.w) + self.b


class Encoder(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.score1 = VoiceLinear(VOICES, STEPS, c.score_hidden)
        self.score2 = VoiceLinear(VOICES, c.score_hidden, 2 * c.score_latent)
        self.groove = nn.Sequential(
            nn.Linear(STEPS * 3, c.groove_hidden), nn.ReLU(),
            nn.Linear(c.groove_hidden, c.groove_hidden), nn.ReLU(),
            nn.Linear(c.groove_hidden, 2 * c.groove_latent))
        self.accent = nn.Sequential(
            nn.Linear(STEPS, c.accent_hidden), nn.ReLU(),
            nn.Linear(c.accent_hidden, 2 * c.accent_latent))
        if c.perf_latent:
            self.perf = nn.Sequential(
                nn.Linear(STEPS * VOICES * 3, c.perf_hidden), nn.ReLU(),
                nn.Linear(c.perf_hidden, c.perf_hidden), nn.ReLU(),
                nn.Linear(c.perf_hidden, 2 * c.perf_latent))

    def forward(self, score, groove, accent, velocities=None, offsets=None):
        """score [B,32,9] 0/1, groove [B,32,3], accent [B,32], and with a performance latent
        each drum's velocities and offsets [B,32,9] (zeros where nothing is known) -> mu,
        logvar [B, Z]."""
        b = score.shape[0]
        rows = score.transpose(1, 2)  # [B, 9, 32]
        s = self.score2(torch.relu(self.score1(rows)))  # [B, 9, 2*Ls]
        ls = self.c.score_latent
        s_mu = s[:, :, :ls].reshape(b, VOICES * ls)
        s_lv = s[:, :, ls:].reshape(b, VOICES * ls)
        g = self.groove(groove.reshape(b, STEPS * 3))
        a = self.accent(accent)
        lg, la = self.c.groove_latent, self.c.accent_latent
        mus, lvs = [s_mu, g[:, :lg], a[:, :la]], [s_lv, g[:, lg:], a[:, la:]]
        if self.c.perf_latent:
            lp = self.c.perf_latent
            x = torch.cat([score, velocities * score, offsets * score], dim=2)
            p = self.perf(x.reshape(b, STEPS * VOICES * 3))
            mus.append(p[:, :lp])
            lvs.append(p[:, lp:])
        mu = torch.cat(mus, dim=1)
        logvar = torch.cat(lvs, dim=1).clamp(-12.0, 6.0)
        return mu, logvar


class Decoder(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        z = c.z_dims
        # position in the bar: one-hot of the 16th (16) -> fixed buffer
        pos = torch.zeros(STEPS, STEPS_PER_BAR)
        for t in range(STEPS):
            pos[t, t % STEPS_PER_BAR] = 1.0
        self.register_buffer("pos", pos)
        ctrl = VOICES * 2 + 3 + 1 + 1 + 1  # score row + mask, groove + mask, accent + mask
        self.inp = nn.Linear(c.lstm_z + ctrl + STEPS_PER_BAR, c.dec_in)
        self.rnn = nn.LSTM(c.dec_in, c.dec_hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * c.dec_hidden, VOICES * 5)
        # auxiliary decoders: each gesture from its own latent
        self.aux_score1 = VoiceLinear(VOICES, c.score_latent, c.aux_hidden)
        self.aux_score2 = VoiceLinear(VOICES, c.aux_hidden, STEPS)
        self.aux_groove = nn.Sequential(
            nn.Linear(c.groove_latent, c.groove_hidden), nn.ReLU(),
            nn.Linear(c.groove_hidden, STEPS * 3))
        self.aux_accent = nn.Sequential(
            nn.Linear(c.accent_latent, c.aux_hidden), nn.ReLU(),
            nn.Linear(c.aux_hidden, STEPS))
        if c.perf_latent and c.perf_head:
            # each cell's timing and loudness moved by the performance latent
            self.perf_head = nn.Sequential(
                nn.Linear(c.perf_latent, c.perf_hidden), nn.ReLU(),
                nn.Linear(c.perf_hidden, STEPS * VOICES * 2))

    def forward(self, z, score, score_mask, groove, groove_mask, accent, accent_mask):
        """Returns logits (hits, accent aux, score aux) in training form; see `Exported`."""
        b = z.shape[0]
        c = self.c
        sm = score_mask.unsqueeze(1)  # [B,1,9]
        ctrl = torch.cat([
            score * sm, sm.expand(b, STEPS, VOICES),
            groove * groove_mask.unsqueeze(1), groove_mask.unsqueeze(1).expand(b, STEPS, 1),
            (accent * accent_mask).unsqueeze(2), accent_mask.unsqueeze(1).expand(b, STEPS, 1),
        ], dim=2)
        zl = z[:, :c.lstm_z]
        x = torch.cat([zl.unsqueeze(1).expand(b, STEPS, c.lstm_z), ctrl,
                       self.pos.unsqueeze(0).expand(b, STEPS, STEPS_PER_BAR)], dim=2)
        h, _ = self.rnn(torch.relu(self.inp(x)))
        o = self.out(h).reshape(b, STEPS, 5, VOICES)
        hit_logits = o[:, :, 0]
        vel_logits, off_logits = o[:, :, 1], o[:, :, 2]
        if c.perf_latent and c.perf_head:
            p = self.perf_head(z[:, c.lstm_z:]).reshape(b, STEPS, 2, VOICES)
            if c.perf_gate:
                p = p * (1.0 - groove_mask).view(b, 1, 1, 1)
            vel_logits = vel_logits + p[:, :, 0]
            off_logits = off_logits + p[:, :, 1]
        velocities = torch.sigmoid(vel_logits)
        # with a groove given, each voice's timing is predicted relative to the tap on its step
        tap = (groove[:, :, 2] * groove[:, :, 0] * groove_mask).unsqueeze(2)
        offsets = torch.clamp(tap + 0.5 * torch.tanh(off_logits), -0.5, 0.5)
        # how far a drummer strays from that timing, given all the model knows: the spread
        # of a normal distribution that generation samples from (scaled by the temperature)
        offset_scale = 0.005 + 0.5 * torch.sigmoid(o[:, :, 3])
        # the same for loudness: how far a drummer's velocity strays from the most likely one
        # (accents and ghost notes), drawn with the temperature in Rust
        velocity_scale = 0.005 + 0.5 * torch.sigmoid(o[:, :, 4])
        ls, lg = c.score_latent, c.groove_latent
        zs = z[:, :VOICES * ls].reshape(b, VOICES, ls)
        zg = z[:, VOICES * ls:VOICES * ls + lg]
        za = z[:, VOICES * ls + lg:VOICES * ls + lg + c.accent_latent]
        aux_score_logits = self.aux_score2(torch.relu(self.aux_score1(zs))).transpose(1, 2)
        g = self.aux_groove(zg).reshape(b, STEPS, 3)
        aux_groove = (g[:, :, 0], torch.sigmoid(g[:, :, 1]), 0.5 * torch.tanh(g[:, :, 2]))
        aux_accent_logits = self.aux_accent(za)
        return (hit_logits, velocities, offsets, offset_scale, velocity_scale, aux_score_logits,
                aux_groove, aux_accent_logits)


DRAWN_OFFSET_LIMIT = 0.45  # as in core/src/model.rs


def draw_offsets(offsets, scales, gen):
    """Each hit's timing as `draw_offsets` in core/src/model.rs draws it at temperature 1: the
    normal around the most likely timing, cut symmetrically so that it stays within
    DRAWN_OFFSET_LIMIT of its step (8 tries, then the most likely timing)."""
    room = DRAWN_OFFSET_LIMIT - offsets.abs()
    jitter = torch.zeros_like(offsets)
    todo = room > 0
    for _ in range(8):
        j = scales * torch.randn(offsets.shape, generator=gen)
        ok = todo & (j.abs() <= room)
        jitter = torch.where(ok, j, jitter)
        todo = todo & ~ok
    return offsets + jitter


class ExportedDecoder(nn.Module):
    """The decoder as shipped: probabilities instead of logits, groove aux as [B,32,3]."""

    def __init__(self, dec: Decoder):
        super().__init__()
        self.dec = dec

    def forward(self, z, score, score_mask, groove, groove_mask, accent, accent_mask):
        h, v, o, sd, vsd, s, (gh, gv, go), a = self.dec(
            z, score, score_mask, groove, groove_mask, accent, accent_mask)
        aux_groove = torch.stack([torch.sigmoid(gh), gv, go], dim=2)
        return (torch.sigmoid(h), v, o, sd, vsd, torch.sigmoid(s), aux_groove,
                torch.sigmoid(a))


ENCODER_INPUTS = ["score", "groove", "accent"]
PERF_INPUTS = ["velocities", "offsets"]


def encoder_inputs(c: Config):
    """The encoder graph's inputs: format 4 (a performance latent) also reads each drum's
    velocities and offsets."""
    return ENCODER_INPUTS + (PERF_INPUTS if c.perf_latent else [])


ENCODER_OUTPUTS = ["mu", "logvar"]
DECODER_INPUTS = ["z", "score", "score_mask", "groove", "groove_mask", "accent", "accent_mask"]
DECODER_OUTPUTS = ["hits", "velocities", "offsets", "offset_scale", "velocity_scale",
                   "aux_score", "aux_groove", "aux_accent"]
