# Sourced by the scripts that start a farm: a fresh enrollment token for the agents and a first operator key,
# both kept in environment variables and never printed.
#   farm_access <coordinator.dll> <data directory>
# exports Coordinator__Security__EnrollmentToken and Agent__EnrollmentToken (the same token) for the processes
# started afterwards, and RENDERFARM_API_KEY (an operator key issued into the data directory) for farmctl.
farm_access() {
  local dll=$1 data=$2
  Coordinator__Security__EnrollmentToken=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  export Coordinator__Security__EnrollmentToken
  export Agent__EnrollmentToken="$Coordinator__Security__EnrollmentToken"
  RENDERFARM_API_KEY=$(dotnet "$dll" keys create --name script-operator --role operator --Coordinator:DataDirectory="$data" 2>/dev/null)
  export RENDERFARM_API_KEY
}
