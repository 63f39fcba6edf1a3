"""Attack submissions for tests/test_attacks.py: the table (table.py), how attacks are planted in
a submission (build.py) and the attack code itself (payloads/*.py, planted after a `GKATK = {...}`
line and the shared `payloads/_prelude.py`)."""
