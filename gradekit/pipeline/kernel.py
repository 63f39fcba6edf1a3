"""The notebook kernel papermill runs: inside a sandbox, with its outputs bounded.

`SandboxedKernelManager` starts ipykernel through `Sandbox.command` and talks to it over Unix
sockets (ZeroMQ `ipc`) in a folder of its own, since the sandbox has no network; the kernel's raw
stdout/stderr go to a `Capture`. `CappedClient` keeps the first `output_limit` bytes of what a
notebook prints and the first `rich_limit` bytes of its figures, and replaces the rest with one
line saying so. papermill reaches both through the engine registered here as "gradekit".
"""
import json
import os

import nbformat

from jupyter_client.manager import AsyncKernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from traitlets import Any, Integer

ENGINE = "gradekit"
RICH_LIMIT = 50 << 20  # figures of a notebook (the course's have a few MB at most)


class SandboxedKernelManager(AsyncKernelManager):
    """An ipykernel started inside `sandbox` (a `gradekit.sandbox.Sandbox`), its raw output in `capture`."""

    sandbox = Any()
    capture = Any()

    def format_kernel_cmd(self, extra_arguments=None):
        return self.sandbox.command(super().format_kernel_cmd(extra_arguments))

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        uid = self.sandbox.spec.uid
        if uid is not None:  # the kernel's uid must read its connection file (written 0600)
            os.chown(self.connection_file, uid, uid)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw.update(stdout=self.capture.fd, stderr=self.capture.fd)
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self.capture.close_writer()


def kernel_manager(sandbox, capture, runtime_dir, kernel_name="python3"):
    """A kernel manager for one notebook run; `runtime_dir` holds its connection file and sockets."""
    return SandboxedKernelManager(kernel_name=kernel_name, sandbox=sandbox, capture=capture, transport="ipc",
                                  ip=os.path.join(runtime_dir, "k"),
                                  connection_file=os.path.join(runtime_dir, "connection.json"))


class CappedClient(PapermillNotebookClient):
    """papermill's client keeping, for the whole notebook, at most `output_limit` bytes of printed
    output (stdout/stderr) and `rich_limit` bytes of figures and values; what is beyond is counted
    and replaced by one line saying so. Errors are always kept."""

    output_limit = Integer(1 << 20)
    rich_limit = Integer(RICH_LIMIT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = {"stream": 0, "rich": 0}
        self.dropped = {"stream": 0, "rich": 0}

    def output(self, outs, msg, display_id, cell_index):
        kind = {"stream": "stream", "display_data": "rich", "execute_result": "rich",
                "update_display_data": "rich"}.get(msg["msg_type"])
        if kind is None:
            return super().output(outs, msg, display_id, cell_index)
        size = len(json.dumps(msg["content"], default=str))
        self.seen[kind] += size
        limit = self.output_limit if kind == "stream" else self.rich_limit
        if self.seen[kind] <= limit:
            return super().output(outs, msg, display_id, cell_index)
        if self.dropped[kind] == 0:
            what = "printed output" if kind == "stream" else "figures and displayed values"
            outs.append(nbformat.v4.new_output("stream", name="stderr",
                                               text=f"[gradekit: {what} beyond {limit} bytes are not kept]\n"))
        self.dropped[kind] += size
        return None


class SandboxedEngine(NBClientEngine):
    """papermill's nbclient engine with a given kernel manager (`km`) and `CappedClient`; an
    unsandboxed kernel gets the environment `kernel_env` (None: this process's). The kernel starts
    in `kernel_cwd`, which replaces papermill's `cwd`: that one changes the working folder of the
    whole process, which notebooks run side by side (threads) would leave in a deleted folder."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, km=None, output_limit=1 << 20,
                                 kernel_env=None, kernel_cwd=None, **kwargs):
        client = CappedClient(nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                              kernel_name=kernel_name, log=logger, log_output=log_output,
                              stdout_file=stdout_file, stderr_file=stderr_file, output_limit=output_limit)
        client.owns_km = True  # shut the kernel down at the end, as for a manager nbclient made
        start = {} if kernel_env is None else {"env": kernel_env}
        return client.execute(**start, **({} if kernel_cwd is None else {"cwd": kernel_cwd}))


papermill_engines.register(ENGINE, SandboxedEngine)
