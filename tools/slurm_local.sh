#!/usr/bin/env bash
# A throwaway single-node Slurm cluster for tests: munged, slurmctld and slurmd from Debian's
# packages (munge, slurmctld, slurmd, slurm-client), on loopback ports, everything (config, key,
# state, logs, pids, sockets) inside one folder; no system file is read or written.
#   tools/slurm_local.sh start DIR   # prints SLURM_CONF=DIR/slurm.conf once the node is idle
#   tools/slurm_local.sh stop DIR    # stops every daemon by its pid file
# Exit status 3 from start: the packages are not installed (a test reports itself skipped).
set -euo pipefail
cmd=${1:?usage: slurm_local.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm_local.sh start|stop DIR}")

stop() {
  local p pid
  # The cluster's jobs first (their processes belong to slurmd's steps), then the daemons.
  if [[ -f "$dir/slurmctld.pid" && -f "$dir/slurm.conf" ]]; then
    SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 50); do
      [[ -z $(SLURM_CONF="$dir/slurm.conf" timeout 5 squeue -h -t running,completing 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
  for p in slurmd slurmctld munged; do
    [[ -f "$dir/$p.pid" ]] || continue
    pid=$(cat "$dir/$p.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$p.pid"
  done
}

if [[ $cmd == stop ]]; then
  stop
  exit 0
fi
[[ $cmd == start ]] || { echo "slurm_local.sh: unknown command '$cmd'" >&2; exit 2; }
for b in munged mungekey slurmctld slurmd sbatch squeue; do
  if ! PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null; then
    echo "slurm_local.sh: $b is not installed (Debian: munge slurmctld slurmd slurm-client)" >&2
    exit 3
  fi
done
PATH=$PATH:/usr/sbin:/sbin
mkdir -p "$dir"/{state,spool,log,munge}
chmod 700 "$dir/munge"
# Free loopback ports: two consecutive ones from a range chosen by the folder's name.
port() {
  local p
  for p in $(shuf -i 20000-59000 -n 50); do
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  echo 0
}
ctl_port=$(port) d_port=$(port)
user=$(id -un)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))

mungekey --create --keyfile "$dir/munge/munge.key" --force 2>/dev/null ||
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$dir/munge/munge.key"
# --force: the test's folder lives under /tmp, which munged calls insecure (world-writable).
munged --force --key-file "$dir/munge/munge.key" --socket "$dir/munge/munge.sock" \
  --pid-file "$dir/munged.pid" --log-file "$dir/log/munged.log" --seed-file "$dir/munge/seed" \
  2>>"$dir/log/munged.log" || started munged

cat >"$dir/slurm.conf" <<CONF
ClusterName=filmtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
MaxArraySize=10001
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=$(hostname) CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
# Slurm 22.05's slurmd always sets up a cgroup plugin, and by default looks for a cgroup file
# system at /sys/fs/cgroup (a chroot or a bare container has none: "slurmd initialization
# failed"). The v1 plugin named outright needs none, and with linuxproc process tracking and no
# task plugin nothing uses it.
echo "CgroupPlugin=cgroup/v1" >"$dir/cgroup.conf"
export SLURM_CONF=$dir/slurm.conf
started() {  # a daemon that did not start: its log, and everything stopped
  echo "slurm_local.sh: $1 did not start; its log ($dir/log/$1.log) ends:" >&2
  tail -n 8 "$dir/log/$1.log" >&2 || true
  stop
  exit 1
}
slurmctld -i -f "$SLURM_CONF" 2>>"$dir/log/slurmctld.log" || started slurmctld
slurmd -N localhost -f "$SLURM_CONF" 2>>"$dir/log/slurmd.log" || started slurmd
for _ in $(seq 150); do
  if sinfo -h -N -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then
    echo "SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "slurm_local.sh: the node did not come up; logs in $dir/log" >&2
tail -5 "$dir"/log/*.log >&2 || true
stop
exit 1
