"""``python -m kamlib.training.samples OUT [--lesson L | --profile P] --seed 42``."""

import sys

from .api import main

sys.exit(main())
