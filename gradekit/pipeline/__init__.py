"""The path of one submission through the grader: unpack, execute (kernel, reuse), check, score,
report; `grade` runs it for a batch. Student code runs only in `gradekit.sandbox`."""
