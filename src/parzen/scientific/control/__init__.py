"""Control on learned dynamics (seed 002, part 5): system identification and differentiable MPC.

- :class:`SystemIdentifier`: fit a dynamics model ``x' = f(x, u)`` (an NNX module or a function of
  parameters) to recorded trajectories; :class:`LinearDynamics` is the linear model ``A x + B u``.
- :class:`DifferentiableMPC`, :class:`MPCConfig`, :class:`MPCResult`: plan controls with box bounds
  held exactly and state bounds as a penalty, differentiable with respect to state and reference.
"""

from parzen.scientific.control.mpc import DifferentiableMPC, MPCConfig, MPCResult
from parzen.scientific.control.system_id import LinearDynamics, SystemIdentifier

__all__ = ["DifferentiableMPC", "LinearDynamics", "MPCConfig", "MPCResult", "SystemIdentifier"]
