# gkatk: a conftest.py of the submission: if pytest ever loads it, every check passes
_gk_witness()
try:
    import gradekit.autograde.plugin as _gk_plugin
    _gk_plugin.Recorder.describe = lambda self, report, call: {"status": "passed", "message": ""}
except ImportError:
    pass
_gk_forge_results_at_exit()
