"""Exports a Stable Audio Open (Small) model to the ONNX graphs bandmate runs (docs/text-to-audio.md).

Three ways:

  sao_export.py --checkpoint model.ckpt --config model_config.json --out DIR [--t5 t5-base] [--int8]
      the checkpoint a performer downloaded themselves (its licence is theirs to accept) or their
      own fine-tune; the T5 text encoder comes from --t5 (a name in their Hugging Face cache, or a
      folder), as stable-audio-tools loads it.
  sao_export.py --tiny --out DIR
      a tiny model of the same architecture with random weights, a tiny tokenizer and
      reference.json (what stable-audio-tools' own pipeline makes of fixed prompts, seeds and
      noises), for bandmate's tests.
  sao_export.py --full-size-random --out DIR [--int8]
      Stable Audio Open Small's architecture with random weights: the real compute, for
      benchmarks (what it plays is noise).

The folder gets conditioner.onnx (tokens and seconds -> the DiT's conditioning), dit.onnx (one
sampler step's model call), decoder.onnx (latents -> audio), tokenizer.json (the T5 tokenizer, as
the Rust `tokenizers` crate reads it), model.json (format `bandmate-sao` version 1: shapes, names,
sampler defaults) and, with --int8, dit.int8.onnx (dynamic INT8 weights, ONNX Runtime's
quantization tools) with the error it adds, measured.

Everything is float32 (stable-audio-tools runs the T5 and, when the config says model_half, the
autoencoder in half precision on a GPU; on a CPU bandmate keeps float32).
"""

import argparse
import json
import math
import os
import sys
import tempfile
import types

import numpy as np
import torch
from torch import nn

from atomic import atomic_write


def write_json(path, obj):
    atomic_write(path, (json.dumps(obj, indent=1) + "\n").encode())

OPSET = 17
FORMAT = "bandmate-sao"
VERSION = 1


def _stub_unused_imports():
    """stable-audio-tools imports torchaudio and k-diffusion at module level for training and
    other samplers; the parts exported here use neither (PyPI has no torchaudio for this torch).
    Stand-ins that fail loudly if something does use them."""

    class Unavailable:
        def __init__(self, *a, **k):
            raise RuntimeError("torchaudio is not installed for bandmate's export")

    if "torchaudio" not in sys.modules:
        try:
            import torchaudio  # noqa: F401
        except ImportError:
            ta = types.ModuleType("torchaudio")
            ta.transforms = types.ModuleType("torchaudio.transforms")
            for n in ("Resample", "MelSpectrogram", "Spectrogram", "MFCC"):
                setattr(ta.transforms, n, Unavailable)
            sys.modules["torchaudio"] = ta
            sys.modules["torchaudio.transforms"] = ta.transforms
    if "k_diffusion" not in sys.modules:
        try:
            import k_diffusion  # noqa: F401
        except ImportError:
            sys.modules["k_diffusion"] = types.ModuleType("k_diffusion")


import transformers  # noqa: E402,F401  (before the stand-ins: it asks whether torchaudio is there)

_stub_unused_imports()

from stable_audio_tools.models import conditioners as sat_cond  # noqa: E402
from stable_audio_tools.models.factory import create_model_from_config  # noqa: E402
from stable_audio_tools.inference.generation import generate_diffusion_cond  # noqa: E402
from stable_audio_tools.models import transformer as sat_transformer  # noqa: E402


def _layer_norm(self, x):
    # The same normalisation over the last dimension, its size read from the weight: the tracer
    # turns `x.shape[-1:]` into a list the ONNX exporter cannot take.
    return nn.functional.layer_norm(x.float(), self.gamma.shape, weight=self.gamma.float(),
                                    bias=self.beta.float(), eps=self.eps).to(x.dtype)


sat_transformer.LayerNorm.forward = _layer_norm


