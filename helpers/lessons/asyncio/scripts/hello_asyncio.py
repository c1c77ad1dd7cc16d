"""How a script runs asyncio: one ``asyncio.run(main())``, under the ``__main__`` guard.

Notebook 11 runs this file with a fresh interpreter, to show what a script does where a
notebook cell would simply ``await``.
"""

import asyncio
import threading


async def greet(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"hello from {name}, on {threading.current_thread().name}"


async def main() -> list[str]:
    return await asyncio.gather(greet("task a", 0.02), greet("task b", 0.01))


if __name__ == "__main__":
    for line in asyncio.run(main()):  # creates the loop, runs main, closes the loop
        print(line)
