#!/bin/sh
# The docker sandbox's main process (under docker-init as PID 1), run from the host's grader
# package mounted read-only. It runs as root in the container, with every capability dropped but
# CHOWN, DAC_OVERRIDE, KILL, SETUID and SETGID, and no new privileges; so do the supervisor and
# the harness. Only the kernel runs as KERNEL_UID, started by the harness through
# grader.sandbox.launch (job.json's kernel_command: its address-space limit, the switch to
# KERNEL_UID, no new privileges), so student code cannot signal, trace or write to anything here.
#
# Usage: sh entry.sh WALL_SECONDS KERNEL_UID KERNEL_FOLDER...
#
# 1. Unpack the job the host sends on stdin (a tar) into /sandbox, the size-limited scratch tmpfs,
#    as root's files (--no-same-owner): nothing the host sends stays mounted, so evaluation inputs
#    exist only where the harness puts them.
# 2. Give the kernel its folders (work, home, tmp, kernel). The rest stays root's: /sandbox and
#    eval/ readable by the kernel (0755; the harness puts the evaluation inputs back there for the
#    probes only), job.json (0600) and out/ (0700), where the harness writes, not even that.
# 3. Run the harness under the supervisor (wall clock, kills every leftover process), from
#    /sandbox, which the kernel cannot write, and with `python -P`: no module of the harness or
#    the supervisor is ever looked for in a folder the kernel can write.
# 4. Hand back the harness's two output files by writing into the files the host pre-created in
#    /result (0700, its files 0600: the kernel can neither read, write nor add to it), once every
#    process of the notebook was killed; each is capped by the file-size limit. A file the
#    harness did not produce is left empty (the host then gives `crashed`, never a grade). Exit
#    with the supervisor's status.
umask 022
wall=$1
kernel_uid=$2
shift 2
cd /sandbox && tar --no-same-owner -x -f - || { echo "[entry] could not unpack the job" >&2; exit 70; }
[ -f /sandbox/job.json ] || { echo "[entry] the job has no job.json" >&2; exit 70; }
chown -R -h "$kernel_uid:$kernel_uid" -- "$@" || { echo "[entry] could not give the kernel its folders" >&2; exit 70; }
chmod 0755 /sandbox /sandbox/eval && chmod 0700 /sandbox/out && chmod 0600 /sandbox/job.json || exit 70
python -P -m grader.sandbox.supervise "$wall" -- python -P -m grader.harness /sandbox/job.json
status=$?
for name in observations.json executed.ipynb; do
  if [ -f "/sandbox/out/$name" ] && [ ! -L "/sandbox/out/$name" ]; then
    cat "/sandbox/out/$name" > "/result/$name"
  else
    : > "/result/$name"
  fi
done
exit $status
