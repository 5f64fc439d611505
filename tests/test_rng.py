"""Named random streams: reproducible, independent, and common across scenarios."""

import dataclasses

import numpy as np

from sim.rng import Streams, stable_hash
from sim.runner import run_one


def test_same_name_same_numbers_different_names_differ():
    a, b = Streams(7, 0), Streams(7, 0)
    xs = [a.get("arrivals").uniform() for _ in range(5)]
    assert xs == [b.get("arrivals").uniform() for _ in range(5)]
    assert xs != [Streams(7, 0).get("other").uniform() for _ in range(5)]
    assert xs != [Streams(7, 1).get("arrivals").uniform() for _ in range(5)]


def test_stable_hash_is_fixed():
    """The hash behind every stream's seed, pinned: another hash would move every result.

    The values are BLAKE2b with a 4-byte digest, read little-endian
    (``hashlib.blake2b(b"arrivals", digest_size=4).hexdigest()`` is ``2f293c70``).
    """
    pinned = {
        "arrivals": 1_882_990_895,
        "arrival": 4_206_029_312,
        "complaints": 4_186_977_132,
        "child": 2_178_981_222,  # entity streams: every child's own stream
        "worker": 2_264_323_332,
        "": 634_351_890,
    }
    assert {name: stable_hash(name) for name in pinned} == pinned


def test_child_streams_are_independent_of_draw_order():
    s1, s2 = Streams(3, 0), Streams(3, 0)
    first = s1.child_stream(5).uniform()
    s2.child_stream(4).uniform()  # another child drawing first changes nothing
    assert s2.child_stream(5).uniform() == first


def test_adding_one_social_worker_does_not_move_referral_arrivals(small_config):
    cfg = small_config(years=1.0, warmup=0.5)
    more = dataclasses.replace(
        cfg,
        authority=dataclasses.replace(
            cfg.authority, social_workers=cfg.authority.social_workers + 1
        ),
    )
    base_rec, more_rec = run_one(cfg, 0).rec, run_one(more, 0).rec
    # First referrals come from the arrivals stream alone; re-referrals after closures
    # in the run may differ.
    first_base = [(cid, d) for d, cid, _, first in base_rec.referrals if first]
    first_more = [(cid, d) for d, cid, _, first in more_rec.referrals if first]
    assert len(first_base) > 500
    assert first_base == first_more
    # ... while the extra worker does change what happens to the children.
    assert not np.array_equal(
        [e["end_day"] or -1 for e in base_rec.episodes],
        [e["end_day"] or -1 for e in more_rec.episodes],
    )
