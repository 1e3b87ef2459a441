"""What the torch-based adapters share: the registry's numpy arguments as float64 tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

F64 = torch.float64


def float64_tensor(x: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=F64)