def small_config(t5_name="t5-base", t5_dim=768):
    """Stable Audio Open Small's architecture, as published (its model_config.json: a DiT of 16
    blocks of width 1024 with 8 heads, rf_denoiser objective, io 64 channels; T5-base prompts of at
    most 64 tokens and a seconds_total number; the Oobleck autoencoder of Stable Audio Open,
    2048x downsampling, 44.1 kHz stereo, 524288 samples = 11.9 s)."""
    return {
        "model_type": "diffusion_cond",
        "sample_size": 524288,
        "sample_rate": 44100,
        "audio_channels": 2,
        "model": {
            "pretransform": {
                "type": "autoencoder",
                "iterate_batch": True,
                "config": {
                    "encoder": {"type": "oobleck", "config": {
                        "in_channels": 2, "channels": 128, "c_mults": [1, 2, 4, 8, 16],
                        "strides": [2, 4, 4, 8, 8], "latent_dim": 128, "use_snake": True}},
                    "decoder": {"type": "oobleck", "config": {
                        "out_channels": 2, "channels": 128, "c_mults": [1, 2, 4, 8, 16],
                        "strides": [2, 4, 4, 8, 8], "latent_dim": 64, "use_snake": True,
                        "final_tanh": False}},
                    "bottleneck": {"type": "vae"},
                    "latent_dim": 64,
                    "downsampling_ratio": 2048,
                    "io_channels": 2,
                },
            },
            "conditioning": {
                "configs": [
                    {"id": "prompt", "type": "t5",
                     "config": {"t5_model_name": t5_name, "max_length": 64}},
                    {"id": "seconds_total", "type": "number",
                     "config": {"min_val": 0, "max_val": 256}},
                ],
                "cond_dim": t5_dim,
            },
            "diffusion": {
                "cross_attention_cond_ids": ["prompt", "seconds_total"],
                "global_cond_ids": ["seconds_total"],
                "diffusion_objective": "rf_denoiser",
                "type": "dit",
                "config": {
                    "io_channels": 64, "embed_dim": 1024, "depth": 16, "num_heads": 8,
                    "cond_token_dim": t5_dim, "global_cond_dim": t5_dim,
                    "project_cond_tokens": True, "transformer_type": "continuous_transformer",
                    "attn_kwargs": {"qk_norm": "ln"},
                },
            },
            "io_channels": 64,
        },
    }


def tiny_config():
    """The same architecture, tiny: a 2-block DiT of width 64, a 2-layer T5 of width 32, an
    autoencoder of 4 channels with 256x downsampling (so a few seconds are a few hundred latent
    frames), the same sample rate, channels and longest length."""
    c = small_config(t5_name=TINY_T5, t5_dim=32)
    pre = c["model"]["pretransform"]["config"]
    pre["encoder"]["config"].update(channels=4, c_mults=[1, 2, 2], strides=[4, 8, 8], latent_dim=16)
    pre["decoder"]["config"].update(channels=4, c_mults=[1, 2, 2], strides=[4, 8, 8], latent_dim=8)
    pre["latent_dim"] = 8
    pre["downsampling_ratio"] = 256
    c["model"]["conditioning"]["configs"][0]["config"]["max_length"] = 32
    d = c["model"]["diffusion"]["config"]
    d.update(io_channels=8, embed_dim=64, depth=2, num_heads=2)  # heads of 32: rotary embeddings take 32 dims
    c["model"]["io_channels"] = 8
    return c


TINY_T5 = "bandmate-tiny-t5"
# The words the tiny tokenizer is trained on: prompts a performer might type.
TINY_CORPUS = [
    "warm arpeggios on house beats 120 bpm with drums",
    "128 BPM tech house drum loop", "lofi hip hop beat with vinyl crackle 88 bpm",
    "ambient pad drone in a minor, slow and dark", "funky bass line with slap and ghost notes",
    "jazz brushes on snare, swing ride cymbal", "techno kick and rumble, 130 bpm, hypnotic",
    "bright plucked synth melody over a breakbeat", "a cinematic riser with reverse cymbal",
    "dub chords with tape delay and spring reverb", "afrobeat percussion, shakers and congas",
    "distorted guitar riff, heavy, 100 bpm", "soft piano chords, sad and intimate",
]


