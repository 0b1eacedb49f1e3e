#!/bin/sh
# The docker sandbox's main process (under docker-init as PID 1), run from the host's grader
# package mounted read-only. Usage: sh entry.sh WALL_SECONDS ADDRESS_SPACE_KIB|unlimited
#
# 1. Unpack the job the host sends on stdin (a tar) into /sandbox, the size-limited scratch tmpfs:
#    nothing the host sends stays mounted, so evaluation inputs exist only where the harness puts
#    them.
# 2. Limit the address space (here, not through Docker: runc itself cannot start under a small
#    one), then run the harness under the supervisor (wall clock, kills every leftover process).
# 3. Hand back the harness's two output files by writing into the files the host pre-created in
#    /result (the notebook cannot create files there, and each is capped by the file-size limit).
#    A file the harness did not produce is left empty. Exit with the supervisor's status.
cd /sandbox && tar -x -f - || { echo "[entry] could not unpack the job" >&2; exit 70; }
cd /sandbox/work || exit 70
ulimit -v "$2" || exit 70
python -m grader.sandbox.supervise "$1" -- python -m grader.harness /sandbox/job.json
status=$?
for name in observations.json executed.ipynb; do
  if [ -f "/sandbox/out/$name" ] && [ ! -L "/sandbox/out/$name" ]; then
    cat "/sandbox/out/$name" > "/result/$name"
  else
    : > "/result/$name"
  fi
done
exit $status
