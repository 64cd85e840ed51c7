#!/usr/bin/env bash
# Replaces a dead node of a running group with a new one, with the Host's own commands alone.
#
# usage: scripts/replace-node.sh FILE DEAD DEAD_PID DEAD_DATA NEW NEW_HOST:NEW_PORT NEW_DATA [HOST COMMAND...]
#   FILE       the cluster file the clients start from (its nodes are only places to ask)
#   DEAD       the id of the node to replace; DEAD_PID its process, killed with kill -9 if it still runs ("-": none)
#   DEAD_DATA  its data directory, deleted: the node never comes back with that data
#   NEW        the new node's id, listening on NEW_HOST:NEW_PORT, with its data in NEW_DATA
#   HOST COMMAND  how to run the Host (default: dotnet run --project src/AkkaRaft.Host --)
# The new node runs in the background, its output in NEW_DATA/NEW.log; its pid is printed ("started NEW, pid N").
set -euo pipefail
[ $# -ge 7 ] || { echo "usage: $0 FILE DEAD DEAD_PID DEAD_DATA NEW NEW_HOST:NEW_PORT NEW_DATA [HOST COMMAND...]" >&2; exit 2; }
file=$1 dead=$2 dead_pid=$3 dead_data=$4 new=$5 new_address=$6 new_data=$7
shift 7
[ $# -gt 0 ] || set -- dotnet run --project src/AkkaRaft.Host --
host=${new_address%:*} port=${new_address##*:}

# 1. The dead node is gone for good: make sure it is not running, and delete its data.
if [ "$dead_pid" != "-" ]; then kill -9 "$dead_pid" 2>/dev/null || true; fi
rm -rf "$dead_data"

# 2. Remove it from the group: the leader commits a configuration without it (the others are a majority).
"$@" remove "$dead" --config "$file"

# 3. Start the new node empty. It waits to be added, never campaigns on its own, and learns the cluster id from
#    the leader that adds it (recorded in its data directory, so the same command restarts it).
mkdir -p "$new_data"
"$@" node --id "$new" --host "$host" --port "$port" --join --config "$file" --data-dir "$new_data" \
  < /dev/null > "$new_data/$new.log" 2>&1 &
echo "started $new, pid $!"
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break
  sleep 0.1
done

# 4. Add it as a voter: the leader adds it as a learner, brings it up to date (by snapshot when its log was
#    compacted), then promotes it; `add` asks again while it has not caught up, until its timeout.
"$@" add "$new" "$new_address" --config "$file"

# 5. The group now.
"$@" members --config "$file"
