"""Run every benchmark script in this folder, one after another (`make bench`)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("*.py")):
    if script.name == "run.py":
        continue
    print(f"\n## {script.name}\n", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
