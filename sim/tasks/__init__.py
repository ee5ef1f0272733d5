"""The report's tasks, one module per mechanism; the schedule is in ``sim.engine``.

* Task 1, classified reform of municipal and county SOEs: ``task1_pace`` (classes,
  pilots, the working groups' capacity), ``task1_mixed_ownership`` (the stake
  market, SOE stakes in private firms), ``task1_governance`` (boards, managers,
  pay, equity incentives, 能上能下), ``task1_labour`` (能进能出, 能增能减).
"""