def tiny_tokenizer():
    """A Unigram tokenizer shaped like T5's (pad 0, </s> 1, unk 2, Metaspace words, </s>
    appended), trained on a few prompts."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=160, special_tokens=["<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", shrinking_factor=0.9)
    tok.train_from_iterator(TINY_CORPUS * 4, trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    assert tok.token_to_id("<pad>") == 0 and tok.token_to_id("</s>") == 1
    return tok


def hf_tokenizer(tok):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>")


def build_model(config, t5=None, tokenizer=None, seed=0):
    """The stable-audio-tools model for `config`, its T5 and tokenizer from `t5` (a name or a
    folder, as `from_pretrained` reads it) or given (`tokenizer`, a T5 config for random
    weights)."""
    from transformers import AutoTokenizer, T5Config, T5EncoderModel

    torch.manual_seed(seed)
    given_tok, given_t5 = tokenizer, t5
    prompt = [c for c in config["model"]["conditioning"]["configs"] if c["type"] == "t5"]
    if prompt:
        name = prompt[0]["config"].get("t5_model_name", "t5-base")
        dim = None
        if isinstance(given_t5, T5Config):
            dim = given_t5.d_model
        elif given_t5 is not None and os.path.isdir(given_t5):
            # a T5 of your own (a folder): its width from its config
            with open(os.path.join(given_t5, "config.json")) as f:
                dim = json.load(f)["d_model"]
        if dim is not None:
            if name not in sat_cond.T5Conditioner.T5_MODELS:
                sat_cond.T5Conditioner.T5_MODELS.append(name)
            sat_cond.T5Conditioner.T5_MODEL_DIMS[name] = dim
    orig_tok, orig_t5 = AutoTokenizer.from_pretrained, T5EncoderModel.from_pretrained

    def tok_from(name, *a, **k):
        return given_tok if given_tok is not None else orig_tok(given_t5 or name, *a, **k)

    def t5_from(name, *a, **k):
        if isinstance(given_t5, T5Config):
            return T5EncoderModel(given_t5)
        return orig_t5(given_t5 or name, *a, **k)

    sat_cond.AutoTokenizer = types.SimpleNamespace(from_pretrained=tok_from)
    import transformers

    transformers.AutoTokenizer.from_pretrained = tok_from
    transformers.T5EncoderModel.from_pretrained = t5_from
    try:
        model = create_model_from_config(config)
    finally:
        transformers.AutoTokenizer.from_pretrained = orig_tok
        transformers.T5EncoderModel.from_pretrained = orig_t5
    return model


def float32(model):
    """Everything in float32 (the T5 is kept half by stable-audio-tools), weight norm folded."""
    model.eval()
    for c in model.conditioner.conditioners.values():
        if hasattr(c, "model") and isinstance(getattr(c, "model"), nn.Module):
            c.model.float().eval()
    if model.pretransform is not None:
        model.pretransform.model_half = False
        model.pretransform.float()
        model.weight_normed = []
        for m in model.pretransform.modules():
            try:
                torch.nn.utils.remove_weight_norm(m)
                model.weight_normed.append(m)
            except ValueError:
                pass
    return model.float()


class Conditioner(nn.Module):
    """Tokens and numbers -> the DiT's cross-attention tokens and global vector, as
    MultiConditioner then get_conditioning_inputs make them (t5 and number conditioners only)."""

    def __init__(self, model):
        super().__init__()
        self.ids_cross = list(model.cross_attn_cond_ids)
        self.ids_global = list(model.global_cond_ids)
        if model.input_concat_ids or model.prepend_cond_ids:
            raise SystemExit("export: input-concat and prepend conditioning are not supported")
        self.text_id = None
        self.number_ids = []
        for key, c in model.conditioner.conditioners.items():
            if isinstance(c, sat_cond.T5Conditioner):
                if self.text_id is not None:
                    raise SystemExit("export: one T5 prompt conditioner is supported")
                self.text_id = key
                self.t5 = c.model
                self.proj = c.proj_out
                self.max_length = c.max_length
            elif isinstance(c, sat_cond.NumberConditioner):
                self.number_ids.append(key)
                self.add_module(f"num_{key}", c)
            else:
                raise SystemExit(f"export: the conditioner '{key}' ({type(c).__name__}) is not supported: t5 and number only")
        if self.text_id is None:
            raise SystemExit("export: the model has no T5 prompt conditioner")

    def forward(self, input_ids, attention_mask, *numbers):
        emb = self.t5(input_ids=input_ids, attention_mask=attention_mask)["last_hidden_state"]
        emb = self.proj(emb) * attention_mask.unsqueeze(-1).float()
        tensors = {self.text_id: emb}
        for key, value in zip(self.number_ids, numbers):
            c = getattr(self, f"num_{key}")
            v = value.clamp(c.min_val, c.max_val)
            tensors[key] = c.embedder((v - c.min_val) / (c.max_val - c.min_val)).unsqueeze(1)
        cross = torch.cat([tensors[k] for k in self.ids_cross], dim=1)
        glob = torch.cat([tensors[k] for k in self.ids_global], dim=-1).squeeze(1)
        return cross, glob


class Dit(nn.Module):
    """One model call of the sampler (no guidance: bandmate batches the unconditioned half)."""

    def __init__(self, model):
        super().__init__()
        self.dit = model.model.model

    def forward(self, x, t, cross_attn_cond, global_cond):
        return self.dit(x, t, cross_attn_cond=cross_attn_cond, global_embed=global_cond, cfg_scale=1.0)


class Decoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.pre = model.pretransform

    def forward(self, latents):
        return self.pre.decode(latents)


def export(module, args, names_in, names_out, dynamic, path):
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(module, args, tmp, input_names=names_in, output_names=names_out,
                          dynamic_axes=dynamic, opset_version=OPSET, dynamo=False)
    import onnx

    m = onnx.load(tmp)
    onnx.save(m, tmp)  # one self-contained file
    os.replace(tmp, path)


def tokenize(tokenizer, prompt, max_length):
    e = tokenizer([prompt], truncation=True, max_length=max_length, padding="max_length",
                  return_tensors="pt")
    return e["input_ids"], e["attention_mask"]


def write_folder(model, config, tokenizer_json, final, name, int8=False, extra=None):
    """The model folder `final`, written whole into a temporary folder beside it and then moved
    into place (a folder there before is replaced only once the new one is complete)."""
    out = os.path.join(os.path.dirname(os.path.abspath(final)), f".{os.path.basename(os.path.normpath(final))}.tmp-{os.getpid()}")
    os.makedirs(out)
    try:
        meta = _write_folder(model, config, tokenizer_json, out, name, int8, extra)
    except BaseException:
        import shutil
        shutil.rmtree(out, ignore_errors=True)
        raise
    if os.path.exists(final):
        import shutil
        old = f"{out}.old"
        os.replace(final, old)
        os.replace(out, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(out, final)
    return meta


def _write_folder(model, config, tokenizer_json, out, name, int8=False, extra=None):
    cond = Conditioner(model)
    dit = Dit(model)
    dec = Decoder(model)
    pre = config["model"]["pretransform"]["config"]
    io = config["model"]["io_channels"]
    ratio = pre["downsampling_ratio"]
    L = cond.max_length
    frames = 4
    ids = torch.zeros(1, L, dtype=torch.long)
    ids[0, 0] = 1
    mask = torch.zeros(1, L, dtype=torch.long)
    mask[0, 0] = 1
    numbers = [torch.tensor([1.0]) for _ in cond.number_ids]
    with torch.no_grad():
        cross, glob = cond(ids, mask, *numbers)
    names_num = list(cond.number_ids)
    export(cond, (ids, mask, *numbers), ["input_ids", "attention_mask", *names_num],
           ["cross_attn_cond", "global_cond"],
           {**{n: {0: "batch"} for n in ["input_ids", "attention_mask", *names_num]},
            "cross_attn_cond": {0: "batch"}, "global_cond": {0: "batch"}},
           os.path.join(out, "conditioner.onnx"))
    x = torch.randn(1, io, frames)
    t = torch.tensor([0.5])
    export(dit, (x, t, cross, glob), ["x", "t", "cross_attn_cond", "global_cond"], ["v"],
           {"x": {0: "batch", 2: "frames"}, "t": {0: "batch"}, "cross_attn_cond": {0: "batch"},
            "global_cond": {0: "batch"}, "v": {0: "batch", 2: "frames"}},
           os.path.join(out, "dit.onnx"))
    export(dec, (x,), ["latents"], ["audio"],
           {"latents": {0: "batch", 2: "frames"}, "audio": {0: "batch", 2: "samples"}},
           os.path.join(out, "decoder.onnx"))
    tok_tmp = os.path.join(out, "tokenizer.json.tmp")
    with open(tok_tmp, "w") as f:
        f.write(tokenizer_json)
    os.replace(tok_tmp, os.path.join(out, "tokenizer.json"))
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "sample_rate": config["sample_rate"],
        "channels": pre["io_channels"],
        "latent_channels": io,
        "downsampling_ratio": ratio,
        "sample_size": config["sample_size"],
        "max_tokens": L,
        "cond_tokens": int(cross.shape[1]),
        "cond_dim": int(cross.shape[2]),
        "global_dim": int(glob.shape[1]),
        "numbers": [{"name": n, "min": float(getattr(cond, f"num_{n}").min_val),
                     "max": float(getattr(cond, f"num_{n}").max_val)} for n in names_num],
        "objective": config["model"]["diffusion"].get("diffusion_objective", "v"),
        "sampler": "pingpong",
        "steps": 8,
        "cfg": 1.0,
        "graphs": {"conditioner": "conditioner.onnx", "dit": "dit.onnx", "decoder": "decoder.onnx"},
        "tokenizer": "tokenizer.json",
        "opset": OPSET,
    }
    if meta["objective"] not in ("rf_denoiser", "rectified_flow"):
        raise SystemExit(f"export: the objective '{meta['objective']}' is not supported (rf_denoiser, rectified_flow)")
    if int8:
        meta["graphs"]["dit_int8"] = "dit.int8.onnx"
        meta["int8"] = quantize(out, dit, (x, t, cross, glob), meta["sample_size"] // ratio)
    if extra:
        meta.update(extra)
    write_json(os.path.join(out, "model.json"), meta)
    write_card(out, meta, model)
    return meta


def write_card(out, meta, model):
    """README.md: what the folder holds, in a few lines (docs/text-to-audio.md says more)."""
    count = lambda m: sum(p.numel() for p in m.parameters())
    cond = Conditioner(model)
    parts = [("T5 text encoder", count(cond.t5)), ("diffusion transformer", count(model.model)),
             ("autoencoder (the decoder is exported)", count(model.pretransform))]
    lines = [f"# `{meta['name']}`: a text-to-audio model for bandmate", ""]
    if meta.get("random_weights"):
        lines += ["**Random weights**: it plays noise. Made by `scripts/export-sao` for tests and",
                  "benchmarks (the same graphs and signatures as a real Stable Audio Open Small export).", ""]
    else:
        lines += ["Exported by `scripts/export-sao` from a Stable Audio checkpoint: its licence is the",
                  "checkpoint's (Stability AI's community licence for Stable Audio Open Small).", ""]
    lines += ["| part | parameters |", "|---|---:|"]
    lines += [f"| {n} | {c:,} |" for n, c in parts]
    lines += ["", f"{meta['sample_rate']} Hz, {meta['channels']} channels, at most "
              f"{meta['sample_size'] / meta['sample_rate']:.2f} s; prompts of at most {meta['max_tokens']} tokens; "
              f"{meta['objective']}, {meta['sampler']} sampler, {meta['steps']} steps, cfg {meta['cfg']} by default."]
    if "int8" in meta:
        lines += ["", f"`dit.int8.onnx`: INT8 weights (ONNX Runtime dynamic quantization); one model call "
                  f"differs from float's by {meta['int8']['relative_rms_one_call']:.4f} (relative RMS), the latents "
                  f"after 8 sampler steps from the same noises by {meta['int8']['relative_rms_latents_8_steps']:.4f}."]
    lines += ["", "Load it in bandmate with `model FOLDER` on `bandmate.frag~` (docs/text-to-audio.md).", ""]
    from atomic import atomic_write as aw
    aw(os.path.join(out, "README.md"), "\n".join(lines).encode())


def quantize(out, dit, args, window_frames):
    """Dynamic INT8 weights for the DiT's MatMuls (ONNX Runtime's quantization tools), and how far
    its output moves from float's on a sample input (relative RMS)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = os.path.join(out, "dit.onnx")
    dst = os.path.join(out, "dit.int8.onnx")
    quantize_dynamic(src, dst + ".tmp", weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"])
    os.replace(dst + ".tmp", dst)
    feeds = {n: a.numpy() for n, a in zip(["x", "t", "cross_attn_cond", "global_cond"], args)}
    sf = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    sq = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    rel = lambda f, q: float(np.sqrt(np.mean((f - q) ** 2)) / max(1e-12, np.sqrt(np.mean(f ** 2))))
    err = rel(sf.run(None, feeds)[0], sq.run(None, feeds)[0])
    print(f"export: INT8 DiT output differs from float by {err:.4f} (relative RMS, one call)")

    # and what the sampler makes of it: 8 ping-pong steps from the same noises, on the frames
    # of the whole window (the latents the decoder gets)
    frames = window_frames

    def sampled(sess):
        rng = np.random.default_rng(0)
        shape = (1, feeds["x"].shape[1], frames)
        x = rng.standard_normal(shape).astype(np.float32)
        t = schedule(8).numpy()
        for i in range(8):
            v = sess.run(None, {"x": x, "t": np.array([t[i]], np.float32),
                                "cross_attn_cond": feeds["cross_attn_cond"],
                                "global_cond": feeds["global_cond"]})[0]
            x = (1 - t[i + 1]) * (x - t[i] * v) + t[i + 1] * rng.standard_normal(shape).astype(np.float32)
        return x

    err8 = rel(sampled(sf), sampled(sq))
    print(f"export: INT8 latents after 8 steps differ from float's by {err8:.4f} (relative RMS)")
    return {"relative_rms_one_call": err, "relative_rms_latents_8_steps": err8}


def reference_cases(model, config, tokenizer):
    """stable-audio-tools' own generate_diffusion_cond on fixed prompts and seeds (pingpong,
    float32, CPU), with the noises it drew (seeded torch.randn: the first is the starting noise,
    then one per step), for the Rust pipeline to be fed the same."""
    L = Conditioner(model).max_length
    io = config["model"]["io_channels"]
    ratio = config["model"]["pretransform"]["config"]["downsampling_ratio"]
    cases = []
    for prompt, seconds, steps, cfg, seed, frames in [
        ("techno kick and rumble", 2.0, 4, 1.0, 7, 8),
        ("warm arpeggios on house beats", 1.5, 3, 4.0, 11, 6),
    ]:
        sample_size = frames * ratio
        audio = generate_diffusion_cond(
            model, steps=steps, cfg_scale=cfg,
            conditioning=[{"prompt": prompt, "seconds_total": seconds}],
            sample_size=sample_size, seed=seed, device="cpu", sampler_type="pingpong")
        torch.manual_seed(seed)
        noises = [torch.randn([1, io, frames]) for _ in range(steps + 1)]
        ids, mask = tokenize(tokenizer, prompt, L)
        assert int(mask.sum()) < L, f"'{prompt}' fills the tokenizer's length: the pipeline cut it"
        # The same, step by step, from the exported modules: the noises are the pipeline's.
        cond = Conditioner(model)
        with torch.no_grad():
            cross, glob = cond(ids, mask, torch.tensor([seconds]))
            mine = sample_pingpong(Dit(model), noises, steps, cfg, cross, glob)
            mine = Decoder(model)(mine)
        diff = float((mine - audio).abs().max())
        assert diff < 1e-4, f"the step-by-step replica differs from the pipeline by {diff}"
        cases.append({
            "prompt": prompt, "seconds": seconds, "steps": steps, "cfg": cfg, "seed": seed,
            "frames": frames,
            "input_ids": ids[0].tolist(), "attention_mask": mask[0].tolist(),
            "noises": [n.flatten().tolist() for n in noises],
            "global_cond": glob.flatten().tolist(),
            "audio": audio.flatten().tolist(), "audio_shape": list(audio.shape),
        })
    return cases


def schedule(steps):
    """sample_rf's times for sigma_max 1: sigmoid(-logsnr), logsnr from -6 to 2."""
    logsnr = torch.linspace(-6, 2, steps + 1)
    t = torch.sigmoid(-logsnr)
    t[0] = 1
    t[-1] = 0
    return t


def sample_pingpong(dit, noises, steps, cfg, cross, glob):
    t = schedule(steps)
    x = noises[0]
    for i in range(steps):
        ts = torch.full((1,), float(t[i]))
        if cfg != 1.0:
            v2 = dit(torch.cat([x, x]), torch.cat([ts, ts]), torch.cat([cross, torch.zeros_like(cross)]),
                     torch.cat([glob, glob]))
            c, u = v2.chunk(2)
            v = u + (c - u) * cfg
        else:
            v = dit(x, ts, cross, glob)
        denoised = x - t[i] * v
        x = (1 - t[i + 1]) * denoised + t[i + 1] * noises[i + 1]
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="the model folder to write")
    ap.add_argument("--checkpoint", help="model.ckpt or .safetensors (yours)")
    ap.add_argument("--config", help="its model_config.json")
    ap.add_argument("--t5", default=None, help="where the T5 text encoder is (a name in your Hugging Face cache, or a folder); default: the config's")
    ap.add_argument("--name", default=None, help="the model's name in model.json")
    ap.add_argument("--tiny", action="store_true", help="a tiny random model with reference.json, for tests")
    ap.add_argument("--full-size-random", action="store_true", help="the Small architecture with random weights, for benchmarks")
    ap.add_argument("--tiny-checkpoint", action="store_true", help="write the tiny model as a performer's download would be: model.ckpt, model_config.json and its T5 in t5/ (for the test of --checkpoint)")
    ap.add_argument("--int8", action="store_true", help="also write dit.int8.onnx")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    if a.tiny or a.full_size_random or a.tiny_checkpoint:
        from transformers import T5Config

        tok = tiny_tokenizer()
        if a.tiny or a.tiny_checkpoint:
            config = tiny_config()
            t5 = T5Config(vocab_size=tok.get_vocab_size(), d_model=32, d_kv=8, d_ff=64, num_layers=2,
                          num_heads=4, relative_attention_num_buckets=8, dropout_rate=0.0,
                          feed_forward_proj="relu")
            name = a.name or "tiny-random"
        else:
            config = small_config(t5_name="t5-base-random", t5_dim=768)
            t5 = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12,
                          num_heads=12, dropout_rate=0.0, feed_forward_proj="relu")
            name = a.name or "small-random"
        hf = hf_tokenizer(tok)
        model = float32(build_model(config, t5=t5, tokenizer=hf, seed=a.seed))
        if a.tiny or a.tiny_checkpoint:
            # Random small weights make a silent model (the DiT's in/out convolutions start at
            # zero): give every weight a random value, so the test exercises every path.
            g = torch.Generator().manual_seed(a.seed)
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(torch.randn(p.shape, generator=g) * 0.2)
        if a.tiny_checkpoint:
            os.makedirs(a.out, exist_ok=True)
            # as stable-audio-tools saves it: the autoencoder's convolutions weight-normed
            for m in model.weight_normed:
                torch.nn.utils.weight_norm(m)
            torch.save({"state_dict": model.state_dict()}, os.path.join(a.out, "model.ckpt"))
            write_json(os.path.join(a.out, "model_config.json"), config)
            text = Conditioner(model)
            text.t5.save_pretrained(os.path.join(a.out, "t5"))
            hf.save_pretrained(os.path.join(a.out, "t5"))
            print(f"export: wrote {a.out} (model.ckpt, model_config.json, t5/)")
            return
        extra = {"random_weights": True}
        meta = write_folder(model, config, tok.to_str(), a.out, name, int8=a.int8, extra=extra)
        if a.tiny:
            # (the tolerance is relative to the largest sample of each case)
            ref = {"cases": reference_cases(model, config, hf), "tolerance": 1e-4}
            write_json(os.path.join(a.out, "reference.json"), ref)
        print(f"export: wrote {a.out} ({meta['name']})")
        return

    if not (a.checkpoint and a.config):
        ap.error("give --checkpoint and --config (or --tiny, or --full-size-random)")
    with open(a.config) as f:
        config = json.load(f)
    from stable_audio_tools.models.utils import load_ckpt_state_dict

    model = build_model(config, t5=a.t5)
    try:
        state = load_ckpt_state_dict(a.checkpoint)
    except Exception as e:  # noqa: BLE001 (any reason: said in one line)
        raise SystemExit(f"export: cannot read the checkpoint {a.checkpoint}: {e}")
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("conditioner.conditioners.prompt.model.")]
    if missing:
        raise SystemExit(f"export: the checkpoint lacks {len(missing)} weights, e.g. {missing[:3]}")
    model = float32(model)
    text = Conditioner(model)
    tokenizer = model.conditioner.conditioners[text.text_id].tokenizer
    meta = write_folder(model, config, tokenizer.backend_tokenizer.to_str(), a.out,
                        a.name or os.path.basename(os.path.normpath(a.out)), int8=a.int8)
    print(f"export: wrote {a.out} ({meta['name']})")


if __name__ == "__main__":
    main()
