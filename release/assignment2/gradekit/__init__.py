"""gradekit: turn solution notebooks into student releases and grade submissions with pytest.

The path of one submission: unpack -> execute -> check -> score -> report (one module each).
"""
__version__ = "0.1.0"
