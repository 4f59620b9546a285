"""The BERT encoder of multilingual-e5-small in numpy: 12 layers, 384 wide, 12 heads.

Weights become float32 at load (about 85 MB), transposed for `x @ w`; Q, K and V are
one matrix so one product serves all three. The 250k-row token embedding stays 4-bit in
the mapped file. Texts of similar length run together, padded to the longest, with the
padding masked out of attention and pooling.
"""

from __future__ import annotations

import math

import numpy as np

from backend.rag.e5.weights import WeightsFile, dequantise

_CHUNK = 1 << 15  # GELU works through this many values at a time, to stay in cache
# GELU(x) = x * Phi(x). numpy has no erf (scipy would add 100 MB), so Phi comes from a
# table over [-8, 8] in steps of 1/256, linearly interpolated: absolute error below 1e-6,
# and half the time of a polynomial erf. Outside the table Phi is 0 or 1 to float32.
_STEPS, _RANGE = 256, 8
_GRID = [i / _STEPS - _RANGE for i in range(2 * _RANGE * _STEPS + 2)]
_PHI = np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in _GRID])
_PHI_AT = _PHI.astype(np.float32)
_PHI_SLOPE = np.append(np.diff(_PHI), 0.0).astype(np.float32)
_LAST = np.float32(2 * _RANGE * _STEPS)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT and e5.c compute it, in place."""
    flat = x.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        part = flat[start : start + _CHUNK]
        position = part * np.float32(_STEPS)
        position += np.float32(_RANGE * _STEPS)
        np.clip(position, 0, _LAST, out=position)
        index = position.astype(np.int32)
        position -= index  # the fraction between two grid points
        phi = _PHI_AT.take(index, mode="clip")
        position *= _PHI_SLOPE.take(index, mode="clip")
        phi += position
        part *= phi
    return x


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[-1]
    x *= 1.0 / np.sqrt(variance + eps)
    x *= weight
    x += bias
    return x


class _Layer:
    def __init__(self, weights: WeightsFile, index: int, scale: float) -> None:
        hidden, ffn = weights.config.hidden, weights.config.ffn

        def matrix(name: str, columns: int) -> np.ndarray:
            return weights.matrix(f"l{index}.{name}.w", columns)

        def vector(name: str) -> np.ndarray:
            return weights.floats(f"l{index}.{name}").astype(np.float32)

        # the softmax scale 1/sqrt(32) = 1/8 is exact in float32: folded into Q
        self.qkv = np.ascontiguousarray(np.concatenate(
            [matrix("q", hidden) * scale, matrix("k", hidden), matrix("v", hidden)]
        ).T)
        self.qkv_bias = np.concatenate([vector("q.b") * scale, vector("k.b"), vector("v.b")])
        self.out = np.ascontiguousarray(matrix("ao", hidden).T)
        self.out_bias = vector("ao.b")
        self.norm1 = (vector("aln.w"), vector("aln.b"))
        self.up = np.ascontiguousarray(matrix("fi", hidden).T)
        self.up_bias = vector("fi.b")
        self.down = np.ascontiguousarray(matrix("fo", ffn).T)
        self.down_bias = vector("fo.b")
        self.norm2 = (vector("oln.w"), vector("oln.b"))


class Encoder:
    def __init__(self, weights: WeightsFile) -> None:
        config = weights.config
        self.config = config
        self.heads = config.heads
        self.head_size = config.hidden // config.heads
        self._words = weights.blocks("emb.word", config.hidden)  # 4-bit, mapped
        positions = weights.floats("emb.pos").reshape(config.max_positions, config.hidden)
        token_type = weights.floats("emb.type")[: config.hidden]
        self._positions = positions + token_type  # every token has type 0
        self._norm = (weights.floats("emb.ln.w"), weights.floats("emb.ln.b"))
        scale = 1.0 / float(np.sqrt(self.head_size))
        self._layers = [_Layer(weights, i, scale) for i in range(config.layers)]

    def mean_pooled(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(batch, length) ids, padded past each row's length -> (batch, hidden) means of
        the last layer over each row's own tokens."""
        batch, length = ids.shape
        hidden, eps = self.config.hidden, self.config.eps
        valid = np.arange(length)[None, :] < lengths[:, None]
        x = dequantise(self._words[ids.reshape(-1)])
        x = x.reshape(batch, length, hidden)
        x += self._positions[:length]
        x = layer_norm(x.reshape(-1, hidden), *self._norm, eps)
        key_mask = None
        if not valid.all():
            key_mask = np.where(valid, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        for layer in self._layers:
            x = self._layer(layer, x, batch, length, key_mask)
        x = x.reshape(batch, length, hidden) * valid[..., None]
        return x.sum(axis=1) / lengths[:, None].astype(np.float32)

    def _layer(
        self, layer: _Layer, x: np.ndarray, batch: int, length: int, key_mask: np.ndarray | None
    ) -> np.ndarray:
        hidden, heads, size = self.config.hidden, self.heads, self.head_size
        eps = self.config.eps
        qkv = x @ layer.qkv
        qkv += layer.qkv_bias
        qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
        scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)  # (batch, heads, length, length)
        if key_mask is not None:
            scores += key_mask
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        context = scores @ qkv[2]
        context /= scores.sum(axis=-1, keepdims=True)  # softmax's division, on fewer values
        context = context.transpose(0, 2, 1, 3).reshape(-1, hidden)
        attended = context @ layer.out
        attended += layer.out_bias
        attended += x
        x = layer_norm(attended, *layer.norm1, eps)
        middle = x @ layer.up
        middle += layer.up_bias
        gelu(middle)
        output = middle @ layer.down
        output += layer.down_bias
        output += x
        return layer_norm(output, *layer.norm2, eps)
