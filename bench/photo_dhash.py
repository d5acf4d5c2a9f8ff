"""How far a photo's dHash moves when it is resized and re-encoded, and how close different
photos come: the figures behind ``DHASH_SAME_BITS`` (README, Evidence).

    python bench/photo_dhash.py --start 100 --n 100

Draws ``n`` photos with the tests' ``draw_photo`` (seeds ``start`` …), saves each as PNG
and, resized to 320×240, as JPEG quality 70; prints the histogram of the bit distances
between the two, and the smallest distance between different photos.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_photo_hash import _save, draw_photo

from frontlens.store.evidence import DHASH_SAME_BITS, dhash_distance, photo_dhash


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--start", type=int, default=100)
    ap.add_argument("--n", type=int, default=100)
    args = ap.parse_args()
    moved: Counter[int] = Counter()
    hashes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        for seed in range(args.start, args.start + args.n):
            img = draw_photo(seed)
            a = photo_dhash(_save(img, t / f"{seed}.png"))
            b = photo_dhash(_save(img.resize((320, 240)), t / f"{seed}.jpg", quality=70))
            assert a and b
            moved[dhash_distance(a, b)] += 1
            hashes.append(a)
    apart = [dhash_distance(x, y) for i, x in enumerate(hashes) for y in hashes[i + 1:]]
    same = sum(v for k, v in moved.items() if k <= DHASH_SAME_BITS)
    print(f"resized to 320x240, JPEG q70: bits moved {dict(sorted(moved.items()))}; "
          f"within {DHASH_SAME_BITS} bits: {same} of {args.n}")
    if apart:
        print(f"different photos: {len(apart)} pairs, smallest distance {min(apart)}, "
              f"within {DHASH_SAME_BITS} bits: {sum(d <= DHASH_SAME_BITS for d in apart)}")


if __name__ == "__main__":
    main()
