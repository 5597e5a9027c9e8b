#!/usr/bin/env python3
"""Writes tiny-qwen3: a Qwen3ForCausalLM with random weights (bf16) and golden outputs of a float64 reference.

The reference follows Hugging Face's Qwen3 modelling code step by step in NumPy (no QuantServe code): RMSNorm on
q and k per head before rotary embedding (rotate-half), grouped-query attention, SwiGLU MLP, tied embeddings. It
computes in float64 from the stored (bf16-rounded) weights. Outputs, beside this script:
  config.json, model.safetensors                 the model
  golden.safetensors: ids.i (I32), logits.i (F32 [tokens, vocab])
  golden.json: sequences[i] = {ids, greedy_next_8, perplexity}
Run from anywhere: python3 make.py (NumPy only). Deterministic (seeded).
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = {
    "architectures": ["Qwen3ForCausalLM"],
    "model_type": "qwen3",
    "hidden_size": 64,
    "intermediate_size": 160,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,  # q width 128 != hidden 64, as in Qwen3-0.6B (hidden 1024, 16 heads of 128)
    "vocab_size": 320,
    "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0,
    "max_position_embeddings": 256,
    "hidden_act": "silu",
    "attention_bias": False,
    "attention_dropout": 0.0,
    "use_sliding_window": False,
    "sliding_window": None,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "bos_token_id": 1,
    "eos_token_id": 2,
}


def to_bf16_bits(x):
    """float32 -> bf16 bit patterns, round to nearest even."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, shape, raw bytes)."""
    header, offset, blobs = {}, 0, []
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(path + ".tmp", path)


def weights(rng):
    c = CONFIG
    h, inter, d = c["hidden_size"], c["intermediate_size"], c["head_dim"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    w = {"model.embed_tokens.weight": rng.normal(0, 0.15, (c["vocab_size"], h)),
         "model.norm.weight": 1 + rng.normal(0, 0.1, h)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.1, h)
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, h ** -0.5, (q, h))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, h ** -0.5, (kv, h))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, h ** -0.5, (kv, h))
        w[p + "self_attn.q_norm.weight"] = 1 + rng.normal(0, 0.3, d)
        w[p + "self_attn.k_norm.weight"] = 1 + rng.normal(0, 0.3, d)
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, q ** -0.5, (h, q))
        w[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, h)
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, h ** -0.5, (inter, h))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, h ** -0.5, (inter, h))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, inter ** -0.5, (h, inter))
    return {name: to_bf16_bits(v.astype(np.float32)) for name, v in w.items()}


def rms_norm(x, weight, eps):
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(w, ids):
    """Logits [len(ids), vocab] of one causal pass, in float64."""
    c = CONFIG
    eps, d = c["rms_norm_eps"], c["head_dim"]
    heads, kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
    n = len(ids)
    x = w["model.embed_tokens.weight"][ids]
    inv_freq = 1.0 / (c["rope_theta"] ** (np.arange(0, d, 2, dtype=np.float64) / d))
    angles = np.outer(np.arange(n, dtype=np.float64), inv_freq)
    emb = np.concatenate([angles, angles], axis=-1)
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(n, heads, d)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(n, kv_heads, d)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(n, kv_heads, d)
        q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
        k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = heads // kv_heads
        out = np.empty((n, heads, d))
        for hd in range(heads):
            scores = q[:, hd, :] @ k[:, hd // group, :].T / np.sqrt(d) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            out[:, hd, :] = scores @ v[:, hd // group, :]
        x = x + out.reshape(n, heads * d) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["model.embed_tokens.weight"].T


def main():
    rng = np.random.default_rng(20261125)
    stored = weights(rng)
    write_safetensors(os.path.join(HERE, "model.safetensors"),
                      {name: ("BF16", bits.shape, bits.tobytes()) for name, bits in sorted(stored.items())})
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")

    w = {name: from_bf16_bits(bits).astype(np.float64) for name, bits in stored.items()}
    vocab = CONFIG["vocab_size"]
    sequences = [[1], [1] + list(rng.integers(3, vocab, 6)), [1] + list(rng.integers(3, vocab, 40))]
    golden, entries = {}, []
    for i, ids in enumerate(sequences):
        ids = [int(t) for t in ids]
        logits = forward(w, ids)
        golden[f"ids.{i}"] = ("I32", (len(ids),), np.array(ids, dtype="<i4").tobytes())
        golden[f"logits.{i}"] = ("F32", logits.shape, logits.astype("<f4").tobytes())
        greedy, prefix = [], list(ids)
        for _ in range(8):
            nxt = int(np.argmax(forward(w, prefix)[-1]))
            greedy.append(nxt)
            prefix.append(nxt)
        perplexity = None
        if len(ids) > 1:
            logp = logits - logits.max(axis=-1, keepdims=True)
            logp = logp - np.log(np.exp(logp).sum(axis=-1, keepdims=True))
            nll = -np.mean([logp[t, ids[t + 1]] for t in range(len(ids) - 1)])
            perplexity = float(np.exp(nll))
        entries.append({"ids": ids, "greedy_next_8": greedy, "perplexity": perplexity})
    write_safetensors(os.path.join(HERE, "golden.safetensors"), golden)
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump({"sequences": entries}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
