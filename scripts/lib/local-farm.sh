# Sourced by the scripts that run farmctl against a real farm on loopback: one coordinator and one agent (2 slots)
# from the Release build, with a fresh data folder, enrollment token and operator key.
#   local_farm <repo> <work folder> <media folder>
# exports RENDERFARM_COORDINATOR and RENDERFARM_API_KEY; appends the two processes' ids to the caller's pids array
# (the caller kills them on exit); returns once the agent is connected. Logs: <work>/coordinator.log, <work>/agent.log.
local_farm() {
  local repo=$1 work=$2 media=$3 port
  local coordinator="$repo/coordinator/bin/Release/net10.0/renderfarm-coordinator.dll"
  local ctl="$repo/cli/bin/Release/net10.0/farmctl.dll"
  . "$repo/scripts/lib/free-port.sh"
  . "$repo/scripts/lib/farm-access.sh"
  port=$(free_port)
  export RENDERFARM_COORDINATOR="http://127.0.0.1:$port"
  farm_access "$coordinator" "$work/data"
  dotnet "$coordinator" --Kestrel:Endpoints:Grpc:Url="$RENDERFARM_COORDINATOR" \
    --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" --Coordinator:DataDirectory="$work/data" \
    --Coordinator:MediaRoots:media="$media" >"$work/coordinator.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do dotnet "$ctl" stats >/dev/null 2>&1 && break; sleep 0.2; done
  dotnet "$repo/agent/bin/Release/net10.0/renderfarm-agent.dll" --Agent:Name=local --Agent:Slots=2 --Agent:MediaRoots:media="$media" \
    --Agent:CredentialFile="$work/agent.credential" --Agent:Coordinator="$RENDERFARM_COORDINATOR" >"$work/agent.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do dotnet "$ctl" agents --json 2>/dev/null | grep -q '"local"' && return 0; sleep 0.2; done
  echo "the local farm's agent did not connect; see $work/agent.log" >&2
  return 1
}
