"""Another program that uses a shared-memory block by name (notebook 09). Run by path:

    python shm_program.py attach NAME [--untracked]
        attach to the block NAME, print its first byte, close it, exit;
        --untracked (Python 3.13+): attach with track=False, so that no resource tracker
        registers the block for this program.
    python shm_program.py leak
        create a 16-byte block, print its name, close it without unlink(), exit.

Started on its own (not as a multiprocessing child), the program has a resource tracker of
its own: what that tracker does when the program exits is the point of the demo.
"""

from __future__ import annotations

import argparse
import sys
from multiprocessing import shared_memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    attach = modes.add_parser("attach")
    attach.add_argument("name")
    attach.add_argument("--untracked", action="store_true")
    modes.add_parser("leak")
    args = parser.parse_args()
    if args.mode == "leak":
        block = shared_memory.SharedMemory(create=True, size=16)
        print(block.name, flush=True)
        block.close()  # and no unlink(): the block is leaked
        return 0
    if args.untracked and sys.version_info < (3, 13):
        parser.error("--untracked needs Python 3.13 (SharedMemory's track parameter)")
    options = {"track": False} if args.untracked else {}
    block = shared_memory.SharedMemory(name=args.name, **options)
    try:
        print(f"attached to {args.name}: first byte {block.buf[0]}", flush=True)
    finally:
        block.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
