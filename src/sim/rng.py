"""Named random streams: one numpy Generator per decision, derived from one seed.

Every stream is seeded from ``SeedSequence(base_seed, spawn_key=(replication, hash(name),
...))`` where ``hash`` is a stable BLAKE2 hash of the stream's name. So:

* the same (seed, replication, name) gives the same numbers in every scenario — common
  random numbers, so scenario differences get their own confidence intervals;
* adding a worker or a case draws from its own streams and does not shift anyone else's;
* nothing ever touches the global ``random`` or ``np.random`` state.

Each child has a stream of its own (``child_stream``), so the same child meets the same
chance events under two scenarios as far as their stories run alike. A numpy Generator
costs about 40 microseconds to create, too much for thousands of children a year, so a
child's stream is a private ``random.Random`` (Mersenne Twister, about 4 microseconds to
create) seeded from a 128-bit replication key made by SeedSequence and a BLAKE2 hash of the
child's id. It is an instance, never the module-level ``random`` state.
"""

from __future__ import annotations

import hashlib
import math
import random

import numpy as np


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same in every process and Python version."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def pick(u: float, probs: tuple[float, ...]) -> int:
    """Index ``i`` where uniform ``u`` falls in the cumulative ``probs``.

    The remainder of 1 goes to index ``len(probs)``.
    """
    acc = 0.0
    for i, p in enumerate(probs):
        acc += p
        if u < acc:
            return i
    return len(probs)


class Draws:
    """Derived draws shared by every stream; subclasses provide uniform() and normal()."""

    __slots__ = ()

    def uniform(self) -> float:  # pragma: no cover - overridden
        """One draw from U[0, 1)."""
        raise NotImplementedError

    def normal(self) -> float:  # pragma: no cover - overridden
        """One draw from N(0, 1)."""
        raise NotImplementedError

    def bernoulli(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.uniform() < p

    def exponential(self, mean: float) -> float:
        """One draw from an exponential distribution with the given mean."""
        return -mean * math.log1p(-self.uniform())

    def lognormal(self, median: float, sigma: float) -> float:
        """One draw from a lognormal distribution given its median and log-scale sd."""
        return median * math.exp(sigma * self.normal())

    def choice(self, probs: tuple[float, ...]) -> int:
        """Index drawn from ``probs`` (the remainder of 1 goes to index ``len(probs)``)."""
        return pick(self.uniform(), probs)


class BufferedStream(Draws):
    """A numpy Generator with buffered uniform and normal draws, for hot scalar draws.

    Scalar draws from a Generator cost about a microsecond each in call overhead; drawing
    blocks and handing them out one by one is several times faster.
    """

    __slots__ = ("gen", "_u", "_ui", "_z", "_zi", "_block")

    def __init__(self, gen: np.random.Generator, block: int = 256) -> None:
        self.gen = gen
        self._block = block
        self._u: list[float] = []
        self._ui = 0
        self._z: list[float] = []
        self._zi = 0

    def uniform(self) -> float:
        """One draw from U[0, 1)."""
        if self._ui >= len(self._u):
            self._u = self.gen.random(self._block).tolist()
            self._ui = 0
        u = self._u[self._ui]
        self._ui += 1
        return u

    def normal(self) -> float:
        """One draw from N(0, 1)."""
        if self._zi >= len(self._z):
            self._z = self.gen.standard_normal(self._block).tolist()
            self._zi = 0
        z = self._z[self._zi]
        self._zi += 1
        return z


class ChildStream(Draws, random.Random):
    """One entity's private stream (see the module docstring for why not numpy).

    It *is* the Mersenne Twister rather than a wrapper around one: a child's weekly
    draw then reaches the generator's state in one step instead of three, which matters
    when the weekly pass walks thousands of children whose streams are not in the CPU
    cache.
    """

    uniform = random.Random.random  # type: ignore[assignment]
    normal = random.Random.gauss  # type: ignore[assignment]


class Streams:
    """The named streams of one replication.

    Args:
        seed: The run's base seed.
        replication: Replication index; the same index gives the same streams in every
            scenario.

    """

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, BufferedStream] = {}
        self._hashes: dict[int, str] = {}
        self._kind_bytes: dict[str, bytes] = {}  # stable_hash of each entity kind, made once
        key = self._seed_sequence(stable_hash("child")).generate_state(4, np.uint32)
        self._child_key = key.tobytes()

    def _seed_sequence(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key))

    def get(self, name: str) -> BufferedStream:
        """The stream for decision ``name`` (created on first use)."""
        stream = self._streams.get(name)
        if stream is None:
            h = stable_hash(name)
            if self._hashes.setdefault(h, name) != name:
                raise ValueError(f"stream names {name!r} and {self._hashes[h]!r} collide")
            stream = BufferedStream(np.random.Generator(np.random.PCG64(self._seed_sequence(h))))
            self._streams[name] = stream
        return stream

    def child_stream(self, child_id: int) -> ChildStream:
        """A stream of one child's own, independent of every other stream."""
        return self.entity_stream("child", child_id)

    def entity_stream(self, kind: str, entity_id: int) -> ChildStream:
        """A stream of one entity's own (a child, a worker), independent of the rest."""
        kind_bytes = self._kind_bytes.get(kind)
        if kind_bytes is None:
            kind_bytes = self._kind_bytes[kind] = stable_hash(kind).to_bytes(4, "little")
        message = kind_bytes + entity_id.to_bytes(8, "little")
        digest = hashlib.blake2b(message, key=self._child_key, digest_size=16)
        return ChildStream(int.from_bytes(digest.digest(), "little"))
