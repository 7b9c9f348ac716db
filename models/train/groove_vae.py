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
        for k, v in kw.items():
            if not hasattr(self, k):
                raise ValueError(f"unknown config key {k}")
            setattr(self, k, v)

    @property
    def z_dims(self):
        return VOICES * self.score_latent + self.groove_latent + self.accent_latent

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
        return out

    def free_bits_of(self, dims, name=None):
        """The free bits of the latent `name` of `dims` dimensions."""
        if self.groove_free_bits is None:
            return self.free_bits * dims / self.z_dims
        if name == "groove":
            return self.groove_free_bits
        return self.free_bits * dims / (self.z_dims - self.groove_latent)

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

    def forward(self, score, groove, accent):
        """score [B,32,9] 0/1, groove [B,32,3], accent [B,32] -> mu, logvar [B, Z]."""
        b = score.shape[0]
        rows = score.transpose(1, 2)  # [B, 9, 32]
        s = self.score2(torch.relu(self.score1(rows)))  # [B, 9, 2*Ls]
        ls = self.c.score_latent
        s_mu = s[:, :, :ls].reshape(b, VOICES * ls)
        s_lv = s[:, :, ls:].reshape(b, VOICES * ls)
        g = self.groove(groove.reshape(b, STEPS * 3))
        a = self.accent(accent)
        lg, la = self.c.groove_latent, self.c.accent_latent
        mu = torch.cat([s_mu, g[:, :lg], a[:, :la]], dim=1)
        logvar = torch.cat([s_lv, g[:, lg:], a[:, la:]], dim=1).clamp(-12.0, 6.0)
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
        self.inp = nn.Linear(z + ctrl + STEPS_PER_BAR, c.dec_in)
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
        x = torch.cat([z.unsqueeze(1).expand(b, STEPS, z.shape[1]), ctrl,
                       self.pos.unsqueeze(0).expand(b, STEPS, STEPS_PER_BAR)], dim=2)
        h, _ = self.rnn(torch.relu(self.inp(x)))
        o = self.out(h).reshape(b, STEPS, 5, VOICES)
        hit_logits = o[:, :, 0]
        velocities = torch.sigmoid(o[:, :, 1])
        # with a groove given, each voice's timing is predicted relative to the tap on its step
        tap = (groove[:, :, 2] * groove[:, :, 0] * groove_mask).unsqueeze(2)
        offsets = torch.clamp(tap + 0.5 * torch.tanh(o[:, :, 2]), -0.5, 0.5)
        # how far a drummer strays from that timing, given all the model knows: the spread
        # of a normal distribution that generation samples from (scaled by the temperature)
        offset_scale = 0.005 + 0.5 * torch.sigmoid(o[:, :, 3])
        # the same for loudness: how far a drummer's velocity strays from the most likely one
        # (accents and ghost notes), drawn with the temperature in Rust
        velocity_scale = 0.005 + 0.5 * torch.sigmoid(o[:, :, 4])
        ls, lg = c.score_latent, c.groove_latent
        zs = z[:, :VOICES * ls].reshape(b, VOICES, ls)
        zg = z[:, VOICES * ls:VOICES * ls + lg]
        za = z[:, VOICES * ls + lg:]
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
ENCODER_OUTPUTS = ["mu", "logvar"]
DECODER_INPUTS = ["z", "score", "score_mask", "groove", "groove_mask", "accent", "accent_mask"]
DECODER_OUTPUTS = ["hits", "velocities", "offsets", "offset_scale", "velocity_scale",
                   "aux_score", "aux_groove", "aux_accent"]
